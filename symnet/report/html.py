"""A report as one self-contained HTML file: MathML, inline SVG, PNG as data URIs.

The file needs nothing but a browser, offline: math is MathML (browsers lay it out
natively, no script), diagrams are Graphviz's SVG pasted in, plots and photos are PNG
``data:`` URIs, and the style sheet is inline. There is no script and no external
resource: the only URLs in the file are the MathML and SVG namespace names. Every piece
of text, the user's title included, is HTML-escaped, with control characters (and bidi
overrides) shown as ``\\xNN`` text. The page reads on a phone (viewport,
a maximum width, wide formulas and tables scroll sideways) and prints cleanly.

>>> from symnet.report.document import Paragraph, Section
>>> page = html_document("<b> & co", [Section("s", "One", [Paragraph(["x < y"])])])
>>> "<title>&lt;b&gt; &amp; co</title>" in page, "x &lt; y" in page
(True, True)
"""

from __future__ import annotations

import base64
import html
import re

from symnet.render.dot import visible_controls
from symnet.report.document import (
    Code,
    Equations,
    Figure,
    Inline,
    Note,
    Paragraph,
    Preformatted,
    Section,
    Table,
)
from symnet.report.document import capitalised as _capitalised
from symnet.report.mathml import mathml_row, mathml_rows

__all__ = ["STYLE", "WIDE_SVG_PT", "html_document", "html_fragment", "inline_svg"]

#: Diagrams wider than this (points) scroll sideways on screen instead of shrinking.
WIDE_SVG_PT = 1000

STYLE = """
.symnet-report { font-family: Georgia, 'DejaVu Serif', serif; line-height: 1.55;
  color: #1d1d1f; max-width: 56rem; margin: 0 auto; padding: 1rem 1.25rem 3rem; }
.symnet-report h1 { font-size: 1.9rem; line-height: 1.2; margin-bottom: 0.3rem; }
.symnet-report h2 { font-size: 1.4rem; border-bottom: 1px solid #d0d0d8; margin-top: 2.4rem; }
.symnet-report h2 .number { color: #6a6a7a; }
.symnet-report .meta, .symnet-report figcaption, .symnet-report .timing { color: #55555f; }
.symnet-report .meta { font-size: 0.95rem; }
.symnet-report nav { background: #f5f5f8; border: 1px solid #e0e0e6; border-radius: 6px;
  padding: 0.4rem 1.2rem; margin: 1.2rem 0; }
.symnet-report nav h2 { border: none; font-size: 1.1rem; margin: 0.6rem 0 0.2rem; }
.symnet-report a { color: #1f4fbf; }
.symnet-report .math, .symnet-report figure, .symnet-report .table, .symnet-report pre {
  overflow-x: auto; max-width: 100%; }
.symnet-report .math { margin: 0.8rem 0; padding: 0.2rem 0; }
.symnet-report math { font-size: 1.08em; }
.symnet-report math[display="block"] { margin: 0.3rem 0; }
.symnet-report math { font-family: 'STIX Two Math', 'Latin Modern Math', 'DejaVu Serif', serif; }
.symnet-report math > mtable > mtr > mtd { padding: 0.3em 0.1em; }
.symnet-report mtable mtable mtd { padding: 0.1em 0.45em; }
.symnet-report mtable mtable mtd { math-style: normal; }
.symnet-report math > mtable > mtr > mtd:first-child { text-align: right; }
.symnet-report math > mtable > mtr > mtd:last-child { text-align: left; }
.symnet-report figure { margin: 1.2rem 0; text-align: center; }
.symnet-report figure svg, .symnet-report figure img { max-width: 100%; height: auto; }
.symnet-report figcaption { font-size: 0.92rem; margin-top: 0.3rem; }
.symnet-report table { border-collapse: collapse; margin: 0.8rem 0; font-size: 0.92rem; }
.symnet-report th, .symnet-report td { border: 1px solid #d0d0d8; padding: 0.25rem 0.55rem; }
.symnet-report th { background: #f0f0f5; }
.symnet-report td.r { text-align: right; font-variant-numeric: tabular-nums; }
.symnet-report code, .symnet-report pre { font-family: 'DejaVu Sans Mono', Menlo, monospace;
  font-size: 0.88em; background: #f5f5f8; border-radius: 4px; }
.symnet-report code { padding: 0 0.25rem; }
.symnet-report pre { padding: 0.6rem 0.8rem; line-height: 1.35; }
.symnet-report .note { border-left: 4px solid #d9a400; background: #fff8e0;
  padding: 0.5rem 0.8rem; margin: 0.8rem 0; }
@media (max-width: 40rem) {
  .symnet-report { padding: 0.5rem 0.7rem 2rem; }
  .symnet-report h1 { font-size: 1.5rem; }
}
@media print {
  .symnet-report { max-width: none; padding: 0; font-size: 10.5pt; }
  .symnet-report nav { break-after: page; }
  .symnet-report h2 { break-after: avoid; }
  .symnet-report figure, .symnet-report .math, .symnet-report table { break-inside: avoid; }
  .symnet-report .math, .symnet-report figure, .symnet-report .table, .symnet-report pre {
    overflow: visible; }
  .symnet-report a { color: inherit; text-decoration: none; }
  .symnet-report figure svg { min-width: 0 !important; }
}
"""


