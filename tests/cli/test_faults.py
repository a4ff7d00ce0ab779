"""Faults in the middle of a command that writes: kill -9 and Ctrl-C at random moments.

Each run is a real process (``python -m symnet.cli``), stopped at a moment drawn around the
length of a complete run of the same command, most of them late, where the file is
written. Whatever the moment:

* **kill -9** during ``train -o`` and ``report -o`` over an existing file: the file holds
  the old bytes or a complete new file, never a part of one. A killed write may leave its
  temporary file (``.NAME.symnet-PID-XXXX.tmp``); the next write of the same file removes it.
* **Ctrl-C** (SIGINT to the process group, as a terminal sends it) during ``train``,
  ``report`` and ``render``: exit code 130, one line on stderr, no traceback, no temporary
  file left, and the file old or complete.

The time budgets keep this file near 30 s on a busy two-core machine.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from symnet.files import TEMPORARY_PATTERN
from symnet.training.modelfile import load_model

COMMAND = [sys.executable, "-m", "symnet.cli"]
OLD = b"the old file, which must stay whole\n"
#: Seconds of kills per command, and the fewest kills that make a test worth its name.
KILL_BUDGET, FEWEST_KILLS = 5.0, 4


def _train(path: Path) -> list[str]:
    return [
        "train",
        "2-32:relu-32:relu-1:sigmoid",
        "--data",
        "moons",
        "--epochs",
        "300",
        "-o",
        str(path),
        "--force",
    ]


def _report(path: Path) -> list[str]:
    return ["report", "2-1", "--sections", "network", "-o", str(path), "--force"]


def _render(path: Path) -> list[str]:
    return ["render", "3-2:relu-2-1", "--view", "gradient", "-o", str(path)]


def _model_is_whole(path: Path) -> bool:
    return load_model(path).spec is not None  # the loader checks every array's checksum


def _html_is_whole(path: Path) -> bool:
    text = path.read_text(encoding="utf-8")
    return text.startswith("<!DOCTYPE html>") and text.endswith("</html>\n")


def _svg_is_whole(path: Path) -> bool:
    return path.read_text(encoding="utf-8").rstrip().endswith("</svg>")


CASES: dict[str, tuple[Callable[[Path], list[str]], str, Callable[[Path], bool]]] = {
    "train": (_train, "model.npz", _model_is_whole),
    "report": (_report, "report.html", _html_is_whole),
    "render": (_render, "net.svg", _svg_is_whole),
}


def _temporaries(folder: Path, name: str) -> list[Path]:
    found = [(p, TEMPORARY_PATTERN.match(p.name)) for p in folder.iterdir()]
    return [p for p, match in found if match is not None and match["name"] == name]


def _start(args: list[str]) -> subprocess.Popen:
    return subprocess.Popen(
        [*COMMAND, *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,  # a process group of its own, as a terminal's job
    )


@pytest.fixture(scope="module")
def lengths(tmp_path_factory) -> dict[str, float]:
    """Seconds of one complete run of each command, and of importing the command line."""
    folder = tmp_path_factory.mktemp("lengths")
    lengths = {}
    for name, (arguments, file_name, whole) in CASES.items():
        began = time.monotonic()
        done = subprocess.run(
            [*COMMAND, *arguments(folder / file_name)], capture_output=True, timeout=300
        )
        lengths[name] = time.monotonic() - began
        assert done.returncode == 0, done.stderr
        assert whole(folder / file_name)
    began = time.monotonic()
    subprocess.run([sys.executable, "-c", "import symnet.cli"], check=True, timeout=60)
    lengths["start-up"] = time.monotonic() - began
    return lengths


def _kill_9(
    process: subprocess.Popen, folder: Path, name: str, moment: float | None, later: float
) -> bool:
    """Kill ``process`` at ``moment`` seconds, or (None) ``later`` seconds after its
    temporary file of ``name`` appears; False when it ended first."""
    began = time.monotonic()
    while process.poll() is None:
        if moment is not None and time.monotonic() - began >= moment:
            break
        if moment is None and any(
            f".symnet-{process.pid}-" in p.name for p in _temporaries(folder, name)
        ):
            time.sleep(later)
            break
        time.sleep(0.0005)
    else:
        process.communicate()  # it ended first; read what it said, and close the pipe
        return False
    process.kill()
    process.communicate()
    return True


@pytest.mark.parametrize("name", ["train", "report"])
def test_kill_9_leaves_the_old_file_or_a_whole_new_one(name, lengths, tmp_path):
    arguments, file_name, whole = CASES[name]
    target = tmp_path / file_name
    rng = random.Random(f"kill {name}")
    seen: Counter[str] = Counter()
    began = time.monotonic()
    while seen["kills"] < FEWEST_KILLS or time.monotonic() - began < KILL_BUDGET:
        assert seen["runs"] < 60, seen  # each run is a second or more: never loops for long
        seen["runs"] += 1
        target.write_bytes(OLD)
        process = _start(arguments(target))
        # NOTE: every other kill lands while the file is written: the moment that matters.
        moment = None if seen["runs"] % 2 else rng.uniform(0.3, 1.0) * lengths[name]
        if not _kill_9(process, tmp_path, target.name, moment, rng.uniform(0, 0.03)):
            seen["completed"] += 1
            assert whole(target)
            continue
        seen["kills"] += 1
        if target.read_bytes() == OLD:
            seen["intact"] += 1
        else:
            assert whole(target), f"a kill -9 left part of {target.name}"
            seen["replaced"] += 1
        left = _temporaries(tmp_path, target.name)
        seen["left a temporary file"] += any(f".symnet-{process.pid}-" in p.name for p in left)
    print(f"\nkill -9 during {name}: {dict(seen)}")  # shown with pytest -s
    done = subprocess.run([*COMMAND, *arguments(target)], capture_output=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert whole(target) and _temporaries(tmp_path, target.name) == []
    assert seen["intact"] + seen["replaced"] == seen["kills"] >= FEWEST_KILLS


@pytest.mark.parametrize("name", ["train", "report", "render"])
def test_ctrl_c_exits_130_with_one_line_and_leaves_no_temporary_file(name, lengths, tmp_path):
    arguments, file_name, whole = CASES[name]
    target = tmp_path / file_name
    target.write_bytes(OLD)
    rng = random.Random(f"ctrl-c {name}")
    # NOTE: after the command line has started importing (its Ctrl-C guard is set then);
    # Python's own start-up, before any of symnet runs, is outside what symnet can do.
    earliest = 1.5 * lengths["start-up"]
    for _ in range(4):  # a run that ends before its Ctrl-C is tried again, earlier
        process = _start(arguments(target))
        try:
            process.communicate(timeout=rng.uniform(earliest, max(earliest, lengths[name])))
        except subprocess.TimeoutExpired:
            break
        earliest /= 2
    else:
        pytest.fail(f"every {name} run ended before its Ctrl-C")
    os.killpg(process.pid, signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    lines = stderr.decode("utf-8").splitlines()
    assert process.returncode == 130, stderr
    assert len(lines) == 1 and lines[0].startswith("Interrupted"), lines
    assert _temporaries(tmp_path, target.name) == []
    assert target.read_bytes() == OLD or whole(target)


def test_a_full_disk_during_train_is_one_line_and_keeps_the_old_model(tmp_path):
    # NOTE: a file-size limit stands for a full disk: past it, a write fails (EFBIG).
    import resource  # only here: the module is POSIX-only

    target = tmp_path / "model.npz"
    target.write_bytes(OLD)

    def limited() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (8192, 8192))

    done = subprocess.run(
        [*COMMAND, *_train(target)], capture_output=True, timeout=300, preexec_fn=limited
    )
    assert done.returncode == 1, done.stderr
    assert done.stderr.decode() == (
        f"Error: cannot write {target}: the file is larger than allowed (a file-size limit); "
        "write elsewhere\n"
    )
    assert target.read_bytes() == OLD and _temporaries(tmp_path, target.name) == []
