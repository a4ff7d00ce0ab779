"""Report sections on gradients: the chain rule, cached backprop, the check, training.

* :func:`backprop_section` -- gradient descent's update, the loss, every chain-rule path
  from one parameter to the loss, the backprop sweep with its cached deltas, sympy.diff,
  the proof that they agree, the multiplication counts and the gradient-flow diagram
  (:mod:`symnet.calculus.derivation`, :mod:`symnet.render.gradient`); for a network too large for
  its scalar graph, the layer-level matrix rules derived by :mod:`symnet.codegen.program`;
* :func:`verification_section` -- every gradient by independent routes at a random point
  (:func:`symnet.testing.gradients.check_gradients`), as a table.

>>> from symnet.graph.spec import parse_spec
>>> from symnet.report.sections.network import ReportInput
>>> blocks = backprop_section(ReportInput(parse_spec("2-1:sigmoid")))
>>> [type(block).__name__ for block in blocks][:2]
['Paragraph', 'Equations']
"""

from __future__ import annotations

import sympy as sp

from symnet.calculus.derivation_format import tree_size
from symnet.exceptions import SizeLimitError
from symnet.graph.losses import BATCH_REDUCTION, LOSS_FORMULAS, default_loss
from symnet.report.document import Equations, Note, Paragraph, Preformatted, Table
from symnet.report.latex import MathContext, Partial, Words
from symnet.report.sections.network import (
    MAX_SHOWN_SIZE,
    ReportInput,
    diagram_figure,
    require_edges,
)

__all__ = ["MAX_SHOWN_PATHS", "backprop_section", "verification_section"]

#: Most chain-rule paths a report writes out.
MAX_SHOWN_PATHS = 6


def _delta(node: str) -> sp.Symbol:
    return sp.Symbol(f"delta_{node}")


def _path_rows(net, record) -> list:
    rows = []
    for index, path in enumerate(record.paths[:MAX_SHOWN_PATHS]):
        factors: list = []
        for i in range(len(path) - 2, -1, -1):  # loss end first, as the notes write it
            factors += ["·"] if factors else []
            factors.append(Partial(path[i + 1], path[i]))
        start = [Partial(path[-1], path[0]), "="] if index == 0 else ["+"]
        rows.append(start + factors)
    if len(record.paths) > MAX_SHOWN_PATHS:
        rows.append(["+", Words(f"… {len(record.paths) - MAX_SHOWN_PATHS} more paths")])
    products = [p for p in record.products[:MAX_SHOWN_PATHS] if tree_size(p) <= MAX_SHOWN_SIZE]
    if len(products) == min(len(record.products), MAX_SHOWN_PATHS):
        for index, product in enumerate(products):
            rows.append(["=", product] if index == 0 else ["+", product])
    return rows


def _layer_rules(inp: ReportInput, loss: str) -> list:
    from symnet.codegen.program import BATCH_RULES, derive_dense_rule, derive_output_rule

    names = {"Delta": r"\Delta", "Delta_prev": r"\Delta_{prev}", "Fprime": "f'(Z)"}
    context = MathContext(names=names)
    rows = [
        [sp.Symbol("Z"), "=", BATCH_RULES["Z"]],
        [Partial("L", "W"), "=", BATCH_RULES["dW"]],
        [Partial("L", "b"), "=", BATCH_RULES["db"]],
        [sp.Symbol("Delta_prev"), "=", BATCH_RULES["Delta_prev"]],
    ]
    weighted = [layer for layer in inp.spec.layers[:-1] if hasattr(layer, "width")]
    hidden = dict.fromkeys(layer.activation for layer in weighted)
    derived = [str(derive_dense_rule(a)).splitlines()[0] for a in hidden]
    derived.append(str(derive_output_rule(loss, inp.spec.layers[-1].activation)).splitlines()[0])
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


