"""A model measured on a data set: its targets, its loss and accuracy, its predictions.

:func:`targets` turns a data set's labels into the target array T the loss compares the
outputs with; :func:`evaluate` gives the mean loss and the accuracy; :func:`predict_data`
runs a model on a data set (a name, a CSV file or a Dataset) and keeps its predictions as
class labels, or as output rows for regression.

>>> from symnet.training.modelfile import Model
>>> found = predict_data(Model.initial("2-1:sigmoid", "bce"), "xor", n_samples=8)
>>> found.to_dict()["samples"], set(found.predictions) <= {0, 1}
(8, True)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from symnet.exceptions import DataError, SpecError
from symnet.graph.spec import NetworkSpec
from symnet.training.data import Dataset, load_data
from symnet.training.modelfile import Model

__all__ = ["Predictions", "evaluate", "predict_data", "targets"]


def targets(spec: NetworkSpec, loss: str, data: Dataset) -> np.ndarray:
    """The target array T (samples, outputs): 0/1 for one output, one-hot for several."""
    width = spec.n_outputs
    if data.task == "regression":
        if loss != "mse":
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


def evaluate(model: Model, data: Dataset) -> tuple[float, float | None]:
    """(mean loss, accuracy or None for regression) of ``model`` on ``data``."""
    X = model.inputs(data.X)
    T = targets(model.spec, model.loss, data).astype(X.dtype)
    with np.errstate(all="ignore"):
        loss, Y = model.program.evaluate(X, T, model.params)
        accuracy = None
        if data.task == "classification":
            predicted = (Y[:, 0] > 0.5) if Y.shape[1] == 1 else Y.argmax(axis=1)
            accuracy = float(np.mean(predicted == data.y))
    return float(loss), accuracy


@dataclass
class Predictions:
    """What :func:`predict_data` finds: the loss, the accuracy and every prediction."""

    model: Model
    data: Dataset
    loss: float
    accuracy: float | None
    predictions: list

    def to_dict(self) -> dict:
        """The JSON-ready figures: spec, data, samples, loss, accuracy, predictions."""
        return {
            "spec": str(self.model.spec),
            "data": self.data.name,
            "samples": len(self.data),
            "loss": self.loss,
            "accuracy": self.accuracy,
            "predictions": self.predictions,
        }

    def text(self, show: int = 10) -> str:
        """One line of figures, then the first ``show`` predictions (none for 0)."""
        accuracy = f", accuracy {self.accuracy:.2%}" if self.accuracy is not None else ""
        lines = [
            f"{self.model.spec} on {self.data.name} ({len(self.data)} samples): "
            f"loss {self.loss:.6g}{accuracy}"
        ]
        if show:
            shown = ", ".join(str(p) for p in self.predictions[:show])
            more = " ..." if len(self.predictions) > show else ""
            lines.append(f"first predictions: {shown}{more}")
        return "\n".join(lines)


def predict_data(
    model: Model, data: str | Path | Dataset, n_samples: int | None = None, seed: int = 0
) -> Predictions:
    """Run ``model`` on ``data`` (a data set name, a CSV path or a Dataset).

    A CSV file is read with the model's task and class labels. Classification predictions
    are the class labels (whole numbers as ``int``); regression predictions are the output
    rows.
    """
    if not isinstance(data, Dataset):
        classes = model.classes if model.task == "classification" else None
        data = load_data(data, task=model.task, n_samples=n_samples, seed=seed, classes=classes)
    loss, accuracy = evaluate(model, data)
    predictions: list
    if model.task == "classification":
        labels = [model.classes[k] for k in model.predict_classes(data.X)]
        predictions = [int(v) if float(v).is_integer() else v for v in labels]
    else:
        predictions = model.predict(data.X).tolist()
    return Predictions(model, data, loss, accuracy, predictions)
