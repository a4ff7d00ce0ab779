"""Every file a command writes, one policy: overwriting, ``-o -``, and failed writes.

The policy (README, "Files symnet writes"): a file holding data a run made (a model, an
exported module, a report, a raw ``.npy`` array) is replaced only with ``--force``; a
picture (a diagram, a filtered image, a plot) is redrawn in place. ``-o -`` writes a text
format to standard output and is refused for a binary one (exit code 2). A write that
fails (a full disk, a missing folder, a folder or a device in the way) is one line with
exit code 1, and leaves neither the file nor a temporary file.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

import numpy as np
import pytest

from symnet.training.modelfile import Model, save_model

OLD = b"the user's own file\n"


def _image(folder: Path) -> str:
    path = folder / "image.npy"
    if not path.exists():
        np.save(path, np.arange(64, dtype=np.float64).reshape(8, 8), allow_pickle=False)
    return str(path)


def _model(folder: Path) -> str:
    path = folder / "trained.npz"
    if not path.exists():
        save_model(Model.initial("2-3:tanh-1:sigmoid", "bce", seed=0), path)
    return str(path)


#: name -> (the command line writing FILE in FOLDER, the file's name, is it data).
OUTPUTS = {
    "train -o": (lambda f, o: ["train", "2-3:tanh-1:sigmoid", "--data", "xor", "--epochs",
                               "2", "-o", o], "m.npz", True),
    "train --plot": (lambda f, o: ["train", "2-3:tanh-1:sigmoid", "--data", "xor", "--epochs",
                                   "2", "--plot", o], "curves.png", False),
    "export -o": (lambda f, o: ["export", _model(f), "--to", "jax", "-o", o], "m.py", True),
    "report -o": (lambda f, o: ["report", "2-1", "--sections", "network", "-o", o],
                  "r.html", True),
    "render -o": (lambda f, o: ["render", "3-2-1", "-o", o], "net.svg", False),
    "convolve -o .npy": (lambda f, o: ["convolve", _image(f), "-o", o], "out.npy", True),
    "convolve -o .png": (lambda f, o: ["convolve", _image(f), "-o", o], "out.png", False),
    "convolve --side-by-side": (lambda f, o: ["convolve", _image(f), "--side-by-side", o],
                                "pair.png", False),
    "learn-kernel --plot": (lambda f, o: ["learn-kernel", "--steps", "2", "--crops", "2",
                                          "--crop-size", "8", "--plot", o], "fit.png", False),
    "approx --plot": (lambda f, o: ["approx", "x**2", "--units", "2", "--interval", "0,1",
                                    "--plot", o], "fit.svg", False),
    "depth --plot": (lambda f, o: ["depth", "2", "--no-check", "--plot", o], "saw.png", False),
}  # fmt: skip
DATA = [name for name, (_, _, data) in OUTPUTS.items() if data]


def _one_line(result, code: int) -> str:
    assert result.exit_code == code, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    return lines[0]


def _run(run_cli, name: str, folder: Path, target: Path | str, *more: str):
    command, _, _ = OUTPUTS[name]
    return run_cli([*command(folder, str(target)), *more])


@pytest.mark.parametrize("name", OUTPUTS)
def test_data_needs_force_and_a_picture_is_redrawn(run_cli, tmp_path, name):
    _, file_name, data = OUTPUTS[name]
    target = tmp_path / file_name
    target.write_bytes(OLD)
    result = _run(run_cli, name, tmp_path, target)
    if data:
        line = _one_line(result, 2)
        assert line == f"Error: {target} already exists; pass --force to replace it"
        assert target.read_bytes() == OLD
        result = _run(run_cli, name, tmp_path, target, "--force")
    assert result.exit_code == 0, result.output
    assert target.read_bytes() != OLD


@pytest.mark.parametrize("name", OUTPUTS)
def test_a_full_disk_is_one_line_with_exit_code_1(run_cli, tmp_path, monkeypatch, name):
    _, file_name, _ = OUTPUTS[name]
    _image(tmp_path), _model(tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir())

    def full(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)
    target = tmp_path / file_name
    line = _one_line(_run(run_cli, name, tmp_path, target), 1)
    assert line.startswith(f"Error: cannot write {tmp_path}")
    assert line.endswith(": no space left on the device; free some space or write elsewhere")
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # no file, no temporary file


@pytest.mark.parametrize("name", OUTPUTS)
def test_a_path_that_cannot_be_written_is_refused_in_one_line(run_cli, tmp_path, name):
    _, file_name, _ = OUTPUTS[name]
    folder = tmp_path / file_name
    folder.mkdir()  # a folder with the file's name
    fifo = tmp_path / f"fifo-{file_name}"
    os.mkfifo(fifo)  # NOTE: a FIFO stands for /dev/full: not a regular file
    force = ["--force"] if name in DATA else []
    assert "it is a folder" in _one_line(_run(run_cli, name, tmp_path, folder, *force), 1)
    assert "not a regular file" in _one_line(_run(run_cli, name, tmp_path, fifo, *force), 1)
    missing = tmp_path / "missing" / file_name
    assert "does not exist" in _one_line(_run(run_cli, name, tmp_path, missing), 1)
    assert folder.is_dir() and not any(folder.iterdir()) and fifo.is_fifo()


@pytest.mark.parametrize("name", OUTPUTS)
def test_dash_is_standard_output_for_text_and_refused_for_binary(run_cli, tmp_path, name):
    text = name in ("export -o", "report -o", "render -o")
    result = _run(run_cli, name, tmp_path, "-")
    if not text:
        assert "standard output" in _one_line(result, 2)
        return
    assert result.exit_code == 0, result.output
    start = {"export -o": "import jax", "report -o": "# Derivation report", "render -o": "digraph"}
    assert result.stdout.startswith(start[name]) and result.stderr == ""
    assert not (tmp_path / "-").exists()
    refused = _run(run_cli, name, tmp_path, "-", "--json")  # the error is JSON with --json
    assert refused.exit_code == 2 and "--json cannot share it" in refused.stderr


def test_render_and_report_choose_a_text_format_for_standard_output(run_cli):
    svg = run_cli(["render", "3-2-1", "--to", "svg", "-o", "-"])
    assert svg.exit_code == 0 and svg.stdout.rstrip().endswith("</svg>")
    assert "binary" in _one_line(run_cli(["render", "3-2-1", "--to", "pdf", "-o", "-"]), 2)
    html = run_cli(["report", "2-1", "--sections", "network", "--to", "html", "-o", "-"])
    assert html.exit_code == 0 and html.stdout.startswith("<!DOCTYPE html>")
    markdown = run_cli(["report", "2-1", "--sections", "network", "-o", "-"])
    assert "](data:image/svg+xml;base64," in markdown.stdout  # its figures inside it


def test_a_markdown_report_keeps_the_users_files_in_its_figure_folder(run_cli, tmp_path):
    report, folder = tmp_path / "r.md", tmp_path / "r_files"
    folder.mkdir()
    (folder / "01-network.svg").write_bytes(OLD)
    (folder / "mine.txt").write_bytes(OLD)
    args = ["report", "2-1", "--sections", "network", "-o", str(report)]
    line = _one_line(run_cli(args), 2)
    assert f"{folder} already holds files" in line and "--force" in line
    assert not report.exists() and (folder / "01-network.svg").read_bytes() == OLD
    assert run_cli([*args, "--force"]).exit_code == 0
    assert (folder / "01-network.svg").read_bytes() != OLD  # the report's own figure
    assert (folder / "mine.txt").read_bytes() == OLD  # the user's other file stays
    (tmp_path / "s_files").write_bytes(OLD)
    line = _one_line(run_cli([*args[:-1], str(tmp_path / "s.md")]), 1)
    assert "s_files exists and is not a folder" in line


def test_train_checks_its_pictures_before_training(run_cli, tmp_path):
    model = tmp_path / "m.npz"
    args = ["train", "2-3:tanh-1:sigmoid", "--data", "xor", "-o", str(model)]
    line = _one_line(run_cli([*args, "--plot", str(tmp_path / "p.jpg")]), 2)
    assert line == "Error: a plot file must end in .png or .svg; got 'p.jpg'"
    assert not model.exists()
