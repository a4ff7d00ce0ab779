"""Benchmark: symnet's generated training step against hand-written NumPy, PyTorch and micrograd.

Two workloads, each timed side by side in this one process (float64 unless stated):

- moons, 2-16:relu-16:relu-1:sigmoid with bce, n = 1,000, one full-batch step
  (forward, backward, SGD update);
- digits, 64-64:relu-10:softmax with ce, batch 64, one epoch over the 80 % training split
  (float64 and float32).

Baselines: the same network written by hand in NumPy (the reference; for moons also a
second hand-written version with samples as columns, the layout symnet generates, to show
what the layout alone is worth), PyTorch on the CPU
(when installed) and micrograd from PyPI (when installed; moons only, on 50 samples,
because it works one scalar at a time). Each figure is the median over repeats in one
process; the script runs 3 processes and reports the median of their medians with the
min-max over processes. Every figure is taken twice: with the default
BLAS threads and with 1 thread (threadpoolctl and torch.set_num_threads).

The script re-runs itself with ``MALLOC_MMAP_THRESHOLD_=33554432`` and
``MALLOC_TRIM_THRESHOLD_=1073741824`` set when they are missing (glibc's allocator can
otherwise make mid-size NumPy work several times slower). It also trains the two targets
with ``symnet.training.loop.train`` and reports their accuracies. Results go to
``benchmarks/results/train.json``.

Run: ``.venv/bin/python benchmarks/train.py`` (``--quick`` for fewer repeats).
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

from harness import MALLOC, use_environment

use_environment()  # before NumPy is imported

import numpy as np  # noqa: E402

from symnet.codegen.program import compile_layers  # noqa: E402
from symnet.graph.spec import parse_spec  # noqa: E402
from symnet.training.data import Standardizer, load_data, train_test_split  # noqa: E402
from symnet.training.evaluation import targets  # noqa: E402
from symnet.training.loop import train  # noqa: E402
from symnet.training.modelfile import initial_parameters  # noqa: E402
from symnet.training.optimizers import SGD  # noqa: E402

QUICK = "--quick" in sys.argv
REPEATS = 3 if QUICK else 11
LR = 0.01


# ---- the hand-written NumPy reference ------------------------------------------------------


def hand_moons_step(X, T, params):
    W1, b1, W2, b2, W3, b3 = params
    N = X.shape[0]
    Z1 = X @ W1.T + b1
    A1 = np.maximum(Z1, 0)
    Z2 = A1 @ W2.T + b2
    A2 = np.maximum(Z2, 0)
    Z3 = A2 @ W3.T + b3
    Y = 1 / (1 + np.exp(-Z3))
    loss = np.mean(np.logaddexp(0, Z3) - T * Z3)
    D3 = (Y - T) / N
    D2 = (D3 @ W3) * (Z2 > 0)
    D1 = (D2 @ W2) * (Z1 > 0)
    grads = [D1.T @ X, D1.sum(0), D2.T @ A1, D2.sum(0), D3.T @ A2, D3.sum(0)]
    for p, g in zip(params, grads):
        p -= LR * g
    return loss


def hand_moons_step_columns(X, T, params):
    """The same step with samples as columns (the layout symnet generates), for comparison."""
    W1, b1, W2, b2, W3, b3 = params
    N = X.shape[0]
    A0, T = X.T, T.T
    Z1 = W1 @ A0 + b1[:, None]
    A1 = np.maximum(Z1, 0)
    Z2 = W2 @ A1 + b2[:, None]
    A2 = np.maximum(Z2, 0)
    Z3 = W3 @ A2 + b3[:, None]
    Y = 1 / (1 + np.exp(-Z3))
    loss = np.mean(np.logaddexp(0, Z3) - T * Z3)
    D3 = (Y - T) / N
    D2 = (W3.T @ D3) * (Z2 > 0)
    D1 = (W2.T @ D2) * (Z1 > 0)
    grads = [D1 @ A0.T, D1.sum(1), D2 @ A1.T, D2.sum(1), D3 @ A2.T, D3.sum(1)]
    for p, g in zip(params, grads):
        p -= LR * g
    return loss


def hand_digits_step(X, T, params):
    W1, b1, W2, b2 = params
    N = X.shape[0]
    Z1 = X @ W1.T + b1
    A1 = np.maximum(Z1, 0)
    Z2 = A1 @ W2.T + b2
    E = np.exp(Z2 - Z2.max(axis=1, keepdims=True))
    S = E.sum(axis=1, keepdims=True)
    Y = E / S
    loss = np.mean(np.log(S[:, 0]) + Z2.max(axis=1) - (T * Z2).sum(axis=1))
    D2 = (Y - T) / N
    D1 = (D2 @ W2) * (Z1 > 0)
    grads = [D1.T @ X, D1.sum(0), D2.T @ A1, D2.sum(0)]
    for p, g in zip(params, grads):
        p -= LR * g
    return loss


def symnet_stepper(spec, loss):
    program = compile_layers(spec, loss)
    step = program._step

    def run(X, T, params, optimizer):
        value, grads = step(X, T, *params)
        optimizer.update(params, grads)
        return value

    return run


# ---- PyTorch and micrograd -------------------------------------------------------------------


def torch_stepper(widths, activations, loss_name, dtype):
    import torch

    torch_dtype = {"float64": torch.float64, "float32": torch.float32}[dtype]
    layers = []
    for (a, b), act in zip(zip(widths, widths[1:]), activations):
        layers.append(torch.nn.Linear(a, b, dtype=torch_dtype))
        if act == "relu":
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers)
    criterion = torch.nn.BCEWithLogitsLoss() if loss_name == "bce" else torch.nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=LR)

    def run(X, T):
        optimizer.zero_grad(set_to_none=True)
        value = criterion(model(X), T)
        value.backward()
        optimizer.step()
        return value

    return run


def micrograd_moons_seconds(X, T, repeats):
    try:
        from micrograd.engine import Value
        from micrograd.nn import MLP
    except ImportError:
        return None
    import random

    random.seed(0)
    model = MLP(2, [16, 16, 1])  # relu hidden layers, linear output (the logit)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        total = Value(0.0)
        for x, t in zip(X.tolist(), T[:, 0].tolist()):
            z = model([Value(v) for v in x])
            # NOTE: micrograd's Value has no exp/log, so its loss is the squared error of the
            # logit; the network (the cost that matters) is the same.
            total = total + (z - t) ** 2
        total = total * (1.0 / len(X))
        model.zero_grad()
        total.backward()
        for p in model.parameters():
            p.data -= LR * p.grad
        times.append(time.perf_counter() - start)
    return times


# ---- timing --------------------------------------------------------------------------------


def timed(function, repeats, inner):
    """Seconds per call: for each repeat, the mean over ``inner`` calls."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(inner):
            function()
        times.append((time.perf_counter() - start) / inner)
    return times


