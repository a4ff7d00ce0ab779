"""The three derivations, the proof that they agree, and their printed forms."""

from __future__ import annotations

import json

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from sympy.parsing.sympy_parser import parse_expr

from symnet.calculus.derivation import derive, loss_substituted_size
from symnet.calculus.derivation_format import (
    derivation_dict,
    derivation_latex,
    derivation_markdown,
    derivation_text,
)
from symnet.calculus.proofs import prove
from symnet.demos import walkthrough_text
from symnet.exceptions import SpecError
from symnet.graph import activations, losses
from symnet.graph.build import build_network
from symnet.graph.losses import add_loss
from symnet.graph.size import substituted_size
from symnet.numeric.functions import lambdify_modules
from symnet.numeric.points import random_point
from tests.gradient_oracles import finite_difference_gradient, leaves, spec_and_loss

SEED = "3-2:sigmoid-2:sigmoid-1:sigmoid"

# Every SymPy head symnet prints, for parsing JSON strings back in the tests.
NAMESPACE = {
    name: getattr(module, name)
    for module, names in (
        (activations, ("ReLU", "step", "LeakyReLU", "leaky_step", "sigmoid", "softmax")),
        (losses, ("softplus", "logsumexp")),
    )
    for name in names
}


@settings(max_examples=25)
@given(spec_and_loss(max_hidden=1), st.booleans())
def test_the_three_routes_agree_symbolically_on_tiny_networks(spec_loss, bias) -> None:
    spec, loss = spec_loss
    d = derive(spec, loss=loss, bias=bias)
    assert not d.refused
    assert d.proof.method == "symbolic"
    assert d.proof.routes == ("chain rule", "backprop", "sympy.diff")
    assert d.proof.holds, d.proof.failures


@settings(max_examples=15)
@given(spec_and_loss(max_hidden=1, max_width=3), st.booleans(), st.integers(0, 2**16))
def test_sympy_diff_matches_finite_differences(spec_loss, bias, seed) -> None:
    # Independent evaluation: lambdify route (c) ourselves and compare it to central
    # differences of the substituted loss (routes (a) and (b) are proven equal to it).
    spec, loss = spec_loss
    net = add_loss(build_network(spec, bias=bias), loss)
    d = derive(net, prove_equal=False)
    point = random_point(net, seed)
    reference = finite_difference_gradient(net, point)
    modules = lambdify_modules()
    names = leaves(net)
    args = [point[n] for n in names]
    symbols = [sp.Symbol(n) for n in names]
    for p, record in d.parameters.items():
        direct = float(sp.lambdify(symbols, record.direct, modules)(*args))
        assert direct == pytest.approx(reference[p], rel=1e-5, abs=1e-7), p


def test_a_numeric_proof_covers_networks_too_big_for_sympy_diff() -> None:
    d = derive("6-6:relu-6:sigmoid-6:tanh-3:softmax", bias=True)
    assert loss_substituted_size(d.network) > 400
    assert d.proof.method == "numeric" and d.proof.holds
    assert "backprop" in d.proof.routes and "chain rule" in d.proof.routes
    assert 1 < len(d.proof.checked) <= 12


def test_a_broken_gradient_is_caught_by_the_proof() -> None:
    d = derive("2-2:sigmoid-1", wrt="w1")
    d.parameters["w1"].expanded *= 2  # corrupt route (b)
    assert not prove(d).holds
    big = derive("4-4:sigmoid-4:tanh-3:softmax", wrt=("w1",))
    assert big.proof.method == "numeric" and big.proof.holds
    big.network.graph.edges["w1", "z_A"]["partial"] = sp.Symbol("X2")  # corrupt an edge
    big.parameters["w1"].paths = None  # so that the paths are read again
    proof = prove(big)
    assert not proof.holds and "sympy.diff" in proof.failures[0]


def test_loss_substituted_size_bounds_the_real_expression() -> None:
    for spec in ("3-2-1", "2-3:relu-2:softmax", "2-2:tanh-1:sigmoid"):
        net = build_network(spec, bias=True)
        loss = "ce" if "softmax" in spec else "mse"
        add_loss(net, loss)
        leaves_count = sum(1 for _ in sp.preorder_traversal(net.substituted("L")) if _.is_Atom)
        assert leaves_count <= loss_substituted_size(net) <= 20 * leaves_count
    assert substituted_size(build_network("16-16-16-16-16-1").spec, False) > 200_000


