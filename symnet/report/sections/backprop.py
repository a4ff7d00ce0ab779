"""The report section on the chain rule and backpropagation, for one parameter.

:func:`backprop_section` writes gradient descent's update, the loss, every chain-rule path
from one parameter to the loss, the backprop sweep with its cached deltas, sympy.diff, the
proof that they agree, the multiplication counts and the gradient-flow diagram
(:mod:`symnet.calculus.derivation`, :mod:`symnet.render.gradient`); for a network too large
for its scalar graph, the layer-level matrix rules derived by :mod:`symnet.codegen.rules`.

>>> from symnet.graph.spec import parse_spec
>>> from symnet.report.sections.common import ReportInput
>>> blocks = backprop_section(ReportInput(parse_spec("2-1:sigmoid")))
>>> [type(block).__name__ for block in blocks][:2]
['Paragraph', 'Equations']
"""

from __future__ import annotations

import sympy as sp

from symnet.calculus.derivation import Derivation, ParameterGradient, derive
from symnet.calculus.derivation_format import tree_size
from symnet.codegen.rules import BATCH_RULES, derive_dense_rule, derive_output_rule
from symnet.exceptions import SizeLimitError
from symnet.graph.build import as_network
from symnet.graph.losses import BATCH_REDUCTION, default_loss, describe_loss
from symnet.graph.spec import DenseSpec
from symnet.render.gradient import gradient_diagram
from symnet.report.document import Block, Equations, Note, Paragraph, Preformatted, Table
from symnet.report.latex import MathContext, Partial, Words
from symnet.report.sections.common import MAX_SHOWN_SIZE, ReportInput, diagram_figure

__all__ = ["MAX_SHOWN_PATHS", "backprop_section", "path_rows"]

#: Most chain-rule paths a report writes out.
MAX_SHOWN_PATHS = 6


def backprop_section(inp: ReportInput) -> list[Block]:
    """dL/dw by the chain rule over paths and by backprop's cached deltas, for one w."""
    loss = inp.loss or default_loss(inp.spec)
    blocks: list[Block] = [
        Paragraph(
            [
                "Networks are trained by gradient descent: every weight moves against its "
                "gradient, with a learning rate α. "
                f"The loss is {loss}: {describe_loss(loss)}; {BATCH_REDUCTION}."
            ]
        ),
    ]
    figure = diagram_figure(
        lambda: gradient_diagram(inp.spec, wrt=inp.wrt, loss=loss, names=inp.names, bias=inp.bias),
        "gradient-flow",
        "The gradient flow: every edge carries its local partial, every node its cached δ.",
    )
    try:
        net = as_network(inp.network(), loss=loss)
    except SizeLimitError as error:
        return blocks + [Note(str(error)), *_layer_rules(inp, loss), figure]
    wrt = inp.wrt or net.parameters[0]
    d = derive(net, loss=loss, wrt=wrt, seed=inp.seed)
    context = MathContext(net, names={"alpha": r"\alpha"})
    blocks += _chain_rule(d, wrt, context)
    blocks += _cached_deltas(d, wrt, context)
    blocks += _independent_routes(d, wrt, context)
    blocks.append(figure)
    return blocks


def _chain_rule(d: Derivation, wrt: str, context: MathContext) -> list[Block]:
    """The update of ``wrt``, the loss, and every path from ``wrt`` to the loss."""
    record = d.parameters[wrt]
    w, end = sp.Symbol(wrt), "L"
    blocks: list[Block] = [
        Equations(
            [
                [w, "←", w, "−", sp.Symbol("alpha"), Partial(end, wrt)],
                [sp.Symbol(end), "=", d.network.definition(end)],
            ],
            context,
        ),
        Paragraph(
            [
                f"The weights are layered, so ∂L/∂{wrt} depends on everything after {wrt}. "
                "The chain rule (if y = f(u) and u = g(x), then dy/dx = dy/du · du/dx) "
                "multiplies the local partials along each path from the weight to the loss, "
                "and adds the paths: "
                f"{len(record.paths or ())} path(s) from {wrt} to L."
            ]
        ),
    ]
    if record.paths is not None:
        blocks.append(Equations(path_rows(record), context))
    return blocks