def interleaved(candidates: dict, repeats: int, inner: int) -> dict:
    """Time the candidates in turn, repeat after repeat, so drift hits them all alike.

    NOTE: PyTorch is timed after the NumPy candidates, never between them: its OpenMP
    threads keep spinning for a while after each call and would slow whatever runs next.
    """
    samples = {name: [] for name in candidates}
    numpy_names = [name for name in candidates if name != "PyTorch CPU"]
    for name in numpy_names:
        candidates[name]()  # warm up
    for _ in range(repeats):
        for name in numpy_names:
            samples[name] += timed(candidates[name], 1, inner)
    if "PyTorch CPU" in candidates:
        candidates["PyTorch CPU"]()
        samples["PyTorch CPU"] = timed(candidates["PyTorch CPU"], repeats, inner)
        time.sleep(0.5)  # let its threads go idle before the next workload
    return {name: _stats(values) for name, values in samples.items()}


def _stats(values):
    ms = sorted(v * 1e3 for v in values)
    return {
        "median_ms": statistics.median(ms),
        "min_ms": ms[0],
        "max_ms": ms[-1],
        "repeats": len(ms),
    }


def moons_workload(dtype="float64"):
    data = load_data("moons", n_samples=1000, noise=0.1, seed=0)
    X = Standardizer.fit(data.X).transform(data.X).astype(dtype)
    spec = parse_spec("2-16:relu-16:relu-1:sigmoid")
    T = targets(spec, "bce", data).astype(dtype)
    return spec, X, T


