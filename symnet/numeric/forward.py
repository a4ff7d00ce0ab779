"""Numbers at one point: forward values, the numeric backprop sweep, and a random point.

These evaluate the graph for a single sample, node by node, so that a derivation can
show its numbers and check its symbolic gradients. (Batches and training use the
compiled, vectorised code of :mod:`symnet.codegen.scalar`.) Every expression is evaluated with
``sympy.lambdify`` and the stable NumPy functions of :mod:`symnet.graph.activations` and
:mod:`symnet.graph.losses`.

>>> from symnet.graph.build import build_network
>>> from symnet.graph.losses import add_loss
>>> net = add_loss(build_network("1-1"), "mse")
>>> values = forward_values(net, {"X1": 2.0, "w1": 3.0, "t": 1.0})
>>> values["y"], values["L"]
(6.0, 12.5)
>>> backprop_values(net, values)["w1"]
10.0
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import sympy as sp

from symnet.calculus.backprop import sweep_order
from symnet.calculus.chainrule import loss_node
from symnet.exceptions import SpecError
from symnet.graph.network import Network
from symnet.numeric.functions import lambdify_modules

__all__ = ["evaluate", "leaf_names", "random_point", "forward_values", "backprop_values"]


def _function_table() -> dict:
    table = {name: getattr(np, name) for name in ("exp", "log", "tanh", "sqrt")}
    table.update(lambdify_modules()[0])
    return table


_FUNCTIONS = _function_table()


def evaluate(expr: sp.Expr, values: Mapping[str, float]) -> float:
    """The value of ``expr`` with each free symbol's name looked up in ``values``.

    Sums, products, powers and the functions of the NumPy table (activations, losses,
    exp, log, tanh) are evaluated directly, which is much faster than lambdify for the
    small local expressions of a graph; anything else goes through ``sympy.lambdify``
    with the same table.
    """
    if expr.is_Number:
        return float(expr)
    if expr.is_Symbol:
        return float(values[expr.name])
    if expr.is_Add:
        return float(sum(evaluate(a, values) for a in expr.args))
    if expr.is_Mul:
        product = 1.0
        for factor in expr.args:
            product *= evaluate(factor, values)
        return product
    if expr.is_Pow:
        return float(evaluate(expr.base, values) ** evaluate(expr.exp, values))
    name = getattr(expr.func, "__name__", "")
    if expr.is_Function and name in _FUNCTIONS:
        return float(_FUNCTIONS[name](*(evaluate(a, values) for a in expr.args)))
    symbols = sorted(expr.free_symbols, key=str)
    function = sp.lambdify(symbols, expr, modules=lambdify_modules())
    return float(function(*(values[s.name] for s in symbols)))


def leaf_names(network: Network) -> tuple[str, ...]:
    """Inputs, then parameters, then targets: every name a point must give a value."""
    return (*network.inputs, *network.parameters, *network.targets)


def random_point(network: Network, seed: int = 0) -> dict[str, float]:
    """Random inputs and parameters in [-1, 1] and targets that fit the loss.

    NOTE: targets are in [-1, 1] for mse, in [0, 1] for bce and one-hot for ce, so that
    every loss is evaluated where its formula holds.
    """
    rng = np.random.default_rng(seed)
    point = {n: float(rng.uniform(-1, 1)) for n in (*network.inputs, *network.parameters)}
    targets = network.targets
    loss = network.loss
    if loss == "ce":
        hot = int(rng.integers(len(targets)))
        point.update({t: float(k == hot) for k, t in enumerate(targets)})
    elif loss == "bce":
        point.update({t: float(rng.uniform(0, 1)) for t in targets})
    else:
        point.update({t: float(rng.uniform(-1, 1)) for t in targets})
    return point


def forward_values(network: Network, point: Mapping[str, float]) -> dict[str, float]:
    """The value of every node at ``point`` (a value for each of :func:`leaf_names`)."""
    missing = [name for name in leaf_names(network) if name not in point]
    if missing:
        raise SpecError(f"the point has no value for {', '.join(missing[:5])}; give every leaf")
    values = {name: float(point[name]) for name in leaf_names(network)}
    for node in network.topological_order():
        definition = network.graph.nodes[node]["definition"]
        if definition is not None:
            values[node] = evaluate(definition, values)
    return values


def backprop_values(network: Network, values: Mapping[str, float]) -> dict[str, float]:
    """The numeric backprop sweep: dL/dn for every node that reaches the loss.

    ``values`` are the forward values (:func:`forward_values`). Each delta is the sum over
    successors of the successor's (already computed) delta times the edge partial, the
    recurrence of :func:`symnet.calculus.backprop.cached_deltas` in numbers.
    """
    end = loss_node(network)
    edges = network.graph.edges
    partials: dict[sp.Expr, float] = {}  # many edges share one partial (a weight, 1, ...)
    deltas: dict[str, float] = {}
    for node in sweep_order(network):
        if node == end:
            deltas[node] = 1.0
            continue
        total = 0.0
        for successor in network.graph.successors(node):
            if successor in deltas:
                partial = edges[node, successor]["partial"]
                if partial not in partials:
                    partials[partial] = evaluate(partial, values)
                total += deltas[successor] * partials[partial]
        deltas[node] = total
    return deltas
