from __future__ import annotations

import warnings

import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from symnet.exceptions import SpecError
from symnet.graph.activations import ACTIVATIONS, ReLU, get_activation, sigmoid, softmax, step
from symnet.numeric.functions import NUMPY_FUNCTIONS

z = sp.Symbol("z")
ELEMENTWISE = [name for name, row in ACTIVATIONS.items() if not row.vector]


def test_relu_derivative_at_zero_is_zero_not_heaviside_half():
    assert sp.diff(ReLU(z), z) == step(z)
    assert step(0) == 0
    assert sp.Heaviside(0) == sp.S.Half  # the SymPy default that symnet does not inherit
    derivative = sp.lambdify(
        z, ACTIVATIONS["relu"].derivative(z), modules=[NUMPY_FUNCTIONS, "numpy"]
    )
    assert derivative(np.array([0.0]))[0] == 0.0
    assert derivative(np.array([1e-12]))[0] == 1.0


def test_notes_relu_trace_value():
    assert ReLU(5 * -1) == 0
    assert ReLU(sp.Integer(3)) == 3


@pytest.mark.parametrize("name", ELEMENTWISE)
@given(point=st.floats(-5, 5).filter(lambda v: abs(v) > 1e-3))
def test_derivative_rule_matches_sympy_diff_of_elementary_form(name, point):
    # Independent route: rewrite into Piecewise/exp forms SymPy differentiates by itself.
    row = ACTIVATIONS[name]
    elementary = row.apply(z).rewrite(sp.Piecewise).rewrite(sp.exp)
    expected = float(sp.diff(elementary, z).subs(z, point).evalf())
    assert float(row.derivative(z).subs(z, point).evalf()) == pytest.approx(
        expected, rel=1e-9, abs=1e-12
    )


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_numpy_function_matches_symbolic_definition(name):
    row = ACTIVATIONS[name]
    compiled = sp.lambdify(z, row.apply(z), modules=[NUMPY_FUNCTIONS, "numpy"])
    points = np.linspace(-4, 4, 17)
    expected = [float(row.apply(sp.Float(p)).evalf()) for p in points]
    np.testing.assert_allclose(compiled(points), expected, rtol=1e-12, atol=1e-15)


def test_sigmoid_and_softmax_are_stable_at_large_inputs():
    big = np.array([-1000.0, 1000.0, 0.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        values = NUMPY_FUNCTIONS["sigmoid"](big)
        shares = [NUMPY_FUNCTIONS["softmax"](zj, big, -big) for zj in (big, -big)]
    np.testing.assert_allclose(values, [0.0, 1.0, 0.5])
    np.testing.assert_allclose(shares[0] + shares[1], 1.0)


def test_softmax_partials():
    z1, z2, z3 = sp.symbols("z1:4")
    s = softmax(z1, z1, z2, z3)
    explicit = sp.exp(z1) / (sp.exp(z1) + sp.exp(z2) + sp.exp(z3))
    for var in (z1, z2):
        difference = sp.diff(s, var).rewrite(sp.exp) - sp.diff(explicit, var)
        assert sp.simplify(difference) == 0


def test_sigmoid_evaluates():
    assert sigmoid(0) == sp.S.Half
    assert float(sigmoid(sp.Float(2.0)).evalf()) == pytest.approx(1 / (1 + np.exp(-2.0)))


def test_unknown_activation_lists_every_allowed_name():
    with pytest.raises(SpecError, match="'relu', 'leaky_relu'.*'mish'.*got 'gelux'"):
        get_activation("gelux")
