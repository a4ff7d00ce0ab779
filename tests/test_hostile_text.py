"""Hostile text stays inert: no user string becomes live script, a link or raw HTML.

A catalogue of hostile strings (``javascript:`` URLs, ``<script>``, Markdown links and
images, HTML entities, autolinks, control characters, bidi overrides, very long text) goes
through every place a user's text reaches a document: the title of a diagram (SVG), the
title of a report (HTML and Markdown), a kernel's name (the conv diagram), a data file's
name (the report's prose). Each output is parsed (HTML/SVG by the standard library's
parser, Markdown by markdown-it-py, a CommonMark parser) and checked: no script element, no
event attribute, no ``javascript:`` URL, and exactly the elements and links the document
has with a plain title, so nothing the user wrote became markup.
"""

from __future__ import annotations

import html.parser
import json
import os
import re
import subprocess
import sys

import pytest
from markdown_it import MarkdownIt

from symnet.exceptions import SpecError
from symnet.render.labels import TITLE_LIMIT
from symnet.render.views import diagram
from symnet.report.build import build_report

HOSTILE = [
    "[click](javascript:alert(1))",
    "![image](javascript:alert(1))",
    "[x][a]\n\n[a]: javascript:alert(1)",
    "[a]: javascript:alert(1)",
    "\\[escaped\\](javascript:alert(1))",
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    '"><svg onload=alert(1)>',
    "'><a href='javascript:alert(1)'>x</a>",
    "<iframe src=javascript:alert(1)></iframe>",
    "<style>body{display:none}</style>",
    "<!-- a comment --><![CDATA[x]]>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&#106;avascript:alert(1) &#x6A;avascript:alert(1)",
    "javascript:alert(1)",
    " JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "<https://evil.example/> <mailto:a@evil.example>",
    "https://evil.example/ www.evil.example mail@evil.example",
    '{: onclick="alert(1)"} `code` **bold** _it_ ~~s~~ $x$ | a | b |',
    "# heading\n- item\n> quote\n---",
    "\x00\x01\x07\x08\x0b\x0c\x1b[31mred\x1b[0m\x7f\x85\x9b",
    "\u202eevil\u202c \u2066isolated\u2069 \u200f",
    "\ud800 lone surrogate \ufffe",
    "a" * 20_000,
    "<" * 5_000 + "script>",
]
PLAIN = "A plain title"
#: markdown-it-py with GitHub's tables and strikethrough.
MARKDOWN = MarkdownIt("commonmark").enable("table").enable("strikethrough")


