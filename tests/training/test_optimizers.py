"""Update rules: each against a textbook loop, Adam also against torch.optim.Adam."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from symnet.exceptions import SpecError
from symnet.training.optimizers import OPTIMIZERS, make_optimizer


def _gradients(steps: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    return [[rng.normal(size=(3, 2)), rng.normal(size=2)] for _ in range(steps)]


def _start():
    return [np.arange(6.0).reshape(3, 2) / 7, np.array([0.5, -0.25])]


@given(lr=st.floats(1e-4, 1.0), steps=st.integers(1, 5))
def test_sgd_is_p_minus_lr_g(lr, steps):
    params, expected = _start(), _start()
    optimizer = make_optimizer("sgd", lr, params)
    for grads in _gradients(steps):
        optimizer.update(params, grads)
        expected = [p - lr * g for p, g in zip(expected, grads)]
    assert all(np.allclose(a, b, rtol=0, atol=1e-14) for a, b in zip(params, expected))


def test_momentum_matches_the_heavy_ball_recurrence():
    params, expected = _start(), _start()
    velocity = [np.zeros_like(p) for p in expected]
    optimizer = make_optimizer("momentum", 0.1, params)
    for grads in _gradients(6):
        optimizer.update(params, grads)
        velocity = [0.9 * v - 0.1 * g for v, g in zip(velocity, grads)]
        expected = [p + v for p, v in zip(expected, velocity)]
    assert all(np.allclose(a, b, rtol=1e-13) for a, b in zip(params, expected))


def test_adam_matches_the_bias_corrected_rule():
    params, expected = _start(), _start()
    m = [np.zeros_like(p) for p in expected]
    v = [np.zeros_like(p) for p in expected]
    optimizer = make_optimizer("adam", 0.01, params)
    for t, grads in enumerate(_gradients(8), start=1):
        optimizer.update(params, grads)
        m = [0.9 * a + 0.1 * g for a, g in zip(m, grads)]
        v = [0.999 * a + 0.001 * g * g for a, g in zip(v, grads)]
        expected = [
            p - 0.01 * (a / (1 - 0.9**t)) / (np.sqrt(b / (1 - 0.999**t)) + 1e-8)
            for p, a, b in zip(expected, m, v)
        ]
    assert all(np.allclose(a, b, rtol=1e-12) for a, b in zip(params, expected))


def test_adam_matches_torch():
    torch = pytest.importorskip("torch")
    params = _start()
    tensors = [torch.tensor(p, requires_grad=True) for p in _start()]
    ours = make_optimizer("adam", 0.05, params)
    theirs = torch.optim.Adam(tensors, lr=0.05)
    for grads in _gradients(10, seed=3):
        ours.update(params, grads)
        for tensor, g in zip(tensors, grads):
            tensor.grad = torch.tensor(g)
        theirs.step()
    assert all(np.allclose(p, t.detach().numpy(), rtol=1e-10) for p, t in zip(params, tensors))


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_updates_in_place_and_keeps_float32(name):
    params = [p.astype(np.float32) for p in _start()]
    ids = [id(p) for p in params]
    optimizer = make_optimizer(name, 0.1, params)
    optimizer.update(params, [g.astype(np.float32) for g in _gradients(1)[0]])
    assert [id(p) for p in params] == ids
    assert all(p.dtype == np.float32 for p in params)


@pytest.mark.parametrize("lr", [0, -1.0, float("nan"), float("inf"), "0.1"])
def test_bad_learning_rate_is_refused(lr):
    with pytest.raises(SpecError, match="learning rate must be a positive number"):
        make_optimizer("sgd", lr, _start())


def test_unknown_optimizer_lists_the_choices():
    with pytest.raises(SpecError, match="'sgd', 'momentum', 'adam'; got 'lbfgs'"):
        make_optimizer("lbfgs", 0.1, _start())
