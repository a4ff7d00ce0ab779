"""Time the three derivations of every gradient on growing networks.

For each network: (a) the chain rule over paths, (b) backprop with cached deltas and
(c) sympy.diff of the substituted loss, each for every parameter, plus the
multiplications (a) and (b) need and where (a) or (c) is refused by its size guard.
``full`` is the whole ``symnet derive SPEC`` pipeline (build, loss, all three routes as
allowed, the proof, the JSON dict). Times are medians over repeats, SymPy's cache
cleared before each; the work is single-threaded Python, so 1-thread figures are the
same (OPENBLAS_NUM_THREADS=1 is set anyway).

Run: ``.venv/bin/python benchmarks/derive.py [--repeats N] [--quick]``; writes
benchmarks/results/derive.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from harness import use_environment

ENVIRONMENT = use_environment(OPENBLAS_NUM_THREADS="1")  # before NumPy is imported

from sympy.core.cache import clear_cache  # noqa: E402

from symnet.calculus import backprop, chainrule  # noqa: E402
from symnet.calculus.derivation import derive, direct_gradients  # noqa: E402
from symnet.calculus.derivation_format import derivation_dict  # noqa: E402
from symnet.exceptions import SizeLimitError  # noqa: E402
from symnet.graph.build import build_network  # noqa: E402
from symnet.graph.losses import add_loss, default_loss  # noqa: E402
from symnet.graph.spec import parse_spec  # noqa: E402

SPECS = [
    "3-2-2-1",
    "3-2:sigmoid-2:sigmoid-1:sigmoid",
    "4-4:relu-4:relu-1:sigmoid",
    "8-8-8-1",
    "8-8:tanh-8:tanh-3:softmax",
    "16-16-16-1",
    "8-8-8-8-8-8-8-8-1",
    "16-16-16-16-16-1",
    "32-32:relu-32:relu-10:softmax",
    "64-64:relu-64:relu-10:softmax",
]
QUICK = SPECS[:6]


def network(spec: str):
    return add_loss(build_network(spec), default_loss(parse_spec(spec)))


def timed(work, repeats: int) -> float | None:
    """Median seconds of ``work()`` over ``repeats``; None when it is refused."""
    times = []
    for _ in range(repeats):
        clear_cache()
        start = time.perf_counter()
        try:
            work()
        except SizeLimitError:
            return None
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def measure(spec: str, repeats: int) -> dict:
    net = network(spec)
    params = net.parameters
    counts = chainrule.path_counts(net)
    naive, cached = backprop.multiplication_counts(net)

    def paths():
        counts = chainrule.path_counts(net)
        chainrule.require_paths(net, params, counts=counts)
        for p in params:
            chainrule.chain_rule_gradient(net, p, counts=counts)

    def cache():
        deltas = backprop.cached_deltas(net)
        backprop.gradients(net, deltas)

    def built_with_cache():  # what "derive every gradient with the cache" costs from scratch
        fresh = network(spec)
        backprop.gradients(fresh, backprop.cached_deltas(fresh))

    def full():
        derivation_dict(derive(spec))

    big = len(params) > 2000
    return {
        "spec": spec,
        "parameters": len(params),
        "paths": sum(counts[p] for p in params),
        "multiplications_naive": naive,
        "multiplications_cached": cached,
        "seconds_paths": timed(paths, repeats),
        "seconds_cached": timed(cache, repeats),
        "seconds_build_and_cached": timed(built_with_cache, repeats),
        "seconds_sympy_diff": timed(lambda: direct_gradients(net, params), repeats),
        "seconds_full": timed(full, 1 if big else repeats),
    }


def cell(seconds: float | None) -> str:
    return "refused" if seconds is None else f"{seconds:.3f}"


def table(rows: list[dict]) -> str:
    head = (
        f"{'network':<32} {'params':>6} {'paths':>9} {'(a) s':>8} {'(b) s':>7} "
        f"{'build+(b)':>9} {'(c) s':>8} {'full s':>7} {'mult (a)':>10} {'mult (b)':>8}"
    )
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(
            f"{r['spec']:<32} {r['parameters']:>6} {r['paths']:>9.3g} "
            f"{cell(r['seconds_paths']):>8} {cell(r['seconds_cached']):>7} "
            f"{cell(r['seconds_build_and_cached']):>9} {cell(r['seconds_sympy_diff']):>8} "
            f"{cell(r['seconds_full']):>7} {r['multiplications_naive']:>10.3g} "
            f"{r['multiplications_cached']:>8}"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="only the small networks")
    args = parser.parse_args()
    rows = []
    for spec in QUICK if args.quick else SPECS:
        rows.append(measure(spec, args.repeats))
        print(f"measured {spec}", file=sys.stderr)
    settings = ", ".join(f"{k}={v}" for k, v in ENVIRONMENT.items())
    print(f"Derivations of every gradient; medians of {args.repeats} ({settings})")
    print("(a) chain rule over paths  (b) backprop, cached deltas  (c) sympy.diff")
    print(table(rows))
    result = {"environment": ENVIRONMENT, "repeats": args.repeats, "rows": rows}
    output = Path(__file__).parent / "results" / "derive.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=output.parent, delete=False) as f:
        json.dump(result, f, indent=2)
    os.replace(f.name, output)
    print(f"wrote {output}")


if __name__ == "__main__":
    main()
