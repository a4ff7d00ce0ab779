"""MathML for reports: SymPy's presentation printer, with the network's names and order.

:func:`mathml_row` and :func:`mathml_rows` print the rows of :mod:`symnet.report.latex`
(SymPy expressions, operators, :class:`~symnet.report.latex.Partial`, ...) as ``<math>``
elements that browsers lay out natively. The printer is SymPy's
``MathMLPresentationPrinter``, extended where a report needs more: symbol names from the
naming scheme (``w^{(1)}_{2,3}``, ``δ_{z_A}``) turned into ``msub``/``msubsup``, activation
names (``σ``, ``ReLU``), the notes' order of terms, a plain ``d`` in derivatives, and
parentheses that do not stretch around plain content.

>>> from symnet.graph.build import build_network
>>> net = build_network("3-2-2-1")
>>> text = mathml_row(net.definition("C"), MathContext(net))
>>> text.startswith('<math display="inline"'), "<msub><mi>w</mi><mn>7</mn></msub>" in text
(True, True)
"""

from __future__ import annotations

import html
import re

import sympy as sp
from sympy.printing.mathml import MathMLPresentationPrinter
from sympy.printing.precedence import PRECEDENCE

from symnet.report.latex import (
    FUNCTION_NAMES,
    MATH_NAMESPACE,
    ContextOrder,
    MathContext,
    Numbers,
    Partial,
    Words,
    split_row,
)

__all__ = ["mathml_row", "mathml_rows"]

_TOKEN = re.compile(r"\\[A-Za-z]+|\d+(?:\.\d+)?(?:e[+-]?\d+)?|[A-Za-z]+|\S")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e[+-]?\d+)?")
_GREEK = {r"\delta": "δ", r"\sigma": "σ", r"\alpha": "α", r"\Delta": "Δ", r"\partial": "∂"}


class _MathML(ContextOrder, MathMLPresentationPrinter):
    def __init__(self, context: MathContext):
        super().__init__({})
        self.context = context

    def element(self, tag: str, *children, text: str | None = None):
        node = self.dom.createElement(tag)
        if text is not None:
            # NOTE: SymPy's printer writes text nodes raw (unescaped); escape ours here.
            node.appendChild(self.dom.createTextNode(html.escape(text, quote=False)))
        for child in children:
            node.appendChild(child)
        return node

    def token(self, text: str):
        """One LaTeX-ish token as mi (letters), mn (numbers) or mo (anything else)."""
        text = _GREEK.get(text, text)
        if _NUMBER.fullmatch(text):
            return self.element("mn", text=text.replace("-", "−"))
        if text.isalpha() or text in _GREEK.values():
            return self.element("mi", text=text)
        node = self.element("mo", text="−" if text == "-" else text)
        if text in "()":
            node.setAttribute("stretchy", "false")
        return node

    def tokens(self, text: str):
        found = _TOKEN.findall(text)
        merged: list[str] = []
        for token in found:
            if (
                merged
                and merged[-1] == "-"
                and _NUMBER.fullmatch(token)
                and (len(merged) == 1 or merged[-2] in ("(", "=", ","))
            ):
                merged[-1] = "-" + token  # a sign, not a subtraction: (-1)(5)
            else:
                merged.append(token)
        parts = [self.token(t) for t in merged]
        return parts[0] if len(parts) == 1 else self.element("mrow", *parts)

    def name(self, latex: str):
        """A symbol's LaTeX name (``w^{(1)}_{2,3}``, ``\\delta_{z_{A}}``) as MathML."""
        match = re.fullmatch(r"(\\[A-Za-z]+|[A-Za-z]+\d*|\d+)(.*)", latex)
        if match is None:
            return self.tokens(latex)
        base, rest = match.groups()
        scripts: dict[str, str] = {}
        while rest:
            group = _group(rest[1:]) if rest[0] in "_^" else None
            if group is None or rest[0] in scripts:
                return self.tokens(latex)
            scripts[rest[0]] = group
            braces = 2 if rest[1] == "{" else 0
            rest = rest[1 + len(group) + braces :]
        node = self.token(base)
        sub, sup = (self._script(scripts.get(k)) for k in "_^")
        if sub is not None and sup is not None:
            return self.element("msubsup", node, sub, sup)
        if sub is not None:
            return self.element("msub", node, sub)
        return node if sup is None else self.element("msup", node, sup)

    def _script(self, text: str | None):
        if text is None:
            return None
        if re.fullmatch(r"(\\[A-Za-z]+|[A-Za-z]+\d*)([_^].*)?", text):
            return self.name(text)
        return self.tokens(text)

    def _print_Symbol(self, sym, style="plain"):
        return self.name(self.context.symbol_latex(sym.name))

    def mathml_tag(self, e):
        # NOTE: d/dz with a plain d (SymPy writes the double-struck differential d).
        return "d" if isinstance(e, sp.Derivative) else super().mathml_tag(e)

    def _print_Integer(self, e):
        return self.element("mn", text=str(e).replace("-", "−"))

    def _print_Float(self, e):
        node = super()._print_Float(e)
        if node.tagName == "mn" and node.firstChild.data.startswith("-"):
            node.firstChild.data = "−" + node.firstChild.data[1:]
        return node

    def _print_Function(self, e):
        name = type(e).__name__
        head = self.element("mi", text=FUNCTION_NAMES.get(name, name))
        return self.element("mrow", head, self._paren_comma_separated(*e.args))

    def _print_Add(self, expr, order=None):
        mrow = self.element("mrow")
        for index, term in enumerate(self._notes_terms(expr)):
            negative = term.could_extract_minus_sign()
            if index:
                mrow.appendChild(self.element("mo", text="−" if negative else "+"))
            mrow.appendChild(self._print(-term if negative and index else term))
        return mrow

    def _print_Mul(self, expr):
        if self._has_denominator(expr):
            return super()._print_Mul(expr)
        coeff, factors = self._notes_factors(expr)
        mrow = self.element("mrow")
        if coeff == -1:
            mrow.appendChild(self.element("mo", text="−"))
        elif coeff != 1:
            mrow.appendChild(self._print(coeff))
            mrow.appendChild(self.element("mo", text="\u2062"))
        for index, factor in enumerate(factors):
            if index:
                mrow.appendChild(self.element("mo", text="\u2062"))  # invisible times
            mrow.appendChild(self.parenthesize(factor, PRECEDENCE["Mul"]))
        return mrow

    def item(self, item):
        if isinstance(item, str):
            return self.element("mo", text=item)
        if isinstance(item, Partial):
            head = self.element("mrow", self.element("mo", text="∂"), self._name_of(item.head))
            tail = self.element("mrow", self.element("mo", text="∂"), self._name_of(item.tail))
            return self.element("mfrac", head, tail)
        if isinstance(item, Numbers):
            return self.tokens(item.text)
        if isinstance(item, Words):
            return self.element("mtext", text=f"\u00a0{item.text}\u00a0")
        return self._print(item)

    def _name_of(self, name: str):
        return self.name(self.context.symbol_latex(name))

    def row(self, items) -> object:
        items = items if isinstance(items, list) else [items]
        return self.element("mrow", *(self.item(i) for i in items))

    def text(self, node) -> str:
        _fix_parentheses(node)
        xml = node.toxml()
        # SymPy writes some character references without their ';' (valid XML needs it).
        return re.sub(r"(&#x?[0-9A-Fa-f]+)(?![0-9A-Fa-f;])", r"\1;", xml)


