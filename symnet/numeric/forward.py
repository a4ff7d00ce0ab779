"""The forward evaluator: every node's value at one point, node by node.

One sample at a time, so that a trace, a derivation or a diagram can show its numbers and
a derivation can check its symbolic gradients (batches and training use the compiled,
vectorised code of :mod:`symnet.codegen`). Floats are computed with the stable NumPy
functions of :mod:`symnet.numeric.functions`; exact values with SymPy.

>>> from symnet.graph.build import build_network
>>> from symnet.graph.losses import add_loss
>>> net = add_loss(build_network("1-1"), "mse")
>>> values = forward_values(net, {"X1": 2.0, "w1": 3.0, "t": 1.0})
>>> values["y"], values["L"]
(6.0, 12.5)
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import sympy as sp

from symnet.exceptions import SpecError
from symnet.graph.network import Network
from symnet.numeric.functions import NUMPY_FUNCTIONS, lambdify_modules
from symnet.parse import as_number

__all__ = ["evaluate", "leaf_names", "forward_values"]


#: The functions :func:`evaluate` calls directly: NumPy's elementary ones and symnet's map.
_FUNCTIONS = {**{name: getattr(np, name) for name in ("exp", "log", "sqrt")}, **NUMPY_FUNCTIONS}


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


def forward_values(
    network: Network, point: Mapping, *, exact: bool = False, partial: bool = False
) -> dict:
    """The value of every node at ``point``, node by node in topological order.

    Parameters
    ----------
    point : mapping
        A value for each of :func:`leaf_names` (name -> number).
    exact : bool
        False: floats (the NumPy functions of :mod:`symnet.numeric.functions`). True: SymPy
        numbers, exact where SymPy keeps them exact (ReLU(-5) = 0, 1/3) and ``evalf``
        otherwise (sigmoid(2)); leaves without a value stay symbols.
    partial : bool
        Leave out the nodes that depend on a leaf without a value, instead of refusing.

    The one forward evaluator of a scalar graph (the compiled, vectorised code of
    :mod:`symnet.codegen.scalar` is its batch counterpart, checked against it in tests).

    >>> from symnet.graph.build import build_network
    >>> forward_values(build_network("1-1:relu"), {"X1": 5, "w1": -1}, exact=True)["y"]
    0
    """
    if exact:
        return _exact_values(network, point)
    if not partial:
        missing = [name for name in leaf_names(network) if name not in point]
        if missing:
            raise SpecError(f"the point has no value for {', '.join(missing[:5])}; give every leaf")
    values = {name: float(point[name]) for name in leaf_names(network) if name in point}
    for node in network.topological_order():
        definition = network.graph.nodes[node]["definition"]
        if definition is None:
            continue
        if partial and not all(s.name in values for s in definition.free_symbols):
            continue  # some leaf below has no value: leave this node out
        values[node] = evaluate(definition, values)
    return values


def _exact_values(network: Network, point: Mapping) -> dict:
    values = {sp.Symbol(name): as_number(value) for name, value in point.items()}
    result = {}
    for node in network.topological_order():
        definition = network.graph.nodes[node]["definition"]
        symbol = sp.Symbol(node)
        if definition is not None:
            value = definition.xreplace(values)
            # Exact where SymPy keeps it exact (ReLU(-5) = 0); sigmoid(2), tanh(1) as floats.
            values[symbol] = value if value.is_Number else value.evalf()
        result[node] = values.get(symbol, symbol)
    return result
