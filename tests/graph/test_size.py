"""The size estimates: exact where they count what is built, safe on absurd specs."""

from __future__ import annotations

import math
import time

import networkx as nx
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from symnet.calculus.chainrule import path_counts, path_edge_totals
from symnet.exceptions import SizeLimitError
from symnet.expressivity.collapse import substitution_steps
from symnet.graph.build import as_network, build_network
from symnet.graph.shapes import taps_inside
from symnet.graph.size import (
    approximately,
    expansion_terms,
    graph_edges,
    graph_nodes,
    require_at_most,
    substituted_depth,
    substituted_size,
    substitution_leaves,
    substitution_work,
    training_bytes,
)
from symnet.graph.spec import parse_spec
from symnet.training.modelfile import initial_parameters
from tests.conv_strategies import conv_specs
from tests.strategies import linear_specs, loss_for, specs


def _leaves(expr: sp.Basic) -> int:
    """Symbols in the expression tree, every occurrence counted."""
    return sum(1 for node in sp.preorder_traversal(expr) if node.is_Symbol)


def _depth(expr: sp.Basic) -> int:
    """Operators on the longest path from the root to a leaf."""
    return 1 + max(map(_depth, expr.args)) if expr.args else 0


@given(specs(), st.booleans(), st.integers(0, 1), st.booleans())
def test_nodes_and_edges_are_those_of_the_built_graph(spec, bias, choice, with_loss):
    loss = loss_for(spec, choice) if with_loss else None
    net = as_network(spec, bias=bias, loss=loss)
    assert graph_nodes(net.spec, bias, loss) == net.graph.number_of_nodes()
    assert graph_edges(net.spec, bias, loss) == net.graph.number_of_edges()


@given(conv_specs(max_conv_layers=2), st.booleans())
def test_nodes_and_edges_of_conv_specs_are_those_of_the_built_graph(spec, bias):
    net = build_network(spec, bias=bias)
    assert graph_nodes(net.spec, bias) == net.graph.number_of_nodes()
    assert graph_edges(net.spec, bias) == net.graph.number_of_edges()


@given(specs(max_layers=3), st.booleans(), st.integers(0, 1))
def test_path_counts_are_networkx_counts_of_every_path_to_the_loss(spec, bias, choice):
    net = as_network(spec, bias=bias, loss=loss_for(spec, choice))
    counts, lengths = path_counts(net), path_edge_totals(net)
    for parameter in net.parameters:
        paths = list(nx.all_simple_paths(net.graph, parameter, "L"))
        assert counts[parameter] == len(paths)
        assert lengths[parameter] == sum(len(path) - 1 for path in paths)


@given(linear_specs(max_layers=4), st.booleans())
def test_substitution_leaves_are_the_leaves_of_the_collapse_steps(spec, bias):
    net = build_network(spec, bias=bias)
    steps = substitution_steps(net)
    written = sum(_leaves(step[out]) for step in steps for out in net.outputs)
    assert substitution_leaves(net.spec, bias) == written


@given(linear_specs(max_layers=4), st.booleans())
def test_expansion_terms_are_the_terms_of_the_expanded_last_step(spec, bias):
    net = build_network(spec, bias=bias)
    last = substitution_steps(net)[-1][net.outputs[0]]
    assert expansion_terms(net.spec, bias) == len(sp.Add.make_args(sp.expand(last)))


@given(specs(max_layers=3), st.booleans())
def test_substituted_size_and_depth_bound_the_substituted_output(spec, bias):
    net = build_network(spec, bias=bias)
    output = net.substituted(net.outputs[0])
    assert _leaves(output) <= substituted_size(net.spec, bias)
    assert _depth(output) <= substituted_depth(net.spec, bias)


@given(conv_specs(), st.booleans())
def test_substituted_size_and_depth_bound_a_conv_output(spec, bias):
    net = build_network(spec, bias=bias)
    output = net.substituted(net.outputs[0])
    assert _leaves(output) <= substituted_size(net.spec, bias)
    assert _depth(output) <= substituted_depth(net.spec, bias)


