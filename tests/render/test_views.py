"""Diagrams: DOT text from pure functions, SVG from Graphviz, counted and checked for safety.

Counts are checked against routes that do not use the renderer: the spec's widths, the
network graph itself, SymPy's own traversal of an expression, and networkx's path
enumeration. SVG files are parsed with xml.etree: Graphviz writes one ``<g class="node">``
per node and one ``<g class="edge">`` per edge.
"""

from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from symnet.demos import demo_diagrams
from symnet.exceptions import RenderError, SpecError, WriteError
from symnet.graph.build import build_network
from symnet.graph.losses import add_loss, default_loss
from symnet.graph.spec import parse_spec
from symnet.numeric.forward import forward_values
from symnet.numeric.points import random_point
from symnet.render.dot import Html, html_text
from symnet.render.expression import expression_diagram, expression_of
from symnet.render.gradient import PATH_COLOR, gradient_diagram
from symnet.render.network import NEGATIVE, POSITIVE, network_diagram, network_svg
from tests.strategies import specs

needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None, reason="Graphviz's dot is not installed"
)
SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = '"><a href="javascript:alert(1)">x</a> & {}; \\ ]\n<script>alert(1)</script>'


def svg_counts(svg: str) -> tuple[int, int]:
    root = ET.fromstring(svg)  # raises on invalid XML
    groups = list(root.iter(f"{SVG}g"))
    nodes = sum(1 for g in groups if g.get("class") == "node")
    edges = sum(1 for g in groups if g.get("class") == "edge")
    return nodes, edges


def svg_texts(svg: str) -> list[str]:
    return ["".join(t.itertext()) for t in ET.fromstring(svg).iter(f"{SVG}text")]


def assert_no_links(svg: str) -> None:
    root = ET.fromstring(svg)
    assert not list(root.iter(f"{SVG}a")), "the SVG must hold no <a> elements"
    for element in root.iter():
        for name, value in element.attrib.items():
            assert not name.lower().endswith("href"), (name, value)
            assert "javascript:" not in value.lower(), (name, value)


def dot_counts(source: str) -> tuple[int, int]:
    """Nodes and visible edges of symnet's DOT text, read line by line."""
    lines = [line.strip() for line in source.splitlines()]
    nodes = sum(1 for line in lines if re.match(r"n\d+ \[label=", line))
    edges = sum(1 for line in lines if re.match(r"n\d+ -> n\d+", line))
    return nodes, edges


# ---- the network view ----


def expected_network_counts(text: str, bias: bool) -> tuple[int, int]:
    spec = parse_spec(text)
    units = sum(spec.widths)
    weights = sum(a * b for a, b in zip(spec.widths, spec.widths[1:]))
    layers = len(spec.widths) - 1
    return units + (layers if bias else 0), weights + (sum(spec.widths[1:]) if bias else 0)


def test_seed_network_has_the_notes_8_units_and_12_weights() -> None:
    diagram = network_diagram("3-2-2-1", names="seed")
    assert (diagram.nodes, diagram.edges) == (8, 12)
    assert dot_counts(diagram.source) == (8, 12)
    for name in ["X<SUB>1</SUB>", "w<SUB>12</SUB>", "<A>", "<y>"]:
        assert name in diagram.source


@needs_dot
@pytest.mark.parametrize(
    ("spec", "bias"),
    [("3-2-2-1", False), ("3-2-2-1", True), ("2-3:relu-1:sigmoid", True), ("4-3:softmax", False)],
)
def test_network_svg_has_one_node_per_unit_and_one_edge_per_parameter(spec, bias) -> None:
    diagram = network_diagram(spec, bias=bias, names="indexed")
    assert svg_counts(diagram.svg()) == expected_network_counts(spec, bias)


@settings(max_examples=40)
@given(spec=specs(max_layers=3, max_width=4), bias=st.booleans())
def test_network_dot_counts_match_the_spec(spec, bias) -> None:
    diagram = network_diagram(spec, bias=bias)
    assert (diagram.nodes, diagram.edges) == expected_network_counts(spec, bias)
    assert dot_counts(diagram.source) == expected_network_counts(spec, bias)


