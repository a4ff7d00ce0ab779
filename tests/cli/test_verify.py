"""``symnet verify``: JSON keys, text table and exit codes, in-process with CliRunner."""

from __future__ import annotations

import json

import numpy as np
import pytest
import sympy as sp

from symnet.graph.activations import ACTIVATIONS, Activation

ROW_KEYS = {"name", "layer", "kind", "row", "value", "symbolic", "compiled", "finite_difference"}


def test_the_softmax_classifier_passes_with_the_documented_json(run_cli):
    result = run_cli(
        ["verify", "4-8:tanh-8:relu-3:softmax", "--loss", "ce", "--json", "--no-torch"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["passed"] is True
    assert data["max_abs_error"] <= 1e-5 and data["max_rel_error"] < 1e-3
    assert np.array(data["input_batch"]).shape == (4, 4) and data["batch_size"] == 4
    targets = np.array(data["target_batch"])
    assert targets.shape == (4, 3) and (targets.sum(axis=1) == 1).all()
    assert np.isfinite(data["loss_value"])
    rows = data["parameters"]
    assert len(rows) == 4 * 8 + 8 * 8 + 8 * 3
    for row in rows:
        assert set(row) >= ROW_KEYS and "torch" not in row
        assert ("col" in row) == (row["kind"] == "weight")
    assert list(data)[-3:] == ["max_abs_error", "max_rel_error", "passed"]


def test_indexed_names_agree_with_layer_row_and_col(run_cli):
    result = run_cli(
        ["verify", "2-3:sigmoid-2", "--names", "indexed", "--bias", "--json", "--no-torch"]
    )
    assert result.exit_code == 0, result.output
    for row in json.loads(result.stdout)["parameters"]:
        # Indexed names are w{layer}_{row+1}_{col+1} and b{layer}_{row+1}.
        indices = [int(k) for k in row["name"][1:].split("_")]
        expected = [row["layer"], row["row"] + 1] + ([row["col"] + 1] if "col" in row else [])
        assert indices == expected and row["kind"] == {"w": "weight", "b": "bias"}[row["name"][0]]


def test_text_output_is_a_table_with_a_verdict(run_cli):
    result = run_cli(["verify", "3-2-2-1", "--batch", "2", "--seed", "3", "--no-torch"])
    assert result.exit_code == 0, result.output
    assert "finite diff" in result.stdout and "w12" in result.stdout
    assert result.stdout.rstrip().endswith("PASSED")


def test_default_spec_is_the_notes_backprop_example(run_cli):
    result = run_cli(["verify", "--json", "--no-torch"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["spec"] == "3-2:sigmoid-2:sigmoid-1:sigmoid"


def test_a_wrong_derivative_rule_exits_1_with_one_line(run_cli, monkeypatch):
    row = ACTIVATIONS["tanh"]
    wrong = Activation(row.name, row.function, lambda z: 1 + sp.tanh(z) ** 2, row.latex_name)
    monkeypatch.setitem(ACTIVATIONS, "tanh", wrong)
    result = run_cli(["verify", "2-2:tanh-1", "--json", "--no-torch"])
    assert result.exit_code == 1
    assert json.loads(result.stdout)["passed"] is False
    error = json.loads(result.stderr)  # in --json mode the error is a JSON object too
    assert error["error"].startswith("gradient check of 2-2:tanh-1") and error["exit_code"] == 1
    text = run_cli(["verify", "2-2:tanh-1", "--no-torch"])
    line = text.stderr.strip()
    assert text.exit_code == 1 and line == f"Error: {error['error']}" and "\n" not in line
    assert "Traceback" not in result.output + text.output


@pytest.mark.parametrize(
    "args, message",
    [
        (["3--2"], "invalid network spec"),
        (["2-3:softmax", "--loss", "bce"], "1:sigmoid"),
        (["2-1", "--loss", "ce"], "softmax"),
        (["2-1", "--batch", "0"], "--batch"),
        (["2-1", "--eps", "0"], "eps must be"),
        (["2-1", "--json", "--format", "text"], "--json conflicts"),
    ],
)
def test_bad_usage_exits_2(run_cli, args, message):
    result = run_cli(["verify", *args, "--no-torch"])
    assert result.exit_code == 2, result.output
    assert message in result.stderr and "Traceback" not in result.output


def test_a_too_large_sympy_diff_is_refused_with_a_hint(run_cli):
    result = run_cli(["verify", "4-8:tanh-8:relu-3:softmax", "--symbolic", "diff", "--no-torch"])
    assert result.exit_code == 2
    assert "--symbolic backprop" in result.stderr


def test_help_shows_a_runnable_example(run_cli):
    result = run_cli(["verify", "--help"])
    assert result.exit_code == 0
    assert "symnet verify 4-8:tanh-8:relu-3:softmax --loss ce --json" in result.stdout


def test_a_network_too_large_to_check_exits_2_with_a_hint(run_cli):
    result = run_cli(["verify", "64-64:relu-64:relu-10:softmax", "--no-torch"])
    assert result.exit_code == 2
    assert "narrower network" in result.stderr and "\n" not in result.stderr.strip()
