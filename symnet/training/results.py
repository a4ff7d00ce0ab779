"""What a training run found: the curves of its epochs and the figures at its end.

:func:`symnet.training.loop.train` returns a :class:`TrainResult`: the trained model, the
:class:`History` of its epochs, and the loss and accuracy (classification) or MSE and R²
(regression) of the training and test parts, with :meth:`TrainResult.summary` (JSON-ready)
and :meth:`TrainResult.text` (a few lines for the terminal).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from symnet.training.csvfile import describe_csv
from symnet.training.dataset import label_value
from symnet.training.evaluation import Scores
from symnet.training.modelfile import Model

__all__ = ["PICTURE_CAPTIONS", "SCORE_KEYS", "History", "TrainResult"]

#: The figures of a part (train, test) of the run: ``train_loss``, ``test_r2``, ...
SCORE_KEYS = ("loss", "accuracy", "mse", "r2")

#: The pictures of a training run (:func:`symnet.training.plots.save_pictures`), by option
#: (``plot_file`` in :meth:`TrainResult.summary`), with the caption :meth:`TrainResult.text`.
PICTURE_CAPTIONS = {
    "plot": "Curves",
    "plot_kernels": "Kernels",
    "plot_maps": "Feature maps of sample 0",
}


@dataclass
class History:
    """Per epoch: the mean training loss seen during the epoch; at recorded epochs, the
    training accuracy and the test loss and accuracy after the epoch."""

    loss: list[float] = field(default_factory=list)
    recorded: list[int] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)
    test_loss: list[float] = field(default_factory=list)
    test_accuracy: list[float] = field(default_factory=list)


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
        data = {"spec": str(self.model.spec), "loss": self.model.loss, **self.model.training}
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
