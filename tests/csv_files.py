"""Real data sets as they are published, written as CSV files from scikit-learn's bundled copies.

No network: ``load_iris``, ``load_wine`` and ``load_diabetes`` read files that ship with
scikit-learn. Each writer lays the file out as the data set is usually published:

- iris: a header row, four measurements, the species *name* last (``setosa`` ...);
- wine (UCI ``wine.data``): no header, the class 1, 2 or 3 *first*, 13 measurements;
- diabetes (Efron et al.'s ``diabetes.tab.txt``): tab-separated, a header row
  ``AGE SEX BMI BP S1 ... S6 Y``, the target ``Y`` last, 442 rows.
"""

from __future__ import annotations

from pathlib import Path

import pytest

IRIS_COLUMNS = ["sepal_length", "sepal_width", "petal_length", "petal_width", "species"]
DIABETES_COLUMNS = ["AGE", "SEX", "BMI", "BP", "S1", "S2", "S3", "S4", "S5", "S6", "Y"]


def _datasets():
    return pytest.importorskip("sklearn.datasets")


def write_iris(path: Path, delimiter: str = ",", bom: bool = False) -> Path:
    """150 rows: a header, the four measurements, the species name last."""
    bunch = _datasets().load_iris()
    rows = [delimiter.join(IRIS_COLUMNS)]
    for x, k in zip(bunch.data, bunch.target):
        rows.append(delimiter.join([*(f"{v:g}" for v in x), str(bunch.target_names[k])]))
    path.write_text(("\ufeff" if bom else "") + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def write_wine(path: Path) -> Path:
    """178 rows, no header: the class (1, 2, 3) first, then 13 measurements."""
    bunch = _datasets().load_wine()
    rows = [
        ",".join([str(k + 1), *(f"{v:g}" for v in x)]) for x, k in zip(bunch.data, bunch.target)
    ]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def write_diabetes(path: Path, header: list[str] | None = None) -> Path:
    """442 rows, tab-separated, under ``header`` (default: AGE ... S6 Y), the target last."""
    bunch = _datasets().load_diabetes(scaled=False)
    rows = ["\t".join(header or DIABETES_COLUMNS)]
    rows += ["\t".join(f"{v:g}" for v in [*x, t]) for x, t in zip(bunch.data, bunch.target)]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path
