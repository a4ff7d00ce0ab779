"""Train a network on a data set with the layer-level code of :mod:`symnet.codegen.program`.

One call does the whole job: load and split the data (seeded), standardise the inputs
(fitted on the training part only), initialise the weights (He or Glorot, see
:func:`symnet.training.modelfile.initial_parameters`), run full-batch or mini-batch gradient descent
(sgd, momentum or adam) for a number of epochs, and record the loss and accuracy.

Training stops early, keeping the parameters of the last good epoch, when

- the loss or a parameter becomes NaN or infinite (``stopped == "diverged"``, with a message
  suggesting a smaller learning rate), or
- the user presses Ctrl-C (``stopped == "interrupted"``).

Either way the model asked for with ``output`` is still written (atomically).

>>> result = train("2-8:tanh-1:sigmoid", "xor", epochs=5, seed=0)
>>> result.epochs, result.stopped, len(result.history.loss)
(5, None, 5)
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from symnet.exceptions import DataError, ModelFileError, SpecError
from symnet.graph.losses import check_loss
from symnet.graph.spec import NetworkSpec, parse_spec
from symnet.training.data import Dataset, Standardizer, load_data, train_test_split
from symnet.training.modelfile import DTYPES, Model, initial_parameters, save_model
from symnet.training.optimizers import make_optimizer

__all__ = [
    "TRAINING_DEFAULTS",
    "History",
    "TrainResult",
    "default_training_loss",
    "evaluate",
    "plot_history",
    "targets",
    "train",
]

#: Per data set: optimizer, learning rate, epochs, batch size (None: the whole set).
TRAINING_DEFAULTS: dict[str, dict] = {
    "moons": {"optimizer": "adam", "lr": 0.01, "epochs": 500, "batch_size": None},
    "xor": {"optimizer": "adam", "lr": 0.01, "epochs": 1000, "batch_size": None},
    "circles": {"optimizer": "adam", "lr": 0.01, "epochs": 1000, "batch_size": None},
    "spirals": {"optimizer": "adam", "lr": 0.01, "epochs": 3000, "batch_size": None},
    "digits": {"optimizer": "adam", "lr": 0.002, "epochs": 30, "batch_size": 64},
}
GENERIC_DEFAULTS = {"optimizer": "adam", "lr": 0.01, "epochs": 1000, "batch_size": None}


def default_training_loss(spec: NetworkSpec) -> str:
    """bce for a 1:sigmoid output, ce for softmax, mse otherwise.

    >>> default_training_loss(parse_spec("2-4:relu-1:sigmoid"))
    'bce'
    """
    last = spec.layers[-1]
    if (last.width, last.activation) == (1, "sigmoid"):
        return "bce"
    return "ce" if last.activation == "softmax" else "mse"


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
    """What :func:`train` returns; ``seconds`` is the time spent in the training loop."""

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

    def summary(self) -> dict:
        """A JSON-ready dictionary of the figures."""
        keys = ("epochs", "seconds", "train_loss", "train_accuracy", "test_loss", "test_accuracy")
        data = {"spec": str(self.model.spec), "loss": self.model.loss, **self.model.training}
        data.update({key: getattr(self, key) for key in keys})
        data["epoch_seconds"] = self.seconds / self.epochs if self.epochs else None
        data.update(
            stopped=self.stopped,
            message=self.message,
            saved=str(self.saved) if self.saved else None,
        )
        return data


def _settings(data: Dataset, optimizer, lr, epochs, batch_size) -> dict:
    chosen = dict(TRAINING_DEFAULTS.get(data.name, GENERIC_DEFAULTS))
    for key, value in (
        ("optimizer", optimizer),
        ("lr", lr),
        ("epochs", epochs),
        ("batch_size", batch_size),
    ):
        if value is not None:
            chosen[key] = value
    if not isinstance(chosen["epochs"], int) or chosen["epochs"] < 1:
        raise SpecError(f"epochs must be a whole number >= 1; got {chosen['epochs']!r}")
    batch = chosen["batch_size"]
    if batch is not None and (not isinstance(batch, int) or batch < 1):
        raise SpecError(f"the batch size must be a whole number >= 1; got {batch!r}")
    return chosen


def train(
    spec: str | NetworkSpec,
    data: str | Path | Dataset,
    *,
    loss: str | None = None,
    optimizer: str | None = None,
    lr: float | None = None,
    epochs: int | None = None,
    batch_size: int | None = None,
    seed: int = 0,
    test_fraction: float = 0.2,
    dtype: str = "float64",
    output: str | Path | None = None,
    overwrite: bool = False,
    callback: Callable[[int, float], None] | None = None,
    threads: int | None = 1,
) -> TrainResult:
    """Train ``spec`` on ``data``: a data set name, a CSV path or a Dataset.

    Options left as None take the data set's defaults (:data:`TRAINING_DEFAULTS`); the loss
    defaults to :func:`default_training_loss`. ``callback(epoch, loss)`` runs after every
    epoch (the command line's progress bar). With ``output`` the model is saved there.
    The same ``seed`` gives the same generated data, split, initial weights, batches and result.

    ``threads`` caps the BLAS threads during the loop (through threadpoolctl, when it is
    installed; None leaves the default). NOTE: 1 by default: these matrices are too small
    to gain from more, and on a busy machine extra BLAS threads spin and cost 3-5x.
    """
    spec = parse_spec(spec)
    loss = loss or default_training_loss(spec)
    check_loss(spec, loss)
    if dtype not in DTYPES:
        raise SpecError(f"dtype must be one of {', '.join(DTYPES)}; got {dtype!r}")
    if output is not None and Path(output).exists() and not overwrite:
        raise ModelFileError(
            f"{output} already exists; pass --force (overwrite=True) to replace it"
        )
    if not isinstance(data, Dataset):
        task = (
            "regression"
            if loss == "mse" and spec.layers[-1].activation == "identity"
            else "classification"
        )
        data = load_data(data, task=task, seed=seed)
    if data.n_features != spec.n_inputs:
        # NOTE: an image spec reads each row as C*H*W pixels in (channel, row, column)
        # order; digits rows are 8x8 images, so 1x8x8 fits them.
        image = f" ({spec.image} images)" if spec.image else ""
        raise DataError(
            f"{data.name} has {data.n_features} features but the spec {spec} takes "
            f"{spec.n_inputs} inputs{image}"
        )
    settings = _settings(data, optimizer, lr, epochs, batch_size)
    train_set, test_set = train_test_split(data, test_fraction, seed)
    standardizer = _fit_scaling(spec, train_set.X)
    model = Model(
        spec, loss, initial_parameters(spec, seed, dtype), standardizer, data.task, data.classes
    )
    model.training = {
        "data": data.name,
        **settings,
        "seed": seed,
        "test_fraction": test_fraction,
        "dtype": dtype,
        "n_train": len(train_set),
        "n_test": len(test_set) if test_set else 0,
    }
    optimizer_object = make_optimizer(settings["optimizer"], settings["lr"], model.params)
    X = model.inputs(train_set.X)
    T = targets(spec, loss, train_set).astype(dtype)
    history = History()
    model.program  # noqa: B018 - generate and compile the code before the clock starts
    with _blas_threads(threads):
        start = time.perf_counter()
        completed, stopped, message = _loop(
            model, optimizer_object, X, T, settings, seed, history, train_set, test_set, callback
        )
        seconds = time.perf_counter() - start
    model.training["stopped"] = stopped
    train_loss, train_accuracy = evaluate(model, train_set)
    test_loss, test_accuracy = evaluate(model, test_set) if test_set else (None, None)
    result = TrainResult(
        model,
        history,
        completed,
        seconds,
        train_loss,
        train_accuracy,
        test_loss,
        test_accuracy,
        stopped,
        message,
    )
    if output is not None:
        result.saved = save_model(model, output, overwrite=overwrite)
    return result


def _fit_scaling(spec: NetworkSpec, X: np.ndarray) -> Standardizer:
    """The input standardisation, fitted on the training inputs ``X``.

    NOTE: a dense spec scales each feature on its own. An image spec scales each
    *channel*: one mean and one scale for all its pixels (repeated per pixel, so the
    model file keeps one value per input), so that a kernel sliding over the image meets
    the same scaling at every position.
    """
    if spec.image is None:
        return Standardizer.fit(X)
    channels = X.reshape(len(X), spec.image.channels, -1)
    mean, scale = channels.mean(axis=(0, 2)), channels.std(axis=(0, 2))
    scale = np.where(scale > 0, scale, 1.0)
    pixels = spec.image.height * spec.image.width
    return Standardizer(np.repeat(mean, pixels), np.repeat(scale, pixels))


def _blas_threads(threads: int | None):
    """A context that caps the BLAS thread pools (a no-op without threadpoolctl)."""
    if threads is None:
        return contextlib.nullcontext()
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(limits=threads, user_api="blas")


def _loop(model, optimizer, X, T, settings, seed, history, train_set, test_set, callback):
    """The epochs; returns (completed epochs, stopped, message)."""
    params, step = model.params, model.program._step
    n, epochs, batch = len(X), settings["epochs"], settings["batch_size"]
    full = batch is None or batch >= n
    rng = np.random.default_rng([seed, 1])  # NOTE: its own stream: batches never shift the init
    good = [p.copy() for p in params]  # the parameters after the last good epoch
    record_every = max(1, epochs // 100)  # at most ~100 points on the curves
    epoch = 0
    try:
        with np.errstate(all="ignore"):  # NaN/inf are detected below, not raised mid-step
            for epoch in range(1, epochs + 1):
                if full:
                    batches = ((X, T),)
                else:
                    order = rng.permutation(n)
                    Xs, Ts = X[order], T[order]
                    batches = [(Xs[i : i + batch], Ts[i : i + batch]) for i in range(0, n, batch)]
                total = 0.0
                for Xb, Tb in batches:
                    loss, grads = step(Xb, Tb, *params)
                    total += float(loss) * len(Xb)
                    optimizer.update(params, grads)
                epoch_loss = total / n
                if not math.isfinite(epoch_loss) or not all(np.isfinite(p).all() for p in params):
                    for p, g in zip(params, good):
                        np.copyto(p, g)
                    lr = settings["lr"]
                    return (
                        epoch - 1,
                        "diverged",
                        (
                            f"training stopped at epoch {epoch}: the loss became {epoch_loss} "
                            f"(try a smaller learning rate, e.g. --lr {lr / 10:g}); "
                            f"kept the parameters of epoch {epoch - 1}"
                        ),
                    )
                for p, g in zip(params, good):
                    np.copyto(g, p)
                history.loss.append(epoch_loss)
                if epoch % record_every == 0 or epoch == epochs:
                    _record(model, history, epoch, train_set, test_set)
                if callback is not None:
                    callback(epoch, epoch_loss)
    except KeyboardInterrupt:
        for p, g in zip(params, good):
            np.copyto(p, g)
        done = len(history.loss)
        return (
            done,
            "interrupted",
            f"interrupted at epoch {epoch}; kept the parameters of epoch {done}",
        )
    return epochs, None, ""


def _record(model, history, epoch, train_set, test_set):
    if train_set.task != "classification" and test_set is None:
        return
    history.recorded.append(epoch)
    if train_set.task == "classification":
        history.accuracy.append(evaluate(model, train_set)[1])
    if test_set is not None:
        test_loss, test_accuracy = evaluate(model, test_set)
        history.test_loss.append(test_loss)
        if test_accuracy is not None:
            history.test_accuracy.append(test_accuracy)


def plot_history(result: TrainResult, path: str | Path) -> Path:
    """Draw the loss (and accuracy) curves to ``path`` (.png or .svg), written atomically."""
    path = Path(path)
    if path.suffix.lower() not in (".png", ".svg"):
        raise SpecError(f"the plot file must end in .png or .svg; got {path.name!r}")
    import matplotlib

    matplotlib.use("Agg")  # NOTE: no display needed; chosen before pyplot is imported
    import matplotlib.pyplot as plt

    history = result.history
    accuracy = bool(history.accuracy)
    figure, axes = plt.subplots(1, 2 if accuracy else 1, figsize=(10 if accuracy else 5.5, 4))
    axes = np.atleast_1d(axes)
    axes[0].plot(range(1, len(history.loss) + 1), history.loss, label="train (during epoch)")
    if history.test_loss:
        axes[0].plot(history.recorded, history.test_loss, label="test")
    axes[0].set(xlabel="epoch", ylabel=f"{result.model.loss} loss", yscale="log", title="loss")
    axes[0].legend()
    if accuracy:
        axes[1].plot(history.recorded, history.accuracy, label="train")
        if history.test_accuracy:
            axes[1].plot(history.recorded, history.test_accuracy, label="test")
        axes[1].set(xlabel="epoch", ylabel="accuracy", title="accuracy")
        axes[1].legend()
    figure.suptitle(f"{result.model.spec} on {result.model.training.get('data', 'data')}")
    figure.tight_layout()
    temporary = path.with_name(f".{path.name}.tmp{path.suffix}")
    try:
        figure.savefig(temporary)
        temporary.replace(path)
    finally:
        plt.close(figure)
        temporary.unlink(missing_ok=True)
    return path
