"""symnet's own SymPy functions: the activations, their derivatives, and how each rewrites.

Each function prints by name (LaTeX ``\\operatorname{ELU}``), differentiates by the rule
written beside it (the same rule functions the activation table
:data:`symnet.graph.activations.ACTIVATIONS` holds, so ``sympy.diff`` of a whole network and
symnet's own chain rule agree), evaluates numerically through its elementary form, and
rewrites to SymPy's own functions with :func:`symnet.graph.activations.elementary`: an
independent route for checking gradients. Each has one stable NumPy version in
:data:`symnet.numeric.functions.NUMPY_FUNCTIONS`, under the class's name.

>>> z = sp.Symbol("z")
>>> sp.diff(SiLU(z), z)
(z*(1 - sigmoid(z)) + 1)*sigmoid(z)
>>> ELU(0), elu_step(0), GELU(z).rewrite("elementary")
(0, 1, z*(erf(sqrt(2)*z/2) + 1)/2)
"""

from __future__ import annotations

import sympy as sp

__all__ = [
    "SymnetFunction",
    "LEAKY_SLOPE",
    "SELU_SCALE",
    "SELU_ALPHA",
    "GELU_TANH_CUBIC",
    "ReLU",
    "step",
    "LeakyReLU",
    "leaky_step",
    "sigmoid",
    "tanh",
    "softmax",
    "softplus",
    "ELU",
    "elu_step",
    "SELU",
    "selu_step",
    "GELU",
    "Phi",
    "phi",
    "GELU_tanh",
    "SiLU",
    "Mish",
    "sigmoid_rule",
    "tanh_rule",
    "gelu_tanh_rule",
    "silu_rule",
    "mish_rule",
    "absolute",
    "DefinedFunction",
]

# NOTE: leaky ReLU's slope for z < 0 is 1/100 unless the spec names another (leaky_relu0.2).
LEAKY_SLOPE = sp.Rational(1, 100)
# NOTE: SELU's constants, as in Klambauer et al. (2017) and PyTorch, to 20 digits.
SELU_SCALE = sp.Float("1.0507009873554804934193349852946", 20)
SELU_ALPHA = sp.Float("1.6732632423543772848170429916717", 20)
# NOTE: the tanh approximation of GELU: 0.044715 z^3 inside tanh(sqrt(2/pi) (z + ...)).
GELU_TANH_CUBIC = sp.Rational(44715, 1_000_000)


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
        return step(self.args[0])

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
    """LeakyReLU(z) = z for z > 0, else s z; ``LeakyReLU(z, s)`` names s (default 1/100)."""

    nargs = (1, 2)

    @classmethod
    def eval(cls, z, slope=LEAKY_SLOPE):
        sign = _real_sign(z)
        if sign is not None:
            return z if sign > 0 else slope * z

    @property
    def slope(self) -> sp.Expr:
        return self.args[1] if len(self.args) == 2 else LEAKY_SLOPE

    def fdiff(self, argindex=1):
        if argindex == 2:  # d/ds: z below 0, else 0 (s is a constant in every network)
            return sp.Min(self.args[0], 0)
        return leaky_step(*self.args)

    def _eval_rewrite_as_Piecewise(self, z, *slope, **kwargs):
        return sp.Piecewise((z, z > 0), (self.slope * z, True))

    def _eval_rewrite_as_elementary(self, z, *slope, **kwargs):
        return sp.Max(z, self.slope * z)  # slope < 1

    def _latex_body(self, printer):
        slope = "" if len(self.args) == 1 else f"_{{{printer._print(self.slope)}}}"
        return rf"\operatorname{{LeakyReLU}}{slope}\left({printer._print(self.args[0])}\right)"


class leaky_step(SymnetFunction):  # noqa: N801
    """The derivative of LeakyReLU: 1 for z > 0, else the slope s (also at 0, like ReLU).

    NOTE: LeakyReLU'(0) = s by convention, as ReLU'(0) = 0 and as PyTorch.
    """

    nargs = (1, 2)

    @classmethod
    def eval(cls, z, slope=LEAKY_SLOPE):
        sign = _real_sign(z)
        if sign is not None:
            return sp.S.One if sign > 0 else slope

    def fdiff(self, argindex=1):
        return sp.S.Zero

    def _eval_rewrite_as_Piecewise(self, z, *slope, **kwargs):
        return sp.Piecewise((1, z > 0), (slope[0] if slope else LEAKY_SLOPE, True))

    def _eval_rewrite_as_elementary(self, z, *slope, **kwargs):
        s = slope[0] if slope else LEAKY_SLOPE
        return s + (1 - s) * sp.Heaviside(z, 0)


