"""The report section on a short training run, with its loss (and accuracy) curves.

:func:`training_section` trains the spec with :func:`symnet.training.loop.train` (the
layer-level code generated from the derived matrix rules) and shows the curves. The data:
the reader's ``data``, else ``moons`` for two inputs, ``digits`` for 64 inputs and 10
outputs, ``sin`` for one input and a linear output, else a generated *slab* with the
spec's input width (:func:`slab_dataset`).

>>> data = slab_dataset(3, classes=2, n_samples=8)
>>> data.X.shape, data.task, data.classes
((8, 3), 'classification', (0.0, 1.0))
"""

from __future__ import annotations

import numpy as np

from symnet.exceptions import DataError, SpecError
from symnet.graph.losses import default_loss, task_of
from symnet.graph.spec import NetworkSpec
from symnet.report.document import Block, Code, Figure, Note, Paragraph
from symnet.report.sections.common import ReportInput
from symnet.seeds import random_generator
from symnet.training.data import Dataset
from symnet.training.loop import TrainResult, train
from symnet.training.plots import plot_curves, plot_history
from symnet.training.results import History

__all__ = ["REPORT_EPOCHS", "REPORT_TRAINING_WORK", "slab_dataset", "training_section"]

#: Epochs of the report's short run: full-batch sets, and mini-batch digits.
REPORT_EPOCHS = {"full": 1000, "digits": 5}
#: Most multiply-adds (samples x parameters x epochs) of the short run: about a second.
REPORT_TRAINING_WORK = 2 * 10**9


def slab_dataset(
    n_features: int, classes: int = 2, outputs: int = 0, n_samples: int = 600, seed: int = 0
) -> Dataset:
    """Points uniform in [-1, 1]^n labelled by s = (x1 + ... + xn) / sqrt(n).

    Two classes: 1 inside the slab |s| < median |s| (two parallel planes: not linearly
    separable, and learnable by two hidden units). More classes: the quantile band of s.
    With ``outputs`` > 0, a regression set instead: ``y_j = sin(2 s + j)``.
    """
    rng = random_generator(seed)
    X = rng.uniform(-1.0, 1.0, size=(n_samples, n_features))
    s = X.sum(axis=1) / np.sqrt(n_features)
    name = f"slab{n_features}"
    if outputs:
        y = np.sin(2 * s[:, None] + np.arange(outputs)[None, :])
        return Dataset(name, X, y, "regression")
    if classes == 2:
        y = (np.abs(s) < np.median(np.abs(s))).astype(np.int64)
    else:
        edges = np.quantile(s, np.linspace(0, 1, classes + 1)[1:-1])
        y = np.searchsorted(edges, s).astype(np.int64)
    return Dataset(name, X, y, "classification", tuple(float(k) for k in range(classes)))


def _choose_data(
    spec: NetworkSpec, loss: str, data: str | Dataset | None, seed: int
) -> tuple[str | Dataset, str]:
    """(data set name or Dataset, a description) for the report's training run."""
    last = spec.output_layer
    if isinstance(data, Dataset):
        return data, f"the data set {data.name}"
    if data is not None:
        return data, f"the data set {data}"
    if not spec.is_dense:
        if spec.n_inputs == 64 and last.width == 10:
            return "digits", "scikit-learn's 8x8 digits"
        # NOTE: shown in the report's prose, which names the command line's flags.
        raise DataError(
            f"no built-in image data set fits {spec} (digits is 1x8x8 with 10 classes); "
            "give one with --data FILE.csv"
        )
    if spec.n_inputs == 2:
        return "moons", "moons (two interleaving half circles, noise 0.1)"
    if spec.n_inputs == 64 and last.width == 10:
        return "digits", "scikit-learn's 8x8 digits"
    regression = task_of(spec, loss) == "regression"
    if spec.n_inputs == 1 and regression and last.width == 1:
        return "sin", "y = sin(x) + noise on [−π, π]"
    classes = 2 if last.width == 1 else last.width
    slab = slab_dataset(spec.n_inputs, classes, last.width if regression else 0, seed=seed)
    what = (
        "y_j = sin(2s + j)"
        if regression
        else "class 1 inside the slab |s| < median"
        if classes == 2
        else f"{classes} classes by the quantile band of s"
    )
    return slab, (
        f"a generated set with {spec.n_inputs} features: points uniform in [−1, 1]^"
        f"{spec.n_inputs}, s = (x1 + … + xn)/√n, {what}"
    )


