"""Train a network on a data set with the layer-level code of :mod:`symnet.codegen.program`.

One call does the whole job: load and split the data (seeded), standardise the inputs
(fitted on the training part only), initialise the weights (He or Glorot, see
:func:`symnet.training.modelfile.initial_parameters`), run full-batch or mini-batch gradient descent
(sgd, momentum or adam) for a number of epochs, and record the loss and accuracy
(:func:`symnet.training.evaluation.evaluate`). :func:`prepare_training` makes the checks
and picks the defaults that come before any work; the pictures of a run are drawn by
:mod:`symnet.training.plots`.

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
from pathlib import Path
from typing import Any

import numpy as np

from symnet.exceptions import DataError, SpecError
from symnet.graph.guards import check_training
from symnet.graph.losses import check_loss, default_loss, task_of
from symnet.graph.spec import NetworkSpec, parse_spec
from symnet.seeds import check_seed, random_generator
from symnet.training.data import Dataset, Standardizer, load_data, train_test_split
from symnet.training.evaluation import evaluate, score, targets
from symnet.training.modelfile import (
    DTYPES,
    Model,
    initial_parameters,
    refuse_to_replace,
    save_model,
)
from symnet.training.optimizers import OPTIMIZERS, make_optimizer
from symnet.training.results import PICTURE_CAPTIONS, SCORE_KEYS, History, TrainResult

__all__ = [
    "GENERIC_DEFAULTS",
    "MAX_EPOCHS",
    "MAX_LR",
    "PICTURE_CAPTIONS",
    "TRAINING_DEFAULTS",
    "History",
    "TrainResult",
    "check_training_options",
    "prepare_training",
    "train",
    "training_settings",
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
#: The most epochs one run may ask for (a run can be stopped early with Ctrl-C).
MAX_EPOCHS = 1_000_000
#: The largest learning rate accepted: far above any that converges, yet finite.
MAX_LR = 1e6


def training_settings(
    data: Dataset,
    optimizer: str | None = None,
    lr: float | None = None,
    epochs: int | None = None,
    batch_size: int | None = None,
) -> dict:
    """The optimizer, lr, epochs and batch size for ``data``: those given, else its defaults.

    >>> training_settings(load_data("moons"), lr=0.1)
    {'optimizer': 'adam', 'lr': 0.1, 'epochs': 500, 'batch_size': None}
    """
    chosen = dict(TRAINING_DEFAULTS.get(data.name, GENERIC_DEFAULTS))
    for key, value in (
        ("optimizer", optimizer),
        ("lr", lr),
        ("epochs", epochs),
        ("batch_size", batch_size),
    ):
        if value is not None:
            chosen[key] = value
    return check_training_options(**chosen)


def check_training_options(
    optimizer: str | None = None,
    lr: float | None = None,
    epochs: int | None = None,
    batch_size: int | None = None,
) -> dict:
    """Refuse bad training options (those given) before any work; returns them as a dict.

    >>> check_training_options(epochs=10**12)
    Traceback (most recent call last):
    ...
    symnet.exceptions.SpecError: epochs must be a whole number from 1 to 1000000; got 1000000000000
    """
    if optimizer is not None and optimizer not in OPTIMIZERS:
        allowed = ", ".join(repr(n) for n in OPTIMIZERS)
        raise SpecError(f"optimizer must be one of {allowed}; got {optimizer!r}")
    if lr is not None and (
        isinstance(lr, bool) or not isinstance(lr, int | float) or not 0 < lr <= MAX_LR
    ):  # NOTE: NaN fails every comparison, so it is refused too
        raise SpecError(
            f"lr={lr!r} is not allowed: the learning rate is above 0 and at most {MAX_LR:g}"
        )
    for name, value, limit in (("epochs", epochs, MAX_EPOCHS), ("batch_size", batch_size, None)):
        whole = isinstance(value, int) and not isinstance(value, bool)
        if value is not None and not (whole and 1 <= value <= (limit or value)):
            allowed = f"from 1 to {limit}" if limit else ">= 1"
            raise SpecError(f"{name} must be a whole number {allowed}; got {value!r}")
    return {"optimizer": optimizer, "lr": lr, "epochs": epochs, "batch_size": batch_size}


def prepare_training(
    spec: str | NetworkSpec,
    data: str | Path | Dataset,
    *,
    loss: str | None = None,
    dtype: str = "float64",
    n_samples: int | None = None,
    seed: int = 0,
    output: str | Path | None = None,
    overwrite: bool = False,
    csv_options: dict[str, Any] | None = None,
) -> tuple[NetworkSpec, str, Dataset]:
    """The spec, the loss and the data set :func:`train` uses, checked before any work.

    The loss defaults to :func:`~symnet.graph.losses.default_loss` (``training=True``); a
    data set name or CSV path is loaded (``n_samples``, ``seed``) for the task the spec and
    loss imply (:func:`~symnet.graph.losses.task_of`); ``csv_options`` say how a CSV file
    is read (``target``, ``drop``, ``header``, ``drop_missing``: see
    :func:`~symnet.training.csvfile.load_csv`). An existing ``output`` is refused unless
    ``overwrite``, and a network whose training code or arrays would be too large
    (:func:`symnet.graph.guards.check_training`) before the data is read.

    >>> spec, loss, data = prepare_training("1-8:tanh-1", "sin")
    >>> loss, data.task, len(data)
    ('mse', 'regression', 200)
    """
    spec = parse_spec(spec)
    check_seed(seed)
    loss = loss or default_loss(spec, training=True)
    check_loss(spec, loss)
    if dtype not in DTYPES:
        raise SpecError(f"dtype must be one of {', '.join(DTYPES)}; got {dtype!r}")
    check_training(spec, 1, dtype)  # the code and one sample's arrays, before any data is read
    if output is not None:
        refuse_to_replace(output, overwrite)
    if not isinstance(data, Dataset):
        task = task_of(spec, loss)
        data = load_data(data, task=task, n_samples=n_samples, seed=seed, csv_options=csv_options)
    return spec, loss, data


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
    split_seed: int | None = None,
    test_fraction: float = 0.2,
    dtype: str = "float64",
    output: str | Path | None = None,
    overwrite: bool = False,
    callback: Callable[[int, float], None] | None = None,
    threads: int | None = 1,
    csv_options: dict[str, Any] | None = None,
) -> TrainResult:
    """Train ``spec`` on ``data``: a data set name, a CSV path or a Dataset.

    Options left as None take the data set's defaults (:data:`TRAINING_DEFAULTS`); the loss
    defaults to :func:`~symnet.graph.losses.default_loss` (``training=True``).
    ``callback(epoch, loss)`` runs after every epoch (the command line's progress bar).
    With ``output`` the model is saved there. The same ``seed`` gives the same generated
    data, initial weights, batches and result; ``split_seed`` (default: ``seed``) draws
    the train/test split, stratified for classification (each class keeps its share of
    the test part within one sample). A CSV file is read with ``csv_options``
    (:func:`prepare_training`).

    ``threads`` caps the BLAS threads during the loop (through threadpoolctl, when it is
    installed; None leaves the default). NOTE: 1 by default: these matrices are too small
    to gain from more, and on a busy machine extra BLAS threads spin and cost 3-5x.
    """
    check_training_options(optimizer, lr, epochs, batch_size)  # before any work
    spec, loss, data = prepare_training(
        spec,
        data,
        loss=loss,
        dtype=dtype,
        seed=seed,
        output=output,
        overwrite=overwrite,
        csv_options=csv_options,
    )
    split_seed = check_seed(seed if split_seed is None else split_seed, "split_seed")
    _check_features(spec, data)
    settings = training_settings(data, optimizer, lr, epochs, batch_size)
    train_set, test_set = train_test_split(data, test_fraction, split_seed)
    check_training(spec, len(train_set), dtype)  # every sample's arrays (scores are full batch)
    model = Model(
        spec,
        loss,
        initial_parameters(spec, seed, dtype),
        _fit_scaling(spec, train_set.X),
        data.task,
        data.classes,
    )
    model.training = {
        "data": data.name,
        **settings,
        "seed": seed,
        "split_seed": split_seed,
        "test_fraction": test_fraction,
        "dtype": dtype,
        "n_train": len(train_set),
        "n_test": len(test_set) if test_set else 0,
        "data_sha256": data.fingerprint(),
        "csv": data.csv,
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
    model.training.update(stopped=stopped, history=history.to_record())  # curves for a report
    parts = {"train": score(model, train_set), "test": test_set and score(model, test_set)}
    figures: dict[str, Any] = {
        f"{part}_{key}": getattr(found, key, None)
        for part, found in parts.items()
        for key in SCORE_KEYS
    }
    result = TrainResult(
        model, history, completed, seconds, stopped=stopped, message=message, **figures
    )
    if output is not None:
        result.saved = save_model(model, output, overwrite=overwrite)
    return result


def _check_features(spec: NetworkSpec, data: Dataset) -> None:
    if data.n_features != spec.n_inputs:
        # NOTE: an image spec reads each row as C*H*W pixels in (channel, row, column)
        # order; digits rows are 8x8 images, so 1x8x8 fits them.
        image = f" ({spec.image} images)" if spec.image else ""
        raise DataError(
            f"{data.name} has {data.n_features} features but the spec {spec} takes "
            f"{spec.n_inputs} inputs{image}"
        )


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
        from threadpoolctl import threadpool_limits  # optional: see the docstring
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(limits=threads, user_api="blas")


def _loop(model, optimizer, X, T, settings, seed, history, train_set, test_set, callback):
    """The epochs; returns (completed epochs, stopped, message)."""
    params, program = model.params, model.program
    n, epochs, batch = len(X), settings["epochs"], settings["batch_size"]
    full = batch is None or batch >= n
    rng = random_generator(seed, stream=1)  # NOTE: its own stream: batches never shift the init
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
                    loss, grads = program.step(Xb, Tb, params)
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
                            f"(try a smaller learning rate, e.g. lr={lr / 10:g}); "
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
