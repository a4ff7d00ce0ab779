"""The expression view: a SymPy expression drawn as a graph of operators and symbols.

Each operator (``+``, ``×``, ``^``, a function such as ``σ``) is a node with one edge to
each of its arguments, in order. Two shapes of drawing:

* ``share=True`` (a DAG): equal subexpressions are drawn once. In the notes' 3-2-2-1
  network, A's weighted sum ``w1 X1 + w3 X2 + w5 X3`` appears in both C and D, and the
  DAG shows it once with two parents: the sharing backprop exploits.
* ``share=False`` (a tree): every occurrence is drawn, as the expression is printed.

Counting: nodes = distinct subexpressions (DAG) or occurrences (tree), plus one ``…``
box for each node whose arguments lie beyond the depth limit; edges = one per argument
of every drawn operator (``softmax(z1, z1, z2)`` has three), plus one per ``…`` box.
Without a limit, a tree has ``len(list(preorder_traversal(expr)))`` nodes and one edge
fewer. Large expressions get a depth limit automatically, the deepest that keeps the
drawing within ``max_nodes`` nodes.

>>> import sympy as sp
>>> x, w = sp.symbols("x w")
>>> expression_diagram(w * x + sp.exp(w * x))
<Diagram expression: 5 nodes, 5 edges>
>>> expression_diagram("3-2-2-1", share=False)
<Diagram expression: 55 nodes, 54 edges>
>>> expression_diagram("3-2-2-1")
<Diagram expression: 32 nodes, 36 edges>
"""

from __future__ import annotations

from collections import deque

import sympy as sp

from symnet.exceptions import SpecError
from symnet.graph.build import as_network, source_spec
from symnet.graph.guards import MAX_DRAWN, check_diagram
from symnet.graph.size import require_at_most
from symnet.render.dot import Html, base_graph, html_text
from symnet.render.graphviz_io import Diagram
from symnet.render.labels import describe, name_html, number_text, small, title_html

__all__ = ["expression_diagram", "expression_of", "MAX_NODES"]

#: Default most nodes drawn; a larger expression gets a depth limit.
MAX_NODES = 120

_OPERATORS = {sp.Add: "+", sp.Mul: "×", sp.Pow: "^"}
_FUNCTION_NAMES = {"sigmoid": "σ", "leaky_step": "leaky step", "LeakyReLU": "leaky ReLU"}


def _label(expr: sp.Basic, naming) -> tuple[Html, dict[str, object]]:
    """The label and style of one node."""
    if expr.is_Symbol:
        return name_html(expr.name, naming), {
            "shape": "box",
            "style": "rounded,filled",
            "fillcolor": "#e3ecfa",
        }
    if expr.is_Number:
        value = str(expr) if expr.is_Rational else number_text(expr, 4)
        return html_text(value), {"shape": "box", "style": "rounded", "color": "#999999"}
    for kind, text in _OPERATORS.items():
        if isinstance(expr, kind):
            return html_text(text), {
                "shape": "circle",
                "style": "filled",
                "fillcolor": "#fff4d6",
                "width": 0.45,
                "fixedsize": True,
            }
    if isinstance(expr, sp.Function):
        name = type(expr).__name__
        return html_text(_FUNCTION_NAMES.get(name, name)), {
            "shape": "ellipse",
            "style": "filled",
            "fillcolor": "#e6f4e1",
        }
    return html_text(type(expr).__name__), {"shape": "ellipse"}


def _depths(expr: sp.Basic) -> dict[sp.Basic, int]:
    """Shortest depth of every distinct subexpression (breadth first from the root)."""
    depths = {expr: 0}
    queue = deque([expr])
    while queue:
        node = queue.popleft()
        for arg in node.args:
            if arg not in depths:
                depths[arg] = depths[node] + 1
                queue.append(arg)
    return depths


def _dag_size(depths: dict[sp.Basic, int], limit: int | None) -> int:
    drawn = [e for e, d in depths.items() if limit is None or d <= limit]
    cut = 0 if limit is None else sum(1 for e in drawn if depths[e] == limit and e.args)
    return len(drawn) + cut


def _tree_size(expr: sp.Basic, limit: int | None, cap: int) -> int:
    """Nodes of the tree drawing, counting at most to ``cap`` (then returns more than cap)."""
    count, stack = 0, [(expr, 0)]
    while stack and count <= cap:
        node, depth = stack.pop()
        count += 1
        if node.args and limit is not None and depth == limit:
            count += 1  # the "…" box
            continue
        stack.extend((arg, depth + 1) for arg in node.args)
    return count


def _choose_depth(expr, share: bool, max_depth: int | None, max_nodes: int) -> int | None:
    if max_depth is not None:
        if isinstance(max_depth, bool) or not isinstance(max_depth, int) or max_depth < 0:
            raise SpecError(f"max_depth must be a whole number >= 0; got {max_depth!r}")
        return max_depth
    depths = _depths(expr) if share else None

    def size(limit):
        return _dag_size(depths, limit) if share else _tree_size(expr, limit, max_nodes)

    if size(None) <= max_nodes:
        return None
    limit = 0
    while size(limit + 1) <= max_nodes:
        limit += 1
    return limit


