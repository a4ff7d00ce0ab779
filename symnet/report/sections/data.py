"""Report sections on real numbers: a short training run, and kernels on a photo.

* :func:`training_section` -- trains the spec with :func:`symnet.training.loop.train` (the
  layer-level code generated from the derived matrix rules) and shows the curves. The data:
  the reader's ``--data``, else ``moons`` for two inputs, ``digits`` for 64 inputs and 10
  outputs, ``sin`` for one input and a linear output, else a generated *slab* with the
  spec's input width (:func:`slab_dataset`);
* :func:`convolution_section` -- the notes' three kernels on the sample photo, and one
  output pixel written as the dot product of the kernel with the patch under it;
* :func:`conv_layer_section` -- for a conv spec, the backward rules of its conv and
  pooling layers, derived by :mod:`symnet.codegen.conv_rules`.

>>> data = slab_dataset(3, classes=2, n_samples=8)
>>> data.X.shape, data.task, data.classes
((8, 3), 'classification', (0.0, 1.0))
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from symnet.exceptions import DataError, SpecError
from symnet.graph.spec import NetworkSpec
from symnet.report.document import Code, Equations, Figure, Note, Paragraph, Preformatted
from symnet.report.latex import MathContext, Numbers
from symnet.report.sections.network import ReportInput
from symnet.training.data import Dataset

__all__ = [
    "REPORT_EPOCHS",
    "REPORT_TRAINING_WORK",
    "conv_layer_section",
    "convolution_section",
    "slab_dataset",
    "training_section",
]

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
    rng = np.random.default_rng(seed)
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


def _choose_data(spec: NetworkSpec, loss: str, data: str | None, seed: int):
    """(data set name or Dataset, a description) for the report's training run."""
    last = spec.layers[-1]
    if data is not None:
        return data, f"the data set {data}"
    if not getattr(spec, "is_dense", True):
        if spec.n_inputs == 64 and last.width == 10:
            return "digits", "scikit-learn's 8x8 digits"
        raise DataError(
            f"no built-in image data set fits {spec} (digits is 1x8x8 with 10 classes); "
            "give one with --data FILE.csv"
        )
    if spec.n_inputs == 2:
        return "moons", "moons (two interleaving half circles, noise 0.1)"
    if spec.n_inputs == 64 and last.width == 10:
        return "digits", "scikit-learn's 8x8 digits"
    regression = loss == "mse" and last.activation == "identity"
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


def training_section(inp: ReportInput) -> list:
    """A short training run of the spec with its loss (and accuracy) curves."""
    from symnet.training.loop import default_training_loss, plot_history, train

    loss = inp.loss or default_training_loss(inp.spec)
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
    path = plot_history(result, inp.scratch / "training.png")
    settings = result.model.training
    batch = settings["batch_size"] or "the whole training set"
    scores = f"training loss {result.train_loss:.4g}"
    if result.train_accuracy is not None:
        scores += f", accuracy {result.train_accuracy:.1%}"
    if result.test_loss is not None:
        scores += f"; test loss {result.test_loss:.4g}"
    if result.test_accuracy is not None:
        scores += f", accuracy {result.test_accuracy:.1%}"
    stopped = f" {result.message}." if result.stopped else ""
    return [
        Paragraph(
            [
                "A short run with the layer-level code generated from the derived matrix rules: ",
                Code(str(inp.spec)),
                f" on {described} ({settings['n_train']} training and "
                f"{settings['n_test']} test samples, inputs standardised), {loss} loss, "
                f"{settings['optimizer']} with learning rate {settings['lr']:g}, batches of "
                f"{batch}, {result.epochs} epochs in {result.seconds:.2f} s: {scores}.{stopped}",
            ]
        ),
        Figure("training", f"Loss (and accuracy) of {inp.spec} per epoch.", png=path.read_bytes()),
    ]


def _strongest_pixel(response: np.ndarray, margin: int = 40) -> tuple[int, int]:
    """Where the outline kernel answers most strongly, away from the border."""
    inner = response[margin:-margin, margin:-margin]
    row, col = np.unravel_index(int(np.argmax(inner)), inner.shape)
    return int(row) + margin, int(col) + margin


