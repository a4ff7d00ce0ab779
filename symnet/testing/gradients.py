"""Gradient checking: independent routes to every gradient must agree.

:func:`check_gradients` draws float64 weights, inputs and targets from a seed and computes
the batch-mean gradient of the loss with respect to every parameter by

1. **symbolic**: ``sympy.diff`` of the fully substituted loss when the size estimate
   allows, else the cached deltas of :func:`symnet.calculus.backprop.cached_deltas`; either way
   lambdified here, apart from the generated code of :mod:`symnet.codegen.scalar`;
2. **compiled**: the generated backprop code of :mod:`symnet.codegen.scalar`;
3. **finite differences**: central differences of the compiled forward loss;
4. **torch**: PyTorch autograd of the same network rebuilt in torch from the spec, when
   PyTorch is installed (``pip install 'symnet[torch]'``).

Each route is compared with the symbolic one. Like autograd's ``check_grads``, it raises
:class:`~symnet.exceptions.VerificationError` on a mismatch unless told not to.

A graph program is checked at its leaves' values (a batch of one) for every leaf, its
torch route the program's statements run in torch (:mod:`symnet.testing.program`).

>>> report = check_gradients("2-2:tanh-1", loss="mse", torch=False)
>>> report.passed, report.symbolic_route, len(report.rows)
(True, 'sympy.diff', 6)
>>> from symnet.parse.program import parse_program
>>> check_gradients(parse_program("x = 0.5; y = x * sin(x)"), torch=False).passed
True
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import networkx as nx
import numpy as np
import sympy as sp

from symnet.calculus.backprop import cached_deltas, delta_symbol
from symnet.calculus.chainrule import loss_node
from symnet.codegen.scalar import compile_network
from symnet.exceptions import SizeLimitError, SpecError, VerificationError
from symnet.graph.activations import elementary
from symnet.graph.build import as_network, source_spec
from symnet.graph.guards import MAX_CHECK_EDGES, check_gradient_check, check_substitution
from symnet.graph.network import Network
from symnet.graph.program import build_program
from symnet.graph.size import approximately, require_at_most, substituted_size
from symnet.graph.spec import NetworkSpec
from symnet.graph.statements import ProgramSpec
from symnet.graph.statements import substituted_size as program_size
from symnet.numeric.functions import lambdify_modules
from symnet.numeric.points import leaf_values, point_arrays, random_point
from symnet.testing.program import compilable, program_torch_gradients
from symnet.testing.results import GradientReport, GradientRow
from symnet.testing.torch_oracle import torch_gradients, torch_version

__all__ = [
    "GradientReport",
    "GradientRow",
    "MAX_CHECK_EDGES",
    "MAX_DIFF_COST",
    "SYMBOLIC_ROUTES",
    "check_gradients",
    "check_tolerances",
    "gradient_row",
    "symbolic_gradients",
    "torch_gradients",
    "torch_version",
]

SYMBOLIC_ROUTES = ("auto", "diff", "backprop")

#: Largest (parameters x outputs x substituted size) for which ``sympy.diff`` of the whole
#: loss is tried; about 3 s of SymPy at the limit.
MAX_DIFF_COST = 20_000

_TINY = float(np.finfo(np.float64).tiny)


def _diff_cost(network: Network) -> int:
    n = len(network.parameters) * len(network.outputs)
    if isinstance(network.spec, ProgramSpec):
        return n * program_size(network.spec)
    return n * substituted_size(network.spec, network.bias)


def _batch_size(network: Network, leaves: dict[str, Any]) -> int:
    """Rows of the batch: the inputs' length (a graph program, with no inputs: one)."""
    return len(leaves[network.inputs[0]]) if network.inputs else 1


def _diff_skipped(network: Network, cost: int) -> str | None:
    """Why ``symbolic="auto"`` does not take ``sympy.diff`` of the whole loss (None: it does)."""
    if cost > MAX_DIFF_COST:
        return f"size ~{approximately(cost)} > {MAX_DIFF_COST}"
    try:
        check_substitution(network.spec, network.bias, "the substituted loss", "")
    except SizeLimitError as error:
        return str(error).partition(" (limit")[0]  # e.g. "... would have ~6 levels of nesting"
    return None


