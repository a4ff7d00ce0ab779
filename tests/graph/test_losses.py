"""Losses as graph nodes: definitions, partials, stable NumPy forms and validation."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from symnet.exceptions import SpecError
from symnet.graph.activations import sigmoid, softmax
from symnet.graph.build import build_network
from symnet.graph.losses import LOSSES, add_loss, default_loss, logsumexp, softplus
from symnet.graph.spec import parse_spec
from symnet.numeric.functions import NUMPY_FUNCTIONS as LOSS_NUMPY_FUNCTIONS
from symnet.numeric.functions import lambdify_modules

finite = st.floats(-30, 30, allow_nan=False)


def test_the_five_losses_are_named() -> None:
    assert LOSSES == ("mse", "bce", "ce", "mae", "huber")


def test_add_loss_adds_targets_and_one_loss_node_and_returns_the_network() -> None:
    net = build_network("3-2:sigmoid-2:sigmoid-1:sigmoid")
    before = net.graph.number_of_nodes()
    assert add_loss(net, "mse") is net
    assert (net.loss, net.loss_node, net.targets) == ("mse", "L", ("t",))
    assert net.graph.number_of_nodes() == before + 2
    assert net.kind("t") == "target" and net.kind("L") == "loss"
    assert net.graph.nodes["t"]["definition"] is None
    assert set(net.graph.predecessors("L")) == {"y", "t"}


@pytest.mark.parametrize(
    ("names", "spec", "expected"),
    [
        ("seed", "2-1", ("t",)),
        ("seed", "2-3", ("t1", "t2", "t3")),
        ("indexed", "2-1", ("t1",)),
        ("indexed", "2-2:softmax", ("t1", "t2")),
    ],
)
def test_target_names(names: str, spec: str, expected: tuple[str, ...]) -> None:
    assert add_loss(build_network(spec, names=names), "mse").targets == expected


def test_mse_is_half_the_summed_squared_error_with_partials_y_minus_t() -> None:
    net = add_loss(build_network("2-2"), "mse")
    y1, y2, t1, t2 = sp.symbols("y1 y2 t1 t2")
    assert sp.expand(net.definition("L") - ((y1 - t1) ** 2 + (y2 - t2) ** 2) / 2) == 0
    edges = net.graph.edges
    assert sp.expand(edges["y1", "L"]["partial"] - (y1 - t1)) == 0
    assert sp.expand(edges["t2", "L"]["partial"] - (t2 - y2)) == 0


def test_bce_edges_come_from_the_logit_not_from_the_sigmoid_output() -> None:
    net = add_loss(build_network("2-1:sigmoid"), "bce")
    z, t = sp.symbols("z_y t")
    assert set(net.graph.predecessors("L")) == {"z_y", "t"}
    assert sp.expand(net.graph.edges["z_y", "L"]["partial"] - (sigmoid(z) - t)) == 0


def test_ce_partials_are_softmax_minus_target() -> None:
    net = add_loss(build_network("2-3:softmax", names="indexed"), "ce")
    zs = sp.symbols("z1_1 z1_2 z1_3")
    for k, z in enumerate(zs):
        partial = net.graph.edges[f"z1_{k + 1}", "L"]["partial"]
        assert sp.expand(partial - (softmax(z, *zs) - sp.Symbol(f"t{k + 1}"))) == 0


@given(z=st.floats(-15, 15), t=st.floats(0, 1))
def test_bce_definition_equals_the_textbook_cross_entropy(z: float, t: float) -> None:
    net = add_loss(build_network("1-1:sigmoid"), "bce")
    f = sp.lambdify(sp.symbols("z_y t"), net.definition("L"), modules=lambdify_modules())
    s = 1 / (1 + math.exp(-z))
    textbook = -t * math.log(s) - (1 - t) * math.log1p(-s)
    assert float(f(z, t)) == pytest.approx(textbook, rel=1e-9, abs=1e-9)


@given(zs=st.lists(finite, min_size=2, max_size=4), data=st.data())
def test_ce_definition_equals_minus_log_softmax_of_the_true_class(zs, data) -> None:
    n = len(zs)
    net = add_loss(build_network(f"1-{n}:softmax", names="indexed"), "ce")
    hot = data.draw(st.integers(0, n - 1))
    symbols = [sp.Symbol(f"z1_{k + 1}") for k in range(n)] + [sp.Symbol(t) for t in net.targets]
    f = sp.lambdify(symbols, net.definition("L"), modules=lambdify_modules())
    targets = [float(k == hot) for k in range(n)]
    shift = max(zs)
    log_softmax = zs[hot] - shift - math.log(sum(math.exp(z - shift) for z in zs))
    assert float(f(*zs, *targets)) == pytest.approx(-log_softmax, rel=1e-9, abs=1e-9)


def test_stable_numpy_forms_do_not_overflow_at_extreme_logits() -> None:
    sp_f, lse_f = LOSS_NUMPY_FUNCTIONS["softplus"], LOSS_NUMPY_FUNCTIONS["logsumexp"]
    assert float(sp_f(1000.0)) == 1000.0 and float(sp_f(-1000.0)) == 0.0
    assert float(lse_f(1000.0, 1000.0)) == pytest.approx(1000.0 + math.log(2))
    assert float(lse_f(-1000.0, 0.0)) == pytest.approx(0.0)
    np.testing.assert_allclose(sp_f(np.array([-2.0, 0.0, 3.0])), np.log1p(np.exp([-2.0, 0.0, 3.0])))


def test_sympy_loss_functions_differentiate_and_evaluate_consistently() -> None:
    z, a, b = sp.symbols("z a b")
    assert sp.diff(softplus(z), z) == sigmoid(z)
    assert sp.diff(logsumexp(a, b), a) == softmax(a, a, b)
    assert float(softplus(2).evalf()) == pytest.approx(math.log1p(math.exp(2)))
    assert float(logsumexp(1, 2).evalf()) == pytest.approx(math.log(math.e + math.e**2))


@pytest.mark.parametrize(
    ("spec", "loss", "fragment"),
    [
        ("3-3:softmax", "bce", "loss='bce' needs a 1:sigmoid output layer; got 3:softmax"),
        ("3-2:sigmoid", "bce", "got 2:sigmoid"),
        ("3-1:sigmoid", "ce", "loss='ce' needs a softmax output layer"),
        ("3-1", "hinge", "loss must be one of 'mse', 'bce', 'ce', 'mae', 'huber' or a formula"),
    ],
)
def test_a_loss_that_does_not_fit_is_one_line_naming_the_fix(spec, loss, fragment) -> None:
    with pytest.raises(SpecError) as error:
        add_loss(build_network(spec), loss)
    assert fragment in str(error.value) and "\n" not in str(error.value)


def test_a_second_loss_is_refused() -> None:
    net = add_loss(build_network("2-1"), "mse")
    with pytest.raises(SpecError, match="already has the loss"):
        add_loss(net, "mse")


def test_default_loss_is_ce_for_softmax_and_mse_otherwise() -> None:
    assert default_loss(parse_spec("2-3:softmax")) == "ce"
    assert default_loss(parse_spec("2-1:sigmoid")) == "mse"
    assert default_loss(parse_spec("2-2:relu-1")) == "mse"


def test_the_loss_node_is_L_even_with_many_hidden_units() -> None:
    # The seed scheme never names a unit L, so the loss node keeps the notes' name.
    net = add_loss(build_network("1-30-1"), "mse")
    assert net.loss_node == "L" and net.kind("L") == "loss"
