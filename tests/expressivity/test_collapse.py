from __future__ import annotations

import time

import networkx as nx
import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from symnet.exceptions import SizeLimitError
from symnet.expressivity.collapse import collapse
from symnet.graph.build import build_network
from tests.strategies import linear_specs

# The notes' expansion of the 3-2-2-1 network, written out by hand in their order.
NOTES_TERMS = [
    "w11 w7 w1 X1", "w11 w7 w3 X2", "w11 w7 w5 X3",
    "w11 w9 w2 X1", "w11 w9 w4 X2", "w11 w9 w6 X3",
    "w12 w8 w1 X1", "w12 w8 w3 X2", "w12 w8 w5 X3",
    "w12 w10 w2 X1", "w12 w10 w4 X2", "w12 w10 w6 X3",
]  # fmt: skip


def test_seed_collapse_reproduces_the_notes_term_for_term():
    result = collapse("3-2-2-1", names="seed")
    terms = [" ".join(map(str, factors)) for factors in result.terms["y"]]
    assert terms == NOTES_TERMS
    assert result.paths == 12
    w = sp.symbols("w1:13")
    A, B, C, D = sp.symbols("A B C D")
    X = sp.symbols("X1:4")
    steps = result.steps
    assert steps[0]["y"] == w[10] * C + w[11] * D
    assert steps[1]["y"] == w[10] * (w[6] * A + w[8] * B) + w[11] * (w[7] * A + w[9] * B)
    a_def = w[0] * X[0] + w[2] * X[1] + w[4] * X[2]
    b_def = w[1] * X[0] + w[3] * X[1] + w[5] * X[2]
    assert steps[2]["y"] == w[10] * (w[6] * a_def + w[8] * b_def) + w[11] * (
        w[7] * a_def + w[9] * b_def
    )


def test_seed_effective_weights_are_entries_of_w3_w2_w1():
    result = collapse("3-2-2-1")
    w = sp.symbols("w1:13")
    W1 = sp.Matrix([[w[0], w[2], w[4]], [w[1], w[3], w[5]]])
    W2 = sp.Matrix([[w[6], w[8]], [w[7], w[9]]])
    W3 = sp.Matrix([[w[10], w[11]]])
    product = W3 * W2 * W1
    for col, x in enumerate(["X1", "X2", "X3"]):
        assert sp.expand(result.effective_weights[x] - product[0, col]) == 0
    assert result.identity_proven


def _path_count(net) -> int:
    sources = [n for n, d in net.graph.nodes(data=True) if d["kind"] in ("input", "bias")]
    # Paths through units only: drop weight nodes, which are leaves feeding one unit each.
    units = net.graph.subgraph(n for n, d in net.graph.nodes(data=True) if d["kind"] != "weight")
    return sum(
        len(list(nx.all_simple_paths(units, s, out))) for s in sources for out in net.outputs
    )


@given(linear_specs(max_layers=3, max_width=3), st.booleans(), st.integers(0, 2**31))
def test_effective_weights_equal_matrix_product_numerically(text, bias, seed):
    result = collapse(text, bias=bias)
    net = result.network
    rng = np.random.default_rng(seed)
    values = {
        sp.Symbol(p): float(v) for p, v in zip(net.parameters, rng.normal(size=len(net.parameters)))
    }
    # Independent route: NumPy's matrix product of the numeric weight matrices.
    product = np.eye(len(net.inputs))
    offset = np.zeros(len(net.inputs))
    for layer in range(1, len(net.layers) + 1):
        W = np.array(net.weight_matrix(layer).subs(values), dtype=float)
        b = np.array(net.bias_vector(layer).subs(values), dtype=float).ravel()
        product, offset = W @ product, W @ offset + b
    for row, out in enumerate(net.outputs):
        weights = result.weights_of(out)
        got = [float(weights[x].subs(values)) for x in net.inputs]
        np.testing.assert_allclose(got, product[row], rtol=1e-10, atol=1e-12)
        if bias:
            assert float(result.effective_bias[out].subs(values)) == pytest.approx(
                offset[row], abs=1e-10
            )


@given(linear_specs(max_layers=3, max_width=3), st.booleans())
def test_number_of_terms_equals_number_of_paths(text, bias):
    result = collapse(text, bias=bias)
    net = result.network
    assert result.paths == _path_count(net)
    for out in net.outputs:
        expanded = sp.expand(result.steps[-1][out])
        assert len(sp.Add.make_args(expanded)) == len(result.terms[out])


def test_nonlinear_collapse_fails_with_a_checked_witness():
    result = collapse("3-2:relu-1")
    assert not result.linear
    assert result.steps[-1]["y"].has(sp.Function)
    witness = result.witness
    # Recompute f with NumPy from the witness weights, independently of symnet's evaluator.
    net = result.network
    w = witness["weights"]

    def f(x):
        hidden = np.maximum(
            np.array([[w["w1"], w["w3"], w["w5"]], [w["w2"], w["w4"], w["w6"]]]) @ x, 0
        )
        return float(np.array([w["w7"], w["w8"]]) @ hidden)

    u, v = np.array(witness["u"]), np.array(witness["v"])
    assert f(u) == pytest.approx(witness["f_u"]) and f(u + v) == pytest.approx(
        witness["f_u_plus_v"]
    )
    assert f(u + v) != pytest.approx(f(u) + f(v))
    assert net.spec.is_linear is False


@pytest.mark.parametrize("text", ["2-2:sigmoid-1", "2-3:tanh-2:leaky_relu-1", "3-2:softmax"])
def test_every_activation_breaks_the_collapse(text):
    result = collapse(text)
    assert result.witness is not None
    assert abs(result.witness["additivity_gap"]) > 1e-9 or result.witness["f_zero"] != 0


def test_huge_expansion_is_refused_within_a_second():
    start = time.perf_counter()
    with pytest.raises(SizeLimitError, match=r"~2\.4e\+12 terms.*max_terms="):
        collapse("300-300-300-300-300-1")
    assert time.perf_counter() - start < 1.0


def test_limit_can_be_raised_and_lowered():
    with pytest.raises(SizeLimitError):
        collapse("3-2-2-1", max_terms=11)
    assert collapse("3-2-2-1", max_terms=12).paths == 12


def test_latex_repr_and_indexed_names():
    result = collapse(build_network("2-2-1", names="indexed", bias=True))
    latex = result._repr_latex_()
    assert r"w^{(2)}_{1,1}" in latex and latex.startswith("$$")
    assert result.identity_proven
