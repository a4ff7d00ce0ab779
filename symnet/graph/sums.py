"""Weighted sums built directly in SymPy's canonical order: how wide layers build fast.

``w * a`` and ``Add(*terms)`` sort their arguments on every call (``Mul.flatten``,
``Add.flatten``), which dominates the build time of wide layers. A weighted sum's terms
are distinct products of two symbols, so sorting them once with SymPy's own key and
building the objects directly gives the same expressions, equal to what ``*`` and ``+``
would build.

>>> import sympy as sp
>>> w, x, b = sp.symbols("w x b")
>>> canonical_sum([product(w, x), b]) == w * x + b
True
"""

from __future__ import annotations

import sympy as sp
from sympy.core.mul import _args_sortkey

__all__ = ["product", "canonical_sum"]


def product(weight: sp.Symbol, value: sp.Symbol) -> sp.Expr:
    """weight * value, built directly in SymPy's canonical argument order."""
    return sp.Mul._from_args(sorted((weight, value), key=_args_sortkey))


def canonical_sum(terms: list[sp.Expr]) -> sp.Expr:
    """The sum of distinct products, built directly in SymPy's canonical order (= ``Add``)."""
    if len(terms) == 1:
        return terms[0]
    return sp.Add._from_args(sorted(terms, key=_args_sortkey))
