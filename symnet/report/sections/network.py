"""The report section on the network itself: the spec in words, its diagram, its equations.

>>> from symnet.graph.spec import parse_spec
>>> blocks = network_section(ReportInput(parse_spec("3-2-2-1")))
>>> [type(block).__name__ for block in blocks]
['Paragraph', 'Figure', 'Paragraph', 'Equations']
"""

from __future__ import annotations

import sympy as sp

from symnet.exceptions import SizeLimitError
from symnet.graph.spec import NetworkSpec
from symnet.render.network import network_diagram
from symnet.report.document import Block, Code, Equations, Note, Paragraph
from symnet.report.sections.common import (
    MAX_SHOWN_EQUATIONS,
    ReportInput,
    diagram_figure,
    layer_rows,
)

__all__ = ["network_section"]


def _describe_image(spec: NetworkSpec, bias: bool) -> str:
    shapes = " → ".join("x".join(map(str, shape)) for shape in spec.shapes)
    return (
        f" takes a {spec.shapes[0][0]}-channel {spec.shapes[0][1]}x{spec.shapes[0][2]} image; "
        f"layer by layer its shapes are {shapes}: {spec.parameter_count(bias):,} parameters."
    )


def _describe(spec: NetworkSpec, bias: bool) -> str:
    if not spec.is_dense:
        return _describe_image(spec, bias)

    def count(n: int, what: str) -> str:
        return f"{n:,} {what}" + ("" if n == 1 else "es" if what.endswith("s") else "s")

    weights = spec.parameter_count(False)
    biases = spec.parameter_count(True) - weights
    hidden = spec.widths[1:-1]
    layers = count(len(hidden), "hidden layer")
    if hidden:
        widths = ", ".join(str(width) for width in hidden)
        layers += f" (width{'s' if len(hidden) > 1 else ''} {widths})"
    parameters = count(weights, "weight") + (f" and {count(biases, 'bias')}" if bias else "")
    return (
        f" takes {count(spec.n_inputs, 'input')} and has {layers} and "
        f"{count(spec.n_outputs, 'output')}: {parameters}{'' if bias else ', no biases'}."
    )


def network_section(inp: ReportInput) -> list[Block]:
    """The spec in words, the network diagram and every unit's equation."""
    spec = inp.spec
    blocks: list[Block] = [Paragraph([Code(str(spec)), _describe(spec, inp.bias)])]
    blocks.append(
        diagram_figure(
            lambda: network_diagram(spec, names=inp.names, bias=inp.bias, values=inp.weights),
            "network",
            f"The network {spec}: one circle per unit, one edge per weight.",
        )
    )
    try:
        net = inp.network()
    except SizeLimitError as error:
        rows, context = layer_rows(spec, inp.bias)
        return blocks + [Note(str(error)), Equations(rows, context)]
    intro = "Each unit takes a weighted sum z of the layer before it"
    intro += " plus its bias" if inp.bias else ""
    intro += " and, when it has an activation f, outputs f(z). Layer by layer:"
    equations = net.equations()
    rows = [[sp.Symbol(name), "=", d] for name, d in equations[:MAX_SHOWN_EQUATIONS]]
    blocks += [Paragraph([intro]), Equations(rows, inp.context())]
    if len(equations) > MAX_SHOWN_EQUATIONS:
        blocks.append(Note(f"{len(equations) - MAX_SHOWN_EQUATIONS} more equations not shown."))
    return blocks
