"""``symnet verify --grads``: the user's saved gradients against symnet's, as a command."""

from __future__ import annotations

import json

import numpy as np
import pytest

from symnet.training.modelfile import load_model
from tests.interop.student_mlp import gradients, student_data
from tests.model_files import saved_model

SPEC = "2-3:sigmoid-1:sigmoid"


@pytest.fixture
def saved(tmp_path, monkeypatch):
    """P.npz, X.npy, T.npy of the student's MLP in an empty folder; ``write(bug)`` G.npz."""
    monkeypatch.chdir(tmp_path)
    params, X, T = student_data()
    np.savez("P.npz", **params)
    np.save("X.npy", X)
    np.save("T.npy", T)

    def write(bug=None, name="G.npz"):
        np.savez(name, **gradients(bug)(params, X, T))
        return name

    return write


ARGS = ["verify", SPEC, "--params", "P.npz", "--inputs", "X.npy", "--targets", "T.npy"]


def test_right_gradients_pass_and_say_how_they_were_read(run_cli, saved):
    result = run_cli([*ARGS, "--grads", saved()])
    assert result.exit_code == 0, result.output
    assert "your W1 (2, 3) = symnet W1ᵀ (3, 2)" in result.stdout
    assert "PASSED" in result.stdout and "loss bce" in result.stdout


def test_a_planted_bug_exits_1_naming_the_parameter_and_the_slip(run_cli, saved):
    result = run_cli([*ARGS, "--grads", saved("missing transpose in dW2"), "--json"])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert not data["passed"] and data["layout"]["weight_order"] == "in_out"
    wrong = [p for p in data["parameters"] if not p["passed"]]
    assert [p["name"] for p in wrong] == ["W2"] and wrong[0]["diagnosis"].startswith("transposed")
    error = json.loads(result.stderr)
    assert error["exit_code"] == 1 and "your gradient of W2" in error["error"]


def test_the_text_report_shows_the_formula_of_the_first_wrong_entry(run_cli, saved):
    result = run_cli([*ARGS, "--grads", saved("sigmoid derivative s instead of s(1 - s)")])
    assert result.exit_code == 1
    assert "first wrong entry W1[0,0]" in result.stdout
    assert "dL/dW1[0,0] = dL/dw1 = X1·δ_z_A" in result.stdout
    assert "sigmoid derivative taken as a instead of a*(1 - a)" in result.stdout
    assert result.stderr.count("\n") == 1


def test_pytorch_names_and_layout_are_read_from_the_arrays(run_cli, saved):
    params, X, T = student_data()
    grads = gradients()(params, X, T)
    torch_names = {"0": "1", "2": "2"}

    def rename(arrays):
        return {
            f"{module}.{'weight' if kind == 'W' else 'bias'}": (
                arrays[f"{kind}{layer}"].T if kind == "W" else arrays[f"{kind}{layer}"]
            )
            for module, layer in torch_names.items()
            for kind in ("W", "b")
        }

    np.savez("P.npz", **rename(params))
    np.savez("G.npz", **rename(grads))
    result = run_cli([*ARGS, "--grads", "G.npz", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["layout"]["name_style"] == "torch" and data["layout"]["weight_order"] == "out_in"
    assert [p["name"] for p in data["parameters"]] == ["0.weight", "0.bias", "2.weight", "2.bias"]


def test_a_model_file_brings_spec_loss_and_weights(run_cli, saved, tmp_path):
    model = load_model(saved_model(tmp_path, "s.npz", spec=SPEC))
    _, X, T = student_data()
    _, grads = model.program.step(model.inputs(X), T, model.params)
    np.savez("Gm.npz", **dict(zip(model.parameter_names, grads)))
    args = ["verify", "s.npz", "--grads", "Gm.npz", "--inputs", "X.npy", "--targets", "T.npy"]
    result = run_cli([*args, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["model"] == "s.npz" and data["spec"] == SPEC and data["loss"] == "bce"
    # The model's weights with the student's gradients: every weight is wrong.
    result = run_cli([*args[:3], saved(), *args[4:]])
    assert result.exit_code == 1
    # --params overrides the model's weights; the inputs are still scaled by the model, as
    # symnet predict and the exported modules scale them.
    params, _, _ = student_data()
    np.savez("Gp.npz", **gradients()(params, model.inputs(X), T))
    assert run_cli([*args[:3], "Gp.npz", *args[4:], "--params", "P.npz"]).exit_code == 0
    assert run_cli([*args[:3], "G.npz", *args[4:], "--params", "P.npz"]).exit_code == 1


@pytest.mark.parametrize(
    "args, message",
    [
        (["verify", SPEC, "--grads", "G.npz"], "needs --inputs, --targets"),
        (["verify", "x = 1; y = x", "--grads", "G.npz"], "layered network"),
    ],
)
def test_what_is_missing_is_named_as_a_flag(run_cli, saved, args, message):
    saved()
    result = run_cli(args)
    assert result.exit_code == 2 and message in result.stderr, result.stderr
