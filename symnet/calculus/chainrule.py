"""The chain rule over paths: dL/dw is a sum over every path from w to L.

Each edge ``tail -> head`` of the graph carries the local partial d head / d tail. The
multivariable chain rule says that the derivative of the loss L with respect to any node
is the sum, over every directed path from that node to L, of the product of the edge
partials along the path. The notes write one such product in Leibniz form, loss end
first::

    dLoss/dsigma3 * dsigma3/dz3 * dz3/dw31

Paths multiply with depth, so :func:`path_counts` counts them first by dynamic
programming over the graph (instant, exact) and :func:`chain_rule_paths` refuses with a
hint when there would be too many.

>>> from symnet.graph.build import build_network
>>> from symnet.graph.losses import add_loss
>>> net = add_loss(build_network("3-2-2-1"), "mse")
>>> path_counts(net)["w1"]
2
>>> [" * ".join(leibniz_factors(net, p)) for p in chain_rule_paths(net, "w1")]
['dL/dy * dy/dC * dC/dA * dA/dw1', 'dL/dy * dy/dD * dD/dA * dA/dw1']
>>> chain_rule_gradient(net, "w1")
X1*w11*w7*(-t + y) + X1*w12*w8*(-t + y)
"""

from __future__ import annotations

from collections.abc import Iterable

import networkx as nx
import sympy as sp

from symnet.exceptions import SpecError
from symnet.graph.network import Network
from symnet.graph.size import require_at_most

__all__ = [
    "MAX_PATHS",
    "MAX_PATH_FACTORS",
    "loss_node",
    "reverse_order",
    "path_counts",
    "path_edge_totals",
    "chain_rule_paths",
    "leibniz_factors",
    "leibniz_latex",
    "path_product",
    "chain_rule_gradient",
    "require_paths",
]

#: Most paths :func:`chain_rule_paths` enumerates in one request.
MAX_PATHS = 20_000
#: Most factors (edges, summed over those paths) they hold: each becomes a SymPy product
#: and a printed Leibniz factor, so a deep chain of few paths is as long as many short ones.
MAX_PATH_FACTORS = 100_000


def loss_node(network: Network) -> str:
    """The name of the network's loss node; ``SpecError`` when it has no loss yet."""
    name = network.loss_node
    if name is None:
        raise SpecError(
            "this network has no loss yet; add one first with "
            "symnet.graph.losses.add_loss(network, 'mse')"
        )
    return name


def reverse_order(network: Network) -> list[str]:
    """Nodes that reach the loss, the loss first: a reverse topological order.

    The order of every sweep from the loss back: path counts here, the cached deltas of
    backprop (:func:`symnet.calculus.backprop.sweep_order`).
    """
    end = loss_node(network)
    reach = nx.ancestors(network.graph, end) | {end}
    return [n for n in reversed(network.topological_order()) if n in reach]


def path_counts(network: Network) -> dict[str, int]:
    """Number of directed paths from every node to the loss node (0 when it cannot reach it).

    Notes
    -----
    ``P(L) = 1`` and ``P(n) = sum over successors s of P(s)``: one reverse topological
    sweep, so the count is exact even when it is astronomically large.
    """
    end = loss_node(network)
    counts = dict.fromkeys(network.graph, 0)
    for node in reverse_order(network):
        if node == end:
            counts[node] = 1
        else:
            counts[node] = sum(counts[s] for s in network.graph.successors(node))
    return counts


def path_edge_totals(network: Network, counts: dict[str, int] | None = None) -> dict[str, int]:
    """Total number of edges over all paths from every node to the loss node.

    ``E(L) = 0`` and ``E(n) = sum over successors s of (E(s) + P(s))``: each path through
    the edge n -> s is one edge longer than the path from s. ``counts``, when given, is
    :func:`path_counts` of the network (not computed again).
    """
    counts = path_counts(network) if counts is None else counts
    totals = dict.fromkeys(network.graph, 0)
    for node in reverse_order(network):
        totals[node] = sum(totals[s] + counts[s] for s in network.graph.successors(node))
    return totals


def require_paths(
    network: Network,
    sources: Iterable[str],
    limit: int = MAX_PATHS,
    counts: dict[str, int] | None = None,
) -> int:
    """Total paths from ``sources`` to the loss; ``SizeLimitError`` above ``limit``, or when
    they hold more than :data:`MAX_PATH_FACTORS` edges in all.

    ``counts``, when given, is :func:`path_counts` of the network (not computed again).
    """
    counts = path_counts(network) if counts is None else counts
    sources = list(sources)
    for source in sources:
        network.kind(source)  # a SpecError naming the parameters, for an unknown name
    total = sum(counts[s] for s in sources)
    what = f"the chain-rule paths of {network.spec.abbreviated}"
    hint = "ask for one weight (wrt=NAME) or use the backprop deltas, which need no paths"
    require_at_most(total, limit, what, hint, "paths")
    lengths = path_edge_totals(network, counts)
    require_at_most(sum(lengths[s] for s in sources), MAX_PATH_FACTORS, what, hint, "factors")
    return total


def chain_rule_paths(
    network: Network,
    source: str,
    limit: int = MAX_PATHS,
    counts: dict[str, int] | None = None,
) -> list[tuple[str, ...]]:
    """Every directed path from ``source`` to the loss, as node names (``source`` first).

    Raises ``SizeLimitError`` first when there are more than ``limit`` paths. ``counts``,
    when given, is :func:`path_counts` of the network (not computed again).
    """
    counts = path_counts(network) if counts is None else counts
    require_paths(network, [source], limit, counts)
    end = loss_node(network)
    paths: list[tuple[str, ...]] = []
    stack: list[tuple[str, ...]] = [(source,)] if counts[source] else []
    while stack:
        path = stack.pop()
        if path[-1] == end:
            paths.append(path)
            continue
        # Reversed, so that the stack pops the successors in graph order.
        for successor in reversed(list(network.graph.successors(path[-1]))):
            if counts[successor]:
                stack.append((*path, successor))
    return paths


def _edges_loss_first(path: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(path[i], path[i + 1]) for i in reversed(range(len(path) - 1))]


def leibniz_factors(network: Network, path: tuple[str, ...]) -> list[str]:
    """The factors ``d head / d tail`` of a path in text, loss end first (as the notes write)."""
    return [f"d{head}/d{tail}" for tail, head in _edges_loss_first(path)]


def leibniz_latex(network: Network, path: tuple[str, ...]) -> str:
    r"""The product of a path's factors in LaTeX: ``\frac{\partial L}{\partial y} \cdot ...``."""
    name = network.naming.latex
    factors = [
        rf"\frac{{\partial {name(head)}}}{{\partial {name(tail)}}}"
        for tail, head in _edges_loss_first(path)
    ]
    return r" \cdot ".join(factors)


def path_product(network: Network, path: tuple[str, ...]) -> sp.Expr:
    """The product of the edge partials along ``path`` (an expression in node symbols)."""
    edges = network.graph.edges
    return sp.Mul(*(edges[tail, head]["partial"] for tail, head in _edges_loss_first(path)))


def chain_rule_gradient(
    network: Network,
    source: str,
    limit: int = MAX_PATHS,
    counts: dict[str, int] | None = None,
) -> sp.Expr:
    """dL/d``source`` as the sum over paths of the products of edge partials (route (a))."""
    paths = chain_rule_paths(network, source, limit, counts)
    return sp.Add(*(path_product(network, p) for p in paths))
