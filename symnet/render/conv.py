"""The convolutional-layer diagram: input -> K kernels -> K feature maps, one window shown.

The notes draw a convolutional layer as one image feeding Kernel 1, Kernel 2, ...,
Kernel K, each making its own feature map. This view draws exactly that, as DOT text:

* the input image as a grid of pixel symbols ``p_{r,c}`` (or its numbers), with the
  zero padding shaded and the window under the kernel for one output pixel highlighted;
* each kernel as a grid of its numbers (exact, ``1/9``);
* each feature map as a grid with that output pixel highlighted;
* a note with that pixel written as its dot product (for the first kernel).

Large images are cropped around the window (the heading gives the full size). Every
label goes through :func:`symnet.render.dot.html_text`; nothing the user gives becomes markup.

Counting: nodes = 2 K + 2 (input, kernels, maps, the note); edges = 2 K + 1.

:func:`spec_kernels` picks what the view draws for the first conv layer of a spec: the
notes' kernels when the layer has up to three 3x3 kernels, else seeded random numbers.

>>> source = conv_layer_dot(["outline", "blur"], (5, 5), (1, 2))
>>> source.count(" -> "), "1/9" in source, "p<SUB>1,2</SUB>" in source
(5, True, True)
>>> chosen = spec_kernels("1x5x5-conv2@3x3+same:relu-2", seed=0)
>>> chosen.kernels, chosen.image_shape, chosen.padding
(['outline', 'blur'], (5, 5), 'same')
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from symnet.conv.dot_product import dot_product
from symnet.conv.filters import output_shape, pad_widths
from symnet.conv.kernels import Kernel, kernel_from_array, resolve_kernel
from symnet.exceptions import SpecError
from symnet.graph.spec import ConvSpec, NetworkSpec, parse_spec
from symnet.render.dot import DotGraph, Html, html_text, subscripted
from symnet.render.graphviz_io import Diagram
from symnet.seeds import random_generator

__all__ = [
    "conv_layer_dot",
    "conv_layer_diagram",
    "conv_view",
    "spec_kernels",
    "LayerKernels",
    "MAX_KERNELS",
    "MAX_GRID",
]

#: The most kernels one diagram draws.
MAX_KERNELS = 8
#: Grids larger than this per side are cropped around the window.
MAX_GRID = 9
FONT = "DejaVu Sans,Helvetica,Arial,sans-serif"
MONO = "DejaVu Sans Mono,Courier,monospace"
_INDEXED = re.compile(r"([A-Za-z])_\{(-?\d+),(-?\d+)\}")
WINDOW, OUTPUT, PADDING, PLAIN = "#ffd966", "#f4a259", "#e6e6e6", "#ffffff"


def _kernels(kernels) -> list[Kernel]:
    if isinstance(kernels, np.ndarray) and kernels.ndim == 3:
        kernels = [kernel_from_array(k, f"kernel {n + 1}") for n, k in enumerate(kernels)]
    if isinstance(kernels, str | Kernel) or (isinstance(kernels, np.ndarray) and kernels.ndim == 2):
        kernels = [kernels]
    kernels = [resolve_kernel(k) for k in kernels]
    if not 1 <= len(kernels) <= MAX_KERNELS:
        raise SpecError(f"draw 1 to {MAX_KERNELS} kernels; got {len(kernels)}")
    if len({k.shape for k in kernels}) > 1:
        raise SpecError("every kernel of one layer must have the same shape")
    return kernels


def _span(first: int, count: int, low: int, high: int) -> range:
    """At most MAX_GRID indices in [low, high) that include first .. first + count - 1."""
    size = min(high - low, max(MAX_GRID, count))
    start = min(max(low, first + count // 2 - size // 2), high - size)
    return range(max(start, low), max(start, low) + size)


def _table(rows, heading: str, note: str = "", cell: int = 0) -> Html:
    """An HTML-like table: a heading row, then cells (text, colour); text is escaped.

    ``cell``: a fixed cell size in points (0: fit the text)."""
    size = f' WIDTH="{cell}" HEIGHT="{cell}" FIXEDSIZE="TRUE"' if cell else ""
    width = max(len(row) for row in rows)
    head = f'<TR><TD COLSPAN="{width}" BORDER="0"><B>{html_text(heading)}</B></TD></TR>'
    body = "".join(
        "<TR>"
        + "".join(f'<TD BGCOLOR="{colour}"{size}>{_escaped(text)}</TD>' for text, colour in row)
        + "</TR>"
        for row in rows
    )
    small = f'<FONT POINT-SIZE="10">{html_text(note)}</FONT>'
    foot = f'<TR><TD COLSPAN="{width}" BORDER="0">{small}</TD></TR>'
    table = '<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="4">'
    return Html(table + head + body + (foot if note else "") + "</TABLE>")


def _subscripts(text: Html) -> Html:
    """``p_{0,2}`` in escaped text -> p with a subscript (only digits are moved)."""
    return Html(_INDEXED.sub(r"\1<SUB>\2,\3</SUB>", text))


def _escaped(text: str | Html) -> Html:
    return text if isinstance(text, Html) else html_text(text)


def _cell(image, r: int, c: int) -> str | Html:
    if image is None:
        return subscripted("p", f"{r},{c}")
    value = float(image[r, c])
    return str(int(value)) if value.is_integer() else f"{value:.3g}"


def _input_table(shape, product, kernel_shape, padding, mode, image) -> Html:
    (top, bottom), (left, right) = pad_widths(kernel_shape, padding, mode)
    (r0, c0), (kh, kw) = product.origin, kernel_shape
    rows = _span(r0, kh, -top, shape[0] + bottom)
    cols = _span(c0, kw, -left, shape[1] + right)
    grid = []
    for r in rows:
        row = []
        for c in cols:
            inside = 0 <= r < shape[0] and 0 <= c < shape[1]
            under = r0 <= r < r0 + kh and c0 <= c < c0 + kw
            text = _cell(image, r, c) if inside else "0"
            row.append((text, WINDOW if under else PLAIN if inside else PADDING))
        grid.append(row)
    cropped = len(rows) < shape[0] + top + bottom or len(cols) < shape[1] + left + right
    note = f"rows {rows[0]}..{rows[-1]}, columns {cols[0]}..{cols[-1]}" if cropped else ""
    if top or bottom or left or right:
        note = (note + "; " if note else "") + f"grey: zero padding ({padding})"
    return _table(grid, f"input {shape[0]}x{shape[1]}", note)


def _map_table(shape, position, heading: str) -> Html:
    rows, cols = _span(position[0], 1, 0, shape[0]), _span(position[1], 1, 0, shape[1])
    grid = [
        [
            (
                "y" if (r, c) == tuple(position) else "",
                OUTPUT if (r, c) == tuple(position) else PLAIN,
            )
            for c in cols
        ]
        for r in rows
    ]
    return _table(grid, heading, f"{shape[0]}x{shape[1]}, pixel ({position[0]},{position[1]})", 18)


def _kernel_table(kernel: Kernel, k: int) -> Html:
    kh, kw = kernel.shape
    heading = f"kernel {k}: {kernel.name}"
    if max(kh, kw) > MAX_GRID:
        return _table([[(f"{kh}x{kw} weights", PLAIN)]], heading)
    return _table([[(str(w), PLAIN) for w in row] for row in kernel.matrix.tolist()], heading)


def _graph(kernels, image_shape, position, padding, stride, mode, image, title) -> DotGraph:
    kernels = _kernels(kernels)
    if image is not None:
        image = np.asarray(image)
        image_shape = image.shape[:2]
    shape = tuple(int(n) for n in image_shape)
    if len(shape) != 2 or min(shape) < 1 or max(shape) > 100_000:
        raise SpecError(f"image shape must be two sizes from 1 to 100000; got {image_shape!r}")
    out = output_shape(shape, kernels[0].shape, padding, stride, mode)
    products = [dot_product(k, position, shape, padding, stride, mode) for k in kernels]
    what = "correlation" if mode == "correlate" else "convolution (kernels flipped)"
    about = f"{len(kernels)} kernels, {what}, padding {padding}, stride {stride}"
    heading = title or f"convolutional layer: {about}"
    graph = DotGraph(
        {
            "rankdir": "LR",
            "fontname": FONT,
            "label": html_text(heading),
            "labelloc": "t",
            "nodesep": 0.3,
            "ranksep": 0.9,
        },
        node_defaults={"fontname": FONT, "fontsize": 11, "shape": "plain"},
        edge_defaults={"fontname": FONT, "fontsize": 11, "arrowsize": 0.7},
    )
    graph.node("n0", _input_table(shape, products[0], kernels[0].shape, padding, mode, image))
    for k, kernel in enumerate(kernels, start=1):
        graph.node(f"n{k}", _kernel_table(kernel, k))
        graph.node(f"n{len(kernels) + k}", _map_table(out, position, f"feature map {k}"))
        graph.edge("n0", f"n{k}", label=html_text("slide") if k == 1 else None)
        graph.edge(f"n{k}", f"n{len(kernels) + k}")
    lines = [f"kernel 1 at output pixel ({position[0]},{position[1]}):", products[0].text(image)]
    # Left-aligned lines (a trailing break aligns the last one too).
    escaped = _subscripts(html_text("\n".join(lines))) + Html("<BR/>")
    note = Html(escaped.replace("<BR/>", '<BR ALIGN="LEFT"/>'))
    graph.node("dot", note, shape="note", style="filled", fillcolor="#fff8dc", fontname=MONO)
    graph.edge(f"n{len(kernels) + 1}", "dot", style="dashed", arrowhead="none")
    return graph


def conv_layer_dot(
    kernels,
    image_shape=(6, 6),
    position=(0, 0),
    padding: str = "valid",
    stride: int = 1,
    mode: str = "correlate",
    image=None,
    title=None,
) -> str:
    """DOT text of a convolutional layer with one output pixel's window highlighted.

    Parameters
    ----------
    kernels : list of (Kernel, name, literal or 2-D array), or an array (K, kh, kw)
    image_shape : (int, int)
        (H, W) of the input (ignored when ``image`` is given).
    position : (int, int)
        The output pixel (i, j) whose window is drawn.
    padding, stride, mode
        As in :func:`symnet.conv.filters.filter_image`.
    image : array (H, W), optional
        Draw the image's numbers instead of pixel symbols.
    title : str, optional
        Drawn literally.
    """
    return _graph(kernels, image_shape, position, padding, stride, mode, image, title).source()


def conv_layer_diagram(
    kernels,
    image_shape=(6, 6),
    position=(0, 0),
    padding="valid",
    stride=1,
    mode="correlate",
    image=None,
    title=None,
):
    """:func:`conv_layer_dot` as a :class:`symnet.render.graphviz_io.Diagram` (view ``conv``)."""
    graph = _graph(kernels, image_shape, position, padding, stride, mode, image, title)
    return Diagram(graph.source(), "conv", graph.node_count, graph.edge_count)


@dataclass(frozen=True)
class LayerKernels:
    """What to draw for one conv layer: its kernels (names or Kernels) and geometry."""

    kernels: Sequence[str | Kernel]
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
        raise SpecError(f"{spec} has no conv layer; draw kernels with kernels=[...] instead")
    index, shape, layer = found[0]
    count = min(layer.kernels, MAX_KERNELS)
    kernels: Sequence[str | Kernel]
    if layer.kernel_shape == (3, 3) and layer.kernels <= 3:
        kernels = ["outline", "blur", "sharpen"][:count]
    else:
        rng = random_generator(seed)
        weights = rng.integers(-2, 3, size=(count, *layer.kernel_shape))
        kernels = [kernel_from_array(k, "random") for k in weights]
    parts = [f"{spec}: layer {index} {layer}"]
    if shape[0] > 1:
        parts.append(f"input channel 0 of {shape[0]}")
    if layer.kernels > count:
        parts.append(f"kernels 1..{count} of {layer.kernels}")
    image_shape = (shape[1], shape[2])  # the (C, H, W) input of a conv layer
    return LayerKernels(kernels, image_shape, layer.padding, layer.stride, "; ".join(parts))


#: The conv view's geometry when no spec gives it.
DEFAULTS = {"image_shape": (6, 6), "padding": "valid", "stride": 1, "mode": "correlate"}


def conv_view(
    spec: str | NetworkSpec | None = None,
    *,
    kernels=(),
    image_shape: tuple[int, int] | None = None,
    position: tuple[int, int] = (0, 0),
    padding: str | None = None,
    stride: int | None = None,
    mode: str | None = None,
    seed: int = 0,
    title: str | None = None,
) -> Diagram:
    """The conv view: the notes' kernels (or ``kernels``), or the first conv layer of ``spec``.

    Without a spec the diagram shows ``kernels`` (default: outline, blur, sharpen) on an
    image of ``image_shape`` with the given geometry. With a conv spec its first conv layer
    gives the kernels and the geometry (see :func:`spec_kernels`), so those options must be
    left out. ``Diagram.settings`` records the geometry drawn.

    >>> conv_view(kernels=["sharpen"], image_shape=(5, 5)).settings["image_shape"]
    (5, 5)
    """
    given = {"image_shape": image_shape, "padding": padding, "stride": stride, "mode": mode}
    if spec is None:
        settings = {**DEFAULTS, **{k: v for k, v in given.items() if v is not None}}
        drawn = list(kernels) or ["outline", "blur", "sharpen"]
        geometry = (settings["padding"], settings["stride"], settings["mode"])
        diagram = conv_layer_diagram(
            drawn, settings["image_shape"], position, *geometry, title=title
        )
    else:
        for name, value in {"kernels": kernels or None, **given}.items():
            if value is not None:
                raise SpecError(f"{name}= comes from the spec in the conv view; leave it out")
        chosen = spec_kernels(spec, seed)
        settings = {
            "image_shape": chosen.image_shape,
            "padding": chosen.padding,
            "stride": chosen.stride,
            "mode": "correlate",
        }
        diagram = conv_layer_diagram(
            chosen.kernels,
            chosen.image_shape,
            position,
            chosen.padding,
            chosen.stride,
            "correlate",
            title=title or chosen.title,
        )
    diagram.settings = settings
    return diagram
