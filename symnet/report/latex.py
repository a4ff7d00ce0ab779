r"""Mathematics for reports: rows of SymPy expressions, and their LaTeX (for Markdown).

A report writes its equations as *rows*: lists of items that read left to right,

* a SymPy expression (printed with the network's names, weights first as in the notes:
  ``w1 X1 + w3 X2``, not SymPy's sorted ``X1*w1 + X2*w3``);
* a string: an operator between items (``"="``, ``"+"``, ``"·"``, ``"≠"``, ``"←"``);
* :class:`Partial`: a Leibniz factor ``∂head/∂tail`` between two named nodes;
* :class:`Numbers`: digits and operators as written (``(-1)(5) + (2)(3)``);
* :class:`Words`: upright text inside the formula.

The same rows give both outputs, LaTeX here and MathML in :mod:`symnet.report.mathml`, so
the HTML and the Markdown of a report cannot drift. Both printers are SymPy's, extended
with the names of the network's naming scheme (:class:`MathContext`) and the notes' order
of terms (:class:`ContextOrder`).

>>> from symnet.graph.build import build_network
>>> net = build_network("3-2-2-1")
>>> context = MathContext(net)
>>> latex_row(["A", "=", net.definition("A")], context)
'A = w_{1} X_{1} + w_{3} X_{2} + w_{5} X_{3}'
>>> print(latex_rows([[sp.Symbol("y"), "=", Partial("y", "C"), "·", sp.Symbol("C")]], context))
\begin{aligned}
y &= \frac{\partial y}{\partial C} \cdot C
\end{aligned}
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import sympy as sp
from sympy.printing.latex import LatexPrinter
from sympy.printing.precedence import PRECEDENCE, precedence_traditional

from symnet.graph.network import Network
from symnet.graph.notation import NotesOrder

__all__ = [
    "FUNCTION_NAMES",
    "MATH_NAMESPACE",
    "MathContext",
    "ContextOrder",
    "Numbers",
    "Partial",
    "Words",
    "latex_row",
    "latex_rows",
    "split_row",
]

MATH_NAMESPACE = "http://www.w3.org/1998/Math/MathML"

#: Printed names of the functions the activation and loss tables define.
FUNCTION_NAMES = {"sigmoid": "σ", "ReLU": "ReLU", "LeakyReLU": "LeakyReLU", "tanh": "tanh"}
_OPERATORS_LATEX = {
    "−": "-",
    "·": r"\cdot",
    "≠": r"\neq",
    "←": r"\leftarrow",
    "≈": r"\approx",
    "∘": r"\circ",
    "⋆": r"\star",
}


@dataclass(frozen=True)
class Partial:
    """The Leibniz factor ∂``head``/∂``tail`` (node names of the network)."""

    head: str
    tail: str


@dataclass(frozen=True)
class Numbers:
    """Numbers and operators shown exactly as written, e.g. ``(-1)(5) + (0.37)(2)``."""

    text: str


@dataclass(frozen=True)
class Words:
    """A few words of upright text inside a formula."""

    text: str


@dataclass
class MathContext:
    """How symbols are named and ordered: by a network's naming scheme, or SymPy's default.

    ``names`` maps extra symbol names to LaTeX (e.g. ``{"alpha": r"\\alpha"}``).
    """

    network: Network | None = None
    names: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.ranks: dict[str, int] = {}
        if self.network is not None:
            for name in list(self.network.parameters) + self.network.topological_order():
                self.ranks.setdefault(name, len(self.ranks))

    def symbol_latex(self, name: str) -> str:
        """LaTeX of one symbol name: the naming scheme's, ``\\delta_{...}`` for a delta."""
        if name in self.names:
            return self.names[name]
        net = self.network
        if net is not None:
            if name.startswith("delta_") and name[6:] in net.graph:
                return rf"\delta_{{{net.naming.latex(name[6:])}}}"
            return net.naming.latex(name)
        return name if "{" in name else sp.latex(sp.Symbol(name))

    def rank(self, symbol: sp.Symbol) -> int:
        name = symbol.name[6:] if symbol.name.startswith("delta_") else symbol.name
        return self.ranks.get(name, 10**9)


