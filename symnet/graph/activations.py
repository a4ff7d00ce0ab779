"""Activation functions: their SymPy definitions and derivative rules, in one table.

Everything symbolic about an activation lives in the one table :data:`ACTIVATIONS`; adding
an activation is one row there (and, when it needs a new SymPy function, that function's
NumPy version in :data:`symnet.numeric.functions.NUMPY_FUNCTIONS`). The SymPy functions
defined here take their derivatives from the table, so ``sympy.diff`` of a whole network
and symnet's own chain rule use the same rules.

>>> import sympy as sp
>>> z = sp.Symbol("z")
>>> ACTIVATIONS["relu"].apply(z), ACTIVATIONS["relu"].derivative(z)
(ReLU(z), step(z))
>>> ReLU(-5), step(0)
(0, 0)
>>> sp.diff(sigmoid(2 * z), z)
2*(1 - sigmoid(2*z))*sigmoid(2*z)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sympy as sp

from symnet.exceptions import SpecError
from symnet.graph.spec import ACTIVATION_NAMES

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
    "get_activation",
    "elementary",
]

# NOTE: leaky ReLU's slope for z < 0 is fixed at 1/100, the usual default.
LEAKY_SLOPE = sp.Rational(1, 100)


class SymnetFunction(sp.Function):
    r"""Base of symnet's own SymPy functions: printed in LaTeX by name, with a power when raised.

    >>> z = sp.Symbol("z")
    >>> print(sp.latex(sigmoid(z) ** 2))
    \sigma\left(z\right)^{2}
    """

    def _latex_body(self, printer):
        args = ", ".join(printer._print(a) for a in self.args)
        name = type(self).__name__.replace("_", r"\_")
        return rf"\operatorname{{{name}}}\left({args}\right)"

    def _latex(self, printer, exp=None):
        body = self._latex_body(printer)
        if exp is None:
            return body
        if body.startswith(r"\frac"):
            body = rf"\left({body}\right)"
        return f"{body}^{{{exp}}}"


def _real_sign(z: sp.Expr) -> int | None:
    """+1, 0 or -1 when the sign of ``z`` is known, else None."""
    if z.is_positive:
        return 1
    if z.is_zero:
        return 0
    if z.is_negative:
        return -1
    return None


class ReLU(SymnetFunction):
    """ReLU(z) = max(0, z), the rectified linear unit."""

    @classmethod
    def eval(cls, z):
        sign = _real_sign(z)
        if sign is not None:
            return z if sign > 0 else sp.S.Zero

    def fdiff(self, argindex=1):
        return ACTIVATIONS["relu"].derivative(self.args[0])

    def _eval_rewrite_as_Piecewise(self, z, **kwargs):
        return sp.Piecewise((z, z > 0), (0, True))

    def _eval_rewrite_as_Max(self, z, **kwargs):
        return sp.Max(0, z)

    # NOTE: SymPy differentiates Max(0, z) to Heaviside(z), which is 1/2 at exactly z = 0;
    # that point has measure zero, and Max lambdifies without Piecewise's ITE conditions.
    _eval_rewrite_as_elementary = _eval_rewrite_as_Max

    def _latex_body(self, printer):
        return rf"\operatorname{{ReLU}}\left({printer._print(self.args[0])}\right)"


class step(SymnetFunction):  # noqa: N801 - printed name, as in the notes' lower-case functions
    """The derivative of ReLU: 1 for z > 0, else 0.

    NOTE: ReLU'(0) = 0 by convention here. SymPy's ``Heaviside(0)`` is 1/2; symnet does
    not inherit that: step(0) = 0 and the compiled code agrees.
    """

    @classmethod
    def eval(cls, z):
        sign = _real_sign(z)
        if sign is not None:
            return sp.S.One if sign > 0 else sp.S.Zero

    def fdiff(self, argindex=1):
        # NOTE: zero almost everywhere; the Dirac spike at 0 is never needed for gradients.
        return sp.S.Zero

    def _eval_rewrite_as_Piecewise(self, z, **kwargs):
        return sp.Piecewise((1, z > 0), (0, True))

    def _eval_rewrite_as_elementary(self, z, **kwargs):
        return sp.Heaviside(z, 0)

    def _latex_body(self, printer):
        return rf"\operatorname{{step}}\left({printer._print(self.args[0])}\right)"


class LeakyReLU(SymnetFunction):
    """LeakyReLU(z) = z for z > 0, else z / 100."""

    @classmethod
    def eval(cls, z):
        sign = _real_sign(z)
        if sign is not None:
            return z if sign > 0 else LEAKY_SLOPE * z

    def fdiff(self, argindex=1):
        return ACTIVATIONS["leaky_relu"].derivative(self.args[0])

    def _eval_rewrite_as_Piecewise(self, z, **kwargs):
        return sp.Piecewise((z, z > 0), (LEAKY_SLOPE * z, True))

    def _eval_rewrite_as_elementary(self, z, **kwargs):
        return sp.Max(z, LEAKY_SLOPE * z)

    def _latex_body(self, printer):
        return rf"\operatorname{{LeakyReLU}}\left({printer._print(self.args[0])}\right)"


class leaky_step(SymnetFunction):  # noqa: N801
    """The derivative of LeakyReLU: 1 for z > 0, else 1/100 (also at 0, like ReLU)."""

    @classmethod
    def eval(cls, z):
        sign = _real_sign(z)
        if sign is not None:
            return sp.S.One if sign > 0 else LEAKY_SLOPE

    def fdiff(self, argindex=1):
        return sp.S.Zero

    def _eval_rewrite_as_Piecewise(self, z, **kwargs):
        return sp.Piecewise((1, z > 0), (LEAKY_SLOPE, True))

    def _eval_rewrite_as_elementary(self, z, **kwargs):
        return LEAKY_SLOPE + (1 - LEAKY_SLOPE) * sp.Heaviside(z, 0)


class sigmoid(SymnetFunction):  # noqa: N801 - the notes write sigmoid(...) in lower case
    """sigmoid(z) = 1 / (1 + exp(-z))."""

    @classmethod
    def eval(cls, z):
        if z.is_zero:
            return sp.S.Half

    def fdiff(self, argindex=1):
        return ACTIVATIONS["sigmoid"].derivative(self.args[0])

    def _eval_rewrite_as_exp(self, z, **kwargs):
        return 1 / (1 + sp.exp(-z))

    _eval_rewrite_as_elementary = _eval_rewrite_as_exp

    def _eval_evalf(self, prec):
        return self.rewrite(sp.exp)._eval_evalf(prec)

    def _latex_body(self, printer):
        return rf"\sigma\left({printer._print(self.args[0])}\right)"


class tanh(SymnetFunction):  # noqa: N801
    """tanh(z), the hyperbolic tangent, as symnet's own SymPy function.

    SymPy's ``tanh`` asks expensive questions of its argument (is it real?) every time
    it is built around a large sum; this one only evaluates at 0 and takes its
    derivative from the table. It prints as ``tanh`` and rewrites to ``sympy.tanh``.
    """

    @classmethod
    def eval(cls, z):
        if z.is_zero:
            return sp.S.Zero

    def fdiff(self, argindex=1):
        return ACTIVATIONS["tanh"].derivative(self.args[0])

    def _eval_rewrite_as_exp(self, z, **kwargs):
        return sp.tanh(z).rewrite(sp.exp)

    def _eval_rewrite_as_tanh(self, z, **kwargs):
        return sp.tanh(z)

    _eval_rewrite_as_elementary = _eval_rewrite_as_tanh

    def _eval_evalf(self, prec):
        return sp.tanh(self.args[0])._eval_evalf(prec)

    def _latex_body(self, printer):
        return rf"\tanh\left({printer._print(self.args[0])}\right)"


class softmax(SymnetFunction):  # noqa: N801
    """softmax(z_j, z_1, ..., z_n) = exp(z_j) / (exp(z_1) + ... + exp(z_n)).

    The first argument names the component; it is also one of the others. Differentiating
    with respect to ``z_k`` therefore gives s_j (1 - s_j) when k = j and -s_j s_k otherwise.
    """

    @classmethod
    def eval(cls, *args):
        if len(args) < 2 or args[0] not in args[1:]:
            raise ValueError("softmax(z_j, z_1, ..., z_n) needs z_j among z_1, ..., z_n")

    def fdiff(self, argindex=1):
        chosen, *every = self.args
        if argindex == 1:  # through the numerator exp(z_j)
            return self
        return -self * softmax(every[argindex - 2], *every)

    def _eval_rewrite_as_exp(self, *args, **kwargs):
        return sp.exp(args[0]) / sp.Add(*(sp.exp(z) for z in args[1:]))

    _eval_rewrite_as_elementary = _eval_rewrite_as_exp

    def _eval_evalf(self, prec):
        return self.rewrite(sp.exp)._eval_evalf(prec)

    def _latex_body(self, printer):
        numerator = printer._print(sp.exp(self.args[0]))
        denominator = " + ".join(printer._print(sp.exp(z)) for z in self.args[1:])
        return rf"\frac{{{numerator}}}{{{denominator}}}"


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


def _tanh_rule(z):
    return 1 - tanh(z) ** 2


def _sigmoid_rule(z):
    return sigmoid(z) * (1 - sigmoid(z))


# The table: name -> (definition, derivative rule, LaTeX name). One row per activation.
ACTIVATIONS: dict[str, Activation] = {
    "identity": Activation("identity", lambda z: z, lambda z: sp.S.One, r"\operatorname{id}"),
    "relu": Activation("relu", ReLU, step, r"\operatorname{ReLU}"),
    "leaky_relu": Activation("leaky_relu", LeakyReLU, leaky_step, r"\operatorname{LeakyReLU}"),
    "sigmoid": Activation("sigmoid", sigmoid, _sigmoid_rule, r"\sigma"),
    "tanh": Activation("tanh", tanh, _tanh_rule, r"\tanh"),
    "softmax": Activation(
        "softmax", lambda z, layer: softmax(z, *layer), None, r"\operatorname{softmax}", True
    ),
}
assert tuple(ACTIVATIONS) == ACTIVATION_NAMES, "keep symnet.graph.spec.ACTIVATION_NAMES in step"


def get_activation(name: str) -> Activation:
    """The table row for ``name``, with an error listing every allowed name."""
    try:
        return ACTIVATIONS[name]
    except KeyError:
        allowed = ", ".join(repr(n) for n in ACTIVATIONS)
        raise SpecError(f"activation must be one of {allowed}; got {name!r}") from None
