"""The parts a report is made of, independent of the format it is written in.

A :class:`Section` is a list of blocks; the HTML writer (:mod:`symnet.report.html`) and
the Markdown writer (:mod:`symnet.report.markdown`) each print every kind of block, so a
section is written once and read in either format.

=============== ==========================================================================
block           what it holds
=============== ==========================================================================
Paragraph       prose: text, ``Code`` and inline math (:class:`Inline`) mixed
Equations       display math: rows of items (see :mod:`symnet.report.latex`), aligned at "="
Figure          a picture: SVG text (diagrams) or PNG bytes (plots, photos), and a caption
Table           a header and rows of plain-text cells
Preformatted    text shown as it is (a generated table, a trace in monospace)
Note            a remark set apart: a section that was shortened or skipped, and why
=============== ==========================================================================

>>> section = Section("demo", "A demo", [Paragraph(["Two plus two is ", Code("4"), "."])])
>>> [type(block).__name__ for block in section.blocks]
['Paragraph']
"""

from __future__ import annotations

from dataclasses import dataclass, field

from symnet.report.latex import MathContext

__all__ = [
    "Block",
    "Code",
    "Equations",
    "Figure",
    "Inline",
    "Note",
    "Paragraph",
    "Preformatted",
    "Section",
    "Table",
    "capitalised",
]


def capitalised(text: str) -> str:
    """``text`` with its first letter in upper case (error messages start in lower case)."""
    return text[:1].upper() + text[1:]


@dataclass(frozen=True)
class Code:
    """A short piece of code or a spec inside a paragraph (``3-2:sigmoid-1``)."""

    text: str


@dataclass
class Inline:
    """Inline math in a paragraph: one row of items (see :mod:`symnet.report.latex`)."""

    row: list
    context: MathContext | None = None


@dataclass
class Paragraph:
    """Prose: strings, :class:`Code` and :class:`Inline` parts, in reading order."""

    parts: list


@dataclass
class Equations:
    """Display math: ``rows`` aligned at their first ``"="``.

    ``latex``, when given, is the Markdown form (a LaTeX block from one of symnet's own
    printers, such as :func:`symnet.expressivity.collapse_format.collapse_latex`); otherwise
    the rows are printed to LaTeX as they are to MathML.
    """

    rows: list
    context: MathContext | None = None
    latex: str | None = None


@dataclass
class Figure:
    """A picture: ``svg`` text or ``png`` bytes, with a caption and a file name stem."""

    name: str
    caption: str
    svg: str | None = None
    png: bytes | None = None

    @property
    def suffix(self) -> str:
        return ".svg" if self.svg is not None else ".png"


@dataclass
class Table:
    """Plain-text cells; ``align`` per column: "l" or "r" (numbers)."""

    header: list[str]
    rows: list[list[str]]
    align: str = ""


@dataclass
class Preformatted:
    """Text kept exactly as it is, in a monospace font."""

    text: str


@dataclass
class Note:
    """A remark set apart from the prose (a shortened or skipped part, and why)."""

    text: str


#: Any block of a section.
Block = Paragraph | Equations | Figure | Table | Preformatted | Note


@dataclass
class Section:
    """One titled part of a report; ``key`` names it in ``sections=`` and in links."""

    key: str
    title: str
    blocks: list[Block] = field(default_factory=list)
    seconds: float = 0.0
