"""Graph programs at the command line: every command that takes a SPEC takes a program."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from symnet.testing.gradients import torch_version

PROGRAMS = Path(__file__).resolve().parent.parent.parent / "examples" / "programs"
MICROGRAD = str(PROGRAMS / "micrograd.txt")
RESIDUAL = str(PROGRAMS / "residual.txt")


def _json(result) -> dict:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_derive_json_gives_micrograd_s_value_and_gradients(run_cli):
    data = _json(run_cli(["derive", MICROGRAD, "--json"]))
    assert data["output"] == "g_2" and round(data["value"], 4) == 24.7041
    gradients = {name: round(value, 4) for name, value in data["gradients"].items()}
    assert gradients == {"a": 138.8338, "b": 645.5773}
    assert data["proof"]["holds"] and data["loss"] is None and data["leaves"] == ["a", "b"]
    statements = {s["name"]: s.get("expression") for s in data["program"]}
    assert data["program"][0] == {"name": "a", "value": -4.0}
    assert statements["c_2"] == "1 + 2*c"


def test_derive_text_shows_paths_in_leibniz_form_and_the_cached_deltas(run_cli):
    result = run_cli(["derive", MICROGRAD])
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "dg_2/dg * dg/df * df/de * de/dc_3 * dc_3/dc_2 * dc_2/dc * dc/da" in text
    assert "delta_c_2 = delta_c_3 * dc_3/dc_2" in text
    assert "read 2 times" in text  # delta_e: read by delta_c_3 and delta_d_3
    assert "At a = -4, b = 2: g_2 = 24.7041; dg_2/da = 138.8338, dg_2/db = 645.5773." in text


@pytest.mark.skipif(torch_version() is None, reason="the torch column needs PyTorch")
def test_verify_passes_on_micrograd_with_the_torch_column(run_cli):
    result = run_cli(["verify", MICROGRAD, "--json"])
    data = _json(result)
    assert data["passed"] and data["torch_status"].startswith("torch ")
    for row in data["parameters"]:
        assert row["torch"] == pytest.approx(row["symbolic"], rel=1e-9)
    assert run_cli(["verify", MICROGRAD]).stdout.count("yes") == 2


def test_values_from_at_and_seed_and_the_error_without_them(run_cli):
    at = ["--at", "x=0.5,w1=2", "--at", "b1=-0.5,w2=3"]
    data = _json(run_cli(["derive", RESIDUAL, *at, "--json"]))
    assert data["value"] == pytest.approx(0.5 + 3 * 0.5)  # y = x + w2 relu(w1 x + b1)
    assert data["gradients"] == pytest.approx({"x": 1 + 3 * 2, "w1": 1.5, "b1": 3, "w2": 0.5})
    seeded = _json(run_cli(["derive", RESIDUAL, "--seed", "3", "--json"]))
    assert seeded["at"] == _json(run_cli(["derive", RESIDUAL, "--seed", "3", "--json"]))["at"]
    result = run_cli(["derive", RESIDUAL])
    assert result.exit_code == 2
    assert "the leaves x, w1, b1, w2 of program y" in result.stderr and "--at" in result.stderr
    result = run_cli(["derive", "3-2-2-1", "--at", "x=1"])
    assert result.exit_code == 2 and "--at is for graph programs" in result.stderr


def test_result_chooses_the_output(run_cli):
    data = _json(run_cli(["derive", MICROGRAD, "--result", "e", "--json"]))
    assert data["output"] == "e" and data["value"] == pytest.approx(-7.0)
    result = run_cli(["derive", MICROGRAD, "--result", "q"])
    assert result.exit_code == 2 and "--result q is not a name of the program" in result.stderr


def test_trace_evaluates_statement_by_statement(run_cli):
    result = run_cli(["trace", "x = 5; w = -1; y = relu(w*x)"])
    assert result.exit_code == 0, result.output
    assert "statement 3: y = ReLU(x w) = ReLU((-1)*(5)) = 0" in result.stdout
    data = _json(run_cli(["trace", MICROGRAD, "--json"]))
    assert data["output"] == "g_2" and data["outputs"]["g_2"] == pytest.approx(24.7041, abs=1e-4)
    result = run_cli(["trace", MICROGRAD, "--inputs", "1"])
    assert result.exit_code == 2 and "--at" in result.stderr


def test_render_draws_every_view_of_a_program(run_cli):
    network = _json(run_cli(["render", MICROGRAD, "--json"]))
    assert (network["nodes"], network["edges"]) == (12, 19)
    assert "c<SUB>2</SUB> = 1 + 2 c" in network["dot"]
    gradient = _json(run_cli(["render", MICROGRAD, "--view", "gradient", "--wrt", "a", "--json"]))
    assert (gradient["nodes"], gradient["edges"]) == (12, 19) and "∂g" in gradient["dot"]
    expression = _json(run_cli(["render", MICROGRAD, "--view", "expression", "--json"]))
    assert expression["nodes"] > 10
    result = run_cli(["render", MICROGRAD, "--view", "conv"])
    assert result.exit_code == 2 and "--view conv draws a conv SPEC" in result.stderr


def test_report_writes_the_sections_that_apply_and_names_the_others(run_cli, tmp_path):
    path = tmp_path / "r.html"
    args = ["report", RESIDUAL, "--at", "x=1,w1=1,b1=0,w2=2", "-o", str(path), "--json"]
    data = _json(run_cli(args))
    assert data["sections"] == ["program", "trace", "backprop", "verification", "not_applicable"]
    page = path.read_text()
    assert "What does not apply to a program" in page and "has no data to fit" in page
    assert "<svg" in page and "all 4 gradients agree" in page


def test_collapse_collapses_a_linear_program_and_refuses_another(run_cli):
    data = _json(run_cli(["collapse", "x, w: leaf; h = 3*x - w; y = x + 2*h + 1", "--json"]))
    assert data["expanded"] == "-2*w + 7*x + 1" and data["coefficients"] == {"x": "7", "w": "-2"}
    result = run_cli(["collapse", MICROGRAD])
    assert result.exit_code == 2 and len(result.stderr.strip().splitlines()) == 1
    assert "line 6, d = a*b + b**3, is not linear" in result.stderr


@pytest.mark.parametrize(
    "args",
    [["train", MICROGRAD, "--data", "moons"], ["predict", MICROGRAD, "--data", "moons"]],
    ids=["train", "predict"],
)
def test_train_and_predict_refuse_a_program_saying_why(run_cli, args):
    result = run_cli(args)
    assert result.exit_code == 2 and "a graph program is one computation" in result.stderr


@pytest.mark.parametrize("path", sorted(PROGRAMS.glob("*.txt")), ids=lambda p: p.name)
def test_every_example_program_derives_and_verifies(run_cli, path):
    derived = _json(run_cli(["derive", str(path), "--seed", "1", "--json"]))
    assert derived["proof"]["holds"] and derived["value"] is not None
    assert _json(run_cli(["verify", str(path), "--json"]))["passed"]
