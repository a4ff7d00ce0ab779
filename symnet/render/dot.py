"""DOT text for Graphviz, built safely: escaping and a small graph builder.

Every label symnet draws is an HTML-like label (``label=<...>``) whose text went through
:func:`html_text`, which escapes everything XML gives a meaning to (``& < > " '``), turns
newlines into ``<BR/>`` and shows control characters as visible ``\\xNN`` text. So a name
or a title such as ``"><a href="javascript:alert(1)">`` is drawn literally, character
for character, and can never become markup, a link or a DOT statement. Node identifiers
are generated (``n0``, ``n1``, ...), never taken from user text, and no ``URL``, ``href``
or ``tooltip`` attribute is ever written, so the SVG Graphviz makes from this text holds
no links at all.

This module is pure: it returns text and never runs Graphviz (see
:mod:`symnet.render.graphviz_io` for that).

>>> html_text('a<b & "c"\\nd')
Html('a&lt;b &amp; &quot;c&quot;<BR/>d')
>>> graph = DotGraph(graph={"rankdir": "LR"})
>>> graph.node("n0", html_text("X1"))
>>> graph.node("n1", html_text("A"), shape="circle")
>>> graph.edge("n0", "n1", label=html_text("w1"))
>>> print(graph.source())
digraph symnet {
  rankdir="LR";
  n0 [label=<X1>];
  n1 [label=<A>, shape="circle"];
  n0 -> n1 [label=<w1>];
}
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping

__all__ = [
    "BIDI_CONTROLS",
    "Html",
    "html_text",
    "subscripted",
    "quote",
    "DotGraph",
    "FONT",
    "base_graph",
    "visible_controls",
]

#: Fonts of every diagram; DejaVu Sans has the Greek letters, subscripts and arrows used.
FONT = "DejaVu Sans,Helvetica,Arial,sans-serif"

_ID = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_XML_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}


class Html(str):
    """Text that is already a safe HTML-like label fragment (made by this module only)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"Html({str.__repr__(self)})"

    def __add__(self, other: object) -> Html:
        if not isinstance(other, Html):
            return NotImplemented
        return Html(str(self) + str(other))


#: Bidirectional embeddings, overrides and isolates: they reorder the text around them
#: (a "Trojan source" title reads differently from what it holds), so they are shown.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _visible(char: str) -> str:
    """A character XML 1.0 cannot carry (or a stray control), shown as escaped text."""
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _hidden(char: str) -> bool:
    # Cc: C0/C1 controls; Cs: lone surrogates; U+FFFE/U+FFFF: not XML characters.
    return (
        unicodedata.category(char) in ("Cc", "Cs")
        or char in "\ufffe\uffff"
        or char in BIDI_CONTROLS
    )


def visible_controls(text: object) -> str:
    """``text`` with each control character (and bidi override) shown as ``\\xNN`` text.

    Tabs become spaces; newlines are kept for the caller to place. Every printer of user
    text (DOT labels here, the reports' HTML and Markdown) shows controls this way.

    >>> visible_controls("a\\x1b[31mb\\u202ec\\td")
    'a\\\\x1b[31mb\\\\u202ec d'
    """
    return "".join(
        " " if c == "\t" else _visible(c) if c not in "\r\n" and _hidden(c) else c
        for c in str(text)
    )


def _safe_char(char: str) -> str:
    if char in _XML_ESCAPES:
        return _XML_ESCAPES[char]
    if char == "\t":
        return " "
    if _hidden(char):
        return _visible(char)
    return char


def html_text(text: object) -> Html:
    """``text`` (anything, via ``str``) as a literal HTML-like label fragment.

    Newlines (``\\n``, ``\\r\\n``, ``\\r``) become line breaks; every other character is
    drawn as itself. Backslashes need no escaping inside HTML-like labels.

    >>> html_text("javascript:alert('x')")
    Html('javascript:alert(&#39;x&#39;)')
    >>> html_text("tab\\there\\x00")
    Html('tab here\\\\x00')
    """
    lines = str(text).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return Html("<BR/>".join("".join(map(_safe_char, line)) for line in lines))


def subscripted(base: str, sub: str = "", sup: str = "") -> Html:
    """``base`` with a subscript and/or superscript: ``w<SUB>11</SUB>``.

    >>> subscripted("w", "2,3", "(1)")
    Html('w<SUP>(1)</SUP><SUB>2,3</SUB>')
    """
    html = html_text(base)
    if sup:
        html = Html(f"{html}<SUP>{html_text(sup)}</SUP>")
    if sub:
        html = Html(f"{html}<SUB>{html_text(sub)}</SUB>")
    return html


