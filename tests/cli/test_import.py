"""``symnet import FILE.onnx -o MODEL.npz``: an ONNX file becomes an ordinary model file."""

from __future__ import annotations

import json

import numpy as np
import pytest

from symnet.training.modelfile import load_model
from tests.onnx_files import write_onnx

pytest.importorskip("onnx")


def test_import_writes_a_model_file_that_predicts_as_the_onnx_graph(run_cli, tmp_path):
    onnx_file = write_onnx(tmp_path)
    out = tmp_path / "net.npz"
    result = run_cli(["import", str(onnx_file), "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith(f"Wrote {out}: 2-3:relu-1:sigmoid (loss bce, float64)")
    assert "W1 = W1, b1 = b1, W2 = W2, b2 = b2" in result.stdout
    model = load_model(out)
    X = np.array([[0.5, -1.0], [2.0, 0.25]])
    a = np.maximum(X @ (np.arange(6.0).reshape(3, 2) / 10 - 0.2).T + [0.1, -0.2, 0.3], 0)
    expected = 1 / (1 + np.exp(-(a @ [[0.5], [-1.0], [0.25]] + 0.05)))
    np.testing.assert_allclose(model.predict(X), expected, rtol=0, atol=1e-15)
    export = run_cli(["export", str(out), "--to", "torch", "-o", str(tmp_path / "net.py")])
    assert export.exit_code == 0, export.stderr


def test_import_json_and_the_overwrite_policy(run_cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_onnx(tmp_path)
    result = run_cli(["import", "net.onnx", "-o", "m.npz", "--loss", "mse", "--json"])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data == {
        "onnx_file": "net.onnx",
        "output_file": "m.npz",
        "spec": "2-3:relu-1:sigmoid",
        "loss": "mse",
        "dtype": "float64",
        "source_names": {"W1": "W1", "b1": "b1", "W2": "W2", "b2": "b2"},
    }
    before = (tmp_path / "m.npz").read_bytes()
    again = run_cli(["import", "net.onnx", "-o", "m.npz"])
    assert again.exit_code == 2 and "m.npz already exists; pass --force" in again.stderr
    assert (tmp_path / "m.npz").read_bytes() == before
    forced = run_cli(["import", "net.onnx", "-o", "m.npz", "--force"])
    assert forced.exit_code == 0 and load_model("m.npz").loss == "bce"


def test_a_loss_that_does_not_fit_the_output_is_refused(run_cli, tmp_path):
    result = run_cli(
        ["import", str(write_onnx(tmp_path)), "-o", str(tmp_path / "m.npz")] + ["--loss", "ce"]
    )
    assert result.exit_code == 2
    assert "loss='ce' needs a softmax output layer" not in result.stderr  # flags, not params
    assert "--loss ce needs a softmax output layer" in result.stderr
    assert not (tmp_path / "m.npz").exists()
