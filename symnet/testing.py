"""Gradient checking: independent routes to every gradient must agree.

:func:`check_gradients` draws float64 weights, inputs and targets from a seed and computes
the batch-mean gradient of the loss with respect to every parameter by

1. **symbolic**: ``sympy.diff`` of the fully substituted loss when the size estimate
   allows, else the cached deltas of :func:`symnet.backprop.cached_deltas`; either way
   lambdified here, apart from the generated code of :mod:`symnet.compile`;
2. **compiled**: the generated backprop code of :mod:`symnet.compile`;
3. **finite differences**: central differences of the compiled forward loss;
4. **torch**: PyTorch autograd of the same network rebuilt in torch from the spec, when
   PyTorch is installed (``pip install 'symnet[torch]'``).

Each route is compared with the symbolic one. Like autograd's ``check_grads``, it raises
:class:`~symnet.exceptions.VerificationError` on a mismatch unless told not to.

>>> report = check_gradients("2-2:tanh-1", loss="mse", torch=False)
>>> report.passed, report.symbolic_route, len(report.rows)
(True, 'sympy.diff', 6)
"""

from __future__ import annotations

import copy
from dataclasses import asdict, dataclass, field
from typing import Any

import networkx as nx
import numpy as np
import sympy as sp

from symnet.activations import elementary
from symnet.compile import compile_network, random_inputs, random_parameters
from symnet.exceptions import SpecError, VerificationError
from symnet.graph import Network, build_network
from symnet.losses import add_loss, default_loss, lambdify_modules
from symnet.size import graph_edges, require_at_most, substituted_size
from symnet.spec import NetworkSpec

__all__ = [
    "GradientReport",
    "GradientRow",
    "MAX_CHECK_EDGES",
    "MAX_DIFF_COST",
    "SYMBOLIC_ROUTES",
    "check_gradients",
    "random_targets",
    "symbolic_gradients",
    "torch_gradients",
    "torch_version",
]

SYMBOLIC_ROUTES = ("auto", "diff", "backprop")

#: Largest (parameters x outputs x substituted size) for which ``sympy.diff`` of the whole
#: loss is tried; about 3 s of SymPy at the limit.
MAX_DIFF_COST = 20_000

#: Largest scalar graph (edges) checked: the generated code and the finite differences grow
#: with parameters x edges, about 10 s at the limit.
MAX_CHECK_EDGES = 6_000

_TINY = float(np.finfo(np.float64).tiny)

_COLUMNS = ("param", "layer", "kind", "row", "col", "value", "symbolic", "compiled", "finite diff")


def random_targets(
    network: Network, loss: str, batch: int, seed: int | np.random.Generator = 0
) -> np.ndarray:
    """Targets shaped ``(batch, n_outputs)``: one-hot rows for ce, 0/1 for bce, normals for mse.

    >>> net = build_network("2-3:softmax")
    >>> random_targets(net, "ce", 2, seed=0).sum(axis=1)
    array([1., 1.])
    """
    rng = np.random.default_rng(seed)
    n = len(network.outputs)
    if loss == "ce":
        return np.eye(n)[rng.integers(0, n, size=batch)]
    if loss == "bce":
        return rng.integers(0, 2, size=(batch, n)).astype(np.float64)
    return rng.normal(size=(batch, n))


@dataclass(frozen=True)
class GradientRow:
    """One parameter's gradient by every route; ``torch`` is None when not run.

    ``layer`` counts from 1; ``row`` is the destination unit and ``col`` the source unit
    (0-based; None for a bias).
    """

    name: str
    layer: int
    kind: str
    row: int
    col: int | None
    value: float
    symbolic: float
    compiled: float
    finite_difference: float
    torch: float | None
    abs_error: float
    rel_error: float
    passed: bool

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        if self.col is None:
            del data["col"]
        if self.torch is None:
            del data["torch"]
        return data


