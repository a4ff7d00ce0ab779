"""Activation functions: their SymPy definitions and derivative rules, in one table.

Everything symbolic about an activation lives in the one table :data:`ACTIVATIONS`; adding
an activation is one row there (and, when it needs a new SymPy function, that function in
:mod:`symnet.graph.functions` and its NumPy version in
:data:`symnet.numeric.functions.NUMPY_FUNCTIONS`). The SymPy functions differentiate by the
same rules the table holds, so ``sympy.diff`` of a whole network and symnet's own chain
rule agree. :func:`get_activation` also knows two kinds of row that are not in the table:
``leaky_relu`` with another slope (``leaky_relu0.2``) and the formula activations of the
current scope (:mod:`symnet.graph.registry`), whose derivative is ``sympy.diff`` of the
formula.

>>> import sympy as sp
>>> z = sp.Symbol("z")
>>> ACTIVATIONS["relu"].apply(z), ACTIVATIONS["relu"].derivative(z)
(ReLU(z), step(z))
>>> ReLU(-5), step(0)
(0, 0)
>>> sp.diff(sigmoid(2 * z), z)
2*(1 - sigmoid(2*z))*sigmoid(2*z)
>>> get_activation("leaky_relu0.2").apply(z)
LeakyReLU(z, 1/5)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sympy as sp

from symnet.exceptions import SpecError
from symnet.graph.functions import (
    ELU,
    GELU,
    LEAKY_SLOPE,
    SELU,
    GELU_tanh,
    LeakyReLU,
    Mish,
    ReLU,
    SiLU,
    SymnetFunction,
    elu_step,
    gelu_tanh_rule,
    leaky_step,
    mish_rule,
    selu_step,
    sigmoid,
    sigmoid_rule,
    silu_rule,
    softmax,
    softplus,
    step,
    tanh,
    tanh_rule,
)
from symnet.graph.registry import ACTIVATION_NAMES, canonical_activation, current_formulas
from symnet.graph.registry import leaky_slope as slope_of

__all__ = [
    "SymnetFunction",
    "Activation",
    "ACTIVATIONS",
    "LEAKY_SLOPE",
    "ReLU",
    "step",
    "LeakyReLU",
    "leaky_step",
    "sigmoid",
    "tanh",
    "softmax",
    "softplus",
    "ELU",
    "SELU",
    "GELU",
    "GELU_tanh",
    "SiLU",
    "Mish",
    "get_activation",
    "elementary",
    "formula_activation_key",
]


def elementary(expr: sp.Expr) -> sp.Expr:
    """``expr`` with symnet's functions written in SymPy's own (Max, Heaviside, exp, tanh).

    ``sympy.diff`` of the result uses SymPy's derivative rules, not symnet's table: an
    independent route for checking gradients.

    >>> z = sp.Symbol("z")
    >>> elementary(sigmoid(z) + ReLU(z))
    Max(0, z) + 1/(1 + exp(-z))
    """
    return expr.rewrite("elementary")


@dataclass(frozen=True)
class Activation:
    """One row of the activation table.

    ``function(z)`` is the SymPy definition, ``rule(z)`` its derivative f'(z). Vector
    activations (softmax) take the whole layer: ``function(z_j, zs)``, and have no ``rule``
    (None): their output is differentiated instead.
    """

    name: str
    function: Callable[..., sp.Expr]
    rule: Callable[..., sp.Expr] | None
    latex_name: str
    vector: bool = False

    def apply(self, z: sp.Expr, layer: tuple[sp.Expr, ...] = ()) -> sp.Expr:
        """f(z); for a vector activation, the component of ``z`` within ``layer``."""
        return self.function(z, layer) if self.vector else self.function(z)

    def derivative(self, z: sp.Expr) -> sp.Expr:
        """f'(z) for an elementwise activation."""
        if self.vector:
            raise TypeError(f"{self.name} is a vector activation; differentiate its output instead")
        if self.rule is None:
            raise TypeError(f"{self.name} has no derivative rule; give its table row one")
        return self.rule(z)


