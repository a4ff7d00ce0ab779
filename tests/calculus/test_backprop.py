"""Backprop as dynamic programming: cached deltas, gradients and multiplication counts."""

from __future__ import annotations

import networkx as nx
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from symnet.calculus.backprop import (
    backprop_values,
    cached_deltas,
    delta_latex,
    delta_symbol,
    delta_users,
    expanded_deltas,
    gradients,
    latex,
    multiplication_counts,
    reuses,
    sweep_order,
)
from symnet.exceptions import SpecError
from symnet.graph.build import build_network
from symnet.graph.losses import add_loss
from symnet.numeric.forward import forward_values
from symnet.numeric.functions import lambdify_modules
from symnet.numeric.points import random_point
from tests.gradient_oracles import (
    finite_difference_gradient,
    leaves,
    spec_and_loss,
    torch_gradient,
)


def seed_network():
    return add_loss(build_network("3-2:sigmoid-2:sigmoid-1:sigmoid"), "mse")


def test_each_delta_is_written_in_its_successors_delta_symbols() -> None:
    net = seed_network()
    deltas = cached_deltas(net)
    assert deltas["L"] == 1
    for node, delta in deltas.items():
        used = {s.name for s in delta.free_symbols if s.name.startswith("delta_")}
        expected = {f"delta_{s}" for s in net.graph.successors(node) if s in deltas and s != "L"}
        assert used == expected, node
    # The notes' reuse: A's delta reads the two deltas above it, already computed.
    assert deltas["A"] == delta_symbol("z_C") * sp.Symbol("w7") + delta_symbol("z_D") * sp.Symbol(
        "w8"
    )


def test_deltas_cover_exactly_the_nodes_that_reach_the_loss_in_reverse_order() -> None:
    net = add_loss(build_network("2-2:relu-1:sigmoid", bias=True), "bce")
    deltas = cached_deltas(net)
    assert set(deltas) == nx.ancestors(net.graph, "L") | {"L"}
    assert "y" not in deltas  # under bce the loss is computed from the logit z_y
    order = sweep_order(net)
    assert order[0] == "L" and list(deltas) == order
    position = {n: k for k, n in enumerate(order)}
    edges = [(t, h) for t, h in net.graph.edges if t in deltas and h in deltas]
    assert all(position[head] < position[tail] for tail, head in edges)


def test_a_gradient_is_the_fed_nodes_delta_times_one_local_partial() -> None:
    net = seed_network()
    grads = gradients(net)
    for p in net.parameters:
        (fed,) = net.graph.successors(p)
        assert grads[p] == delta_symbol(fed) * net.graph.edges[p, fed]["partial"]
    assert reuses(net)["w1"] == ("delta_z_A",)
    assert delta_users(net)["z_A"] == ("w1", "w3", "w5")


def test_expanded_deltas_contain_node_symbols_only() -> None:
    net = seed_network()
    node_symbols = {sp.Symbol(n) for n in net.graph}
    for delta in expanded_deltas(net).values():
        assert delta.free_symbols <= node_symbols


def test_the_seed_networks_multiplication_counts_by_hand() -> None:
    # Paths (each of m edges costs m - 1 multiplications): w1..w6 have 2 paths of 7 edges,
    # w7..w10 one of 5, w11, w12 one of 3: 6*2*6 + 4*4 + 2*2 = 92. Cached: the 12 parameter
    # edges and the 11 edges between z_A .. y, the edge y -> L being free: 23.
    assert multiplication_counts(seed_network()) == (92, 23)
    assert multiplication_counts(add_loss(build_network("3-2-2-1"), "mse")) == (46, 18)


@given(spec_and_loss(max_hidden=2, max_width=3), st.booleans())
def test_the_naive_count_is_the_brute_force_path_count_and_never_below_the_cache(
    spec_loss, bias
) -> None:
    spec, loss = spec_loss
    net = add_loss(build_network(spec, bias=bias), loss)
    naive, cached = multiplication_counts(net)
    brute = sum(
        len(path) - 2 for p in net.parameters for path in nx.all_simple_paths(net.graph, p, "L")
    )
    assert naive == brute
    assert cached <= naive