@dataclass(frozen=True, eq=False)
class GradientReport:
    """What :func:`check_gradients` used and found; ``to_dict()`` is the CLI's JSON."""

    spec: str
    loss: str
    names: str
    bias: bool
    seed: int
    batch: int
    eps: float
    atol: float
    rtol: float
    symbolic_route: str
    symbolic_note: str
    torch_status: str
    inputs: np.ndarray = field(repr=False)
    targets: np.ndarray = field(repr=False)
    loss_value: float = 0.0
    rows: tuple[GradientRow, ...] = ()

    @property
    def max_abs_error(self) -> float:
        return max((row.abs_error for row in self.rows), default=0.0)

    @property
    def max_rel_error(self) -> float:
        return max((row.rel_error for row in self.rows), default=0.0)

    @property
    def passed(self) -> bool:
        return all(row.passed for row in self.rows)

    @property
    def failures(self) -> tuple[GradientRow, ...]:
        return tuple(row for row in self.rows if not row.passed)

    def to_dict(self) -> dict[str, Any]:
        settings = ("spec", "loss", "names", "bias", "seed", "batch", "eps", "atol", "rtol")
        return {
            **{name: getattr(self, name) for name in settings},
            "dtype": "float64",
            "symbolic_route": self.symbolic_route,
            "symbolic_note": self.symbolic_note,
            "torch": self.torch_status,
            "inputs": self.inputs.tolist(),
            "targets": self.targets.tolist(),
            "loss_value": self.loss_value,
            "parameters": [row.to_dict() for row in self.rows],
            "max_abs_error": self.max_abs_error,
            "max_rel_error": self.max_rel_error,
            "passed": self.passed,
        }

    def failure_message(self) -> str:
        """One line naming the worst failing parameter and its values ('' when passed)."""
        if self.passed:
            return ""
        worst = max(self.failures, key=lambda r: r.abs_error)
        where = f"layer {worst.layer} {worst.kind} row {worst.row}"
        where += "" if worst.col is None else f" col {worst.col}"
        values = (
            f"symbolic {worst.symbolic:.9g}, compiled {worst.compiled:.9g}, "
            f"finite difference {worst.finite_difference:.9g}"
        )
        values += "" if worst.torch is None else f", torch {worst.torch:.9g}"
        more = len(self.failures) - 1
        return (
            f"gradient check of {self.spec} (loss {self.loss}) failed for {worst.name} "
            f"({where}): {values}; |error| {worst.abs_error:.3g} exceeds atol {self.atol:g} + "
            f"rtol {self.rtol:g} * |symbolic|"
            + (f" ({more} more parameter(s) failed)" if more else "")
            + "; a derivative rule disagrees with its function (or a ReLU kink lies within "
            "eps of the point: try another seed)"
        )

    def to_text(self) -> str:
        with_torch = any(row.torch is not None for row in self.rows)
        head = [*_COLUMNS, *(["torch"] if with_torch else [])]
        table = [[*head, "abs error", "ok"]]
        for r in self.rows:
            numbers = [r.value, r.symbolic, r.compiled, r.finite_difference]
            numbers += [r.torch] if with_torch else []
            position = [
                r.name,
                str(r.layer),
                r.kind,
                str(r.row),
                "" if r.col is None else str(r.col),
            ]
            verdict = [f"{r.abs_error:.1e}", "yes" if r.passed else "NO"]
            table.append([*position, *(f"{x: .6e}" for x in numbers), *verdict])
        widths = [max(len(line[k]) for line in table) for k in range(len(table[0]))]
        lines = [
            f"gradient check of {self.spec} (names {self.names}, bias {self.bias}), loss "
            f"{self.loss}, batch {self.batch}, seed {self.seed}, float64",
            f"symbolic: {self.symbolic_route} ({self.symbolic_note}); torch: {self.torch_status}",
            f"batch loss = {self.loss_value:.10g}",
            "",
            *("  ".join(cell.ljust(w) for cell, w in zip(line, widths)).rstrip() for line in table),
            "",
            f"max abs error {self.max_abs_error:.2e}, max rel error {self.max_rel_error:.2e} "
            f"(atol {self.atol:g}, rtol {self.rtol:g}, finite-difference step {self.eps:g}): "
            + ("PASSED" if self.passed else f"FAILED for {len(self.failures)} parameter(s)"),
        ]
        return "\n".join(lines)


