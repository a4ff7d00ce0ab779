"""Every command that takes a spec refuses what it cannot build: fast, small, in one line.

Each case runs ``symnet`` as a real process (start-up and imports count) and asserts what
issue 12 promises: exit code 2 (bad usage: ask for less), one ``Error:`` line on stderr
naming the estimate, the limit and the way out, nothing on stdout and nothing written,
within 2 s and 500 MB. Without their guards these cases built for minutes, allocated
tens of GiB or ended in an OverflowError or RecursionError traceback.
"""

from __future__ import annotations

import io
import os
import pty
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from symnet.cli.progress import progress_line

DEEP_1 = "-".join(["1"] * 30001)  # 30,000 layers of one unit
DEEP_10 = "-".join(["10"] * 501)  # 500 layers of ten units
DEEP_2 = "-".join(["2"] * 5001)  # 5,000 layers of two units
CONV = "3x4096x4096-conv64@3x3-10"
WIDE = "2-100000:relu-100000:relu-1:sigmoid"
BIG_CONV = "1x4096x4096-conv100000@31x31:relu-maxpool2-100000-10:softmax"
RELU_100 = "-".join(["1"] + ["1:relu"] * 100)
HUGE = "9" * 5000  # past Python's int-string limit (4300 digits)

#: name -> (arguments, words the one error line holds). "out" is the case's empty folder.
CASES: dict[str, tuple[list[str], str]] = {
    # The cases of issue 12.
    "derive 100000-1": (["derive", "100000-1"], "~2e+05 edges (limit 20000)"),
    "trace 30,000 layers": (["trace", DEEP_1, "--inputs", "1", "--seed", "0"], "edges"),
    "collapse 30,000 layers": (["collapse", DEEP_1], "~4.5e+08 leaves (limit 100000)"),
    "report 30,000 layers": (["report", DEEP_1, "-o", "r.html"], "layers (limit 30)"),
    "expression 30,000 layers": (
        ["render", DEEP_1, "--view", "expression", "-o", "e.svg"],
        "leaves written on the way",
    ),
    "trace 500 layers": (
        ["trace", DEEP_10, "--inputs", ",".join("1" * 10), "--seed", "0"],
        "edges",
    ),
    "trace 5,000 layers": (["trace", DEEP_2, "--inputs", "1,1", "--seed", "0"], "edges"),
    "collapse 500 layers": (["collapse", DEEP_10], "~1e+501 terms (limit 20000)"),
    "derive 500 layers": (["derive", DEEP_10], "~1e+05 edges (limit 20000)"),
    "report 500 layers": (["report", DEEP_10, "-o", "r.md"], "~5e+02 layers (limit 30)"),
    "expression 500 layers": (
        ["render", DEEP_10, "--view", "expression"],
        "levels of nesting (limit 120)",
    ),
    "collapse 5,000 layers": (["collapse", DEEP_2], "~2.8e+1505 terms (limit 20000)"),
    "derive 5,000 layers": (["derive", DEEP_2], "~4e+04 edges (limit 20000)"),
    "report 5,000 layers": (["report", DEEP_2, "-o", "r.html"], "layers (limit 30)"),
    "expression 5,000 layers": (["render", DEEP_2, "--view", "expression"], "levels of nesting"),
    "trace 4096x4096 conv": (["trace", CONV, "--inputs", "0", "--seed", "0"], "~7.9e+10 edges"),
    "derive 4096x4096 conv": (["derive", CONV], "~7.9e+10 edges (limit 20000)"),
    "verify 4096x4096 conv": (["verify", CONV], "~7.9e+10 edges (limit 6000)"),
    "report wide": (["report", WIDE, "-o", "r.html"], "~298 GiB of arrays (limit 4 GiB)"),
    "train wide": (["train", WIDE, "--data", "moons"], "~298 GiB of arrays (limit 4 GiB)"),
    "report big conv": (["report", BIG_CONV, "-o", "r.html"], "GiB of arrays (limit 4 GiB)"),
    # Others of the same kind.
    "network view 30,000 layers": (["render", DEEP_1, "-o", "n.svg"], "boxes and arrows"),
    "gradient view 30,000 layers": (["render", DEEP_1, "--view", "gradient"], "boxes and arrows"),
    "every unit of 64-64-10": (
        ["render", "64-64-10", "--max-units", "1000", "--max-edges", "10000", "-o", "n.svg"],
        "~4.9e+03 boxes and arrows (limit 2000); lower --max-units and --max-edges",
    ),
    "expression cut to 10,000 nodes": (
        ["render", "30-30-1", "--view", "expression", "--max-nodes", "10000", "-o", "e.svg"],
        "lower --max-nodes",
    ),
    "verify 100000-1": (["verify", "100000-1"], "~2e+05 edges (limit 6000)"),
    "train 4096x4096 conv": (["train", CONV, "--data", "digits"], "GiB of arrays (limit 4 GiB)"),
    "train big conv": (["train", BIG_CONV, "--data", "digits"], "GiB of arrays (limit 4 GiB)"),
    "train 30,000 layers": (
        ["train", DEEP_1, "--data", "sin"],
        "~3e+04 layers (limit 1000); use a network with fewer layers",
    ),
    "collapse 100 relu layers": (["collapse", RELU_100], "levels of nesting (limit 120)"),
    "report 100 relu layers": (["report", RELU_100, "-o", "r.html"], "~1e+02 layers (limit 30)"),
    # Number tokens: length-limited before int().
    "5000-digit width": (["collapse", f"3-{HUGE}-1"], "layer 2 width has 5000 digits"),
    "5000-digit kernel count": (
        ["trace", f"1x5x5-conv{HUGE}@3x3-1", "--inputs", "1", "--seed", "0"],
        "layer 2 kernel count has 5000 digits",
    ),
    "5000-digit image side": (["derive", f"1x{HUGE}x5-conv1@3-1"], "height has 5000 digits"),
    "5000-digit stride": (["verify", f"1x5x5-conv1@3/{HUGE}-1"], "stride has 5000 digits"),
    "5000-digit pool window": (["render", f"1x5x5-maxpool{HUGE}-1"], "has 5000 digits"),
}


