"""Pooling in the scalar graph: the max of a window and the mean of a window, as SymPy.

:class:`MaxPool` is the largest entry of a pooling window; its partial derivative with
respect to entry k is :class:`is_first_max` (1 for the window's first largest entry, else
0). The mean's partial is 1/n. Both rules are rows of the table :data:`POOLINGS`, which
the image builder (:mod:`symnet.graph.image`) reads.

>>> import sympy as sp
>>> a, b = sp.symbols("a b")
>>> MaxPool(a, b).diff(b)
is_first_max(1, a, b)
>>> MaxPool(1, 3), is_first_max(0, 3, 3), is_first_max(1, 3, 3)
(3, 1, 0)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sympy as sp

__all__ = ["MaxPool", "is_first_max", "Pooling", "POOLINGS"]


def _first_max_condition(k: int, window) -> sp.Basic:
    """x_k is the first largest: above every entry before it, at least every entry after."""
    wins = [window[k] > x for x in window[:k]] + [window[k] >= x for x in window[k + 1 :]]
    return sp.And(*wins)


class MaxPool(sp.Function):
    """MaxPool(x_0, ..., x_{n-1}): the largest entry of a pooling window."""

    @classmethod
    def eval(cls, *window):
        if all(x.is_number and x.is_extended_real for x in window):
            return sp.Max(*window)

    def fdiff(self, argindex=1):
        return POOLINGS["max"].rule(self.args, argindex - 1)

    def _eval_rewrite_as_Max(self, *window, **kwargs):
        return sp.Max(*window)

    def _eval_rewrite_as_Piecewise(self, *window, **kwargs):
        branches = [(x, _first_max_condition(k, window)) for k, x in enumerate(window[:-1])]
        return sp.Piecewise(*branches, (window[-1], True))

    # NOTE: the elementary form is the Piecewise "x_k where x_k is the first largest", not
    # SymPy's Max: Max differentiates to Heaviside(x_k - Max(others)), whose NumPy form
    # nests a select inside a select's conditions and does not evaluate. sympy.diff of
    # the Piecewise differentiates each branch: SymPy's own rule, independent of the table.
    _eval_rewrite_as_elementary = _eval_rewrite_as_Piecewise

    def _latex(self, printer):
        return rf"\max\left({', '.join(printer._print(x) for x in self.args)}\right)"


class is_first_max(sp.Function):  # noqa: N801 - a lower-case indicator, like step
    """is_first_max(k, x_0, ..., x_{n-1}): 1 when x_k is the window's first largest entry.

    NOTE: d MaxPool / d x_k. On a tie the first entry (row-major order) takes the whole
    gradient, as ``numpy.argmax`` and :func:`symnet.codegen.runtime.maxpool_backward` do; the
    other tied entries get 0. Ties have probability zero for real-valued inputs.
    """

    @classmethod
    def eval(cls, k, *window):
        if all(x.is_number and x.is_extended_real for x in window):
            return sp.S.One if _first_max_condition(int(k), window) is sp.true else sp.S.Zero

    def fdiff(self, argindex=1):
        return sp.S.Zero  # piecewise constant

    def _eval_rewrite_as_Piecewise(self, k, *window, **kwargs):
        return sp.Piecewise((1, _first_max_condition(int(k), window)), (0, True))

    _eval_rewrite_as_elementary = _eval_rewrite_as_Piecewise

    def _latex(self, printer):
        window = ", ".join(printer._print(x) for x in self.args[1:])
        argmax = rf"\operatorname{{argmax}}\left({window}\right)"
        return rf"\mathbb{{1}}\left[{self.args[0]} = {argmax}\right]"


@dataclass(frozen=True)
class Pooling:
    """One row of the pooling table: ``function(window)`` and ``rule(window, k)`` = d/d x_k."""

    name: str
    function: Callable[[tuple], sp.Expr]
    rule: Callable[[tuple, int], sp.Expr]


#: The pooling rules: the max with its arg-max indicator, the mean with 1/n.
POOLINGS: dict[str, Pooling] = {
    "max": Pooling("max", lambda w: MaxPool(*w), lambda w, k: is_first_max(k, *w)),
    "avg": Pooling("avg", lambda w: sp.Add(*w) / len(w), lambda w, k: sp.Rational(1, len(w))),
}
