"""What a training run found: the curves of its epochs and the figures at its end.

:func:`symnet.training.loop.train` returns a :class:`TrainResult`: the trained model, the
:class:`History` of its epochs, and the loss and accuracy (classification) or MSE and R²
(regression) of the training and test parts, with :meth:`TrainResult.summary` (JSON-ready)
and :meth:`TrainResult.text` (a few lines for the terminal).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from symnet.training.csvfile import describe_csv
from symnet.training.dataset import label_value
from symnet.training.evaluation import Scores
from symnet.training.modelfile import Model

__all__ = ["HISTORY_POINTS", "PICTURE_CAPTIONS", "SCORE_KEYS", "History", "TrainResult"]

#: The figures of a part (train, test) of the run: ``train_loss``, ``test_r2``, ...
SCORE_KEYS = ("loss", "accuracy", "mse", "r2")

#: The pictures of a training run (:func:`symnet.training.plots.save_pictures`), by option
#: (``plot_file`` in :meth:`TrainResult.summary`), with the caption :meth:`TrainResult.text`.
PICTURE_CAPTIONS = {
    "plot": "Curves",
    "plot_kernels": "Kernels",
    "plot_maps": "Feature maps of sample 0",
}


#: The most points of each curve a model file keeps.
HISTORY_POINTS = 1000
_HISTORY_FIELDS = ("loss", "recorded", "accuracy", "test_loss", "test_accuracy", "loss_epochs")


@dataclass
class History:
    """Per epoch: the mean training loss seen during the epoch; at recorded epochs, the
    training accuracy and the test loss and accuracy after the epoch."""

    loss: list[float] = field(default_factory=list)
    recorded: list[int] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)
    test_loss: list[float] = field(default_factory=list)
    test_accuracy: list[float] = field(default_factory=list)
    #: The epoch of each ``loss`` entry when the curve was thinned (empty: 1, 2, ...).
    loss_epochs: list[int] = field(default_factory=list)

    def loss_x(self) -> list[int]:
        """The epoch of each entry of ``loss``."""
        return self.loss_epochs or list(range(1, len(self.loss) + 1))

    def to_record(self, limit: int = HISTORY_POINTS) -> dict[str, list]:
        """The curves as a JSON-ready record, each thinned to at most ``limit`` points.

        A model file keeps this record, so a report of the model can draw its curves.

        >>> h = History(loss=[1.0, 0.5, 0.25, 0.125], recorded=[2, 4], test_loss=[0.6, 0.3])
        >>> h.to_record(limit=2)["loss_epochs"], History.from_record(h.to_record()).loss
        ([1, 4], [1.0, 0.5, 0.25, 0.125])
        """
        # NOTE: a diverged run's NaN/inf points are left out: a model file holds finite numbers.
        epochs = self.loss_x()
        keep = [i for i in _thinned(len(epochs), limit) if math.isfinite(self.loss[i])]
        scores = [getattr(self, n) for n in ("accuracy", "test_loss", "test_accuracy")]
        kept = [
            i
            for i in _thinned(len(self.recorded), limit)
            if all(math.isfinite(values[i]) for values in scores if values)
        ]
        record: dict[str, list] = {
            "loss_epochs": [epochs[i] for i in keep],
            "loss": [float(self.loss[i]) for i in keep],
            "recorded": [self.recorded[i] for i in kept],
        }
        for name in ("accuracy", "test_loss", "test_accuracy"):
            values = getattr(self, name)
            record[name] = [float(values[i]) for i in kept] if values else []
        return record

    @classmethod
    def from_record(cls, record: object) -> History | None:
        """The curves of :meth:`to_record`; None for anything else (the file is not trusted)."""
        if not isinstance(record, dict):
            return None
        lists = {name: record.get(name) for name in _HISTORY_FIELDS}
        if not all(isinstance(v, list) and len(v) <= HISTORY_POINTS for v in lists.values()):
            return None
        numbers = all(
            isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)
            for values in lists.values()
            for x in values  # type: ignore[union-attr]
        )
        shaped = len(lists["loss"]) == len(lists["loss_epochs"]) and all(  # type: ignore[arg-type]
            len(lists[name]) in (0, len(lists["recorded"]))  # type: ignore[arg-type]
            for name in ("accuracy", "test_loss", "test_accuracy")
        )
        if not (numbers and shaped and lists["loss"]):
            return None
        return cls(**lists)  # type: ignore[arg-type]


def _thinned(n: int, limit: int) -> list[int]:
    """At most ``limit`` indices of ``range(n)``, evenly spread, the first and last kept."""
    if n <= limit:
        return list(range(n))
    return sorted({round(i * (n - 1) / (limit - 1)) for i in range(limit)})


@dataclass
class TrainResult:
    """What :func:`symnet.training.loop.train` returns; ``seconds``: the time in the loop.

    ``pictures`` maps a key of :data:`PICTURE_CAPTIONS` to the file drawn for it.
    """

    model: Model
    history: History
    epochs: int
    seconds: float
    train_loss: float
    train_accuracy: float | None
    test_loss: float | None
    test_accuracy: float | None
    stopped: str | None = None
    message: str = ""
    saved: Path | None = None
    pictures: dict[str, Path] = field(default_factory=dict)
    train_mse: float | None = None  # regression: the mean squared error and R²
    train_r2: float | None = None
    test_mse: float | None = None
    test_r2: float | None = None

    def summary(self) -> dict:
        """The figures as JSON-ready data; ``output_file`` and ``<picture>_file`` name the files."""
        figures = [f"{part}_{key}" for part in ("train", "test") for key in SCORE_KEYS]
        keys = ("epochs", "seconds", *figures)
        # NOTE: the curves the model file keeps are left out: ``--plot`` draws them
        settings = {k: v for k, v in self.model.training.items() if k != "history"}
        data = {"spec": str(self.model.spec), "loss": self.model.loss, **settings}
        data.update({key: getattr(self, key) for key in keys})
        data["classes"] = [label_value(c) for c in self.model.classes]
        data["epoch_seconds"] = self.seconds / self.epochs if self.epochs else None
        data.update(
            stopped=self.stopped,
            message=self.message,
            output_file=str(self.saved) if self.saved else None,
        )
        data.update({f"{key}_file": str(path) for key, path in self.pictures.items()})
        return data

    def text(self) -> str:
        """The figures in a few lines: settings and time, train and test results, files."""
        t, spec = self.model.training, self.model.spec
        batch = "full batch" if t["batch_size"] is None else f"batch {t['batch_size']}"
        per_epoch = self.summary()["epoch_seconds"]
        pace = "-" if per_epoch is None else f"{1000 * per_epoch:.0f}"  # None: no epoch completed
        lines = [f"Read {describe_csv(t['csv'], self.model.classes)}"] if t.get("csv") else []
        lines += [
            f"Trained {spec} on {t['data']} ({t['n_train']} train / {t['n_test']} test "
            f"samples): {self.model.loss} loss, {t['optimizer']} lr {t['lr']:g}, "
            f"{self.epochs} epochs, {batch}, {t['dtype']}, seed {t['seed']}: "
            f"{self.seconds:.2f} s ({pace} ms per epoch)",
            f"  train: {self._scores('train').text()}",
        ]
        if self.test_loss is not None:
            lines.append(f"  test:  {self._scores('test').text()}")
        if self.saved:
            lines.append(f"Saved the model to {self.saved}")
        lines += [f"{PICTURE_CAPTIONS[key]}: {path}" for key, path in self.pictures.items()]
        return "\n".join(lines)

    def _scores(self, part: str) -> Scores:
        return Scores(*(getattr(self, f"{part}_{key}") for key in SCORE_KEYS))
