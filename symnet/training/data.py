"""Data sets for training: generated shapes, scikit-learn's digits, CSV files; split and scale.

Built-in names (:data:`DATASETS`):

========== ===================================================================================
xor        2 features, 2 classes: points in [-1, 1]^2, class 1 where x1 x2 < 0
moons      2 features, 2 classes: two interleaving half circles (noise 0.1)
circles    2 features, 2 classes: a circle inside another (radius 0.5 and 1, noise 0.05)
spirals    2 features, 2 classes: two interleaved spiral arms (noise 0.1)
digits     64 features, 10 classes: scikit-learn's bundled 8x8 images of digits (1,797 of them)
sin, cubic 1 feature, regression: y = f(x) + noise (0.05) for a fixed function in
abs,       :data:`REGRESSION_FUNCTIONS` (no user expressions are parsed here)
gaussian
========== ===================================================================================

A :class:`~symnet.training.dataset.Dataset` holds ``X`` (n, features) and ``y``: class
indices 0..K-1 for classification (the labels, numbers or names, in ``classes``), an
(n, outputs) array for regression. CSV files are read by :mod:`symnet.training.csvfile`.

>>> data = load_data("moons", n_samples=10, seed=0)
>>> data.X.shape, data.task, data.classes
((10, 2), 'classification', (0.0, 1.0))
>>> train, test = train_test_split(data, test_fraction=0.2, seed=0)
>>> len(train), len(test)
(8, 2)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from symnet.exceptions import DataError, SpecError
from symnet.seeds import random_generator
from symnet.training.csvfile import load_csv
from symnet.training.dataset import Dataset, Label

__all__ = [
    "CSV_OPTIONS",
    "DATASETS",
    "REGRESSION_FUNCTIONS",
    "Dataset",
    "Standardizer",
    "load_csv",
    "load_data",
    "make_classification_set",
    "make_regression_set",
    "stratified_test_counts",
    "train_test_split",
]

#: name -> (function, interval of x); a fixed table, never a parsed user expression.
#: Name -> (f, (low, high)): the function of a regression set and the interval of its x.
REGRESSION_FUNCTIONS: dict[str, tuple[Callable[[np.ndarray], np.ndarray], tuple[float, float]]] = {
    "sin": (np.sin, (-math.pi, math.pi)),
    "cubic": (lambda x: x**3, (-1.5, 1.5)),
    "abs": (np.abs, (-1.0, 1.0)),
    "gaussian": (lambda x: np.exp(-(x**2)), (-3.0, 3.0)),
}
CLASSIFICATION_SETS = ("xor", "moons", "circles", "spirals")
DATASETS = (*CLASSIFICATION_SETS, "digits", *REGRESSION_FUNCTIONS)
DEFAULT_NOISE = {"xor": 0.0, "moons": 0.1, "circles": 0.05, "spirals": 0.1}


def make_classification_set(
    name: str, n_samples: int = 1000, noise: float | None = None, seed: int = 0
) -> Dataset:
    """One of the generated 2-D sets: xor, moons, circles, spirals (2 classes each).

    NOTE: half the samples (rounded down) are class 0; the samples are shuffled.
    """
    if name not in CLASSIFICATION_SETS:
        raise DataError(f"generated sets are {', '.join(CLASSIFICATION_SETS)}; got {name!r}")
    _check_count(n_samples)
    noise = DEFAULT_NOISE[name] if noise is None else float(noise)
    if not (math.isfinite(noise) and noise >= 0):
        raise SpecError(f"noise must be a finite number >= 0; got {noise!r}")
    rng = random_generator(seed)
    n0 = n_samples // 2
    n1 = n_samples - n0
    if name == "xor":  # class 0 in the quadrants where x1 and x2 share a sign
        sign = rng.choice([-1.0, 1.0], size=(n_samples, 1))
        flip = np.r_[np.ones(n0), -np.ones(n1)]
        X = rng.uniform(0.0, 1.0, size=(n_samples, 2)) * np.c_[sign, sign * flip[:, None]]
        y = np.r_[np.zeros(n0, np.int64), np.ones(n1, np.int64)]
    else:
        t0, t1 = np.linspace(0, math.pi, n0), np.linspace(0, math.pi, n1)
        if name == "moons":
            first = np.c_[np.cos(t0), np.sin(t0)]
            second = np.c_[1 - np.cos(t1), 0.5 - np.sin(t1)]
        elif name == "circles":
            first = np.c_[np.cos(2 * t0), np.sin(2 * t0)]
            second = 0.5 * np.c_[np.cos(2 * t1), np.sin(2 * t1)]
        else:  # spirals: radius grows with the angle; the second arm is the first turned by pi
            r0, r1 = t0 / math.pi, t1 / math.pi
            first = np.c_[r0 * np.cos(3 * t0), r0 * np.sin(3 * t0)]
            second = -np.c_[r1 * np.cos(3 * t1), r1 * np.sin(3 * t1)]
        X = np.r_[first, second]
        y = np.r_[np.zeros(n0, np.int64), np.ones(n1, np.int64)]
    X = X + rng.normal(0.0, noise, size=X.shape) if noise > 0 else X
    order = rng.permutation(n_samples)
    return Dataset(name, X[order].astype(np.float64), y[order], "classification", (0.0, 1.0))


def make_regression_set(
    name: str, n_samples: int = 200, noise: float = 0.05, seed: int = 0
) -> Dataset:
    """Samples of y = f(x) + noise, x uniform on f's interval (:data:`REGRESSION_FUNCTIONS`).

    >>> data = make_regression_set("sin", n_samples=5, noise=0.0)
    >>> bool(np.allclose(data.y[:, 0], np.sin(data.X[:, 0])))
    True
    """
    if name not in REGRESSION_FUNCTIONS:
        raise DataError(f"regression functions are {', '.join(REGRESSION_FUNCTIONS)}; got {name!r}")
    _check_count(n_samples)
    function, (low, high) = REGRESSION_FUNCTIONS[name]
    rng = random_generator(seed)
    x = rng.uniform(low, high, size=(n_samples, 1))
    y = function(x) + (rng.normal(0.0, noise, size=x.shape) if noise > 0 else 0.0)
    return Dataset(name, x, np.asarray(y, dtype=np.float64), "regression")


def _check_count(n_samples: int) -> None:
    if not isinstance(n_samples, (int, np.integer)) or not 4 <= n_samples <= 10_000_000:
        raise SpecError(
            f"the number of samples must be a whole number from 4 to 1e7; got {n_samples!r}"
        )


def load_digits() -> Dataset:
    """scikit-learn's bundled digits: 1,797 images of 8x8 pixels (0..16), classes 0..9."""
    try:
        from sklearn.datasets import load_digits as sklearn_digits  # optional, and slow
    except ImportError:
        raise DataError(
            "the digits data set needs scikit-learn; install it with pip install 'symnet[data]'"
        ) from None
    bunch = sklearn_digits()
    classes = tuple(float(c) for c in range(10))
    return Dataset(
        "digits",
        bunch.data.astype(np.float64),
        bunch.target.astype(np.int64),
        "classification",
        classes,
    )


