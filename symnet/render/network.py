"""Diagrams of a network: the network itself, an expression DAG, the gradient flow.

Every view is a pure function returning a :class:`~symnet.render.graphviz_io.Diagram` (DOT text
plus its node and edge counts); Graphviz runs only when the diagram is shown or saved.

``network``
    One node per *unit* (a unit with an activation is one circle, not a z and an a
    node), layers as columns, one edge per weight labelled with its name (or its value,
    coloured by sign and as wide as its magnitude). With biases, each layer after the
    input gets one ``+1`` node in the column before it, and each bias is an edge from it.
``expression``
    See :mod:`symnet.render.expression`.
``gradient``
    See :mod:`symnet.render.gradient`.

Counting (what tests and ``symnet render --json`` report) for the network view:

* nodes = units in every layer (inputs included) + one ``+1`` node per layer with biases;
* edges = weights (+ biases): one edge per parameter.

The notes' 3-2-2-1 network draws 8 nodes and 12 edges; with biases 11 and 17. A network
with more than ``max_units`` units or ``max_edges`` parameters is drawn one box per
layer (nodes = layers including the input, edges = layers after it).

>>> diagram = network_diagram("3-2-2-1")
>>> diagram.nodes, diagram.edges, diagram.summarised
(8, 12, False)
>>> network_diagram("3-2-2-1", bias=True).edges
17
>>> network_diagram("784-128:relu-10:softmax")
<Diagram network: 3 nodes, 2 edges, summarised>
"""

from __future__ import annotations

from collections.abc import Mapping

from symnet.exceptions import SpecError
from symnet.graph.build import as_network, source_spec
from symnet.graph.guards import check_diagram, draws_every_unit
from symnet.graph.spec import NetworkSpec
from symnet.graph.statements import ProgramSpec
from symnet.numeric.forward import forward_values
from symnet.numeric.points import random_point
from symnet.render.dot import Html, base_graph, html_text
from symnet.render.graphviz_io import Diagram
from symnet.render.labels import (
    ACTIVATION_LABELS,
    describe,
    name_html,
    number_text,
    small,
    stack,
    title_html,
)
from symnet.render.program import program_diagram

__all__ = [
    "Diagram",
    "MAX_UNITS",
    "MAX_EDGES",
    "network_diagram",
    "network_svg",
    "require_positive",
]

#: Above these sizes a network is drawn one box per layer (change with max_units/max_edges).
MAX_UNITS = 40
MAX_EDGES = 200

POSITIVE, NEGATIVE = "#1f5fbf", "#c8102e"  # blue for w > 0, red for w < 0
FILLS = {"input": "#e3ecfa", "hidden": "#ffffff", "output": "#fdebd3", "bias": "#eeeeee"}


def _unit_label(network, layer: int, j: int, values: Mapping[str, float] | None) -> Html:
    name = network.naming.unit(layer, j)
    lines = [name_html(name, network.naming)]
    if layer > 0:
        activation = ACTIVATION_LABELS[network.layers[layer - 1].activation]
        if activation:
            lines.append(small(html_text(activation)))
    if values is not None and name in values:
        lines.append(small(html_text(number_text(values[name])), color="#000000"))
    return stack(lines)


def _weight_style(value: float | None, largest: float) -> dict[str, object]:
    # NOTE: colour is the sign (blue >= 0, red < 0); width is |value| / max |value|.
    if value is None:
        return {}
    width = 0.6 + 3.4 * abs(value) / largest if largest > 0 else 1.0
    color = POSITIVE if value >= 0 else NEGATIVE
    return {"color": color, "fontcolor": color, "penwidth": f"{width:.2f}"}


def _parameter_label(network, name: str, values: Mapping[str, float] | None) -> Html:
    label = name_html(name, network.naming)
    if values is not None and name in values:
        label = Html(f"{label} = {html_text(number_text(values[name], 2))}")
    return label


