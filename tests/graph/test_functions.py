"""The new activations' SymPy functions: table rule = sympy.diff of the elementary form, and
the NumPy form = SymPy's evalf, at random points away from the non-differentiable ones."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from symnet.graph.activations import ACTIVATIONS, elementary, get_activation
from symnet.graph.functions import SELU_ALPHA, SELU_SCALE, elu_step, leaky_step, selu_step, step
from symnet.graph.losses import huber, unit_clip
from symnet.numeric.functions import lambdify_modules

Z = sp.Symbol("z", real=True)
ELEMENTWISE = sorted(name for name, row in ACTIVATIONS.items() if not row.vector)
WITH_SLOPES = ELEMENTWISE + ["leaky_relu0.2", "leaky_relu0.5"]
# Points kept away from 0, where relu, leaky relu and selu have a kink.
POINTS = st.floats(-6, 6).filter(lambda v: abs(v) > 1e-3)


def _value(expr: sp.Expr, at: float) -> float:
    return float(expr.xreplace({Z: sp.Float(at, 30)}).evalf(30))


@pytest.mark.parametrize("name", WITH_SLOPES)
@settings(max_examples=25, deadline=None)
@given(at=POINTS)
def test_the_table_rule_is_sympy_diff_of_the_elementary_form(name, at):
    row = get_activation(name)
    by_sympy = sp.diff(elementary(row.apply(Z)), Z)
    assert math.isclose(
        _value(row.derivative(Z), at), _value(by_sympy, at), rel_tol=1e-12, abs_tol=1e-12
    )


@pytest.mark.parametrize("name", WITH_SLOPES)
@settings(max_examples=25, deadline=None)
@given(at=st.floats(-30, 30).filter(lambda v: v == 0 or abs(v) > 1e-50))
def test_the_numpy_forms_equal_sympy_evalf(name, at):
    row = get_activation(name)
    for expr in (row.apply(Z), row.derivative(Z)):
        compiled = sp.lambdify([Z], expr, modules=lambdify_modules())
        expected = _value(expr, at)
        got = float(np.broadcast_to(compiled(np.array([at])), (1,))[0])
        assert math.isclose(got, expected, rel_tol=1e-9, abs_tol=1e-12), (name, expr, at)


@pytest.mark.parametrize("function", [huber, unit_clip])
@settings(max_examples=25, deadline=None)
@given(at=st.floats(-5, 5).filter(lambda v: abs(abs(v) - 1) > 1e-6 and abs(v) > 1e-50))
def test_the_huber_functions_agree_with_their_numpy_forms_and_derivatives(function, at):
    expr = function(Z)
    compiled = sp.lambdify([Z], expr, modules=lambdify_modules())
    assert math.isclose(float(compiled(np.array([at]))[0]), _value(expr, at), abs_tol=1e-12)
    if function is huber:
        by_sympy = sp.diff(elementary(expr), Z)
        assert math.isclose(_value(sp.diff(expr, Z), at), _value(by_sympy, at), abs_tol=1e-12)


def test_the_conventions_at_the_kinks_are_stated_values():
    # NOTE: ReLU'(0) = 0, LeakyReLU'(0) = its slope, SELU'(0) = lambda alpha (the left
    # branch, as PyTorch), ELU'(0) = 1 (smooth), huber' = clip(r, -1, 1).
    assert step(0) == 0 and leaky_step(0) == sp.Rational(1, 100)
    assert leaky_step(0, sp.Rational(1, 5)) == sp.Rational(1, 5)
    assert elu_step(0) == 1 and selu_step(0) == SELU_SCALE * SELU_ALPHA
    assert unit_clip(sp.Rational(1, 2)).evalf() == 0.5 and huber(3).evalf() == 2.5


def test_numpy_forms_are_stable_far_out():
    old = np.seterr(all="raise")
    try:
        z = np.array([-1000.0, -40.0, 0.0, 40.0, 1000.0])
        for name in ELEMENTWISE:
            for expr in (get_activation(name).apply(Z), get_activation(name).derivative(Z)):
                values = sp.lambdify([Z], expr, modules=lambdify_modules())(z)
                assert np.all(np.isfinite(np.broadcast_to(values, z.shape))), (name, expr)
    finally:
        np.seterr(**old)


@pytest.mark.parametrize(
    ("name", "latex"),
    [
        ("gelu", r"\operatorname{GELU}"),
        ("gelu_tanh", r"\operatorname{GELU}_{\tanh}"),
        ("leaky_relu0.2", r"\operatorname{LeakyReLU}_{1/5}"),
    ],
)
def test_each_activation_prints_by_its_name_in_latex(name, latex):
    printed = sp.latex(get_activation(name).apply(sp.Symbol("z")))
    assert printed.startswith(latex.replace("1/5", r"\frac{1}{5}"))
