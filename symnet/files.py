"""Writing files atomically: a temporary file in the same folder, then a rename.

Every file symnet writes goes through :func:`atomic_writer` (models, exports, reports,
diagrams, plots, images, arrays), so every write keeps the same promises:

* **Whole or nothing.** An interrupted write (Ctrl-C, kill -9, a full disk, an exception
  half-way) never leaves half a file under the requested name, and an existing file stays
  whole until the new one is complete.
* **One line when it fails.** A full device, a file-size limit, a read-only, missing or
  unwritable folder, a path that is a folder: one :class:`~symnet.exceptions.WriteError`
  (exit code 1) naming the file, the reason and the fix; never an ``OSError`` traceback.
* **Only regular files are replaced.** A target that exists and is not a regular file (a
  device such as ``/dev/full``, a FIFO, a socket) is refused: renaming over it would swap
  the device for a file and report success. A symbolic link is written through: the file
  it points to is replaced, the link stays.
* **The usual permissions.** A new file gets ``0o666`` less the umask (a teacher's shared
  model is readable by the students); a replaced file keeps its permission bits.
* **Recognisable temporary files.** ``.NAME.symnet-PID-XXXXXXXX.tmp`` beside ``NAME``. A
  process killed with ``kill -9`` cannot remove its own, so the next write of ``NAME``
  removes those whose process is gone (or that are over a day old).
* **Standard output.** ``-`` as the path writes to standard output; a caller whose format
  is binary refuses ``-`` first with :func:`check_output` (``binary=True``).

NOTE: the overwrite policy (README, "Files symnet writes"): a file that holds data made
by a run (a model, an exported module, a report and its figure folder, a raw ``.npy``
array) is replaced only with ``overwrite=True``; a picture (a diagram, a plot, a filtered
image) is redrawn in place, as a figure is meant to be.

>>> import pathlib, tempfile
>>> path = pathlib.Path(tempfile.mkdtemp()) / "note.txt"
>>> write_text_atomic(path, "hello")
PosixPath('...note.txt')
>>> path.read_text()
'hello'
>>> write_text_atomic(path, "again", overwrite=False)
Traceback (most recent call last):
...
symnet.exceptions.SpecError: ...note.txt already exists; pass overwrite=True to replace it
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import re
import stat
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from symnet.exceptions import DataError, ReadError, SpecError, WriteError

__all__ = [
    "PICTURE_SUFFIXES",
    "STDOUT",
    "TEMPORARY_PATTERN",
    "atomic_writer",
    "check_output",
    "check_picture",
    "is_stdout",
    "output_folder",
    "remove_stale_temporaries",
    "require_regular_file",
    "save_figure",
    "write_bytes_atomic",
    "write_error",
    "write_text_atomic",
]

#: The path that means standard output.
STDOUT = "-"
#: The suffixes of the pictures symnet draws with matplotlib (plots, side-by-side images).
PICTURE_SUFFIXES = (".png", ".svg")
#: The name of a temporary file beside NAME: ``.NAME.symnet-PID-RANDOM.tmp``.
TEMPORARY_PATTERN = re.compile(r"^\.(?P<name>.+)\.symnet-(?P<pid>\d+)-[^.]+\.tmp$")
#: A temporary file older than this (seconds) is stale even if its process id is alive
#: (process ids are reused).
STALE_AFTER = 24 * 3600
#: Longest part of the target's name kept in a temporary file's name (NAME_MAX is 255).
_NAME_KEPT = 200

#: errno -> (what went wrong, what to do), for the one-line WriteError.
_REASONS = {
    errno.ENOSPC: ("no space left on the device", "free some space or write elsewhere"),
    errno.EDQUOT: ("the disk quota is exceeded", "free some space or write elsewhere"),
    errno.EFBIG: ("the file is larger than allowed (a file-size limit)", "write elsewhere"),
    errno.EACCES: ("permission denied", "choose a folder you can write in"),
    errno.EPERM: ("permission denied", "choose a folder you can write in"),
    errno.EROFS: ("the file system is read-only", "choose a folder you can write in"),
    errno.EISDIR: ("it is a folder", "give a file name inside it"),
    errno.ENOENT: ("its folder does not exist", "create it or choose another output path"),
    errno.ENOTDIR: ("a part of the path is not a folder", "choose another output path"),
    errno.ENAMETOOLONG: ("the name is too long", "choose a shorter name"),
    errno.EIO: ("the device reported an input/output error", "write elsewhere"),
}


def is_stdout(path: object) -> bool:
    """True when ``path`` is ``-``, which means standard output.

    >>> is_stdout("-"), is_stdout("a.svg"), is_stdout(None)
    (True, False, False)
    """
    return isinstance(path, str | os.PathLike) and os.fspath(path) == STDOUT


def write_error(path: str | os.PathLike[str], error: OSError) -> WriteError:
    """The one-line :class:`WriteError` for ``error`` raised while writing ``path``."""
    reason, fix = _REASONS.get(
        error.errno or 0, (error.strerror or str(error) or type(error).__name__, "write elsewhere")
    )
    return WriteError(f"cannot write {os.fspath(path)}: {reason}; {fix}")


def output_folder(path: str | os.PathLike[str]) -> Path:
    """The folder ``path`` will be written in; a one-line WriteError when it cannot be.

    >>> output_folder("/no/such/folder/a.txt")
    Traceback (most recent call last):
    ...
    symnet.exceptions.WriteError: cannot write /no/such/folder/a.txt: ... does not exist; ...
    """
    folder = Path(path).parent
    if not folder.is_dir():
        problem = "is not a folder" if folder.exists() else "does not exist"
        raise WriteError(
            f"cannot write {os.fspath(path)}: the folder {str(folder)!r} {problem}; "
            "create it or choose another output path"
        )
    if not os.access(folder, os.W_OK | os.X_OK):
        raise write_error(path, OSError(errno.EACCES, "permission denied"))
    return folder


def check_output(
    path: str | os.PathLike[str], overwrite: bool = True, binary: bool = False
) -> Path:
    """Refuse, before any work, an output ``path`` that cannot or may not be written.

    Parameters
    ----------
    path : path-like
        The file to write; ``-`` is standard output.
    overwrite : bool
        False refuses an existing file (SpecError naming ``overwrite=True``).
    binary : bool
        The format is binary (PNG, npz, PDF...): ``-`` is refused (SpecError), since
        standard output takes text.

    Raises
    ------
    WriteError
        The folder is missing or not writable; the path is a folder, a device, a FIFO.
    SpecError
        ``-`` for a binary format; an existing file without ``overwrite``.
    """
    if is_stdout(path):
        if binary:
            raise SpecError(
                "this output is binary, so it cannot go to standard output ('-'); "
                "give a file name instead"
            )
        return Path(STDOUT)
    path = Path(path)
    target = Path(os.path.realpath(path)) if path.is_symlink() else path
    output_folder(target)
    try:
        mode = target.stat().st_mode
    except FileNotFoundError:
        return path
    except OSError as error:
        raise write_error(path, error) from None
    if stat.S_ISDIR(mode):
        raise write_error(path, OSError(errno.EISDIR, "is a directory"))
    if not stat.S_ISREG(mode):
        raise WriteError(
            f"cannot write {path}: it exists and is not a regular file (a device, a FIFO or "
            "a socket), which symnet never replaces; choose a file name"
        )
    if not overwrite:
        raise SpecError(f"{path} already exists; pass overwrite=True to replace it")
    return path


def check_picture(path: str | os.PathLike[str], what: str = "picture") -> Path:
    """Refuse, before anything is drawn, a picture path: its suffix must be in
    :data:`PICTURE_SUFFIXES` (SpecError), and it must be writable (:func:`check_output`).

    >>> check_picture("curves.jpg", "plot")
    Traceback (most recent call last):
    ...
    symnet.exceptions.SpecError: a plot file must end in .png or .svg; got 'curves.jpg'
    """
    path = Path(path)
    suffixes = " or ".join(PICTURE_SUFFIXES)
    if is_stdout(path):
        raise SpecError(
            f"a {what} cannot go to standard output ('-'); give a file name ending in {suffixes}"
        )
    if path.suffix.lower() not in PICTURE_SUFFIXES:
        raise SpecError(f"a {what} file must end in {suffixes}; got {path.name!r}")
    return check_output(path, binary=True)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _process_started(pid: int) -> float | None:
    """When process ``pid`` started (seconds since the epoch), where Linux's /proc says."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat_file:
            ticks = int(stat_file.read().rpartition(b")")[2].split()[19])
        with open("/proc/stat", "rb") as system:
            boot = next(int(line.split()[1]) for line in system if line.startswith(b"btime"))
    except (OSError, ValueError, IndexError, StopIteration):
        return None
    return boot + ticks / os.sysconf("SC_CLK_TCK")


