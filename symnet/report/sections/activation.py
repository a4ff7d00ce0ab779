"""Report sections on non-linearity: activations, universal approximation, depth.

* :func:`activation_section` -- ReLU and the network's own activations with their
  derivatives (from the one activation table), the notes' trace ``ReLU(-5) = 0``, a trace
  of the network at a point, and the numeric witness that the network does not collapse;
* :func:`approximation_section` -- sin(x) as a sum of shifted ReLUs, and how the error
  falls with the number of units;
* :func:`depth_section` -- the sawtooth: deep against shallow, counted exactly.

>>> from symnet.graph.spec import parse_spec
>>> from symnet.report.sections.network import ReportInput
>>> blocks = activation_section(ReportInput(parse_spec("1-1:relu")))
>>> [type(block).__name__ for block in blocks][:3]
['Paragraph', 'Equations', 'Paragraph']
"""

from __future__ import annotations

import sympy as sp

from symnet.exceptions import SizeLimitError
from symnet.graph.activations import ACTIVATIONS, LEAKY_SLOPE
from symnet.graph.notation import format_number
from symnet.report.document import Code, Equations, Figure, Note, Paragraph, Table
from symnet.report.latex import FUNCTION_NAMES, MathContext, Numbers
from symnet.report.sections.network import ReportInput

__all__ = ["MAX_TRACE_UNITS", "activation_section", "approximation_section", "depth_section"]

#: Most units a report traces number by number.
MAX_TRACE_UNITS = 24


def _definition_rows(activations: list[str]) -> list:
    z = sp.Symbol("z")
    rows = []
    for name in activations:
        row = ACTIVATIONS[name]
        f = row.function(z)
        if name == "relu":
            rows.append([f, "=", sp.Max(0, z)])
        elif name == "leaky_relu":
            rows.append([f, "=", sp.Max(LEAKY_SLOPE * z, z)])
        else:  # sigmoid, tanh
            rows.append([f, "=", f.rewrite(sp.exp)])
        rows.append([sp.Derivative(f, z), "=", row.rule(z)])
    return rows


def _trace_rows(result) -> list:
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
        f = ACTIVATIONS[row.activation].apply(sp.Symbol(row.z_name), _layer(net, row))
        value = Numbers(format_number(row.a))
        if row.activation == "softmax":  # a function of the whole layer, not of z alone
            rows.append([sp.Symbol(row.name), "=", f, "=", value])
            continue
        name = FUNCTION_NAMES.get(type(net.definition(row.name)).__name__, row.activation)
        rows.append([sp.Symbol(row.name), "=", f, "=", Numbers(f"{name}({z})"), "=", value])
    return rows


def _layer(net, row) -> tuple:
    layer = net.layers[row.layer - 1]
    return tuple(sp.Symbol(z) for z in layer.sums)


def _witness(inp: ReportInput) -> list:
    from symnet.expressivity.collapse import collapse

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


def activation_section(inp: ReportInput) -> list:
    """ReLU and the network's activations, the notes' trace and a trace of the network."""
    from symnet.numeric.trace import trace

    used = [layer.activation for layer in inp.spec.layers]
    shown = ["relu"] + [a for a in dict.fromkeys(used) if a not in ("relu", "identity", "softmax")]
    blocks: list = [
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
    ]
    notes = trace("1-1:relu", inputs=[5], weights={"w1": -1})
    blocks.append(Equations(_trace_rows(notes), MathContext(notes.network)))
    if "softmax" in used:
        blocks.append(
            Paragraph(
                [
                    "The output layer's softmax turns the logits into "
                    "probabilities: softmax(z_j) = exp(z_j) / Σ_k exp(z_k)."
                ]
            )
        )
    if not inp.dense:
        return blocks + [inp.dense_only("A trace of the network")]
    units = sum(layer.width for layer in inp.spec.layers)
    if units > MAX_TRACE_UNITS:
        return blocks + [
            Note(
                f"A trace of {inp.spec} would list {units:,} units (limit "
                f"{MAX_TRACE_UNITS}); symnet trace writes the whole trace."
            )
        ]
    try:
        net = inp.network()
    except SizeLimitError as error:
        return blocks + [Note(str(error))]
    point = list(range(1, inp.spec.n_inputs + 1))
    result = trace(net, inputs=point, seed=inp.seed)
    weights = ", ".join(f"{k} = {format_number(v)}" for k, v in result.parameters.items())
    blocks += [
        Paragraph(
            [
                "A trace of ",
                Code(str(inp.spec)),
                f" at the inputs {tuple(point)} with random weights (seed {inp.seed}): {weights}.",
            ]
        ),
        Equations(_trace_rows(result), inp.context()),
    ]
    if not inp.spec.is_linear:
        blocks += _witness(inp)
    return blocks