def digits_batches(dtype):
    data = load_data("digits")
    train_set, _ = train_test_split(data, 0.2, seed=0)
    X = Standardizer.fit(train_set.X).transform(train_set.X).astype(dtype)
    spec = parse_spec("64-64:relu-10:softmax")
    T = targets(spec, "ce", train_set).astype(dtype)
    batches = [(X[i : i + 64], T[i : i + 64]) for i in range(0, len(X), 64)]
    return spec, batches


def bench_moons(threads_label):
    spec, X, T = moons_workload()
    symnet_params = initial_parameters(spec, seed=0)
    hand_params = [p.copy() for p in symnet_params]
    column_params = [p.copy() for p in symnet_params]
    step = symnet_stepper(spec, "bce")
    optimizer = SGD(LR, symnet_params)
    candidates = {
        "symnet": lambda: step(X, T, symnet_params, optimizer),
        "hand NumPy": lambda: hand_moons_step(X, T, hand_params),
        "hand (cols)": lambda: hand_moons_step_columns(X, T, column_params),
    }
    try:
        import torch

        Xt, Tt = torch.from_numpy(X), torch.from_numpy(T)
        run = torch_stepper(spec.widths, ["relu", "relu", "identity"], "bce", "float64")
        candidates["PyTorch CPU"] = lambda: run(Xt, Tt)
    except ImportError:
        pass
    results = interleaved(candidates, REPEATS, 20)
    return {
        "workload": "moons 2-16:relu-16:relu-1:sigmoid, n=1000, full-batch step",
        "threads": threads_label,
        "dtype": "float64",
        "results": results,
    }


def bench_digits(threads_label, dtype):
    spec, batches = digits_batches(dtype)
    symnet_params = initial_parameters(spec, seed=0, dtype=dtype)
    hand_params = [p.copy() for p in symnet_params]
    step = symnet_stepper(spec, "ce")
    optimizer = SGD(LR, symnet_params)

    def symnet_epoch():
        for X, T in batches:
            step(X, T, symnet_params, optimizer)

    def hand_epoch():
        for X, T in batches:
            hand_digits_step(X, T, hand_params)

    candidates = {"symnet": symnet_epoch, "hand NumPy": hand_epoch}
    try:
        import torch

        torch_batches = [(torch.from_numpy(X), torch.from_numpy(T.argmax(1))) for X, T in batches]
        run = torch_stepper(spec.widths, ["relu", "identity"], "ce", dtype)

        def torch_epoch():
            for X, t in torch_batches:
                run(X, t)

        candidates["PyTorch CPU"] = torch_epoch
    except ImportError:
        pass
    results = interleaved(candidates, REPEATS, 2)
    return {
        "workload": "digits 64-64:relu-10:softmax, batch 64, one epoch (1437 samples)",
        "threads": threads_label,
        "dtype": dtype,
        "results": results,
    }


def targets_run():
    out = {}
    for spec, data in (
        ("2-16:relu-16:relu-1:sigmoid", "moons"),
        ("64-64:relu-10:softmax", "digits"),
    ):
        result = train(spec, data, seed=0)
        out[data] = {
            "spec": spec,
            "test_accuracy": result.test_accuracy,
            "train_accuracy": result.train_accuracy,
            "epochs": result.epochs,
            "seconds": round(result.seconds, 3),
        }
    return out


def run_all():
    """Every workload, with the default threads and with 1 thread (one process's figures)."""
    runs = []
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        threadpool_limits = None
    try:
        import torch
    except ImportError:
        torch = None
    default_threads = torch.get_num_threads() if torch else None
    for label in ("default", "1 thread"):
        if label == "1 thread":
            if threadpool_limits is None:
                continue
            limiter = threadpool_limits(1)
            if torch:
                torch.set_num_threads(1)
        runs.append(bench_moons(label))
        runs.append(bench_digits(label, "float64"))
        runs.append(bench_digits(label, "float32"))
        if label == "1 thread":
            limiter.unregister()
            if torch:
                torch.set_num_threads(default_threads)
    return runs