def _process_alive(pid: int, since: float) -> bool:
    """Whether the process that wrote a file last changed at ``since`` is still running.

    NOTE: process ids are reused; a process with this id that started after the file
    was last written is another one.
    """
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        pass
    started = _process_started(pid)
    return started is None or started <= since + 1


def remove_stale_temporaries(path: str | os.PathLike[str]) -> list[Path]:
    """Remove the temporary files a killed write of ``path`` left beside it; returns them.

    A temporary file is stale when the process that made it is gone (or its id now
    belongs to a process started after the file was written), or it is older than
    :data:`STALE_AFTER` seconds; another live process's write in progress is left alone.
    """
    path = Path(path)
    kept = path.name[:_NAME_KEPT]
    removed = []
    with contextlib.suppress(OSError):
        for entry in os.scandir(path.parent if str(path.parent) else "."):
            match = TEMPORARY_PATTERN.match(entry.name)
            if match is None or match["name"] != kept:
                continue
            pid = int(match["pid"])
            with contextlib.suppress(OSError):
                changed = entry.stat(follow_symlinks=False).st_mtime
                old = time.time() - changed > STALE_AFTER
                if pid != os.getpid() and (old or not _process_alive(pid, changed)):
                    os.unlink(entry.path)
                    removed.append(Path(entry.path))
    return removed