#: The keyword arguments of :func:`~symnet.training.csvfile.load_csv` that choose columns
#: and rows; ``csv_options`` of :func:`load_data` (and of training and prediction) holds them.
CSV_OPTIONS = ("target", "drop", "header", "drop_missing")


def load_data(
    name: str | Path,
    *,
    task: str = "classification",
    n_samples: int | None = None,
    noise: float | None = None,
    seed: int = 0,
    classes: Sequence[Label] | None = None,
    csv_options: dict[str, Any] | None = None,
) -> Dataset:
    """A built-in data set by name, or a CSV file (``task`` says how to read its targets).

    ``n_samples`` and ``noise`` apply to generated sets (defaults: 1,000 samples for the
    classification shapes, 200 for regression); ``seed`` makes them reproducible;
    ``classes`` fixes the class labels of a CSV file and ``csv_options`` (``target``,
    ``drop``, ``header``, ``drop_missing``) how it is read (see
    :func:`~symnet.training.csvfile.load_csv`).
    """
    text = str(name)
    options = {key: value for key, value in (csv_options or {}).items() if value not in (None, ())}
    unknown = sorted(set(options) - set(CSV_OPTIONS))
    if unknown:
        raise SpecError(f"csv_options are {', '.join(CSV_OPTIONS)}; got {unknown[0]!r}")
    given = [key for key, value in options.items() if value is not False]
    if text in DATASETS and given:
        raise SpecError(f"{given[0]}= applies to CSV files; {text} is a built-in data set")
    if text in CLASSIFICATION_SETS:
        return make_classification_set(text, n_samples or 1000, noise, seed)
    if text in REGRESSION_FUNCTIONS:
        return make_regression_set(text, n_samples or 200, 0.05 if noise is None else noise, seed)
    if text == "digits":
        return load_digits()
    if text.lower().endswith((".csv", ".tsv", ".txt")) or Path(text).exists():
        return load_csv(text, task=task, classes=classes, **options)
    raise DataError(f"unknown data set {text!r}; use one of {', '.join(DATASETS)} or a FILE.csv")


