"""The notes' notation: expressions over a network printed in the order the notes write them.

Expressions are printed in the notes' order: weights first and by number, so
``w11 (w7 A + w9 B)`` rather than SymPy's sorted ``w11*(A*w7 + B*w9)``. Every printer of a
result (collapse, trace, derivation, report) writes its expressions through
:class:`NotesOrder`; JSON output uses SymPy's own ``str`` form instead, so every string
parses back with SymPy.

>>> from symnet.graph.build import build_network
>>> net = build_network("3-2-2-1")
>>> notes_text(net.definition("A"), net)
'w1 X1 + w3 X2 + w5 X3'
>>> format_number(sp.Rational(-1, 9)), format_number(sp.Float(0.25))
('-1/9', '0.25')
"""

from __future__ import annotations

import weakref

import sympy as sp
from sympy.printing.latex import LatexPrinter
from sympy.printing.precedence import PRECEDENCE, precedence
from sympy.printing.printer import Printer
from sympy.printing.str import StrPrinter

__all__ = [
    "NotesOrder",
    "notes_text",
    "notes_latex",
    "notes_factors",
    "format_number",
    "describe",
]


def format_number(value) -> str:
    """A short, exact-where-possible string for a SymPy number."""
    if isinstance(value, int):
        value = sp.Integer(value)
    elif isinstance(value, float):
        value = sp.Float(value)
    if value.is_Integer or value.is_Rational:
        return str(value)
    if value.is_Number:
        return f"{float(value):.6g}"
    return str(value)


#: network -> (its graph's node count, its ranks): every printed expression asks
#: for the ranks, and a trace prints one per unit, so they are made once per graph.
_RANKS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _ranks(network) -> dict[str, int]:
    """Sort order of symbols: parameters first (w1, w2, ..., biases), then nodes in topo order."""
    size = len(network.graph)  # NOTE: builders add nodes, then their edges: a graph only grows
    cached = _RANKS.get(network)
    if cached is not None and cached[0] == size:
        return cached[1]
    order = list(network.parameters) + network.topological_order()
    ranks: dict[str, int] = {}
    for name in order:
        ranks.setdefault(name, len(ranks))
    _RANKS[network] = (size, ranks)
    return ranks


class NotesOrder(Printer):
    """Mixin for SymPy printers: the notes' order of factors and terms.

    Products put numbers first, then symbols by :meth:`rank` (weights by number before
    nodes: ``w1 X1``), then compound factors; a matrix product keeps its order. Sums are
    ordered by their factors' ranks and lead with a positive term (``y - t``).
    Subclasses define :meth:`rank` and also inherit a concrete printer (``StrPrinter`` or
    ``LatexPrinter``), listed after this mixin.
    """

    def rank(self, symbol: sp.Symbol) -> int:
        raise NotImplementedError

    def _factor_key(self, factor: sp.Basic) -> tuple:
        if factor.is_Number:
            return (-1,)
        if factor.is_Symbol:
            return (self.rank(factor), factor.name)
        symbols = sorted(self.rank(s) for s in factor.free_symbols)
        return (10**9 + 1, *symbols[:1])

    def _notes_factors(self, expr: sp.Expr) -> tuple[sp.Expr, list]:
        coeff, rest = expr.as_coeff_Mul()
        factors = list(sp.Mul.make_args(rest))
        if not rest.is_commutative:  # a matrix product keeps its order: W a, not a W
            return coeff, factors
        return coeff, sorted(factors, key=self._factor_key)

    def _term_key(self, term: sp.Expr) -> list:
        return sorted(self._factor_key(f) for f in sp.Mul.make_args(term))

    def _notes_terms(self, expr: sp.Expr) -> list:
        terms = sorted(sp.Add.make_args(expr), key=self._term_key)
        positive = next((t for t in terms if not t.could_extract_minus_sign()), None)
        if positive is not None:  # lead with a positive term: y - t, not -t + y
            terms.remove(positive)
            terms.insert(0, positive)
        return terms

    @staticmethod
    def _has_denominator(expr: sp.Expr) -> bool:
        coeff = expr.as_coeff_Mul()[0]
        negative_power = any(f.is_Pow and f.exp.is_negative for f in sp.Mul.make_args(expr))
        return negative_power or (coeff.is_Rational and not coeff.is_Integer)


class _NetworkOrder(NotesOrder):
    """NotesOrder ranked by a network: its parameters first, then its nodes in topo order."""

    def __init__(self, ranks: dict[str, int], settings=None):
        super().__init__(settings or {})
        self._ranks = ranks

    def rank(self, symbol: sp.Symbol) -> int:
        return self._ranks.get(symbol.name, 10**9)

    def _print_Add(self, expr, order=None):
        text = ""
        for index, term in enumerate(self._notes_terms(expr)):
            printed = self._print(term)
            negative = printed.startswith("-")
            if index == 0:
                text = printed
            else:
                text += (" - " if negative else " + ") + (printed[1:] if negative else printed)
        return text


class _NotesStr(_NetworkOrder, StrPrinter):
    def _print_Mul(self, expr):
        coeff, factors = self._notes_factors(expr)
        if any(f.is_Pow and f.exp.is_negative for f in factors):
            return StrPrinter._print_Mul(self, expr)
        parts = [self.parenthesize(f, PRECEDENCE["Mul"]) for f in factors]
        prefix = "-" if coeff == -1 else "" if coeff == 1 else format_number(coeff) + " "
        return prefix + " ".join(parts)


class _NotesLatex(_NetworkOrder, LatexPrinter):
    def _print_Mul(self, expr):
        coeff, factors = self._notes_factors(expr)
        if any(f.is_Pow and f.exp.is_negative for f in factors):
            return LatexPrinter._print_Mul(self, expr)
        parts = []
        for f in factors:
            printed = self._print(f)
            parts.append(
                rf"\left({printed}\right)" if precedence(f) < PRECEDENCE["Mul"] else printed
            )
        prefix = "-" if coeff == -1 else "" if coeff == 1 else self._print(coeff) + " "
        return prefix + " ".join(parts)


def notes_text(expr, network) -> str:
    """``expr`` as plain text in the notes' order (``w11 (w7 A + w9 B)``)."""
    return _NotesStr(_ranks(network)).doprint(expr)


def notes_factors(expr, network) -> list[list]:
    """The terms of a sum, each as its factors, in the order :func:`notes_text` prints them."""
    printer = _NotesStr(_ranks(network))
    terms = sorted(sp.Add.make_args(expr), key=printer._term_key)
    return [sorted(sp.Mul.make_args(term), key=printer._factor_key) for term in terms]


def notes_latex(expr, network) -> str:
    """``expr`` as LaTeX in the notes' order and the network's naming scheme."""
    names = {s: network.naming.latex(s.name) for s in expr.free_symbols}
    return _NotesLatex(_ranks(network), {"symbol_names": names}).doprint(expr)


def describe(network) -> str:
    """One line naming a network: ``3-2-2-1 (names: seed, no biases)``."""
    biases = "with biases" if network.bias else "no biases"
    return f"{network.spec} (names: {network.naming.scheme}, {biases})"
