"""Convolution kernels: the notes' three, a small library, and custom kernels from text.

A :class:`Kernel` is a grid of exact numbers (SymPy Rationals): the notes' blur is nine
``1/9``, not ``0.111``. The library holds the notes' three kernels exactly as written
(``outline``, ``blur``, ``sharpen``) and the usual others. A custom kernel is a literal
(rows separated by ``;``, entries by ``,`` or spaces), a JSON list of rows, or a file
holding either.

>>> KERNELS["blur"].matrix[0, 0]
1/9
>>> print(KERNELS["sharpen"])
sharpen (3x3): the notes' sharpen
  0  -1   0
 -1   5  -1
  0  -1   0
>>> parse_kernel("1/4, 1/4; 1/4, 1/4").shape
(2, 2)
>>> parse_kernel("1,2;3")
Traceback (most recent call last):
...
symnet.exceptions.ParseError: kernel rows must all have the same length; ...
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import numpy as np
import sympy as sp

from symnet.exceptions import ParseError, SpecError
from symnet.files import require_regular_file
from symnet.parse.json_text import parse_json

__all__ = [
    "Kernel",
    "KERNELS",
    "NOTES_KERNELS",
    "MAX_KERNEL_SIZE",
    "parse_kernel",
    "load_kernel_file",
    "resolve_kernel",
    "kernel_from_array",
]

#: The largest kernel accepted from the user, per side.
MAX_KERNEL_SIZE = 31
#: The largest kernel weight (in absolute value) accepted from the user.
MAX_WEIGHT = 1e6
#: The notes' kernels, in the order the notes show them.
NOTES_KERNELS = ("outline", "blur", "sharpen")

LITERAL_FORM = "rows separated by ';' and numbers by ',' such as '0,-1,0;-1,5,-1;0,-1,0'"
_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d{1,3})?")
_FRACTION = re.compile(r"([+-]?\d+)/(\d+)")
# Characters a literal may contain at all (checked before it is split into numbers).
_LITERAL_CHARACTERS = re.compile(r"[0-9eE+\-./,;\s\[\]]+")


@dataclass(frozen=True)
class Kernel:
    """A named grid of exact kernel weights.

    Attributes
    ----------
    name : str
    matrix : sympy.ImmutableMatrix
        Shape (kh, kw); Rationals, so ``1/9`` stays exact.
    description : str
    """

    name: str
    matrix: sp.ImmutableMatrix
    description: str = field(default="", compare=False)

    @property
    def shape(self) -> tuple[int, int]:
        return tuple(self.matrix.shape)

    def array(self, dtype: type = np.float64) -> np.ndarray:
        """The weights as a NumPy array of shape (kh, kw)."""
        return np.array(self.matrix.tolist(), dtype=dtype)

    def numbers(self) -> list[list[int | float]]:
        """Rows of plain numbers for JSON: integers stay integers."""
        return [[_plain(w) for w in row] for row in self.matrix.tolist()]

    def flipped(self) -> Kernel:
        """The kernel rotated by 180 degrees (what true convolution slides over the image)."""
        rows = self.matrix.tolist()
        return Kernel(f"{self.name} (flipped)", _matrix([row[::-1] for row in rows[::-1]]))

    def text(self) -> str:
        """The grid as aligned text, fractions exact (``1/9``)."""
        cells = [[str(w) for w in row] for row in self.matrix.tolist()]
        width = max(len(c) for row in cells for c in row)
        return "\n".join("  ".join(c.rjust(width) for c in row) for row in cells)

    def __str__(self) -> str:
        kh, kw = self.shape
        about = f": {self.description}" if self.description else ""
        return f"{self.name} ({kh}x{kw}){about}\n{self.text()}"

    def _repr_latex_(self) -> str:
        return f"$\\text{{{self.name}}} = {sp.latex(self.matrix)}$"


def _plain(weight: sp.Expr) -> int | float:
    return int(weight) if weight.is_Integer else float(weight)


def _matrix(rows) -> sp.ImmutableMatrix:
    return sp.ImmutableMatrix([[sp.Rational(w) for w in row] for row in rows])


def _library() -> dict[str, Kernel]:
    third = sp.Rational(1, 9)
    binomial5 = [1, 4, 6, 4, 1]
    entries = [
        ("outline", [[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]], "the notes' outline (edges)"),
        ("blur", [[third] * 3] * 3, "the notes' blur: the mean of the 3x3 neighbourhood"),
        ("sharpen", [[0, -1, 0], [-1, 5, -1], [0, -1, 0]], "the notes' sharpen"),
        ("identity", [[0, 0, 0], [0, 1, 0], [0, 0, 0]], "leaves the image unchanged"),
        ("box", [[sp.Rational(1, 25)] * 5] * 5, "the mean of the 5x5 neighbourhood"),
        (
            "gaussian3",
            [[sp.Rational(a * b, 16) for b in (1, 2, 1)] for a in (1, 2, 1)],
            "3x3 Gaussian blur (binomial weights 1 2 1)",
        ),
        (
            "gaussian5",
            [[sp.Rational(a * b, 256) for b in binomial5] for a in binomial5],
            "5x5 Gaussian blur (binomial weights 1 4 6 4 1)",
        ),
        ("sobel_x", [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], "horizontal gradient (vertical edges)"),
        ("sobel_y", [[-1, -2, -1], [0, 0, 0], [1, 2, 1]], "vertical gradient (horizontal edges)"),
        ("laplacian", [[0, 1, 0], [1, -4, 1], [0, 1, 0]], "second derivative (edges, 4-neighbour)"),
        ("emboss", [[-2, -1, 0], [-1, 1, 1], [0, 1, 2]], "relief lit from the bottom right"),
    ]
    return {name: Kernel(name, _matrix(rows), about) for name, rows, about in entries}


#: The kernel library: name -> Kernel.
KERNELS: dict[str, Kernel] = _library()
_ALIASES = {"sharper": "sharpen", "edge": "outline", "gaussian": "gaussian3", "mean": "blur"}


def _number(token: str, where: str) -> sp.Rational:
    """One weight from a whitelisted token; decimals become exact Rationals (0.1 -> 1/10)."""
    token = token.strip()
    if not token:
        raise ParseError(f"kernel entry {where} is empty; write {LITERAL_FORM}")
    fraction = _FRACTION.fullmatch(token)
    if len(token) > 40 or not (fraction or _DECIMAL.fullmatch(token)):
        raise ParseError(
            f"kernel entry {token!r} ({where}) is not a number; "
            "write integers, decimals or fractions such as 1/9"
        )
    if fraction and int(fraction.group(2)) == 0:
        raise ParseError(f"kernel entry {token!r} ({where}) divides by zero")
    value = Fraction(token)
    if abs(value) > MAX_WEIGHT:
        raise ParseError(f"kernel entry {token!r} ({where}) is larger than {MAX_WEIGHT:g}")
    return sp.Rational(value.numerator, value.denominator)


def _json_number(value: object, where: str) -> sp.Rational:
    if isinstance(value, str):
        return _number(value, where)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ParseError(f"kernel entry {value!r} ({where}) is not a number")
    if isinstance(value, float) and not np.isfinite(value):
        raise ParseError(f"kernel entry {value!r} ({where}) is not finite")
    # repr() is the shortest decimal that reads back as this float: 0.1 -> 1/10 exactly.
    return _number(repr(value) if isinstance(value, float) else str(value), where)


def _checked(rows: list[list], convert, name: str) -> Kernel:
    """Check the shape of the raw entries first (cheap), then convert every entry."""
    if not rows or not rows[0]:
        raise ParseError(f"a kernel needs at least one number; write {LITERAL_FORM}")
    widths = sorted({len(row) for row in rows})
    if len(widths) > 1:
        raise ParseError(
            f"kernel rows must all have the same length; got lengths {widths[:5]}; "
            f"write {LITERAL_FORM}"
        )
    kh, kw = len(rows), widths[0]
    if kh > MAX_KERNEL_SIZE or kw > MAX_KERNEL_SIZE:
        raise ParseError(
            f"kernel is {kh}x{kw}; the largest allowed is {MAX_KERNEL_SIZE}x{MAX_KERNEL_SIZE}"
        )
    matrix = [
        [convert(v, f"row {r + 1}, column {c + 1}") for c, v in enumerate(row)]
        for r, row in enumerate(rows)
    ]
    return Kernel(name, sp.ImmutableMatrix(matrix))


def _from_json_rows(data: object, name: str) -> Kernel:
    if isinstance(data, dict):
        unknown = sorted(set(data) - {"name", "kernel", "description"})
        if "kernel" not in data or unknown:
            raise ParseError(
                "a kernel JSON object needs a 'kernel' list of rows (and optionally 'name' "
                f"and 'description'); got keys {sorted(data)}"
            )
        label = data.get("name", name)
        if not isinstance(label, str) or not label.strip():
            raise ParseError("a kernel JSON object's 'name' must be non-empty text")
        label = label.strip()[:60]
        kernel = _from_json_rows(data["kernel"], label)
        return Kernel(label, kernel.matrix, str(data.get("description", ""))[:200])
    if not isinstance(data, list) or not all(isinstance(row, list) for row in data):
        raise ParseError("a kernel in JSON is a list of rows such as [[0,-1,0],[-1,5,-1],[0,-1,0]]")
    return _checked(data, _json_number, name)


def _json(text: str, source: str) -> object:
    """The JSON value of ``text``; numbers longer than a kernel entry may be are refused."""
    try:
        # NOTE: no number token longer than _number() accepts gets converted at all, so a
        # 5,000-digit integer never meets Python's int-string limit.
        return parse_json(text, max_depth=4, max_number=40)
    except ParseError as error:
        raise ParseError(f"kernel {source} is not a kernel: {error}") from None


def parse_kernel(text: str, name: str = "custom") -> Kernel:
    """A kernel from a literal: ``"0,-1,0;-1,5,-1;0,-1,0"`` or ``"[[0,-1,0],[-1,5,-1],...]"``.

    Rows are separated by ``;`` or new lines, numbers by ``,`` or spaces. Numbers are
    integers, decimals (kept exact: ``0.1`` is 1/10) or fractions ``p/q``; nothing else is
    read. Rows must have equal length; sizes up to 31x31, odd or even.

    >>> parse_kernel("1/9 1/9 1/9").matrix
    Matrix([[1/9, 1/9, 1/9]])
    >>> parse_kernel("[[1, 0.5]]").numbers()
    [[1, 0.5]]
    """
    if not isinstance(text, str):
        raise ParseError(f"a kernel literal must be text; write {LITERAL_FORM}")
    stripped = text.strip()
    if len(stripped) > 20_000:
        raise ParseError("a kernel literal is limited to 20000 characters")
    if stripped.startswith("["):
        return _from_json_rows(_json(stripped, repr(stripped[:40])), name)
    lines = [line for line in re.split(r"[;\n]", stripped) if line.strip()]
    rows = [line.split(",") if "," in line else line.split() for line in lines]
    return _checked(rows, _number, name)


def load_kernel_file(path: str | Path) -> Kernel:
    """A kernel from a file: JSON (``.json``: a list of rows, or ``{"name", "kernel"}``)
    or a text literal (any other suffix)."""
    path = require_regular_file(path, "kernel file", error=ParseError)  # a FIFO would hang
    try:
        if path.stat().st_size > 1_000_000:
            raise ParseError(f"kernel file {str(path)!r} is larger than 1 MB")
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or "not UTF-8 text"
        raise ParseError(f"cannot read kernel file {str(path)!r}: {reason}") from None
    if path.suffix.lower() != ".json":
        return parse_kernel(text, name=path.stem[:60])
    return _from_json_rows(_json(text, f"file {str(path)!r}"), path.stem[:60])


def kernel_from_array(weights, name: str = "custom") -> Kernel:
    """A kernel from a 2-D array of numbers (each float kept at its shortest decimal)."""
    array = np.asarray(weights)
    if array.ndim != 2 or array.dtype.kind not in "biuf":
        raise ParseError(f"a kernel array must be 2-D and numeric; got shape {array.shape}")
    return _from_json_rows(array.tolist(), name)


def _is_file(path: Path) -> bool:
    """True for an existing regular file; False for anything else, a name too long included."""
    try:
        return path.is_file()
    except OSError:  # ENAMETOOLONG and the like: no such file can exist
        return False


def _exists(path: Path) -> bool:
    """True when something (a file, a FIFO, a folder) is at ``path``; False for a bad name."""
    try:
        return path.exists()
    except OSError:  # ENAMETOOLONG and the like
        return False


def resolve_kernel(spec: str | Kernel) -> Kernel:
    """A kernel from a library name, a literal or a kernel file (in that order).

    >>> resolve_kernel("Sharper").name
    'sharpen'
    >>> resolve_kernel("nope")
    Traceback (most recent call last):
    ...
    symnet.exceptions.SpecError: unknown kernel 'nope': use one of outline, blur, ...
    """
    if isinstance(spec, Kernel):
        return spec
    if not isinstance(spec, str):
        return kernel_from_array(spec)
    key = spec.strip().lower().replace("-", "_")
    key = _ALIASES.get(key, key)
    if key in KERNELS:
        return KERNELS[key]
    # NOTE: a literal is recognised before any file is looked up: a 31x31 literal is far
    # longer than a file name may be, and a name made of digits and commas is a literal.
    if _LITERAL_CHARACTERS.fullmatch(spec) and re.search(r"\d", spec):
        return parse_kernel(spec)
    path = Path(spec)
    if path.suffix.lower() == ".json" or _is_file(path):
        if not _exists(path):
            raise SpecError(f"kernel file {spec[:200]!r} does not exist")
        return load_kernel_file(path)
    raise SpecError(
        f"unknown kernel {spec[:60]!r}: use one of {', '.join(KERNELS)}, "
        f"a literal ({LITERAL_FORM}) or a .json file"
    )
