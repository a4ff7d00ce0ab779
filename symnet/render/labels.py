"""Diagram labels: node names with sub- and superscripts, expressions and numbers.

Names are drawn from the naming scheme's own LaTeX (:meth:`symnet.graph.naming.Naming.latex`),
so a diagram shows ``X₁``, ``w₁₁``, ``z_A`` and ``w⁽¹⁾₂,₃`` exactly as the equations
do. Only the simple LaTeX the schemes produce (``base^{...}_{...}``) is translated; any
other name is drawn literally. Every piece of text goes through
:func:`symnet.render.dot.html_text`, so labels are always safe.

>>> from symnet.graph.naming import Naming
>>> seed = Naming.create("seed", (3, 2, 2, 1))
>>> name_html("w11", seed), name_html("z_A", seed), name_html("delta_z_A", seed)
(Html('w<SUB>11</SUB>'), Html('z<SUB>A</SUB>'), Html('δ<SUB>zA</SUB>'))
>>> indexed = Naming.create("indexed", (3, 2, 1))
>>> name_html("w1_2_3", indexed), name_html("delta_z1_2", indexed)
(Html('w<SUP>(1)</SUP><SUB>2,3</SUB>'), Html('δ(z<SUP>(1)</SUP><SUB>2</SUB>)'))
>>> number_text(0.123456), number_text(-3.0), number_text(1e-7)
('0.123', '-3', '1e-07')
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import sympy as sp

from symnet.exceptions import SpecError
from symnet.graph.notation import notes_text
from symnet.render.dot import Html, html_text, subscripted

__all__ = [
    "name_html",
    "expression_html",
    "number_text",
    "DELTA_PREFIX",
    "ACTIVATION_LABELS",
    "title_html",
    "TITLE_LIMIT",
    "checked_title",
    "small",
    "stack",
    "describe",
]

#: Prefix of the symbols that stand for cached deltas (``delta_z_A`` is δ of z_A).
DELTA_PREFIX = "delta_"

_SIMPLE_LATEX = re.compile(
    r"(?P<base>[A-Za-z]+)(?:\^\{(?P<sup>[^{}\\]*)\})?(?:_\{(?P<sub>[^\\]*)\})?"
)


class _Labels(dict):
    """Activation name -> label; ``leaky_relu0.2`` and formula activations by their name."""

    def __missing__(self, name: str) -> str:
        if name.startswith("leaky_relu"):
            return f"leaky ReLU {name.removeprefix('leaky_relu')}"
        return name


ACTIVATION_LABELS = _Labels(
    {
        "identity": "",
        "relu": "ReLU",
        "leaky_relu": "leaky ReLU",
        "sigmoid": "σ",
        "tanh": "tanh",
        "softmax": "softmax",
        "softplus": "softplus",
        "elu": "ELU",
        "selu": "SELU",
        "gelu": "GELU",
        "gelu_tanh": "GELU (tanh)",
        "silu": "SiLU",
        "mish": "Mish",
    }
)
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Function names drawn as their usual symbol.
_FUNCTION_SYMBOLS = {"sigmoid": "σ"}


def _flat(latex: str) -> str:
    """``y_{1}`` -> ``y1``: nested scripts are flattened into one subscript."""
    return latex.replace("_{", "").replace("^{", "").replace("{", "").replace("}", "")


def name_html(name: str, naming=None) -> Html:
    """A node name as a label fragment, with the scheme's sub- and superscripts.

    Parameters
    ----------
    name : str
        A text name (``"w11"``, ``"z_A"``, ``"delta_z_A"`` for the delta of ``z_A``).
    naming : symnet.graph.naming.Naming, optional
        Without it, or for a name the scheme does not produce, the name is drawn as is.
    """
    if naming is None:
        return html_text(name)
    if name.startswith(DELTA_PREFIX) and len(name) > len(DELTA_PREFIX):
        node = name[len(DELTA_PREFIX) :]
        inner = naming.latex(node)
        if "\\" not in inner and "^" not in inner:
            return subscripted("δ", _flat(inner))  # seed: δ of z_A is δ_zA
        return Html(f"δ({name_html(node, naming)})")  # indexed: δ(z⁽¹⁾₂)
    match = _SIMPLE_LATEX.fullmatch(naming.latex(name))
    if match is None or match["base"] + (match["sup"] or "") + (match["sub"] or "") == "":
        return html_text(name)
    sub = _flat(match["sub"]) if match["sub"] else ""
    return subscripted(match["base"], sub, match["sup"] or "")


def number_text(value: float, digits: int = 3) -> str:
    """A short decimal for a value shown in a diagram (``digits`` significant digits)."""
    text = f"{float(value):.{digits}g}"
    return "0" if text == "-0" else text


def expression_html(expr: sp.Expr, network=None, max_chars: int = 80) -> Html:
    """An expression as one label line: ``w<SUB>7</SUB> A + ...``, cut after ``max_chars``.

    With a ``network``, the expression is printed in the notes' order (weights first, by
    :func:`symnet.graph.notation.notes_text`) and its symbols get the scheme's subscripts;
    without one, SymPy's own text is drawn literally. ``max_chars`` counts the characters
    as drawn (``δ<SUB>zA</SUB>`` is 3); a cut ends with ``…``.
    """
    if network is not None:
        text = notes_text(expr, network)
        naming = network.naming
        names = {str(s) for s in expr.free_symbols}
    else:
        text, naming, names = sp.sstr(expr), None, set()
    text = text.replace("**", "^").replace("*", "·")
    pieces: list[tuple[Html, int]] = []  # (fragment, characters it shows)
    position = 0
    for match in _IDENTIFIER.finditer(text):
        between = text[position : match.start()]
        pieces.append((html_text(between), len(between)))
        word = match.group()
        if word in names:
            html = name_html(word, naming)
            shown = len(re.sub(r"<[^>]*>", "", html))
            pieces.append((html, shown))
        else:
            word = _FUNCTION_SYMBOLS.get(word, word)
            pieces.append((html_text(word), len(word)))
        position = match.end()
    pieces.append((html_text(text[position:]), len(text) - position))
    kept, used = [], 0
    for html, shown in pieces:
        if used + shown > max_chars:
            kept.append(html_text("…"))
            break
        kept.append(html)
        used += shown
    return Html("".join(kept))


#: The longest title a diagram or a report takes, in characters. NOTE: a title is one
#: line; Graphviz refuses a label above 16384 characters once escaped, which 1000
#: characters (at most 6 each, escaped) stay far below.
TITLE_LIMIT = 1000


def checked_title(title: object) -> str | None:
    """``title`` as text, refused (SpecError) above :data:`TITLE_LIMIT` characters.

    >>> checked_title("x" * 1001)
    Traceback (most recent call last):
    ...
    symnet.exceptions.SpecError: title= is limited to 1000 characters; got 1001
    """
    if title is None:
        return None
    text = str(title)
    if len(text) > TITLE_LIMIT:
        raise SpecError(f"title= is limited to {TITLE_LIMIT} characters; got {len(text)}")
    return text


def title_html(title: str | None, default: str) -> Html:
    """The user's title (drawn literally, any characters) or the default one."""
    return html_text(default if title is None else title)


def small(text: Html | str, size: int = 10, color: str = "#555555") -> Html:
    """A fragment in a smaller, grey font (for second lines of a label); text is escaped."""
    text = text if isinstance(text, Html) else html_text(text)
    return Html(f'<FONT POINT-SIZE="{int(size)}" COLOR="{html_text(color)}">{text}</FONT>')


def stack(lines: Sequence[Html | str]) -> Html:
    """Label lines one above the other, with room for subscripts between them."""
    html_lines = [line if isinstance(line, Html) else html_text(line) for line in lines]
    if len(html_lines) == 1:
        return html_lines[0]
    rows = "".join(f"<TR><TD>{line}</TD></TR>" for line in html_lines)
    return Html(f'<TABLE BORDER="0" CELLSPACING="0" CELLPADDING="1">{rows}</TABLE>')


def describe(spec, names: str, bias: bool) -> str:
    """One line naming a network: ``3-2-2-1  (seed names, no biases)``; a program by itself."""
    if names == "program":
        return str(spec)
    return f"{spec}  ({names} names, {'with' if bias else 'no'} biases)"
