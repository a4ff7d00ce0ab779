"""The batch rules printed as NumPy: SymPy's NumPy printer with ``@`` and broadcasting.

:class:`LayerPrinter` prints each rule of :data:`~symnet.codegen.rules.BATCH_RULES` as the
right-hand side of one line of generated code; the elementwise factors (``f(Z)``,
``f'(Z)``, the output delta) print as calls to the stable NumPy functions of
:data:`~symnet.numeric.functions.NUMPY_FUNCTIONS`, which the generated code's namespace
(:func:`symnet.codegen.runtime.generated_namespace`) provides under the same names.

>>> from symnet.codegen.rules import BATCH_RULES
>>> print(LayerPrinter().doprint(BATCH_RULES["Z"]))
W @ A + b[:, None]
"""

from __future__ import annotations

import sympy as sp
from sympy.printing.numpy import NumPyPrinter
from sympy.printing.precedence import PRECEDENCE

from symnet.codegen.rules import BATCH_SIZE

__all__ = ["LayerPrinter"]


class LayerPrinter(NumPyPrinter):
    """SymPy's NumPy printer for the batch rules: ``@`` products, broadcast all-ones factors.

    ``b 1^T`` (a column repeated for every sample) prints as ``b[:, None]`` (NumPy
    broadcasting; biases are stored 1-D); ``X 1`` (sums over samples) as ``X.sum(axis=1)``;
    ``1 1^T X`` (sums over units, repeated) as ``X.sum(axis=0, keepdims=True)``.
    ``elementwise`` maps a placeholder ``MatrixSymbol`` name to the scalar expression
    (over array names) that it stands for.

    >>> from symnet.codegen.rules import BATCH_RULES
    >>> print(LayerPrinter().doprint(BATCH_RULES["dW"]))
    Delta @ A.T
    """

    def __init__(self, elementwise: dict[str, sp.Expr] | None = None):
        super().__init__({"fully_qualified_modules": False, "allow_unknown_functions": True})
        self.elementwise = elementwise or {}

    def _print_MatrixSymbol(self, expr):
        if expr.name in self.elementwise:
            value = self.elementwise[expr.name]
            text = self.doprint(value)
            return text if value.is_Atom or value.is_Function else f"({text})"
        return expr.name

    def _print_Transpose(self, expr):
        return f"{self._print(expr.arg)}.T"

    def _print_HadamardProduct(self, expr):
        parts = [self._print(arg) for arg in expr.args]
        return " * ".join(
            p if isinstance(a, sp.MatrixSymbol) else f"({p})" for a, p in zip(expr.args, parts)
        )

    def _print_MatMul(self, expr):
        coefficient, factors = expr.as_coeff_matrices()
        factors = list(factors)
        ones = [isinstance(f, sp.OneMatrix) for f in factors]
        if ones[0] and factors[0].rows != 1:  # 1 1^T X: column sums, broadcast over units
            text = f"({self._print(sp.MatMul(*factors[1:]))}).sum(axis=0, keepdims=True)"
        elif ones[-1] and factors[-1].rows == 1:  # b 1^T: broadcast b over the samples
            text = f"{self._print(sp.MatMul(*factors[:-1]))}[:, None]"
        elif ones[-1]:  # X 1: sums over the samples
            text = f"{self._print(sp.MatMul(*factors[:-1]))}.sum(axis=1)"
        else:
            text = " @ ".join(self.parenthesize(f, 100) for f in factors)
        if coefficient == 1:
            return text
        if coefficient == -1:
            return f"-{text}"
        if coefficient == 1 / BATCH_SIZE:  # NOTE: the 1/N of the batch mean
            single = len(factors) == 1 and isinstance(factors[0], sp.MatrixSymbol)
            return f"{text} / N" if single else f"({text}) / N"
        return f"{self._print(coefficient)}*({text})"

    def _print_Add(self, expr, order=None):
        # NOTE: positive terms first, so ``Y - T`` is one NumPy subtraction, not ``-T + Y``
        # (a negation and then an addition: one more pass over the array).
        terms = sorted(expr.as_ordered_terms(), key=lambda t: t.could_extract_minus_sign())
        text = self._print(terms[0])
        for term in terms[1:]:
            sign, term = (" - ", -term) if term.could_extract_minus_sign() else (" + ", term)
            text += sign + self.parenthesize(term, PRECEDENCE["Add"])
        return text

    def _print_Max(self, expr):
        # NOTE: maximum(a, maximum(b, c)): elementwise and broadcast, no functools.reduce.
        *rest, last = expr.args
        text = self._print(last)
        for arg in reversed(rest):
            text = f"maximum({self._print(arg)}, {text})"
        return text

    def _print_Min(self, expr):
        *rest, last = expr.args
        text = self._print(last)
        for arg in reversed(rest):
            text = f"minimum({self._print(arg)}, {text})"
        return text

    def _print_MatAdd(self, expr):
        terms = sorted(expr.args, key=lambda t: t.could_extract_minus_sign())
        text = " + ".join(self._print(arg) for arg in terms)
        return text.replace("+ -", "- ")