def _network_units(network, values, title: Html) -> Diagram:
    graph = base_graph(title, nodesep=0.35, ranksep=1.4)
    ids: dict[str, str] = {}
    last = len(network.layers)
    columns: list[list[str]] = []
    for layer, width in enumerate(network.spec.widths):
        kind = "input" if layer == 0 else "output" if layer == last else "hidden"
        column = []
        for j in range(width):
            name = network.naming.unit(layer, j)
            ids[name] = f"n{len(ids)}"
            shape = "doublecircle" if kind == "output" else "circle"
            label = _unit_label(network, layer, j, values)
            graph.node(
                ids[name], label, shape=shape, style="filled", fillcolor=FILLS[kind], width=0.7
            )
            column.append(ids[name])
        columns.append(column)
    names = set(network.parameters)
    parameters = [v for p, v in (values or {}).items() if p in names]
    largest = max((abs(v) for v in parameters), default=0.0)
    # NOTE: biases are drawn as the textbook's constant unit: one "+1" node per layer, in
    # the column before it, with one edge per bias, so that edges = parameters.
    for layer in network.layers:
        if layer.biases:
            one = f"n{len(ids)}"
            ids[f"+1 for layer {layer.index}"] = one
            graph.node(
                one,
                html_text("+1"),
                shape="circle",
                style="filled",
                fillcolor=FILLS["bias"],
                fontsize=10,
                width=0.3,
            )
            columns[layer.index - 1].append(one)
        for j, unit in enumerate(layer.units):
            for i, source in enumerate(layer.inputs):
                weight = layer.weights[j][i]
                value = None if values is None else values.get(weight)
                graph.edge(
                    ids[source],
                    ids[unit],
                    label=_parameter_label(network, weight, values),
                    **_weight_style(value, largest),
                )
            if layer.biases:
                bias = layer.biases[j]
                value = None if values is None else values.get(bias)
                graph.edge(
                    one,
                    ids[unit],
                    label=_parameter_label(network, bias, values),
                    style="dashed",
                    **_weight_style(value, largest),
                )
    # NOTE: no cluster boxes per layer: Graphviz ignores the unit order inside clusters.
    for column in columns:
        graph.same_rank(column, ordered=True)
    return Diagram(graph.source(), "network", graph.node_count, graph.edge_count)


def _network_summary(spec: NetworkSpec, bias: bool, title: Html) -> Diagram:
    graph = base_graph(title, ranksep=1.0)
    last = len(spec.layers)
    for layer, width in enumerate(spec.widths):
        heading = "inputs" if layer == 0 else "output" if layer == last else f"hidden {layer}"
        lines = [
            html_text(heading),
            small(html_text(f"{width} unit{'s' if width > 1 else ''}"), 11),
        ]
        if layer > 0 and spec.layers[layer - 1].activation != "identity":
            lines.append(small(html_text(ACTIVATION_LABELS[spec.layers[layer - 1].activation]), 11))
        kind = "input" if layer == 0 else "output" if layer == last else "hidden"
        graph.node(
            f"n{layer}", stack(lines), shape="box", style="rounded,filled", fillcolor=FILLS[kind]
        )
    widths = spec.widths
    for layer in range(1, len(widths)):
        text = f"W{layer}: {widths[layer]}×{widths[layer - 1]}" + (f" + b{layer}" if bias else "")
        graph.edge(f"n{layer - 1}", f"n{layer}", label=html_text(text))
    return Diagram(graph.source(), "network", graph.node_count, graph.edge_count, summarised=True)


def network_diagram(
    network,
    *,
    names: str = "seed",
    bias: bool = False,
    values: Mapping[str, float] | None = None,
    seed: int | None = None,
    title: str | None = None,
    max_units: int = MAX_UNITS,
    max_edges: int = MAX_EDGES,
) -> Diagram:
    """Draw a network: one node per unit, one edge per weight (and bias).

    Parameters
    ----------
    network : Network, str, NetworkSpec or ProgramSpec
        A built network, or a spec (built with ``names`` and ``bias``); a graph program is
        drawn as its computation graph (:func:`symnet.render.program.program_diagram`).
    values : mapping, optional
        Name -> number for inputs and parameters (e.g. a ``random_point``): edges are
        labelled with their values, coloured blue (>= 0) or red (< 0) and drawn as wide as
        their magnitude; units show their computed value.
    seed : int, optional
        Draw with :func:`symnet.numeric.points.random_point` (scheme ``diagram``) from this
        seed (when ``values`` is not given).
    title : str, optional
        Drawn literally above the diagram (default: the spec).
    max_units, max_edges : int
        Above either (units including inputs; parameters), draw one box per layer.
    """
    spec, names, bias = source_spec(network, names, bias)
    require_positive("max_units", max_units)
    require_positive("max_edges", max_edges)
    if isinstance(spec, ProgramSpec):
        return program_diagram(network, values=values, title=title)
    heading = title_html(title, describe(spec, names, bias))
    check_diagram(spec, "network", bias=bias, max_units=max_units, max_edges=max_edges)
    if not draws_every_unit(spec, bias, max_units, max_edges):
        return _network_summary(spec, bias, heading)
    network = as_network(network, names=names, bias=bias)
    if values is None and seed is not None:
        values = random_point(network, seed, "diagram")
    if values is not None:
        values = forward_values(network, values, partial=True)
    return _network_units(network, values, heading)


def require_positive(name: str, value: int) -> None:
    """SpecError unless ``value`` is a whole number >= 1 (a size limit given by the user)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise SpecError(f"{name} must be a whole number of at least 1; got {value!r}")


def network_svg(network) -> str | None:
    """SVG of :func:`network_diagram` for ``network``; None when Graphviz is missing.

    Meant for ``Network._repr_svg_`` (Jupyter shows the LaTeX form instead on None).
    """
    return network_diagram(network)._repr_svg_()
