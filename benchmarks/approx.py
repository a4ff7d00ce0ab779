"""Benchmark: constructive approximation, training, and exact piece counting, with baselines.

Three measurements, each with its baseline in this one process:

1. **Error against width.** The construction (a symnet ``1-N:relu-1`` network whose
   weights interpolate f at N + 1 knots) for N = 4 .. 512 on three smooth targets; max
   error on a fine grid and the ratio per doubling (theory: 4). Baseline: NumPy's
   ``np.interp`` through the same knots, on the same grid: the same function, so the same
   error; its time shows what the symbolic route (graph, formula, lambdify) costs.
2. **Constructed against trained**, N = 4 .. 32 on sin(x): max error and seconds, training
   with full-batch Adam (4,000 epochs, 256 points, seed 0) through ``symnet.training.loop``.
3. **Exact pieces of the k-fold sawtooth**, k = 1 .. 12: exact rational propagation against
   a numeric baseline (the compiled network evaluated on a dyadic grid, 8 points per
   piece, slope changes counted).

Times are medians over repeats (the spread min-max is shown), with the default BLAS
threads and with 1 thread. The script re-runs itself with ``MALLOC_MMAP_THRESHOLD_`` and
``MALLOC_TRIM_THRESHOLD_`` set. Results go to ``benchmarks/results/approx.json``.

Run: ``.venv/bin/python benchmarks/approx.py`` (``--quick`` for fewer repeats).
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

from harness import MALLOC, use_environment

use_environment()  # before NumPy is imported

import numpy as np  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from symnet.codegen.scalar import compile_network  # noqa: E402
from symnet.expressivity.approximation import construct_approximation, train_approximation  # noqa: E402
from symnet.expressivity.depth import depth_row, network_piecewise, sawtooth_network  # noqa: E402
from symnet.numeric.functions import numpy_function  # noqa: E402
from symnet.parse import parse_expression  # noqa: E402

QUICK = "--quick" in sys.argv
REPEATS = 3 if QUICK else 7
TARGETS = [("sin(x)", "-pi,pi"), ("exp(x)", "0,1"), ("1/(1 + 25*x**2)", "-1,1")]
WIDTHS = (4, 8, 16, 32, 64, 128, 256, 512)


def timed(function, repeats=REPEATS):
    """(median seconds, min, max, last result) over ``repeats`` calls."""
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), min(times), max(times), result


def interp_baseline(expression: str, interval: tuple[float, float], units: int) -> float:
    """Max error of np.interp through the same knots, on the same grid as symnet's."""
    f = numpy_function(parse_expression(expression))
    knots = np.linspace(*interval, units + 1)
    grid = np.linspace(*interval, max(2001, 32 * units + 1))
    return float(np.max(np.abs(f(grid) - np.interp(grid, knots, f(knots)))))


