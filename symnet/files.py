"""Writing files atomically: a temporary file in the same folder, then a rename.

An interrupted write (Ctrl-C, a full disk, an exception half-way) never leaves half a
file under the requested name, and an existing file stays whole until the new one is
complete. Every file symnet writes goes through :func:`atomic_writer`.

>>> import pathlib, tempfile
>>> path = pathlib.Path(tempfile.mkdtemp()) / "note.txt"
>>> write_text_atomic(path, "hello")
PosixPath('...note.txt')
>>> path.read_text()
'hello'
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from symnet.exceptions import SpecError

__all__ = [
    "atomic_writer",
    "write_bytes_atomic",
    "write_text_atomic",
    "save_figure",
    "output_folder",
]


def output_folder(path: str | os.PathLike[str]) -> Path:
    """The folder ``path`` will be written in; a one-line error when it does not exist."""
    folder = Path(path).parent if str(Path(path).parent) else Path(".")
    if not folder.is_dir():
        raise SpecError(
            f"the folder {str(folder)!r} does not exist; create it or choose another output path"
        )
    return folder


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_writer(path: str | os.PathLike[str]) -> Iterator[BinaryIO]:
    """Open a temporary file beside ``path`` for binary writing; rename it over ``path`` on success.

    On any exception (KeyboardInterrupt included) the temporary file is removed and
    ``path`` is left as it was.
    """
    path = Path(path)
    folder = output_folder(path)
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        # mkstemp makes the file private (0600); give it the usual permissions instead.
        os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_bytes_atomic(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically; returns the path."""
    with atomic_writer(path) as stream:
        stream.write(data)
    return Path(path)


def write_text_atomic(path: str | os.PathLike[str], text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically; returns the path."""
    return write_bytes_atomic(path, text.encode("utf-8"))


def save_figure(figure, path: str | os.PathLike[str], dpi: float | None = None) -> Path:
    """Save a matplotlib figure atomically, in the format named by the suffix (.png, .svg...)."""
    path = Path(path)
    output_folder(path)  # refuse a missing folder before drawing anything
    buffer = io.BytesIO()
    figure.savefig(buffer, format=path.suffix.lstrip(".").lower() or "png", dpi=dpi)
    return write_bytes_atomic(path, buffer.getvalue())
