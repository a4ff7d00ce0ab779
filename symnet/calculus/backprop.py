"""Backpropagation as dynamic programming: one reverse sweep that caches a delta per node.

The chain rule over paths (:mod:`symnet.calculus.chainrule`) recomputes the shared upper part of
every path for every weight. Backprop computes, once per node n, its *delta*
``delta_n = dL/dn``, sweeping the graph in reverse topological order from the loss::

    delta_L = 1
    delta_n = sum over successors s of delta_s * d s / d n

Every successor's delta is already known when n is reached, so each delta is written in
terms of the successors' delta *symbols* (``delta_z_C``): the cache is visible in the
expressions. A parameter feeds exactly one node, so its gradient is that node's delta
times one local partial: ``dL/dw1 = delta_z_A * X1``.

>>> from symnet.graph.build import build_network
>>> from symnet.graph.losses import add_loss
>>> net = add_loss(build_network("3-2-2-1"), "mse")
>>> deltas = cached_deltas(net)
>>> deltas["y"], deltas["C"], deltas["A"]
(-t + y, delta_y*w11, delta_C*w7 + delta_D*w8)
>>> gradients(net)["w1"]
X1*delta_A
>>> expanded_deltas(net)["A"]
w11*w7*(-t + y) + w12*w8*(-t + y)
>>> multiplication_counts(net)
(46, 18)
"""

from __future__ import annotations

from collections.abc import Mapping

import sympy as sp

from symnet.calculus.chainrule import loss_node, path_counts, path_edge_totals, reverse_order
from symnet.graph.network import Network
from symnet.numeric.forward import evaluate

__all__ = [
    "delta_symbol",
    "delta_name",
    "delta_latex",
    "sweep_order",
    "cached_deltas",
    "gradients",
    "expanded_deltas",
    "reuses",
    "delta_users",
    "multiplication_counts",
    "backprop_values",
    "latex",
]

_PARAMETER_KINDS = ("weight", "bias")


def delta_name(node: str) -> str:
    """The text name of node ``node``'s delta: ``delta_z_A`` for ``z_A``."""
    return f"delta_{node}"


def delta_symbol(node: str) -> sp.Symbol:
    """The symbol standing for the cached delta dL/d``node`` (``Symbol('delta_z_A')``)."""
    return sp.Symbol(delta_name(node))


def delta_latex(network: Network, node: str) -> str:
    r"""LaTeX of a delta, in the network's naming scheme: ``\delta_{z_{A}}``."""
    return rf"\delta_{{{network.naming.latex(node)}}}"


def latex(network: Network, expr: sp.Expr) -> str:
    """LaTeX of an expression over node symbols and delta symbols."""
    names = {}
    for symbol in expr.free_symbols:
        name = str(symbol)
        if name.startswith("delta_") and name[6:] in network.graph:
            names[symbol] = delta_latex(network, name[6:])
        else:
            names[symbol] = network.naming.latex(name)
    return sp.latex(expr, symbol_names=names)


def sweep_order(network: Network) -> list[str]:
    """Every node that reaches the loss, in the order backprop visits it (the loss first)."""
    return reverse_order(network)


def cached_deltas(network: Network) -> dict[str, sp.Expr]:
    """delta_n = dL/dn for every node that reaches the loss, in sweep order.

    Returns
    -------
    dict
        Node name -> its delta as an expression in node symbols and the *delta symbols* of
        its successors (see :func:`delta_symbol`); the loss node maps to 1. Inputs,
        targets and parameters are included (a parameter's delta is its gradient).

    Notes
    -----
    One pass, one multiplication per edge and no ``simplify``/``expand``: linear in the
    number of edges. ``delta_L = 1`` is substituted, so the loss's direct predecessors
    get their edge partial itself (``delta_y = y - t``).
    """
    end = loss_node(network)
    edges = network.graph.edges
    deltas: dict[str, sp.Expr] = {}
    for node in sweep_order(network):
        if node == end:
            deltas[node] = sp.S.One
            continue
        terms = []
        for successor in network.graph.successors(node):
            if successor not in deltas:
                continue  # does not reach the loss (the sigmoid output under bce)
            partial = edges[node, successor]["partial"]
            terms.append(partial if successor == end else delta_symbol(successor) * partial)
        deltas[node] = sp.Add(*terms)
    return deltas


