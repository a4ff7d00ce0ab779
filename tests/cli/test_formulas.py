"""The new built-in activations and losses against PyTorch, formula activations and losses
from the command line (every command that takes a spec; train, predict, export), and the
parser's attack strings given as formulas."""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest

from symnet.testing.torch_oracle import torch_version
from tests.test_parse import ATTACKS

needs_torch = pytest.mark.skipif(torch_version() is None, reason="PyTorch is not installed")
SWISH2 = ["--activation", "swish2=z*sigmoid(z)"]


def _verified(run_cli, args):
    result = run_cli(["verify", *args, "--bias", "--json"])
    assert result.exit_code == 0, result.output
    found = json.loads(result.output)
    assert found["passed"]
    return found


@needs_torch
@pytest.mark.parametrize(
    "activation",
    ["softplus", "elu", "selu", "gelu", "gelu_tanh", "silu", "swish", "mish", "leaky_relu0.2"],
)
def test_each_new_activation_passes_verify_against_torch_s_own_function(run_cli, activation):
    found = _verified(run_cli, [f"2-2:{activation}-1"])
    assert found["torch_status"].startswith("torch")
    assert all(row["torch"] is not None for row in found["parameters"])


@needs_torch
@pytest.mark.parametrize(
    ("spec", "loss"),
    [("2-3:tanh-2", "mae"), ("2-3:gelu-2", "huber"), ("2-3:relu-3:softmax", "huber")],
)
def test_mae_and_huber_pass_verify_against_l1_loss_and_huber_loss(run_cli, spec, loss):
    found = _verified(run_cli, [spec, "--loss", loss])
    assert found["loss"] == loss and all(row["torch"] is not None for row in found["parameters"])


@needs_torch
def test_a_formula_activation_and_loss_pass_verify_with_the_torch_column(run_cli):
    found = _verified(run_cli, ["2-3:swish2-2:swish2-1", *SWISH2, "--loss", "l4=(y-t)**4+abs(y-t)"])
    assert found["loss"] == "l4" and all(row["torch"] is not None for row in found["parameters"])


def test_derive_trace_render_and_collapse_take_a_formula_activation(run_cli, tmp_path):
    derived = run_cli(["derive", "1-1:swish2", *SWISH2, "--json"])
    assert derived.exit_code == 0, derived.output
    assert "sigmoid(z_y)" in json.dumps(json.loads(derived.output))
    traced = run_cli(["trace", "2-2:swish2-1", *SWISH2, "--inputs", "1,2", "--seed", "0"])
    assert traced.exit_code == 0 and "swish2(z_A)" in traced.output
    drawn = run_cli(["render", "2-2:swish2-1", *SWISH2, "-o", str(tmp_path / "n.dot")])
    assert drawn.exit_code == 0 and "swish2" in (tmp_path / "n.dot").read_text()
    collapsed = run_cli(["collapse", "2-2:swish2-1", *SWISH2])
    assert collapsed.exit_code == 0 and "no linear layer" in collapsed.output


def test_a_formula_name_is_known_only_to_the_command_that_names_it(run_cli):
    result = run_cli(["verify", "2-2:swish2-1"])
    assert result.exit_code == 2 and "--activation 'NAME=EXPR" in result.output


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--activation", "relu=z"], "built-in name"),
        (["--activation", "swish2"], "NAME=EXPR"),
        (["--activation", "Swish=z"], "lower-case"),
        (["--loss", "l=z"], "unknown name 'z'"),
        (["--loss", "hinge"], "or a formula"),
    ],
)
def test_a_bad_formula_or_name_is_one_line_exit_2(run_cli, args, fragment):
    result = run_cli(["verify", "2-2:swish2-1", *SWISH2[:0], *args])
    assert result.exit_code == 2
    assert fragment in result.output and result.output.count("\n") == 1


@pytest.mark.parametrize("text", ATTACKS, ids=[repr(a[:30]) for a in ATTACKS])
@pytest.mark.parametrize("option", ["--activation", "--loss"])
def test_attack_strings_as_formulas_exit_2_with_one_line(run_cli, option, text, monkeypatch):
    import os
    import subprocess

    def forbidden(*args, **kwargs):
        raise AssertionError("something tried to run")

    for module, name in [(os, "system"), (os, "popen"), (subprocess, "Popen")]:
        monkeypatch.setattr(module, name, forbidden)
    if option == "--loss" and text == "y":  # a loss's own variable; unknown for f(x) alone
        text = "x"
    result = run_cli(["verify", "2-1", option, f"f={text}"])
    assert result.exit_code == 2, result.output
    assert result.output.startswith("Error:") and result.output.count("\n") == 1


def test_gelu_reaches_97_percent_on_moons(run_cli):
    result = run_cli(["train", "2-16:gelu-16:gelu-1:sigmoid", "--data", "moons", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["test_accuracy"] >= 0.97


@needs_torch
def test_a_model_with_a_formula_predicts_and_exports_without_the_option(run_cli, tmp_path):
    model = tmp_path / "swish.npz"
    args = ["train", "2-8:swish2-1:sigmoid", *SWISH2, "--data", "moons", "--epochs", "20"]
    assert run_cli([*args, "--loss", "sq=(y-t)**2", "-o", str(model)]).exit_code == 0
    predicted = run_cli(["predict", str(model), "--data", "moons", "--json"])
    assert predicted.exit_code == 0, predicted.output
    exported = tmp_path / "swish_torch.py"
    result = run_cli(["export", str(model), "--to", "torch", "-o", str(exported)])
    assert result.exit_code == 0, result.output
    assert "lambda z: z*torch.sigmoid(z)" in exported.read_text()
    import torch

    from symnet.training.modelfile import load_model

    sys.path.insert(0, str(tmp_path))
    try:
        module = __import__("swish_torch")
    finally:
        sys.path.remove(str(tmp_path))
    X = np.random.default_rng(0).normal(size=(7, 2))
    expected = load_model(model).predict(X)
    got = module.build_model()(torch.tensor(X)).detach().numpy()
    assert np.allclose(got, expected, atol=1e-12)
    assert load_model(model).formulas == {
        "activations": {"swish2": "z*sigmoid(z)"},
        "losses": {"sq": "(y-t)**2"},
    }


@pytest.mark.parametrize("loss", ["mae", "huber", "quartic=(y-t)**4"])
def test_regression_trains_with_mae_huber_and_a_formula_loss(run_cli, loss):
    result = run_cli(["train", "1-16:gelu-1", "--data", "sin", "--loss", loss, "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["test_r2"] > 0.95
