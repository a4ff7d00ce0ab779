"""Reading an ``.npz`` archive nobody vouches for: every size checked before it costs anything.

A model file may come from anywhere (a download, a colleague, a hand edit, an attacker), and
:func:`numpy.load` trusts it: it decompresses whatever a member holds and allocates whatever
shape a header declares. :func:`open_npz` reads the cheap way round instead:

1. the zip directory: member names (``NAME.npy``, each once), their count and their
   uncompressed sizes, against ``max_bytes`` *before anything is decompressed* (a 2 GB
   member in a 2 MB file is refused at once);
2. a member's ``.npy`` header, when it is first asked for: the dtype (plain numbers only,
   never Python objects) and the declared shape, whose byte count must be exactly what the
   member holds (a header declaring 10^12 elements in a few bytes is refused before any
   allocation);
3. the data, last, only for the members asked for.

Decompression can never run past a member's declared size: :mod:`zipfile` stops there
and checks the CRC. Every problem is one :class:`~symnet.exceptions.ModelFileError` line
naming it (the caller adds the file's name).

>>> import io, numpy as np
>>> buffer = io.BytesIO()
>>> np.savez(buffer, W1=np.eye(2))
>>> with open_npz(buffer) as archive:
...     archive.names, archive.header("W1").shape, archive.read("W1")[1, 1]
(('W1',), (2, 2), np.float64(1.0))
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np

from symnet.exceptions import ModelFileError

__all__ = ["ARRAY_DTYPES", "DOTTED_NAMES", "MAX_MEMBERS", "ArrayHeader", "NpzArchive", "open_npz"]

#: The dtypes a member may hold: float arrays, and the bytes of the JSON metadata.
ARRAY_DTYPES = (np.dtype("<f8"), np.dtype("<f4"), np.dtype("|u1"))
#: The most members an archive may have (two arrays per layer, plus a few).
MAX_MEMBERS = 4096
_MEMBER_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}\.npy")
#: Member names of an archive of a user's arrays: also PyTorch's ``0.weight``, ``fc.bias``.
DOTTED_NAMES = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.]{0,127}\.npy")
#: What reading a damaged member raises: a bad CRC, a broken deflate stream, a short file.
_READ_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError)
_NPY_VERSIONS = {
    (1, 0): np.lib.format.read_array_header_1_0,
    (2, 0): np.lib.format.read_array_header_2_0,
}


@dataclass(frozen=True)
class ArrayHeader:
    """What a member's ``.npy`` header declares, checked against the bytes it holds."""

    shape: tuple[int, ...]
    dtype: np.dtype
    fortran_order: bool
    nbytes: int


