"""CSV files as data sets: the features and the targets in a table of cells.

:func:`~symnet.training.table.read_table` reads the cells (UTF-8, a sniffed delimiter, a
header row or none); :func:`load_csv` picks the columns: the target column(s) (default:
the last), the columns to drop (an index column, a name column), and the features (all
the others, which must be numbers); class labels may be numbers or names.

Missing values (an empty cell, ``NA``, ``N/A``, ``NaN``, ``null`` or ``?``) are refused
with their line and column, or their rows skipped with ``drop_missing=True``.

>>> import pathlib, tempfile
>>> path = pathlib.Path(tempfile.mkdtemp()) / "flowers.csv"
>>> _ = path.write_text("id;length;species\\n1;4.9;setosa\\n2;6.1;virginica\\n")
>>> data = load_csv(path, drop=["id"])
>>> data.X.tolist(), data.y.tolist(), data.classes
([[4.9], [6.1]], [0, 1], ('setosa', 'virginica'))
>>> print(describe_csv(data.csv))
flowers.csv: 2 rows, a header row, delimiter ';', target species, 1 feature, dropped id
"""

from __future__ import annotations

import math
import operator
import os
from collections.abc import Sequence
from typing import NoReturn

import numpy as np

from symnet.exceptions import DataError, SpecError
from symnet.training.dataset import Dataset, Label, label_value
from symnet.training.table import Column, Table, is_number, read_table

__all__ = ["MAX_MAGNITUDE", "MISSING", "describe_csv", "load_csv"]

#: Cells that stand for a missing value (compared without case).
MISSING = frozenset({"", "?", "na", "n/a", "nan", "null"})
#: The largest magnitude accepted. NOTE: standardising squares the values; above ~1e154
#: the square overflows, so far smaller values are refused with a hint to rescale.
MAX_MAGNITUDE = 1e100


def _columns(table: Table, keys: Column | Sequence[Column] | None, parameter: str) -> list[int]:
    if keys is None:
        return []
    if isinstance(keys, str | int):
        keys = [keys]
    found: list[int] = []
    for key in keys:
        column = table.column(key, parameter)
        if column not in found:
            found.append(column)
    return found


def _choose_columns(
    table: Table, task: str, target: Column | Sequence[Column] | None, drop: Sequence[Column]
) -> tuple[list[int], list[int], list[int]]:
    """(target columns, dropped columns, feature columns), checked."""
    targets = _columns(table, target, "target") or [table.width - 1]
    dropped = _columns(table, drop, "drop")
    if task == "classification" and len(targets) > 1:
        raise SpecError(
            f"a classifier has one target column; got {len(targets)} "
            "(several targets need a regression spec: a linear output and loss='mse')"
        )
    both = [table.name(c) for c in targets if c in dropped]
    if both:
        raise SpecError(f"column {both[0]!r} is both a target and dropped; give it to one of them")
    features = [c for c in range(table.width) if c not in targets and c not in dropped]
    if not features:
        raise SpecError(f"{table.path.name} has no feature column left after target= and drop=")
    return targets, dropped, features


def _missing(cell: str) -> bool:
    return cell.lower() in MISSING


def _refuse_cell(
    table: Table, rows: list[tuple[int, list[str]]], columns: list[int], role: str
) -> NoReturn:
    """Raise the one-line DataError of the first cell of ``columns`` that is not usable."""
    for line, cells in rows:
        for column in columns:
            cell, where = cells[column], table.where(line, column)
            number = float(cell) if is_number(cell) else None
            if _missing(cell) or (number is not None and math.isnan(number)):
                raise DataError(
                    f"{where}: missing value ({cell!r}); fill it in, or pass "
                    "drop_missing=True to skip the rows that have one"
                )
            if number is None and role == "target":
                raise DataError(
                    f"{where}: {cell!r} is not a number; a regression target must be numeric "
                    "(class labels need a classifier: an N:softmax or 1:sigmoid output)"
                )
            if number is None:
                first = table.header is None and line == table.rows[0][0]
                hint = (
                    f"if line {line} names the columns, pass header=True"
                    if first
                    else f"features must be numbers; leave the column out with "
                    f"drop={table.name(column)!r}"
                )
                raise DataError(f"{where}: {cell!r} is not a number; {hint}")
            if not math.isfinite(number):
                raise DataError(f"{where}: {cell} is not a finite number; remove or fill it")
            if abs(number) > MAX_MAGNITUDE:
                raise DataError(
                    f"{where}: {cell} is too large to train on (above {MAX_MAGNITUDE:g} in "
                    "magnitude); rescale the column"
                )
    raise DataError(f"{table.path}: a cell of its {role} columns is not a usable number")


def _numbers(
    table: Table, rows: list[tuple[int, list[str]]], columns: list[int], role: str
) -> np.ndarray:
    """The cells of ``columns`` as an array (rows, columns), every one a usable number."""
    pick = operator.itemgetter(*columns)
    try:
        values = np.array([pick(cells) for _, cells in rows], dtype=np.float64)
    except ValueError:
        values = None
    with np.errstate(invalid="ignore"):
        if values is None or not (np.abs(values) <= MAX_MAGNITUDE).all():  # NaN compares False
            _refuse_cell(table, rows, columns, role)
    return values.reshape(len(rows), len(columns))


