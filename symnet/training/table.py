"""A CSV file's cells: UTF-8 text, a sniffed delimiter, a header row or none, even rows.

:func:`read_table` reads the cells: UTF-8 text (a byte-order mark is skipped), the
delimiter sniffed among comma, semicolon and tab, blank lines skipped, every cell
stripped, every row as wide as the first. Only regular files are read (a FIFO would
wait for a writer forever). :mod:`symnet.training.csvfile` picks the columns.

Header rows. NOTE: with ``header=None`` the first row names the columns when none of
its cells is a number (``sepal_length,...,species``), and also when its cells are the
column positions 0, 1, ..., k-1 or 1, ..., k (after an empty first cell; 3 cells or
more): the header a pandas frame without column names is written with, which would
otherwise be read as a row of data. ``header=True`` or ``False`` decides it instead;
:func:`symnet.training.csvfile.describe_csv` says which it was, so it is never silent.

>>> import pathlib, tempfile
>>> path = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
>>> _ = path.write_text("\\ufeffx\\ty\\n1\\t2\\n", encoding="utf-8")
>>> table = read_table(path)
>>> table.header, table.rows, table.delimiter
(('x', 'y'), [(2, ['1', '2'])], '\\t')
"""

from __future__ import annotations

import csv
import io
import itertools
import os
import re
from dataclasses import dataclass
from pathlib import Path

from symnet.exceptions import DataError, ReadError, SpecError
from symnet.files import require_regular_file

__all__ = ["DELIMITERS", "MAX_BYTES", "Column", "Table", "is_number", "read_table"]

#: The delimiters tried, in order of preference when several split the rows evenly.
DELIMITERS = ("\t", ";", ",")
SNIFFED_LINES = 50
#: The largest CSV file read. NOTE: measured: a 47 MB file of 6.5 million cells peaks at
#: 1.2 GB while its cells are Python strings, so 256 MiB stays within ~7 GB.
MAX_BYTES = 256 * 2**20
_SPACE = re.compile(r"\s")

#: A column as the caller names it: a header name, or a 0-based index (-1: the last).
Column = str | int


@dataclass(frozen=True)
class Table:
    """The cells of a CSV file: ``rows`` are (line number, cells), all ``width`` wide."""

    path: Path
    header: tuple[str, ...] | None
    rows: list[tuple[int, list[str]]]
    delimiter: str

    @property
    def width(self) -> int:
        return len(self.header) if self.header is not None else len(self.rows[0][1])

    def name(self, column: int) -> str | int:
        """How the column is named in a model's record: its header name, else its index."""
        return self.header[column] if self.header is not None else column

    def where(self, line: int, column: int) -> str:
        """``"FILE line L, column 'name' (index c)"``, the place of one cell in messages."""
        named = f"'{self.header[column]}' (index {column})" if self.header else f"index {column}"
        return f"{self.path} line {line}, column {named}"

    def column(self, key: Column, parameter: str) -> int:
        """The 0-based index of the column named or numbered ``key`` (``-1`` is the last)."""
        if isinstance(key, str) and self.header is not None and key.strip() in self.header:
            found = [c for c, name in enumerate(self.header) if name == key.strip()]
            if len(found) > 1:
                raise SpecError(f"{parameter}={key!r} names {len(found)} columns; give its index")
            return found[0]
        if isinstance(key, str) and re.fullmatch(r"\s*[+-]?\d{1,9}\s*", key):
            key = int(key)
        if isinstance(key, int) and not isinstance(key, bool):
            if -self.width <= key < self.width:
                return key % self.width
            raise SpecError(
                f"{parameter}={key} is out of range: {self.path.name} has {self.width} columns "
                f"(index 0 to {self.width - 1}, or -1 for the last)"
            )
        known = "it has no header row"
        if self.header is not None:
            more = ", ..." if len(self.header) > 12 else ""
            known = f"its columns are {', '.join(self.header[:12])}{more}"
        raise SpecError(
            f"{parameter}={key!r} is not a column of {self.path.name} ({known}); "
            "give a column name or a 0-based index"
        )


