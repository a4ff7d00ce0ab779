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
import pickle
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


def _npy_zip(name: str) -> Callable[[Path], None]:
    """An .npz archive of plain arrays under another name: a zip, but no model."""

    def make(folder: Path) -> None:
        with (folder / name).open("wb") as file:
            np.savez(file, W1=np.zeros(2))

    return make


def _text(name: str, text: str) -> Callable[[Path], None]:
    return lambda folder: (folder / name).write_text(text)


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


SAVED = ["verify", "2-3:sigmoid-1:sigmoid", "--params", "P.npz", "--grads", "G.npz"]
SAVED += ["--inputs", "X.npy", "--targets", "T.npy"]


def _saved(spoil: Callable[[Path], None]) -> Callable[[Path], None]:
    """The right arrays of a student's MLP (tests/interop/student_mlp.py), then ``spoil``."""

    def make(folder: Path) -> None:
        from tests.interop.student_mlp import gradients, student_data

        params, X, T = student_data()
        np.savez(folder / "P.npz", **params)
        np.save(folder / "X.npy", X)
        np.save(folder / "T.npy", T)
        np.savez(folder / "G.npz", **gradients()(params, X, T))
        spoil(folder)

    return make


def _regrads(change: Callable[[dict], None]) -> Callable[[Path], None]:
    def spoil(folder: Path) -> None:
        with np.load(folder / "G.npz") as archive:
            grads = dict(archive)
        change(grads)
        np.savez(folder / "G.npz", **grads)

    return spoil


