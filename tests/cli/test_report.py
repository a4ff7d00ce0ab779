"""``symnet report``: writes HTML or Markdown, refuses bad input with one line and exit 2."""

from __future__ import annotations

import json

import pytest


def test_writes_an_html_report(run_cli, tmp_path):
    path = tmp_path / "net.html"
    result = run_cli(["report", "2-1:sigmoid", "--sections", "network,collapse", "-o", str(path)])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"wrote {path}: 2 sections (network, collapse)")
    page = path.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "<math" in page and "<script" not in page


def test_writes_markdown_with_its_figures_and_reports_json(run_cli, tmp_path):
    path = tmp_path / "net.md"
    args = ["report", "2-2:relu-1", "--bias", "--sections", "network", "--title", "A & B"]
    result = run_cli([*args, "-o", str(path), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["output_file"] == str(path) and data["sections"] == ["network"]
    assert data["spec"] == "2-2:relu-1" and data["title"] == "A & B"
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# A &amp; B\n") and "$$\n\\begin{aligned}" in text
    assert (tmp_path / "net_files" / "01-network.svg").is_file()


def test_refuses_to_replace_a_file_without_force(run_cli, tmp_path):
    path = tmp_path / "net.html"
    path.write_text("keep me", encoding="utf-8")
    args = ["report", "2-1", "--sections", "network", "-o", str(path)]
    result = run_cli(args)
    assert result.exit_code == 2
    assert result.stderr.strip() == f"Error: {path} already exists; pass --force to replace it"
    assert path.read_text(encoding="utf-8") == "keep me"
    assert run_cli([*args, "--force"]).exit_code == 0
    assert "<math" in path.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["2-1"], "give the report file: -o REPORT.html or -o REPORT.md"),
        (["2-1", "-o", "r.pdf"], "a report file must end in .html or .md"),
        (["2-1", "--sections", "network,nope", "-o", "r.html"], "unknown report section 'nope'"),
        (["2-x", "-o", "r.html"], "invalid network spec '2-x'"),
        (["2-1", "--wrt", "w9", "-o", "r.html"], "unknown --wrt w9"),
    ],
)
def test_bad_input_is_one_line_with_exit_code_2(run_cli, tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    result = run_cli(["report", *args])
    assert result.exit_code == 2, result.output
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "r.html").exists()


def test_help_shows_a_runnable_example(run_cli):
    result = run_cli(["report", "--help"])
    assert result.exit_code == 0
    assert "symnet report 3-2:sigmoid-2:sigmoid-1:sigmoid --names seed -o report.html" in (
        result.stdout
    )
