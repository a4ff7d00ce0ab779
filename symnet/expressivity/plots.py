"""Pictures of approximations and of depth (matplotlib, drawn off-screen).

Each function draws one figure and writes it atomically (a temporary file in the same
folder, then a rename) to a ``.png`` or ``.svg`` path, returning the path. matplotlib is
imported only when a picture is drawn, with the Agg backend, so no display is needed.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from symnet.expressivity.approximation import Approximation, target_values
from symnet.files import PICTURE_SUFFIXES, check_picture, save_figure

__all__ = [
    "PLOT_SUFFIXES",
    "check_plot_path",
    "plot_construction",
    "plot_error_table",
    "plot_comparison",
    "plot_depth",
]

PLOT_SUFFIXES = PICTURE_SUFFIXES


def check_plot_path(path: str | os.PathLike[str]) -> Path:
    """Refuse a plot path before anything is drawn (:func:`symnet.files.check_picture`)."""
    return check_picture(path, "plot")


def _pyplot():
    import matplotlib  # lazily: importing it costs a noticeable part of a second

    matplotlib.use("Agg")  # NOTE: off-screen; chosen before pyplot is imported
    import matplotlib.pyplot as plt  # lazily, after choosing the backend

    return plt


def _save(figure, path: Path) -> Path:
    try:
        return save_figure(figure, path, dpi=120)
    finally:
        _pyplot().close(figure)


def plot_construction(result: Approximation, path: str | os.PathLike[str]) -> Path:
    """Top: the target, the network and its knots. Bottom: every unit's term of the sum."""
    path = check_plot_path(path)
    plt = _pyplot()
    low, high = (float(v) for v in result.interval)
    x = np.linspace(low, high, 1001)
    figure, (top, bottom) = plt.subplots(
        2, 1, figsize=(8, 7.5), sharex=True, gridspec_kw={"height_ratios": [1.1, 1]}
    )
    _draw_fit(top, result, x)
    _draw_terms(bottom, result, x, plt.cm.viridis)
    figure.tight_layout()
    return _save(figure, path)


def _draw_fit(top, result: Approximation, x: np.ndarray) -> None:
    """The target, the network's sum and (for a construction) the interpolated knots."""
    top.plot(
        x,
        target_values(result.target, x),
        color="black",
        linewidth=2.5,
        label=f"target {result.target}",
    )
    top.plot(
        x,
        result.predict(x),
        color="tab:orange",
        linewidth=1.8,
        linestyle="--",
        label=f"network: sum of {result.units} ReLU terms",
    )
    if result.method == "construct":
        knots = np.asarray(result.knots)
        top.plot(
            knots,
            target_values(result.target, knots),
            "o",
            color="tab:orange",
            markersize=4,
            label="knots (interpolated exactly)",
        )
    top.set_title(f"{result.units} ReLU units ({result.method}): max error {result.max_error:.3g}")
    top.set_ylabel("y")
    top.legend(loc="best", fontsize=9)
    top.grid(alpha=0.3)


def _draw_terms(bottom, result: Approximation, x: np.ndarray, colour_map) -> None:
    """Each unit's term c ReLU(w x + b), a triangle at its knot, and the output bias."""
    low, high = x[0], x[-1]  # the interval's ends
    _, terms = result.contributions(x)
    colours = colour_map(np.linspace(0, 0.9, max(len(terms), 1)))
    _, units = result.unit_terms()
    shown_constant, labels = result.shown_terms(3)
    for j, (term, colour, (_, w, b)) in enumerate(zip(terms, colours, units)):
        label = "unit terms c ReLU(w x + b), coloured by knot" if j == 0 else None
        bottom.plot(x, term, color=colour, linewidth=1.3, label=label)
        if w != 0 and low <= -b / w <= high:
            bottom.plot([-b / w], [0.0], "^", color=colour, markersize=5)
        if len(terms) <= 8 and len(labels) == len(terms) and abs(term[-1]) > 1e-9:
            coefficient, unit = labels[j]
            at = int(0.8 * (len(x) - 1))
            bottom.annotate(
                f"{coefficient:.3g} {unit}",
                (x[at], term[at]),
                fontsize=8,
                color=colour,
                ha="right",
                va="bottom" if term[at] > 0 else "top",
                textcoords="offset points",
                xytext=(0, 8 if term[at] > 0 else -8),
            )
    bottom.axhline(
        shown_constant, color="grey", linestyle=":", label=f"output bias {shown_constant:.3g}"
    )
    bottom.set_title("the pieces that are added up: each unit switches on at its knot")
    bottom.set_xlabel("x")
    bottom.set_ylabel("term")
    bottom.margins(y=0.12)
    bottom.legend(loc="best", fontsize=9)
    bottom.grid(alpha=0.3)