def _evaluate_levels(levels, values: dict[sp.Symbol, Any]) -> None:
    """Assign ``symbol = expr`` level by level, one ``lambdify`` per level, into ``values``."""
    for level in levels:
        if not level:
            continue
        symbols = sorted(set().union(*(e.free_symbols for _, e in level)), key=str)
        function = sp.lambdify(symbols, [e for _, e in level], modules=lambdify_modules())
        with np.errstate(under="ignore"):  # a vanishing softmax share may underflow to 0
            results = function(*(values[s] for s in symbols))
        values.update((symbol, result) for (symbol, _), result in zip(level, results))


def _backprop_gradients(network: Network, leaves: dict[str, Any]) -> dict[str, Any]:
    """Forward values, then the cached deltas, each level of the graph lambdified on its own.

    Nodes of one topological generation do not depend on each other; the deltas are
    evaluated over the generations of the reversed graph (successors first). A
    parameter's delta is its gradient.
    """
    values = {sp.Symbol(name): value for name, value in leaves.items()}
    nodes = network.graph.nodes
    _evaluate_levels(
        [
            [
                (sp.Symbol(n), nodes[n]["definition"])
                for n in level
                if nodes[n]["definition"] is not None
            ]
            for level in nx.topological_generations(network.graph)
        ],
        values,
    )
    deltas = cached_deltas(network)
    _evaluate_levels(
        [
            [(delta_symbol(n), deltas[n]) for n in level if n in deltas]
            for level in nx.topological_generations(network.graph.reverse(copy=False))
        ],
        values,
    )
    return {p: values.get(delta_symbol(p), 0.0) for p in network.parameters}


def _diff_gradients(network: Network, leaves: dict[str, Any]) -> dict[str, Any]:
    """``sympy.diff`` of the fully substituted loss for each parameter, lambdified with cse."""
    # SymPy's own derivative rules, not symnet's table: an independent route.
    loss = elementary(network.substituted(loss_node(network)))
    expressions = [sp.diff(loss, p) for p in network.parameter_symbols]
    symbols = sorted(set().union(*(e.free_symbols for e in expressions)), key=str)
    function = sp.lambdify(symbols, expressions, modules=lambdify_modules(), cse=True)
    # Piecewise conditions on parameters alone must still be arrays for numpy.select.
    batch = _batch_size(network, leaves)
    values = [np.broadcast_to(np.asarray(leaves[s.name], float), (batch,)) for s in symbols]
    with np.errstate(under="ignore"):  # a vanishing softmax share may underflow to 0
        results = function(*values)
    return dict(zip(network.parameters, results))


def symbolic_gradients(
    network: Network, leaves: dict[str, Any], route: str = "auto"
) -> tuple[str, str, dict[str, float]]:
    """Batch-mean gradients from symbolic expressions: (route, note, name -> value).

    ``leaves`` maps every input, target and parameter name to its values (``(B,)`` arrays
    for inputs and targets). ``route`` is ``"diff"`` (``sympy.diff`` of the substituted
    loss; ``SizeLimitError`` when too large), ``"backprop"`` (the cached backprop deltas
    of :func:`symnet.calculus.backprop.cached_deltas`) or ``"auto"`` (diff when the size estimate
    allows).
    """
    if route not in SYMBOLIC_ROUTES:
        allowed = ", ".join(repr(r) for r in SYMBOLIC_ROUTES)
        raise SpecError(f"symbolic route must be one of {allowed}; got {route!r}")
    cost = _diff_cost(network)
    skipped = _diff_skipped(network, cost) if route == "auto" else None
    if route == "backprop" or skipped:
        note = "cached backprop deltas, evaluated level by level"
        if skipped:
            note += f"; sympy.diff of the whole loss skipped: {skipped}"
        route, gradients = "backprop", _backprop_gradients(network, leaves)
    else:
        hint = "check against the backprop deltas instead (symbolic='backprop')"
        require_at_most(cost, MAX_DIFF_COST, "sympy.diff of the substituted loss", hint)
        note = "each parameter's derivative of the fully substituted loss"
        route, gradients = "sympy.diff", _diff_gradients(network, leaves)
    batch = _batch_size(network, leaves)
    means = {p: float(np.mean(np.broadcast_to(g, (batch,)))) for p, g in gradients.items()}
    return route, note, means