def _classes(
    table: Table, rows: list[tuple[int, list[str]]], column: int, known: Sequence[Label] | None
) -> tuple[np.ndarray, tuple[Label, ...]]:
    """(class indices, the class labels): numbers when every label is one, else names."""
    for row in rows:
        if _missing(row[1][column]):
            _refuse_cell(table, [row], [column], "label")
    labels = [cells[column] for _, cells in rows]
    if known is not None:
        return _known_classes(table, labels, tuple(known))
    if all(is_number(label) for label in labels):
        values = [float(label) for label in labels]
        for (line, _), value in zip(rows, values):
            if not value.is_integer():
                raise DataError(
                    f"{table.where(line, column)}: class label {value:g} is not a whole number; "
                    "class labels are whole numbers or names (for regression, end the spec "
                    "with a linear output and use loss='mse')"
                )
        found: tuple[Label, ...] = tuple(sorted(set(values)))
        index = {value: k for k, value in enumerate(found)}
        y = [index[value] for value in values]
    else:
        found = tuple(sorted(set(labels)))
        index = {label: k for k, label in enumerate(found)}
        y = [index[label] for label in labels]
    if len(found) < 2:
        raise DataError(
            f"{table.path} has a single class ({label_value(found[0])}) in its target column; "
            "classification needs two or more"
        )
    return np.asarray(y, dtype=np.int64), found


def _known_classes(
    table: Table, labels: list[str], known: tuple[Label, ...]
) -> tuple[np.ndarray, tuple[Label, ...]]:
    """Class indices in the order of a model's ``known`` labels (numbers or names)."""
    if all(isinstance(c, str) for c in known):
        index: dict[Label, int] = {str(c): k for k, c in enumerate(known)}
        keys: list[Label] = list(labels)
    else:
        index = {float(c): k for k, c in enumerate(known)}
        keys = [float(label) if is_number(label) else label for label in labels]
    unknown = sorted({str(label_value(key)) for key in keys if key not in index})
    if unknown:
        shown = ", ".join(unknown[:5]) + (", ..." if len(unknown) > 5 else "")
        classes = ", ".join(str(label_value(c)) for c in known)
        raise DataError(f"{table.path} has labels {shown} that the model never saw ({classes})")
    return np.asarray([index[key] for key in keys], dtype=np.int64), known


def load_csv(
    path: str | os.PathLike[str],
    task: str = "classification",
    classes: Sequence[Label] | None = None,
    *,
    target: Column | Sequence[Column] | None = None,
    drop: Sequence[Column] = (),
    header: bool | None = None,
    drop_missing: bool = False,
) -> Dataset:
    """A data set from a CSV file: numeric features, and the target column(s).

    Parameters
    ----------
    path : str or Path
        A UTF-8 text file; the delimiter (comma, semicolon or tab) is sniffed.
    task : {"classification", "regression"}
        Classification reads one target column of class labels (numbers or names);
        regression reads one or more numeric target columns.
    classes : sequence, optional
        A trained model's class labels, which fix the class order; without them the
        classes are the file's distinct labels, sorted (numerically when all are numbers).
    target, drop : a column name or 0-based index, or a list of them
        The target column(s) (default: the last column) and the columns to leave out.
    header : bool, optional
        Whether the first row names the columns (default: detected; module docstring).
    drop_missing : bool
        Skip the rows with a missing value instead of refusing the file.

    Every refusal is one line naming the file, the line and the column: a missing,
    empty, non-UTF-8 or non-regular file, ragged rows, a cell that is not a number, NaN,
    infinity or a value above :data:`MAX_MAGNITUDE`, a single class, a label the model
    never saw. The returned data set's ``csv`` says how the file was read.
    """
    if task not in ("classification", "regression"):
        raise SpecError(f"task must be 'classification' or 'regression'; got {task!r}")
    table = read_table(path, header)
    targets, dropped, features = _choose_columns(table, task, target, drop)
    rows = table.rows
    if drop_missing:
        used = features + targets
        rows = [(line, cells) for line, cells in rows if not any(_missing(cells[c]) for c in used)]
        if not rows:
            raise DataError(f"{table.path}: every row has a missing value; no row is left")
    X = _numbers(table, rows, features, "feature")
    found: tuple[Label, ...] = ()
    if task == "regression":
        y = _numbers(table, rows, targets, "target")
    else:
        y, found = _classes(table, rows, targets[0], classes)
    read = {
        "file": table.path.name,
        "delimiter": table.delimiter,
        "header": table.header is not None,
        "rows": len(rows),
        "skipped_rows": len(table.rows) - len(rows),
        "target": [table.name(c) for c in targets],
        "drop": [table.name(c) for c in dropped],
        "features": len(features),
    }
    return Dataset(table.path.name, X, y, task, found, read)


def describe_csv(read: dict, classes: Sequence[Label] = ()) -> str:
    """One line saying how a CSV file was read (the ``csv`` record of :func:`load_csv`)."""

    def shown(names: list) -> str:
        return ", ".join(str(n) if isinstance(n, str) else f"index {n}" for n in names)

    parts = [
        f"{read['file']}: {read['rows']} rows",
        "a header row" if read["header"] else "no header row",
        f"delimiter {read['delimiter']!r}",
        f"target {shown(read['target'])}",
        f"{read['features']} feature{'s' if read['features'] != 1 else ''}",
    ]
    if read["drop"]:
        parts.append(f"dropped {shown(read['drop'])}")
    if read["skipped_rows"]:
        parts.append(f"skipped {read['skipped_rows']} rows with missing values")
    if classes:
        names = [str(label_value(c)) for c in classes]
        parts.append("classes " + " ".join(names[:10]) + (" ..." if len(names) > 10 else ""))
    return ", ".join(parts)