def test_large_networks_refuse_paths_and_substitution_with_hints_but_not_backprop() -> None:
    d = derive("16-16-16-16-16-1")
    assert set(d.refused) == {"chain rule", "sympy.diff"}
    assert "wrt=NAME" in d.refused["chain rule"]
    assert "backprop deltas" in d.refused["sympy.diff"]
    assert len(d.parameters) == 16 * 16 * 4 + 16 and d.proof.holds
    one = derive("16-16-16-16-16-1", wrt="w1")
    assert "chain rule" not in one.refused and len(one.parameters["w1"].paths) == 4096


def test_seed_network_text_shows_the_paths_through_C_and_D_and_the_cache() -> None:
    text = derivation_text(derive(SEED, wrt="w1"))
    assert "w1 -> z_A -> A -> z_C -> C -> z_y -> y -> L" in text
    assert "w1 -> z_A -> A -> z_D -> D -> z_y -> y -> L" in text
    assert "dL/dy * dy/dz_y * dz_y/dC * dC/dz_C * dz_C/dA * dA/dz_A * dz_A/dw1" in text
    assert "delta_z_C, delta_z_D already computed" in text
    assert "reuses delta_z_A" in text and "also read by w3, w5" in text
    assert "92 by the paths, 23 with the cache" in text
    assert "holds" in text


def test_latex_and_markdown_forms() -> None:
    d = derive(SEED, wrt="w1")
    latex = derivation_latex(d)
    assert latex.startswith(r"\begin{aligned}") and latex.endswith(r"\end{aligned}")
    assert r"\frac{\partial L}{\partial w_{1}}" in latex and r"\delta_{z_{A}}" in latex
    markdown = derivation_markdown(d)
    assert "| backprop with cached deltas | 23 |" in markdown and "$$" in markdown


@settings(max_examples=15)
@given(spec_and_loss(max_hidden=1), st.booleans(), st.integers(0, 2**16))
def test_json_gradients_parse_back_and_match_sympy_diff(spec_loss, bias, seed) -> None:
    spec, loss = spec_loss
    d = derive(spec, loss=loss, bias=bias)
    data = json.loads(json.dumps(derivation_dict(d)))
    net = d.network
    point = random_point(net, seed)
    # Forward values by SymPy, then the JSON's delta sweep in its own order.
    values = {sp.Symbol(n): sp.Float(v, 30) for n, v in point.items()}
    for node in net.topological_order():
        if net.definition(node) is not None:
            values[sp.Symbol(node)] = net.definition(node).xreplace(values).evalf(30)
    values[sp.Symbol("delta_" + data["loss_node"])] = sp.Integer(1)
    for delta in data["deltas"]:
        expr = parse_expr(delta["expression"], local_dict=dict(NAMESPACE))
        values[sp.Symbol(delta["name"])] = expr.xreplace(values).evalf(30)
    loss_expr = net.substituted(data["loss_node"])
    at = {sp.Symbol(n): sp.Float(v, 30) for n, v in point.items()}
    for entry in data["parameters"]:
        assert set(entry) >= {"name", "paths", "gradient", "reuses"}
        gradient = parse_expr(entry["gradient"], local_dict=dict(NAMESPACE))
        assert {s.name for s in gradient.free_symbols if s.name.startswith("delta_")} == set(
            entry["reuses"]
        )
        value = float(gradient.xreplace(values).evalf(30))
        direct = float(sp.diff(loss_expr, sp.Symbol(entry["name"])).xreplace(at).evalf(30))
        assert value == pytest.approx(direct, rel=1e-12, abs=1e-15)
        assert len(entry["paths"]) == len(entry["path_nodes"])
    assert data["multiplications_cached"] <= data["multiplications_naive"]


def test_wrt_must_name_a_parameter() -> None:
    with pytest.raises(SpecError) as error:
        derive("3-2-1", wrt="w99")
    message = str(error.value)
    assert "w1 .. w8" in message and "wrt='all'" in message and "\n" not in message


def test_a_network_keeps_its_loss() -> None:
    net = add_loss(build_network("2-1:sigmoid"), "bce")
    assert derive(net).loss == "bce"
    with pytest.raises(SpecError, match="already has the loss 'bce'"):
        derive(net, loss="mse")


def test_indexed_names_and_bce_default_to_the_logit_edge() -> None:
    d = derive("2-2:relu-1:sigmoid", loss="bce", names="indexed", bias=True)
    assert d.parameters["w2_1_1"].factors[0][0] == "dL/dz2_1"
    assert d.proof.holds


def test_walkthrough_text_has_the_cache_the_counts_and_a_descent_step() -> None:
    text = walkthrough_text()
    assert "delta_z_A" in text and "already computed" in text
    assert "92 by the paths, 23 with the cache" in text
    assert "One gradient-descent step" in text and "(lower)" in text