def combine(processes: list[list[dict]]) -> list[dict]:
    """Per workload and candidate: the median over processes of each process's median."""
    combined = []
    for index, first in enumerate(processes[0]):
        runs = [process[index] for process in processes]
        results = {}
        for name in first["results"]:
            medians = [run["results"][name]["median_ms"] for run in runs]
            results[name] = {
                "median_ms": statistics.median(medians),
                "process_medians_ms": medians,
            }
        ratios = [
            run["results"]["symnet"]["median_ms"] / run["results"]["hand NumPy"]["median_ms"]
            for run in runs
        ]
        combined.append(
            {
                **{k: first[k] for k in ("workload", "threads", "dtype")},
                "results": results,
                "symnet_over_hand": statistics.median(ratios),
                "symnet_over_hand_per_process": ratios,
            }
        )
    return combined


def print_table(runs: list[dict]) -> None:
    for run in runs:
        print(f"\n{run['workload']} [{run['dtype']}, threads: {run['threads']}]")
        hand = run["results"]["hand NumPy"]["median_ms"]
        for name, r in run["results"].items():
            spread = "-".join(
                f"{v:.3f}" for v in (min(r["process_medians_ms"]), max(r["process_medians_ms"]))
            )
            print(
                f"  {name:<12} {r['median_ms']:9.3f} ms  ({spread})  x{r['median_ms'] / hand:5.2f}"
            )
        ratios = ", ".join(f"{v:.2f}" for v in run["symnet_over_hand_per_process"])
        print(f"  symnet / hand NumPy per process: {ratios}")


def main():
    if "--child" in sys.argv:
        print(json.dumps(run_all()))
        return
    processes = []
    count = 1 if QUICK else 3
    for k in range(count):
        print(f"process {k + 1} of {count} ...", file=sys.stderr)
        child = subprocess.run(
            [sys.executable, __file__, "--child", *(["--quick"] if QUICK else [])],
            capture_output=True,
            text=True,
            check=True,
        )
        processes.append(json.loads(child.stdout))
    runs = combine(processes)
    print(
        "symnet training step vs baselines: medians over repeats in each of "
        f"{count} processes, then the median (min-max) over processes; the ratio is to hand "
        f"NumPy. MALLOC_MMAP_THRESHOLD_={os.environ['MALLOC_MMAP_THRESHOLD_']} "
        f"MALLOC_TRIM_THRESHOLD_={os.environ['MALLOC_TRIM_THRESHOLD_']}"
    )
    print_table(runs)
    spec, X, T = moons_workload()
    micro = micrograd_moons_seconds(X[:50], T[:50], 2 if QUICK else 3)
    micro_summary = None
    if micro:
        per_sample = statistics.median(micro) / 50
        micro_summary = {
            "samples": 50,
            "median_s": statistics.median(micro),
            "extrapolated_full_batch_s": per_sample * 1000,
        }
        print(
            f"\nmicrograd (PyPI), moons step on 50 samples: {statistics.median(micro):.3f} s "
            f"(~{per_sample * 1000:.1f} s for n = 1000)"
        )
    goals = targets_run()
    for name, g in goals.items():
        print(
            f"\ntarget {name}: {g['spec']} test accuracy {g['test_accuracy']:.2%} "
            f"({g['epochs']} epochs, {g['seconds']} s)"
        )
    results = {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "malloc": MALLOC,
        "processes": count,
        "runs": runs,
        "micrograd": micro_summary,
        "targets": goals,
    }
    path = Path(__file__).parent / "results" / "train.json"
    path.parent.mkdir(exist_ok=True)
    temporary = path.with_suffix(".json.tmp")
    temporary.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    temporary.replace(path)
    print(f"\nwrote {path}")


if __name__ == "__main__":
    main()
