"""PyTorch autograd as a fourth, independent oracle (skipped when PyTorch is not installed)."""

from __future__ import annotations

import json

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from symnet.graph.activations import ACTIVATIONS, Activation
from symnet.testing.gradients import check_gradients, torch_version
from tests.strategies import loss_for, specs

torch = pytest.importorskip("torch")


@settings(max_examples=15)
@given(specs(max_layers=2, max_width=3), st.booleans(), st.integers(0, 1), st.integers(0, 1000))
def test_torch_autograd_agrees_with_every_route(spec, bias, choice, seed):
    report = check_gradients(spec, loss_for(spec, choice), bias=bias, seed=seed, torch=True)
    assert report.passed and report.torch_status.startswith("torch ")
    for row in report.rows:
        assert row.torch == pytest.approx(row.symbolic, rel=1e-9, abs=1e-12), row.name


def test_the_large_classifier_agrees_with_torch():
    report = check_gradients("4-8:tanh-8:relu-3:softmax", "ce", torch=True)
    assert report.passed and report.symbolic_route == "backprop"
    assert all(row.torch == pytest.approx(row.compiled, rel=1e-9, abs=1e-12) for row in report.rows)


def test_torch_sides_with_finite_differences_against_a_wrong_rule(monkeypatch):
    row = ACTIVATIONS["tanh"]
    wrong = Activation(row.name, row.function, lambda z: 1 - sp.tanh(z), row.latex_name)
    monkeypatch.setitem(ACTIVATIONS, "tanh", wrong)
    report = check_gradients("2-2:tanh-1", "mse", torch=True, raise_on_failure=False)
    assert not report.passed
    failing = report.failures[0]
    assert failing.torch == pytest.approx(failing.finite_difference, rel=1e-5)
    assert failing.torch != pytest.approx(failing.compiled, rel=1e-3)


def test_cli_json_has_torch_values_when_installed(run_cli):
    result = run_cli(["verify", "2-2:leaky_relu-3:softmax", "--bias", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["torch_status"] == f"torch {torch_version()} autograd"
    assert all("torch" in row for row in data["parameters"])


NEW_ACTIVATIONS = ["softplus", "elu", "selu", "gelu", "gelu_tanh", "silu", "mish", "leaky_relu0.2"]


@pytest.mark.parametrize("name", NEW_ACTIVATIONS)
@settings(max_examples=20, deadline=None)
@given(values=st.lists(st.floats(-8, 8).filter(lambda v: abs(v) > 1e-6), min_size=1, max_size=5))
def test_symnet_s_numpy_activations_and_derivatives_equal_torch_s_own(name, values):
    import numpy as np

    from symnet.graph.activations import get_activation
    from symnet.numeric.functions import lambdify_modules
    from symnet.testing.torch_oracle import torch_activation

    z = sp.Symbol("z")
    row = get_activation(name)
    f = sp.lambdify([z], row.apply(z), modules=lambdify_modules())
    fprime = sp.lambdify([z], row.derivative(z), modules=lambdify_modules())
    x = torch.tensor(values, dtype=torch.float64, requires_grad=True)
    y = torch_activation(name)(x)
    (grad,) = torch.autograd.grad(y.sum(), x)
    assert np.allclose(f(np.array(values)), y.detach().numpy(), rtol=1e-12, atol=1e-12)
    assert np.allclose(fprime(np.array(values)), grad.numpy(), rtol=1e-10, atol=1e-12)


def test_the_torch_oracle_takes_a_formula_activation_and_loss_from_the_scope():
    from symnet.parse.formula_text import formulas

    with formulas(activations={"cube": "z**3/3"}, losses={"l1": "abs(y - t)"}):
        report = check_gradients("2-2:cube-1", "l1", bias=True, seed=3)
    assert report.passed and report.torch_status.startswith("torch")
    assert all(row.torch is not None for row in report.rows)