def _onnx(**options) -> Callable[[Path], None]:
    """An ONNX file net.onnx built by tests.onnx_files (the onnx package is a test extra)."""

    def make(folder: Path) -> None:
        pytest.importorskip("onnx")
        from tests.onnx_files import write_onnx

        write_onnx(folder, **options)

    return make


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
    # The user's saved arrays (verify --grads): one line, exit 2, nothing unpickled.
    "verify pickled npy": (
        SAVED,
        _saved(lambda f: (f / "X.npy").write_bytes(pickle.dumps(np.eye(2)))),
        2,
        "inputs X.npy is not a .npy file",
    ),
    "verify object npz": (
        SAVED,
        _saved(lambda f: np.savez(f / "G.npz", W1=np.array([{}], dtype=object))),
        2,
        "array W1 holds object.*never read",
    ),
    "verify object npy": (
        SAVED,
        _saved(lambda f: np.save(f / "T.npy", np.array([None]), allow_pickle=True)),
        2,
        "targets T.npy holds Python objects",
    ),
    "verify wrong shape": (
        SAVED,
        _saved(lambda f: np.save(f / "X.npy", np.ones((8, 3)))),
        2,
        r"X has shape \(8, 3\); 2-3:sigmoid-1:sigmoid takes \(N, 2\)",
    ),
    "verify wrong name": (
        SAVED,
        _saved(_regrads(lambda g: g.update(W3=g.pop("W2")))),
        2,
        "the gradients have no array 'W2'",
    ),
    "verify missing array": (
        SAVED,
        _saved(_regrads(lambda g: g.pop("b2"))),
        2,
        "the gradients have no array 'b2'",
    ),
    "verify nan": (
        SAVED,
        _saved(_regrads(lambda g: g["W1"].__setitem__((0, 0), np.nan))),
        2,
        "array 'W1' holds NaN or infinite values",
    ),
    "verify npz not a zip": (
        SAVED,
        _saved(lambda f: (f / "G.npz").write_text("W1 = 1")),
        2,
        "gradients G.npz is not an .npz archive of arrays: cannot read it",
    ),
    "verify spec without params": (
        SAVED[:2] + SAVED[4:],
        _saved(lambda f: None),
        2,
        "needs --params",
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
            ("trace", ["--inputs", "1,2"]),  # issue 14: a model file in place of a SPEC
            ("render", ["-o", "net.svg"]),
            ("derive", ["--inputs", "1,2", "--targets", "1"]),
            ("verify", []),
            ("report", ["-o", "r.html"]),
        )
    },
    **{
        f"{command} model file that is not a model": (
            [command, "m.npz", *extra],
            _text("m.npz", "W1 = 1\n"),
            2,
            "m.npz is not a valid symnet model",
        )
        for command, extra in (
            ("trace", ["--inputs", "1,2"]),
            ("render", ["-o", "net.svg"]),
            ("derive", []),
            ("verify", []),
            ("report", ["-o", "r.html"]),
        )
    },
    "model file without .npz that is a zip but not a model": (
        ["trace", "m.zip", "--inputs", "1,2"],
        _npy_zip("m.zip"),
        2,
        "m.zip is not a valid symnet model",
    ),
    # Graph programs (issue 13): inline or in a file, every refusal names line and column.
    "program syntax": (["derive", "x = 1; y = x +"], None, 2, "line 1, column 1[0-9]: cannot"),
    "program file syntax": (
        ["derive", "p.txt"],
        _text("p.txt", "x = 1\ny = (x\n"),
        2,
        "line 2, column 5: cannot parse",
    ),
    "program unknown name": (["verify", "x = 1; y = q"], None, 2, "column 12: unknown name 'q'"),
    "program use before assignment": (
        ["trace", "y = 2*q; q = 1"],
        None,
        2,
        "'q' is used before it is assigned",
    ),
    "program leaf redefined": (
        ["render", "x = 1; x = 2; y = x", "-o", "d.svg"],
        None,
        2,
        "line 1, column 8: x is already defined",
    ),
    "program attack": (
        ["derive", "x = 1; y = __import__('os').system('id')"],
        None,
        2,
        "not allowed|cannot use",
    ),
    "program of 10**6 statements": (
        ["derive", "big.txt"],
        _text("big.txt", "x = 1\n" + "x = x + 1\n" * 1_000_000),
        2,
        "the program would have ~.* characters \\(limit",
    ),
    "program above the statement limit": (
        ["report", "x = 1; " + "y = x; " * 2_001, "-o", "r.html"],
        None,
        2,
        "statements \\(limit 2000\\)",
    ),
    "program leaf without value": (["derive", "x: leaf; y = x"], None, 2, "has no value"),
    "program not linear": (["collapse", "x = 1; y = x*x"], None, 2, "is not linear"),
    "program trained": (["train", "x = 1; y = x", "--data", "xor"], None, 2, "graph program"),
    "program with a loss": (
        ["derive", "x = 1; y = x", "--loss", "mse"],
        None,
        2,
        "a loss is for layered networks",
    ),
    # ONNX files (issue 14): symnet import refuses them in one line, writing nothing.
    "onnx unsupported op": (
        ["import", "net.onnx", "-o", "m.npz"],
        _onnx(op="HardSigmoid"),
        2,
        r"node 'act1' \(HardSigmoid\) is not supported; symnet imports Gemm",
    ),
    "onnx weight of 10^12 values": (
        ["import", "net.onnx", "-o", "m.npz"],
        _onnx(huge=True),
        2,
        r"initializer 'W1' declares the shape \(1000000, 1000000\)",
    ),
    "onnx file that is text": (
        ["import", "net.onnx", "-o", "m.npz"],
        _text("net.onnx", "not a model\n"),
        2,
        r"net.onnx is not an ONNX model",
    ),
    "onnx file that is a symnet model": (
        ["import", "m.npz", "-o", "out.npz"],
        _model(),
        2,
        r"m.npz is not an ONNX model",
    ),
    "onnx fifo": (["import", "net.onnx", "-o", "m.npz"], _fifo("net.onnx"), 2, "not a regular"),
    "onnx output not npz": (
        ["import", "net.onnx", "-o", "m.txt"],
        _onnx(),
        2,
        r"a model file name ends in .npz",
    ),
}


@pytest.fixture(scope="module", autouse=True)
def _warm_imports():
    """Import what the commands import, once, so each case times the command alone."""
    import symnet.conv.learning  # noqa: F401
    import symnet.interop.onnx_import  # noqa: F401
    import symnet.interop.saved  # noqa: F401
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
