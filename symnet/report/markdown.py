"""A report as GitHub-flavoured Markdown: LaTeX math in ``$...$``, figures as files beside it.

Display math is a ``$$`` block on lines of its own (GitHub renders it with MathJax),
inline math is ``$...$`` with no space inside the dollars; every formula is LaTeX printed
by SymPy (:mod:`symnet.report.latex`) or by one of symnet's printers. Figures are written to
a folder beside the Markdown file (``REPORT_files/``) and linked relatively, so the two
move together; without a folder (a report on standard output) they are embedded as
``data:`` URIs.

Text stays inert (:func:`markdown_text`): prose, the user's title included, can hold no
live link, image, autolink or HTML. ``< > &`` become entities (Markdown passes HTML
through, and an entity of the user's would be decoded), every character Markdown gives a
meaning to is backslash-escaped (``[ ] ` * _ { } # | ~ $ @ \\``), so is the ``:`` of a
``scheme://`` and the ``.`` of ``www.`` (GitHub links those bare), and control characters
are shown as ``\\xNN``; line breaks become spaces (as Markdown shows them), so no heading,
list or rule can start inside the text. Code spans and blocks take a fence longer than any run of
backticks inside them.

>>> from symnet.report.document import Paragraph, Section
>>> text, files = markdown_document("T", [Section("s", "One", [Paragraph(["a", "b"])])], "F")
>>> text.splitlines()[0], files
('# T', {})
>>> print(markdown_text("[click](javascript:alert(1)) <b>"))
\\[click\\](javascript:alert(1)) &lt;b&gt;
"""

from __future__ import annotations

import base64
import html
import re
import urllib.parse

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
from symnet.report.latex import latex_row, latex_rows

__all__ = ["code_span", "github_anchor", "markdown_document", "markdown_text"]

#: Characters Markdown (CommonMark, GitHub's extensions, kramdown's attribute lists and
#: the ``$`` of math) gives a meaning to; each is backslash-escaped in prose.
_SPECIAL = re.compile(r"([\\`*_\[\]{}#|~$@])")
#: Bare links GitHub makes live: the ``:`` of ``scheme://`` and the ``.`` of ``www.``.
_BARE_LINK = re.compile(r"(?<=[A-Za-z]):(?=//)|(?<=\bwww)\.", re.IGNORECASE)
_MIME = {".svg": "image/svg+xml", ".png": "image/png"}


def github_anchor(title: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to '-'.

    >>> github_anchor("3. The chain rule: backprop (cached)")
    '3-the-chain-rule-backprop-cached'
    """
    return re.sub(r"[^\w\- ]", "", title.strip().lower()).replace(" ", "-")


def markdown_text(text: str) -> str:
    """``text`` as Markdown that shows it literally: no link, image, HTML or math in it is live.

    >>> print(markdown_text("$5 & <i>x</i> at www.example.com or https://example.com"))
    \\$5 &amp; &lt;i&gt;x&lt;/i&gt; at www\\.example.com or https\\://example.com
    """
    # NOTE: a line break inside a paragraph shows as a space; as a space it also cannot
    # start a block of its own (a heading, a list, a rule) in the middle of the text.
    text = html.escape(" ".join(visible_controls(text).splitlines()), quote=False)
    return _BARE_LINK.sub(r"\\\g<0>", _SPECIAL.sub(r"\\\1", text))


_prose = markdown_text


def code_span(text: str) -> str:
    """``text`` as an inline code span: a fence of one more backtick than its longest run.

    >>> code_span("a``b")
    '```a``b```'
    """
    text = visible_controls(text).replace("\n", " ")
    fence = "`" * (max(map(len, re.findall("`+", text)), default=0) + 1)
    pad = " " if text.startswith(("`", " ")) or text.endswith(("`", " ")) else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _code_block(text: str) -> str:
    """A fenced block that no line of ``text`` can close (the fence outgrows its runs)."""
    text = visible_controls(text)
    fence = "`" * max(3, max(map(len, re.findall("`+", text)), default=0) + 1)
    return f"{fence}text\n{text}\n{fence}"


def _paragraph(block: Paragraph) -> str:
    parts = []
    for part in block.parts:
        if isinstance(part, Code):
            parts.append(code_span(part.text))
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


def _figure(block: Figure, folder: str | None, files: dict[str, bytes], number: int) -> str:
    name = f"{number:02d}-{block.name}{block.suffix}"
    data = block.svg.encode("utf-8") if block.svg is not None else (block.png or b"")
    if folder is None:  # no folder beside the text: the figure goes inside it
        encoded = base64.b64encode(data).decode("ascii")
        link = f"data:{_MIME.get(block.suffix, 'application/octet-stream')};base64,{encoded}"
    else:
        files[name] = data
        link = urllib.parse.quote(f"{folder}/{name}")
    caption = _prose(block.caption)
    return f"![{caption}]({link})\n\n*{caption}*"


def _block(block, folder: str | None, files: dict[str, bytes]) -> str:
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
        return _code_block(block.text)
    if isinstance(block, Note):
        return f"> **Note.** {_prose(_capitalised(block.text))}"
    raise TypeError(f"a report cannot print a {type(block).__name__}")


def markdown_document(
    title: str, sections: list[Section], folder: str | None, meta: str = "", footer: str = ""
) -> tuple[str, dict[str, bytes]]:
    """The Markdown text, and the figure files (name -> bytes) it links in ``folder``
    (None: no files, the figures are embedded as ``data:`` URIs)."""
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
