"""The bad-input catalogue of issue 12 for options, images and model files, as one table.

Each case builds its inputs in an empty folder, runs one command there and asserts what a
user is promised: the exit code (2 for bad input, 1 for a failure of the world), exactly one
``Error: ...`` line on stderr naming the problem, no traceback, an answer within 2 s, and
no file written (the folder holds only the inputs afterwards).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.model_files import declared_shape, read_members, rewrite, saved_model, zip_bomb

HUGE = "9" * 5000  # past Python's int-string limit (4300 digits)
KERNEL_31 = ";".join([",".join(["1"] * 31)] * 31)  # 1,921 characters: longer than NAME_MAX


def _npy(name: str, values) -> Callable[[Path], None]:
    def make(folder: Path) -> None:
        np.save(folder / name, np.asarray(values, dtype=np.float64))

    return make


def _fifo(name: str) -> Callable[[Path], None]:
    return lambda folder: os.mkfifo(folder / name)


def _png_above_budget(folder: Path) -> None:
    """A 1-bit 5000x5001 PNG: 25,005,000 pixels, just above the budget, ~3 kB on disk."""
    Image.new("1", (5000, 5001)).save(folder / "big.png")


def _kernel_json(folder: Path) -> None:
    (folder / "k.json").write_text(f"[[{HUGE}]]")


def _model(spoil: Callable[[Path], Path] | None = None) -> Callable[[Path], None]:
    def make(folder: Path) -> None:
        path = saved_model(folder, spec="2-4:relu-1:sigmoid")
        if spoil is not None:
            spoil(path)

    return make


def _set(name: str, index, value):
    def change(metadata, arrays):
        arrays[name][index] = value

    return change


def _classes(values):
    def change(metadata, arrays):
        arrays["classes"] = np.asarray(values, dtype=np.float64)

    return change


def _relu_to_tanh(metadata, arrays):
    metadata["spec"] = metadata["spec"].replace("relu", "tanh")


def _deep_json(path: Path) -> Path:
    metadata, arrays = read_members(path)
    text = json.dumps(metadata)[:-1] + ', "x": ' + "[" * 50_000 + "]" * 50_000 + "}"
    with open(path, "wb") as stream:
        np.savez(stream, metadata=np.frombuffer(text.encode(), np.uint8), **arrays)
    return path


#: (command, setup, exit code, what the error line says). Relative paths: the folder.
MODEL_CASES = {
    "nan weights": (lambda p: rewrite(p, _set("W1", (0, 0), np.nan)), "W1 holds NaN"),
    "inf input scale": (lambda p: rewrite(p, _set("input_scale", 0, np.inf)), "input_scale"),
    "nan input mean": (lambda p: rewrite(p, _set("input_mean", 1, np.nan)), "input_mean"),
    "shape of 10^9": (lambda p: declared_shape(p, "W1", (10**9,)), "declares the shape"),
    "shape of 10^12": (lambda p: declared_shape(p, "W1", (10**12,)), "declares the shape"),
    "zip bomb": (zip_bomb, "once decompressed"),
    "deep JSON": (_deep_json, "nested more than 32 levels"),
    "edited metadata": (
        lambda p: rewrite(p, _relu_to_tanh, reseal=False),
        "metadata does not match its SHA-256",
    ),
    "no classes": (lambda p: rewrite(p, _classes([])), "0 class labels"),
    "extra classes": (lambda p: rewrite(p, _classes([0, 1, 2])), "3 class labels"),
}

CASES: dict[str, tuple[list[str], Callable[[Path], None] | None, int, str]] = {
    # Seeds: whole numbers from 0 to 2**32 - 1, refused by the option itself.
    **{
        f"{args[0]} --seed -1": (
            args + ["--seed", "-1"],
            None,
            2,
            "'--seed': -1 is not in the range",
        )
        for args in (
            ["trace", "2-1", "--inputs", "1,2"],
            ["derive", "2-1:sigmoid"],
            ["verify", "2-1:sigmoid"],
            ["render", "2-1", "--values"],
            ["train", "2-4:relu-1:sigmoid", "--data", "xor"],
            ["learn-kernel"],
            ["approx", "sin(x)"],
            ["report", "2-1:sigmoid", "-o", "r.html"],
            ["predict", "m.npz", "--data", "xor"],
        )
    },
    "seed 2**32": (
        ["train", "2-1:sigmoid", "--data", "xor", "--seed", str(2**32)],
        None,
        2,
        "is not in the range 0<=x<=4294967295",
    ),
    # Numbers and options.
    "epochs 10**12": (
        ["train", "2-4:relu-1:sigmoid", "--data", "xor", "--epochs", "1000000000000"],
        None,
        2,
        "epochs must be a whole number from 1 to 1000000",
    ),
    "lr nan": (
        ["train", "2-1:sigmoid", "--data", "xor", "--lr", "nan"],
        None,
        2,
        "--lr nan is not",
    ),
    **{
        f"step {step}": (["learn-kernel", "--step", step], None, 2, "step must be a finite number")
        for step in ("nan", "inf", "1e308")
    },
    "step 5 preconditioned": (["learn-kernel", "--step", "5"], None, 2, "below 2"),
    "crops need 25 GiB": (
        ["learn-kernel", "--crops", "1000", "--crop-size", "512"],
        None,
        2,
        r"needs about 25.21 GiB of memory \(limit 256 MiB\)",
    ),
    "5000-digit fraction input": (
        ["trace", "2-1", "--seed", "0", "--inputs", f"1/{HUGE},2"],
        None,
        2,
        "5002 characters",
    ),
    "5000-digit weight": (
        ["trace", "1-1", "--inputs", "1", "--weights", f"w1={HUGE}"],
        None,
        2,
        "5000 characters",
    ),
    "5000-digit kernel JSON file": (
        ["convolve", "--kernel", "k.json", "--grayscale"],
        _kernel_json,
        2,
        "JSON number has 5000 characters",
    ),
    "5000-digit kernel JSON literal": (
        ["convolve", "--kernel", f"[[{HUGE}]]", "--grayscale"],
        None,
        2,
        "JSON number has 5000 characters",
    ),
    "plot suffix checked before training": (
        ["train", "2-4:relu-1:sigmoid", "--data", "xor", "-o", "m.npz", "--plot", "p.jpg"],
        None,
        2,
        r"\.png or \.svg; got 'p\.jpg'",
    ),
    # Images.
    "fifo image": (["convolve", "in.png"], _fifo("in.png"), 2, "not a regular file"),
    "fifo array": (["convolve", "in.npy"], _fifo("in.npy"), 2, "not a regular file"),
    "fifo learn-kernel image": (
        ["learn-kernel", "--image", "in.png"],
        _fifo("in.png"),
        2,
        "not a regular file",
    ),
    "fifo kernel file": (["convolve", "--kernel", "k.json"], _fifo("k.json"), 2, "not a regular"),
    "fifo model file": (["predict", "m.npz", "--data", "xor"], _fifo("m.npz"), 2, "not a regular"),
    "kernel file name too long": (
        ["convolve", "--kernel", "k" * 5000 + ".json"],
        None,
        2,
        "does not exist",
    ),
    "model file name too long": (
        ["export", "m" * 5000 + ".npz", "--to", "jax", "-o", "m.py"],
        None,
        1,
        "no model file at",
    ),
    "png above the pixel budget": (
        ["convolve", "big.png", "-o", "out.png"],
        _png_above_budget,
        2,
        "25005000 pixels, above the limit of 25000000",
    ),
    "npy of 1e308 overflows": (
        ["convolve", "huge.npy", "-o", "out.npy", "--kernel", "outline"],
        _npy("huge.npy", np.full((8, 8), 1e308)),
        2,
        "overflow float64",
    ),
    # Model files: every command that loads one refuses it the same way.
    **{
        f"{command} {name}": (
            [command, "m.npz", *extra],
            _model(spoil),
            2,
            f"m.npz is not a valid symnet model: .*{message}",
        )
        for name, (spoil, message) in MODEL_CASES.items()
        for command, extra in (
            ("predict", ["--data", "xor"]),
            ("export", ["--to", "torch", "-o", "m.py"]),
        )
    },
}


@pytest.fixture(scope="module", autouse=True)
def _warm_imports():
    """Import what the commands import, once, so each case times the command alone."""
    import symnet.conv.learning  # noqa: F401
    import symnet.numeric.trace  # noqa: F401
    import symnet.training.export  # noqa: F401
    import symnet.training.loop  # noqa: F401


def _unblock_fifos(folder: Path, stop: threading.Event) -> None:
    """If the command opened a FIFO for reading it waits for a writer: after 5 s be that
    writer, so a regression fails the timing assertion instead of hanging the suite."""
    if stop.wait(5):
        return
    for path in folder.iterdir():
        with contextlib.suppress(OSError):  # no reader waiting: nothing to unblock
            os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))


def _listing(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


@pytest.mark.parametrize("args, setup, code, message", CASES.values(), ids=CASES.keys())
def test_bad_input_is_one_line_fast_and_writes_nothing(
    run_cli, tmp_path, monkeypatch, args, setup, code, message
):
    monkeypatch.chdir(tmp_path)
    if setup is not None:
        setup(tmp_path)
    before = _listing(tmp_path)
    stop = threading.Event()
    watchdog = threading.Thread(target=_unblock_fifos, args=(tmp_path, stop), daemon=True)
    watchdog.start()
    start = time.perf_counter()
    try:
        result = run_cli(args)
    finally:
        seconds = time.perf_counter() - start
        stop.set()
    lines = result.stderr.strip().splitlines()
    assert result.exit_code == code, (result.exit_code, result.stderr, result.exception)
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert "Traceback" not in result.output
    assert re.search(message, lines[0]), lines[0]
    assert seconds < 2.0, seconds
    assert _listing(tmp_path) == before


def test_a_31x31_kernel_literal_is_a_literal(run_cli, tmp_path, monkeypatch):
    """1,921 characters: once taken for a file name ("File name too long")."""
    monkeypatch.chdir(tmp_path)
    np.save(tmp_path / "in.npy", np.ones((40, 40)))
    result = run_cli(["convolve", "in.npy", "--kernel", KERNEL_31, "--padding", "valid", "--json"])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["output_shape"] == [10, 10] and data["max"] == 961.0


def test_model_files_still_load_after_all_this(run_cli, tmp_path, monkeypatch):
    """The valid file behind every crafted one predicts and exports, and the module imports."""
    monkeypatch.chdir(tmp_path)
    _model()(tmp_path)
    assert run_cli(["predict", "m.npz", "--data", "xor"]).exit_code == 0
    result = run_cli(["export", "m.npz", "--to", "jax", "-o", "m_jax.py"])
    assert result.exit_code == 0, result.stderr
    compile((tmp_path / "m_jax.py").read_text(), "m_jax.py", "exec")  # jax may be absent