def test_large_networks_are_summarised_one_box_per_layer() -> None:
    diagram = network_diagram("784-128:relu-10:softmax")
    assert diagram.summarised and (diagram.nodes, diagram.edges) == (3, 2)
    assert "128 units" in diagram.source and "W1: 128×784" in diagram.source
    # The threshold is the user's: 8 units is above --max-units 7, not above 8.
    assert network_diagram("3-2-2-1", max_units=7).summarised
    assert not network_diagram("3-2-2-1", max_units=8).summarised
    assert network_diagram("3-2-2-1", max_edges=11).summarised
    with pytest.raises(SpecError, match="max_units"):
        network_diagram("3-2-2-1", max_units=0)


def test_values_colour_edges_by_sign_and_width_by_magnitude() -> None:
    net = build_network("3-2:relu-2:sigmoid-1", bias=True)
    values = random_point(net, 3, "diagram")
    source = network_diagram(net, values=values).source
    edges = [line for line in source.splitlines() if re.match(r"\s*n\d+ -> n\d+", line)]
    signs = [values[p] < 0 for p in net.parameters]
    assert sum(NEGATIVE in line for line in edges) == sum(signs)
    assert sum(POSITIVE in line for line in edges) == len(signs) - sum(signs)
    # Each edge is labelled "w<SUB>3</SUB> = 0.12": read which parameter it draws.
    drawn = {
        "".join(re.search(r"label=<(\w)<SUB>(\d+)</SUB>", line).groups()): line for line in edges
    }
    assert sorted(drawn) == sorted(net.parameters)
    for name, line in drawn.items():
        assert (NEGATIVE in line) == (values[name] < 0)
    widths = [float(re.search(r'penwidth="([0-9.]+)"', drawn[p])[1]) for p in net.parameters]
    magnitudes = [abs(values[p]) for p in net.parameters]
    # Widths grow with magnitude: sorted by |value|, the widths never decrease.
    order = np.argsort(magnitudes, kind="stable")
    assert all(np.diff(np.array(widths)[order]) >= -0.011)  # widths are printed to 0.01
    assert random_point(net, 3, "diagram") == values != random_point(net, 4, "diagram")


def test_forward_values_match_a_numpy_forward_pass() -> None:
    net = build_network("3-2:relu-2:sigmoid-2:tanh", bias=True)
    values = random_point(net, 7, "diagram")
    computed = forward_values(net, values)
    a = np.array([values[x] for x in net.inputs])
    functions = {
        "relu": lambda z: np.maximum(z, 0),
        "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
        "tanh": np.tanh,
    }
    for layer in net.layers:
        W = np.array([[values[w] for w in row] for row in layer.weights])
        b = np.array([values[name] for name in layer.biases])
        a = functions[layer.activation](W @ a + b)
        np.testing.assert_allclose([computed[u] for u in layer.units], a, rtol=1e-12)


# ---- the expression view ----


def test_expression_tree_and_dag_counts_match_sympys_traversal() -> None:
    expr, _, _ = expression_of("3-2-2-1")
    occurrences = list(sp.preorder_traversal(expr))
    distinct = set(occurrences)
    tree = expression_diagram("3-2-2-1", share=False)
    dag = expression_diagram("3-2-2-1")
    assert (tree.nodes, tree.edges) == (len(occurrences), len(occurrences) - 1)
    assert (dag.nodes, dag.edges) == (len(distinct), sum(len(e.args) for e in distinct))
    # A's weighted sum feeds both C and D: the DAG draws it once, the tree twice.
    a_sum = build_network("3-2-2-1").definition("A")
    assert occurrences.count(a_sum) == 2 and dag.nodes < tree.nodes


@settings(max_examples=25)
@given(spec=specs(max_layers=2, max_width=3), share=st.booleans())
def test_expression_counts_for_random_networks(spec, share) -> None:
    expr, _, _ = expression_of(spec)
    diagram = expression_diagram(spec, share=share, max_nodes=10_000)
    occurrences = list(sp.preorder_traversal(expr))
    if share:
        distinct = set(occurrences)
        assert (diagram.nodes, diagram.edges) == (len(distinct), sum(len(e.args) for e in distinct))
    else:
        assert (diagram.nodes, diagram.edges) == (len(occurrences), len(occurrences) - 1)


