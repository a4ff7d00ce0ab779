"""Layer-level conv and pooling: derived rules, generated code, equal to the scalar graph."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symnet.codegen.conv_rules import derive_conv_rule, derive_pool_rule
from symnet.codegen.layout import layer_arrays, scalar_values
from symnet.codegen.program import compile_layers
from symnet.codegen.runtime import avgpool, avgpool_backward, maxpool, maxpool_backward
from symnet.codegen.scalar import compile_network
from symnet.conv.filters import input_gradient, kernel_gradient
from symnet.graph.build import build_network
from symnet.graph.losses import add_loss, default_loss
from symnet.graph.shapes import pad_widths
from symnet.graph.spec import parse_spec
from symnet.numeric.points import point_arrays, random_point
from symnet.training.modelfile import initial_parameters
from tests.conv_strategies import conv_specs


@pytest.mark.parametrize(
    "geometry",
    [
        {},
        {"channels": 1, "image": (4, 4), "kernels": 1, "kernel": (3, 3), "stride": 2},
        {"channels": 1, "image": (4, 3), "kernels": 1, "kernel": (3, 2), "padding": "same"},
        {"channels": 2, "image": (2, 3), "kernels": 1, "kernel": (2, 2), "padding": "full"},
    ],
)
def test_conv_rules_are_derived_from_the_scalar_graph(geometry):
    rule = derive_conv_rule(**geometry)
    assert rule.holds, str(rule)
    assert "the input correlated with Delta" in rule.matrix_rule


@pytest.mark.parametrize("kind", ["max", "avg"])
def test_pooling_rules_are_derived_from_the_scalar_graph(kind):
    assert derive_pool_rule(kind).holds


def _stated_gradients(x, delta, weights, padding, stride):
    """The stated rules by explicit loops over every index (no NumPy tricks)."""
    (K, C, kh, kw), (N, _, H, W), (R, Q) = weights.shape, x.shape, delta.shape[2:]
    (top, _), (left, _) = pad_widths((kh, kw), padding)
    dK, dX = np.zeros(weights.shape), np.zeros(x.shape)
    for n, k, r, q, c, u, v in itertools.product(*map(range, (N, K, R, Q, C, kh, kw))):
        i, j = r * stride + u - top, q * stride + v - left
        if 0 <= i < H and 0 <= j < W:
            dK[k, c, u, v] += delta[n, k, r, q] * x[n, c, i, j]
            dX[n, c, i, j] += delta[n, k, r, q] * weights[k, c, u, v]
    return dK, dX


@given(
    st.integers(1, 2),
    st.integers(2, 5),
    st.integers(2, 5),
    st.integers(1, 2),
    st.sampled_from([(1, 1), (2, 2), (3, 2)]),
    st.integers(1, 2),
    st.sampled_from(["valid", "same", "full"]),
)
def test_symnet_conv_computes_the_stated_rules(C, H, W, K, kernel, stride, padding):
    from symnet.graph.shapes import output_shape

    if padding == "valid" and (kernel[0] > H or kernel[1] > W):
        padding = "same"
    rng = np.random.default_rng(0)
    x, weights = rng.normal(size=(2, C, H, W)), rng.normal(size=(K, C, *kernel))
    delta = rng.normal(size=(2, K, *output_shape((H, W), kernel, padding, stride)))
    dK, dX = _stated_gradients(x, delta, weights, padding, stride)
    np.testing.assert_allclose(kernel_gradient(x, delta, kernel, padding, stride), dK, atol=1e-12)
    np.testing.assert_allclose(
        input_gradient(delta, weights, (H, W), padding, stride), dX, atol=1e-12
    )


@given(conv_specs(max_conv_layers=2), st.sampled_from(["seed", "indexed"]), st.integers(0, 99))
@settings(max_examples=30)
def test_layer_level_gradients_equal_the_scalar_graph_weight_by_weight(text, names, seed):
    loss = default_loss(parse_spec(text))
    network = add_loss(build_network(text, names=names, bias=True), loss)
    rng = np.random.default_rng(seed)
    X, T, params = point_arrays(network, random_point(network, rng, "check", batch=3))
    scalar_loss, scalar = compile_network(network).loss_and_gradients(X, T, params)
    program = compile_layers(text, loss)
    layer_loss, gradients = program.step(X, T, layer_arrays(network, params))
    assert float(layer_loss) == pytest.approx(scalar_loss, rel=1e-12, abs=1e-12)
    layer = scalar_values(network, gradients)
    assert set(layer) == set(scalar)
    for name, value in scalar.items():
        assert layer[name] == pytest.approx(value, rel=1e-9, abs=1e-12), name


def _pool_by_loops(A, n, kind):
    N, C, H, W = A.shape
    out = np.zeros((N, C, H // n, W // n))
    for idx in np.ndindex(out.shape):
        b, c, r, q = idx
        window = A[b, c, r * n : r * n + n, q * n : q * n + n]
        out[idx] = window.max() if kind == "max" else window.mean()
    return out


@given(st.integers(1, 3), st.integers(2, 7), st.integers(2, 7), st.integers(0, 99))
def test_pooling_forward_and_backward(n, H, W, seed):
    n = min(n, H, W)
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(2, 2, H, W))
    Delta = rng.normal(size=(2, 2, H // n, W // n))
    for kind, forward in (("max", maxpool), ("avg", avgpool)):
        np.testing.assert_allclose(forward(A, n), _pool_by_loops(A, n, kind))
    # Backward: the gradient of sum(Delta * pool(A)) by central differences.
    for kind, backward in (("max", maxpool_backward(Delta, A, n)), ("avg", None)):
        grad = backward if kind == "max" else avgpool_backward(Delta, A.shape, n)
        numeric = np.zeros_like(A)
        for idx in np.ndindex(A.shape):
            shifted = [A.copy(), A.copy()]
            shifted[0][idx] += 1e-6
            shifted[1][idx] -= 1e-6
            values = [np.sum(Delta * _pool_by_loops(s, n, kind)) for s in shifted]
            numeric[idx] = (values[0] - values[1]) / 2e-6
        np.testing.assert_allclose(grad, numeric, atol=1e-6)


def test_max_pooling_ties_go_to_the_first_entry():
    A = np.array([[[[1.0, 3.0], [3.0, 0.0]]]])
    grad = maxpool_backward(np.ones((1, 1, 1, 1)), A, 2)
    assert grad.tolist() == [[[[0.0, 1.0], [0.0, 0.0]]]]


def test_pooling_agrees_with_torch():
    torch = pytest.importorskip("torch")
    functional = torch.nn.functional
    rng = np.random.default_rng(1)
    A, n = rng.normal(size=(2, 3, 7, 6)), 3
    for ours, theirs in ((maxpool, functional.max_pool2d), (avgpool, functional.avg_pool2d)):
        tensor = torch.tensor(A, requires_grad=True)
        out = theirs(tensor, n)
        Delta = rng.normal(size=tuple(out.shape))
        (out * torch.tensor(Delta)).sum().backward()
        np.testing.assert_allclose(ours(A, n), out.detach().numpy(), rtol=1e-12)
        grad = (
            maxpool_backward(Delta, A, n)
            if ours is maxpool
            else avgpool_backward(Delta, A.shape, n)
        )
        np.testing.assert_allclose(grad, tensor.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_generated_step_reads_like_the_rules_and_runs_in_float32():
    spec = parse_spec("1x6x6-conv4@3x3+same:relu-maxpool2-conv2@2x2:tanh-avgpool2-3:softmax")
    program = compile_layers(spec, "ce")
    for line in (
        "Z1 = conv2d(A0, K1, 'same', 1) + b1[:, None, None]",
        "dK1 = kernel_gradient(A0, Delta1, (3, 3), 'same', 1)",
        "Delta2 = input_gradient(Delta3, K3, A2.shape[2:], 'valid', 1)",
        "Delta1 = (maxpool_backward(Delta2, A1, 2)) * (step(Z1))",
        "db1 = Delta1.sum(axis=(0, 2, 3))",
    ):
        assert line in program.source, line
    rng = np.random.default_rng(0)
    X, T = rng.normal(size=(5, 36)), np.eye(3)[rng.integers(0, 3, 5)]
    p64 = initial_parameters(spec, 0, "float64")
    loss64, grads64 = program.step(X, T, p64)
    p32 = [p.astype(np.float32) for p in p64]
    loss32, grads32 = program.step(X.astype(np.float32), T.astype(np.float32), p32)
    assert all(g.dtype == np.float32 for g in grads32)
    assert float(loss32) == pytest.approx(float(loss64), rel=1e-4)
    for g32, g64 in zip(grads32, grads64):
        np.testing.assert_allclose(g32, g64, rtol=1e-3, atol=1e-5)
