"""The generated lines of dense layers, and the loss and output-delta lines every spec ends with.

Each line is one batch rule of :data:`~symnet.codegen.rules.BATCH_RULES`, renamed to the
layer's arrays (``A0`` the inputs, ``Z{l}`` and ``A{l}`` layer l's sums and outputs, ``Y``
the outputs, ``Delta{l}`` = dL/dZ{l}) and printed by :class:`~symnet.codegen.printer.LayerPrinter`.
Samples are columns. :mod:`symnet.codegen.conv` writes the image layers' lines beside these
and ends with the same :func:`output_lines`.

>>> from symnet.graph.spec import parse_spec
>>> forward, before_loss, backward = dense_lines(parse_spec("2-3:tanh-1"), "mse")
>>> print("\\n".join(forward))
A0 = X.T
Z1 = W1 @ A0 + b1[:, None]
A1 = tanh(Z1)
Z2 = W2 @ A1 + b2[:, None]
Y = Z2
>>> print("\\n".join(backward))
T = T.T
loss = (((1/2)*(Z2 - T)**2).sum()) / N
Delta2 = (Y - T) / N
dW2 = Delta2 @ A1.T
db2 = Delta2.sum(axis=1)
Delta1 = (W2.T @ Delta2) * (1 - A1**2)
dW1 = Delta1 @ A0.T
db1 = Delta1.sum(axis=1)
"""

from __future__ import annotations

import sympy as sp

from symnet.codegen.printer import LayerPrinter
from symnet.codegen.rules import (
    BATCH_RULES,
    definition_of,
    derivative_in_output,
    output_delta_rule,
    renamed,
)
from symnet.exceptions import SpecError
from symnet.graph.activations import get_activation
from symnet.graph.build import build_network
from symnet.graph.losses import add_loss, logsumexp, per_output_loss
from symnet.graph.spec import NetworkSpec

__all__ = [
    "activation_lines",
    "dense_gradient_lines",
    "dense_lines",
    "loss_line",
    "output_lines",
]


def activation_lines(
    lines: list[str], A: str, Z: str, activation: str, printer: LayerPrinter
) -> str:
    """Append the line computing output ``A`` of a layer from its sum ``Z``; returns the output.

    The elementwise function is printed from the activation table; softmax uses the shared
    column softmax. A linear hidden layer needs no line: its output is its sum ``Z``.
    """
    if activation == "softmax":
        lines.append(f"{A} = softmax_columns({Z})")
    elif activation != "identity":
        value = get_activation(activation).apply(sp.Symbol(Z))
        lines.append(f"{A} = {printer.doprint(value)}")
    elif A == "Y":
        lines.append(f"Y = {Z}")
    else:
        return Z
    return A


def loss_line(loss: str, activation: str, width: int, printer: LayerPrinter, Z: str) -> str:
    """``loss = ...``: the per-sample loss of add_loss, vectorised over units and samples.

    The pattern is read off a template of at most 2 output units (it is the same for each).

    >>> loss_line("bce", "sigmoid", 1, LayerPrinter(), "Z2")
    'loss = ((softplus(Z2) - T*Z2).sum()) / N'
    """
    per_output = per_output_loss(loss)
    if per_output is not None and loss != "mse":  # mae, huber, a formula: sum_k l(y_k, t_k)
        y, t = sp.symbols("y t")
        pattern = per_output.xreplace({y: sp.Symbol("Y"), t: sp.Symbol("T")})
        return f"loss = (({printer.doprint(pattern)}).sum()) / N"
    width = min(width, 2)
    net = add_loss(build_network(f"1-{width}:{activation}", bias=True), loss)
    last = net.layers[-1]
    rename = {
        sp.Symbol(n): sp.Symbol(a)
        for names, a in ((last.units, "Y"), (last.sums, Z), (net.targets, "T"))
        for n in names
    }
    patterns: dict[sp.Expr, int] = {}
    parts = []
    for term in sp.Add.make_args(definition_of(net, net.loss_node)):
        if isinstance(term, logsumexp):  # a reduction over the layer's logits
            parts.append("LSE.sum()")  # computed with the softmax in the forward lines
            continue
        pattern = term.xreplace(rename)
        patterns[pattern] = patterns.get(pattern, 0) + 1
    if any(count != width for count in patterns.values()):
        raise SpecError(f"the {loss} loss is not a sum over output units; cannot vectorise it")
    elementwise = sp.Add(*patterns)
    if elementwise.is_Mul and elementwise.could_extract_minus_sign():  # no negated copy of T
        parts.append(f"- ({printer.doprint(-elementwise)}).sum()")
    else:
        parts.append(f"+ ({printer.doprint(elementwise)}).sum()")
    total = " ".join(parts).removeprefix("+ ")
    return f"loss = ({total}) / N"