def path_rows(record: ParameterGradient) -> list:
    """∂L/∂w as a sum over paths of products of local partials, then of their values
    (L: the end of the paths, a graph program's output)."""
    paths, all_products = record.paths or [], record.products or []
    rows = []
    for index, path in enumerate(paths[:MAX_SHOWN_PATHS]):
        factors: list = []
        for i in range(len(path) - 2, -1, -1):  # loss end first, as the notes write it
            factors += ["·"] if factors else []
            factors.append(Partial(path[i + 1], path[i]))
        start = [Partial(path[-1], path[0]), "="] if index == 0 else ["+"]
        rows.append(start + factors)
    if len(paths) > MAX_SHOWN_PATHS:
        rows.append(["+", Words(f"… {len(paths) - MAX_SHOWN_PATHS} more paths")])
    products = [p for p in all_products[:MAX_SHOWN_PATHS] if tree_size(p) <= MAX_SHOWN_SIZE]
    if len(products) == min(len(all_products), MAX_SHOWN_PATHS):
        for index, product in enumerate(products):
            rows.append(["=", product] if index == 0 else ["+", product])
    return rows


def _cached_deltas(d: Derivation, wrt: str, context: MathContext) -> list[Block]:
    """The deltas ∂L/∂w needs, each from the ones before it, and what the cache saves."""
    record, end = d.parameters[wrt], "L"
    rows = [[_delta(node), "=", delta] for node, delta in d.deltas.items()]
    feeds = record.feeds
    rows.append([Partial(end, wrt), "=", _delta(feeds), Partial(feeds, wrt), "=", record.backprop])
    sharing = [p for p in d.users.get(feeds, ()) if p != wrt]
    shared = f", the cached delta that {', '.join(sharing[:8])} also read" if sharing else ""
    naive, cached = d.multiplications
    return [
        Paragraph(
            [
                "Backpropagation computes each δ = ∂L/∂(node) once, sweeping from the loss "
                "backwards, and writes it with the δ's already computed: dynamic programming, the "
                "notes' 'already computed in the previous step'. The deltas this gradient needs:"
            ]
        ),
        Equations(rows, context),
        Paragraph(
            [
                f"So ∂L/∂{wrt} is one multiplication away from δ of {feeds}{shared}. For every "
                f"gradient of the network: {naive} multiplications along the paths, {cached} with "
                "the cache."
            ]
        ),
        Table(
            ["route", "multiplications for every gradient"],
            [["chain rule over paths", str(naive)], ["backprop with cached deltas", str(cached)]],
            "lr",
        ),
    ]


def _delta(node: str) -> sp.Symbol:
    return sp.Symbol(f"delta_{node}")


def _independent_routes(d: Derivation, wrt: str, context: MathContext) -> list[Block]:
    """sympy.diff of the whole loss, the routes refused, and the proof that all agree."""
    record = d.parameters[wrt]
    blocks: list[Block] = []
    if record.direct is not None and tree_size(record.direct) <= MAX_SHOWN_SIZE:
        blocks += [
            Paragraph(["sympy.diff of the fully substituted loss, the independent route:"]),
            Equations([[Partial("L", wrt), "=", record.direct]], context),
        ]
    blocks += [Note(f"{route} refused: {why}") for route, why in d.refused.items()]
    if d.proof is not None:
        routes = " = ".join(d.proof.routes)
        how = (
            "symbolically (every difference expands to 0)"
            if d.proof.method == "symbolic"
            else f"numerically at a random point (max difference {d.proof.max_difference:.1e})"
        )
        verdict = "holds" if d.proof.holds else "FAILS: " + "; ".join(d.proof.failures[:3])
        blocks.append(Paragraph([f"Proof: {routes} for {wrt}, checked {how}: {verdict}."]))
    return blocks


def _layer_rules(inp: ReportInput, loss: str) -> list[Block]:
    """The layer-level matrix rules, for a network too large for its scalar graph."""
    names = {"Delta": r"\Delta", "Delta_prev": r"\Delta_{prev}", "Fprime": "f'(Z)"}
    context = MathContext(names=names)
    rows = [
        [sp.Symbol("Z"), "=", BATCH_RULES["Z"]],
        [Partial("L", "W"), "=", BATCH_RULES["dW"]],
        [Partial("L", "b"), "=", BATCH_RULES["db"]],
        [sp.Symbol("Delta_prev"), "=", BATCH_RULES["Delta_prev"]],
    ]
    weighted = [layer for layer in inp.spec.layers[:-1] if isinstance(layer, DenseSpec)]
    hidden = dict.fromkeys(layer.activation for layer in weighted)
    derived = [str(derive_dense_rule(a)).splitlines()[0] for a in hidden]
    derived.append(str(derive_output_rule(loss, inp.spec.output_layer.activation)).splitlines()[0])
    return [
        Paragraph(
            [
                "Layer by layer instead (samples as columns, ∘ elementwise): the matrix "
                "rules, derived by sympy.diff on a small scalar instance of each layer kind "
                "and checked entry by entry:"
            ]
        ),
        Equations(rows, context),
        Preformatted("\n".join(derived)),
    ]
