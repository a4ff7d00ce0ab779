"""The approximation and depth studies, one call each: what ``symnet approx`` and
``symnet depth`` print.

Each study runs the computation, draws the picture asked for (refusing a bad file name
before any work) and returns a :class:`Study`: the text a reader sees and the same
figures as a JSON-ready dictionary.

>>> study = approximation_study("x**2", units=2, interval="0,1")
>>> print(study.text)
x**2 on [0, 1] with 2 ReLU units (constructed, 7 parameters)
y = 0 + 0.5 ReLU(x) + 1 ReLU(x - 0.5)
max error 0.0625 at x = 0.25
>>> depth_study(2).data["pieces"]
4
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from symnet.expressivity.approximation import approximate, error_table, error_table_text
from symnet.expressivity.depth import (
    depth_table,
    depth_table_text,
    network_piecewise,
    sawtooth_network,
)
from symnet.expressivity.plots import (
    check_plot_path,
    plot_comparison,
    plot_construction,
    plot_depth,
)
from symnet.graph.notation import format_number

__all__ = ["Study", "approximation_study", "depth_study"]


@dataclass(frozen=True)
class Study:
    """A study's result: ``text`` for a reader, ``data`` (a dict) for JSON."""

    text: str
    data: dict


def approximation_study(
    expression: str,
    units: int,
    interval: str = "-pi,pi",
    method: str = "construct",
    table: bool = False,
    plot: str | os.PathLike[str] | None = None,
    seed: int = 0,
) -> Study:
    """Approximate ``expression`` (see :func:`~symnet.expressivity.approximation.approximate`).

    A trained network is compared with the constructed one of the same width; ``table``
    adds the construction's error as the units double up to ``units``; ``plot`` draws the
    terms and their sum (construct) or both networks (train).
    """
    if plot is not None:
        check_plot_path(plot)  # refuse a bad file name before any work
    result = approximate(expression, units, interval, method=method, seed=seed)
    data = result.to_dict()
    low, high = (format_number(end) for end in result.interval)
    lines = [
        f"{result.target} on [{low}, {high}] with {result.units} "
        f"ReLU units ({method}ed, {data['parameter_count']} parameters)",
        result.formula_text(),
        f"max error {result.max_error:.4g} at x = {result.worst_x:.4g}",
    ]
    constructed = result
    if method == "train":
        constructed = approximate(expression, units, interval, method="construct")
        data["constructed_max_abs_error"] = constructed.max_error
        lines.append(
            f"trained for {result.training['epochs']} Adam epochs from random weights "
            f"(seed {seed}); {result.kinks_inside} of {units} units bend inside the interval "
            f"(constructed: {constructed.kinks_inside}); the constructed network's max error: "
            f"{constructed.max_error:.4g}"
        )
    if table:
        widths = sorted({units >> j for j in range(6) if units >> j >= 2} | {units})
        rows = error_table(result.target, result.interval, widths)
        data["error_table"] = rows
        lines += ["", error_table_text(rows)]
    if plot is not None:
        drawn = (
            plot_comparison(constructed, result, plot)
            if method == "train"
            else plot_construction(result, plot)
        )
        data["plot_file"] = str(drawn)
        lines.append(f"Plot: {drawn}")
    return Study("\n".join(lines), data)


def depth_study(k: int, check: bool = True, plot: str | os.PathLike[str] | None = None) -> Study:
    """The sawtooth of every depth 1..k, deep against shallow (see :func:`depth_table`).

    ``check`` builds each shallow network and checks it equals the deep one; ``plot``
    draws the sawtooth of depths 1, 2, 3, 4 and ``k`` (those up to ``k``) with the counts.
    """
    if plot is not None:
        check_plot_path(plot)  # refuse a bad file name before any work
    table = depth_table(k, check_shallow=check)
    data = {**table[-1], "table": table}
    text = depth_table_text(table)
    if plot is not None:
        shown = sorted({1, 2, 3, 4, k} & set(range(1, k + 1)))
        functions = [(j, network_piecewise(*sawtooth_network(j))) for j in shown]
        data["plot_file"] = str(plot_depth(functions, table, plot))
        text += f"\nPlot: {data['plot_file']}"
    return Study(text, data)