def approximation_section(inp: ReportInput) -> list:
    """sin(x) on [-pi, pi] from shifted ReLUs: one construction and the error table."""
    from symnet.expressivity.approximation import (
        construct_approximation,
        error_table,
        parse_expression,
    )
    from symnet.expressivity.plots import plot_construction

    target, interval = parse_expression("sin(x)"), "-pi,pi"
    result = construct_approximation(target, interval, 8)
    path = plot_construction(result, inp.scratch / "approximation.png")
    rows = error_table(target, interval, (4, 8, 16, 32, 64))
    table = Table(
        ["ReLU units", "max error", "error ratio (halving the step)"],
        [
            [
                str(r["units"]),
                f"{r['max_error']:.3g}",
                "" if r["ratio"] is None else f"{r['ratio']:.2f}",
            ]
            for r in rows
        ],
        "rrr",
    )
    return [
        Paragraph(
            [
                "Activations such as ReLU let a network approximate any continuous function "
                "on an interval, given enough units (the universal approximation theorem). "
                "The construction behind it: each unit ReLU(x − k) switches on at a knot k "
                "and bends the line there, so a sum of shifted ReLUs is any piecewise-linear "
                "function. sin(x) on [−π, π] with 8 units, one hidden layer:"
            ]
        ),
        Figure("approximation", "sin(x) and its 8-unit ReLU interpolant.", png=path.read_bytes()),
        Paragraph(
            [
                "Doubling the units halves the knot spacing h, and the error of a linear "
                "interpolant falls as h²: a ratio near 4."
            ]
        ),
        table,
    ]


def depth_section(inp: ReportInput) -> list:
    """The sawtooth with k hidden layers of 2 ReLUs against one wide hidden layer."""
    from symnet.expressivity.depth import depth_table, network_piecewise, sawtooth_network
    from symnet.expressivity.plots import plot_depth

    table = depth_table(5)
    functions = [(k, network_piecewise(*sawtooth_network(k))) for k in (1, 2, 3, 5)]
    path = plot_depth(functions, table, inp.scratch / "depth.png")
    rows = [
        [
            str(r["depth"]),
            str(r["parameters"]),
            str(r["pieces"]),
            str(r["shallow_units_needed"]),
            str(r["shallow_parameters"]),
        ]
        for r in table
    ]
    return [
        Paragraph(
            [
                "Why deep? The tent map folds [0, 1] onto itself; composed k times it is a "
                "sawtooth with 2^k linear pieces. k hidden layers of 2 ReLU units compute it "
                "with 6k + 1 parameters; one hidden layer needs 2^k units for the same "
                "function. Depth buys exponentially many pieces per parameter (counted "
                "exactly, in rational arithmetic):"
            ]
        ),
        Table(
            ["depth k", "deep parameters", "pieces", "shallow units", "shallow parameters"],
            rows,
            "rrrrr",
        ),
        Figure(
            "depth",
            "The sawtooth for several depths, and pieces against parameters.",
            png=path.read_bytes(),
        ),
    ]