def plot_error_table(rows: Sequence[dict], path: str | os.PathLike[str], title: str = "") -> Path:
    """Max error against units on log-log axes, with a reference line falling as 1/N^2."""
    path = check_plot_path(path)
    plt = _pyplot()
    units = np.array([row["hidden_units"] for row in rows], dtype=float)
    errors = np.array([row["max_abs_error"] for row in rows], dtype=float)
    figure, axes = plt.subplots(figsize=(6.5, 4.5))
    axes.loglog(units, errors, "o-", color="tab:blue", label="max error of the construction")
    axes.loglog(
        units,
        errors[0] * (units[0] / units) ** 2,
        ":",
        color="grey",
        label="reference: error x 1/4 per doubling (N^-2)",
    )
    for row in rows[1:]:
        if row["ratio"] is not None:
            axes.annotate(
                f"/{row['ratio']:.2f}",
                (row["hidden_units"], row["max_abs_error"]),
                textcoords="offset points",
                xytext=(6, 6),
                fontsize=8,
            )
    axes.set(
        xlabel="hidden units N",
        ylabel="max |f(x) - y(x)|",
        title=f"Error against width{': ' + title if title else ''}",
    )
    axes.set_xticks(units, [str(int(u)) for u in units])
    axes.minorticks_off()
    axes.grid(alpha=0.3, which="both")
    axes.legend(fontsize=9)
    figure.tight_layout()
    return _save(figure, path)


def plot_comparison(
    constructed: Approximation, trained: Approximation, path: str | os.PathLike[str]
) -> Path:
    """The constructed and the trained network of the same width, and their errors."""
    path = check_plot_path(path)
    plt = _pyplot()
    low, high = (float(v) for v in constructed.interval)
    x = np.linspace(low, high, 1001)
    target = target_values(constructed.target, x)
    figure, (top, bottom) = plt.subplots(2, 1, figsize=(8, 7), sharex=True)
    top.plot(x, target, color="black", linewidth=2.5, label=f"target {constructed.target}")
    for result, colour in ((constructed, "tab:orange"), (trained, "tab:blue")):
        name = {"construct": "constructed", "train": "trained"}.get(result.method, result.method)
        label = f"{name}, {result.units} units (max error {result.max_error:.3g})"
        top.plot(x, result.predict(x), color=colour, linestyle="--", label=label)
        bottom.plot(x, np.abs(target - result.predict(x)), color=colour, label=name)
        bottom.axhline(result.max_error, color=colour, linestyle=":", linewidth=1)
    kinks = [k for k in trained.knots if low <= k <= high]
    top.plot(
        kinks,
        np.full(len(kinks), top.get_ylim()[0]),
        "|",
        color="tab:blue",
        markersize=12,
        label="trained units' kinks",
    )
    top.set_title("Constructed (interpolation) against trained (gradient descent)")
    top.legend(fontsize=9)
    top.grid(alpha=0.3)
    bottom.set(xlabel="x", ylabel="|f(x) - y(x)|", title="error along the interval (dotted: max)")
    bottom.legend(fontsize=9)
    bottom.grid(alpha=0.3)
    figure.tight_layout()
    return _save(figure, path)


def plot_depth(functions: Sequence, table: Sequence[dict], path: str | os.PathLike[str]) -> Path:
    """Sawtooth panels ``(k, PiecewiseLinear)`` and the parameter count, deep against shallow."""
    path = check_plot_path(path)
    plt = _pyplot()
    count = len(functions) + 1
    columns = min(count, 3)
    rows = -(-count // columns)
    figure, axes = plt.subplots(rows, columns, figsize=(4.3 * columns, 3.2 * rows), squeeze=False)
    panels = list(axes.flat)
    for axis, (k, function) in zip(panels, functions):
        xs, ys = function.points()
        axis.plot(xs, ys, color="tab:blue", linewidth=1.2)
        if len(xs) <= 70:
            axis.plot(xs, ys, ".", color="tab:red", markersize=5)
        axis.set_title(f"tent composed {k}x: {function.pieces} pieces", fontsize=10)
        axis.set(xlabel="x", ylim=(-0.05, 1.05))
        axis.grid(alpha=0.3)
    chart = panels[len(functions)]
    ks = [row["depth"] for row in table]
    chart.semilogy(
        ks,
        [row["shallow_parameter_count"] for row in table],
        "s-",
        color="tab:red",
        label="shallow: 1 layer, 2^k units",
    )
    chart.semilogy(
        ks,
        [row["parameter_count"] for row in table],
        "o-",
        color="tab:blue",
        label="deep: k layers of 2 units",
    )
    chart.semilogy(ks, [row["pieces"] for row in table], ":", color="grey", label="pieces 2^k")
    chart.set(xlabel="depth k", ylabel="count (log scale)", title="parameters for 2^k pieces")
    chart.set_xticks(ks)
    chart.grid(alpha=0.3, which="both")
    chart.legend(fontsize=8)
    for axis in panels[count:]:
        axis.set_visible(False)
    figure.suptitle("Depth k with 2 ReLU units per layer makes 2^k linear pieces on [0, 1]")
    figure.tight_layout()
    return _save(figure, path)