# The table: name -> (definition, derivative rule, LaTeX name). One row per activation.
ACTIVATIONS: dict[str, Activation] = {
    "identity": Activation("identity", lambda z: z, lambda z: sp.S.One, r"\operatorname{id}"),
    "relu": Activation("relu", ReLU, step, r"\operatorname{ReLU}"),
    "leaky_relu": Activation("leaky_relu", LeakyReLU, leaky_step, r"\operatorname{LeakyReLU}"),
    "sigmoid": Activation("sigmoid", sigmoid, sigmoid_rule, r"\sigma"),
    "tanh": Activation("tanh", tanh, tanh_rule, r"\tanh"),
    "softmax": Activation(
        "softmax", lambda z, layer: softmax(z, *layer), None, r"\operatorname{softmax}", True
    ),
    "softplus": Activation("softplus", softplus, sigmoid, r"\operatorname{softplus}"),
    "elu": Activation("elu", ELU, elu_step, ELU.latex),
    "selu": Activation("selu", SELU, selu_step, SELU.latex),
    "gelu": Activation("gelu", GELU, GELU.rule, GELU.latex),
    "gelu_tanh": Activation("gelu_tanh", GELU_tanh, gelu_tanh_rule, GELU_tanh.latex),
    "silu": Activation("silu", SiLU, silu_rule, SiLU.latex),
    "mish": Activation("mish", Mish, mish_rule, Mish.latex),
}
assert tuple(ACTIVATIONS) == ACTIVATION_NAMES, "keep symnet.graph.registry.ACTIVATION_NAMES in step"

#: Rows built on demand (leaky_relu with a slope; formulas), by their key.
_BUILT: dict[tuple, Activation] = {}


def _leaky_row(name: str) -> Activation:
    slope = slope_of(name)
    s = sp.Rational(slope.numerator, slope.denominator)
    shown = name.removeprefix("leaky_relu")
    return Activation(
        name,
        lambda z: LeakyReLU(z, s),
        lambda z: leaky_step(z, s),
        rf"\operatorname{{LeakyReLU}}_{{{shown}}}",
    )


def _formula_row(name: str, expr: sp.Expr) -> Activation:
    """The row of a formula activation f(z) = ``expr``: f' is ``sympy.diff`` of the formula.

    NOTE: the formula is written into the graph as it is (``a = z sigmoid(z)``): every
    printer, ``lambdify`` and the code generator read it like any other expression.
    """
    z = sp.Symbol("z")
    derivative = sp.diff(expr, z)
    shown = name.replace("_", r"\_")
    return Activation(
        name,
        lambda x: expr.xreplace({z: x}),
        lambda x: derivative.xreplace({z: x}),
        rf"\operatorname{{{shown}}}",
    )


def formula_activation_key(name: str) -> tuple:
    """What identifies the activation ``name`` now: its name, and its formula if it has one."""
    formula = current_formulas().activations.get(name)
    return (name,) if formula is None else formula.key


def get_activation(name: str) -> Activation:
    """The table row for ``name``, with an error listing every allowed name.

    Also ``leaky_relu<slope>`` and the formula activations of the current scope
    (:func:`symnet.graph.registry.formula_scope`).
    """
    if name in ACTIVATIONS:
        return ACTIVATIONS[name]
    try:
        canonical = canonical_activation(name) if isinstance(name, str) else None
    except ValueError:
        canonical = None
    if canonical is None:
        allowed = ", ".join(repr(n) for n in ACTIVATIONS)
        raise SpecError(
            f"activation must be one of {allowed}, 'leaky_reluS' (a slope S such as 0.2) or a "
            f"formula (activation='NAME=EXPR'); got {name!r}"
        ) from None
    if canonical in ACTIVATIONS:
        return ACTIVATIONS[canonical]
    key = formula_activation_key(canonical)
    if key not in _BUILT:
        formula = current_formulas().activations.get(canonical)
        row = _leaky_row(canonical) if formula is None else _formula_row(canonical, formula.expr)
        _BUILT[key] = row
    return _BUILT[key]
