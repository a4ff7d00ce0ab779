"""Ctrl-C at any moment of a command: one line on stderr, exit code 130, no traceback.

Python turns Ctrl-C into ``KeyboardInterrupt``, which unwinds the command (the atomic
writer removes its temporary file on the way, so no half file is left) up to the error
boundary in :mod:`symnet.cli`, which prints ``Interrupted.`` and exits with 130. Three
moments lie outside that boundary, and this module covers them for the process's own
command line (never for a caller that runs ``main`` inside Python, such as a test):

* **start-up**, while the command line's modules are imported: nothing has been written
  yet, so Ctrl-C ends the process at once (:func:`guard_start_up`);
* **a second Ctrl-C** while the first unwinds (or while ``train`` saves what it kept):
  the user wants out now, so the process ends at once; a temporary file it leaves is
  removed by the next write of the same file (:func:`guard_command`);
* **shutdown**, after the command is done: :func:`leave` flushes the output and ends the
  process at once, so no Ctrl-C can land in Python's own shutdown (nothing is left for it
  to do: every file symnet writes is complete and closed by then).

Each way out prints ``Interrupted.`` unless the boundary already printed its line.
Python's own start-up, before any of symnet is imported, is the one moment left (a few
hundredths of a second): there Python itself reports the interrupt.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from typing import NoReturn

__all__ = [
    "guard_command",
    "guard_exit",
    "guard_start_up",
    "is_the_command_line",
    "leave",
    "reported",
]

#: What has happened so far in this process.
_STATE = {"interrupted": False, "reported": False}


def reported() -> None:
    """Note that the one ``Interrupted`` line has been printed."""
    _STATE["reported"] = True


def _leave_now(signum: int = signal.SIGINT, frame: object = None) -> None:
    """End the process with exit code 130, printing the one line unless it was printed."""
    if not _STATE["reported"]:
        with contextlib.suppress(OSError):
            os.write(2, b"Interrupted.\n")  # no Python stream: one may be mid-write
    os._exit(130)


def _first_then_leave(signum: int, frame: object) -> None:
    """The first Ctrl-C unwinds the command (KeyboardInterrupt); a second one leaves now."""
    if _STATE["interrupted"]:
        _leave_now()
    _STATE["interrupted"] = True
    raise KeyboardInterrupt


def is_the_command_line() -> bool:
    """True when this process was started as the ``symnet`` command (or ``python -m``).

    NOTE: read from ``sys.argv[0]``: the console script (``.../bin/symnet``), ``-m``
    while ``python -m symnet.cli`` imports the package, or ``symnet/__main__.py`` for
    ``python -m symnet``. A test or a notebook importing symnet.cli is none of these.
    """
    if not sys.argv or threading.current_thread() is not threading.main_thread():
        return False
    first = sys.argv[0]
    name, folder = os.path.basename(first), os.path.basename(os.path.dirname(first))
    return (
        first == "-m"
        or name in ("symnet", "symnet.exe")
        or (name == "__main__.py" and folder in ("symnet", "cli"))
    )


def _install(handler) -> None:
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, handler)


def guard_start_up() -> None:
    """While the command line's modules load: Ctrl-C ends the process (nothing written)."""
    if is_the_command_line() and signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        _install(_leave_now)


def guard_command() -> None:
    """While a command runs: unwind on the first Ctrl-C, leave on the second."""
    _install(_first_then_leave)


def guard_exit() -> None:
    """Once the command is done: Ctrl-C during shutdown ends the process at once."""
    _install(_leave_now)


def leave(code: object) -> NoReturn:
    """End the process with ``code`` (a ``SystemExit`` code) once its output is flushed."""
    guard_exit()
    if code is not None and not isinstance(code, int):
        print(code, file=sys.stderr)
        code = 1
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):  # a closed pipe (| head) is no error of ours
            stream.flush()
    os._exit(code or 0)
