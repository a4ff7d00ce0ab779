from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from symnet.exceptions import SpecError
from symnet.numeric.trace import trace
from symnet.numeric.trace_format import trace_dict
from symnet.parse import parse_assignments, parse_literal
from tests.strategies import specs

NUMPY_ACTIVATIONS = {
    "identity": lambda z: z,
    "relu": lambda z: np.maximum(z, 0),
    "leaky_relu": lambda z: np.where(z > 0, z, 0.01 * z),
    "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
    "tanh": np.tanh,
    "softmax": lambda z: np.exp(z - z.max()) / np.exp(z - z.max()).sum(),
}


def test_notes_relu_trace():
    result = trace("1-1:relu", inputs=[5], weights={"w1": -1})
    (row,) = result.rows
    assert (row.z, row.a) == (-5, 0)
    assert row.numbers == "(-1)(5)"
    text = str(result)
    assert "z_y = w1 X1 = (-1)(5) = -5" in text
    assert "y = ReLU(z_y) = ReLU(-5) = 0" in text


@given(specs(max_layers=3, max_width=3), st.booleans(), st.integers(0, 1000))
def test_trace_matches_a_plain_numpy_forward_pass(text, bias, seed):
    n_inputs = int(text.split("-")[0])
    inputs = [((-1) ** k) * (k + 1) / 2 for k in range(n_inputs)]
    result = trace(text, inputs=inputs, seed=seed, bias=bias)
    net = result.network
    values = {k: float(v) for k, v in result.parameters.items()}
    a = np.array(inputs, dtype=float)
    for layer in net.layers:
        W = np.array([[values[w] for w in row] for row in layer.weights])
        z = W @ a + (np.array([values[b] for b in layer.biases]) if layer.biases else 0)
        a = NUMPY_ACTIVATIONS[layer.activation](z)
        rows = [r for r in result.rows if r.layer == layer.index]
        np.testing.assert_allclose([float(r.z) for r in rows], z, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose([float(r.a) for r in rows], a, rtol=1e-9, atol=1e-12)


def test_exact_values_stay_exact():
    result = trace("2-1", inputs=[1, 2], weights={"w1": "1/9", "w2": "1/9"})
    assert result.rows[0].z == sp.Rational(1, 3)
    assert trace_dict(result)["outputs"]["y"] == pytest.approx(1 / 3)


def test_parse_literal_whitelist():
    assert parse_literal("-1") == -1
    assert parse_literal("1/9") == sp.Rational(1, 9)
    assert parse_literal("2.5e-1") == sp.Float(0.25)
    for bad in ["x", "1/0", "__import__('os')", "2**8", "nan", "inf", "1e999", ""]:
        with pytest.raises(SpecError):
            parse_literal(bad)


def test_parse_assignments():
    assert parse_assignments(["w1=-1", "w2=0.5,w3=2"]) == {"w1": -1, "w2": sp.Float(0.5), "w3": 2}
    with pytest.raises(SpecError, match="NAME=VALUE"):
        parse_assignments(["w1"])


def test_missing_and_unknown_weights_are_named():
    with pytest.raises(SpecError, match="missing values for w2"):
        trace("2-1", inputs=[1, 2], weights={"w1": 1})
    with pytest.raises(SpecError, match="unknown parameter 'w9'"):
        trace("2-1", inputs=[1, 2], weights={"w1": 1, "w2": 1, "w9": 1})
    with pytest.raises(SpecError, match="seed="):
        trace("2-1", inputs=[1, 2])
    with pytest.raises(SpecError, match="takes 2"):
        trace("2-1", inputs=[1], seed=0)


def test_a_max_pooling_layer_is_traced_with_its_pooled_value():
    """A max-pooled unit's one factor is the max of its window: its value is shown (it once
    raised KeyError, as the factor is no node of the graph)."""
    result = trace("1x4x4-conv1@3x3-maxpool2-1", inputs=list(range(16)), seed=2, bias=True)
    pooled = [row for row in result.rows if row.layer == 2]
    assert len(pooled) == 1
    assert float(pooled[0].numbers.strip("()")) == pytest.approx(float(pooled[0].a), rel=1e-5)