@given(specs(max_layers=3), st.booleans())
def test_substitution_work_counts_every_unit_substituted(spec, bias):
    net = build_network(spec, bias=bias)
    units = [u for layer in net.layers for u in layer.units]
    written = sum(_leaves(net.substituted(u)) for u in units)
    assert written <= substitution_work(net.spec, bias)


@given(
    st.integers(1, 40), st.integers(1, 7), st.integers(0, 8), st.integers(1, 4), st.integers(0, 45)
)
def test_taps_inside_counts_the_window_entries_on_the_image(size, kernel, before, stride, outputs):
    brute = sum(
        1 for i in range(outputs) for u in range(kernel) if 0 <= i * stride + u - before < size
    )
    assert taps_inside(size, kernel, before, stride, outputs) == brute


@given(specs(max_layers=3, max_width=4) | conv_specs(), st.integers(0, 64))
def test_training_bytes_hold_the_parameters_four_times_and_grow_with_the_rows(spec, rows):
    parsed = parse_spec(spec)
    stored = sum(array.nbytes for array in initial_parameters(parsed, 0, "float64"))
    assert training_bytes(parsed, 0) == 4 * stored
    assert training_bytes(parsed, rows + 1) > training_bytes(parsed, rows)
    assert training_bytes(parsed, rows, itemsize=4) * 2 == training_bytes(parsed, rows)


#: Specs far beyond anything a command builds: the estimates stay exact ints, and quick.
ABSURD = [
    "-".join(["100000"] * 2000),
    "-".join(["2"] * 30001),
    "4096x4096x4096-conv100000@31x31+full:relu-maxpool2-conv100000@31x31-100000-10:softmax",
    "1x4096x4096-" + "-".join(["conv3@3x3+same:relu"] * 500) + "-100000-10",
]


@pytest.mark.parametrize("text", ABSURD, ids=["wide-deep", "deep", "huge-conv", "deep-conv"])
def test_estimates_of_absurd_specs_are_ints_made_in_seconds(text):
    """All eight at once, numbers of thousands of digits included (a guard asks for a few,
    the cheap ones first: tests/graph/test_guards.py times them)."""
    spec = parse_spec(text)
    start = time.perf_counter()
    values = [
        graph_nodes(spec, True, "mse"),
        graph_edges(spec, True, "mse"),
        substituted_size(spec, True),
        substituted_depth(spec, True),
        substitution_work(spec, True),
        training_bytes(spec, 10**6),
    ]
    if spec.is_dense:
        values += [expansion_terms(spec, True), substitution_leaves(spec, True)]
    words = [approximately(v) for v in values]
    assert time.perf_counter() - start < 5.0
    assert all(isinstance(v, int) and v > 0 for v in values)
    assert all("e+" in w or w.isdigit() for w in words)


@given(st.integers(0, 10**300))
def test_approximately_writes_two_significant_digits_of_any_int(n):
    text = approximately(n)
    assert math.isclose(float(text), n, rel_tol=0.05, abs_tol=0.5)
    if n < 10**15:
        assert text == f"{n:.2g}"


@given(st.integers(310, 20_000), st.integers(1, 99))
def test_approximately_names_the_power_of_ten_of_ints_beyond_floats(exponent, leading):
    n = leading * 10 ** (exponent - 1)
    mantissa, _, power = approximately(n).partition("e+")
    two_digits = leading >= 10  # ab x 10^(e-1) is a.b x 10^e
    assert int(power) == exponent - 1 + two_digits
    assert float(mantissa) == pytest.approx(leading / 10 if two_digits else leading)


def test_a_refusal_names_the_estimate_the_limit_and_the_way_out_in_one_line():
    with pytest.raises(SizeLimitError) as refused:
        require_at_most(3 * 10**5000, 20_000, "expanding X", "use a smaller network")
    assert str(refused.value) == (
        "expanding X would have ~3e+5000 terms (limit 20000); use a smaller network"
    )
    with pytest.raises(SizeLimitError, match=r"~298 GiB of arrays \(limit 4 GiB\)"):
        require_at_most(320_000_000_000, 4 * 2**30, "training", "smaller", "bytes of arrays")
    require_at_most(20_000, 20_000, "expanding X", "use a smaller network")  # at the limit
