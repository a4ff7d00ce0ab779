"""The diagnoses: each slip, planted in symnet's own gradient, is named; others are not."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from symnet.codegen.program import compile_layers
from symnet.interop.backprop_check import check_backprop
from symnet.interop.diagnosis import derivative_slips, diagnose

TOL = {"atol": 1e-9, "rtol": 1e-7}
entries = st.floats(-10, 10, allow_nan=False).filter(lambda x: abs(x) > 0.1)


def _diagnose(G, R, **extra):
    return diagnose(G, R, name="W2", batch=8, loss=extra.pop("loss", "mse"), **TOL, **extra)


@given(arrays(float, (3, 3), elements=entries))
def test_a_transposed_square_gradient_is_named(R):
    if np.allclose(R, R.T):
        return
    assert _diagnose(R.T.copy(), R).startswith("transposed")


@pytest.mark.parametrize(
    "factor, words",
    [
        (-1, "sign flipped"),
        (8, "summed over the batch"),
        (1 / 8, "averaged twice"),
        (2, "without symnet's ½"),
        (-8, "sign flipped and summed"),
        (3.7, "3.7 times"),
    ],
)
def test_each_scale_factor_is_named(factor, words):
    R = np.array([[0.3, -1.2], [2.0, 0.7]])
    assert words in _diagnose(factor * R, R)


def test_twice_the_gradient_is_not_blamed_on_the_half_of_another_loss():
    R = np.array([0.3, -1.2])
    assert "2 times" in _diagnose(2 * R, R, loss="bce")


def test_an_extra_weight_decay_term_and_an_empty_gradient():
    R, P = np.array([[0.3, -1.2], [2.0, 0.7]]), np.array([[1.0, 2.0], [-1.0, 0.5]])
    assert "extra term 0.01·W2" in _diagnose(R + 0.01 * P, R, values=P)
    assert _diagnose(np.zeros_like(R), R).startswith("never filled in")


def test_wrong_entries_in_one_row_only():
    R = np.array([[0.3, -1.2, 0.4], [2.0, 0.7, -0.1]])
    G = R.copy()
    G[1] += np.array([0.5, -0.3, 0.2])
    assert "row(s) [1] only" in _diagnose(G, R)


def test_nothing_simple_is_said_when_nothing_simple_fits():
    rng = np.random.default_rng(0)
    R = rng.normal(size=(3, 2))
    assert _diagnose(rng.normal(size=(3, 2)), R) is None


def test_the_slips_of_an_activation_differ_from_its_derivative():
    labels = [label for label, _ in derivative_slips("tanh")]
    assert any(label.startswith("1 - z**2 instead of 1 - a**2") for label in labels)
    assert [label.split(" ")[0] for label, _ in derivative_slips("relu")] == ["a", "1"]
    assert [label.split(" ")[0] for label, _ in derivative_slips("identity")] == ["a"]


@pytest.mark.parametrize("slip", ["1 - a", "1 - z**2", "1"])
def test_a_wrong_tanh_derivative_in_the_output_layer_under_mse(slip):
    """Under mse the output's f' reaches the loss: a slip there moves every gradient."""
    spec = "2-2:tanh"
    rng = np.random.default_rng(1)
    X, T = rng.normal(size=(6, 2)), rng.normal(size=(6, 2))
    W, b = rng.normal(size=(2, 2)), rng.normal(size=2)

    def grad_fn(params, X, T):
        Z = X @ params["W1"].T + params["b1"]
        A = np.tanh(Z)
        derivative = {"1 - a": 1 - A, "1 - z**2": 1 - Z**2, "1": np.ones_like(A)}[slip]
        delta = (A - T) * derivative / len(X)
        return {"W1": delta.T @ X, "b1": delta.sum(axis=0)}

    _, (dW, db) = compile_layers(spec, "mse").step(X, T, [W, b])
    report = check_backprop(grad_fn, spec, X, T, "mse", {"W1": W, "b1": b})
    assert not report.passed
    for row in report.failures:
        assert "layer 1's tanh derivative taken as" in row.diagnosis
        assert (row.diagnosis.split("taken as ")[1]).startswith(slip + " instead of 1 - a**2")
