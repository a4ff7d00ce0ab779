"""The user's saved arrays: ``.npy`` and ``.npz`` files read with every size checked first.

The files given to ``symnet verify --params P.npz --grads G.npz --inputs X.npy --targets
T.npy`` come from the user's own code. They are read the way model files are
(:mod:`symnet.training.archive`): the declared shape and dtype first, refusing Python
objects (a pickle is never loaded: ``allow_pickle=False`` throughout) and any array whose
declared size is not what the file holds or is above :data:`MAX_ARRAY_BYTES`; then the
numbers, which must be finite. Every problem is one :class:`~symnet.exceptions.DataError`
line naming the file.

>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> np.save(folder / "X.npy", np.eye(2))
>>> read_array(folder / "X.npy", "inputs").shape
(2, 2)
>>> np.save(folder / "bad.npy", np.array([{"a": 1}], dtype=object))
>>> read_array(folder / "bad.npy", "inputs")
Traceback (most recent call last):
...
symnet.exceptions.DataError: inputs .../bad.npy holds Python objects (dtype object); save ...
"""

from __future__ import annotations

import math
import os

import numpy as np

from symnet.exceptions import DataError, ModelFileError
from symnet.files import require_regular_file
from symnet.training.archive import DOTTED_NAMES, open_npz

__all__ = ["MAX_ARRAY_BYTES", "read_array", "read_arrays"]

#: The most bytes one file of arrays may hold once read (256 MiB, as a model file).
MAX_ARRAY_BYTES = 2**28
_HEADERS = {
    (1, 0): np.lib.format.read_array_header_1_0,
    (2, 0): np.lib.format.read_array_header_2_0,
}


def _checked_numbers(name: str, values: np.ndarray) -> np.ndarray:
    if not np.all(np.isfinite(values)):
        raise DataError(f"{name} holds NaN or infinite values; replace them first")
    return values


def _refuse_dtype(name: str, dtype: np.dtype) -> None:
    if dtype.hasobject:
        raise DataError(f"{name} holds Python objects (dtype object); save an array of numbers")
    if dtype.kind not in "biuf":
        raise DataError(f"{name} holds {dtype} values; save an array of real numbers")


def read_array(path: str | os.PathLike[str], what: str = "array") -> np.ndarray:
    """The ``.npy`` at ``path`` as float64: numbers only, finite, within :data:`MAX_ARRAY_BYTES`.

    ``what`` names the array in messages (``"inputs"``).
    """
    name = f"{what} {os.fspath(path)}"
    require_regular_file(path, what)
    with open(path, "rb") as stream:
        try:
            version = np.lib.format.read_magic(stream)
            shape, fortran, dtype = _HEADERS[version](stream)
        except (ValueError, KeyError, SyntaxError, TypeError, EOFError, OSError):
            raise DataError(
                f"{name} is not a .npy file (save it with numpy.save; an .npz archive is "
                "for --params and --grads)"
            ) from None
        _refuse_dtype(name, dtype)
        nbytes = math.prod(shape) * dtype.itemsize  # exact: Python integers
        held = os.fstat(stream.fileno()).st_size - stream.tell()
        if nbytes > MAX_ARRAY_BYTES:
            raise DataError(
                f"{name} declares the shape {shape} ({nbytes} bytes), above the limit of "
                f"{MAX_ARRAY_BYTES} bytes"
            )
        if nbytes != held:
            raise DataError(
                f"{name} declares the shape {shape} ({nbytes} bytes) but holds {held} bytes"
            )
        values = np.fromfile(stream, dtype=dtype, count=math.prod(shape))
    values = values.reshape(shape, order="F" if fortran else "C")
    return _checked_numbers(name, values.astype(np.float64))


def read_arrays(path: str | os.PathLike[str], what: str = "arrays") -> dict[str, np.ndarray]:
    """Every array of the ``.npz`` at ``path`` (name -> float64 array), checked as
    :func:`read_array` checks one; names may hold dots (PyTorch's ``0.weight``)."""
    name = f"{what} {os.fspath(path)}"
    require_regular_file(path, what)
    try:
        with open_npz(path, MAX_ARRAY_BYTES, names=DOTTED_NAMES) as archive:
            for member in archive.names:
                _refuse_dtype(f"{name}: array {member!r}", archive.header(member).dtype)
            arrays = {member: archive.read(member) for member in archive.names}
    except ModelFileError as error:
        detail = str(error)
        if "holds" in detail and ("object" in detail or "|O" in detail):
            detail += " (Python objects are never read)"
        raise DataError(f"{name} is not an .npz archive of arrays: {detail}") from None
    if not arrays:
        raise DataError(f"{name} holds no arrays; save them with numpy.savez(path, W1=..., ...)")
    return {
        member: _checked_numbers(f"{name}: array {member!r}", values.astype(np.float64))
        for member, values in arrays.items()
    }
