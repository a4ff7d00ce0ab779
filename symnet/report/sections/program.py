"""The report sections of a graph program: its graph and equations, its trace, the chain
rule and backprop, and the gradient check.

A program is one computation at its leaves' values, not a layered network, so its report
has the sections that apply to any computation (:data:`PROGRAM_SECTIONS`, keyed like the
sections of :data:`symnet.report.build.SECTIONS` they stand for) and says which of the
others do not apply (:data:`NOT_FOR_PROGRAMS`). Each is made by the library's own
functions, as for a network.

>>> from symnet.parse.program import parse_program
>>> inp = ProgramInput(parse_program("x = 2; w = -1; y = relu(w*x)"))
>>> [type(block).__name__ for block in program_graph_section(inp)]
['Paragraph', 'Figure', 'Paragraph', 'Equations']
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

from symnet.calculus.derivation import derive
from symnet.graph.network import Network
from symnet.graph.notation import format_number
from symnet.graph.program import build_program
from symnet.graph.statements import ProgramSpec
from symnet.numeric.trace import trace
from symnet.render.gradient import gradient_diagram
from symnet.render.program import program_diagram
from symnet.report.document import Block, Code, Equations, Note, Paragraph, Table
from symnet.report.latex import MathContext, Partial
from symnet.report.sections.backprop import MAX_SHOWN_PATHS, path_rows
from symnet.report.sections.common import MAX_SHOWN_EQUATIONS, diagram_figure
from symnet.report.sections.verification import program_check

__all__ = [
    "NOT_FOR_PROGRAMS",
    "PROGRAM_SECTIONS",
    "ProgramInput",
    "program_backprop_section",
    "program_check_section",
    "program_graph_section",
    "program_trace_section",
]

#: Why each section of a network's report does not apply to a graph program.
NOT_FOR_PROGRAMS = {
    "perceptron": "a program has no layers of units",
    "collapse": "collapsing is for layered networks (symnet collapse expands a linear program)",
    "activation": "a program's functions are its own statements",
    "approximation": "it is a demonstration on one-hidden-layer networks",
    "depth": "it is a demonstration on layered networks",
    "training": "a program has no data to fit: it is one computation at its leaves' values",
    "convolution": "a program has no image layers",
    "conv_layer": "a program has no image layers",
}


@dataclass
class ProgramInput:
    """What a program's report is about: the program (its leaves with values), the leaf
    whose gradient is followed (``wrt``; default the first) and the seed of the check."""

    spec: ProgramSpec
    wrt: str | None = None
    seed: int = 0
    _network: Network | None = field(default=None, repr=False)

    def network(self) -> Network:
        """The program's graph, built once."""
        if self._network is None:
            self._network = build_program(self.spec)
        return self._network

    def context(self) -> MathContext:
        return MathContext(self.network())


def program_graph_section(inp: ProgramInput) -> list[Block]:
    """The program in words, its computation graph and every statement's equation."""
    spec = inp.spec
    net = inp.network()
    leaves = ", ".join(spec.leaves)
    computed = len(spec.statements) - len(spec.leaves)
    words = (
        f" is a graph program: {computed} statement(s) over the leaves {leaves}, its output "
        f"{spec.output}. Each statement is a node; each name it reads, an edge."
    )
    equations = net.equations()
    rows = [[sp.Symbol(name), "=", d] for name, d in equations[:MAX_SHOWN_EQUATIONS]]
    blocks: list[Block] = [
        Paragraph([Code(str(spec)), words]),
        diagram_figure(
            lambda: program_diagram(net),
            "program",
            f"The computation graph of {spec}, its values at the leaves' values.",
        ),
        Paragraph(["Statement by statement (a second value of c is the node c₂):"]),
        Equations(rows, inp.context()),
    ]
    if len(equations) > MAX_SHOWN_EQUATIONS:
        blocks.append(Note(f"{len(equations) - MAX_SHOWN_EQUATIONS} more statements not shown."))
    return blocks


def program_trace_section(inp: ProgramInput) -> list[Block]:
    """The program evaluated statement by statement at its leaves' values."""
    result = trace(inp.network())
    point = ", ".join(f"{k} = {format_number(v)}" for k, v in result.inputs.items())
    rows = [
        [row.name, str(row.formula), row.numbers, format_number(row.a)]
        for row in result.rows[:MAX_SHOWN_EQUATIONS]
    ]
    return [
        Paragraph([f"At {point}, each statement with its numbers substituted:"]),
        Table(["node", "statement", "numbers", "value"], rows, "lllr"),
    ]


def program_backprop_section(inp: ProgramInput) -> list[Block]:
    """∂output/∂leaf by the chain rule over paths and by backprop's cached deltas."""
    net = inp.network()
    wrt = inp.wrt or net.leaves[0]
    d = derive(net, wrt=wrt, seed=inp.seed)
    end = str(net.loss_node)
    record = d.parameters[wrt]
    context = MathContext(net)
    blocks: list[Block] = [
        Paragraph(
            [
                f"The chain rule multiplies the local partials along each path from {wrt} to "
                f"the output {end} and adds the paths: {len(record.paths or ())} path(s)"
                + (f", the first {MAX_SHOWN_PATHS} shown." if len(record.paths or ()) > 6 else ".")
            ]
        ),
    ]
    if record.paths is not None:
        blocks.append(Equations(path_rows(record), context))
    rows = [[sp.Symbol(f"delta_{node}"), "=", delta] for node, delta in d.deltas.items()]
    rows.append([Partial(end, wrt), "=", record.backprop])
    naive, cached = d.multiplications
    blocks += [
        Paragraph(
            [
                f"Backpropagation computes each δ = ∂{end}/∂(node) once, from the output back, "
                "with the δ's already computed, and every later use reads the cached value: "
                f"{naive} multiplications along the paths, {cached} with the cache."
            ]
        ),
        Equations(rows, context),
    ]
    if d.value is not None and d.numbers is not None:
        numbers = ", ".join(f"∂{end}/∂{leaf} = {d.numbers[leaf]:.6g}" for leaf in net.leaves)
        blocks.append(Paragraph([f"At the leaves' values, {end} = {d.value:.6g}; {numbers}."]))
    if d.proof is not None:
        verdict = "holds" if d.proof.holds else "FAILS: " + "; ".join(d.proof.failures[:3])
        routes = " = ".join(d.proof.routes)
        blocks.append(Paragraph([f"Proof: {routes} ({d.proof.method}): {verdict}."]))
    blocks.append(
        diagram_figure(
            lambda: gradient_diagram(net, wrt=wrt),
            "gradient-flow",
            "The gradient flow: every edge carries its local partial, every node its cached δ.",
        )
    )
    return blocks


def program_check_section(inp: ProgramInput) -> list[Block]:
    """Every leaf's gradient by independent routes (the network's check, on the program)."""
    return program_check(inp.spec, inp.seed)


#: key of :data:`symnet.report.build.SECTIONS` -> the program sections standing for it:
#: (their own key, title, the function that makes them).
PROGRAM_SECTIONS = {
    "network": (
        ("program", "The program and its graph", program_graph_section),
        ("trace", "The program, statement by statement", program_trace_section),
    ),
    "backprop": (("backprop", "The chain rule and backpropagation", program_backprop_section),),
    "verification": (("verification", "Every gradient, checked", program_check_section),),
}
