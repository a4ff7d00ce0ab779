"""Compile the scalar graph to NumPy: forward values and backprop gradients over a batch.

Each defined node of the graph becomes one line of a generated Python function, in
topological order, so the compiled code reads like the notes' equations::

    z_A = X1*w1 + X2*w3
    A = tanh(z_A)
    ...

Inputs arrive as columns of a ``(B, n_inputs)`` array, so every line works on a whole
batch at once. With a loss attached (:func:`symnet.graph.losses.add_loss`), a second function
adds the cached deltas of backpropagation, one line per node in reverse order, and the
per-sample gradient of every parameter. SymPy heads become the numerically stable NumPy
functions of :data:`symnet.numeric.functions.NUMPY_FUNCTIONS`.

The graph names every intermediate quantity, so the generated lines share work by name
rather than through ``sympy.cse``; the one repetition left, an activation call inside a
derivative rule (``1 - tanh(z_A)**2``), is replaced by its named forward value
(``1 - A**2``). (``sympy.cse`` pays on tree-shaped expressions such as the fully
substituted loss; :mod:`symnet.testing.gradients` uses it there.)

>>> from symnet.graph.build import build_network
>>> compiled = compile_network(build_network("3-2-2-1"))
>>> values = compiled.forward([[1.0, 2.0, 3.0]], {p: 1.0 for p in compiled.network.parameters})
>>> values["A"], values["y"]
(array([6.]), array([24.]))
"""

from __future__ import annotations

import builtins
import functools
import inspect
import keyword
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import sympy as sp

from symnet.calculus.backprop import cached_deltas, delta_symbol
from symnet.exceptions import DataError, SpecError
from symnet.graph.network import Network
from symnet.numeric.functions import lambdify_modules

__all__ = [
    "CompiledNetwork",
    "compile_network",
    "parameter_vector",
    "validate_identifier",
]

ParameterValues = Mapping[str, float] | Sequence[float] | np.ndarray


@functools.cache
def _reserved_names() -> frozenset[str]:
    # Names the generated code reads from its namespace; a node with one of these names
    # would shadow a function (a unit called ``tanh`` would replace numpy.tanh).
    names = set(dir(np)) | set(dir(builtins)) | {"numpy", "math"}
    for module in lambdify_modules():
        if isinstance(module, dict):
            names.update(module)
    return frozenset(names)


def validate_identifier(name: str) -> str:
    """Return ``name`` when it may appear in generated code, else raise ``SpecError``.

    A name must be a Python identifier, not a keyword and not a name the generated code
    uses for a function (``exp``, ``tanh``, ``sigmoid``, ...).

    >>> validate_identifier("z_A")
    'z_A'
    >>> validate_identifier("lambda")
    Traceback (most recent call last):
    ...
    symnet.exceptions.SpecError: node name 'lambda' cannot appear in generated code: ...
    """
    problem = None
    if not isinstance(name, str) or not name.isidentifier():
        problem = "it is not a Python identifier"
    elif keyword.iskeyword(name) or keyword.issoftkeyword(name):
        problem = "it is a Python keyword"
    elif name.startswith("_") or name in _reserved_names():
        problem = "it would shadow a function or reserved name of the generated code"
    if problem:
        raise SpecError(
            f"node name {name!r} cannot appear in generated code: {problem}; "
            "use names made of letters, digits and '_' such as 'w1' or 'z_A'"
        )
    return name