def test_depth_limit_draws_ellipsis_boxes() -> None:
    whole = expression_diagram("3-2-2-1")
    assert expression_diagram("3-2-2-1", max_depth=50).source.count("…") == 0
    top = expression_diagram("3-2-2-1", max_depth=0)
    assert (top.nodes, top.edges) == (2, 1)  # the root and one "…" box
    cut = expression_diagram("3-2-2-1", max_depth=3, share=False)
    boxes = cut.source.count("label=<…>")
    assert boxes > 0 and cut.source.count('style="dashed"') == 2 * boxes  # box + its edge
    # Without a depth, a large expression is cut at the deepest depth that fits max_nodes.
    big = expression_diagram("3-2:tanh-3:tanh-2:tanh-1", max_nodes=10_000)
    fitted = expression_diagram("3-2:tanh-3:tanh-2:tanh-1", max_nodes=30)
    assert big.nodes > 30 >= fitted.nodes and "label=<…>" in fitted.source
    assert whole.source.count("label=<…>") == 0
    with pytest.raises(SpecError):
        expression_diagram("3-2-2-1", max_depth=-1)


def test_expression_of_the_loss_and_of_a_derivative() -> None:
    expr, net, _ = expression_of("2-1:sigmoid", loss="bce")
    assert net.loss_node == "L" and expr == net.substituted("L")
    derivative, net, _ = expression_of("2-1:sigmoid", loss="mse", wrt="w1")
    assert sp.simplify(derivative - sp.diff(net.substituted("L"), sp.Symbol("w1"))) == 0
    with pytest.raises(SpecError):
        expression_of("2-1", node="nope")


@needs_dot
def test_hostile_symbol_names_are_drawn_literally() -> None:
    evil = sp.Symbol(HOSTILE)
    diagram = expression_diagram(evil * sp.Symbol("x") + 1, title=HOSTILE)
    svg = diagram.svg()
    assert svg_counts(svg) == (diagram.nodes, diagram.edges) == (5, 4)
    texts = "\n".join(svg_texts(svg))
    for line in HOSTILE.split("\n"):
        assert texts.count(line) == 2  # once in the title, once as the symbol
    assert_no_links(svg)


# ---- the gradient view ----


def test_gradient_view_draws_every_node_and_edge_of_the_graph_with_its_loss() -> None:
    net = add_loss(build_network("3-2:sigmoid-2:sigmoid-1:sigmoid"), "mse")
    diagram = gradient_diagram("3-2:sigmoid-2:sigmoid-1:sigmoid", wrt="w1")
    assert (diagram.nodes, diagram.edges) == (
        net.graph.number_of_nodes(),
        net.graph.number_of_edges(),
    )
    assert (diagram.nodes, diagram.edges) == (27, 31)


def red_edges(source: str) -> set[tuple[str, str]]:
    pattern = re.compile(r"(n\d+) -> (n\d+) \[.*" + re.escape(PATH_COLOR))
    return {m.groups() for line in source.splitlines() if (m := pattern.search(line))}


@pytest.mark.parametrize(
    ("spec", "wrt"),
    [("3-2:sigmoid-2:sigmoid-1:sigmoid", "w1"), ("3-2-2-1", "w7"), ("2-2:relu-3:softmax", "b2")],
)
def test_highlighted_edges_are_exactly_the_chain_rule_paths(spec, wrt) -> None:
    bias = wrt.startswith("b")
    net = build_network(spec, bias=bias)
    add_loss(net, default_loss(net.spec))
    ids = {name: f"n{i}" for i, name in enumerate(net.topological_order())}
    expected = {
        (ids[a], ids[b])
        for path in nx.all_simple_paths(net.graph, wrt, net.loss_node)
        for a, b in zip(path, path[1:])
    }
    source = gradient_diagram(spec, wrt=wrt, bias=bias).source
    assert red_edges(source) == expected and expected


def test_the_notes_path_goes_through_both_hidden_sigmoids() -> None:
    # dL/dw1 flows through A (sigma1) and on through C or D (sigma3) to y: two paths.
    source = gradient_diagram("3-2:sigmoid-2:sigmoid-1:sigmoid", wrt="w1").source
    # w1-z_A, z_A-A, then A-z_C-C-z_y and A-z_D-D-z_y, then z_y-y, y-L: 10 edges.
    assert len(red_edges(source)) == 10
    assert "its 2 chain-rule paths" in source


def test_gradient_summary_for_large_networks_and_bad_options() -> None:
    diagram = gradient_diagram("784-128:relu-10:softmax")
    assert diagram.summarised and (diagram.nodes, diagram.edges) == (4, 3)
    assert "softmax(z⁽²⁾) − t" in diagram.source and "(W⁽²⁾ᵀ δ⁽²⁾) ⊙ ReLU′(z⁽¹⁾)" in diagram.source
    with pytest.raises(SpecError, match="wrt= needs the full drawing"):
        gradient_diagram("784-128:relu-10:softmax", wrt="w1")
    with pytest.raises(SpecError, match="unknown wrt='X1': the parameters of 3-2-2-1"):
        gradient_diagram("3-2-2-1", wrt="X1")
    with pytest.raises(SpecError, match="bce"):
        gradient_diagram("3-2-2-1", loss="bce")