def _text(path: Path) -> str:
    """The file's text, refused in one line when it is not a readable UTF-8 text file."""
    require_regular_file(path, "CSV file")  # no FIFO: reading one would wait forever
    found = path.stat()
    if found.st_size > MAX_BYTES:
        raise DataError(
            f"{path} has {found.st_size / 2**20:.0f} MiB; symnet reads CSV files up to "
            f"{MAX_BYTES // 2**20} MiB (its cells take ~25 times the file's size in memory)"
        )
    try:
        raw = path.read_bytes()
    except OSError as error:  # NOTE: the world's failure (exit 1), not the file's contents
        raise ReadError(f"cannot read {path}: {error.strerror or error}") from None
    try:
        text = raw.decode("utf-8-sig")  # NOTE: a byte-order mark is not part of the first cell
    except UnicodeDecodeError as error:
        raise DataError(
            f"{path} is not UTF-8 text (byte 0x{raw[error.start]:02x} at offset {error.start}); "
            "save it as UTF-8"
        ) from None
    if "\x00" in text:
        raise DataError(f"{path} holds NUL bytes: it is a binary file, not CSV text")
    return text


def _sniff(text: str) -> str:
    """The delimiter that splits the first lines into equally many (>1) cells.

    NOTE: tab, then semicolon, then comma when several do (a semicolon file often has
    decimal commas); when none does, the one that splits the first line most.
    """
    filled = (line for line in io.StringIO(text) if line.strip())
    lines = list(itertools.islice(filled, SNIFFED_LINES))
    if not lines:
        return ","
    widths = {d: {len(row) for row in csv.reader(lines, delimiter=d)} for d in DELIMITERS}
    even = [d for d in DELIMITERS if len(widths[d]) == 1 and widths[d] != {1}]
    if even:
        return even[0]
    first = {d: len(next(csv.reader(lines[:1], delimiter=d))) for d in DELIMITERS}
    return max(reversed(DELIMITERS), key=lambda d: first[d])


def is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _is_header(cells: list[str]) -> bool:
    """Whether an automatically read first row names the columns (module docstring)."""
    filled = [cell for cell in cells if cell]
    if filled and not any(is_number(cell) for cell in filled):
        return True
    positions = cells[1:] if cells and cells[0] == "" else cells
    counted = [[str(k + start) for k in range(len(positions))] for start in (0, 1)]
    return len(cells) >= 3 and positions in counted


def read_table(path: str | os.PathLike[str], header: bool | None = None) -> Table:
    """The cells of the CSV file at ``path``; ``header`` None detects a header row."""
    path = Path(path)
    text = _text(path)
    delimiter = _sniff(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[tuple[int, list[str]]] = []
    try:
        for cells in reader:
            joined = "".join(cells)
            if _SPACE.search(joined):  # NOTE: one scan per row; most rows have no spaces
                if not joined.strip():
                    continue  # a blank line
                cells = [cell.strip() for cell in cells]
            if joined:
                rows.append((reader.line_num, cells))
    except csv.Error as error:
        raise DataError(f"{path} line {reader.line_num}: {error}") from None
    if not rows:
        raise DataError(f"{path} is empty; expected rows of numbers with a target column")
    first = rows[0][0]  # the line every row's width is compared with
    names = None
    if header or (header is None and _is_header(rows[0][1])):
        names = tuple(rows.pop(0)[1])
    width = len(names) if names is not None else len(rows[0][1])
    for line, cells in rows:
        if len(cells) != width:
            raise DataError(
                f"{path} line {line} has {len(cells)} cells but line {first} has {width}; "
                "every row needs the same columns"
            )
    if not rows:
        raise DataError(f"{path} has a header row but no data rows")
    if width < 2:
        raise DataError(f"{path} has 1 column; expected feature columns and a target column")
    return Table(path, names, rows, delimiter)
