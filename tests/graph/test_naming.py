from __future__ import annotations

import pytest
import sympy as sp
from hypothesis import given

from symnet.exceptions import SpecError
from symnet.graph.build import build_network
from symnet.graph.naming import Naming
from tests.strategies import specs


def test_seed_names_follow_the_notes():
    names = Naming.create("seed", (3, 2, 2, 1))
    assert [names.input(i) for i in range(3)] == ["X1", "X2", "X3"]
    assert [names.unit(1, j) for j in range(2)] + [names.unit(2, j) for j in range(2)] == list(
        "ABCD"
    )
    assert names.unit(3, 0) == "y"
    # Numbered by source node, then destination node.
    assert [names.weight(1, 0, i) for i in range(3)] == ["w1", "w3", "w5"]
    assert [names.weight(1, 1, i) for i in range(3)] == ["w2", "w4", "w6"]
    assert [names.weight(2, 0, i) for i in range(2)] == ["w7", "w9"]
    assert [names.weight(2, 1, i) for i in range(2)] == ["w8", "w10"]
    assert [names.weight(3, 0, i) for i in range(2)] == ["w11", "w12"]
    assert [names.bias(layer, 0) for layer in (1, 2, 3)] == ["b1", "b3", "b5"]


def test_several_outputs_are_numbered():
    names = Naming.create("seed", (2, 3))
    assert [names.unit(1, j) for j in range(3)] == ["y1", "y2", "y3"]


def test_indexed_names_and_latex():
    names = Naming.create("indexed", (3, 2, 1))
    assert names.weight(2, 0, 1) == "w2_1_2"
    assert names.latex("w2_1_2") == "w^{(2)}_{1,2}"
    assert names.latex(names.pre_activation(1, 1)) == "z^{(1)}_{2}"
    assert names.latex(names.unit(1, 0)) == "a^{(1)}_{1}"
    assert names.latex(names.bias(1, 1)) == "b^{(1)}_{2}"
    assert names.latex("x3") == "x_{3}"


def test_seed_latex():
    names = Naming.create("seed", (3, 2, 1))
    assert names.latex("w11") == "w_{11}"
    assert names.latex("X1") == "X_{1}"
    assert names.latex("z_A") == "z_{A}"


def test_unknown_scheme_is_a_spec_error():
    with pytest.raises(SpecError, match="'seed', 'indexed'"):
        Naming.create("greek", (1, 1))


@given(specs(max_layers=4, max_width=12))
def test_names_are_unique_identifiers_that_sympy_parses_back(text):
    for scheme in ("seed", "indexed"):
        net = build_network(text, names=scheme, bias=True)
        names = list(net.graph.nodes)
        assert len(set(names)) == len(names)
        for name in names:
            assert name.isidentifier()
            assert sp.sympify(name) == sp.Symbol(name)  # our own names, never user input