class NpzArchive:
    """An ``.npz`` archive whose directory and headers have been checked (see the module)."""

    def __init__(self, archive: zipfile.ZipFile, members: dict[str, zipfile.ZipInfo]):
        self._archive = archive
        self._members = members
        self._headers: dict[str, ArrayHeader] = {}  # read on first use, then kept

    @property
    def names(self) -> tuple[str, ...]:
        """The array names, in the archive's order."""
        return tuple(self._members)

    def header(self, name: str) -> ArrayHeader:
        """The checked header of array ``name`` (read from the member the first time)."""
        if name not in self._headers:
            self._headers[name] = self._read_header(name)
        return self._headers[name]

    def _read_header(self, name: str) -> ArrayHeader:
        info = self._members[name]
        with self._archive.open(info) as stream:
            try:
                version = np.lib.format.read_magic(stream)
                if version not in _NPY_VERSIONS:
                    raise ModelFileError(f"member {name} has .npy format version {version}")
                shape, fortran, dtype = _NPY_VERSIONS[version](stream)
            except ModelFileError:
                raise
            except (ValueError, TypeError, SyntaxError, *_READ_ERRORS) as error:
                raise ModelFileError(
                    f"member {name} has no valid .npy header ({type(error).__name__})"
                ) from None
            data_bytes = info.file_size - stream.tell()
        if dtype not in ARRAY_DTYPES:
            allowed = ", ".join(str(d) for d in ARRAY_DTYPES)
            raise ModelFileError(f"array {name} holds {dtype}, not one of {allowed}")
        if not all(isinstance(n, int) and n >= 0 for n in shape):
            raise ModelFileError(f"array {name} declares the shape {shape}")
        nbytes = math.prod(shape) * dtype.itemsize  # exact: Python integers
        if nbytes != data_bytes:
            raise ModelFileError(
                f"array {name} declares the shape {shape} ({nbytes} bytes) but holds "
                f"{max(data_bytes, 0)} bytes"
            )
        return ArrayHeader(tuple(shape), dtype, bool(fortran), nbytes)

    def read(self, name: str) -> np.ndarray:
        """Array ``name``: a fresh, writable array of its declared shape and dtype."""
        header = self.header(name)
        values = np.empty(math.prod(header.shape), dtype=header.dtype)
        view = values.view(np.uint8).data  # the array's bytes, filled in place
        try:
            with self._archive.open(self._members[name]) as stream:
                stream.seek(self._members[name].file_size - header.nbytes)
                filled = 0
                while filled < header.nbytes:
                    chunk = stream.read(min(header.nbytes - filled, 2**20))
                    if not chunk:
                        raise EOFError
                    view[filled : filled + len(chunk)] = chunk
                    filled += len(chunk)
        except _READ_ERRORS as error:
            raise ModelFileError(f"array {name} is damaged ({type(error).__name__})") from None
        if header.fortran_order:
            return values.reshape(header.shape, order="F")
        return values.reshape(header.shape)


def _checked_members(
    archive: zipfile.ZipFile, max_bytes: int, names: re.Pattern = _MEMBER_NAME
) -> dict[str, zipfile.ZipInfo]:
    """Array name -> zip entry, after checking names, count and sizes from the directory."""
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS:
        raise ModelFileError(f"it has {len(infos)} members (limit {MAX_MEMBERS})")
    members: dict[str, zipfile.ZipInfo] = {}
    total = 0
    for info in infos:
        if not names.fullmatch(info.filename):
            raise ModelFileError(f"it has a member named {info.filename[:80]!r}, not NAME.npy")
        name = info.filename[: -len(".npy")]
        if name in members:
            raise ModelFileError(f"it has the member {info.filename} twice")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise ModelFileError(f"member {info.filename} uses an unsupported compression")
        total += info.file_size
        if total > max_bytes:
            raise ModelFileError(
                f"its arrays would take {total} bytes or more once decompressed (member "
                f"{info.filename} declares {info.file_size}), above the limit of {max_bytes}"
            )
        members[name] = info
    return members


@contextlib.contextmanager
def open_npz(
    source: str | os.PathLike[str] | BinaryIO,
    max_bytes: int = 2**28,
    names: re.Pattern = _MEMBER_NAME,
) -> Iterator[NpzArchive]:
    """Open the ``.npz`` at ``source`` (a path or a binary file) with its directory and
    headers checked; ``ModelFileError`` names the first problem.

    ``max_bytes`` bounds the uncompressed size of all members together (256 MiB by default);
    ``names`` is the pattern every member's name must match (:data:`DOTTED_NAMES` also
    allows the dots of PyTorch's parameter names).
    """
    with contextlib.ExitStack() as stack:
        try:
            if isinstance(source, str | os.PathLike):
                stream: BinaryIO = stack.enter_context(open(source, "rb"))
            else:
                stream = source
            archive = stack.enter_context(zipfile.ZipFile(stream))
            checked = NpzArchive(archive, _checked_members(archive, max_bytes, names))
        except ModelFileError:
            raise
        except (zipfile.LargeZipFile, ValueError, *_READ_ERRORS) as error:
            raise ModelFileError(
                f"cannot read it as an npz archive ({type(error).__name__})"
            ) from None
        yield checked