def error_tables() -> list[dict]:
    rows = []
    for expression, interval in TARGETS:
        target = parse_expression(expression)
        previous = None
        for units in WIDTHS:
            seconds, low, high, result = timed(
                lambda t=target, i=interval, u=units: construct_approximation(t, i, u),
                max(1, REPEATS // 2),
            )
            bounds = tuple(float(v) for v in result.interval)
            base_seconds, *_, base_error = timed(
                lambda e=expression, b=bounds, u=units: interp_baseline(e, b, u)
            )
            rows.append(
                {
                    "target": expression,
                    "interval": interval,
                    "units": units,
                    "max_error": result.max_error,
                    "ratio": previous / result.max_error if previous else None,
                    "np_interp_max_error": base_error,
                    "seconds": seconds,
                    "spread": [low, high],
                    "np_interp_seconds": base_seconds,
                }
            )
            previous = result.max_error
    return rows


def constructed_vs_trained(threads: int | None) -> list[dict]:
    target, rows = parse_expression("sin(x)"), []
    with threadpool_limits(threads):
        for units in (4, 8, 16, 32):
            built = timed(lambda u=units: construct_approximation(target, "-pi,pi", u), 3)
            trained = timed(lambda u=units: train_approximation(target, "-pi,pi", u, seed=0), 3)
            rows.append(
                {
                    "units": units,
                    "threads": threads or "default",
                    "constructed_max_error": built[3].max_error,
                    "constructed_seconds": built[0],
                    "trained_max_error": trained[3].max_error,
                    "trained_seconds": trained[0],
                    "trained_spread": [trained[1], trained[2]],
                }
            )
    return rows


def numeric_pieces(k: int) -> int:
    network, values = sawtooth_network(k)
    grid = np.arange(0, 8 * 2**k + 1) / (8 * 2**k)
    floats = {name: float(v) for name, v in values.items()}
    y = compile_network(network).forward(grid[:, None], floats)[network.outputs[0]]
    slopes = np.round(np.diff(y) / np.diff(grid), 6)
    return 1 + int(np.count_nonzero(slopes[1:] != slopes[:-1]))


def depth_rows() -> list[dict]:
    rows = []
    for k in range(1, 13):
        exact = timed(lambda k=k: network_piecewise(*sawtooth_network(k)).pieces)
        numeric = timed(lambda k=k: numeric_pieces(k))
        full = timed(lambda k=k: depth_row(k), 1)  # with the shallow network built and compared
        rows.append(
            {
                "depth": k,
                "pieces_exact": exact[3],
                "pieces_numeric": numeric[3],
                "parameters": full[3]["parameter_count"],
                "shallow_units": full[3]["shallow_units_needed"],
                "shallow_equal": full[3]["shallow_equal"],
                "exact_seconds": exact[0],
                "numeric_seconds": numeric[0],
                "row_with_shallow_check_seconds": full[0],
            }
        )
    return rows


def main() -> None:
    errors = error_tables()
    print("1. Max error of the construction against width (np.interp: same knots, same grid)")
    print(
        f"{'target':>16} {'N':>4} {'max error':>10} {'ratio':>6} {'np.interp':>10}"
        f" {'symnet s':>9} {'interp s':>9}"
    )
    for r in errors:
        ratio = f"{r['ratio']:.2f}" if r["ratio"] else "-"
        print(
            f"{r['target']:>16} {r['units']:>4} {r['max_error']:>10.3e} {ratio:>6} "
            f"{r['np_interp_max_error']:>10.3e} {r['seconds']:>9.4f} {r['np_interp_seconds']:>9.5f}"
        )
    versus = constructed_vs_trained(None) + constructed_vs_trained(1)
    print("\n2. sin(x) on [-pi, pi]: constructed against trained (Adam, 4000 epochs, 256 points)")
    print(f"{'N':>4} {'threads':>8} {'constructed':>12} {'s':>7} {'trained':>10} {'s':>7}")
    for r in versus:
        print(
            f"{r['units']:>4} {r['threads']!s:>8} {r['constructed_max_error']:>12.3e} "
            f"{r['constructed_seconds']:>7.3f} {r['trained_max_error']:>10.3e} "
            f"{r['trained_seconds']:>7.3f}"
        )
    depth = depth_rows()
    print("\n3. k-fold sawtooth: exact pieces against numeric counting on a dyadic grid")
    print(
        f"{'k':>3} {'params':>6} {'exact':>6} {'numeric':>7} {'shallow':>7} {'equal':>5}"
        f" {'exact s':>8} {'numeric s':>9} {'row s':>7}"
    )
    for r in depth:
        print(
            f"{r['depth']:>3} {r['parameters']:>6} {r['pieces_exact']:>6} {r['pieces_numeric']:>7}"
            f" {r['shallow_units']:>7} {r['shallow_equal']!s:>5} {r['exact_seconds']:>8.4f}"
            f" {r['numeric_seconds']:>9.4f} {r['row_with_shallow_check_seconds']:>7.3f}"
        )
    results = {
        "environment": {
            "python": platform.python_version(),
            "numpy": np.__version__,
            "machine": platform.machine(),
            "cpus": os.cpu_count(),
            **{k: os.environ.get(k) for k in MALLOC},
            "repeats": REPEATS,
        },
        "error_against_width": errors,
        "constructed_vs_trained": versus,
        "depth": depth,
    }
    path = Path(__file__).parent / "results" / "approx.json"
    path.parent.mkdir(exist_ok=True)
    temporary = path.with_suffix(".json.tmp")
    temporary.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    os.replace(temporary, path)
    print(f"\nWrote {path}")


if __name__ == "__main__":
    main()
