from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest
import sympy as sp

BAD_SPECS = ["3--2", "0-1", "a-b", "", "-3-2", "3-2:relux-1", "3-2-1.5"]


def test_collapse_json_has_the_named_keys(run_cli):
    result = run_cli(["collapse", "3-2-2-1", "--names", "seed", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["path_count"] == 12 == len(data["terms"])
    # Each term parses back with SymPy (these are symnet's own strings, not user input).
    assert sp.sympify(data["terms"][0]) == sp.sympify("X1*w1*w11*w7")
    total = sum(sp.sympify(t) for t in data["terms"])
    by_input = sum(sp.sympify(w) * sp.Symbol(x) for x, w in data["effective_weights"].items())
    assert sp.expand(total - by_input) == 0
    assert len(data["steps"]) == 3 and data["steps"][0] == "y = C*w11 + D*w12"
    assert data["identity_proven"] is True


def test_collapse_text_shows_the_notes_steps(run_cli):
    result = run_cli(["collapse", "3-2-2-1"])
    assert result.exit_code == 0
    assert "y = w11 C + w12 D" in result.stdout
    assert "= w11 (w7 A + w9 B) + w12 (w8 A + w10 B)" in result.stdout
    assert "w11 w7 w1 X1 + w11 w7 w3 X2 + w11 w7 w5 X3 + w11 w9 w2 X1" in result.stdout


@pytest.mark.parametrize("fmt", ["latex", "markdown"])
def test_collapse_other_formats(run_cli, fmt):
    result = run_cli(["collapse", "3-2-2-1", "--bias", "--format", fmt])
    assert result.exit_code == 0
    assert "w_{11}" in result.stdout


@pytest.mark.parametrize("spec", BAD_SPECS)
def test_bad_specs_exit_2_with_one_line(run_cli, spec):
    result = run_cli(["collapse", spec])
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ")
    assert "Traceback" not in result.stderr


def test_huge_spec_refused_in_under_a_second_as_a_real_process():
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "symnet.cli", "collapse", "300-300-300-300-300-1"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    elapsed = time.perf_counter() - start
    assert proc.returncode == 2  # a size refusal is bad usage: ask for less
    assert "terms" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert elapsed < 1.0


def test_nonlinear_collapse_reports_a_witness(run_cli):
    result = run_cli(["collapse", "3-2:relu-1", "--json"])
    data = json.loads(result.stdout)
    assert data["linear"] is False
    witness = data["witness"]
    assert witness["f_u_plus_v"] != pytest.approx(witness["f_u"] + witness["f_v"])


def test_trace_reproduces_the_notes(run_cli):
    result = run_cli(["trace", "1-1:relu", "--weights", "w1=-1", "--inputs", "5"])
    assert result.exit_code == 0
    assert "ReLU(-5) = 0" in result.stdout
    data = json.loads(
        run_cli(["trace", "1-1:relu", "-w", "w1=-1", "--inputs", "5", "--json"]).stdout
    )
    assert data["units"][0]["z"] == -5 and data["outputs"] == {"y": 0}
    assert data["inputs"] == {"X1": 5} and data["parameters"] == [{"name": "w1", "value": -1}]


@pytest.mark.parametrize(
    "args",
    [
        ["trace", "2-1", "--inputs", "1,2"],
        ["trace", "2-1", "--inputs", "1,x", "--seed", "0"],
        ["trace", "2-1", "--inputs", "1,2", "-w", "w1=1", "--seed", "0"],
        ["trace", "2-1", "--inputs", "1,2", "-w", "w1=__import__('os')"],
    ],
)
def test_trace_usage_errors(run_cli, args):
    result = run_cli(args)
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1