def train_test_split(
    data: Dataset, test_fraction: float = 0.2, seed: int = 0, stratify: bool | None = None
) -> tuple[Dataset, Dataset | None]:
    """A seeded split: ``round(n * test_fraction)`` test samples (None when that is 0).

    ``stratify`` (default: for classification) keeps each class's share in the test part:
    see :func:`stratified_test_counts`. Both parts are in a random order.
    """
    if not (isinstance(test_fraction, int | float) and 0 <= test_fraction < 1):
        raise SpecError(f"the test fraction must be at least 0 and below 1; got {test_fraction!r}")
    n = len(data)
    n_test = round(n * test_fraction)
    if n_test == 0:
        return data, None
    if n - n_test < 1:
        raise DataError(f"{data.name} has {n} samples: too few to keep {n_test} for testing")
    rng = random_generator(seed)
    if not (data.task == "classification" if stratify is None else stratify):
        order = rng.permutation(n)
        return data.subset(order[n_test:]), data.subset(order[:n_test])
    test, train = [], []
    labels = np.unique(data.y)
    for label, count in zip(labels, stratified_test_counts(data.y, n_test)):
        members = rng.permutation(np.flatnonzero(data.y == label))
        test.append(members[:count])
        train.append(members[count:])
    return (
        data.subset(rng.permutation(np.concatenate(train))),
        data.subset(rng.permutation(np.concatenate(test))),
    )


def stratified_test_counts(y: np.ndarray, n_test: int) -> np.ndarray:
    """How many test samples each class gets (classes in sorted order), ``n_test`` in all.

    Notes
    -----
    NOTE: class c, with n_c of the n samples, is owed the quota q_c = n_c n_test / n; it
    gets floor(q_c), and the n_test - sum floor(q_c) samples left over go one each to the
    classes with the largest remainders (Hamilton's method, ties to the smaller label).
    So every class gets floor(q_c) or ceil(q_c): its share of the test part is within one
    sample of its share of the data. Integer arithmetic: no rounding error.

    >>> stratified_test_counts(np.array([0] * 50 + [1] * 30 + [2] * 20), 15).tolist()
    [8, 4, 3]
    """
    _, counts = np.unique(y, return_counts=True)
    n = int(counts.sum())
    owed = counts.astype(object) * n_test  # Python ints: exact for any n
    take = np.array([int(q // n) for q in owed], dtype=np.int64)
    remainders = np.array([int(q % n) for q in owed], dtype=np.int64)
    extra = n_test - int(take.sum())
    take[np.argsort(-remainders, kind="stable")[:extra]] += 1
    return take


@dataclass(frozen=True)
class Standardizer:
    """x -> (x - mean) / scale, fitted on the training samples only.

    NOTE: a feature that is constant in the training set (scale 0, such as the corner
    pixels of digits) keeps scale 1, so it maps to 0 instead of dividing by zero.

    >>> s = Standardizer.fit(np.array([[1.0, 5.0], [3.0, 5.0]]))
    >>> s.transform(np.array([[3.0, 6.0]]))
    array([[1., 1.]])
    """

    mean: np.ndarray
    scale: np.ndarray

    @classmethod
    def fit(cls, X: np.ndarray) -> Standardizer:
        scale = X.std(axis=0)
        return cls(X.mean(axis=0), np.where(scale > 0, scale, 1.0))

    def transform(self, X: np.ndarray) -> np.ndarray:
        return (X - self.mean) / self.scale
