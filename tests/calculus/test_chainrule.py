"""The chain rule over paths: path counts, enumeration, Leibniz factors and size guards."""

from __future__ import annotations

import networkx as nx
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from symnet.calculus.chainrule import (
    MAX_PATHS,
    chain_rule_gradient,
    chain_rule_paths,
    leibniz_factors,
    leibniz_latex,
    path_counts,
    path_edge_totals,
    path_product,
    require_paths,
)
from symnet.exceptions import SizeLimitError, SpecError
from symnet.graph.build import build_network
from symnet.graph.losses import add_loss
from tests.gradient_oracles import spec_and_loss


@given(spec_and_loss(max_hidden=2, max_width=3), st.booleans())
def test_counts_and_paths_match_networkx_enumeration(spec_loss, bias) -> None:
    spec, loss = spec_loss
    net = add_loss(build_network(spec, bias=bias), loss)
    counts, totals = path_counts(net), path_edge_totals(net)
    for node in net.graph:
        brute = list(nx.all_simple_paths(net.graph, node, "L")) if node != "L" else [["L"]]
        assert counts[node] == len(brute)
        assert totals[node] == sum(len(p) - 1 for p in brute)
    for p in net.parameters:
        expected = {tuple(q) for q in nx.all_simple_paths(net.graph, p, "L")}
        assert set(chain_rule_paths(net, p)) == expected


def test_the_notes_paths_of_w1_go_through_C_and_D() -> None:
    net = add_loss(build_network("3-2:sigmoid-2:sigmoid-1:sigmoid"), "mse")
    paths = chain_rule_paths(net, "w1")
    assert paths == [
        ("w1", "z_A", "A", "z_C", "C", "z_y", "y", "L"),
        ("w1", "z_A", "A", "z_D", "D", "z_y", "y", "L"),
    ]
    # Loss end first, as the notes write dLoss/dsigma3 * dsigma3/dz3 * dz3/dw31.
    assert leibniz_factors(net, paths[0]) == [
        "dL/dy", "dy/dz_y", "dz_y/dC", "dC/dz_C", "dz_C/dA", "dA/dz_A", "dz_A/dw1",
    ]  # fmt: skip
    assert leibniz_latex(net, paths[0]).startswith(
        r"\frac{\partial L}{\partial y} \cdot \frac{\partial y}{\partial z_{y}}"
    )


def test_the_linear_networks_gradient_is_the_hand_derived_sum_of_path_products() -> None:
    net = add_loss(build_network("3-2-2-1"), "mse")
    X1, y, t, w7, w8, w11, w12 = sp.symbols("X1 y t w7 w8 w11 w12")
    assert sp.expand(chain_rule_gradient(net, "w1") - (y - t) * (w11 * w7 + w12 * w8) * X1) == 0
    assert path_product(net, ("w11", "y", "L")) == sp.Symbol("C") * (y - t)


@given(spec_and_loss(max_hidden=1), st.booleans())
def test_the_path_sum_equals_sympy_diff_after_substitution(spec_loss, bias) -> None:
    spec, loss = spec_loss
    net = add_loss(build_network(spec, bias=bias), loss)
    values: dict = {}
    for node in net.topological_order():
        if net.definition(node) is not None:
            values[sp.Symbol(node)] = net.definition(node).xreplace(values)
    loss_expr = values[sp.Symbol("L")]
    p = net.parameters[0]
    point = {
        s: sp.Rational(k + 2, 7) * (-1) ** k
        for k, s in enumerate(sorted(loss_expr.free_symbols, key=str))
    }
    by_paths = chain_rule_gradient(net, p).xreplace(values).xreplace(point)
    direct = sp.diff(loss_expr, sp.Symbol(p)).xreplace(point)
    assert float((by_paths - direct).evalf(30)) == pytest.approx(0, abs=1e-20)


def test_a_node_that_cannot_reach_the_loss_has_no_paths() -> None:
    net = add_loss(build_network("2-1:sigmoid"), "bce")  # bce reads the logit z_y, not y
    assert path_counts(net)["y"] == 0 and path_counts(net)["z_y"] == 1


def test_too_many_paths_are_refused_before_enumerating() -> None:
    net = add_loss(build_network("16-16-16-16-16-1"), "mse")
    assert path_counts(net)["w1"] == 16**3
    with pytest.raises(SizeLimitError, match=r"wrt=NAME\) or use the backprop deltas"):
        require_paths(net, net.parameters)
    with pytest.raises(SizeLimitError):
        chain_rule_paths(net, "w1", limit=100)
    assert len(chain_rule_paths(net, "w1")) == 4096 <= MAX_PATHS


def test_unknown_names_and_missing_losses_are_spec_errors() -> None:
    net = add_loss(build_network("2-1"), "mse")
    with pytest.raises(SpecError, match="not a node"):
        require_paths(net, ["w99"])
    with pytest.raises(SpecError, match="add_loss"):
        path_counts(build_network("2-1"))