# The peak is measured by a small launcher process, not by this one: Linux carries the
# resident peak of the process that forks into the child's ``ru_maxrss`` across exec, so
# a child forked straight from a test run that has grown to 560 MB would report 560 MB.
_PEAK_MARK = "peak-kib="
_LAUNCHER = f"""
import os, subprocess, sys
child = subprocess.Popen(sys.argv[1:])
_, status, usage = os.wait4(child.pid, 0)
sys.stderr.write("\\n{_PEAK_MARK}" + str(usage.ru_maxrss) + "\\n")
sys.exit(os.waitstatus_to_exitcode(status))
"""


def _measured(args: list[str], cwd: Path) -> tuple[int, str, str, float, float]:
    """(exit code, stdout, stderr, seconds, peak MiB) of ``symnet ARGS`` as a process.

    The peak resident memory is the command's own (start-up included), from ``os.wait4``
    in a launcher of about 15 MB.
    """
    start = time.perf_counter()
    process = subprocess.run(
        [sys.executable, "-c", _LAUNCHER, sys.executable, "-m", "symnet.cli", *args],
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - start
    stderr, _, peak_line = process.stderr.rstrip("\n").rpartition("\n")
    assert peak_line.startswith(_PEAK_MARK), process.stderr
    peak = int(peak_line.removeprefix(_PEAK_MARK)) / 1024  # NOTE: kilobytes on Linux
    return (
        process.returncode,
        process.stdout,
        stderr.rstrip("\n") + "\n" if stderr else "",
        seconds,
        peak,
    )


@pytest.mark.parametrize("args, words", CASES.values(), ids=CASES)
def test_a_spec_too_large_is_refused_fast_in_one_line(args, words, tmp_path):
    code, stdout, stderr, seconds, peak = _measured(args, tmp_path)
    lines = stderr.splitlines()
    assert code == 2, stderr
    assert len(lines) == 1 and lines[0].startswith("Error: ") and words in lines[0], stderr
    assert "Traceback" not in stderr and stdout == ""
    assert len(lines[0]) < 800  # a 30,000-layer spec is shortened in the message
    assert list(tmp_path.iterdir()) == []  # nothing written
    assert seconds < 2.0, f"{seconds:.2f} s"  # generous: the machine may be busy
    assert peak < 500, f"{peak:.0f} MiB"


def test_a_refusal_names_the_estimate_and_the_limit_as_the_readme_shows(tmp_path):
    code, _, stderr, _, _ = _measured(["derive", "100000-1"], tmp_path)
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    assert code == 2 and stderr in readme
    assert stderr == (
        "Error: the scalar graph of 100000-1 would have ~2e+05 edges (limit 20000); derive a "
        "narrower network with the same layers (each rule is the same at every width), or "
        "train it with the layer-level rules (symnet train)\n"
    )


def test_json_mode_refuses_with_a_json_error(tmp_path):
    code, stdout, stderr, _, _ = _measured(["collapse", DEEP_10, "--json"], tmp_path)
    assert code == 2 and stdout == ""
    assert '"exit_code": 2' in stderr and "terms (limit 20000)" in stderr


def _under_a_terminal(args: list[str], until: bytes, seconds: float) -> tuple[bytes, object]:
    """Run ``symnet ARGS`` with stderr on a pseudo-terminal until it shows ``until``."""
    main, child = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "symnet.cli", *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=child,
    )
    os.close(child)
    shown, deadline = b"", time.monotonic() + seconds
    while until not in shown and time.monotonic() < deadline and process.poll() is None:
        if select.select([main], [], [], 0.2)[0]:
            shown += os.read(main, 4096)
    return shown, (process, main)


