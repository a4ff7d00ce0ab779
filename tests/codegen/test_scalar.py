"""symnet.codegen.scalar: the generated NumPy code against a hand-written NumPy network.

The reference here is written from the spec alone (weight matrices, NumPy activations,
the loss formulas), so it shares no code with the graph or the code generator.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from symnet.codegen.scalar import compile_network, parameter_vector, validate_identifier
from symnet.exceptions import DataError, SpecError
from symnet.graph.build import build_network
from symnet.graph.losses import add_loss
from symnet.numeric.points import point_arrays, random_point
from tests.strategies import loss_for, specs


def _sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # never overflows


REFERENCE_ACTIVATIONS = {
    "identity": lambda z: z,
    "relu": lambda z: np.where(z > 0, z, 0.0),
    "leaky_relu": lambda z: np.where(z > 0, z, 0.01 * z),
    "sigmoid": _sigmoid,
    "tanh": np.tanh,
    "softmax": lambda z: (
        np.exp(z - z.max(axis=1, keepdims=True))
        / np.exp(z - z.max(axis=1, keepdims=True)).sum(axis=1, keepdims=True)
    ),
}


def reference_loss(network, x, t, params):
    """Batch-mean loss of ``network`` in plain NumPy matrices: a = f(a W^T + b)."""
    a = x
    for layer in network.layers:
        W = np.array([[params[w] for w in row] for row in layer.weights])
        z = a @ W.T
        if layer.biases:
            z = z + np.array([params[b] for b in layer.biases])
        a = REFERENCE_ACTIVATIONS[layer.activation](z)
    if network.loss == "mse":
        per_sample = 0.5 * ((a - t) ** 2).sum(axis=1)
    elif network.loss == "bce":
        per_sample = (np.logaddexp(0.0, z) - t * z).sum(axis=1)
    else:
        top = z.max(axis=1)
        per_sample = top + np.log(np.exp(z - top[:, None]).sum(axis=1)) - (t * z).sum(axis=1)
    return float(per_sample.mean()), a


def reference_gradients(network, x, t, params, eps=1e-6):
    result = {}
    for p in network.parameters:
        plus, minus = dict(params), dict(params)
        plus[p] += eps
        minus[p] -= eps
        result[p] = (
            reference_loss(network, x, t, plus)[0] - reference_loss(network, x, t, minus)[0]
        ) / (2 * eps)
    return result


@settings(max_examples=25)
@given(specs(max_layers=3, max_width=3), st.booleans(), st.integers(0, 1), st.integers(0, 2**16))
def test_compiled_loss_and_gradients_match_a_numpy_reference(spec, bias, choice, seed):
    network = add_loss(build_network(spec, bias=bias), loss_for(spec, choice))
    compiled = compile_network(network)
    rng = np.random.default_rng(seed)
    x, _, params = point_arrays(network, random_point(network, rng, "check", batch=3))
    t = rng.uniform(0, 1, size=(3, len(network.outputs)))
    expected_loss, expected_outputs = reference_loss(network, x, t, params)
    values = compiled.forward(x, params, t)
    outputs = np.stack([values[y] for y in network.outputs], axis=1)
    np.testing.assert_allclose(outputs, expected_outputs, rtol=1e-12, atol=1e-12)
    loss, gradients = compiled.loss_and_gradients(x, t, params)
    assert loss == pytest.approx(expected_loss, rel=1e-12, abs=1e-12)
    expected = reference_gradients(network, x, t, params)
    for p in network.parameters:
        assert gradients[p] == pytest.approx(expected[p], rel=1e-4, abs=1e-6), p


def test_forward_of_the_notes_network_is_the_product_of_its_weight_matrices():
    network = build_network("3-2-2-1")
    compiled = compile_network(network)
    x, _, params = point_arrays(network, random_point(network, 3, "check", batch=5))
    matrices = [
        np.array([[params[w] for w in row] for row in layer.weights]) for layer in network.layers
    ]
    expected = x @ matrices[0].T @ matrices[1].T @ matrices[2].T
    np.testing.assert_allclose(compiled.forward(x, params)["y"], expected[:, 0], rtol=1e-12)


def test_generated_code_is_one_line_per_equation_in_topological_order():
    network = build_network("3-2-2-1")
    source = compile_network(network).forward_source
    lines = [line.strip() for line in source.splitlines()[1:-1]]
    assert [line.split(" = ")[0] for line in lines] == [n for n, _ in network.equations()]
    assert "A = X1*w1 + X2*w3 + X3*w5" in lines


def test_batch_gradient_is_the_mean_of_per_sample_gradients():
    network = add_loss(build_network("2-3:tanh-1", bias=True), "mse")
    compiled = compile_network(network)
    x, _, params = point_arrays(network, random_point(network, 1, "check", batch=4))
    t = np.arange(4.0).reshape(4, 1)
    loss, batch = compiled.loss_and_gradients(x, t, params)
    singles = [compiled.loss_and_gradients(x[k], t[k], params) for k in range(4)]
    assert loss == pytest.approx(np.mean([s[0] for s in singles]))
    for p in network.parameters:
        assert batch[p] == pytest.approx(np.mean([s[1][p] for s in singles]))


def test_parameters_may_be_a_vector_in_network_order():
    network = add_loss(build_network("2-2:relu-1:sigmoid", bias=True), "bce")
    compiled = compile_network(network)
    _, _, params = point_arrays(network, random_point(network, 0, "check", batch=2))
    vector = parameter_vector(network, params)
    x, t = (
        point_arrays(network, random_point(network, 1, "check", batch=2))[0],
        np.array([[0.0], [1.0]]),
    )
    assert compiled.loss_and_gradients(x, t, vector) == compiled.loss_and_gradients(x, t, params)


@pytest.mark.parametrize("z", [1000.0, -1000.0])
def test_sigmoid_and_bce_are_stable_at_large_logits(z):
    network = add_loss(build_network("1-1:sigmoid"), "bce")
    compiled = compile_network(network)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        values = compiled.forward([[1.0]], {"w1": z}, [[1.0]])
        loss, gradients = compiled.loss_and_gradients([[1.0]], [[1.0]], {"w1": z})
    assert values["y"][0] == (1.0 if z > 0 else 0.0)
    # L = softplus(z) - z: 0 for z = 1000, 1000 for z = -1000; dL/dw1 = (y - t) * x.
    assert loss == pytest.approx(0.0 if z > 0 else 1000.0)
    assert gradients["w1"] == (0.0 if z > 0 else -1.0)


def test_softmax_and_ce_are_stable_at_large_logits():
    network = add_loss(build_network("1-3:softmax"), "ce")
    compiled = compile_network(network)
    params = dict(zip(network.parameters, [1000.0, -1000.0, 0.0]))
    x, t = [[1.0], [-1.0]], [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        values = compiled.forward(x, params, t)
        loss, gradients = compiled.loss_and_gradients(x, t, params)
    np.testing.assert_array_equal([values[y] for y in network.outputs], [[1, 0], [0, 1], [0, 0]])
    # Sample 1: z = (1000, -1000, 0), target class 2: L = 1000 - (-1000) = 2000.
    # Sample 2: z = (-1000, 1000, 0), target class 1: L = 1000 - (-1000) = 2000.
    assert loss == pytest.approx(2000.0)
    expected = np.mean([[1, -1, 0], [1, -1, 0]], axis=0)  # (y - t) * x, averaged
    np.testing.assert_allclose([gradients[p] for p in network.parameters], expected)


def test_saturated_softmax_under_mse_underflows_quietly_to_zero():
    network = add_loss(build_network("1-3:softmax"), "mse")
    compiled = compile_network(network)
    params = dict(zip(network.parameters, [0.0, -700.0, -705.0]))
    loss, gradients = compiled.loss_and_gradients([[1.0]], [[1.0, 0.0, 0.0]], params)
    assert np.isfinite(loss) and all(np.isfinite(g) for g in gradients.values())


@pytest.mark.parametrize("name", ["1x", "a b", "lambda", "match", "exp", "sigmoid", "_hidden", ""])
def test_names_that_cannot_reach_generated_code_are_refused(name):
    with pytest.raises(SpecError, match="generated code"):
        validate_identifier(name)


def test_compiling_a_network_with_a_bad_symbol_name_raises_spec_error():
    network = build_network("2-1")
    network.graph.nodes["X1"]["symbol"] = sp.Symbol("X1; import os")
    with pytest.raises(SpecError, match="not a Python identifier"):
        compile_network(network)


def test_no_hidden_unit_is_called_L_so_the_loss_node_is_always_L():
    network = add_loss(build_network("2-12:tanh-1"), "mse")
    assert network.loss_node == "L" and "L" not in network.layers[0].units
    compiled = compile_network(network)
    _, _, params = point_arrays(network, random_point(network, 0, "check", batch=2))
    x, t = point_arrays(network, random_point(network, 0, "check", batch=2))[0], np.zeros((2, 1))
    loss, _ = compiled.loss_and_gradients(x, t, params)
    assert loss == pytest.approx(reference_loss(network, x, t, params)[0], rel=1e-12)


def test_bad_values_raise_one_line_errors():
    network = add_loss(build_network("2-1"), "mse")
    compiled = compile_network(network)
    good = {"w1": 1.0, "w2": 2.0}
    with pytest.raises(SpecError, match="missing w2"):
        compiled.forward([[1, 2]], {"w1": 1.0}, [[0]])
    with pytest.raises(SpecError, match="unknown w9"):
        compiled.forward([[1, 2]], {**good, "w9": 1.0}, [[0]])
    with pytest.raises(DataError, match=r"shape \(batch, 2\)"):
        compiled.forward([[1, 2, 3]], good, [[0]])
    with pytest.raises(DataError, match="finite"):
        compiled.forward([[1, np.nan]], good, [[0]])
    with pytest.raises(DataError, match="targets"):
        compiled.forward([[1, 2]], good)
    with pytest.raises(DataError, match="one target row per input row"):
        compiled.loss_and_gradients([[1, 2]], [[0], [1]], good)
    with pytest.raises(SpecError, match="no loss"):
        compile_network(build_network("2-1")).loss_and_gradients([[1, 2]], [[0]], good)


def test_backward_code_reads_activation_values_by_name():
    network = add_loss(build_network("2-2:tanh-1:sigmoid"), "mse")
    source = compile_network(network).backward_source
    # d tanh(z_A)/d z_A = 1 - tanh(z_A)^2 = 1 - A^2: the forward value A is reused.
    assert "delta_z_A = delta_A*(1 - A**2)" in source
    assert "delta_z_y = delta_y*y*(1 - y)" in source
    assert source.count("tanh(") == 2 and source.count("sigmoid(") == 1