class _Elements(html.parser.HTMLParser):
    """The elements of an HTML or SVG document: (tag, attribute names), in order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, tuple[str, ...]]] = []
        self.values: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, tuple(sorted(name for name, _ in attrs))))
        self.values += [value or "" for _, value in attrs]

    handle_startendtag = handle_starttag


def _elements(document: str) -> _Elements:
    parser = _Elements()
    parser.feed(document)
    parser.close()
    return parser


def _assert_inert(document: str, plain: str, same_layout: bool = True) -> None:
    """``document`` has no script, event handler or javascript: URL, and the same
    elements (and attribute names) as the ``plain`` one: in the same order, or, for a
    drawing whose layout follows the text (``same_layout=False``: a title of three lines
    is three ``<text>`` elements), none of a kind that the plain one lacks."""
    found, expected = _elements(document), _elements(plain)
    tags = {tag for tag, _ in found.elements}
    assert not tags & {"script", "iframe", "object", "embed", "style"} - {
        tag for tag, _ in expected.elements
    }
    assert not any(name.startswith("on") for _, names in found.elements for name in names)
    for value in found.values:
        squeezed = re.sub(r"[\x00-\x20]", "", value).lower()
        assert not squeezed.startswith(("javascript:", "vbscript:", "data:text"))
    if same_layout:
        assert found.elements == expected.elements
    else:
        assert set(found.elements) <= set(expected.elements)


@pytest.fixture(scope="module")
def report():
    return build_report("2-2:relu-1", sections="network,backprop")


def _with_title(report, title: str):
    report.title = title
    return report


@pytest.mark.parametrize("hostile", HOSTILE)
def test_a_report_title_stays_text_in_html(report, hostile):
    plain = _with_title(report, PLAIN).html()
    _assert_inert(_with_title(report, hostile).html(), plain)


def _markdown_tokens(text: str) -> list:
    tokens, stack = [], list(MARKDOWN.parse(text))
    while stack:
        token = stack.pop(0)
        tokens.append(token)
        stack[:0] = token.children or []
    return tokens


def _links(tokens) -> list[tuple[str, str]]:
    return [
        (t.type, t.attrs.get("href") or t.attrs.get("src") or "")
        for t in tokens
        if t.type in ("link_open", "image")
    ]


@pytest.mark.parametrize("hostile", HOSTILE)
def test_a_report_title_stays_text_in_markdown(report, hostile):
    plain, _ = _with_title(report, PLAIN).markdown("r_files")
    text, _ = _with_title(report, hostile).markdown("r_files")
    tokens, plain_tokens = _markdown_tokens(text), _markdown_tokens(plain)
    assert not [t for t in tokens if t.type in ("html_inline", "html_block")]
    assert _links(tokens) == _links(plain_tokens)  # the contents' anchors and the figures
    assert [t.type for t in tokens] == [t.type for t in plain_tokens]
    # GitHub links bare URLs, www. and e-mail addresses too: none is left to it
    heading = text.split("\n", 1)[0]
    assert not re.search(r"[A-Za-z]://|(?<![\\])\bwww\.|\w@\w", heading)
    # what a reader sees is the title, character for character (controls shown as \xNN)
    rendered = MARKDOWN.renderInline(heading[2:])
    assert "<" not in rendered.replace("&lt;", "")


@pytest.mark.parametrize("hostile", HOSTILE)
def test_a_diagram_title_stays_text_in_svg(hostile):
    if len(hostile) > TITLE_LIMIT:  # a title is a line: a longer one is refused in one line
        with pytest.raises(SpecError, match="title= is limited to 1000 characters"):
            diagram("3-2-1", "network", title=hostile)
        hostile = hostile[:TITLE_LIMIT]
    plain = diagram("3-2-1", "network", title=PLAIN).svg()
    drawn = diagram("3-2-1", "network", title=hostile).svg()
    _assert_inert(drawn, plain, same_layout=False)
    gradient = diagram("2-2:relu-1", "gradient", title=hostile, wrt="w1").svg()
    plain = diagram("2-2:relu-1", "gradient", title=PLAIN, wrt="w1").svg()
    _assert_inert(gradient, plain, same_layout=False)


@pytest.mark.parametrize("hostile", HOSTILE[:12])
def test_a_kernel_name_stays_text_in_the_conv_diagram(hostile, tmp_path):
    def drawn(name: str) -> str:
        path = tmp_path / "k.json"
        path.write_text(json.dumps({"name": name, "kernel": [[1, 0], [0, -1]]}))
        return diagram(None, "conv", kernels=(str(path),)).svg()

    _assert_inert(drawn(hostile), drawn(PLAIN), same_layout=False)


def test_a_hostile_data_file_name_stays_text_in_the_report(tmp_path):
    hostile = tmp_path / "[x](javascript:alert(1)) <img src=x onerror=alert(1)>.csv"
    plain = tmp_path / "plain.csv"
    rows = "\n".join(f"{i % 7 / 7},{i % 3 / 3},{i % 2}" for i in range(40)) + "\n"
    for path in (hostile, plain):
        path.write_text(rows)

    def made(path):
        return build_report("2-2:relu-1:sigmoid", sections="training", data=str(path))

    bad, good = made(hostile), made(plain)
    assert str(hostile.name)[:10] in bad.markdown("f")[0].replace("\\", "")
    _assert_inert(bad.html(), good.html())
    tokens = _markdown_tokens(bad.markdown("f")[0])
    assert not [t for t in tokens if t.type in ("html_inline", "html_block")]
    assert _links(tokens) == _links(_markdown_tokens(good.markdown("f")[0]))


def test_a_report_title_longer_than_a_line_is_refused_in_one_line(run_cli, tmp_path):
    path = tmp_path / "r.md"
    result = run_cli(["report", "2-1", "--title", "x" * 20_000, "-o", str(path)])
    assert result.exit_code == 2 and not path.exists()
    assert result.stderr == "Error: --title is limited to 1000 characters; got 20000\n"


def test_the_command_line_writes_an_inert_markdown_report(run_cli, tmp_path):
    path = tmp_path / "r.md"
    result = run_cli(
        [
            "report",
            "2-1",
            "--sections",
            "network",
            "--title",
            "[click](javascript:alert(1))",
            "-o",
            str(path),
        ]
    )
    assert result.exit_code == 0, result.output
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# \\[click\\](javascript:alert(1))\n")
    hrefs = [href for _, href in _links(_markdown_tokens(text))]
    assert hrefs and all(h.startswith(("#", "r_files/")) for h in hrefs)


@pytest.mark.parametrize("hostile", ["$\\frac{", "$x$ and $\\undefined{y}$", "$" * 7])
def test_a_name_with_dollars_is_drawn_as_text_in_a_plot(run_cli, tmp_path, hostile):
    # NOTE: matplotlib reads $...$ as math, and a bad formula made the picture a traceback
    kernel = tmp_path / "k.json"
    kernel.write_text(json.dumps({"name": hostile, "kernel": [[1, 0], [0, -1]]}))
    pair = tmp_path / "pair.png"
    result = run_cli(["convolve", "--kernel", str(kernel), "--side-by-side", str(pair)])
    assert result.exit_code == 0, result.output
    data = tmp_path / f"{hostile.replace('/', '')}.csv"
    data.write_text("".join(f"{i % 2},{i % 3 / 3},{i % 2}\n" for i in range(12)))
    curves = tmp_path / "curves.png"
    args = ["train", "2-3:tanh-1:sigmoid", "--data", str(data), "--epochs", "2"]
    result = run_cli([*args, "--plot", str(curves)])
    assert result.exit_code == 0, result.output
    assert pair.read_bytes()[:4] == curves.read_bytes()[:4] == b"\x89PNG"


def test_controls_and_bidi_overrides_are_shown_not_obeyed(report):
    title = "a\u202eb\x1b[31mc\x00"
    shown = "a\\u202eb\\x1b[31mc\\x00"
    outputs = {
        "svg": diagram("3-2-1", "network", title=title).svg(),
        "html": _with_title(report, title).html(),
        "markdown": _with_title(report, title).markdown("f")[0].replace("\\\\", "\\"),
    }
    for kind, text in outputs.items():
        assert not set(text) & set(title) - set("abc[31m"), kind
        assert shown.replace("[", "\\[" if kind == "markdown" else "[") in text, kind


# NOTE: a lone surrogate cannot come from a terminal; undecodable bytes in a file name
# arrive as surrogate escapes, which the last case stands for
CONTROLS = [h for h in HOSTILE if not h.isprintable() and "\ud800" not in h] + ["a\udcff"]


@pytest.mark.parametrize("hostile", CONTROLS)
def test_an_error_message_shows_control_characters_as_escapes(tmp_path, hostile):
    # NOTE: the error quotes the file name; a raw ESC there would drive the user's terminal
    name = hostile.replace("/", "").replace("\x00", "")[:200]
    missing = os.path.join(os.fsencode(tmp_path), os.fsencode(f"{name}.csv"))
    command = [sys.executable, "-m", "symnet", "train", "2-3-1", "--data", missing]
    result = subprocess.run(command, capture_output=True, timeout=60)
    assert result.returncode == 1 and result.stdout == b""
    lines = result.stderr.decode("utf-8").splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and lines[0].isprintable()