class sigmoid(SymnetFunction):  # noqa: N801 - the notes write sigmoid(...) in lower case
    """sigmoid(z) = 1 / (1 + exp(-z))."""

    @classmethod
    def eval(cls, z):
        if z.is_zero:
            return sp.S.Half

    def fdiff(self, argindex=1):
        return sigmoid_rule(self.args[0])

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
        return tanh_rule(self.args[0])

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


def sigmoid_rule(z):
    """sigmoid'(z) = sigmoid(z) (1 - sigmoid(z))."""
    return sigmoid(z) * (1 - sigmoid(z))


def tanh_rule(z):
    """tanh'(z) = 1 - tanh(z)^2."""
    return 1 - tanh(z) ** 2


class softplus(SymnetFunction):  # noqa: N801 - printed name, as in the notes' lower-case functions
    """softplus(z) = log(1 + exp(z)); its derivative is sigmoid(z).

    >>> z = sp.Symbol("z")
    >>> sp.diff(softplus(z), z), softplus(0)
    (sigmoid(z), log(2))
    """

    @classmethod
    def eval(cls, z):
        if z.is_zero:
            return sp.log(2)

    def fdiff(self, argindex=1):
        return sigmoid(self.args[0])

    def _eval_rewrite_as_log(self, z, **kwargs):
        return sp.log(1 + sp.exp(z))

    def _eval_evalf(self, prec):
        return self.rewrite(sp.log)._eval_evalf(prec)

    def _eval_rewrite_as_elementary(self, *args, **kwargs):
        return self.rewrite(sp.log)

    def _latex_body(self, printer):
        return rf"\operatorname{{softplus}}\left({printer._print(self.args[0])}\right)"


class DefinedFunction(SymnetFunction):
    """A function of one argument given by its elementary ``definition`` and its ``rule``.

    Subclasses set ``latex`` (the operator as printed) and the two static methods; the
    function evaluates at 0, numerically through its definition, and rewrites to it.
    """

    latex = ""

    @staticmethod
    def definition(z):
        raise NotImplementedError

    @staticmethod
    def rule(z):
        raise NotImplementedError

    @classmethod
    def eval(cls, z):
        if z.is_zero:
            return cls.definition(z)

    def fdiff(self, argindex=1):
        return self.rule(self.args[0])

    def _eval_rewrite_as_elementary(self, z, **kwargs):
        return self.definition(z)

    def _eval_evalf(self, prec):
        return self.definition(self.args[0])._eval_evalf(prec)

    def _latex_body(self, printer):
        return rf"{self.latex}\left({printer._print(self.args[0])}\right)"


class elu_step(DefinedFunction):  # noqa: N801
    """ELU'(z): 1 for z > 0, else exp(z). NOTE: ELU (alpha = 1) is smooth at 0: ELU'(0) = 1."""

    latex = r"\operatorname{ELU}'"
    definition = staticmethod(lambda z: sp.exp(sp.Min(0, z)))
    rule = staticmethod(lambda z: sp.exp(z) * sp.Heaviside(-z, 1))


class ELU(DefinedFunction):
    """ELU(z) = z for z > 0, else exp(z) - 1 (alpha = 1, as PyTorch's default)."""

    latex = r"\operatorname{ELU}"
    definition = staticmethod(lambda z: sp.Max(0, z) + sp.exp(sp.Min(0, z)) - 1)
    rule = staticmethod(lambda z: elu_step(z))


class selu_step(DefinedFunction):  # noqa: N801
    """SELU'(z): lambda for z > 0, else lambda alpha exp(z).

    NOTE: SELU has a kink at 0 (lambda on the right, lambda alpha on the left); SELU'(0) =
    lambda alpha, the left branch, as ReLU'(0) = 0 and as PyTorch.
    """

    latex = r"\operatorname{SELU}'"
    definition = staticmethod(
        lambda z: (
            SELU_SCALE * sp.exp(sp.Min(0, z)) * (SELU_ALPHA + (1 - SELU_ALPHA) * sp.Heaviside(z, 0))
        )
    )
    rule = staticmethod(lambda z: SELU_SCALE * SELU_ALPHA * sp.exp(z) * sp.Heaviside(-z, 1))