def backprop_section(inp: ReportInput) -> list:
    """dL/dw by the chain rule over paths and by backprop's cached deltas, for one w."""
    from symnet.calculus.derivation import derive
    from symnet.render.gradient import gradient_diagram

    loss = inp.loss or default_loss(inp.spec)
    blocks: list = [
        Paragraph(
            [
                "Networks are trained by gradient descent: every weight moves against its "
                "gradient, with a learning rate α. "
                f"The loss is {loss}: {LOSS_FORMULAS[loss]}; {BATCH_REDUCTION}."
            ]
        ),
    ]
    figure = diagram_figure(
        lambda: gradient_diagram(inp.spec, wrt=inp.wrt, loss=loss, names=inp.names, bias=inp.bias),
        "gradient-flow",
        "The gradient flow: every edge carries its local partial, every node its cached δ.",
    )
    try:
        net = inp.fresh_network()
    except SizeLimitError as error:
        return blocks + [Note(str(error)), *_layer_rules(inp, loss), figure]
    wrt = inp.wrt or net.parameters[0]
    d = derive(net, loss=loss, wrt=wrt, seed=inp.seed)
    context = MathContext(net, names={"alpha": r"\alpha"})
    record = d.parameters[wrt]
    w, end = sp.Symbol(wrt), "L"
    blocks.append(
        Equations(
            [
                [w, "←", w, "−", sp.Symbol("alpha"), Partial(end, wrt)],
                [sp.Symbol(end), "=", net.definition(end)],
            ],
            context,
        )
    )
    blocks.append(
        Paragraph(
            [
                f"The weights are layered, so ∂L/∂{wrt} depends on everything after {wrt}. "
                "The chain rule (if y = f(u) and u = g(x), then dy/dx = dy/du · du/dx) "
                "multiplies the local partials along each path from the weight to the loss, "
                "and adds the paths: "
                f"{len(record.paths or ())} path(s) from {wrt} to L."
            ]
        )
    )
    if record.paths is not None:
        blocks.append(Equations(_path_rows(net, record), context))
    blocks.append(
        Paragraph(
            [
                "Backpropagation computes each δ = ∂L/∂(node) once, sweeping from the loss "
                "backwards, and writes it with the δ's already computed: dynamic programming, the "
                "notes' 'already computed in the previous step'. The deltas this gradient needs:"
            ]
        )
    )
    rows = [[_delta(node), "=", delta] for node, delta in d.deltas.items()]
    feeds = record.feeds
    rows.append([Partial(end, wrt), "=", _delta(feeds), Partial(feeds, wrt), "=", record.backprop])
    blocks.append(Equations(rows, context))
    sharing = [p for p in d.users.get(feeds, ()) if p != wrt]
    shared = f", the cached delta that {', '.join(sharing[:8])} also read" if sharing else ""
    naive, cached = d.multiplications
    blocks.append(
        Paragraph(
            [
                f"So ∂L/∂{wrt} is one multiplication away from δ of {feeds}{shared}. For every "
                f"gradient of the network: {naive} multiplications along the paths, {cached} with "
                "the cache."
            ]
        )
    )
    blocks.append(
        Table(
            ["route", "multiplications for every gradient"],
            [["chain rule over paths", str(naive)], ["backprop with cached deltas", str(cached)]],
            "lr",
        )
    )
    if record.direct is not None and tree_size(record.direct) <= MAX_SHOWN_SIZE:
        blocks += [
            Paragraph(["sympy.diff of the fully substituted loss, the independent route:"]),
            Equations([[Partial(end, wrt), "=", record.direct]], context),
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
    blocks.append(figure)
    return blocks


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:.6g}"


def verification_section(inp: ReportInput) -> list:
    """Every parameter's gradient by symbolic, compiled, finite-difference (and torch) routes."""
    from symnet.testing.gradients import MAX_CHECK_EDGES, check_gradients

    loss = inp.loss or default_loss(inp.spec)
    try:
        require_edges(
            inp.spec,
            inp.bias,
            MAX_CHECK_EDGES,
            "too many to check here; check a narrower network with the same layers and "
            "activations (symnet verify): each derivative rule is the same at every width",
        )
        report = check_gradients(
            str(inp.spec),
            loss,
            names=inp.names,
            bias=inp.bias,
            seed=inp.seed,
            # NOTE: the PyTorch rebuild covers dense specs; image specs skip that route here.
            torch=None if inp.dense else False,
            raise_on_failure=False,
        )
    except SizeLimitError as error:
        return [Note(str(error))]
    with_torch = any(row.torch is not None for row in report.rows)
    header = ["parameter", "value", "symbolic", "compiled", "finite difference"]
    header += ["torch"] if with_torch else []
    header += ["max |error|", "agree"]
    rows = []
    for row in report.rows:
        cells = [
            row.name,
            _number(row.value),
            _number(row.symbolic),
            _number(row.compiled),
            _number(row.finite_difference),
        ]
        cells += [_number(row.torch)] if with_torch else []
        cells += [f"{row.abs_error:.1e}", "yes" if row.passed else "NO"]
        rows.append(cells)
    failed = len(report.failures)
    verdict = (
        f"all {len(report.rows)} gradients agree"
        if not failed
        else f"{failed} of {len(report.rows)} disagree: {report.failure_message()}"
    )
    return [
        Paragraph(
            [
                f"Every gradient of the {loss} loss, by independent routes, at a random point "
                f"(seed {report.seed}: float64 weights, a batch of {report.batch} inputs and "
                f"targets; batch means): symbolic ({report.symbolic_route}; "
                f"{report.symbolic_note}), the generated NumPy code, central finite differences "
                f"(step {report.eps:g}), and PyTorch: {report.torch_status}. A route agrees when "
                f"|route − symbolic| ≤ {report.atol:g} + {report.rtol:g} |symbolic|. Result: "
                f"{verdict} (max |error| {report.max_abs_error:.1e})."
            ]
        ),
        Table(header, rows, "l" + "r" * (len(header) - 2) + "l"),
    ]
