"""``symnet render`` as a user meets it: files, counts, errors and hostile input."""

from __future__ import annotations

import json
import shlex
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None, reason="Graphviz's dot is not installed"
)
SVG = "{http://www.w3.org/2000/svg}"


def svg_counts(path: Path) -> tuple[int, int]:
    root = ET.parse(path).getroot()
    classes = [g.get("class") for g in root.iter(f"{SVG}g")]
    return classes.count("node"), classes.count("edge")


@needs_dot
def test_seed_network_svg(run_cli, tmp_path: Path) -> None:
    out = tmp_path / "net.svg"
    result = run_cli(["render", "3-2-2-1", "--names", "seed", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert result.stdout == f"Wrote {out} (8 nodes, 12 edges).\n"
    assert svg_counts(out) == (8, 12)


@needs_dot
def test_gradient_view_for_w1(run_cli, tmp_path: Path) -> None:
    out = tmp_path / "grad.svg"
    args = [
        "render",
        "3-2:sigmoid-2:sigmoid-1:sigmoid",
        "--names",
        "seed",
        "--view",
        "gradient",
        "--wrt",
        "w1",
        "-o",
        str(out),
        "--json",
    ]
    result = run_cli(args)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["nodes"], data["edges"], data["format"]) == (27, 31, "svg")
    assert svg_counts(out) == (27, 31)


@needs_dot
@pytest.mark.parametrize("suffix", [".png", ".pdf", ".dot"])
def test_other_formats(run_cli, tmp_path: Path, suffix: str) -> None:
    out = tmp_path / f"y{suffix}"
    result = run_cli(["render", "3-2-2-1", "--view", "expression", "--tree", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.stat().st_size > 0
    assert [p.name for p in tmp_path.iterdir()] == [out.name]  # no temporary files left


def test_without_output_prints_the_dot_text(run_cli) -> None:
    result = run_cli(["render", "3-2-2-1", "--bias"])
    assert result.exit_code == 0
    assert result.stdout.startswith("digraph symnet {")
    data = json.loads(run_cli(["render", "3-2-2-1", "--bias", "--json"]).stdout)
    assert (data["nodes"], data["edges"], data["output_file"]) == (11, 17, None)
    assert data["dot"].startswith("digraph symnet {")


def test_values_depend_on_the_seed_only(run_cli) -> None:
    def dot(seed: str) -> str:
        result = run_cli(["render", "3-2:relu-1", "--values", "--seed", seed])
        assert result.exit_code == 0, result.output
        return result.stdout

    assert dot("1") == dot("1") != dot("2")
    assert "penwidth" in dot("1")


def test_max_units_summarises(run_cli) -> None:
    data = json.loads(run_cli(["render", "3-2-2-1", "--max-units", "5", "--json"]).stdout)
    assert data["summarised"] and (data["nodes"], data["edges"]) == (4, 3)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--tree"], "--tree applies to --view expression"),
        (["--values", "--view", "gradient"], "--values applies to --view network"),
        (["--node", "A"], "--node applies to --view expression"),
        (["-o", "net.txt"], "suffix must be one of"),
        (["--view", "gradient", "--wrt", "X1"], "unknown --wrt X1: the parameters of"),
        (["--view", "gradient", "--wrt", "w99"], "unknown --wrt w99: the parameters of"),
        (["--view", "gradient", "--loss", "ce"], "--loss ce needs a softmax output"),
        (["--max-units", "0"], "--max-units"),
    ],
)
def test_usage_errors_are_one_line_with_exit_code_2(run_cli, tmp_path, args, message) -> None:
    args = [str(tmp_path / a) if a == "net.txt" else a for a in args]
    result = run_cli(["render", "3-2-2-1", *args])
    assert result.exit_code == 2, result.output
    assert len(result.stderr.splitlines()) == 1 and message in result.stderr


def test_missing_graphviz_is_one_line_and_keeps_the_dot_file(
    run_cli, tmp_path, monkeypatch
) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    out = tmp_path / "net.png"
    result = run_cli(["render", "3-2-2-1", "-o", str(out)])
    assert result.exit_code == 1
    assert len(result.stderr.splitlines()) == 1
    assert "apt-get install graphviz" in result.stderr and "Traceback" not in result.output
    assert (tmp_path / "net.dot").read_text(encoding="utf-8").startswith("digraph symnet {")
    assert not out.exists()


@needs_dot
def test_hostile_title_is_drawn_literally(run_cli, tmp_path: Path) -> None:
    title = '"]; n99 [label="pwned"]; <a href="javascript:alert(1)">click</a> {\\}'
    out = tmp_path / "t.svg"
    result = run_cli(["render", "3-2-2-1", "--title", title, "-o", str(out)])
    assert result.exit_code == 0, result.output
    root = ET.parse(out).getroot()
    texts = ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]
    assert title in texts and "pwned" not in texts
    assert svg_counts(out) == (8, 12)
    assert not [k for e in root.iter() for k in e.attrib if k.lower().endswith("href")]


def test_help_shows_a_runnable_example(run_cli) -> None:
    result = run_cli(["render", "--help"])
    assert result.exit_code == 0
    assert "symnet render 3-2-2-1 --names seed -o net.svg" in result.stdout


@needs_dot
def test_every_help_example_runs(run_cli, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    help_text = run_cli(["render", "--help"]).stdout
    lines = help_text.splitlines()
    examples = [shlex.split(line)[1:] for line in lines if "  symnet render " in line]
    assert len(examples) >= 4
    for args in examples:
        result = run_cli(args)
        assert result.exit_code == 0, (args, result.output)
    assert {p.name for p in tmp_path.iterdir()} == {"net.svg", "grad.svg", "y.png", "weights.pdf"}