def check_tolerances(eps: float, atol: float, rtol: float) -> None:
    """``SpecError`` unless eps > 0 and atol, rtol >= 0 are finite."""
    for what, value, positive in (("eps", eps, True), ("atol", atol, False), ("rtol", rtol, False)):
        if not np.isfinite(value) or value < 0 or (positive and value == 0):
            bound = "> 0" if positive else ">= 0"
            raise SpecError(f"{what} must be a finite number {bound}; got {value!r}")


def gradient_row(network: Network, name: str, value: float, symbolic: float, routes, atol, rtol):
    """One parameter's row: every route against the symbolic value, and the verdict."""
    data = network.graph.nodes[name]
    others = {route: values[name] for route, values in routes.items()}
    error = max(abs(a - symbolic) for a in others.values())
    finite = all(np.isfinite([symbolic, *others.values()]))
    return GradientRow(
        name=name,
        layer=data["layer"],
        kind=data["kind"],
        row=data["unit"],
        col=data.get("source") if data["kind"] == "weight" else None,
        value=value,
        symbolic=symbolic,
        compiled=others["compiled"],
        finite_difference=others["finite_difference"],
        torch=others.get("torch"),
        abs_error=float(error),
        rel_error=float(error / max(abs(symbolic), atol, _TINY)),
        passed=bool(finite and error <= atol + rtol * abs(symbolic)),
    )


def check_gradients(
    network_or_spec: Network | str | NetworkSpec | ProgramSpec,
    loss: str | None = None,
    *,
    names: str = "seed",
    bias: bool = False,
    seed: int = 0,
    batch: int = 4,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    torch: bool | None = None,
    symbolic: str = "auto",
    raise_on_failure: bool = True,
    weights: Mapping[str, float] | None = None,
) -> GradientReport:
    """Check every parameter's gradient by independent routes at a random point.

    Parameters
    ----------
    network_or_spec : Network, str, NetworkSpec or ProgramSpec
        A spec (built with ``names`` and ``bias``) or a built network; a network that
        has no loss is copied before the loss is attached. A graph program is checked at
        its leaves' values (``seed`` draws those it has none for), a batch of one.
    loss : {"mse", "bce", "ce"}, optional
        Default: the network's loss, else ``ce`` for a softmax output, else ``mse``.
    seed, batch : int
        The random point: weights, ``batch`` input rows and targets, all float64.
    eps, atol, rtol : float
        Finite-difference step and tolerances; the defaults are those of
        ``torch.autograd.gradcheck``.
    torch : bool, optional
        Cross-check with PyTorch autograd: None runs it when PyTorch is installed, True
        requires it, False skips it.
    symbolic : {"auto", "diff", "backprop"}
        Which symbolic expressions give the reference (see :func:`symbolic_gradients`).
    raise_on_failure : bool
        Raise ``VerificationError`` when a route disagrees (default, like ``check_grads``).
    weights : mapping, optional
        Name -> value for every parameter (e.g. a trained model's,
        :func:`symnet.training.trained.trained_weights`): the check runs there, only the
        inputs and targets drawn from ``seed``.

    Returns
    -------
    GradientReport

    Notes
    -----
    NOTE: a route value ``a`` passes against the symbolic value ``s`` when
    ``|a - s| <= atol + rtol |s|`` (``numpy.isclose``, as gradcheck). The reported
    relative error is ``|a - s| / max(|s|, atol)``: below ``atol`` a gradient is judged by
    its absolute error. Gradients are batch means, as the batch loss is the mean loss.

    >>> check_gradients("3-2:relu-1:sigmoid", "bce", bias=True, torch=False).passed
    True
    """
    check_tolerances(eps, atol, rtol)
    if torch is True and torch_version() is None:
        raise SpecError(
            "the PyTorch cross-check (torch=True) needs PyTorch; install it with "
            "pip install 'symnet[torch]' or leave the cross-check out (torch=False)"
        )
    spec, names, bias = source_spec(network_or_spec, names, bias)
    check_gradient_check(spec, bias)  # before anything is built
    if isinstance(spec, ProgramSpec):
        options = (seed, eps, atol, rtol, torch, symbolic, raise_on_failure)
        program = network_or_spec if isinstance(network_or_spec, Network) else spec
        return _check_program(program, loss, *options)
    network = as_network(network_or_spec, names=names, bias=bias, loss=loss, need_loss=True)
    leaves = random_point(network, seed, "check", batch=batch)
    if weights is not None:
        leaves.update(_given_weights(network, weights))
    inputs, targets, params = point_arrays(network, leaves)
    route, note, symbolic_values = symbolic_gradients(network, leaves, symbolic)
    compiled = compile_network(network)
    loss_value, compiled_values = compiled.loss_and_gradients(inputs, targets, params)
    routes = {
        "compiled": compiled_values,
        "finite_difference": compiled.finite_difference_gradients(inputs, targets, params, eps),
    }
    status = "skipped (not requested)" if torch is False else "skipped (not installed)"
    version = None if torch is False else torch_version()
    if version is not None:
        routes["torch"] = torch_gradients(network, inputs, targets, params)
        status = f"torch {version} autograd"
    rows = [
        gradient_row(network, name, params[name], symbolic_values[name], routes, atol, rtol)
        for name in network.parameters
    ]
    report = GradientReport(
        spec=str(network.spec),
        loss=str(network.loss),
        names=network.naming.scheme,
        bias=network.bias,
        seed=seed,
        batch=batch,
        eps=eps,
        atol=atol,
        rtol=rtol,
        symbolic_route=route,
        symbolic_note=note,
        torch_status=status,
        inputs=inputs,
        targets=targets,
        loss_value=loss_value,
        rows=tuple(rows),
    )
    if raise_on_failure and not report.passed:
        raise VerificationError(report.failure_message())
    return report