def _sync_folder(folder: Path) -> None:
    """Make the rename durable; some file systems cannot open a folder, which is fine."""
    with contextlib.suppress(OSError):
        handle = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)


@contextlib.contextmanager
def atomic_writer(path: str | os.PathLike[str], overwrite: bool = True) -> Iterator[BinaryIO]:
    """Open a temporary file beside ``path`` for binary writing; rename it over ``path`` on success.

    On any exception (KeyboardInterrupt included) the temporary file is removed and
    ``path`` is left as it was; an ``OSError`` (a full device, a read-only folder...)
    becomes one :class:`WriteError`. ``overwrite=False`` refuses an existing file. See the
    module docstring for the permissions and the temporary files' names.
    """
    shown = path
    path = check_output(path, overwrite)
    if is_stdout(path):
        raise SpecError("atomic_writer() writes files; use write_bytes_atomic for '-'")
    if path.is_symlink():
        path = Path(os.path.realpath(path))  # write through the link; the link stays
    folder = path.parent
    remove_stale_temporaries(path)
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        mode = 0o666 & ~_umask()
    prefix = f".{path.name[:_NAME_KEPT]}.symnet-{os.getpid()}-"
    try:
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=prefix, suffix=".tmp")
    except OSError as error:
        raise write_error(shown, error) from None
    try:
        with os.fdopen(handle, "wb") as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)  # mkstemp makes it private (0600)
        os.replace(temporary, path)
    except BaseException as error:
        Path(temporary).unlink(missing_ok=True)
        if isinstance(error, OSError) and not isinstance(error, WriteError):
            raise write_error(shown, error) from None
        raise
    _sync_folder(folder)


def write_bytes_atomic(path: str | os.PathLike[str], data: bytes, overwrite: bool = True) -> Path:
    """Write ``data`` to ``path`` atomically (``-``: standard output); returns the path."""
    if is_stdout(path):
        _write_stdout(data)
        return Path(STDOUT)
    with atomic_writer(path, overwrite) as stream:
        stream.write(data)
    return Path(path)


def write_text_atomic(path: str | os.PathLike[str], text: str, overwrite: bool = True) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically (``-``: standard output); returns the path."""
    return write_bytes_atomic(path, text.encode("utf-8"), overwrite)


def _write_stdout(data: bytes) -> None:
    stream = getattr(sys.stdout, "buffer", None)
    try:
        if stream is None:  # a text-only stream (a notebook, a test's capture)
            sys.stdout.write(data.decode("utf-8"))
        else:
            sys.stdout.flush()
            stream.write(data)
        sys.stdout.flush()
    except BrokenPipeError:
        raise  # the reader stopped (| head): the command line ends quietly
    except OSError as error:
        raise write_error("standard output", error) from None


def save_figure(
    figure, path: str | os.PathLike[str], dpi: float | None = None, overwrite: bool = True
) -> Path:
    """Save a matplotlib figure atomically, in the format named by the suffix (.png, .svg...).

    The picture is drawn into memory first, so a figure that cannot be drawn writes nothing.
    """
    check_output(path, overwrite, binary=True)  # before drawing anything
    buffer = io.BytesIO()
    figure.savefig(buffer, format=Path(path).suffix.lstrip(".").lower() or "png", dpi=dpi)
    return write_bytes_atomic(path, buffer.getvalue(), overwrite)


def require_regular_file(
    path: str | os.PathLike[str], what: str = "file", error: type[Exception] = DataError
) -> Path:
    """``path`` as a Path when it names a regular file to read; else one line of ``error``.

    Checked with ``stat``, before anything opens the file: opening a FIFO for reading waits
    for a writer that may never come (a hang), and a device or a folder is no input either.
    A symbolic link to a regular file is fine.

    >>> require_regular_file("/dev/null", "image")
    Traceback (most recent call last):
    ...
    symnet.exceptions.DataError: cannot read image /dev/null: it is not a regular file ...
    """
    try:
        mode = os.stat(path).st_mode
    except OSError as failure:  # NOTE: the world's failure (exit 1), not the user's input
        reason = "no such file" if failure.errno == errno.ENOENT else failure.strerror
        raise ReadError(f"cannot read {what} {os.fspath(path)}: {reason}") from None
    if stat.S_ISDIR(mode):
        raise error(f"cannot read {what} {os.fspath(path)}: it is a folder; give a file")
    if not stat.S_ISREG(mode):
        raise error(
            f"cannot read {what} {os.fspath(path)}: it is not a regular file "
            "(a FIFO, a device or a socket); give a file"
        )
    return Path(path)
