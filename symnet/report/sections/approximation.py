"""The report section on universal approximation: sin(x) as a sum of shifted ReLUs.

:func:`approximation_section` builds the 8-unit construction of
:func:`symnet.expressivity.approximation.construct_approximation`, plots it, and tabulates
how the error falls as the units double. It does not depend on the network of the report.
"""

from __future__ import annotations

from symnet.expressivity.approximation import construct_approximation, error_table
from symnet.expressivity.plots import plot_construction
from symnet.parse import parse_expression
from symnet.report.document import Block, Figure, Paragraph, Table
from symnet.report.sections.common import ReportInput

__all__ = ["approximation_section"]


def approximation_section(inp: ReportInput) -> list[Block]:
    """sin(x) on [-pi, pi] from shifted ReLUs: one construction and the error table."""
    target, interval = parse_expression("sin(x)"), "-pi,pi"
    result = construct_approximation(target, interval, 8)
    path = plot_construction(result, inp.scratch / "approximation.png")
    rows = error_table(target, interval, (4, 8, 16, 32, 64))
    table = Table(
        ["ReLU units", "max error", "error ratio (halving the step)"],
        [
            [
                str(r["hidden_units"]),
                f"{r['max_abs_error']:.3g}",
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