class ContextOrder(NotesOrder):
    """The notes' order (:class:`~symnet.graph.notation.NotesOrder`) ranked by a MathContext."""

    context: MathContext

    def rank(self, symbol: sp.Symbol) -> int:
        return self.context.rank(symbol)


# ---- LaTeX ----


class _Latex(ContextOrder, LatexPrinter):
    def __init__(self, context: MathContext):
        super().__init__({})
        self.context = context

    def _print_Symbol(self, expr, style="plain"):
        return self.context.symbol_latex(expr.name)

    def _print_Function(self, expr, exp=None):
        module = getattr(type(expr), "__module__", None) or ""
        if module.startswith("symnet") and "_latex" not in vars(type(expr)):
            name = type(expr).__name__.replace("_", r"\_")
            args = ", ".join(self._print(a) for a in expr.args)
            text = rf"\operatorname{{{name}}}\left({args}\right)"
            return text if exp is None else rf"{text}^{{{exp}}}"
        return super()._print_Function(expr, exp)

    def _print_Pow(self, expr):
        base = expr.base
        if isinstance(base, sp.Function) and hasattr(type(base), "_latex"):
            # NOTE: symnet's functions print themselves but take no `exp` argument, which
            # SymPy passes for a power of a function: write f(z)^{n} here instead.
            return rf"{self._print(base)}^{{{self._print(expr.exp)}}}"
        return super()._print_Pow(expr)

    def _print_Add(self, expr, order=None):
        text = ""
        for index, term in enumerate(self._notes_terms(expr)):
            negative = term.could_extract_minus_sign()
            body = self._print(-term if negative and index else term)
            text = body if index == 0 else text + (" - " if negative else " + ") + body
        return text

    def _print_Mul(self, expr):
        if self._has_denominator(expr):
            return super()._print_Mul(expr)
        coeff, factors = self._notes_factors(expr)
        parts = [
            rf"\left({self._print(f)}\right)"
            if precedence_traditional(f) < PRECEDENCE["Mul"]
            # NOTE: exp(x) prints as e^{x}, which binds tighter than a product
            else self._print(f)
            for f in factors
        ]
        prefix = "-" if coeff == -1 else "" if coeff == 1 else self._print(coeff) + " "
        return prefix + " ".join(parts)


def _latex_item(item, context: MathContext, printer: _Latex) -> str:
    if isinstance(item, str):
        return _OPERATORS_LATEX.get(item, item)
    if isinstance(item, Partial):
        head, tail = context.symbol_latex(item.head), context.symbol_latex(item.tail)
        return rf"\frac{{\partial {head}}}{{\partial {tail}}}"
    if isinstance(item, Numbers):
        return _latex_numbers(item.text)
    if isinstance(item, Words):
        return rf"\text{{{_latex_text(item.text)}}}"
    return printer.doprint(item)


def _latex_numbers(text: str) -> str:
    """Numbers as written, with function names upright (``σ(-5)`` -> ``\\sigma(-5)``)."""
    text = text.replace("σ", r"\sigma ").replace("·", r"\cdot ").replace("≥", r"\geq ")
    return re.sub(r"(?<!\\)\b([A-Za-z]{2,})\b", r"\\operatorname{\1}", text)


def _latex_text(text: str) -> str:
    return re.sub(r"([\\{}$&#%_^~])", r"\\\1", text)


def latex_row(items, context: MathContext | None = None) -> str:
    """One row (a list of items, or a single expression) as LaTeX."""
    context = context or MathContext()
    printer = _Latex(context)
    items = items if isinstance(items, list) else [items]
    return " ".join(_latex_item(item, context, printer) for item in items)


def latex_rows(rows: list, context: MathContext | None = None) -> str:
    """Rows aligned at their first ``=`` in a LaTeX ``aligned`` block."""
    context = context or MathContext()
    lines = []
    for row in rows:
        left, right = split_row(row)
        lines.append(latex_row(left, context) + " &" + latex_row(right, context))
    return "\\begin{aligned}\n" + " \\\\\n".join(lines) + "\n\\end{aligned}"


def split_row(row) -> tuple[list, list]:
    """A row before and from its first ``=`` (the alignment point)."""
    row = row if isinstance(row, list) else [row]
    for index, item in enumerate(row):
        if isinstance(item, str) and item == "=":
            return row[:index], row[index:]
    return [], row
