"""The report section on depth: the sawtooth, deep against shallow, counted exactly.

:func:`depth_section` tabulates :func:`symnet.expressivity.depth.depth_table` and plots the
sawtooth networks of a few depths. It does not depend on the network of the report.
"""

from __future__ import annotations

from symnet.expressivity.depth import depth_table, network_piecewise, sawtooth_network
from symnet.expressivity.plots import plot_depth
from symnet.report.document import Block, Figure, Paragraph, Table
from symnet.report.sections.common import ReportInput

__all__ = ["depth_section"]


def depth_section(inp: ReportInput) -> list[Block]:
    """The sawtooth with k hidden layers of 2 ReLUs against one wide hidden layer."""
    table = depth_table(5)
    functions = [(k, network_piecewise(*sawtooth_network(k))) for k in (1, 2, 3, 5)]
    path = plot_depth(functions, table, inp.scratch / "depth.png")
    rows = [
        [
            str(r["depth"]),
            str(r["parameter_count"]),
            str(r["pieces"]),
            str(r["shallow_units_needed"]),
            str(r["shallow_parameter_count"]),
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