def quote(value: object) -> str:
    """A DOT quoted string (for attribute values that are not labels).

    >>> quote('say "hi" \\\\ bye')
    '"say \\\\"hi\\\\" \\\\\\\\ bye"'
    """
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return '"' + text.replace("\r", " ").replace("\n", " ") + '"'


def _value(value: object) -> str:
    if isinstance(value, Html):
        return f"<{value}>"
    if isinstance(value, bool):
        return quote(str(value).lower())
    return quote(value)


def _attributes(attributes: Mapping[str, object]) -> str:
    items = [(key, value) for key, value in attributes.items() if value is not None]
    for key, _ in items:
        if not _ID.fullmatch(key) or key.lower() in ("url", "href", "tooltip"):
            raise ValueError(f"attribute {key!r} is not allowed in symnet diagrams")
    return ", ".join(f"{key}={_value(value)}" for key, value in items)


class DotGraph:
    """A directed graph as DOT statements, in the order they were added.

    Parameters
    ----------
    graph, node_defaults, edge_defaults : mapping
        Graph attributes and the default node and edge attributes.
    """

    def __init__(
        self,
        graph: Mapping[str, object] | None = None,
        node_defaults: Mapping[str, object] | None = None,
        edge_defaults: Mapping[str, object] | None = None,
    ) -> None:
        self._graph = dict(graph or {})
        self._node_defaults = dict(node_defaults or {})
        self._edge_defaults = dict(edge_defaults or {})
        for attributes in (self._graph, self._node_defaults, self._edge_defaults):
            _attributes(attributes)  # reject forbidden keys now, not when printing
        self._statements: list[str] = []
        self._nodes: set[str] = set()
        self.edge_count = 0

    @property
    def node_count(self) -> int:
        return len(self._nodes)

    def node(self, node_id: str, label: Html, **attributes: object) -> None:
        """Add node ``node_id`` (an identifier such as ``n3``) with a safe ``label``."""
        self._check_id(node_id)
        if node_id in self._nodes:
            raise ValueError(f"node {node_id!r} was added twice")
        self._nodes.add(node_id)
        self._statements.append(f"{node_id} [{_attributes({'label': label, **attributes})}];")

    def edge(self, tail: str, head: str, **attributes: object) -> None:
        """Add an edge between two nodes added before."""
        for node_id in (tail, head):
            if node_id not in self._nodes:
                raise ValueError(f"edge end {node_id!r} is not a node of this graph")
        attrs = _attributes(attributes)
        self._statements.append(f"{tail} -> {head}" + (f" [{attrs}];" if attrs else ";"))
        self.edge_count += 1

    def same_rank(self, node_ids: Iterable[str], ordered: bool = False) -> None:
        """Keep ``node_ids`` in one column (rankdir=LR) or row (rankdir=TB).

        With ``ordered``, also keep them in the given order (top to bottom for LR), by an
        invisible chain of edges; Graphviz draws nothing for it and it is not counted.
        """
        ids = list(node_ids)
        for node_id in ids:
            self._check_id(node_id)
        if len(ids) > 1 and ordered:
            self._statements.append("{rank=same; " + " -> ".join(ids) + " [style=invis];}")
        elif ids:
            self._statements.append("{rank=same; " + "; ".join(ids) + ";}")

    def source(self) -> str:
        """The DOT text."""
        lines = ["digraph symnet {"]
        lines += [f"  {key}={_value(value)};" for key, value in self._graph.items()]
        if self._node_defaults:
            lines.append(f"  node [{_attributes(self._node_defaults)}];")
        if self._edge_defaults:
            lines.append(f"  edge [{_attributes(self._edge_defaults)}];")
        lines += [f"  {statement}" for statement in self._statements]
        lines.append("}")
        return "\n".join(lines) + "\n"

    @staticmethod
    def _check_id(node_id: str) -> None:
        if not _ID.fullmatch(node_id):
            raise ValueError(f"node id {node_id!r} must be an identifier such as 'n3'")


def base_graph(title: Html | None, rankdir: str = "LR", **graph: object) -> DotGraph:
    """A DotGraph with symnet's fonts and, when given, a title at the top."""
    attributes: dict[str, object] = {"rankdir": rankdir, "fontname": FONT, **graph}
    if title:
        attributes.update(label=title, labelloc="t", fontsize=16)
    return DotGraph(
        attributes,
        node_defaults={"fontname": FONT, "fontsize": 14},
        edge_defaults={"fontname": FONT, "fontsize": 12, "arrowsize": 0.7},
    )
