"""Activation and loss names: built-in, leaky_relu with a slope, formulas in a scope."""

from __future__ import annotations

from fractions import Fraction

import pytest

from symnet.exceptions import SpecError
from symnet.graph.registry import (
    Formula,
    canonical_activation,
    check_formula_name,
    current_formulas,
    formula_scope,
    leaky_slope,
)
from symnet.graph.spec import parse_spec


@pytest.mark.parametrize(
    ("typed", "canonical", "slope"),
    [
        ("leaky_relu", "leaky_relu", Fraction(1, 100)),
        ("leaky_relu0.01", "leaky_relu", Fraction(1, 100)),
        ("leaky_relu0.20", "leaky_relu0.2", Fraction(1, 5)),
        ("leakyrelu.5", "leaky_relu0.5", Fraction(1, 2)),
        ("LEAKY_RELU0.3", "leaky_relu0.3", Fraction(3, 10)),
    ],
)
def test_leaky_relu_takes_its_slope_after_its_name(typed, canonical, slope):
    spec = parse_spec(f"2-3:{typed}-1")
    assert spec.layers[0].activation == canonical
    assert leaky_slope(canonical) == slope
    assert str(spec) == f"2-3:{canonical}-1"


@pytest.mark.parametrize(
    "typed", ["leaky_relu0", "leaky_relu1", "leaky_relu2.5", "leaky_relu0.1234567891"]
)
def test_a_slope_outside_zero_to_one_is_one_line(typed):
    with pytest.raises(SpecError) as caught:
        parse_spec(f"2-3:{typed}-1")
    assert "\n" not in str(caught.value) and "leaky_relu" in str(caught.value)


def test_swish_is_silu():
    assert canonical_activation("swish") == "silu"


def test_formula_names_exist_only_inside_their_scope_and_scopes_nest():
    outer = Formula("activation", "f", "z**2", None)
    inner = Formula("activation", "f", "z**3", None)
    with formula_scope([outer]):
        assert parse_spec("1-1:f").layers[0].activation == "f"
        with formula_scope([inner, Formula("loss", "l", "y", None)]):
            assert current_formulas().activations["f"].text == "z**3"
            assert set(current_formulas().losses) == {"l"}
        assert current_formulas().activations["f"].text == "z**2"
        assert not current_formulas().losses
    with pytest.raises(SpecError, match="activation 'f' is not one of"):
        parse_spec("1-1:f")


@pytest.mark.parametrize("name", ["relu", "gelu", "swish", "linear", "mse", "huber", "leaky2"])
def test_a_formula_never_shadows_a_built_in_name(name):
    with pytest.raises(SpecError, match="built-in name"):
        check_formula_name(name, "activation")


@pytest.mark.parametrize("name", ["", "Swish", "2f", "a-b", "a b", "x" * 33, "é", None])
def test_a_formula_name_is_a_short_lower_case_identifier(name):
    with pytest.raises(SpecError, match="lower-case letters"):
        check_formula_name(name, "loss")