def gradients(network: Network, deltas: dict[str, sp.Expr] | None = None) -> dict[str, sp.Expr]:
    """dL/dp for every parameter p: the delta of the node p feeds times one local partial.

    >>> from symnet.graph.build import build_network
    >>> from symnet.graph.losses import add_loss
    >>> gradients(add_loss(build_network("2-1:sigmoid", bias=True), "bce"))
    {'w1': X1*delta_z_y, 'w2': X2*delta_z_y, 'b1': delta_z_y}

    ``deltas``, when given, is the result of :func:`cached_deltas` (not computed again).
    """
    deltas = cached_deltas(network) if deltas is None else deltas
    return {p: deltas.get(p, sp.S.Zero) for p in network.parameters}


def expanded_deltas(
    network: Network, deltas: dict[str, sp.Expr] | None = None
) -> dict[str, sp.Expr]:
    """Every delta with the delta symbols substituted away: expressions in node symbols only.

    Notes
    -----
    Built in the same single sweep: each expanded delta reuses its successors' expanded
    deltas as shared SymPy subexpressions, so building them is linear in the edges. Their
    *printed* (tree) size still grows with depth; lambdify them with ``cse=True``.
    ``deltas``, when given, is the result of :func:`cached_deltas` (not computed again).
    """
    deltas = cached_deltas(network) if deltas is None else deltas
    expanded: dict[str, sp.Expr] = {}
    for node, delta in deltas.items():
        replacements = {
            delta_symbol(s): expanded[s] for s in network.graph.successors(node) if s in expanded
        }
        expanded[node] = delta.xreplace(replacements) if replacements else delta
    return expanded


def reuses(
    network: Network, deltas: dict[str, sp.Expr] | None = None
) -> dict[str, tuple[str, ...]]:
    """Parameter -> the names of the cached deltas its gradient reads (``('delta_z_A',)``)."""
    return {
        p: tuple(sorted(s.name for s in gradient.free_symbols if s.name.startswith("delta_")))
        for p, gradient in gradients(network, deltas).items()
    }


def delta_users(network: Network) -> dict[str, tuple[str, ...]]:
    """Node -> the parameters whose gradient reads that node's delta (the reuse of the cache)."""
    counts = path_counts(network)
    users: dict[str, list[str]] = {}
    for p in network.parameters:
        for s in network.graph.successors(p):
            if counts[s]:
                users.setdefault(s, []).append(p)
    return {node: tuple(ps) for node, ps in users.items()}


def multiplication_counts(network: Network) -> tuple[int, int]:
    """Multiplications to get every parameter's gradient: (naive paths, cached deltas).

    Notes
    -----
    Counting rule: edge partials are given (both routes share them); only the
    multiplications that combine them are counted, additions are not.

    * naive: each parameter's gradient is the sum over its paths of the product of the
      path's edge partials; a path of m edges costs m - 1 multiplications.
    * cached: each delta term ``delta_s * d s/d n`` costs one multiplication, except on
      edges into the loss (delta_L = 1). Only the deltas on some path from a parameter
      to the loss are needed, plus one multiplication per parameter.
    """
    end = loss_node(network)
    counts = path_counts(network)
    totals = path_edge_totals(network)
    naive = sum(totals[p] - counts[p] for p in network.parameters)
    needed = set()
    frontier = [p for p in network.parameters if counts[p]]
    while frontier:
        node = frontier.pop()
        for successor in network.graph.successors(node):
            if counts[successor] and successor not in needed:
                needed.add(successor)
                frontier.append(successor)
    tails = [p for p in network.parameters if counts[p]] + [n for n in needed if n != end]
    cached = sum(
        1
        for tail in tails
        for head in network.graph.successors(tail)
        if counts[head] and head != end
    )
    return naive, cached


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