def parameter_vector(network: Network, params: ParameterValues) -> np.ndarray:
    """The parameters as a float64 vector in ``network.parameters`` order.

    ``params`` is a mapping name -> value (every parameter, no unknown names) or a vector
    already in that order.

    >>> from symnet.graph.build import build_network
    >>> parameter_vector(build_network("2-1"), {"w2": 3, "w1": 1})
    array([1., 3.])
    """
    names = network.parameters
    if isinstance(params, Mapping):
        known = set(names)
        missing = [p for p in names if p not in params]
        unknown = [p for p in params if p not in known]
        if missing or unknown:
            what = f"missing {', '.join(missing[:5])}" if missing else ""
            what += ("; " if what else "") + (
                f"unknown {', '.join(unknown[:5])}" if unknown else ""
            )
            raise SpecError(
                f"parameter values for {network.spec} do not match its parameters ({what}); "
                f"give one value for each of {_listed(names)}"
            )
        values = np.array([float(params[p]) for p in names], dtype=np.float64)
    else:
        values = np.asarray(params, dtype=np.float64)
        if values.shape != (len(names),):
            raise SpecError(
                f"a parameter vector for {network.spec} needs shape ({len(names)},), "
                f"got {values.shape}; order it as network.parameters"
            )
    if not np.all(np.isfinite(values)):
        raise DataError("parameter values must be finite numbers (found nan or inf)")
    return values


def _listed(names: Sequence[str]) -> str:
    return ", ".join(names[:4]) + (", ..." if len(names) > 4 else "")


def _batch(array, width: int, what: str, names: Sequence[str]) -> np.ndarray:
    """``array`` as a float64 ``(B, width)`` array; one sample may be given as a vector."""
    try:
        values = np.asarray(array, dtype=np.float64)
    except (TypeError, ValueError):
        raise DataError(f"{what} must be numbers shaped (batch, {width})") from None
    if values.ndim == 1 and values.shape[0] == width:
        values = values[None, :]
    if values.ndim != 2 or values.shape[1] != width or values.shape[0] < 1:
        raise DataError(
            f"{what} must have shape (batch, {width}) for {_listed(names)}; "
            f"got shape {values.shape}"
        )
    if not np.all(np.isfinite(values)):
        raise DataError(f"{what} must be finite numbers (found nan or inf)")
    return values


def _run(function: Callable, arguments: list) -> list:
    # NOTE: a product of two tiny probabilities (y_j * y_k of a saturated softmax) may
    # underflow; zero is the right answer there. Overflow and invalid values still count.
    with np.errstate(under="ignore"):
        return function(*arguments)


def _lambdify(args: Sequence[sp.Symbol], lines, outputs: Sequence[sp.Expr]) -> Callable:
    """One generated function: ``lines`` (symbol, expr) as assignments, then ``outputs``."""
    for symbol in (*args, *(s for s, _ in lines)):
        validate_identifier(symbol.name)

    def assignments(exprs):  # lambdify's ``cse`` hook: our own assignments, in order
        return list(lines), exprs

    return sp.lambdify(list(args), list(outputs), modules=lambdify_modules(), cse=assignments)