def _rest(main: int) -> bytes:
    shown = b""
    while select.select([main], [], [], 0.5)[0]:
        try:
            chunk = os.read(main, 4096)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        shown += chunk
    os.close(main)
    return shown


def test_a_raised_limit_shows_progress_on_a_terminal_and_ctrl_c_stops_it_in_one_line():
    args = ["collapse", "100-100-100-1", "--max-terms", "1000000"]  # minutes of SymPy
    shown, (process, main) = _under_a_terminal(args, b"collapse: substituting layers", 30)
    assert b"collapse: substituting layers" in shown and b"(Ctrl-C stops)" in shown
    assert process.poll() is None  # still at work
    start = time.monotonic()
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=10) == 130
    assert time.monotonic() - start < 5
    shown += _rest(main)
    last = shown.replace(b"\r\n", b"\n").split(b"\r")[-1]  # what the terminal shows last
    assert last == b"Interrupted.\n"  # the progress line erased: one line stands alone
    assert b"Traceback" not in shown


def test_without_a_terminal_there_is_no_progress_line(run_cli):
    result = run_cli(["collapse", "3-2-2-1", "--max-terms", "1000000"])
    assert result.exit_code == 0 and result.stderr == ""


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_progress_line_is_redrawn_in_place_and_erased_at_the_end(monkeypatch):
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    with progress_line("collapse") as progress:
        progress("substituting layers", 0, 2)
        progress("substituting layers", 1, 2)  # few steps: each one shown
        progress("expanding", 0, 10**6)
        progress("expanding", 10, 10**6)  # many quick steps: at most ten times a second
    drawn = terminal.getvalue().split("\r")
    assert drawn[1] == "collapse: substituting layers 0/2, 0 s (Ctrl-C stops)"
    assert drawn[2].startswith("collapse: substituting layers 1/2, 0 s")
    assert drawn[3].startswith("collapse: expanding 0/1,000,000")
    assert drawn[-2].strip() == "" and drawn[-1] == ""  # erased, the cursor at its start
    assert len(drawn) == 6


def test_no_progress_line_off_a_terminal_or_in_json_mode(monkeypatch):
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    with progress_line("collapse", show=False) as progress:
        progress("expanding", 0, 10)
    assert terminal.getvalue() == ""
