"""Layer-level code for image specs: conv, pooling and flatten layers in the generated step.

:mod:`symnet.codegen.program` prints each dense layer's batch rule as a line of generated NumPy;
this module adds the lines of the image layers, so that
:func:`symnet.codegen.program.compile_layers`
(and ``symnet train``) handles specs such as ``1x8x8-conv8@3x3:relu-maxpool2-10:softmax``.
Image arrays keep one sample per *first* axis, (N, C, H, W); dense layers keep samples as
columns, as in :mod:`symnet.codegen.program`. Flattening (explicit, or implied before the first
dense layer) is a reshape and a transpose, both views.

============ ================================= ============================================
layer        forward                           backward (``Delta`` = dL/d(layer's sum))
============ ================================= ============================================
conv l       ``Z = conv2d(A, K) + b``          ``dK = kernel_gradient(A, Delta)``: the input
                                               correlated with Delta; ``db`` = sum of Delta;
                                               ``Delta_prev = input_gradient(Delta, K) * f'``
maxpool n    ``A = maxpool(A_prev, n)``        Delta to the first largest entry of each
                                               window (:func:`maxpool_backward`)
avgpool n    ``A = avgpool(A_prev, n)``        Delta / n^2 to every entry of each window
flatten      ``A = A_prev.reshape(N, -1).T``   the same reshape backwards
============ ================================= ============================================

The conv rules are the ones :mod:`symnet.codegen.conv_rules` derives from the scalar graph with
``sympy.diff``; the tests check every generated gradient against that scalar graph.

>>> from symnet.codegen.program import compile_layers
>>> program = compile_layers("1x4x4-conv2@3x3:relu-maxpool2-3:softmax", "ce")
>>> print("\\n".join(program.source.splitlines()[2:6]))
    A0 = X.reshape(X.shape[0], 1, 4, 4)
    Z1 = conv2d(A0, K1, 'valid', 1) + b1[:, None, None]
    A1 = ReLU(Z1)
    A2 = maxpool(A1, 2)
"""

from __future__ import annotations

import functools

import numpy as np
import sympy as sp

from symnet.graph.spec import ConvSpec, DenseSpec, NetworkSpec, PoolSpec

__all__ = [
    "feature_maps",
    "image_lines",
    "image_namespace",
    "maxpool",
    "maxpool_backward",
    "avgpool",
    "avgpool_backward",
]


def _windows(A: np.ndarray, n: int) -> np.ndarray:
    """(N, C, R, Q, n*n): the entries of each n x n window in row-major order (a copy)."""
    N, C, H, W = A.shape
    R, Q = H // n, W // n
    blocks = A[:, :, : R * n, : Q * n].reshape(N, C, R, n, Q, n)
    return blocks.transpose(0, 1, 2, 4, 3, 5).reshape(N, C, R, Q, n * n)


def _unwindows(values: np.ndarray, shape: tuple[int, ...], n: int) -> np.ndarray:
    """Inverse of :func:`_windows`, zeros in the rows and columns no window covers."""
    N, C, R, Q = values.shape[:4]
    out = np.zeros(shape, dtype=values.dtype)
    blocks = values.reshape(N, C, R, Q, n, n).transpose(0, 1, 2, 4, 3, 5)
    out[:, :, : R * n, : Q * n] = blocks.reshape(N, C, R * n, Q * n)
    return out


def maxpool(A: np.ndarray, n: int) -> np.ndarray:
    """The largest entry of each n x n window (stride n); A is (N, C, H, W).

    >>> maxpool(np.arange(16.0).reshape(1, 1, 4, 4), 2)[0, 0]
    array([[ 5.,  7.],
           [13., 15.]])
    """
    N, C, H, W = A.shape
    R, Q = H // n, W // n
    return A[:, :, : R * n, : Q * n].reshape(N, C, R, n, Q, n).max(axis=(3, 5))


def maxpool_backward(Delta: np.ndarray, A: np.ndarray, n: int) -> np.ndarray:
    """dL/dA of :func:`maxpool`: each window's Delta goes to its largest entry, 0 elsewhere.

    NOTE: when several entries of a window tie for the largest, the first in row-major
    order takes the whole gradient, like :class:`symnet.graph.image.is_argmax` and
    ``numpy.argmax``; a tie has probability zero for real-valued inputs.
    """
    windows = _windows(A, n)
    mask = np.zeros(windows.shape, dtype=Delta.dtype)
    np.put_along_axis(mask, windows.argmax(axis=-1)[..., None], 1, axis=-1)
    return _unwindows(mask * Delta[..., None], A.shape, n)


