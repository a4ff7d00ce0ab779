"""A report as GitHub-flavoured Markdown: LaTeX math in ``$...$``, figures as files beside it.

Display math is a ``$$`` block on lines of its own (GitHub renders it with MathJax),
inline math is ``$...$`` with no space inside the dollars; every formula is LaTeX printed
by SymPy (:mod:`symnet.report.latex`) or by one of symnet's printers. Figures are written to
a folder beside the Markdown file (``REPORT_files/``) and linked relatively, so the two
move together. Text the user gives (the title) is HTML-escaped, since Markdown passes HTML
through.

>>> from symnet.report.document import Paragraph, Section
>>> text, files = markdown_document("T", [Section("s", "One", [Paragraph(["a", "b"])])], "F")
>>> text.splitlines()[0], files
('# T', {})
"""

from __future__ import annotations

import html
import re
import urllib.parse

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
from symnet.report.latex import latex_row, latex_rows

__all__ = ["github_anchor", "markdown_document"]


def github_anchor(title: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to '-'.

    >>> github_anchor("3. The chain rule: backprop (cached)")
    '3-the-chain-rule-backprop-cached'
    """
    return re.sub(r"[^\w\- ]", "", title.strip().lower()).replace(" ", "-")


def _prose(text: str) -> str:
    # NOTE: a lone '$' would open inline math, and '<' would start HTML: escape both.
    return html.escape(text, quote=False).replace("$", r"\$")


def _paragraph(block: Paragraph) -> str:
    parts = []
    for part in block.parts:
        if isinstance(part, Code):
            parts.append(f"`{part.text}`")
        elif isinstance(part, Inline):
            parts.append(f"${latex_row(part.row, part.context)}$")
        else:
            parts.append(_prose(str(part)))
    return "".join(parts)


def _cell(text: str) -> str:
    return _prose(str(text)).replace("|", r"\|")


def _table(block: Table) -> str:
    align = block.align.ljust(len(block.header), "l")
    rule = ["---:" if a == "r" else "---" for a in align]
    lines = ["| " + " | ".join(_cell(c) for c in block.header) + " |"]
    lines.append("|" + "|".join(rule) + "|")
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in block.rows]
    return "\n".join(lines)


def _figure(block: Figure, folder: str, files: dict[str, bytes], number: int) -> str:
    name = f"{number:02d}-{block.name}{block.suffix}"
    files[name] = block.svg.encode("utf-8") if block.svg is not None else (block.png or b"")
    link = urllib.parse.quote(f"{folder}/{name}")
    caption = _prose(block.caption)
    return f"![{caption}]({link})\n\n*{caption}*"


def _block(block, folder: str, files: dict[str, bytes]) -> str:
    if isinstance(block, Paragraph):
        return _paragraph(block)
    if isinstance(block, Equations):
        latex = block.latex or latex_rows(block.rows, block.context)
        return f"$$\n{latex.strip()}\n$$"
    if isinstance(block, Figure):
        return _figure(block, folder, files, len(files) + 1)
    if isinstance(block, Table):
        return _table(block)
    if isinstance(block, Preformatted):
        return f"```text\n{block.text}\n```"
    if isinstance(block, Note):
        return f"> **Note.** {_prose(_capitalised(block.text))}"
    raise TypeError(f"a report cannot print a {type(block).__name__}")


def markdown_document(
    title: str, sections: list[Section], folder: str, meta: str = "", footer: str = ""
) -> tuple[str, dict[str, bytes]]:
    """The Markdown text, and the figure files (name -> bytes) it links in ``folder``."""
    files: dict[str, bytes] = {}
    headings = [f"{number}. {s.title}" for number, s in enumerate(sections, start=1)]
    lines = [f"# {_prose(title)}", ""]
    if meta:
        lines += [_prose(meta), ""]
    lines += ["## Contents", ""]
    lines += [
        f"{n}. [{_prose(s.title)}](#{github_anchor(h)})"
        for n, (s, h) in enumerate(zip(sections, headings), start=1)
    ]
    for heading, section in zip(headings, sections):
        lines += ["", f"## {_prose(heading)}", ""]
        lines += [_block(block, folder, files) + "\n" for block in section.blocks]
    if footer:
        lines += ["", "---", "", _prose(footer)]
    return "\n".join(lines).rstrip() + "\n", files