def _diff_cost(network: Network) -> int:
    n = len(network.parameters) * len(network.outputs)
    return n * substituted_size(network.spec, network.bias)


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
    from symnet.backprop import cached_deltas, delta_symbol

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
    loss = elementary(network.substituted(network.loss_node))
    expressions = [sp.diff(loss, p) for p in network.parameter_symbols]
    symbols = sorted(set().union(*(e.free_symbols for e in expressions)), key=str)
    function = sp.lambdify(symbols, expressions, modules=lambdify_modules(), cse=True)
    # Piecewise conditions on parameters alone must still be arrays for numpy.select.
    batch = len(leaves[network.inputs[0]])
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
    of :func:`symnet.backprop.cached_deltas`) or ``"auto"`` (diff when the size estimate
    allows).
    """
    if route not in SYMBOLIC_ROUTES:
        allowed = ", ".join(repr(r) for r in SYMBOLIC_ROUTES)
        raise SpecError(f"symbolic route must be one of {allowed}; got {route!r}")
    cost = _diff_cost(network)
    if route == "backprop" or (route == "auto" and cost > MAX_DIFF_COST):
        note = "cached backprop deltas, evaluated level by level"
        if route == "auto":
            note += f"; sympy.diff of the whole loss skipped at size ~{cost:.2g} > {MAX_DIFF_COST}"
        route, gradients = "backprop", _backprop_gradients(network, leaves)
    else:
        hint = (
            "check against the backprop deltas instead (symbolic='backprop', --symbolic backprop)"
        )
        require_at_most(cost, MAX_DIFF_COST, "sympy.diff of the substituted loss", hint)
        note = "each parameter's derivative of the fully substituted loss"
        route, gradients = "sympy.diff", _diff_gradients(network, leaves)
    batch = len(leaves[network.inputs[0]])
    means = {p: float(np.mean(np.broadcast_to(g, (batch,)))) for p, g in gradients.items()}
    return route, note, means


def torch_version() -> str | None:
    """PyTorch's installed version, else None; read from its metadata, without importing it.

    >>> torch_version() is None or torch_version()[0].isdigit()
    True
    """
    import importlib.metadata
    import importlib.util

    if importlib.util.find_spec("torch") is None:
        return None
    try:
        return importlib.metadata.version("torch")
    except importlib.metadata.PackageNotFoundError:
        return "unknown version"


def torch_gradients(
    network: Network, inputs: np.ndarray, targets: np.ndarray, params: dict[str, float]
) -> dict[str, float]:
    """Batch-mean gradients by PyTorch autograd of the network rebuilt in torch from its spec.

    Notes
    -----
    Written from the spec and the documented loss conventions, not from symnet's graph:
    z = a W^T (+ b) per layer, then the activation; mse = 1/2 sum (y - t)^2, bce from the
    logit, ce = logsumexp(z) - sum t z; the batch loss is the mean. NOTE: torch's ReLU
    and leaky ReLU (slope 0.01) take the same one-sided derivatives at 0 as symnet.
    Networks with conv and pooling layers are rebuilt by
    :func:`symnet.conv_check.torch_image_gradients`.
    """
    if not network.spec.is_dense:
        from symnet.conv_check import torch_image_gradients

        return torch_image_gradients(network, inputs, targets, params)
    import torch
    import torch.nn.functional as functional

    activations = {
        "identity": lambda z: z,
        "relu": torch.relu,
        "leaky_relu": functional.leaky_relu,  # default negative_slope 0.01
        "sigmoid": torch.sigmoid,
        "tanh": torch.tanh,
        "softmax": lambda z: torch.softmax(z, dim=1),
    }
    as_tensor = {"dtype": torch.float64}
    a = torch.tensor(inputs, **as_tensor)
    leaves = []
    for layer in network.layers:
        W = torch.tensor([[params[w] for w in row] for row in layer.weights], **as_tensor)
        W.requires_grad_(True)
        leaves.append((layer.weights, W))
        z = a @ W.T
        if layer.biases:
            b = torch.tensor([params[name] for name in layer.biases], **as_tensor)
            b.requires_grad_(True)
            leaves.append(((layer.biases,), b))
            z = z + b
        a = activations[layer.activation](z)
    t = torch.tensor(targets, **as_tensor)
    if network.loss == "mse":
        per_sample = 0.5 * ((a - t) ** 2).sum(dim=1)
    elif network.loss == "bce":
        per_sample = functional.binary_cross_entropy_with_logits(z, t, reduction="none").sum(dim=1)
    else:
        per_sample = torch.logsumexp(z, dim=1) - (t * z).sum(dim=1)
    per_sample.mean().backward()
    result = {}
    for grid, tensor in leaves:
        grad = tensor.grad.reshape(len(grid), -1)
        for j, row in enumerate(grid):
            for i, name in enumerate(row):
                result[name] = float(grad[j, i])
    return result


def _prepare(network_or_spec, loss, names, bias) -> Network:
    if isinstance(network_or_spec, Network):
        network = network_or_spec
        attached = network.loss
        if attached is not None:
            if loss is not None and loss != attached:
                raise SpecError(
                    f"the network already has the loss {attached!r}, not {loss!r}; "
                    "pass loss=None or a network without a loss"
                )
            return network
        # NOTE: add_loss mutates its network; check a copy and leave the caller's alone.
        network = copy.deepcopy(network)
    elif isinstance(network_or_spec, (str, NetworkSpec)):
        network = build_network(network_or_spec, names=names, bias=bias)
    else:
        raise SpecError(
            "check_gradients needs a spec such as '2-3:tanh-1' or a Network; "
            f"got {type(network_or_spec).__name__}"
        )
    return add_loss(network, loss or default_loss(network.spec))


def _check_tolerances(eps: float, atol: float, rtol: float) -> None:
    for what, value, positive in (("eps", eps, True), ("atol", atol, False), ("rtol", rtol, False)):
        if not np.isfinite(value) or value < 0 or (positive and value == 0):
            bound = "> 0" if positive else ">= 0"
            raise SpecError(f"{what} must be a finite number {bound}; got {value!r}")


def _position(network: Network, name: str) -> tuple[int, str, int, int | None]:
    data = network.graph.nodes[name]
    return data["layer"], data["kind"], data["unit"], data.get("source")


def check_gradients(
    network_or_spec: Network | str | NetworkSpec,
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
) -> GradientReport:
    """Check every parameter's gradient by independent routes at a random point.

    Parameters
    ----------
    network_or_spec : Network, str or NetworkSpec
        A spec (built with ``names`` and ``bias``) or a built network; a network that
        has no loss is copied before the loss is attached.
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
    _check_tolerances(eps, atol, rtol)
    if torch is True and torch_version() is None:
        raise SpecError(
            "the PyTorch cross-check (torch=True, --torch) needs PyTorch; install it with "
            "pip install 'symnet[torch]' or leave the cross-check out (--no-torch)"
        )
    network = _prepare(network_or_spec, loss, names, bias)
    require_at_most(
        graph_edges(network.spec, network.bias),
        MAX_CHECK_EDGES,
        f"a gradient check of the scalar graph of {network.spec}",
        "check a narrower network with the same layers and activations "
        "(e.g. 4-8:relu-3:softmax): each derivative rule is the same at every width",
    )
    rng = np.random.default_rng(seed)
    params = random_parameters(network, rng)
    inputs = random_inputs(network, batch, rng)
    targets = random_targets(network, network.loss, batch, rng)
    leaves = {name: column for name, column in zip(network.inputs, inputs.T)}
    leaves.update(zip(network.targets, targets.T))
    leaves.update(params)

    route, note, symbolic_values = symbolic_gradients(network, leaves, symbolic)
    compiled = compile_network(network)
    loss_value, compiled_values = compiled.loss_and_gradients(inputs, targets, params)
    differences = compiled.finite_difference_gradients(inputs, targets, params, eps)
    version = None if torch is False else torch_version()
    torch_values = None
    if version is not None:
        torch_values = torch_gradients(network, inputs, targets, params)
        status = f"torch {version} autograd"
    else:
        status = "skipped (not requested)" if torch is False else "skipped (not installed)"

    rows = []
    for name in network.parameters:
        s = symbolic_values[name]
        t = None if torch_values is None else torch_values[name]
        others = [compiled_values[name], differences[name], *([] if t is None else [t])]
        error = max(abs(a - s) for a in others)
        passed = all(np.isfinite([s, *others])) and error <= atol + rtol * abs(s)
        layer, kind, row, col = _position(network, name)
        rows.append(
            GradientRow(
                name=name,
                layer=layer,
                kind=kind,
                row=row,
                col=col if kind == "weight" else None,
                value=params[name],
                symbolic=s,
                compiled=compiled_values[name],
                finite_difference=differences[name],
                torch=t,
                abs_error=float(error),
                rel_error=float(error / max(abs(s), atol, _TINY)),
                passed=bool(passed),
            )
        )
    report = GradientReport(
        spec=str(network.spec),
        loss=network.loss,
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
