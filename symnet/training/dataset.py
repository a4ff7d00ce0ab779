"""The data set record: samples ``X``, targets ``y``, the task and the class labels.

A :class:`Dataset` holds ``X`` (n, features) and ``y``: class indices 0..K-1 for
classification (the labels themselves, numbers or names, in ``classes``), an (n, outputs)
array for regression. A data set read from a CSV file also says how it was read
(``csv``: see :func:`symnet.training.csvfile.load_csv`).

>>> data = Dataset("tiny", np.array([[0.0], [1.0]]), np.array([1, 0]), "classification",
...                ("no", "yes"))
>>> data.n_classes, [label_value(c) for c in data.classes], len(data.subset(np.array([1])))
(2, ['no', 'yes'], 1)
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace

import numpy as np

__all__ = ["Dataset", "Label", "label_value"]

#: A class label: a number (whole numbers, as read from a file or a built-in set) or a name.
Label = float | str


def label_value(label: Label) -> int | float | str:
    """A class label as JSON and text show it: whole numbers as ``int``, names as they are.

    >>> label_value(3.0), label_value(0.5), label_value("setosa")
    (3, 0.5, 'setosa')
    """
    if isinstance(label, str):
        return label
    return int(label) if float(label).is_integer() else float(label)


@dataclass(frozen=True)
class Dataset:
    """Samples ``X`` (n, features) with targets ``y``; see the module docstring."""

    name: str
    X: np.ndarray
    y: np.ndarray
    task: str  # "classification" or "regression"
    classes: tuple[Label, ...] = ()
    csv: dict | None = None  # how a CSV file was read (None for the built-in sets)

    def __len__(self) -> int:
        return self.X.shape[0]

    @property
    def n_features(self) -> int:
        return self.X.shape[1]

    @property
    def n_classes(self) -> int:
        return len(self.classes)

    def subset(self, index: np.ndarray) -> Dataset:
        """The samples at ``index`` (an integer array), in that order."""
        return replace(self, X=self.X[index], y=self.y[index])

    def fingerprint(self) -> str:
        """The SHA-256 of the samples, the targets and the class labels.

        NOTE: a model records the fingerprint of the data it was trained on, so that
        ``predict`` can tell its own data (score the held-out split) from new data.
        """
        digest = hashlib.sha256()
        for array in (self.X, self.y):
            array = np.ascontiguousarray(array)
            digest.update(f"{array.dtype.str}{array.shape}".encode())
            digest.update(array.tobytes())
        digest.update(json.dumps([label_value(c) for c in self.classes]).encode())
        return digest.hexdigest()