def output_lines(
    spec: NetworkSpec, loss: str, forward: list[str], Z: str, printer: LayerPrinter
) -> tuple[list[str], list[str]]:
    """(the forward lines as the loss needs them, the loss line and the output Delta line).

    ``Z`` names the output layer's sums. With softmax and the ce loss the last forward line
    also keeps logsumexp(Z), which the loss needs; the output Delta is
    :func:`~symnet.codegen.rules.output_delta_rule` printed with its elementwise pattern.
    """
    last = spec.output_layer
    before_loss = list(forward)
    if last.activation == "softmax" and loss == "ce":  # the loss needs logsumexp(Z) too
        before_loss[-1] = f"Y, LSE = softmax_logsumexp_columns({Z})"
    backward = ["T = T.T", loss_line(loss, last.activation, last.width, printer, Z)]
    rule, pattern = output_delta_rule(loss, last.activation, Z)
    printer.elementwise = {"G": pattern}
    backward.append(f"Delta{len(spec.layers)} = {printer.doprint(renamed(rule, Y='Y', T='T'))}")
    return before_loss, backward


def dense_gradient_lines(l: int, A: str, printer: LayerPrinter) -> list[str]:
    """``dW{l} = Delta{l} @ A.T`` and ``db{l} = Delta{l}.sum(axis=1)``; layer l reads ``A``."""
    names = {"Delta": f"Delta{l}", "A": A}
    return [
        f"dW{l} = {printer.doprint(renamed(BATCH_RULES['dW'], **names))}",
        f"db{l} = {printer.doprint(renamed(BATCH_RULES['db'], **names))}",
    ]


def dense_lines(spec: NetworkSpec, loss: str) -> tuple[list[str], list[str], list[str]]:
    """(forward lines, the same before a loss, loss-and-backward lines) of a dense spec.

    Notes
    -----
    Z_l = W_l A_(l-1) + b_l 1^T and A_l = f(Z_l) forwards; backwards, from the output
    Delta: dW_l = Delta_l A_(l-1)^T, db_l = Delta_l 1 and
    Delta_(l-1) = (W_l^T Delta_l) * f'(Z_(l-1)), with no factor when f' = 1.
    """
    printer = LayerPrinter()
    count = len(spec.layers)
    forward, outputs, sums = ["A0 = X.T"], ["A0"], []
    for l, layer in enumerate(spec.layers, start=1):
        Z = f"Z{l}"
        rule = renamed(BATCH_RULES["Z"], A=outputs[-1], W=f"W{l}", b=f"b{l}")
        forward.append(f"{Z} = {printer.doprint(rule)}")
        A = activation_lines(forward, "Y" if l == count else f"A{l}", Z, layer.activation, printer)
        sums.append(Z)
        outputs.append(A)
    before_loss, backward = output_lines(spec, loss, forward, sums[-1], printer)
    for l in range(count, 0, -1):
        backward += dense_gradient_lines(l, outputs[l - 1], printer)
        if l == 1:
            continue
        below = spec.layers[l - 2].activation
        fprime = derivative_in_output(below, a=outputs[l - 1], z=sums[l - 2])
        rule = BATCH_RULES["dA"] if fprime == 1 else BATCH_RULES["Delta_prev"]
        printer.elementwise = {"Fprime": fprime}
        names = {"Delta": f"Delta{l}", "W": f"W{l}"}
        backward.append(f"Delta{l - 1} = {printer.doprint(renamed(rule, **names))}")
    return forward, before_loss, backward
