"""Pictures of a trained convolutional network: its learned kernels and its feature maps.

* :func:`plot_learned_kernels` draws every kernel of a trained model's conv layers;
* :func:`plot_feature_maps` draws one image and the feature maps each conv or pooling
  layer makes of it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from symnet.exceptions import SpecError

__all__ = ["plot_learned_kernels", "plot_feature_maps"]


def _save(figure, path: Path) -> Path:
    """Save a matplotlib figure to ``path`` (.png or .svg) atomically, then close it."""
    import matplotlib.pyplot as plt

    temporary = path.with_name(f".{path.name}.tmp{path.suffix}")
    try:
        figure.savefig(temporary, dpi=110)
        temporary.replace(path)
    finally:
        plt.close(figure)
        temporary.unlink(missing_ok=True)
    return path


def _figure(path, rows: int, cols: int, size: float):
    path = Path(path)
    if path.suffix.lower() not in (".png", ".svg"):
        raise SpecError(f"the picture file must end in .png or .svg; got {path.name!r}")
    import matplotlib

    matplotlib.use("Agg")  # NOTE: no display needed; chosen before pyplot is imported
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(
        rows, cols, figsize=(size * cols + 0.6, size * rows + 0.8), squeeze=False
    )
    for ax in axes.flat:
        ax.set_axis_off()
    return path, figure, axes


def _conv_model(model) -> None:
    if model.spec.is_dense:
        raise SpecError(
            f"{model.spec} has no conv layers; pictures of kernels and feature maps need an "
            "image spec such as 1x8x8-conv8@3x3:relu-maxpool2-10:softmax"
        )


def plot_learned_kernels(model, path: str | Path, max_columns: int = 8) -> Path:
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
    return _save(figure, path)


def plot_feature_maps(model, image, path: str | Path, max_maps: int = 8) -> Path:
    """Draw ``image`` and the maps each conv and pooling layer of ``model`` makes of it.

    ``image`` is one raw sample: C*H*W values or an array (C, H, W); it is standardised
    like the training inputs. One row per layer (the input first), at most ``max_maps``
    maps per row, each map on its own colour scale.
    """
    from symnet.codegen.conv import feature_maps

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
    return _save(figure, path)