class SELU(DefinedFunction):
    """SELU(z) = lambda z for z > 0, else lambda alpha (exp(z) - 1) (SELU_SCALE, SELU_ALPHA)."""

    latex = r"\operatorname{SELU}"
    definition = staticmethod(
        lambda z: SELU_SCALE * (sp.Max(0, z) + SELU_ALPHA * (sp.exp(sp.Min(0, z)) - 1))
    )
    rule = staticmethod(lambda z: selu_step(z))


class phi(DefinedFunction):  # noqa: N801 - the standard normal density, as in statistics
    """phi(z) = exp(-z^2 / 2) / sqrt(2 pi), the standard normal density."""

    latex = r"\varphi"
    definition = staticmethod(lambda z: sp.exp(-(z**2) / 2) / sp.sqrt(2 * sp.pi))
    rule = staticmethod(lambda z: -z * phi(z))


class Phi(DefinedFunction):
    """Phi(z) = (1 + erf(z / sqrt 2)) / 2, the standard normal distribution function."""

    latex = r"\Phi"
    definition = staticmethod(lambda z: (1 + sp.erf(z / sp.sqrt(2))) / 2)
    rule = staticmethod(lambda z: phi(z))


class GELU(DefinedFunction):
    """GELU(z) = z Phi(z), the exact (erf) form; GELU'(z) = Phi(z) + z phi(z)."""

    latex = r"\operatorname{GELU}"
    definition = staticmethod(lambda z: z * (1 + sp.erf(z / sp.sqrt(2))) / 2)
    rule = staticmethod(lambda z: Phi(z) + z * phi(z))


def _gelu_tanh_inner(z):
    return sp.sqrt(2 / sp.pi) * (z + GELU_TANH_CUBIC * z**3)


def gelu_tanh_rule(z):
    """GELU_tanh'(z) = (1 + tanh u) / 2 + z (1 - tanh^2 u) u' / 2, u = sqrt(2/pi)(z + c z^3)."""
    u = tanh(_gelu_tanh_inner(z))
    slope = sp.sqrt(2 / sp.pi) * (1 + 3 * GELU_TANH_CUBIC * z**2)
    return (1 + u) / 2 + z * (1 - u**2) * slope / 2


class GELU_tanh(DefinedFunction):  # noqa: N801 - GELU with the tanh approximation
    """GELU_tanh(z) = z (1 + tanh(sqrt(2/pi) (z + 0.044715 z^3))) / 2 (approximate='tanh')."""

    latex = r"\operatorname{GELU}_{\tanh}"
    definition = staticmethod(lambda z: z * (1 + sp.tanh(_gelu_tanh_inner(z))) / 2)
    rule = staticmethod(gelu_tanh_rule)


def silu_rule(z):
    """SiLU'(z) = sigmoid(z) (1 + z (1 - sigmoid(z)))."""
    return sigmoid(z) * (1 + z * (1 - sigmoid(z)))


class SiLU(DefinedFunction):
    """SiLU(z) = z sigmoid(z), also called swish."""

    latex = r"\operatorname{SiLU}"
    definition = staticmethod(lambda z: z / (1 + sp.exp(-z)))
    rule = staticmethod(silu_rule)


def mish_rule(z):
    """Mish'(z) = tanh(softplus z) + z sigmoid(z) (1 - tanh^2(softplus z))."""
    s = tanh(softplus(z))
    return s + z * sigmoid(z) * (1 - s**2)


class Mish(DefinedFunction):
    """Mish(z) = z tanh(softplus(z))."""

    latex = r"\operatorname{Mish}"
    definition = staticmethod(lambda z: z * sp.tanh(sp.log(1 + sp.exp(z))))
    rule = staticmethod(mish_rule)


class absolute(DefinedFunction):  # noqa: N801 - |z| of a real z
    """|z| for a real z; its derivative is sign(z). NOTE: |z|'(0) = sign(0) = 0, as PyTorch.

    SymPy's ``Abs`` assumes a complex argument (its derivative speaks of re and im); the
    formulas a user types (``abs(y - t)``) and the mae loss use this one.
    """

    latex = ""
    definition = staticmethod(lambda z: sp.Max(z, -z))
    rule = staticmethod(lambda z: sp.sign(z))

    def _latex_body(self, printer):
        return rf"\left|{printer._print(self.args[0])}\right|"
