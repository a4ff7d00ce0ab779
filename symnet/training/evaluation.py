"""A model measured on a data set: its targets, its scores, its predictions.

:func:`targets` turns a data set's labels into the target array T the loss compares the
outputs with; :func:`evaluate` gives the mean loss and the accuracy; :func:`score` adds,
for regression, the mean squared error and R² (:func:`r2_score`); :func:`predict_data`
runs a model on a data set (a name, a CSV file or a Dataset), on the part of it asked for
(:data:`SPLITS`), and keeps its predictions: class labels (with the class probabilities)
or output rows.

>>> from symnet.training.modelfile import Model
>>> found = predict_data(Model.initial("2-1:sigmoid", "bce"), "xor", n_samples=8)
>>> found.to_dict()["samples"], found.split, set(found.predictions) <= {0, 1}
(8, 'all', True)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from symnet.exceptions import DataError, SpecError
from symnet.graph.spec import NetworkSpec
from symnet.training.data import DATASETS, Dataset, load_data, train_test_split
from symnet.training.dataset import label_value
from symnet.training.modelfile import Model

__all__ = [
    "SPLITS",
    "Predictions",
    "Scores",
    "evaluate",
    "held_out",
    "predict_data",
    "r2_score",
    "score",
    "targets",
]

#: The parts of a data set :func:`predict_data` can score.
SPLITS = ("test", "train", "all")


def targets(spec: NetworkSpec, loss: str, data: Dataset) -> np.ndarray:
    """The target array T (samples, outputs): 0/1 for one output, one-hot for several."""
    width = spec.n_outputs
    if data.task == "regression":
        if loss in ("bce", "ce"):  # mse, mae, huber and formula losses compare numbers
            raise SpecError(
                f"{data.name} is a regression data set; use the mse loss and a linear output layer"
            )
        if data.y.shape[1] != width:
            raise DataError(
                f"{data.name} has {data.y.shape[1]} target column(s); the spec has {width} outputs"
            )
        return data.y
    k = data.n_classes
    if width == 1 and k == 2:
        return data.y[:, None].astype(np.float64)
    if width == k:
        return np.eye(k)[data.y]
    hint = f"end the spec with -{k}:softmax" if k > 2 else "end the spec with -1:sigmoid"
    raise DataError(
        f"{data.name} has {k} classes but the spec's output layer has {width} units; {hint}"
    )


def _outputs(model: Model, data: Dataset) -> tuple[float, np.ndarray, np.ndarray]:
    """(mean loss, outputs Y, targets T) of ``model`` on ``data``."""
    X = model.inputs(data.X)
    T = targets(model.spec, model.loss, data).astype(X.dtype)
    with np.errstate(all="ignore"):
        loss, Y = model.program.evaluate(X, T, model.params)
    return float(loss), Y, T


def _class_indices(Y: np.ndarray) -> np.ndarray:
    """Predicted classes: ``y > 1/2`` for one output, else the largest output."""
    return (Y[:, 0] > 0.5).astype(np.int64) if Y.shape[1] == 1 else Y.argmax(axis=1)


def evaluate(model: Model, data: Dataset) -> tuple[float, float | None]:
    """(mean loss, accuracy or None for regression) of ``model`` on ``data``."""
    loss, Y, _ = _outputs(model, data)
    if data.task != "classification":
        return loss, None
    return loss, float(np.mean(_class_indices(Y) == data.y))


def r2_score(Y: np.ndarray, T: np.ndarray) -> float:
    """The coefficient of determination R² of outputs ``Y`` for targets ``T`` (samples, outputs).

    Notes
    -----
    R² = 1 - sum (t - y)² / sum (t - mean t)² for each output column, averaged over the
    columns: 1 for perfect predictions, 0 for predicting the mean, negative for worse.
    NOTE: a column whose targets are all equal has no variance to explain: it counts as
    1 when predicted exactly and 0 otherwise (scikit-learn's convention).

    >>> T = np.array([[1.0], [2.0], [3.0]])
    >>> r2_score(T, T), r2_score(np.full((3, 1), 2.0), T)
    (1.0, 0.0)
    """
    Y, T = np.asarray(Y, dtype=np.float64), np.asarray(T, dtype=np.float64)
    with np.errstate(all="ignore"):
        residual = ((T - Y) ** 2).sum(axis=0)
        total = ((T - T.mean(axis=0)) ** 2).sum(axis=0)
        flat = np.where(residual == 0, 1.0, 0.0)
        ratio = np.divide(residual, total, out=np.ones_like(residual), where=total > 0)
        per_output = np.where(total > 0, 1.0 - ratio, flat)
    return float(per_output.mean())


@dataclass(frozen=True)
class Scores:
    """The mean loss; the accuracy (classification); the MSE and R² (regression).

    NOTE: the mse *loss* is 1/2 sum over outputs of (y - t)², averaged over samples (the
    notes' squared error); ``mse`` is the usual mean of (y - t)² over samples and outputs,
    so loss = mse x outputs / 2.
    """

    loss: float
    accuracy: float | None = None
    mse: float | None = None
    r2: float | None = None

    def text(self, sep: str = "  ") -> str:
        """``loss 0.1  accuracy 95.00%``, or ``MSE 0.02  R² 0.981 (loss 0.01: ...)``."""
        if self.mse is None:
            accuracy = "-" if self.accuracy is None else f"{self.accuracy:.2%}"
            return f"loss {self.loss:.6g}{sep}accuracy {accuracy}"
        return (
            f"MSE {self.mse:.6g}{sep}R² {self.r2:.4f} "
            f"(loss {self.loss:.6g}: half the squared error, summed over outputs)"
        )


def _scores(data: Dataset, loss: float, Y: np.ndarray, T: np.ndarray) -> Scores:
    if data.task == "classification":
        return Scores(loss, accuracy=float(np.mean(_class_indices(Y) == data.y)))
    with np.errstate(all="ignore"):
        mse = float(np.mean((Y - T) ** 2))
    return Scores(loss, mse=mse, r2=r2_score(Y, T))


def score(model: Model, data: Dataset) -> Scores:
    """The :class:`Scores` of ``model`` on ``data``."""
    return _scores(data, *_outputs(model, data))


def held_out(model: Model, data: Dataset, split: str) -> Dataset:
    """The part of ``data`` named by ``split`` (:data:`SPLITS`), split as the model's training was.

    NOTE: the split is drawn again from the test fraction and split seed the model
    records; a model written before ``split_seed`` existed was split by its ``seed``,
    without strata, and is split that way again.
    """
    if split not in SPLITS:
        raise SpecError(f"split must be one of {', '.join(SPLITS)}; got {split!r}")
    if split == "all":
        return data
    trained = model.training
    if "test_fraction" not in trained:
        raise SpecError(
            f"split={split!r} needs the split the model was trained with, which this model "
            "does not record; use split='all'"
        )
    stratify = None if "split_seed" in trained else False
    seed = trained.get("split_seed", trained.get("seed", 0))
    train, test = train_test_split(data, trained["test_fraction"], seed, stratify)
    if split == "train":
        return train
    if test is None:
        raise SpecError(
            "the model was trained on every sample (test_fraction=0), so none is held out; "
            "use split='all'"
        )
    return test


@dataclass
class Predictions:
    """What :func:`predict_data` finds: the scores and every prediction of one split.

    ``probabilities`` (classification with a softmax or 1:sigmoid output; else None)
    has one row per sample, one probability per class in ``model.classes`` order.
    """

    model: Model
    data: Dataset
    loss: float
    accuracy: float | None
    predictions: list
    split: str = "all"
    total: int = 0  # samples in the whole data set, of which ``data`` is the split
    mse: float | None = None
    r2: float | None = None
    probabilities: list | None = None

    def to_dict(self) -> dict:
        """JSON-ready: spec, data, split, samples, loss (the name), loss_value, accuracy, mse,
        r2, classes, predictions, probabilities, csv (how a CSV file was read)."""
        return {
            "spec": str(self.model.spec),
            "data": self.data.name,
            "split": self.split,
            "samples": len(self.data),
            "loss": self.model.loss,
            "loss_value": self.loss,
            "accuracy": self.accuracy,
            "mse": self.mse,
            "r2": self.r2,
            "classes": [label_value(c) for c in self.model.classes],
            "predictions": self.predictions,
            "probabilities": self.probabilities,
            "csv": self.data.csv,
        }

    def text(self, show: int = 10) -> str:
        """One line of figures, then the first ``show`` predictions (none for 0)."""
        n = len(self.data)
        part = f"{n} samples" if self.split == "all" else f"{self.split} split: {n} of {self.total}"
        found = Scores(self.loss, self.accuracy, self.mse, self.r2).text(sep=", ")
        lines = [f"{self.model.spec} on {self.data.name} ({part}): {found}"]
        if show:
            shown = ", ".join(_shown(p) for p in self.predictions[:show])
            more = " ..." if len(self.predictions) > show else ""
            lines.append(f"first predictions: {shown}{more}")
        return "\n".join(lines)


def _shown(prediction: object) -> str:
    """A class label as it is; an output row with 6 significant digits."""
    if isinstance(prediction, list):
        return "[" + ", ".join(f"{value:.6g}" for value in prediction) + "]"
    return str(prediction)


def _probabilities(model: Model, Y: np.ndarray) -> list | None:
    """Class probabilities (samples, classes) when the outputs are probabilities."""
    last = model.spec.output_layer
    if last.activation == "softmax":
        return Y.tolist()
    if (last.width, last.activation) == (1, "sigmoid"):
        return np.c_[1.0 - Y[:, 0], Y[:, 0]].tolist()
    return None


def _load(
    model: Model,
    name: str | Path,
    n_samples: int | None,
    seed: int | None,
    csv_options: dict[str, Any] | None,
) -> Dataset:
    """The data set ``name``, read as the model's own training data was where it is that data.

    The model's own generated set is made again with its seed and size (unless given);
    a CSV file is read with the target and dropped columns of the model's CSV (unless
    ``csv_options`` name others).
    """
    trained = model.training
    own = str(name) == trained.get("data")
    if own and n_samples is None and trained.get("n_train"):
        n_samples = trained["n_train"] + trained.get("n_test", 0)
    if seed is None:
        seed = trained.get("seed", 0) if own else 0
    options = {key: value for key, value in (csv_options or {}).items() if value not in (None, ())}
    read = trained.get("csv")
    if read and str(name) not in DATASETS:
        for key in ("target", "drop"):
            options.setdefault(key, read.get(key) or None)
    classes = model.classes if model.task == "classification" else None
    return load_data(
        name, task=model.task, n_samples=n_samples, seed=seed, classes=classes, csv_options=options
    )


def predict_data(
    model: Model,
    data: str | Path | Dataset,
    n_samples: int | None = None,
    seed: int | None = None,
    split: str | None = None,
    csv_options: dict[str, Any] | None = None,
) -> Predictions:
    """Run ``model`` on ``data`` (a data set name, a CSV path or a Dataset); score one split.

    A name or CSV file is read with the model's task and class labels (:func:`_load`:
    the model's own generated set again, a CSV file with the model's target column).
    ``split`` (:data:`SPLITS`) defaults to ``"test"`` when the data are exactly those the
    model was trained on (their SHA-256 is the one the model records), so that the
    samples it learned from are not scored again, else ``"all"``. Classification
    predictions are the class labels (whole numbers as ``int``, names as they are);
    regression predictions are the output rows.
    """
    if split is not None and split not in SPLITS:
        raise SpecError(f"split must be one of {', '.join(SPLITS)}; got {split!r}")
    if not isinstance(data, Dataset):
        data = _load(model, data, n_samples, seed, csv_options)
    if split is None:
        own = model.training.get("data_sha256") == data.fingerprint()
        split = "test" if own and model.training.get("n_test") else "all"
    part = held_out(model, data, split)
    loss, Y, T = _outputs(model, part)
    found = _scores(part, loss, Y, T)
    predictions: list
    probabilities = None
    if model.task == "classification":
        predictions = [label_value(model.classes[k]) for k in _class_indices(Y)]
        probabilities = _probabilities(model, Y)
    else:
        predictions = Y.tolist()
    return Predictions(
        model,
        part,
        loss,
        found.accuracy,
        predictions,
        split,
        len(data),
        found.mse,
        found.r2,
        probabilities,
    )
