"""The gradient-flow view: backpropagation drawn on the network's scalar graph.

Every node of the graph (inputs, weights, biases, z and a nodes, targets, the loss) is
drawn in forward order, left to right, and every edge points *backwards*: the gradient
flows from the loss to the parameters. Each edge is labelled with its local partial
d head / d tail; each node with its cached delta ``δ = dL/dnode`` as
:func:`symnet.calculus.backprop.cached_deltas` writes it, in terms of the deltas one step nearer
the loss; each parameter with its gradient (its node's delta times one local partial).
The deltas backprop must cache are shaded. With ``wrt``, every chain-rule path from that
parameter to the loss is drawn in red: the notes' dLoss/dw21 path through sigma1 and
sigma3, and the cached delta its gradient reads gets a thick outline.

Counting: nodes = the nodes of the network graph with its loss (inputs, parameters, z
and a nodes, targets, L); edges = its edges. A network above ``max_units`` units or
``max_edges`` parameters is drawn one box per layer with the layer-level rule
``δ⁽ˡ⁾ = (W⁽ˡ⁺¹⁾ᵀ δ⁽ˡ⁺¹⁾) ⊙ f′(z⁽ˡ⁾)``, ``∂L/∂W⁽ˡ⁾ = δ⁽ˡ⁾ a⁽ˡ⁻¹⁾ᵀ`` (nodes = the
input box, one box per layer and the loss; edges = one between each neighbouring pair).

>>> diagram = gradient_diagram("3-2:sigmoid-2:sigmoid-1:sigmoid", wrt="w1")
>>> diagram.nodes, diagram.edges
(27, 31)
>>> gradient_diagram("784-128:relu-10:softmax")
<Diagram gradient: 4 nodes, 3 edges, summarised>
"""

from __future__ import annotations

import networkx as nx

from symnet.calculus.backprop import cached_deltas, delta_name, gradients
from symnet.calculus.chainrule import chain_rule_paths, path_counts
from symnet.exceptions import SpecError
from symnet.graph.build import as_network, source_spec
from symnet.graph.guards import check_diagram, draws_every_unit
from symnet.graph.losses import check_loss, default_loss
from symnet.graph.network import Network
from symnet.graph.statements import ProgramSpec
from symnet.render.dot import Html, base_graph, html_text
from symnet.render.graphviz_io import Diagram
from symnet.render.labels import (
    ACTIVATION_LABELS,
    describe,
    expression_html,
    name_html,
    small,
    stack,
    title_html,
)
from symnet.render.network import MAX_EDGES, MAX_UNITS, require_positive

__all__ = ["gradient_diagram"]

PATH_COLOR = "#c8102e"
CACHED_FILL = "#fff4d6"
FADED = "#999999"


def _columns(network) -> list[list[str]]:
    """Node names column by column, in forward order: inputs, then per layer w, z, a (a
    graph program: its leaves in one column, the rest where Graphviz places them)."""
    if network.is_program:
        return [list(network.leaves)]
    columns = [list(network.inputs)]
    for layer in network.layers:
        columns.append([w for row in layer.weights for w in row] + list(layer.biases or ()))
        columns.append(list(layer.sums))
        if layer.units != layer.sums:
            columns.append(list(layer.units))
    columns[-1] += list(network.targets)
    columns.append([network.loss_node])
    return columns


def _node_label(network, name: str, delta, needed: bool) -> Html:
    naming = network.naming
    kind = network.kind(name)
    head = name_html(name, naming)
    if kind in ("input", "target"):
        return head
    if kind == "loss":
        return stack([Html(f"{head} ({html_text(network.loss)})"), small(html_text("δ = 1"), 11)])
    if kind in ("weight", "bias", "leaf"):
        end = name_html(str(network.loss_node), naming)
        gradient = Html(f"∂{end}/∂{head} = {expression_html(delta, network, 40)}")
        return stack([head, small(gradient, 10)])
    if kind == "computed":  # a program's statement
        head = Html(f"{head} = {expression_html(network.definition(name), network, 40)}")
    activation = network.graph.nodes[name].get("activation", "identity")
    if kind == "computed":
        pass
    elif kind == "a" and activation == "softmax":
        unit = network.graph.nodes[name]["unit"] + 1
        head = Html(f"{head} = softmax<SUB>{unit}</SUB>(z)")
    elif kind == "a":
        z = name_html(next(iter(network.graph.predecessors(name))), naming)
        head = Html(f"{head} = {html_text(ACTIVATION_LABELS[activation])}({z})")
    if not needed:
        return head
    delta_line = Html(f"{name_html(delta_name(name), naming)} = ")
    return stack([head, small(delta_line + expression_html(delta, network, 48), 11, "#000000")])


