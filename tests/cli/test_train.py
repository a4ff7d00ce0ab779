"""``symnet train``, ``symnet predict`` and ``symnet export`` through click's runner."""

from __future__ import annotations

import json

import pytest


def test_train_moons_json_meets_the_target(run_cli):
    result = run_cli(
        ["train", "2-16:relu-16:relu-1:sigmoid", "--data", "moons", "--seed", "0", "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["test_accuracy"] >= 0.97 and data["train_accuracy"] >= 0.97
    assert data["epochs"] == 500 and data["seconds"] > 0 and data["loss"] == "bce"
    assert result.stderr == ""  # no progress bar under JSON or without a terminal


def test_train_digits_json_meets_the_target(run_cli):
    pytest.importorskip("sklearn")
    result = run_cli(
        ["train", "64-64:relu-10:softmax", "--data", "digits", "--seed", "0", "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["test_accuracy"] >= 0.96 and data["loss"] == "ce" and data["batch_size"] == 64


def test_regression_reports_losses(run_cli):
    result = run_cli(["train", "1-8:tanh-1", "--data", "sin", "--epochs", "20", "--json"])
    data = json.loads(result.stdout)
    assert data["train_accuracy"] is None and data["test_loss"] > 0 and data["train_loss"] > 0


def test_train_save_predict_export(run_cli, tmp_path):
    model = tmp_path / "xor.npz"
    args = ["train", "2-8:tanh-1:sigmoid", "--data", "xor", "--epochs", "200", "-o", str(model)]
    result = run_cli([*args, "--plot", str(tmp_path / "curve.png")])
    assert result.exit_code == 0, result.output
    assert "Saved the model to" in result.stdout and (tmp_path / "curve.png").exists()

    again = run_cli(args)
    assert again.exit_code == 2 and "--force" in again.stderr
    assert len(again.stderr.strip().splitlines()) == 1
    assert run_cli([*args, "--force"]).exit_code == 0

    predicted = run_cli(["predict", str(model), "--data", "xor", "--seed", "5", "--json"])
    data = json.loads(predicted.stdout)
    assert data["accuracy"] > 0.8 and len(data["predictions"]) == 1000
    assert set(data["predictions"]) <= {0, 1}

    exported = run_cli(["export", str(model), "--to", "torch", "-o", str(tmp_path / "m.py")])
    assert exported.exit_code == 0 and (tmp_path / "m.py").read_text().startswith("import torch")


def test_csv_training_and_its_errors(run_cli, tmp_path):
    good = tmp_path / "points.csv"
    rows = [f"{x},{y},{int(x + y > 0)}" for x in range(-5, 6) for y in range(-5, 6)]
    good.write_text("x,y,label\n" + "\n".join(rows) + "\n")
    result = run_cli(
        ["train", "2-4:tanh-1:sigmoid", "--data", str(good), "--epochs", "100", "--json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["train_accuracy"] > 0.9

    bad = tmp_path / "bad.csv"
    bad.write_text("1,2,0\n3,x,1\n")
    failed = run_cli(["train", "2-4:tanh-1:sigmoid", "--data", str(bad)])
    assert failed.exit_code == 2 and "line 2, column index 1: 'x' is not a number" in failed.stderr
    assert "Traceback" not in failed.output


@pytest.mark.parametrize(
    "args, code, message",
    [
        (["train", "2-16:relux-1", "--data", "moons"], 2, "invalid network spec"),
        (["train", "2-4-1", "--data", "nope"], 2, "unknown data set 'nope'"),
        (["train", "3-4-1:sigmoid", "--data", "moons"], 2, "has 2 features"),
        (["train", "2-4-2", "--data", "moons", "--loss", "bce"], 2, "bce needs a 1:sigmoid"),
        (["predict", "missing.npz", "--data", "moons"], 1, "no model file"),
    ],
)
def test_errors_are_one_line_with_exit_codes(run_cli, args, code, message):
    result = run_cli(args)
    assert result.exit_code == code, result.output
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_diverged_training_exits_1_with_the_hint(run_cli):
    args = ["train", "1-32:relu-32:relu-1", "--data", "cubic", "--optimizer", "sgd", "--lr", "1e4"]
    result = run_cli([*args, "--epochs", "50"])
    assert result.exit_code == 1 and "try a smaller learning rate" in result.stderr


def test_show_code_prints_the_generated_step(run_cli):
    result = run_cli(
        ["train", "2-3:relu-1:sigmoid", "--data", "xor", "--epochs", "1", "--show-code"]
    )
    assert "def train_step(X, T, W1, b1, W2, b2):" in result.stdout
    assert "Delta1 = (W2.T @ Delta2) * step(Z1)" in result.stdout


@pytest.mark.parametrize("command", ["train", "predict", "export"])
def test_help_shows_an_example(run_cli, command):
    result = run_cli([command, "--help"])
    assert result.exit_code == 0 and f"symnet {command} " in result.stdout