def training_section(inp: ReportInput) -> list[Block]:
    """A short training run of the spec with its loss (and accuracy) curves."""
    if inp.trained is not None:
        return _trained(inp)
    loss = inp.loss or default_loss(inp.spec, training=True)
    try:
        data, described = _choose_data(inp.spec, loss, inp.data, inp.seed)
    except DataError as error:
        return [Note(f"No training run: {error}")]
    epochs = REPORT_EPOCHS["digits" if data == "digits" else "full"]
    samples = len(data) if isinstance(data, Dataset) else 1000
    # NOTE: a wide network trains fewer epochs, so the run stays short (at least 20).
    epochs = max(
        20, min(epochs, REPORT_TRAINING_WORK // (samples * inp.spec.parameter_count(True)))
    )
    try:
        result = train(inp.spec, data, loss=loss, epochs=epochs, seed=inp.seed)
    except (DataError, SpecError) as error:
        return [Note(f"No training run: {error}")]
    if result.stopped == "interrupted":  # the loop keeps Ctrl-C for `train`; a report stops
        raise KeyboardInterrupt
    path = plot_history(result, inp.scratch / "training.png")
    settings = result.model.training
    batch = settings["batch_size"] or "the whole training set"
    stopped = f" {result.message}." if result.stopped else ""
    return [
        Paragraph(
            [
                "A short run with the layer-level code generated from the derived matrix rules: ",
                Code(str(inp.spec)),
                f" on {described} ({settings['n_train']} training and "
                f"{settings['n_test']} test samples, inputs standardised), {loss} loss, "
                f"{settings['optimizer']} with learning rate {settings['lr']:g}, batches of "
                f"{batch}, {result.epochs} epochs in {result.seconds:.2f} s: {_scores(result)}."
                f"{stopped}",
            ]
        ),
        Figure("training", f"Loss (and accuracy) of {inp.spec} per epoch.", png=path.read_bytes()),
    ]


def _trained(inp: ReportInput) -> list[Block]:
    """A trained model's own run, as its file records it (no new run is made)."""
    t = inp.trained or {}
    shown = ("data", "optimizer", "lr", "epochs", "batch_size", "seed", "n_train", "n_test")
    settings = ", ".join(f"{key} {t[key]}" for key in shown if t.get(key) is not None)
    blocks: list[Block] = [
        Paragraph(
            [
                "The model was trained by symnet train: ",
                Code(str(inp.spec)),
                f", {inp.loss} loss; {settings or 'no settings recorded'}.",
            ]
        )
    ]
    history = History.from_record(t.get("history"))
    if history is None:  # a file written before files kept their curves, or an import
        blocks.append(Note("The model file holds no per-epoch history, so no curve is drawn."))
        return blocks
    title = f"{inp.spec} on {t.get('data', 'data')}"
    path = plot_curves(history, str(inp.loss), title, inp.scratch / "training.png")
    caption = f"Loss (and accuracy) of the trained {inp.spec} per epoch, as its file recorded."
    blocks.append(Figure("training", caption, png=path.read_bytes()))
    return blocks


def _scores(result: TrainResult) -> str:
    """The final losses and accuracies, on the training and the test set."""
    scores = f"training loss {result.train_loss:.4g}"
    if result.train_accuracy is not None:
        scores += f", accuracy {result.train_accuracy:.1%}"
    if result.test_loss is not None:
        scores += f"; test loss {result.test_loss:.4g}"
    if result.test_accuracy is not None:
        scores += f", accuracy {result.test_accuracy:.1%}"
    return scores
