"""``symnet derive``: output in each format, exit codes and one-line errors."""

from __future__ import annotations

import json

import sympy as sp
from sympy.parsing.sympy_parser import parse_expr

from symnet.calculus.backprop import backprop_values
from symnet.graph.build import build_network
from symnet.graph.losses import add_loss
from symnet.numeric.forward import forward_values
from symnet.numeric.points import random_point

SEED = "3-2:sigmoid-2:sigmoid-1:sigmoid"


def test_the_notes_example_shows_both_paths_and_the_cached_deltas(run_cli) -> None:
    result = run_cli(["derive", SEED, "--names", "seed", "--wrt", "w1"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "w1 -> z_A -> A -> z_C -> C -> z_y -> y -> L" in out
    assert "w1 -> z_A -> A -> z_D -> D -> z_y -> y -> L" in out
    assert "delta_z_A = delta_A * dA/dz_A" in out and "already computed" in out
    assert "(b) backprop: dL/dw1 = delta_z_A * dz_A/dw1 = X1*delta_z_A" in out


def test_no_spec_derives_the_notes_network(run_cli) -> None:
    result = run_cli(["derive"])
    assert result.exit_code == 0 and f"loss of {SEED}" in result.stdout


def test_json_holds_every_parameter_and_the_totals(run_cli) -> None:
    result = run_cli(["derive", SEED, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    names = [entry["name"] for entry in data["parameters"]]
    assert names == list(build_network(SEED).parameters)
    assert (data["multiplications_naive"], data["multiplications_cached"]) == (92, 23)
    w1 = data["parameters"][0]
    assert w1["paths"][0][0] == "dL/dy" and w1["paths"][0][-1] == "dz_A/dw1"
    assert w1["reuses"] == ["delta_z_A"] and w1["gradient"] == "X1*delta_z_A"
    assert data["proof"]["holds"] and data["proof"]["method"] == "symbolic"


def test_json_gradients_evaluate_to_the_numeric_backprop(run_cli) -> None:
    result = run_cli(["derive", "2-2:tanh-3:softmax", "--bias", "--names", "indexed", "--json"])
    data = json.loads(result.stdout)
    assert data["loss"] == "ce"  # the default for a softmax output
    net = add_loss(build_network("2-2:tanh-3:softmax", names="indexed", bias=True), "ce")
    point = random_point(net, 3)
    values = forward_values(net, point)
    deltas = backprop_values(net, values)
    known = {sp.Symbol(n): v for n, v in values.items()}
    known |= {sp.Symbol(f"delta_{n}"): v for n, v in deltas.items()}
    for entry in data["parameters"]:
        gradient = parse_expr(entry["gradient"])
        assert float(gradient.xreplace(known)) == deltas[entry["name"]]


def test_latex_and_markdown_formats(run_cli) -> None:
    latex = run_cli(["derive", "2-1:sigmoid", "--loss", "bce", "--format", "latex"])
    assert latex.exit_code == 0 and r"\begin{aligned}" in latex.stdout
    markdown = run_cli(["derive", "2-1:sigmoid", "--format", "markdown", "--no-prove"])
    assert markdown.exit_code == 0 and "| route | multiplications |" in markdown.stdout
    assert "Proof: not requested." in markdown.stdout


def test_a_bad_spec_is_exit_2_with_one_line(run_cli) -> None:
    result = run_cli(["derive", "3-x-1"])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "invalid network spec" in result.stderr


def test_an_unknown_wrt_is_exit_2_with_one_line(run_cli) -> None:
    result = run_cli(["derive", "3-2-1", "--wrt", "w99"])
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "Error: unknown --wrt w99: the parameters of 3-2-1 are w1 .. w8; or use --wrt all"
    )


def test_a_loss_that_does_not_fit_is_exit_2(run_cli) -> None:
    result = run_cli(["derive", "3-3:softmax", "--loss", "bce"])
    assert result.exit_code == 2 and "needs a 1:sigmoid output layer" in result.stderr
    assert run_cli(["derive", "3-1", "--loss", "hinge"]).exit_code == 2


def test_a_large_network_reports_what_it_refused(run_cli) -> None:
    result = run_cli(["derive", "16-16-16-16-16-1", "--json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert set(data["refused"]) == {"chain rule", "sympy.diff"}
    assert all(entry["paths"] is None for entry in data["parameters"])
    assert data["proof"]["method"] == "numeric" and data["proof"]["holds"]


def test_help_shows_a_runnable_example(run_cli) -> None:
    result = run_cli(["derive", "--help"])
    assert (
        result.exit_code == 0 and "symnet derive 3-2:sigmoid-2:sigmoid-1:sigmoid" in result.stdout
    )
