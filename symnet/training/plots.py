"""Pictures of convolutional layers: a spec's layer for the diagram, learned kernels, maps.

* :func:`spec_kernels` picks what ``symnet render --view conv SPEC`` draws for the first
  conv layer of a spec: the notes' kernels when the layer has up to three 3x3 kernels,
  else seeded random numbers;
* :func:`plot_learned_kernels` draws every kernel of a trained model's conv layers;
* :func:`plot_feature_maps` draws one image and the feature maps each conv or pooling
  layer makes of it.

>>> chosen = spec_kernels("1x5x5-conv2@3x3+same:relu-2", seed=0)
>>> chosen.kernels, chosen.image_shape, chosen.padding
(['outline', 'blur'], (5, 5), 'same')
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from symnet.conv.kernels import Kernel, kernel_from_array
from symnet.exceptions import SpecError
from symnet.graph.spec import ConvSpec, NetworkSpec, parse_spec

__all__ = ["LayerKernels", "spec_kernels", "plot_learned_kernels", "plot_feature_maps"]

#: The most kernels one diagram draws (symnet.render.conv.MAX_KERNELS).
DIAGRAM_KERNELS = 8


@dataclass(frozen=True)
class LayerKernels:
    """What to draw for one conv layer: its kernels (names or Kernels) and geometry."""

    kernels: list[str | Kernel]
    image_shape: tuple[int, int]
    padding: str
    stride: int
    title: str


def spec_kernels(spec: str | NetworkSpec, seed: int = 0) -> LayerKernels:
    """Kernels and geometry of the first conv layer of ``spec``, for the conv diagram.

    NOTE: a layer of up to three 3x3 kernels is drawn with the notes' outline, blur and
    sharpen kernels; any other layer with random whole weights from -2 to 2 drawn from
    ``seed`` (whole numbers keep the grids and the dot product readable). Only input
    channel 0 and the first 8 kernels are drawn; the title says so.
    """
    spec = parse_spec(spec)
    found = [
        (index, shape, layer)
        for index, (shape, layer) in enumerate(zip(spec.shapes, spec.layers), start=1)
        if isinstance(layer, ConvSpec)
    ]
    if not found:
        raise SpecError(f"{spec} has no conv layer; draw kernels with --kernel instead")
    index, shape, layer = found[0]
    count = min(layer.kernels, DIAGRAM_KERNELS)
    if layer.kernel_shape == (3, 3) and layer.kernels <= 3:
        kernels = ["outline", "blur", "sharpen"][:count]
    else:
        rng = np.random.default_rng(seed)
        weights = rng.integers(-2, 3, size=(count, *layer.kernel_shape))
        kernels = [kernel_from_array(k, "random") for k in weights]
    parts = [f"{spec}: layer {index} {layer}"]
    if shape[0] > 1:
        parts.append(f"input channel 0 of {shape[0]}")
    if layer.kernels > count:
        parts.append(f"kernels 1..{count} of {layer.kernels}")
    return LayerKernels(kernels, tuple(shape[1:]), layer.padding, layer.stride, "; ".join(parts))


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
