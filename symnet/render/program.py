"""The network view of a graph program: its computation graph, as micrograd draws one.

One box per node in program order, left to right: a leaf with its value, a computed node
with its statement (``c_2 = 1 + 2 c``) and, when every value below it is known, its value;
one arrow per name a statement reads. The same names, in the same form, as the program's
equations and LaTeX (``c_2`` is c₂). Counting: nodes = statements, edges = the names the
statements read (:attr:`~symnet.graph.statements.ProgramSpec.edges`).

>>> from symnet.parse.program import parse_program
>>> diagram = program_diagram(parse_program("a = -4.0; b = 2.0; c = a + b; c += c * b"))
>>> diagram.nodes, diagram.edges
(4, 4)
"""

from __future__ import annotations

from collections.abc import Mapping

from symnet.graph.build import as_network
from symnet.graph.guards import check_diagram
from symnet.graph.network import Network
from symnet.graph.statements import ProgramSpec
from symnet.numeric.forward import forward_values
from symnet.render.dot import Html, base_graph, html_text
from symnet.render.graphviz_io import Diagram
from symnet.render.labels import expression_html, name_html, number_text, small, stack, title_html

__all__ = ["program_diagram", "LEAF_FILL", "OUTPUT_FILL"]

LEAF_FILL, OUTPUT_FILL = "#e3ecfa", "#fdebd3"


def _label(network: Network, name: str, values: Mapping[str, float]) -> Html:
    head = name_html(name, network.naming)
    definition = network.definition(name)
    if definition is not None:
        head = Html(f"{head} = {expression_html(definition, network, 48)}")
    if name not in values:
        return head
    return stack([head, small(html_text(f"= {number_text(values[name], 4)}"), 11, "#000000")])


def program_diagram(
    program: ProgramSpec | Network,
    *,
    values: Mapping[str, float] | None = None,
    title: str | None = None,
) -> Diagram:
    """Draw a graph program's computation graph (the ``network`` view of a program).

    Parameters
    ----------
    values : mapping, optional
        Leaf -> number, replacing the program's own values; each node whose leaves all
        have a value shows its value.
    title : str, optional
        Drawn literally above the diagram (default: the program's short form).
    """
    spec = program.spec if isinstance(program, Network) else program
    check_diagram(spec, "network", bias=False)
    network = as_network(program)
    point = {leaf: float(v) for leaf, v in network.spec.values.items()}  # type: ignore[union-attr]
    point.update({leaf: float(v) for leaf, v in (values or {}).items()})
    computed = forward_values(network, point, partial=True)
    graph = base_graph(title_html(title, f"the computation graph of {spec}"), nodesep=0.25)
    ids = {name: f"n{i}" for i, name in enumerate(network.topological_order())}
    for name in network.topological_order():
        kind = network.kind(name)
        style: dict[str, object] = {"shape": "box", "style": "rounded,filled"}
        if kind == "leaf":
            style.update(fillcolor=LEAF_FILL)
        elif name == network.loss_node:
            style.update(fillcolor=OUTPUT_FILL, penwidth=2)
        else:
            style.update(fillcolor="#ffffff")
        graph.node(ids[name], _label(network, name, computed), **style)
    for tail, head in network.graph.edges:
        graph.edge(ids[tail], ids[head])
    graph.same_rank([ids[leaf] for leaf in network.leaves], ordered=True)
    return Diagram(graph.source(), "network", graph.node_count, graph.edge_count)