def _full_view(network, wrt: str | None, heading: Html) -> Diagram:
    deltas = cached_deltas(network)
    counts = path_counts(network)
    parameters = set(network.parameters)
    # A delta must be cached when some parameter's gradient needs it: the node lies on a
    # path from a parameter to the loss.
    needed = set()
    for p in parameters:
        needed |= {n for n in _descendants(network, p) if counts[n]}
    on_path_nodes: set[str] = set()
    on_path_edges: set[tuple[str, str]] = set()
    read: set[str] = set()
    if wrt is not None:
        for path in chain_rule_paths(network, wrt):
            on_path_nodes.update(path)
            on_path_edges.update(zip(path, path[1:]))
        # NOTE: a parameter feeds one node; its gradient reads that node's cached delta.
        read = set(network.graph.successors(wrt))
    graph = base_graph(heading, nodesep=0.2, ranksep=0.7)
    ids = {name: f"n{i}" for i, name in enumerate(network.topological_order())}
    for name in network.topological_order():
        kind = network.kind(name)
        cached = name in needed and kind not in ("weight", "bias", "leaf")
        style: dict[str, object] = {
            "style": "filled",
            "fillcolor": CACHED_FILL if cached else "#ffffff",
        }
        if kind in ("weight", "bias", "leaf"):
            style.update(shape="box", style="rounded,filled", fillcolor="#e3ecfa", fontsize=12)
        elif kind in ("input", "target"):
            style.update(shape="circle", color=FADED, fontcolor="#555555", fillcolor="#f4f4f4")
        elif kind == "loss":
            style.update(shape="doubleoctagon", fillcolor="#fdebd3")
        else:
            style.update(shape="box", style="rounded,filled")
        if name in on_path_nodes:
            style.update(color=PATH_COLOR, penwidth=2.5 if name in read or name == wrt else 1.8)
        graph.node(ids[name], _node_label(network, name, deltas.get(name), cached), **style)
    for tail, head, partial in network.graph.edges(data="partial"):
        attributes: dict[str, object] = {"dir": "back"}
        if (tail, head) in on_path_edges:
            attributes.update(color=PATH_COLOR, fontcolor=PATH_COLOR, penwidth=2.5)
        elif not counts[head] or tail not in needed | parameters:
            attributes.update(color=FADED, fontcolor=FADED, style="dashed")
        graph.edge(ids[tail], ids[head], label=expression_html(partial, network, 40), **attributes)
    for column in _columns(network):
        graph.same_rank([ids[name] for name in column], ordered=True)
    return Diagram(graph.source(), "gradient", graph.node_count, graph.edge_count)


def _descendants(network, node: str) -> set[str]:
    return nx.descendants(network.graph, node)


_SUPERSCRIPTS = str.maketrans("0123456789()", "⁰¹²³⁴⁵⁶⁷⁸⁹⁽⁾")


def _sup(layer: int) -> str:
    """``(3)`` in superscript characters: the layer index of a layer-level symbol."""
    return f"({layer})".translate(_SUPERSCRIPTS)


def _output_rule(loss: str, activation: str, layer: int) -> str:
    """δ of the output layer for each loss (see symnet.graph.losses for the definitions)."""
    top = _sup(layer)
    if loss == "bce":
        return f"δ{top} = σ(z{top}) − t"
    if loss == "ce":
        return f"δ{top} = softmax(z{top}) − t"
    if activation == "identity":
        return f"δ{top} = a{top} − t"
    return f"δ{top} = (a{top} − t) ⊙ {ACTIVATION_LABELS[activation]}′(z{top})"