def avgpool(A: np.ndarray, n: int) -> np.ndarray:
    """The mean of each n x n window (stride n); A is (N, C, H, W)."""
    return _windows(A, n).mean(axis=-1)


def avgpool_backward(Delta: np.ndarray, shape: tuple[int, ...], n: int) -> np.ndarray:
    """dL/dA of :func:`avgpool`: each window's Delta / n^2 to every one of its entries."""
    spread = np.broadcast_to((Delta / (n * n))[..., None], (*Delta.shape, n * n))
    return _unwindows(np.ascontiguousarray(spread), tuple(shape), n)


def image_namespace() -> dict:
    """The functions the image lines call, for the generated code's namespace."""
    from symnet.conv.filters import conv2d, input_gradient, kernel_gradient

    return {
        "conv2d": conv2d,
        "kernel_gradient": kernel_gradient,
        "input_gradient": input_gradient,
        "maxpool": maxpool,
        "maxpool_backward": maxpool_backward,
        "avgpool": avgpool,
        "avgpool_backward": avgpool_backward,
    }


def _forward(spec: NetworkSpec, printer) -> tuple[list[str], list[str], list[str], list[str]]:
    """(forward lines, output names, sum names, input names) of every layer (index 0: input)."""
    from symnet.codegen.program import BATCH_RULES, _renamed, activation_lines

    C, H, W = spec.image.shape
    lines = [f"A0 = X.reshape(X.shape[0], {C}, {H}, {W})"]
    outputs, sums, inputs = ["A0"], [""], [""]
    count = len(spec.layers)
    for l, layer in enumerate(spec.layers, start=1):
        below = outputs[-1]
        if isinstance(layer, DenseSpec) and len(spec.shapes[l - 1]) == 3:
            lines.append(f"V = {below}.reshape({below}.shape[0], -1).T")  # implied flatten
            below = "V"
        inputs.append(below)
        Z, A = f"Z{l}", "Y" if l == count else f"A{l}"
        if isinstance(layer, DenseSpec):
            rule = _renamed(BATCH_RULES["Z"], A=below, W=f"W{l}", b=f"b{l}")
            lines.append(f"{Z} = {printer.doprint(rule)}")
        elif isinstance(layer, ConvSpec):
            conv = f"conv2d({below}, K{l}, {layer.padding!r}, {layer.stride})"
            lines.append(f"{Z} = {conv} + b{l}[:, None, None]")
        elif isinstance(layer, PoolSpec):
            Z = A
            lines.append(f"{A} = {layer.kind}pool({below}, {layer.size})")
        else:
            Z = A
            lines.append(f"{A} = {below}.reshape({below}.shape[0], -1).T")
        if Z != A:
            A = activation_lines(lines, A, Z, layer.activation, printer)
        outputs.append(A)
        sums.append(Z)
    return lines, outputs, sums, inputs


def _gradient_in(layer, l: int, x: str, below: str, printer) -> str:
    """dL/d(input of layer l) as an expression, before the factor f' of the layer below.

    ``x`` is the array layer l reads, ``below`` the output of layer l - 1 (they differ
    only across an implied flatten, ``x = "V"``).
    """
    from symnet.codegen.program import _W, _Delta, _renamed

    if isinstance(layer, DenseSpec):
        text = printer.doprint(_renamed(_W.T * _Delta, Delta=f"Delta{l}", W=f"W{l}"))
        return f"({text}).T.reshape({below}.shape)" if x == "V" else text
    if isinstance(layer, ConvSpec):
        return f"input_gradient(Delta{l}, K{l}, {x}.shape[2:], {layer.padding!r}, {layer.stride})"
    if isinstance(layer, PoolSpec):
        if layer.kind == "max":
            return f"maxpool_backward(Delta{l}, {x}, {layer.size})"
        return f"avgpool_backward(Delta{l}, {x}.shape, {layer.size})"
    return f"Delta{l}.T.reshape({x}.shape)"