# ---- safety, files and Graphviz at the edge ----


@settings(max_examples=50)
@given(text=st.text())
def test_html_text_round_trips_through_an_xml_parser(text) -> None:
    html = html_text(text)
    parsed = ET.fromstring(f"<x>{html.replace('<BR/>', chr(10))}</x>").text or ""
    expected = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    visible = "".join(
        ch
        if ch == "\n" or not re.match(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]", ch)
        else (f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}")
        for ch in expected
    )
    assert parsed == visible


def test_dot_attributes_cannot_carry_links() -> None:
    from symnet.render.dot import DotGraph

    graph = DotGraph()
    graph.node("n0", Html("a"))
    for key in ("URL", "href", "tooltip"):
        with pytest.raises(ValueError):
            graph.node("n1", Html("b"), **{key: "javascript:alert(1)"})
    with pytest.raises(ValueError):
        graph.node('n0"; evil', Html("b"))


@needs_dot
@pytest.mark.parametrize("view", ["network", "gradient", "expression"])
def test_hostile_titles_render_literally_without_links(view) -> None:
    from symnet.render.views import diagram

    drawing = diagram("3-2:sigmoid-1", view, title=HOSTILE)
    svg = drawing.svg()
    assert svg_counts(svg) == (drawing.nodes, drawing.edges)
    texts = svg_texts(svg)
    for line in HOSTILE.split("\n"):
        assert line in texts
    assert_no_links(svg)


@needs_dot
def test_save_writes_each_format_atomically(tmp_path: Path) -> None:
    diagram = network_diagram("3-2-2-1")
    for suffix, magic in [
        (".svg", b"<?xml"),
        (".png", b"\x89PNG"),
        (".pdf", b"%PDF"),
        (".dot", b"digraph"),
    ]:
        path = diagram.save(tmp_path / f"net{suffix}")
        assert path.read_bytes().startswith(magic)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "net.dot",
        "net.pdf",
        "net.png",
        "net.svg",
    ]
    with pytest.raises(SpecError, match="suffix"):
        diagram.save(tmp_path / "net.txt")
    with pytest.raises(WriteError, match="does not exist"):
        diagram.save(tmp_path / "missing" / "net.svg")


def test_missing_graphviz_writes_the_dot_file_and_names_the_install(tmp_path, monkeypatch) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    diagram = network_diagram("3-2-2-1")
    with pytest.raises(RenderError) as caught:
        diagram.save(tmp_path / "net.svg")
    message = str(caught.value)
    assert "\n" not in message and "apt-get install graphviz" in message
    assert (tmp_path / "net.dot").read_text(encoding="utf-8") == diagram.source
    assert not (tmp_path / "net.svg").exists()
    assert diagram._repr_svg_() is None  # Jupyter falls back to the text form


@needs_dot
def test_jupyter_display_and_demo_files(tmp_path: Path) -> None:
    net = build_network("3-2-2-1")
    assert svg_counts(network_svg(net)) == (8, 12)
    assert svg_counts(network_diagram(net)._repr_svg_()) == (8, 12)
    paths = demo_diagrams(tmp_path / "demo")
    assert [p.name for p in paths] == ["seed-network.svg", "seed-gradient-w1.svg"]
    counts = [svg_counts(p.read_text(encoding="utf-8")) for p in paths]
    assert counts == [(8, 12), (27, 31)]


@needs_dot
@pytest.mark.parametrize("view", ["network", "gradient"])
def test_subscripts_are_lowered_in_a_way_browsers_show(view):
    # NOTE: Graphviz writes baseline-shift, which Chromium and Firefox ignore ("z A")
    from symnet.render.views import diagram

    root = ET.fromstring(diagram("3-2:relu-1", view).svg())
    texts = list(root.iter(f"{SVG}text"))
    shifted = [t for t in texts if "dy" in t.attrib]
    assert not [t for t in texts if "baseline-shift" in t.attrib]
    assert shifted and all(float(t.attrib["dy"]) > 0 for t in shifted)
    sizes = {float(t.attrib["font-size"]) for t in texts if "dy" not in t.attrib}
    assert all(float(t.attrib["font-size"]) < max(sizes) for t in shifted)
