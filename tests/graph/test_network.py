from __future__ import annotations

import time

import pytest
import sympy as sp
from hypothesis import given

from symnet.exceptions import SizeLimitError
from symnet.graph.activations import ACTIVATIONS
from symnet.graph.build import build_network
from tests.strategies import specs


def test_seed_network_definitions_are_the_notes():
    net = build_network("3-2-2-1", names="seed")
    ws = sp.symbols("w1:13")
    A, B, C, D = sp.symbols("A B C D")
    X1, X2, X3 = sp.symbols("X1 X2 X3")
    assert net.definition("A") == ws[0] * X1 + ws[2] * X2 + ws[4] * X3
    assert net.definition("B") == ws[1] * X1 + ws[3] * X2 + ws[5] * X3
    assert net.definition("C") == ws[6] * A + ws[8] * B
    assert net.definition("D") == ws[7] * A + ws[9] * B
    assert net.definition("y") == ws[10] * C + ws[11] * D
    assert net.parameters == tuple(f"w{k}" for k in (1, 3, 5, 2, 4, 6, 7, 9, 8, 10, 11, 12))


def test_node_kinds_with_activations_and_bias():
    net = build_network("2-2:tanh-1:sigmoid", bias=True)
    kinds = {n: d["kind"] for n, d in net.graph.nodes(data=True)}
    assert kinds["X1"] == "input" and kinds["w1"] == "weight" and kinds["b1"] == "bias"
    assert kinds["z_A"] == "z" and kinds["A"] == "a" and kinds["y"] == "a"
    assert net.definition("A") == ACTIVATIONS["tanh"].apply(sp.Symbol("z_A"))
    assert str(net.definition("A")) == "tanh(z_A)"


@given(specs(max_layers=3, max_width=3))
def test_every_edge_partial_is_the_derivative_of_the_head_definition(text):
    net = build_network(text, names="indexed", bias=True)
    for tail, head, data in net.graph.edges(data=True):
        expected = sp.diff(net.definition(head), sp.Symbol(tail))
        assert sp.simplify((data["partial"] - expected).rewrite(sp.exp)) == 0, (tail, head)
    # Every symbol a definition uses is a predecessor in the graph.
    for node in net.graph:
        definition = net.definition(node)
        if definition is not None:
            used = {str(s) for s in definition.free_symbols}
            assert used == set(net.graph.predecessors(node))


def test_weight_matrix_rows_feed_units():
    net = build_network("3-2-1")
    W1 = net.weight_matrix(1)
    assert W1.shape == (2, 3)
    z = W1 * sp.Matrix(net.input_symbols)
    assert sp.expand(z[0] - net.definition("A")) == 0


def test_substituted_output_is_in_inputs_and_parameters():
    net = build_network("2-2:relu-1", bias=True)
    expr = net.substituted("y")
    assert {str(s) for s in expr.free_symbols} == set(net.inputs) | set(net.parameters)


def test_huge_graph_is_refused_quickly():
    start = time.perf_counter()
    with pytest.raises(SizeLimitError, match="layer-level"):
        build_network("300-300-300-300-300-1")
    assert time.perf_counter() - start < 1.0


def test_unknown_node_names_the_parameters():
    net = build_network("3-2-1")
    with pytest.raises(ValueError, match="w1"):
        net.definition("w99")


def test_latex_display():
    net = build_network("3-2-2-1", names="indexed")
    latex = net._repr_latex_()
    assert latex.startswith("$") and r"w^{(1)}_{1,1} x_{1}" in latex
