"""Pictures of training: the loss curves, and a convolutional network's kernels and maps.

* :func:`plot_history` draws the loss (and accuracy) curves of a training run;
* :func:`plot_learned_kernels` draws every kernel of a trained model's conv layers;
* :func:`plot_feature_maps` draws one image and the feature maps each conv or pooling
  layer makes of it;
* :func:`save_pictures` draws those asked for and records them in the run's result.

Every picture is a ``.png`` or ``.svg`` file written atomically
(:func:`symnet.files.save_figure`). matplotlib is imported only when a picture is drawn
(it is slow to import), with the Agg backend, so no display is needed.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from symnet.codegen.program import feature_maps
from symnet.exceptions import SpecError
from symnet.files import PICTURE_SUFFIXES, check_picture, save_figure
from symnet.training.modelfile import Model

if TYPE_CHECKING:
    from symnet.training.loop import TrainResult
    from symnet.training.results import History

__all__ = [
    "check_pictures",
    "plot_curves",
    "plot_history",
    "plot_learned_kernels",
    "plot_feature_maps",
    "save_pictures",
]

PLOT_SUFFIXES = PICTURE_SUFFIXES


def _pyplot():
    import matplotlib  # lazily: importing it costs a noticeable part of a second

    matplotlib.use("Agg")  # NOTE: no display needed; chosen before pyplot is imported
    import matplotlib.pyplot as plt  # lazily, after choosing the backend

    return plt


def _save(figure, path: Path, dpi: float | None = None) -> Path:
    """Save a matplotlib figure to ``path`` (.png or .svg) atomically, then close it."""
    try:
        return save_figure(figure, path, dpi=dpi)
    finally:
        _pyplot().close(figure)


def _figure(path: str | Path, rows: int, cols: int, size: float) -> tuple[Path, Any, Any]:
    path = check_picture(path)
    figure, axes = _pyplot().subplots(
        rows, cols, figsize=(size * cols + 0.6, size * rows + 0.8), squeeze=False
    )
    for ax in axes.flat:
        ax.set_axis_off()
    return path, figure, axes


def plot_history(result: TrainResult, path: str | Path) -> Path:
    """Draw the loss (and accuracy) curves to ``path`` (.png or .svg), written atomically."""
    model = result.model
    title = f"{model.spec} on {model.training.get('data', 'data')}"
    return plot_curves(result.history, str(model.loss), title, path)


def plot_curves(history: History, loss: str, title: str, path: str | Path) -> Path:
    """The curves of ``history`` (a run, or the one a model file recorded) under ``title``."""
    path = check_picture(path, "plot")
    accuracy = bool(history.accuracy)
    figure, axes = _pyplot().subplots(1, 2 if accuracy else 1, figsize=(10 if accuracy else 5.5, 4))
    axes = np.atleast_1d(axes)
    axes[0].plot(history.loss_x(), history.loss, label="train (during epoch)")
    if history.test_loss:
        axes[0].plot(history.recorded, history.test_loss, label="test")
    axes[0].set(xlabel="epoch", ylabel=f"{loss} loss", yscale="log", title="loss")
    axes[0].legend()
    if accuracy:
        axes[1].plot(history.recorded, history.accuracy, label="train")
        if history.test_accuracy:
            axes[1].plot(history.recorded, history.test_accuracy, label="test")
        axes[1].set(xlabel="epoch", ylabel="accuracy", title="accuracy")
        axes[1].legend()
    # NOTE: the data set's name may be a file's: drawn as text, never parsed as $math$
    figure.suptitle(title, parse_math=False)
    figure.tight_layout()
    return _save(figure, path)


def check_pictures(
    history: str | Path | None = None,
    kernels: str | Path | None = None,
    maps: str | Path | None = None,
) -> None:
    """Refuse, before training, a picture path :func:`save_pictures` could not write."""
    for what, path in (("plot", history), ("picture", kernels), ("picture", maps)):
        if path is not None:
            check_picture(path, what)


def save_pictures(
    result: TrainResult,
    sample,
    history: str | Path | None = None,
    kernels: str | Path | None = None,
    maps: str | Path | None = None,
) -> dict[str, Path]:
    """Draw the pictures asked for and record them in ``result.pictures``; returns that.

    ``history`` gets :func:`plot_history`, ``kernels`` :func:`plot_learned_kernels` and
    ``maps`` :func:`plot_feature_maps` of ``sample`` (one raw input, e.g. the data set's
    first row), under the keys of :data:`symnet.training.loop.PICTURE_CAPTIONS`.
    """
    if history is not None:
        result.pictures["plot"] = plot_history(result, history)
    if kernels is not None:
        result.pictures["plot_kernels"] = plot_learned_kernels(result.model, kernels)
    if maps is not None:
        result.pictures["plot_maps"] = plot_feature_maps(result.model, sample, maps)
    return result.pictures


def _conv_model(model: Model) -> None:
    if model.spec.is_dense:
        raise SpecError(
            f"{model.spec} has no conv layers; pictures of kernels and feature maps need an "
            "image spec such as 1x8x8-conv8@3x3:relu-maxpool2-10:softmax"
        )


def plot_learned_kernels(model: Model, path: str | Path, max_columns: int = 8) -> Path:
    """Draw every kernel of every conv layer of ``model`` (one small image per kernel and
    input channel) to ``path`` (.png or .svg), written atomically.

    NOTE: each layer's kernels share one colour scale, symmetric around 0 (blue negative,
    red positive), so the weights of different kernels can be compared.
    """
    _conv_model(model)
    params = dict(zip(model.parameter_names, model.params))
    layers = [(name, params[name]) for name in model.parameter_names if name.startswith("K")]
    rows = []  # (title, [(label, 2-D weights)])
    for name, kernels in layers:
        cells = [
            (f"k{k + 1}" + (f" c{c}" if kernels.shape[1] > 1 else ""), kernels[k, c])
            for k in range(kernels.shape[0])
            for c in range(kernels.shape[1])
        ]
        for start in range(0, len(cells), max_columns):
            rows.append((name, cells[start : start + max_columns], np.abs(kernels).max()))
    cols = max(len(cells) for _, cells, _ in rows)
    path, figure, axes = _figure(path, len(rows), cols, 1.3)
    for r, (name, cells, scale) in enumerate(rows):
        for c, (label, weights) in enumerate(cells):
            axes[r, c].imshow(weights, cmap="RdBu_r", vmin=-scale, vmax=scale)
            axes[r, c].set_title(f"{name} {label}", fontsize=8)
    figure.suptitle(f"learned kernels of {model.spec}", fontsize=10)
    return _save(figure, path, dpi=110)


def plot_feature_maps(model: Model, image, path: str | Path, max_maps: int = 8) -> Path:
    """Draw ``image`` and the maps each conv and pooling layer of ``model`` makes of it.

    ``image`` is one raw sample: C*H*W values or an array (C, H, W); it is standardised
    like the training inputs. One row per layer (the input first), at most ``max_maps``
    maps per row, each map on its own colour scale.
    """
    _conv_model(model)
    X = model.inputs(np.asarray(image, dtype=np.float64).reshape(1, -1))
    maps = feature_maps(model.spec, model.params, X)
    cols = min(max_maps, max(m.shape[1] for _, m in maps))
    path, figure, axes = _figure(path, len(maps), cols, 1.3)
    for row, (layer, values) in enumerate(maps):
        what = "input" if layer == 0 else f"layer {layer} {model.spec.layers[layer - 1]}"
        for c in range(min(cols, values.shape[1])):
            axes[row, c].imshow(values[0, c], cmap="gray" if layer == 0 else "viridis")
            title = what if layer == 0 else f"{what}: map 1" if c == 0 else f"map {c + 1}"
            axes[row, c].set_title(title, fontsize=8)
    shown = "" if cols == max(m.shape[1] for _, m in maps) else f" (first {cols} maps)"
    figure.suptitle(f"feature maps of one sample{shown}, {model.spec}", fontsize=10)
    return _save(figure, path, dpi=110)
