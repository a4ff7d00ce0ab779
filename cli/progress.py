"""A progress line for long library work: on stderr, and only when stderr is a terminal.

Library functions that can run for minutes once a user raises a limit (``collapse`` with a
large ``--max-terms``) take ``progress(stage, done, total)``; :func:`progress_line` gives
one that keeps a single line up to date: the stage, how far it has come and the seconds
so far (redrawn every second, so that a long step shows it is alive, and at most ten times
a second for a stage of many small steps). The line is erased when the work ends, also
when Ctrl-C stops it, so that the ``Interrupted.`` line stands alone. Piped or redirected
output, and JSON mode, show nothing.
"""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from collections.abc import Callable, Iterator

__all__ = ["progress_line"]

#: Seconds between two redraws in a stage of more than ``_FEW_STEPS`` steps.
_REDRAW = 0.1
_FEW_STEPS = 100
#: Seconds between two redraws of the time while a step runs.
_TICK = 1.0


class _Line:
    """The one line on the terminal: its text is redrawn from two threads, under a lock."""

    def __init__(self, command: str, stream) -> None:
        self.command, self.stream, self.lock = command, stream, threading.Lock()
        self.start = self.at = time.monotonic()
        self.state: tuple[str, int, int] | None = None
        self.width = 0

    def draw(self) -> None:
        if self.state is None:
            return
        stage, done, total = self.state
        seconds = time.monotonic() - self.start
        text = f"{self.command}: {stage} {done:,}/{total:,}, {seconds:.0f} s (Ctrl-C stops)"
        with self.lock:
            # NOTE: the width first: Ctrl-C may land in the write, and erase() must cover it.
            self.width, shown = max(self.width, len(text)), text.ljust(self.width)
            self.stream.write("\r" + shown)
            self.stream.flush()

    def report(self, stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        same = self.state is not None and self.state[0] == stage
        self.state = (stage, done, total)
        if same and total > _FEW_STEPS and now - self.at < _REDRAW:
            return  # a few slow steps are each shown; many quick ones ten times a second
        self.at = now
        self.draw()

    def erase(self) -> None:
        with self.lock:
            if self.width:
                self.stream.write("\r" + " " * self.width + "\r")
                self.stream.flush()


@contextlib.contextmanager
def progress_line(command: str, show: bool = True) -> Iterator[Callable[[str, int, int], None]]:
    """``progress(stage, done, total)`` keeping ``command: stage done/total, N s`` on a terminal."""
    stream = sys.stderr  # the command line's stderr (CliRunner swaps it in tests)

    def silent(stage: str, done: int, total: int) -> None:
        """Nothing to show: not a terminal, or JSON mode."""

    if not (show and stream.isatty()):
        yield silent
        return
    line, stop = _Line(command, stream), threading.Event()

    def tick() -> None:
        while not stop.wait(_TICK):
            line.draw()

    # NOTE: a daemon thread, so that Ctrl-C (raised in the main thread) is never held up.
    ticker = threading.Thread(target=tick, name="symnet-progress", daemon=True)
    ticker.start()
    try:
        yield line.report
    finally:
        stop.set()
        ticker.join()
        line.erase()