def _text(text: str) -> str:
    return html.escape(visible_controls(text), quote=True)


def inline_svg(svg: str, prefix: str) -> str:
    """Graphviz's SVG made fit to paste into HTML: no XML prolog, doctype or comments, and
    every ``id`` prefixed so that several diagrams on one page keep distinct ids."""
    svg = re.sub(r"<\?xml[^>]*\?>|<!DOCTYPE[^>]*>|<!--.*?-->", "", svg, flags=re.S)
    svg = re.sub(r'\bid="([^"]*)"', rf'id="{prefix}-\1"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", rf"url(#{prefix}-\1)", svg)
    width = re.search(r'<svg[^>]*\bwidth="([0-9.]+)pt"', svg)
    if width and float(width.group(1)) > WIDE_SVG_PT:
        # NOTE: scaled to the page, a wide diagram's labels become unreadable; on screen it
        # keeps 3/4 of its size and scrolls sideways (print scales it to the page).
        svg = svg.replace("<svg ", f'<svg style="min-width: {float(width.group(1)):.0f}px" ', 1)
    svg = re.sub(r'href="#([^"]+)"', rf'href="#{prefix}-\1"', svg)
    return svg.strip()


def _paragraph(block: Paragraph) -> str:
    parts = []
    for part in block.parts:
        if isinstance(part, Code):
            parts.append(f"<code>{_text(part.text)}</code>")
        elif isinstance(part, Inline):
            parts.append(mathml_row(part.row, part.context))
        else:
            parts.append(_text(str(part)))
    return "<p>" + "".join(parts) + "</p>"


def _figure(block: Figure, key: str) -> str:
    caption = f"<figcaption>{_text(block.caption)}</figcaption>" if block.caption else ""
    if block.svg is not None:
        body = inline_svg(block.svg, f"{key}-{block.name}")
    else:
        data = base64.b64encode(block.png or b"").decode("ascii")
        body = f'<img src="data:image/png;base64,{data}" alt="{_text(block.caption)}">'
    return f'<figure id="{_text(key)}-{_text(block.name)}">{body}{caption}</figure>'


def _table(block: Table) -> str:
    align = block.align.ljust(len(block.header), "l")
    head = "".join(f"<th>{_text(cell)}</th>" for cell in block.header)
    rows = []
    for row in block.rows:
        cells = "".join(
            f'<td class="{align[i]}">{_text(str(cell))}</td>' for i, cell in enumerate(row)
        )
        rows.append(f"<tr>{cells}</tr>")
    body = "\n".join(rows)
    table = f"<table><thead><tr>{head}</tr></thead><tbody>\n{body}\n</tbody></table>"
    return f'<div class="table">{table}</div>'


def _block(block, key: str) -> str:
    if isinstance(block, Paragraph):
        return _paragraph(block)
    if isinstance(block, Equations):
        return f'<div class="math">{mathml_rows(block.rows, block.context)}</div>'
    if isinstance(block, Figure):
        return _figure(block, key)
    if isinstance(block, Table):
        return _table(block)
    if isinstance(block, Preformatted):
        return f"<pre>{_text(block.text)}</pre>"
    if isinstance(block, Note):
        return f'<p class="note">{_text(_capitalised(block.text))}</p>'
    raise TypeError(f"a report cannot print a {type(block).__name__}")


def _section(number: int, section: Section) -> str:
    key = _text(section.key)
    heading = f'<h2 id="{key}"><span class="number">{number}.</span> {_text(section.title)}</h2>'
    body = "\n".join(_block(block, section.key) for block in section.blocks)
    return f"<section>\n{heading}\n{body}\n</section>"


def html_fragment(
    title: str, sections: list[Section], meta: str = "", footer: str = "", style: bool = True
) -> str:
    """The report as one ``<div>``, with its own style sheet unless ``style`` is False
    (Jupyter shows the fragment; a page keeps the style sheet in its head)."""
    toc = "\n".join(f'<li><a href="#{_text(s.key)}">{_text(s.title)}</a></li>' for s in sections)
    parts = [
        '<div class="symnet-report">',
        f"<style>{STYLE}</style>" if style else "",
        f"<header><h1>{_text(title)}</h1>",
        f'<p class="meta">{_text(meta)}</p></header>' if meta else "</header>",
        f"<nav><h2>Contents</h2>\n<ol>\n{toc}\n</ol></nav>",
        "<main>",
        *(_section(number, s) for number, s in enumerate(sections, start=1)),
        "</main>",
        f'<footer><p class="timing">{_text(footer)}</p></footer>' if footer else "",
        "</div>",
    ]
    return "\n".join(part for part in parts if part)


def html_document(title: str, sections: list[Section], meta: str = "", footer: str = "") -> str:
    """A complete HTML page: the fragment in a document that opens offline."""
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{_text(title)}</title>",
            f"<style>{STYLE}</style>",
            "</head>",
            "<body>",
            html_fragment(title, sections, meta, footer, style=False),
            "</body>",
            "</html>",
            "",
        ]
    )
