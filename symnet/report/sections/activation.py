"""The report section on what an activation changes.

:func:`activation_section` shows ReLU and the network's own activations with their
derivatives (from the one activation table), the notes' trace ``ReLU(-5) = 0``, a trace
of the network at a point, and the numeric witness that the network does not collapse.

>>> from symnet.graph.spec import parse_spec
>>> from symnet.report.sections.common import ReportInput
>>> blocks = activation_section(ReportInput(parse_spec("1-1:relu")))
>>> [type(block).__name__ for block in blocks][:3]
['Paragraph', 'Equations', 'Paragraph']
"""

from __future__ import annotations

import sympy as sp

from symnet.exceptions import SizeLimitError
from symnet.expressivity.collapse import collapse
from symnet.graph.activations import ACTIVATIONS, get_activation
from symnet.graph.network import Network
from symnet.graph.notation import format_number
from symnet.numeric.trace import Trace, TraceRow, trace
from symnet.report.document import Block, Code, Equations, Note, Paragraph
from symnet.report.latex import FUNCTION_NAMES, MathContext, Numbers
from symnet.report.sections.common import ReportInput

__all__ = ["MAX_TRACE_UNITS", "activation_section"]

#: Most units a report traces number by number.
MAX_TRACE_UNITS = 24


def activation_section(inp: ReportInput) -> list[Block]:
    """ReLU and the network's activations, the notes' trace and a trace of the network."""
    used = [layer.activation for layer in inp.spec.layers]
    blocks = _activations(used)
    if not inp.dense:
        return blocks + [inp.dense_only("A trace of the network")]
    return blocks + _network_trace(inp)


def _activations(used: list[str]) -> list[Block]:
    """ReLU and the activations in ``used``, with derivatives, and the notes' ReLU trace."""
    shown = ["relu"] + [a for a in dict.fromkeys(used) if a not in ("relu", "identity", "softmax")]
    notes = trace("1-1:relu", inputs=[5], weights={"w1": -1})
    blocks: list[Block] = [
        Paragraph(
            [
                "Without activations every network is one linear function, so each unit "
                "applies a non-linear activation f to its weighted sum. The notes' choice "
                "is ReLU, the rectified linear unit, 0 for z < 0 and z for z ≥ 0. Each "
                "activation with its derivative, the rule backpropagation uses:"
            ]
        ),
        Equations(_definition_rows(shown), MathContext()),
        Paragraph(
            [
                "ReLU′(0) is taken to be 0 (step(0) = 0), a convention: ReLU has no "
                "derivative at 0. The notes follow one input, 5, through a weight of −1 "
                "into a ReLU unit: the unit is switched off."
            ]
        ),
        Equations(_trace_rows(notes), MathContext(notes.network)),
    ]
    if "softmax" in used:
        blocks.append(
            Paragraph(
                [
                    "The output layer's softmax turns the logits into "
                    "probabilities: softmax(z_j) = exp(z_j) / Σ_k exp(z_k)."
                ]
            )
        )
    return blocks


def _definition_rows(activations: list[str]) -> list:
    z = sp.Symbol("z")
    rows = []
    for name in activations:
        row = get_activation(name)
        f = row.function(z)
        if name not in ACTIVATIONS and not name.startswith("leaky_relu"):  # a formula
            rows.append([sp.Function(name)(z), "=", f])
            rows.append([sp.Derivative(sp.Function(name)(z), z), "=", row.derivative(z)])
            continue
        if name in ("sigmoid", "tanh"):
            rows.append([f, "=", f.rewrite(sp.exp)])
        else:  # relu, leaky_relu: a Max; the others: their elementary form
            rows.append([f, "=", f.rewrite("elementary")])
        rows.append([sp.Derivative(f, z), "=", row.derivative(z)])
    return rows


def _network_trace(inp: ReportInput) -> list[Block]:
    """The network at the inputs 1, 2, ... with random weights, unit by unit (dense specs)."""
    units = sum(inp.spec.widths[1:])
    if units > MAX_TRACE_UNITS:
        return [
            Note(
                f"A trace of {inp.spec} would list {units:,} units (limit "
                f"{MAX_TRACE_UNITS}); symnet trace writes the whole trace."
            )
        ]
    try:
        net = inp.network()
    except SizeLimitError as error:
        return [Note(str(error))]
    point = list(range(1, inp.spec.n_inputs + 1))
    result = trace(net, inputs=point, weights=inp.weights, seed=inp.seed)
    weights = ", ".join(f"{k} = {format_number(v)}" for k, v in result.parameters.items())
    which = "the trained weights" if inp.weights else f"random weights (seed {inp.seed})"
    scaled = " (standardised)" if inp.weights else ""
    blocks: list[Block] = [
        Paragraph(
            [
                "A trace of ",
                Code(str(inp.spec)),
                f" at the{scaled} inputs {tuple(point)} with {which}: {weights}.",
            ]
        ),
        Equations(_trace_rows(result), inp.context()),
    ]
    if not inp.spec.is_linear:
        blocks += _witness(inp)
    return blocks


def _trace_rows(result: Trace) -> list:
    """Each unit: z = formula = numbers = value, then a = f(z) = f(value) = value."""
    net = result.network
    rows = []
    for row in result.rows:
        z = format_number(row.z)
        rows.append(
            [sp.Symbol(row.z_name), "=", row.formula, "=", Numbers(row.numbers), "=", Numbers(z)]
        )
        if row.activation == "identity":
            continue
        f = get_activation(row.activation).apply(sp.Symbol(row.z_name), _layer(net, row))
        value = Numbers(format_number(row.a))
        if row.activation == "softmax":  # a function of the whole layer, not of z alone
            rows.append([sp.Symbol(row.name), "=", f, "=", value])
            continue
        name = FUNCTION_NAMES.get(type(net.definition(row.name)).__name__, row.activation)
        rows.append([sp.Symbol(row.name), "=", f, "=", Numbers(f"{name}({z})"), "=", value])
    return rows


def _layer(net: Network, row: TraceRow) -> tuple:
    layer = net.layers[row.layer - 1]
    return tuple(sp.Symbol(z) for z in layer.sums)


def _witness(inp: ReportInput) -> list[Block]:
    witness = collapse(inp.network()).witness
    if not witness:
        return []
    weights = ", ".join(f"{k} = {v}" for k, v in witness["weights"].items())
    u, v = witness["u"], witness["v"]
    total = witness["f_u"] + witness["f_v"]
    return [
        Paragraph(
            [
                f"With its activations, {inp.spec} does not collapse. A numeric witness: at ",
                f"{weights}, the inputs u = {u} and v = {v} give "
                f"f(u + v) = {witness['f_u_plus_v']:.6g} but f(u) + f(v) = {total:.6g} "
                f"(and f(0) = {witness['f_zero']:.6g}, so no linear "
                "map, with or without a bias, matches it).",
            ]
        )
    ]
