"""Universal approximation: the interpolating construction, its error, and the trained network."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from symnet.codegen.scalar import compile_network
from symnet.exceptions import ParseError, SpecError
from symnet.expressivity.approximation import (
    MAX_UNITS,
    approximate,
    construct_approximation,
    error_table,
    interpolating_network,
    network_formula,
    train_approximation,
)
from symnet.expressivity.depth import network_piecewise
from symnet.expressivity.studies import approximation_study, depth_study
from symnet.graph.activations import ReLU
from symnet.parse import parse_expression

x = sp.Symbol("x")
SIN = parse_expression("sin(x)")


@st.composite
def knots_and_values(draw):
    n = draw(st.integers(1, 6))
    steps = draw(st.lists(st.fractions(Fraction(1, 8), Fraction(3)), min_size=n, max_size=n))
    start = draw(st.fractions(-3, 3))
    knots = [start]
    for step in steps:
        knots.append(knots[-1] + step)
    values = draw(st.lists(st.fractions(-5, 5), min_size=n + 1, max_size=n + 1))
    rational = lambda q: sp.Rational(q.numerator, q.denominator)  # noqa: E731
    return [rational(k) for k in knots], [rational(v) for v in values]


@given(knots_and_values())
def test_the_construction_passes_exactly_through_every_knot(data):
    knots, values = data
    network, parameters = interpolating_network(knots, values)
    assert network.layers[0].width == len(knots) - 1
    formula = network_formula(network, parameters)
    # Route 1: SymPy, exact, from the substituted graph.
    for k, v in zip(knots, values):
        assert formula.subs(x, k) == v
    # Route 2: the exact piecewise-linear propagation; between knots the network is linear,
    # so it has at most one piece per gap.
    function = network_piecewise(network, parameters, (knots[0], knots[-1]))
    assert function.pieces <= len(knots) - 1
    assert set(function.kinks) <= {Fraction(int(k.p), int(k.q)) for k in knots[1:-1]}


def test_the_formula_is_the_notes_sum_of_shifted_relus():
    network, parameters = interpolating_network([0, 1, 2, 3], [1, 3, 2, 2])
    # slopes 2, -1, 0, so the slope changes are 2, -3, +1 at the knots 0, 1, 2
    assert network_formula(network, parameters) == 1 + 2 * ReLU(x) - 3 * ReLU(x - 1) + ReLU(x - 2)


def test_max_error_obeys_the_interpolation_bound_and_quarters_per_doubling():
    rows = error_table(SIN, "-pi,pi", (8, 16, 32, 64))
    for row in rows:
        h = 2 * math.pi / row["hidden_units"]
        assert row["max_abs_error"] <= h**2 / 8 * 1.0 + 1e-12  # |sin''| <= 1
        assert row["max_abs_error"] >= h**2 / 8 * 0.8  # attained near x = +-pi/2
    ratios = [row["ratio"] for row in rows[1:]]
    assert 3.3 < ratios[0] < 4.5
    assert all(3.8 < r < 4.2 for r in ratios[1:])


def test_piecewise_linear_targets_are_reproduced_exactly():
    assert approximate("relu(x)", units=2, interval="-1,1").max_error < 1e-12
    assert approximate("abs(x) - 2*relu(x - 1/2)", units=4, interval="-1,1").max_error < 1e-12
    assert approximate("3*x - 1", units=1, interval="0,5").max_error < 1e-12


def test_predictions_agree_with_the_compiled_graph_and_the_parsed_formula():
    result = construct_approximation(parse_expression("exp(x/2) * cos(3*x)"), (-1, 2), 12)
    points = np.linspace(-1, 2, 97)
    compiled = compile_network(result.network)
    values = {name: float(v) for name, v in result.parameters.items()}
    by_graph = compiled.forward(points[:, None], values)[result.network.outputs[0]]
    assert np.allclose(result.predict(points), by_graph, rtol=1e-12, atol=1e-12)
    # The JSON formula is plain text that the safe parser reads back to the same function.
    reread = parse_expression(result.to_dict()["formula"])
    from symnet.numeric.functions import numpy_function

    assert np.allclose(numpy_function(reread)(points), by_graph, rtol=1e-9, atol=1e-12)


def test_formula_text_reads_like_the_notes():
    result = construct_approximation(parse_expression("x**2"), (0, 1), 2)
    assert result.formula_text() == "y = 0 + 0.5 ReLU(x) + 1 ReLU(x - 0.5)"
    data = result.to_dict()
    assert data["hidden_units"] == 2 and data["interval"] == [0.0, 1.0]
    assert data["knots"] == [0.0, 0.5, 1.0]
    assert data["kinks_inside"] == 1  # the unit at the left end bends at the end itself
    assert data["max_abs_error"] == pytest.approx(0.0625)


def test_trained_network_is_the_training_modules_model_with_scaling_folded_in():
    from symnet.training.data import Dataset
    from symnet.training.loop import train

    result = train_approximation(SIN, "-pi,pi", 8, seed=3, epochs=300, samples=64)
    points = np.linspace(-math.pi, math.pi, 64)
    data = Dataset("sin(x)", points[:, None], np.sin(points)[:, None], "regression")
    run = train(
        "1-8:relu-1",
        data,
        loss="mse",
        optimizer="adam",
        lr=0.01,
        epochs=300,
        seed=3,
        test_fraction=0.0,
    )
    assert np.allclose(result.predict(points), run.model.predict(points[:, None])[:, 0], atol=1e-10)
    assert result.method == "train" and result.training["epochs"] == 300


def test_training_reduces_the_error_and_construction_wins_at_equal_width():
    untrained = train_approximation(SIN, "-pi,pi", 16, seed=0, epochs=1)
    trained = train_approximation(SIN, "-pi,pi", 16, seed=0, epochs=3000)
    constructed = construct_approximation(SIN, "-pi,pi", 16)
    assert trained.max_error < untrained.max_error / 5
    assert trained.max_error < 0.15
    assert constructed.max_error < trained.max_error
    again = train_approximation(SIN, "-pi,pi", 16, seed=0, epochs=3000)
    assert again.max_error == trained.max_error  # the same seed gives the same network


@pytest.mark.parametrize(
    "call, error",
    [
        (lambda: approximate("sin(x)", 0), SpecError),
        (lambda: approximate("sin(x)", MAX_UNITS + 1), SpecError),
        (lambda: approximate("sin(x)", 4, "1,1"), ParseError),
        (lambda: approximate("sqrt(x)", 4, "-1,1"), SpecError),
        (lambda: approximate("1/x", 4, "-1,1"), SpecError),
        (lambda: approximate("sin(x)", 4, method="guess"), SpecError),
        (lambda: approximate("os.system('id')", 4), ParseError),
        (lambda: interpolating_network([0, 0], [1, 2]), SpecError),
        (lambda: interpolating_network([0], [1]), SpecError),
    ],
)
def test_bad_input_is_a_one_line_symnet_error(call, error):
    with pytest.raises(error) as info:
        call()
    assert "\n" not in str(info.value)


def test_demo_writes_its_pictures(tmp_path):
    from symnet.demos import demo_approximation

    text, paths = demo_approximation(tmp_path)
    assert "16 units" in text and len(paths) == 5
    for path in paths:
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_studies_give_text_data_and_pictures(tmp_path):
    study = approximation_study(
        "abs(x)", units=4, interval="-1,1", table=True, plot=tmp_path / "a.png"
    )
    assert study.data["plot_file"] == str(tmp_path / "a.png") and "error_table" in study.data
    assert study.text.splitlines()[-1] == f"Plot: {tmp_path / 'a.png'}"
    with pytest.raises(SpecError, match=".png or .svg"):
        approximation_study("abs(x)", units=4, plot=tmp_path / "a.jpg")
    depth = depth_study(3, plot=tmp_path / "d.png")
    assert depth.data["pieces"] == 8 and len(depth.data["table"]) == 3
    assert (tmp_path / "d.png").exists()
