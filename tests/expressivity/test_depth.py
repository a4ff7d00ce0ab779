"""The sawtooth: exact pieces of deep and shallow ReLU networks, checked by independent routes."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from symnet.codegen.scalar import compile_network
from symnet.exceptions import SpecError
from symnet.expressivity.depth import (
    MAX_DEPTH,
    PiecewiseLinear,
    depth_row,
    depth_table,
    fewest_shallow_units,
    network_piecewise,
    sawtooth_network,
    shallow_sawtooth_network,
)
from symnet.graph.build import build_network


def tent_power(t: Fraction, k: int) -> Fraction:
    """The tent map composed k times, straight from its definition (no network)."""
    for _ in range(k):
        t = 2 * t if t <= Fraction(1, 2) else 2 - 2 * t
    return t


@pytest.mark.parametrize("k", range(1, 11))
def test_the_k_layer_network_is_the_sawtooth_with_2_to_the_k_pieces(k):
    network, values = sawtooth_network(k)
    assert network.spec.widths == (1, *[2] * k, 1)
    function = network_piecewise(network, values)
    assert function.pieces == 2**k
    n = 2**k
    assert function.kinks == tuple(Fraction(i, n) for i in range(1, n))
    for i in range(0, 2 * n + 1):  # every breakpoint and every midpoint
        t = Fraction(i, 2 * n)
        assert function(t) == tent_power(t, k)


@pytest.mark.parametrize("k", [1, 2, 3])
def test_sympy_substitution_agrees_exactly(k):
    network, values = sawtooth_network(k)
    y = network.substituted(network.outputs[0]).xreplace(
        {sp.Symbol(p): v for p, v in values.items()}
    )
    x = sp.Symbol(network.inputs[0])
    function = network_piecewise(network, values)
    for t in [sp.Rational(i, 13) for i in range(14)]:
        assert y.subs(x, t) == sp.Rational(function(Fraction(int(t.p), int(t.q))))


@pytest.mark.parametrize("k", [4, 7])
def test_the_compiled_network_counts_the_same_pieces_numerically(k):
    network, values = sawtooth_network(k)
    grid = np.arange(0, 2**k * 8 + 1) / (2**k * 8)  # dyadic: exact in floats
    y = compile_network(network).forward(grid[:, None], {p: float(v) for p, v in values.items()})
    y = y[network.outputs[0]]
    slopes = np.round(np.diff(y) / np.diff(grid), 6)
    assert 1 + np.count_nonzero(slopes[1:] != slopes[:-1]) == 2**k
    assert np.array_equal(
        y, [float(tent_power(Fraction(t).limit_denominator(2**12), k)) for t in grid]
    )


@pytest.mark.parametrize("k", range(1, 9))
def test_the_shallow_network_with_2_to_the_k_units_is_the_same_function(k):
    shallow, shallow_values = shallow_sawtooth_network(k)
    assert shallow.layers[0].width == 2**k
    deep = network_piecewise(*sawtooth_network(k))
    assert network_piecewise(shallow, shallow_values) == deep
    assert fewest_shallow_units(deep) == 2**k


def test_depth_table_up_to_10():
    table = depth_table(10)
    assert [row["pieces"] for row in table] == [2**k for k in range(1, 11)]
    assert [row["parameter_count"] for row in table] == [6 * k + 1 for k in range(1, 11)]
    expected = [3 * 2**k + 1 for k in range(1, 11)]
    assert [row["shallow_parameter_count"] for row in table] == expected
    assert all(row["shallow_equal"] for row in table)
    assert all(row["shallow_units_needed"] == row["shallow_units_lower_bound"] + 1 for row in table)


@pytest.mark.parametrize(
    "points, units",
    [
        (((-1, 1), (1, 1)), 0),  # a constant
        (((-1, -2), (1, 2)), 1),  # a sloped line: one unit with its kink at the left end
        (((-1, 0), (0, 0), (1, 1)), 1),  # ReLU(x)
        (((-1, 1), (0, 0), (1, 1)), 2),  # |x| = ReLU(x) + ReLU(-x)
        (((0, 0), (1, 1), (2, 0)), 2),  # a hat: the first slope cannot come from the kink
        (((0, 2), (1, 1), (2, 1)), 1),  # 2 - ReLU(1 - x): one unit facing left
        (((0, 0), (1, 2), (2, 1), (3, 1)), 2),  # jumps -3, 1: first slope 2 = 3 - 1
    ],
)
def test_fewest_shallow_units_on_small_cases(points, units):
    xs, ys = zip(*points)
    function = PiecewiseLinear(tuple(map(Fraction, xs)), tuple(map(Fraction, ys)))
    assert fewest_shallow_units(function) == units


@st.composite
def shallow_networks(draw):
    m = draw(st.integers(1, 5))
    network = build_network(f"1-{m}:relu-1", bias=True)
    small = st.integers(-4, 4).map(lambda n: sp.Rational(n, 2))
    return network, {p: draw(small) for p in network.parameters}


@given(shallow_networks())
def test_m_units_make_at_most_m_plus_1_pieces_and_need_at_most_m_units(data):
    network, values = data
    function = network_piecewise(network, values, (-3, 3))
    m = network.layers[0].width
    assert function.pieces <= m + 1
    assert function.pieces - 1 <= fewest_shallow_units(function) <= m  # the network is a witness


@st.composite
def deep_networks(draw):
    spec = draw(st.sampled_from(["1-2:relu-1", "1-3:relu-2:relu-1", "1-2:relu-2:leaky_relu-2-1"]))
    network = build_network(spec, bias=True)
    small = st.integers(-6, 6).map(lambda n: sp.Rational(n, 3))
    return network, {p: draw(small) for p in network.parameters}


@given(deep_networks(), st.lists(st.fractions(-2, 2, max_denominator=50), min_size=1, max_size=5))
def test_exact_propagation_agrees_with_sympy_at_random_points(data, points):
    network, values = data
    function = network_piecewise(network, values, (-2, 2))
    y = network.substituted(network.outputs[0]).xreplace(
        {sp.Symbol(p): v for p, v in values.items()}
    )
    x = sp.Symbol(network.inputs[0])
    for t in points:
        expected = y.subs(x, sp.Rational(t.numerator, t.denominator))
        assert sp.Rational(function(t)) == expected


@given(
    st.lists(st.fractions(-3, 3, max_denominator=20), min_size=3, max_size=3),
    st.lists(st.fractions(-3, 3, max_denominator=20), min_size=3, max_size=3),
    st.fractions(-2, 2, max_denominator=20),
)
def test_combination_and_relu_agree_pointwise(a_values, b_values, constant):
    grid = (Fraction(-1), Fraction(0), Fraction(1))
    f, g = PiecewiseLinear(grid, tuple(a_values)), PiecewiseLinear(grid, tuple(b_values))
    h = PiecewiseLinear.combination([(Fraction(2), f), (Fraction(-1, 3), g)], constant)
    for t in [Fraction(i, 7) for i in range(-7, 8)]:
        assert h(t) == constant + 2 * f(t) - g(t) / 3
        assert f.relu()(t) == max(f(t), 0)


@pytest.mark.parametrize("k", [0, -1, MAX_DEPTH + 1, 2.5, True, "3"])
def test_bad_depths_are_spec_errors(k):
    with pytest.raises(SpecError):
        sawtooth_network(k)


def test_non_piecewise_linear_networks_are_refused():
    network = build_network("1-2:sigmoid-1", bias=True)
    with pytest.raises(SpecError, match="relu"):
        network_piecewise(network, {p: 1 for p in network.parameters})
    with pytest.raises(SpecError, match="no value"):
        network_piecewise(build_network("1-2:relu-1"), {})
    with pytest.raises(SpecError, match="rational"):
        network_piecewise(build_network("1-1"), {"w1": sp.pi})


def test_row_without_the_shallow_check_still_counts():
    row = depth_row(5, check_shallow=False)
    assert row["pieces"] == 32 and row["shallow_units_needed"] == 32 and "shallow_equal" not in row


def test_demo_writes_the_picture(tmp_path):
    from symnet.demos import demo_depth

    text, paths = demo_depth(tmp_path, depth=4)
    assert "16" in text and paths[0].read_bytes()[:4] == b"\x89PNG"
