"""``symnet approx`` and ``symnet depth`` through click's runner (and once as a real process)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import numpy as np
import pytest

import symnet.expressivity.approximation  # noqa: F401 - imported up front, so timings measure the parser alone
from symnet.numeric.functions import numpy_function
from symnet.parse import parse_expression

PI = "3.14159"


def approx_json(run_cli, *args):
    result = run_cli(["approx", *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_max_error_falls_about_4x_from_8_to_16_units(run_cli):
    eight = approx_json(run_cli, "sin(x)", "--units", "8", "--interval", f"-{PI},{PI}")
    sixteen = approx_json(run_cli, "sin(x)", "--units", "16", "--interval", f"-{PI},{PI}")
    assert sixteen["hidden_units"] == 16 and sixteen["method"] == "construct"
    assert 3.3 < eight["max_abs_error"] / sixteen["max_abs_error"] < 4.5
    assert sixteen["interval"] == [-3.14159, 3.14159]
    assert len(sixteen["knots"]) == 17
    # The formula is the network: read back by the safe parser, it reproduces the error.
    grid = np.linspace(-3.14159, 3.14159, 2001)
    network = numpy_function(parse_expression(sixteen["formula"]))(grid)
    error = np.max(np.abs(network - np.sin(grid)))
    assert error == pytest.approx(sixteen["max_abs_error"], rel=1e-6)


def test_text_output_shows_the_formula_and_error(run_cli):
    result = run_cli(["approx", "x**2", "--units", "2", "--interval", "0,1"])
    assert result.exit_code == 0, result.output
    assert "y = 0 + 0.5 ReLU(x) + 1 ReLU(x - 0.5)" in result.stdout
    assert "max error 0.0625" in result.stdout


def test_interval_accepts_pi_and_the_table_option(run_cli):
    data = approx_json(run_cli, "cos(x)", "--units", "8", "--interval=-pi,2*pi", "--table")
    assert data["interval"][0] == pytest.approx(-np.pi) and data["interval_exact"] == [
        "-pi",
        "2*pi",
    ]
    assert [row["hidden_units"] for row in data["error_table"]] == [2, 4, 8]


def test_train_method_reports_both_errors_and_plots(run_cli, tmp_path):
    picture = tmp_path / "fit.svg"
    data = approx_json(
        run_cli,
        "x**2",
        "--units",
        "4",
        "--interval",
        "0,1",
        "--method",
        "train",
        "--seed",
        "1",
        "--plot",
        str(picture),
    )
    assert data["method"] == "train" and data["training"]["seed"] == 1
    assert data["max_abs_error"] > 0 and data["constructed_max_abs_error"] > 0
    assert data["plot_file"] == str(picture)
    assert picture.read_text(encoding="utf-8").lstrip().startswith("<?xml")


def test_construct_plot_is_a_png(run_cli, tmp_path):
    picture = tmp_path / "sin.png"
    result = run_cli(["approx", "sin(x)", "--units", "6", "--plot", str(picture)])
    assert result.exit_code == 0, result.output
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not [p for p in tmp_path.iterdir() if p.name != "sin.png"]  # no temporary left


ATTACKS = [
    "__import__('os').system('id')",
    "().__class__.__bases__",
    "lambda: 1",
    "x**99999999999",
    "(" * 500 + "x" + ")" * 500,
    "(" * 200 + "x" + ")" * 200,
    "x.real",
    "x[0]",
    "[x for x in (1,)]",
    "sin(x=1)",
    "f'{x}'",
    "(y := 2)",
    "ｘ + 1",
    "1e309",
    "exec('import os')",
]


@pytest.mark.parametrize("expression", ATTACKS, ids=[repr(a[:24]) for a in ATTACKS])
def test_attacks_exit_2_quickly_with_one_line(run_cli, monkeypatch, expression):
    def forbidden(*args, **kwargs):
        raise AssertionError("a program was started")

    monkeypatch.setattr(os, "system", forbidden)
    monkeypatch.setattr(subprocess, "Popen", forbidden)
    start = time.perf_counter()
    result = run_cli(["approx", expression, "--units", "4"])
    assert time.perf_counter() - start < 1.0
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1
    assert "Traceback" not in result.output


def test_a_megabyte_expression_is_refused(run_cli):
    result = run_cli(["approx", "x" * 1_000_000])
    assert result.exit_code == 2 and "characters" in result.stderr


@pytest.mark.parametrize(
    "args, message",
    [
        (["sin(x)", "--interval", "1,0"], "empty"),
        (["sin(x)", "--interval", "0"], "A,B"),
        (["sin(x)", "--interval", "0,os"], "unknown name"),
        (["sin(x)", "--units", "0"], "units"),
        (["sqrt(x)", "--interval", "-1,1"], "not defined"),
        (["sin(x)", "--plot", "out.gif"], ".png or .svg"),
    ],
)
def test_bad_usage_exits_2(run_cli, args, message):
    result = run_cli(["approx", *args])
    assert result.exit_code == 2, result.output
    assert message in result.stderr


def test_depth_reports_2_to_the_k_pieces_for_k_up_to_10(run_cli):
    result = run_cli(["depth", "10", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["pieces"] == 1024 and data["parameter_count"] == 61
    assert data["shallow_units_needed"] == 1024
    assert [row["pieces"] for row in data["table"]] == [2**k for k in range(1, 11)]
    assert all(row["shallow_equal"] for row in data["table"])


def test_depth_text_and_plot(run_cli, tmp_path):
    picture = tmp_path / "saw.png"
    result = run_cli(["depth", "5", "--plot", str(picture)])
    assert result.exit_code == 0, result.output
    last = [line.split() for line in result.stdout.splitlines() if line.strip().startswith("5 ")]
    assert last == [["5", "31", "32", "32", "97", "yes"]]
    assert picture.read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize("k", ["0", "13", "-1"])
def test_depth_out_of_range_exits_2(run_cli, k):
    result = run_cli(["depth", "--", k] if k.startswith("-") else ["depth", k])
    assert result.exit_code == 2 and "Error" in result.stderr


def test_installed_command_runs_as_a_process():
    result = subprocess.run(
        [sys.executable, "-m", "symnet.cli", "approx", "__import__('os').system('id')"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith("Error: ") and "uid=" not in result.stderr
