"""Formula activations and losses read by the whitelist parser, and used by the graph."""

from __future__ import annotations

import pytest
import sympy as sp

from symnet.exceptions import ParseError, SpecError, SymnetError
from symnet.graph.activations import get_activation
from symnet.graph.build import build_network
from symnet.graph.losses import add_loss
from symnet.parse.formula_text import formulas, parse_formula, parse_formula_option
from tests.test_parse import ATTACKS


def test_a_formula_activation_is_its_formula_and_its_derivative_is_sympy_diff():
    z = sp.Symbol("z")
    with formulas(activations={"swish2": "z*sigmoid(z)", "sq": "z**2/2 + abs(z)"}):
        row = get_activation("swish2")
        assert row.apply(z) == z * get_activation("sigmoid").apply(z)
        assert sp.simplify(row.derivative(z) - sp.diff(row.apply(z), z)) == 0
        assert str(get_activation("sq").derivative(z)) == "z + sign(z)"  # |z|' = sign(z)
        net = build_network("2-1:sq", names="indexed")
        assert net.definition("a1_1").has(sp.Symbol("z1_1"))


def test_a_formula_loss_is_summed_over_the_outputs():
    with formulas(losses={"l4": "(y - t)**4"}):
        net = add_loss(build_network("2-2", names="indexed"), "l4")
        assert str(net.definition("L")) == "(a1_1 - t1)**4 + (a1_2 - t2)**4"
        assert str(net.graph.edges["a1_1", "L"]["partial"]) == "4*(a1_1 - t1)**3"


def test_the_same_name_with_another_formula_is_another_activation():
    z = sp.Symbol("z")
    with formulas(activations={"f": "z**2"}):
        first = get_activation("f").apply(z)
    with formulas(activations={"f": "z**3"}):
        assert get_activation("f").apply(z) == z**3 != first


@pytest.mark.parametrize(
    ("activations", "losses", "fragment"),
    [
        ({"relu": "z"}, {}, "built-in name"),
        ({"f": "x**2"}, {}, "unknown name 'x'"),
        ({}, {"l": "t**2"}, "does not depend on y"),
        ({}, {"l": "z - t"}, "unknown name 'z'"),
        ({"f": "z" * 2000}, {}, "characters"),
    ],
)
def test_a_bad_formula_is_one_line(activations, losses, fragment):
    with pytest.raises(SymnetError) as caught, formulas(activations=activations, losses=losses):
        pass
    assert fragment in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.parametrize("text", ATTACKS, ids=[repr(a[:30]) for a in ATTACKS])
@pytest.mark.parametrize("kind", ["activation", "loss"])
def test_attack_strings_are_refused_as_formulas(text, kind, nothing_runs):
    if kind == "loss" and text == "y":  # an unknown name for f(x); the loss's own variable here
        text = "x"
    with pytest.raises(ParseError) as caught:
        parse_formula(kind, "f", text)
    assert "\n" not in str(caught.value)
    assert nothing_runs == []


def test_the_option_form_is_name_equals_formula():
    assert parse_formula_option("f = z**2 ") == ("f", "z**2")
    with pytest.raises(SpecError, match="NAME=EXPR"):
        parse_formula_option("z**2")