def convolution_section(inp: ReportInput) -> list:
    """The notes' outline, blur and sharpen kernels on the sample photo, one pixel's sum."""
    from symnet.conv.dot_product import dot_product
    from symnet.conv.filters import filter_image
    from symnet.conv.images import load_image, side_by_side
    from symnet.conv.kernels import KERNELS, NOTES_KERNELS

    photo = load_image(grayscale=True)
    kernels = [KERNELS[name] for name in NOTES_KERNELS]
    filtered = [filter_image(photo, kernel, padding="same") for kernel in kernels]
    row, col = _strongest_pixel(filtered[0])
    top, left = max(row - 60, 0), max(col - 90, 0)
    zoom = (top, top + 120, left, left + 180)
    path = inp.scratch / "kernels.png"
    panels = [("original", photo)] + [(k.name, f) for k, f in zip(kernels, filtered)]
    side_by_side(
        panels, path, captions=["grayscale"] + [k.name for k in kernels], zoom=zoom, mark=(row, col)
    )
    product = dot_product(kernels[0], (row, col), photo.shape, padding="same")
    symbol = sp.Symbol(f"y_{{{row},{col}}}")
    return _kernel_blocks(kernels, path, (row, col)) + [
        Equations(_dot_product_rows(product, photo, symbol), MathContext()),
        Paragraph(
            [
                "A convolutional layer slides several kernels like these over its input and ",
                Code("symnet learn-kernel"),
                " shows that gradient descent finds a "
                "kernel from examples, as a CNN learns the best kernels to use.",
            ]
        ),
    ]


def _dot_product_rows(product, photo: np.ndarray, symbol: sp.Symbol) -> list:
    """The sum one kernel row per line: with pixel symbols, then with the photo's values."""
    width = product.weights.cols
    weights, pixels = list(product.weights), list(product.window)
    values = [int(v) for v in product.values(photo)]
    rows, numbers = [], []
    for start in range(0, len(weights), width):
        part = range(start, start + width)
        row: list = [symbol, "="] if start == 0 else []
        for i in part:  # term by term, in kernel order, each sign written as the operator
            term = weights[i] * pixels[i]
            negative = term.could_extract_minus_sign()
            if row and row[-1] != "=":
                row += ["−" if negative else "+", -term if negative else term]
            else:
                row.append(term)
        rows.append(row)
        text = " + ".join(f"({weights[i]})({values[i]})" for i in part)
        numbers.append(["=", Numbers(text)] if start == 0 else ["+", Numbers(text)])
    total = sum(w * sp.Integer(v) for w, v in zip(weights, values))
    return rows + numbers + [["=", total]]


def _kernel_blocks(kernels, path, pixel: tuple[int, int]) -> list:
    rows = [[sp.Symbol(k.name), "=", sp.ImmutableMatrix(k.matrix)] for k in kernels]
    names = {k.name: f"K_{{{k.name}}}" for k in kernels}
    return [
        Paragraph(
            [
                "Convolutional networks filter images with kernels. The notes' three: "
                "outline (edges), blur (the mean of the 3x3 patch) and sharpen:"
            ]
        ),
        Equations(rows, MathContext(names=names)),
        Figure(
            "kernels",
            "The sample photo (grayscale) filtered with each kernel; the second "
            "row enlarges the marked region.",
            png=path.read_bytes(),
        ),
        Paragraph(
            [
                "Each pixel of the new image is the dot product of the kernel with the "
                "patch of the image under it (cross-correlation, zero padding 'same'). "
                f"The marked output pixel {pixel} of the outline image, with the photo's "
                "pixels p and then their values:"
            ]
        ),
    ]


def conv_layer_section(inp: ReportInput) -> list:
    """The backward rules of the spec's conv and pooling layers, derived by sympy.diff."""
    from symnet.codegen.conv_rules import derive_conv_rule, derive_pool_rule

    if inp.dense:
        return [Note(f"The conv layer's gradient is shown for conv specs; {inp.spec} is dense.")]
    lines = []
    for shape, layer in zip(inp.spec.shapes, inp.spec.layers):
        kind = type(layer).__name__
        if kind == "ConvSpec":
            kh, kw = layer.kernel_shape
            image = (kh + layer.stride, kw + layer.stride)  # the smallest with 2x2 outputs
            rule = derive_conv_rule(shape[0], image, 1, (kh, kw), layer.stride, layer.padding)
        elif kind == "PoolSpec":
            rule = derive_pool_rule(layer.kind, layer.size)
        else:
            continue
        lines.append(str(rule))
    return [
        Paragraph(
            [
                "A conv layer's weights are shared: one kernel weight meets every window, so its "
                "gradient sums over the output pixels. The rules of each layer of ",
                Code(str(inp.spec)),
                ", derived by sympy.diff on a small scalar instance and checked entry by entry "
                "(the correlation of the input with the deltas; pooling sends each delta back to "
                "the window it came from):",
            ]
        ),
        Preformatted("\n\n".join(lines)),
    ]