def _draw(graph, expr, naming, share: bool, limit: int | None) -> None:
    """Add the drawing's nodes and edges: breadth first for a DAG, depth first for a tree."""
    ids: dict[object, str] = {}

    def add(key, node, **extra) -> str:
        ids[key] = f"n{len(ids)}"
        label, style = _label(node, naming)
        graph.node(ids[key], label, **{**style, **extra})
        return ids[key]

    root_key = expr if share else ()
    add(root_key, expr, penwidth=2.5)
    pending = deque([(expr, root_key, 0)])
    while pending:
        node, key, depth = pending.popleft() if share else pending.pop()
        if node.args and limit is not None and depth >= limit:
            box = add(("…", len(ids)), sp.Symbol("…"), shape="box", style="dashed", color="#999999")
            graph.edge(ids[key], box, style="dashed", color="#999999")
            continue
        children = []
        for position, arg in enumerate(node.args):
            child_key = arg if share else (*key, position)
            if child_key not in ids:
                add(child_key, arg)
                children.append((arg, child_key, depth + 1))
            graph.edge(ids[key], ids[child_key])
        # A tree is walked depth first: push the children last-first so the first pops first.
        pending.extend(children if share else reversed(children))


def expression_of(
    source,
    node: str | None = None,
    *,
    names: str = "seed",
    bias: bool = False,
    loss: str | None = None,
    wrt: str | None = None,
    max_nodes: int | None = None,
):
    """(expression, network or None, its name as a label) for a spec, network or expression.

    For a network: node ``node`` (default: the loss when ``loss`` is given, else the first
    output) with every definition substituted; with ``wrt``, its derivative by ``wrt``.
    Refused first (``SizeLimitError``) when the substitution, or a drawing of up to
    ``max_nodes`` of it (all of it when None), would be too large
    (:func:`symnet.graph.guards.check_diagram`).
    """
    if isinstance(source, sp.Basic):
        if node is not None or loss is not None or wrt is not None:
            raise SpecError("node, loss and wrt apply to a network, not to a SymPy expression")
        return source, None, html_text("expression")
    spec, names, bias = source_spec(source, names, bias)
    # Refuse before building a large graph only to refuse its substitution later.
    check_diagram(spec, "expression", bias=bias, max_nodes=max_nodes)
    network = as_network(source, names=names, bias=bias, loss=loss)
    if node is None:
        node = network.loss_node or network.outputs[0]
    network.kind(node)  # SpecError naming the parameters for an unknown node
    expr = network.substituted(node)
    what = name_html(node, network.naming)
    if wrt is not None:
        network.kind(wrt)
        expr = sp.diff(expr, sp.Symbol(wrt))
        what = Html(f"∂{what}/∂{name_html(wrt, network.naming)}")
    return expr, network, what


def expression_diagram(
    source,
    node: str | None = None,
    *,
    names: str = "seed",
    bias: bool = False,
    loss: str | None = None,
    wrt: str | None = None,
    share: bool = True,
    max_depth: int | None = None,
    max_nodes: int = MAX_NODES,
    title: str | None = None,
) -> Diagram:
    """Draw an expression (or a network node's substituted expression) as a DAG or a tree.

    Parameters
    ----------
    source : sympy expression, Network, str or NetworkSpec
        What to draw; a spec is built with ``names`` and ``bias``.
    node : str, optional
        The network node (default: the loss if ``loss`` is given, else the first output).
    loss : {"mse", "bce", "ce"}, optional
        Add this loss first, so that ``node`` may be the loss node ``L``.
    wrt : str, optional
        Draw the derivative of the node's expression by this node instead.
    share : bool
        True: equal subexpressions drawn once (a DAG); False: a tree.
    max_depth : int, optional
        Draw operators down to this depth (root = 0); deeper arguments become one ``…``
        box per cut node. Default: unlimited unless the drawing would exceed ``max_nodes``.
    title : str, optional
        Drawn literally above the diagram.
    """
    if isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1:
        raise SpecError(f"max_nodes must be a whole number of at least 1; got {max_nodes!r}")
    most = None if max_depth is not None else max_nodes  # a depth limit alone cuts by depth
    expr, network, what = expression_of(
        source, node, names=names, bias=bias, loss=loss, wrt=wrt, max_nodes=most
    )
    limit = _choose_depth(expr, share, max_depth, max_nodes)
    # What the cut leaves, counted before Graphviz lays it out (a minute at 5,000 boxes).
    drawn = _dag_size(_depths(expr), limit) if share else _tree_size(expr, limit, MAX_DRAWN)
    hint = "give a smaller max_depth=" if max_depth is not None else "lower max_nodes="
    require_at_most(2 * drawn, MAX_DRAWN, "the expression diagram", hint, "boxes and arrows")
    if title is None:
        shape = "shared subexpressions drawn once" if share else "drawn as a tree"
        cut = "" if limit is None else f", cut at depth {limit}"
        origin = (
            "" if network is None else describe(network.spec, network.naming.scheme, network.bias)
        )
        heading = Html(f"{what}<BR/>{small(html_text(f'{origin} {shape}{cut}'.strip()), 11)}")
    else:
        heading = title_html(title, "")
    graph = base_graph(heading, rankdir="TB", ordering="out", nodesep=0.25, ranksep=0.45)
    _draw(graph, expr, None if network is None else network.naming, share, limit)
    return Diagram(graph.source(), "expression", graph.node_count, graph.edge_count)