def _fix_parentheses(node) -> None:
    """Parentheses around content without fractions or matrices do not stretch.

    NOTE: a browser stretches every ``<mo>(</mo>`` to its content, so the descender of a
    subscript (``z_y``) would give visibly larger parentheses than its neighbours'.
    """
    for mrow in node.getElementsByTagName("mrow") + ([node] if node.tagName == "mrow" else []):
        children = [c for c in mrow.childNodes if c.nodeType == c.ELEMENT_NODE]
        if len(children) < 2 or not (_is_mo(children[0], "(") and _is_mo(children[-1], ")")):
            continue
        if not any(mrow.getElementsByTagName(tall) for tall in ("mfrac", "mtable")):
            children[0].setAttribute("stretchy", "false")
            children[-1].setAttribute("stretchy", "false")


def _is_mo(node, text: str) -> bool:
    return node.tagName == "mo" and node.firstChild is not None and node.firstChild.data == text


def _group(text: str) -> str | None:
    """The braced group at the start of ``text`` (without braces), or its first character."""
    if not text:
        return None
    if text[0] != "{":
        return text[0]
    depth = 0
    for index, char in enumerate(text):
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth == 0:
            return text[1:index]
    return None


def _math(body: str, display: bool) -> str:
    mode = "block" if display else "inline"
    return f'<math display="{mode}" xmlns="{MATH_NAMESPACE}">{body}</math>'


def mathml_row(items, context: MathContext | None = None, display: bool = False) -> str:
    """One row (a list of items, or a single expression) as a ``<math>`` element."""
    printer = _MathML(context or MathContext())
    return _math(printer.text(printer.row(items)), display)


def mathml_rows(rows: list, context: MathContext | None = None) -> str:
    """Rows aligned at their first ``=``: a display ``<math>`` holding one ``mtable``."""
    printer = _MathML(context or MathContext())
    table = printer.element("mtable")
    for row in rows:
        left, right = split_row(row)
        cells = [printer.element("mtd", printer.row(part)) for part in (left, right)]
        table.appendChild(printer.element("mtr", *cells))
    return _math(printer.text(table), display=True)
