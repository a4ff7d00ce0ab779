"""The report section that checks every gradient by independent routes.

:func:`verification_section` runs :func:`symnet.testing.gradients.check_gradients` at a
random point (symbolic, compiled, central finite differences, and PyTorch when installed)
and shows every parameter's gradient by each route, as a table.
"""

from __future__ import annotations

from symnet.exceptions import SizeLimitError
from symnet.graph.losses import default_loss
from symnet.graph.statements import ProgramSpec
from symnet.report.document import Block, Note, Paragraph, Table
from symnet.report.sections.common import ReportInput, require_edges
from symnet.testing.gradients import MAX_CHECK_EDGES, check_gradients
from symnet.testing.results import GradientReport

__all__ = ["program_check", "verification_section"]


def verification_section(inp: ReportInput) -> list[Block]:
    """Every parameter's gradient by symbolic, compiled, finite-difference (and torch) routes."""
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
            weights=inp.weights,
        )
    except SizeLimitError as error:
        return [Note(str(error))]
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
                f"(seed {report.seed}: {'the trained' if inp.weights else 'float64'} weights, "
                f"a batch of {report.batch} inputs and "
                f"targets; batch means): symbolic ({report.symbolic_route}; "
                f"{report.symbolic_note}), the generated NumPy code, central finite differences "
                f"(step {report.eps:g}), and PyTorch: {report.torch_status}. A route agrees when "
                f"|route − symbolic| ≤ {report.atol:g} + {report.rtol:g} |symbolic|. Result: "
                f"{verdict} (max |error| {report.max_abs_error:.1e})."
            ]
        ),
        _table(report),
    ]


def program_check(spec: ProgramSpec, seed: int) -> list[Block]:
    """A graph program's leaves, checked at their values (a batch of one)."""
    report = check_gradients(spec, seed=seed, raise_on_failure=False)
    failed = len(report.failures)
    verdict = (
        f"all {len(report.rows)} gradients agree"
        if not failed
        else f"{failed} of {len(report.rows)} disagree: {report.failure_message()}"
    )
    words = (
        f"Every gradient of the output {spec.output}, by independent routes, at the leaves' "
        f"values: symbolic ({report.symbolic_route}), the generated NumPy code, central finite "
        f"differences (step {report.eps:g}), and PyTorch (the statements run in torch): "
        f"{report.torch_status}. Result: {verdict} (max |error| {report.max_abs_error:.1e})."
    )
    return [Paragraph([words]), _table(report)]


def _table(report: GradientReport) -> Table:
    """One row per parameter: its value and its gradient by every route that ran."""
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
    return Table(header, rows, "l" + "r" * (len(header) - 2) + "l")


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:.6g}"