def _summary_view(spec, loss: str, heading: Html) -> Diagram:
    graph = base_graph(heading, ranksep=0.8)
    last = len(spec.layers)
    graph.node(
        "n0",
        stack([html_text("inputs"), small(html_text(f"{spec.n_inputs} units"), 11)]),
        shape="box",
        style="rounded,filled",
        fillcolor="#f4f4f4",
        color=FADED,
    )
    for index, layer in enumerate(spec.layers, start=1):
        this, above, below = _sup(index), _sup(index + 1), _sup(index - 1)
        act = ACTIVATION_LABELS[layer.activation] or "id"
        if index == last:
            rule = _output_rule(loss, layer.activation, index)
        else:
            rule = f"δ{this} = (W{above}ᵀ δ{above}) ⊙ {act}′(z{this})"
        lines = [
            html_text(f"{'output' if index == last else f'hidden {index}'}: {layer.width} units"),
            small(html_text(rule), 11, "#000000"),
            small(html_text(f"∂L/∂W{this} = δ{this} a{below}ᵀ"), 11),
        ]
        graph.node(
            f"n{index}", stack(lines), shape="box", style="rounded,filled", fillcolor=CACHED_FILL
        )
        graph.edge(f"n{index - 1}", f"n{index}", dir="back")
    graph.node(
        f"n{last + 1}",
        html_text(f"L ({loss})"),
        shape="doubleoctagon",
        style="filled",
        fillcolor="#fdebd3",
    )
    graph.edge(f"n{last}", f"n{last + 1}", dir="back")
    return Diagram(graph.source(), "gradient", graph.node_count, graph.edge_count, summarised=True)


def gradient_diagram(
    network,
    *,
    wrt: str | None = None,
    loss: str | None = None,
    names: str = "seed",
    bias: bool = False,
    title: str | None = None,
    max_units: int = MAX_UNITS,
    max_edges: int = MAX_EDGES,
) -> Diagram:
    """Draw backpropagation: deltas on nodes, local partials on edges, paths to ``wrt``.

    Parameters
    ----------
    network : Network, str or NetworkSpec
        A network (a loss is added when it has none) or a spec built with ``names``/``bias``.
    wrt : str, optional
        A parameter (``"w1"``): its chain-rule paths to the loss are drawn in red.
    loss : {"mse", "bce", "ce"}, optional
        Default: :func:`symnet.graph.losses.default_loss` (ce for softmax outputs, else mse).
    title : str, optional
        Drawn literally above the diagram.
    max_units, max_edges : int
        Above either, draw the layer-level rule, one box per layer.
    """
    spec, names, bias = source_spec(network, names, bias)
    require_positive("max_units", max_units)
    require_positive("max_edges", max_edges)
    if isinstance(spec, ProgramSpec):
        return _program_view(network, spec, wrt, loss, title)
    existing = network.loss if isinstance(network, Network) else None
    loss = loss or existing or default_loss(spec)
    check_loss(spec, loss)
    text = title or f"Backpropagation in {describe(spec, names, bias)}, {loss} loss"
    check_diagram(spec, "gradient", bias=bias, max_units=max_units, max_edges=max_edges)
    if not draws_every_unit(spec, bias, max_units, max_edges):
        if wrt is not None:
            raise SpecError(
                f"wrt= needs the full drawing, but {spec} is above max_units={max_units} "
                f"or max_edges={max_edges}; raise them or use a smaller network"
            )
        return _summary_view(spec, loss, title_html(text, ""))
    network = as_network(network, names=names, bias=bias, loss=loss)
    heading = title_html(text, "")
    if wrt is not None:
        network.require_parameter(wrt)
        if title is None:
            heading = Html(f"{heading}<BR/>{small(_wrt_caption(network, wrt), 12)}")
    return _full_view(network, wrt, heading)


def _program_view(source, spec: ProgramSpec, wrt, loss, title) -> Diagram:
    """A graph program's backprop: its output plays the loss; its leaves the parameters."""
    check_diagram(spec, "gradient", bias=False)
    network = as_network(source, loss=loss)  # a loss is refused: the output is differentiated
    heading = title_html(title or f"Backpropagation in {spec}", "")
    if wrt is not None:
        network.require_parameter(wrt)
        if title is None:
            heading = Html(f"{heading}<BR/>{small(_wrt_caption(network, wrt), 12)}")
    return _full_view(network, wrt, heading)


def _wrt_caption(network, wrt: str) -> Html:
    gradient = gradients(network)[wrt]
    paths = path_counts(network)[wrt]
    formula = expression_html(gradient, network, 60)
    end = name_html(str(network.loss_node), network.naming)
    return Html(
        f"∂{end}/∂{name_html(wrt, network.naming)} = {formula}: "
        f"{html_text(f'its {paths} chain-rule path' + ('s' if paths != 1 else ''))} in red; "
        f"{html_text('shaded nodes are the cached deltas')}"
    )