def image_lines(spec: NetworkSpec, loss: str) -> tuple[list[str], list[str], list[str]]:
    """(forward lines, the same before the loss, loss-and-backward lines) of an image spec.

    The same three lists as :func:`symnet.codegen.program._lines` makes for a dense spec.
    """
    from symnet.codegen.program import (
        BATCH_RULES,
        LayerPrinter,
        _loss_line,
        _output_delta_rule,
        _renamed,
        derivative_in_output,
    )

    printer = LayerPrinter()
    forward, outputs, sums, inputs = _forward(spec, printer)
    count, last = len(spec.layers), spec.layers[-1]
    before_loss = list(forward)
    if last.activation == "softmax" and loss == "ce":  # the loss needs logsumexp(Z) too
        before_loss[-1] = f"Y, LSE = softmax_logsumexp_columns({sums[-1]})"
    backward = ["T = T.T", _loss_line(loss, last.activation, last.width, printer, sums[-1])]
    rule, pattern = _output_delta_rule(loss, last.activation, sums[-1])
    printer.elementwise = {"G": pattern}
    backward.append(f"Delta{count} = {printer.doprint(_renamed(rule, Y='Y', T='T'))}")
    learns = [isinstance(layer, DenseSpec | ConvSpec) for layer in spec.layers]
    for l in range(count, 0, -1):
        layer, x = spec.layers[l - 1], inputs[l]
        if isinstance(layer, DenseSpec):
            names = {"Delta": f"Delta{l}", "A": x, "W": f"W{l}"}
            backward.append(f"dW{l} = {printer.doprint(_renamed(BATCH_RULES['dW'], **names))}")
            backward.append(f"db{l} = {printer.doprint(_renamed(BATCH_RULES['db'], **names))}")
        elif isinstance(layer, ConvSpec):
            shape, pad = layer.kernel_shape, layer.padding
            gradient = f"kernel_gradient({x}, Delta{l}, {shape}, {pad!r}, {layer.stride})"
            backward.append(f"dK{l} = {gradient}")
            backward.append(f"db{l} = Delta{l}.sum(axis=(0, 2, 3))")
        if not any(learns[: l - 1]):
            continue  # nothing below learns: no delta to pass down
        gradient = _gradient_in(layer, l, x, outputs[l - 1], printer)
        below = spec.layers[l - 2]
        fprime = derivative_in_output(below.activation).xreplace(
            {sp.Symbol("a"): sp.Symbol(outputs[l - 1]), sp.Symbol("z"): sp.Symbol(sums[l - 1])}
        )
        if fprime == 1:
            backward.append(f"Delta{l - 1} = {gradient}")
        else:
            backward.append(f"Delta{l - 1} = ({gradient}) * ({printer.doprint(fprime)})")
    return forward, before_loss, backward


@functools.lru_cache(maxsize=16)
def _maps_function(spec: NetworkSpec):
    from symnet.codegen.program import LayerPrinter, _namespace

    lines, outputs, _, _ = _forward(spec, LayerPrinter())
    image = [l for l, shape in enumerate(spec.shapes) if len(shape) == 3]
    names = ", ".join(name for name, _ in spec.parameter_shapes())
    last = outputs[max(image)]
    end = max(n for n, line in enumerate(lines) if line.startswith(f"{last} = "))
    body = "\n    ".join(lines[: end + 1])
    returned = ", ".join(outputs[l] for l in image)
    source = f"def maps(X, {names}):\n    {body}\n    return [{returned}]\n"
    namespace = {**_namespace(), **image_namespace()}
    # NOTE: our own generated lines (the forward lines of the training step), run once.
    exec(compile(source, f"<symnet.codegen.conv maps {spec}>", "exec"), namespace)
    return image, namespace["maps"]


def feature_maps(spec: NetworkSpec, params, X) -> list[tuple[int, np.ndarray]]:
    """(layer index, maps (N, C, H, W)) for the input (index 0) and every image layer.

    Runs the forward lines of the generated training step up to the last image layer,
    on standardised inputs ``X`` (N, C*H*W).
    """
    image, maps = _maps_function(spec)
    return list(zip(image, maps(np.asarray(X), *params)))