@dataclass(frozen=True)
class CompiledNetwork:
    """A network compiled to NumPy; build it with :func:`compile_network`.

    ``nodes`` are the defined nodes the forward function computes, in topological order;
    ``targets`` the loss's target nodes (empty without a loss); ``forward_source`` and
    ``backward_source`` the generated code.
    """

    network: Network
    nodes: tuple[str, ...]
    targets: tuple[str, ...]
    loss_node: str | None
    _forward: Callable = field(repr=False)
    _backward: Callable | None = field(repr=False)

    @property
    def forward_source(self) -> str:
        """The generated forward function's Python source."""
        return inspect.getsource(self._forward)

    @property
    def backward_source(self) -> str | None:
        """The generated backprop function's Python source (None without a loss)."""
        return None if self._backward is None else inspect.getsource(self._backward)

    def _arguments(self, inputs, params, targets) -> tuple[int, list]:
        net = self.network
        x = _batch(inputs, len(net.inputs), "inputs", net.inputs)
        columns = list(x.T)
        if self.targets:
            if targets is None:
                raise DataError(
                    f"this network has a loss: pass targets shaped (batch, {len(self.targets)})"
                )
            t = _batch(targets, len(self.targets), "targets", self.targets)
            if t.shape[0] != x.shape[0]:
                raise DataError(
                    f"inputs have {x.shape[0]} rows but targets have {t.shape[0]}; "
                    "give one target row per input row"
                )
            columns += list(t.T)
        return x.shape[0], columns + list(parameter_vector(net, params))

    def forward(self, inputs, params: ParameterValues, targets=None) -> dict[str, np.ndarray]:
        """Every node's value over the batch.

        Parameters
        ----------
        inputs : array_like, shape (B, n_inputs)
            One row per sample (a single sample may be a vector).
        params : mapping or array_like, shape (n_parameters,)
            Parameter values by name, or a vector in ``network.parameters`` order.
        targets : array_like, shape (B, n_targets), optional
            Needed when the network has a loss; the loss node is then per sample.

        Returns
        -------
        dict
            Node name -> ``(B,)`` float64 array, for the inputs, targets and every
            defined node.
        """
        size, arguments = self._arguments(inputs, params, targets)
        names = (*self.network.inputs, *self.targets)
        values = {n: np.asarray(v) for n, v in zip(names, arguments)}
        for name, value in zip(self.nodes, _run(self._forward, arguments)):
            values[name] = np.broadcast_to(np.asarray(value, dtype=np.float64), (size,))
        return values

    def loss(self, inputs, targets, params: ParameterValues) -> float:
        """The batch loss: the mean over samples of the loss node."""
        node = self._require_loss()
        return float(np.mean(self.forward(inputs, params, targets)[node]))

    def loss_and_gradients(
        self, inputs, targets, params: ParameterValues
    ) -> tuple[float, dict[str, float]]:
        """The batch loss and its gradient by the compiled backprop sweep.

        Returns
        -------
        (float, dict)
            The mean loss and parameter name -> d(mean loss)/d(parameter).

        Notes
        -----
        NOTE: the batch loss is the mean of the per-sample losses, so each gradient is
        the mean over samples of the per-sample gradient.
        """
        self._require_loss()
        backward = self._backward
        if backward is None:  # compile_network compiles it for every network with a loss
            raise SpecError(
                "this compiled network has a loss but no backprop sweep; "
                "compile it with symnet.codegen.scalar.compile_network(network)"
            )
        size, arguments = self._arguments(inputs, params, targets)
        loss, *gradients = _run(backward, arguments)
        mean = [float(np.mean(np.broadcast_to(g, (size,)))) for g in gradients]
        return float(np.mean(np.broadcast_to(loss, (size,)))), dict(
            zip(self.network.parameters, mean)
        )

    def _require_loss(self) -> str:
        if self.loss_node is None:
            raise SpecError(
                "this network has no loss; attach one with "
                "symnet.graph.losses.add_loss(network, 'mse') "
                "before compiling"
            )
        return self.loss_node

    def finite_difference_gradients(
        self, inputs, targets, params: ParameterValues, eps: float = 1e-6
    ) -> dict[str, float]:
        """Central differences of the compiled batch loss, shifting each parameter in turn.

        Notes
        -----
        NOTE: (L(p + eps) - L(p - eps)) / (2 eps) has error O(eps^2) from the Taylor
        series plus O(u |L| / eps) from rounding (u ~ 1e-16 in float64): about 1e-10 at
        eps = 1e-6. It is wrong near a kink (ReLU at z = 0) closer than eps.

        Every shifted point is one row of a 2-D batch: parameters become ``(R, 1)``
        columns and inputs ``(1, B)`` rows, so one call of the forward code evaluates R
        shifted losses at once (the code is elementwise, so each row is computed exactly
        as it would be alone).
        """
        if not eps > 0:
            raise SpecError(f"eps must be a positive step such as 1e-6; got {eps!r}")
        node = self._require_loss()
        size, arguments = self._arguments(inputs, params, targets)
        start = len(arguments) - len(self.network.parameters)
        data = [np.asarray(column)[None, :] for column in arguments[:start]]
        base = np.asarray(arguments[start:], dtype=np.float64)
        position = self.nodes.index(node)
        chunk = max(1, (1 << 17) // size)  # parameters per call: bounded memory
        result = {}
        for first in range(0, len(base), chunk):
            names = self.network.parameters[first : first + chunk]
            shifted = np.repeat(base[None, :], 2 * len(names), axis=0)
            for k in range(len(names)):
                shifted[2 * k, first + k] = base[first + k] + eps
                shifted[2 * k + 1, first + k] = base[first + k] - eps
            columns = [shifted[:, [j]] for j in range(len(base))]
            value = _run(self._forward, data + columns)[position]
            losses = np.broadcast_to(value, (len(shifted), size)).mean(axis=1)
            for k, name in enumerate(names):
                result[name] = float((losses[2 * k] - losses[2 * k + 1]) / (2 * eps))
        return result


def _named_activations(network: Network) -> dict[sp.Expr, sp.Symbol]:
    """f(z_A) -> A for every activation node: its call already has a name.

    The derivative rules repeat the forward calls (``1 - tanh(z_A)**2``,
    ``softmax(z_y1, z_y1, z_y2)``); the forward pass has computed them already, so the
    backward code reads them by name (``1 - A**2``): common subexpressions that the graph
    names for free.
    """
    nodes = network.graph.nodes
    return {nodes[n]["definition"]: nodes[n]["symbol"] for n in nodes if nodes[n]["kind"] == "a"}


def compile_network(network: Network) -> CompiledNetwork:
    """Generate the NumPy forward function, and the backprop function when there is a loss.

    Parameters
    ----------
    network : Network
        From :func:`symnet.graph.network.build_network`, optionally with a loss from
        :func:`symnet.graph.losses.add_loss` (attach the loss before compiling).

    Returns
    -------
    CompiledNetwork

    Raises
    ------
    SpecError
        A node name that cannot appear in generated code.

    Notes
    -----
    The forward function assigns every defined node in topological order. The backward
    function repeats those lines, then assigns the cached deltas of
    :func:`symnet.calculus.backprop.cached_deltas` in sweep order (``delta_A = delta_C*w7 + ...``),
    and returns the loss and each parameter's delta, which is its per-sample gradient.

    >>> from symnet.graph.build import build_network
    >>> from symnet.graph.losses import add_loss
    >>> compiled = compile_network(add_loss(build_network("1-1:relu"), "mse"))
    >>> compiled.loss_and_gradients([[5.0]], [[1.0]], {"w1": 2.0})  # L = (10 - 1)^2 / 2
    (40.5, {'w1': 45.0})
    >>> print(compiled.backward_source)  # doctest: +NORMALIZE_WHITESPACE
    def _lambdifygenerated(X1, t, w1):
        z_y = X1*w1
        y = ReLU(z_y)
        L = (1/2)*(-t + y)**2
        delta_y = -t + y
        delta_z_y = delta_y*step(z_y)
        delta_w1 = X1*delta_z_y
        return [L, delta_w1]
    """
    inputs = [network.symbol(x) for x in network.inputs]
    parameters = [network.symbol(p) for p in network.parameters]
    targets = tuple(network.targets)
    loss_node = network.loss_node
    nodes = tuple(n for n in network.topological_order() if network.definition(n) is not None)
    lines = [(network.symbol(n), network.definition(n)) for n in nodes]
    arguments = [*inputs, *(network.symbol(t) for t in targets), *parameters]
    forward = _lambdify(arguments, lines, [network.symbol(n) for n in nodes])
    backward = None
    if loss_node is not None:
        deltas = cached_deltas(network)
        named = _named_activations(network)
        delta_lines = [
            (delta_symbol(n), delta.xreplace(named))
            for n, delta in deltas.items()
            if n != loss_node and network.kind(n) not in ("input", "target")
        ]
        # NOTE: a parameter that does not reach the loss has gradient 0.
        gradients = [delta_symbol(p) if p in deltas else sp.S.Zero for p in network.parameters]
        outputs = [network.symbol(loss_node), *gradients]
        backward = _lambdify(arguments, [*lines, *delta_lines], outputs)
    return CompiledNetwork(network, nodes, targets, loss_node, forward, backward)