@settings(max_examples=30)
@given(spec_and_loss(max_hidden=2), st.booleans(), st.integers(0, 2**16))
def test_numeric_backprop_matches_finite_differences_of_the_substituted_loss(
    spec_loss, bias, seed
) -> None:
    spec, loss = spec_loss
    net = add_loss(build_network(spec, bias=bias), loss)
    point = random_point(net, seed)
    deltas = backprop_values(net, forward_values(net, point))
    reference = finite_difference_gradient(net, point)
    for p in net.parameters:
        assert deltas[p] == pytest.approx(reference[p], rel=1e-5, abs=1e-7), p


@settings(max_examples=20)
@given(spec_and_loss(max_hidden=1), st.integers(0, 2**16))
def test_lambdified_expanded_gradients_match_finite_differences(spec_loss, seed) -> None:
    # The expanded deltas are what compiled code evaluates: lambdify them independently.
    spec, loss = spec_loss
    net = add_loss(build_network(spec), loss)
    point = random_point(net, seed)
    values = {sp.Symbol(n): v for n, v in point.items()}
    subs = {}
    for node in net.topological_order():  # forward values by SymPy, not symnet.numeric.forward
        definition = net.definition(node)
        if definition is not None:
            f = sp.lambdify(
                sorted(definition.free_symbols, key=str), definition, lambdify_modules()
            )
            args = [values[s] for s in sorted(definition.free_symbols, key=str)]
            values[sp.Symbol(node)] = subs[node] = float(f(*args))
    reference = finite_difference_gradient(net, point)
    expanded = expanded_deltas(net)
    for p in net.parameters:
        expr = expanded[p]
        symbols = sorted(expr.free_symbols, key=str)
        value = float(sp.lambdify(symbols, expr, lambdify_modules())(*[values[s] for s in symbols]))
        assert value == pytest.approx(reference[p], rel=1e-5, abs=1e-7), p


@settings(max_examples=15)
@given(spec_and_loss(max_hidden=2, max_width=3), st.booleans(), st.integers(0, 2**16))
def test_numeric_backprop_matches_pytorch_autograd(spec_loss, bias, seed) -> None:
    pytest.importorskip("torch")
    spec, loss = spec_loss
    net = add_loss(build_network(spec, bias=bias), loss)
    point = random_point(net, seed)
    deltas = backprop_values(net, forward_values(net, point))
    reference = torch_gradient(net, point)
    for p in net.parameters:
        assert deltas[p] == pytest.approx(reference[p], rel=1e-9, abs=1e-12), p


def test_relu_derivative_at_zero_is_zero_in_every_route() -> None:
    net = add_loss(build_network("2-2:relu-1"), "mse")
    point = {n: 0.5 for n in leaves(net)} | {"X1": 0.0, "X2": 0.0}  # so z_A = z_B = 0
    values = forward_values(net, point)
    assert values["z_A"] == 0.0
    deltas = backprop_values(net, values)
    assert deltas["z_A"] == 0.0 and deltas["w1"] == 0.0
    # Symbolically: the expanded delta of z_A at z_A = 0 is 0 (step(0) = 0, not 1/2).
    assert expanded_deltas(net)["z_A"].subs(sp.Symbol("z_A"), 0) == 0
    # sympy.diff of the substituted loss agrees at the same point.
    direct = sp.diff(net.substituted("L"), sp.Symbol("w5"))
    at = {sp.Symbol(n): v for n, v in point.items()}
    assert direct.xreplace(at) == 0 and deltas["w5"] == 0.0


def test_latex_names_deltas_in_the_networks_scheme() -> None:
    net = seed_network()
    assert delta_latex(net, "z_A") == r"\delta_{z_{A}}"
    assert r"\delta_{z_{C}}" in latex(net, cached_deltas(net)["A"])
    indexed = add_loss(build_network("2-2:relu-1", names="indexed"), "mse")
    assert delta_latex(indexed, "z1_2") == r"\delta_{z^{(1)}_{2}}"


def test_a_network_without_a_loss_is_refused_with_the_fix() -> None:
    with pytest.raises(SpecError, match="add_loss"):
        cached_deltas(build_network("2-1"))


def test_the_sweep_is_linear_in_the_edges() -> None:
    # One delta term per edge between nodes that reach the loss: no product is repeated.
    net = add_loss(build_network("8-8:relu-8:tanh-4:softmax", bias=True), "ce")
    end = net.loss_node
    deltas = cached_deltas(net)
    inner = [n for n in deltas if n != end and end not in net.graph.successors(n)]
    terms = sum(len(sp.Add.make_args(deltas[n])) for n in inner)
    edges = sum(1 for n in inner for s in net.graph.successors(n) if s in deltas)
    assert terms == edges > 300
