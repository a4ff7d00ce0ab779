"""The generated lines of image layers: conv, pooling and flatten layers in the training step.

:mod:`symnet.codegen.dense` prints each dense layer's batch rule as a line of generated NumPy;
this module writes the lines of the image layers beside them, so that
:func:`symnet.codegen.program.compile_layers` (and ``symnet train``) handles specs such as
``1x8x8-conv8@3x3:relu-maxpool2-10:softmax``. Image arrays keep one sample per *first*
axis, (N, C, H, W); dense layers keep samples as columns, as in :mod:`symnet.codegen.dense`.
Flattening (explicit, or implied before the first dense layer) is a reshape and a
transpose, both views. The lines call the functions of :mod:`symnet.codegen.runtime`.

============ ================================= ============================================
layer        forward                           backward (``Delta`` = dL/d(layer's sum))
============ ================================= ============================================
conv l       ``Z = conv2d(A, K) + b``          ``dK = kernel_gradient(A, Delta)``: the input
                                               correlated with Delta; ``db`` = sum of Delta;
                                               ``Delta_prev = input_gradient(Delta, K) * f'``
maxpool n    ``A = maxpool(A_prev, n)``        Delta to the first largest entry of each
                                               window (``runtime.maxpool_backward``)
avgpool n    ``A = avgpool(A_prev, n)``        Delta / n^2 to every entry of each window
flatten      ``A = A_prev.reshape(N, -1).T``   the same reshape backwards
============ ================================= ============================================

The conv rules are the ones :mod:`symnet.codegen.conv_rules` derives from the scalar graph with
``sympy.diff``; the tests check every generated gradient against that scalar graph.

>>> from symnet.graph.spec import parse_spec
>>> forward, _, _ = image_lines(parse_spec("1x4x4-conv2@3x3:relu-maxpool2-3:softmax"), "ce")
>>> print("\\n".join(forward[:4]))
A0 = X.reshape(X.shape[0], 1, 4, 4)
Z1 = conv2d(A0, K1, 'valid', 1) + b1[:, None, None]
A1 = ReLU(Z1)
A2 = maxpool(A1, 2)
"""

from __future__ import annotations

from symnet.codegen.dense import activation_lines, dense_gradient_lines, output_lines
from symnet.codegen.printer import LayerPrinter
from symnet.codegen.rules import BATCH_RULES, derivative_in_output, renamed
from symnet.exceptions import SpecError
from symnet.graph.spec import ConvSpec, DenseSpec, LayerSpec, NetworkSpec, PoolSpec

__all__ = ["image_forward_lines", "image_lines"]


def image_forward_lines(
    spec: NetworkSpec, printer: LayerPrinter
) -> tuple[list[str], list[str], list[str], list[str]]:
    """(forward lines, output names, sum names, input names) of every layer (index 0: input).

    A layer's input name differs from the output below it only across an implied flatten
    (``V``); a pooling or flatten layer's sum is its output (it has no sum of its own).
    """
    if spec.image is None:
        raise SpecError(
            f"image layer code needs an image input such as '1x8x8-conv4@3x3-10'; {spec} has none"
        )
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
            rule = renamed(BATCH_RULES["Z"], A=below, W=f"W{l}", b=f"b{l}")
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


def _gradient_in(layer: LayerSpec, l: int, x: str, below: str, printer: LayerPrinter) -> str:
    """dL/d(input of layer l) as an expression, before the factor f' of the layer below.

    ``x`` is the array layer l reads, ``below`` the output of layer l - 1 (they differ
    only across an implied flatten, ``x = "V"``).
    """
    if isinstance(layer, DenseSpec):
        text = printer.doprint(renamed(BATCH_RULES["dA"], Delta=f"Delta{l}", W=f"W{l}"))
        return f"({text}).T.reshape({below}.shape)" if x == "V" else text
    if isinstance(layer, ConvSpec):
        return f"input_gradient(Delta{l}, K{l}, {x}.shape[2:], {layer.padding!r}, {layer.stride})"
    if isinstance(layer, PoolSpec):
        if layer.kind == "max":
            return f"maxpool_backward(Delta{l}, {x}, {layer.size})"
        return f"avgpool_backward(Delta{l}, {x}.shape, {layer.size})"
    return f"Delta{l}.T.reshape({x}.shape)"


def _parameter_gradient_lines(layer: LayerSpec, l: int, x: str, printer: LayerPrinter) -> list[str]:
    """dL/d(the parameters of layer l), which reads ``x``; none for pooling and flatten."""
    if isinstance(layer, DenseSpec):
        return dense_gradient_lines(l, x, printer)
    if isinstance(layer, ConvSpec):
        shape, pad = layer.kernel_shape, layer.padding
        return [
            f"dK{l} = kernel_gradient({x}, Delta{l}, {shape}, {pad!r}, {layer.stride})",
            f"db{l} = Delta{l}.sum(axis=(0, 2, 3))",
        ]
    return []


def image_lines(spec: NetworkSpec, loss: str) -> tuple[list[str], list[str], list[str]]:
    """(forward lines, the same before the loss, loss-and-backward lines) of an image spec.

    The same three lists as :func:`symnet.codegen.dense.dense_lines` makes for a dense spec,
    ending with the same loss and output-delta lines.
    """
    printer = LayerPrinter()
    forward, outputs, sums, inputs = image_forward_lines(spec, printer)
    before_loss, backward = output_lines(spec, loss, forward, sums[-1], printer)
    learns = [isinstance(layer, DenseSpec | ConvSpec) for layer in spec.layers]
    for l in range(len(spec.layers), 0, -1):
        layer, x = spec.layers[l - 1], inputs[l]
        backward += _parameter_gradient_lines(layer, l, x, printer)
        if not any(learns[: l - 1]):
            continue  # nothing below learns: no delta to pass down
        gradient = _gradient_in(layer, l, x, outputs[l - 1], printer)
        below = spec.layers[l - 2].activation
        fprime = derivative_in_output(below, a=outputs[l - 1], z=sums[l - 1])
        if fprime == 1:
            backward.append(f"Delta{l - 1} = {gradient}")
        else:
            backward.append(f"Delta{l - 1} = ({gradient}) * ({printer.doprint(fprime)})")
    return forward, before_loss, backward