def _given_weights(network: Network, weights: Mapping[str, float]) -> dict[str, float]:
    """``weights`` checked: a finite number for every parameter of ``network``, no other."""
    if set(weights) != set(network.parameters):
        odd = sorted(set(weights) ^ set(network.parameters))[:5]
        raise SpecError(
            f"weights= must name every parameter of {network.spec} and no other; "
            f"check {', '.join(odd)}"
        )
    values = {name: float(weights[name]) for name in network.parameters}
    if not all(math.isfinite(v) for v in values.values()):
        raise SpecError("weights= must be finite numbers")
    return values


def _check_program(
    program: ProgramSpec | Network,
    loss: str | None,
    seed: int,
    eps: float,
    atol: float,
    rtol: float,
    torch: bool | None,
    symbolic: str,
    raise_on_failure: bool,
) -> GradientReport:
    """Every leaf's gradient of a graph program at its leaves' values (see check_gradients)."""
    spec = program.spec if isinstance(program, Network) else program
    if not isinstance(spec, ProgramSpec):  # check_gradients sends programs only
        raise SpecError(f"{spec} is not a graph program; check it with check_gradients")
    network = as_network(program, loss=loss)
    point = {leaf: float(value) for leaf, value in leaf_values(network, seed).items()}
    route, note, symbolic_values = symbolic_gradients(network, dict(point), symbolic)
    safe, original = compilable(spec)
    compiled = compile_network(build_program(safe) if original else network)
    inputs = np.empty((1, 0))
    params = [point[original.get(p, p)] for p in compiled.network.parameters]
    loss_value, compiled_values = compiled.loss_and_gradients(inputs, None, params)
    differences = compiled.finite_difference_gradients(inputs, None, params, eps)
    routes = {
        "compiled": {original.get(k, k): v for k, v in compiled_values.items()},
        "finite_difference": {original.get(k, k): v for k, v in differences.items()},
    }
    status = "skipped (not requested)" if torch is False else "skipped (not installed)"
    version = None if torch is False else torch_version()
    if version is not None:
        routes["torch"] = program_torch_gradients(spec, point)
        status = f"torch {version} autograd of the statements"
    rows = tuple(
        gradient_row(network, leaf, point[leaf], symbolic_values[leaf], routes, atol, rtol)
        for leaf in network.leaves
    )
    report = GradientReport(
        spec=str(spec),
        loss=None,
        names="program",
        bias=False,
        seed=seed,
        batch=1,
        eps=eps,
        atol=atol,
        rtol=rtol,
        symbolic_route=route,
        symbolic_note=note,
        torch_status=status,
        inputs=inputs,
        targets=np.empty((1, 0)),
        loss_value=loss_value,
        rows=rows,
    )
    if raise_on_failure and not report.passed:
        raise VerificationError(report.failure_message())
    return report
