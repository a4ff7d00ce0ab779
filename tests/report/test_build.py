"""Derivation reports: sections, self-contained HTML with MathML, Markdown with LaTeX."""

from __future__ import annotations

import re
import xml.dom.minidom
from html.parser import HTMLParser
from pathlib import Path

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from symnet.demos import demo_report
from symnet.exceptions import SpecError
from symnet.graph.build import build_network
from symnet.render.graphviz_io import GraphvizMissingError
from symnet.report.build import DEFAULT_SECTIONS, SECTIONS, build_report, resolve_sections
from symnet.report.document import Equations, Note
from symnet.report.latex import MathContext, latex_rows
from symnet.report.mathml import mathml_row

SEED = "3-2:sigmoid-2:sigmoid-1:sigmoid"
NAMESPACES = {
    "http://www.w3.org/1998/Math/MathML",
    "http://www.w3.org/2000/svg",
    "http://www.w3.org/1999/xlink",
}


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> tuple[Path, Path]:
    """The full seed report (every section), as HTML and as Markdown: built once."""
    return demo_report(tmp_path_factory.mktemp("demo"))


class _Resources(HTMLParser):
    """Collects tags and every attribute that could load something."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.links: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for name, value in attrs:
            if name in ("src", "href", "xlink:href", "srcset", "data", "action", "poster"):
                self.links.append((tag, name, value or ""))


# ---- the MathML printer, checked against SymPy by reading the MathML back ----

_OPERATORS = {"\u2062": "*", "−": "-", "·": "*", "+": "+", "(": "(", ")": ")", ",": ","}
_FUNCTIONS = {"σ": "sigmoid", "ReLU": "ReLU", "tanh": "tanh", "LeakyReLU": "LeakyReLU"}


def _text(node) -> str:
    """MathML (seed names) back to SymPy text: msub(w, 1) -> w1, z_A stays z_A."""
    if node.nodeType == node.TEXT_NODE:
        return node.data
    kids = [c for c in node.childNodes if c.nodeType == c.ELEMENT_NODE or c.data.strip()]
    tag = node.tagName
    if tag in ("mi", "mn"):
        text = _text(kids[0])
        return _FUNCTIONS.get(text, text.replace("−", "-"))
    if tag == "mo":
        return _OPERATORS[_text(kids[0])]
    if tag == "msub":
        base, sub = _text(kids[0]), _text(kids[1])
        return f"{base}{sub}" if sub.isdigit() else f"{base}_{sub}"
    if tag == "msup":
        return f"({_text(kids[0])})**({_text(kids[1])})"
    if tag == "mfrac":
        return f"({_text(kids[0])})/({_text(kids[1])})"
    return "".join(_text(k) for k in kids)  # math, mrow


def _read_back(mathml: str) -> sp.Expr:
    from symnet.graph.activations import ReLU, sigmoid, tanh

    dom = xml.dom.minidom.parseString(mathml)
    text = _text(dom.documentElement)
    # Test-only: our own printer's output, never user input.
    return sp.sympify(text, locals={"sigmoid": sigmoid, "ReLU": ReLU, "tanh": tanh})


@st.composite
def small_specs(draw) -> str:
    widths = draw(st.lists(st.integers(1, 3), min_size=2, max_size=4))
    acts = draw(st.lists(st.sampled_from(["", ":relu", ":sigmoid", ":tanh"]), min_size=3))
    return "-".join([str(widths[0])] + [f"{w}{a}" for w, a in zip(widths[1:], acts)])


@settings(max_examples=25)
@given(spec=small_specs(), bias=st.booleans())
def test_mathml_of_every_equation_reads_back_as_its_definition(spec, bias):
    net = build_network(spec, names="seed", bias=bias)
    context = MathContext(net)
    for name, definition in net.equations():
        assert sp.expand(_read_back(mathml_row(definition, context)) - definition) == 0, name


def test_mathml_writes_the_notes_order_and_names():
    net = build_network("3-2-2-1")
    text = mathml_row(net.definition("A"), MathContext(net))
    tokens = re.sub(r"<[^>]+>|\u2062", " ", text).split()  # invisible times dropped
    assert tokens == ["w", "1", "X", "1", "+", "w", "3", "X", "2", "+", "w", "5", "X", "3"]
    indexed = build_network("2-2-1", names="indexed")
    text = mathml_row(sp.Symbol("w1_2_1"), MathContext(indexed))
    assert "<msubsup><mi>w</mi><mrow><mn>2</mn><mo>,</mo><mn>1</mn></mrow>" in text


def test_latex_rows_align_at_equals_and_name_deltas():
    net = build_network("2-1:sigmoid")
    rows = [[sp.Symbol("delta_z_y"), "=", sp.Symbol("delta_y") * sp.Symbol("z_y")]]
    assert latex_rows(rows, MathContext(net)) == (
        "\\begin{aligned}\n\\delta_{z_{y}} &= z_{y} \\delta_{y}\n\\end{aligned}"
    )


# ---- a whole report ----


def test_seed_report_has_every_section_and_no_external_resource(demo):
    html_path, _ = demo
    page = html_path.read_text(encoding="utf-8")
    parser = _Resources()
    parser.feed(page)
    assert "script" not in parser.tags and "link" not in parser.tags
    for tag, attribute, value in parser.links:
        assert value.startswith(("#", "data:image/png;base64,")), (tag, attribute, value[:60])
    urls = set(re.findall(r"https?://[^\s\"'<>)]+", page))
    assert urls <= NAMESPACES, urls - NAMESPACES
    for key in SECTIONS:  # every section is in the contents and in the page
        assert f'href="#{key}"' in page and f'<h2 id="{key}">' in page
    assert page.count("<math") == page.count("</math>") >= 15
    assert all(
        'xmlns="http://www.w3.org/1998/Math/MathML"' in m for m in re.findall(r"<math[^>]*>", page)
    )
    assert page.count("<svg") == 2 and page.count("data:image/png") == 4
    assert '<meta name="viewport"' in page and "@media print" in page
    assert "This section could not be made" not in page


def test_seed_report_markdown_has_valid_math_and_its_figures(demo):
    _, md_path = demo
    text = md_path.read_text(encoding="utf-8")
    lines = text.splitlines()
    assert sum(line == "$$" for line in lines) % 2 == 0
    assert all(line == "$$" or "$$" not in line for line in lines)  # display math: own lines
    blocks = re.findall(r"^\$\$\n(.*?)\n^\$\$$", text, flags=re.S | re.M)
    assert len(blocks) > 10
    prose = re.sub(r"^\$\$\n.*?\n^\$\$$|```.*?```", "", text, flags=re.S | re.M)
    inline = re.findall(r"(?<![\\$])\$([^$\n]+)\$", prose)
    assert inline and all(not m.startswith(" ") and not m.endswith(" ") for m in inline)
    for line in prose.splitlines():  # every unescaped $ of the prose is paired
        assert len(re.findall(r"(?<!\\)\$", line)) % 2 == 0, line
    for math in blocks + inline:
        assert math.count("{") == math.count("}"), math[:80]
        assert math.count("\\begin{") == math.count("\\end{")
        assert "−" not in math and "\u2062" not in math
    links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert len(links) == 6
    for link in links:
        assert link.startswith("seed-report_files/") and (md_path.parent / link).is_file()


def test_seed_report_reproduces_the_notes(demo):
    html_path, md_path = demo
    text = md_path.read_text(encoding="utf-8")
    # The notes' expansion, term by term in path order, and the ReLU trace.
    assert "w_{11} w_{7} w_{1} X_{1} + w_{11} w_{7} w_{3} X_{2}" in text
    assert "(-1)(5) = -5" in text and "\\operatorname{ReLU}(-5) = 0" in text
    assert "12 terms, one per path" in text
    assert "92 multiplications along the paths, 23 with the cache" in text
    assert "all 12 gradients agree" in text
    page = html_path.read_text(encoding="utf-8")
    assert "<mi>σ</mi>" in page and "<mi>δ</mi>" in page


def test_title_and_names_are_escaped(tmp_path):
    title = '<script>alert("x")</script> & <b>'
    report = build_report("2-1", sections="network", title=title)
    page = report.html()
    assert "<script" not in page and "&lt;script&gt;alert(&quot;x&quot;)" in page
    report.save(tmp_path / "r.md")
    assert "<script" not in (tmp_path / "r.md").read_text(encoding="utf-8")


def test_large_network_shows_the_layer_level_form_with_the_reason():
    report = build_report(
        "784-128:relu-10:softmax", sections="network,collapse,activation,backprop,verification"
    )
    notes = [b.text for s in report.sections for b in s.blocks if isinstance(b, Note)]
    assert any("101,632" in n or "edges" in n for n in notes)
    assert any("expanding 784-128-10" in n for n in notes)
    assert report.seconds < 20
    markdown = report.markdown()[0]
    assert "W^{(1)} x" in markdown and "\\Delta A^{T}" in markdown


def test_graphviz_missing_gives_a_note_not_a_failure(monkeypatch):
    import symnet.render.graphviz_io

    def missing(source, format):
        raise GraphvizMissingError("Graphviz's 'dot' program was not found")

    monkeypatch.setattr(symnet.render.graphviz_io, "render_bytes", missing)
    report = build_report("2-1:sigmoid", sections="network,backprop")
    notes = [b.text for s in report.sections for b in s.blocks if isinstance(b, Note)]
    assert len(notes) == 2 and all("not drawn" in n for n in notes)
    assert "<svg" not in report.html()


def test_sections_are_resolved_in_notes_order_and_checked():
    assert resolve_sections(None) == DEFAULT_SECTIONS
    assert resolve_sections("all") == tuple(SECTIONS)
    assert resolve_sections(["depth", "network"]) == ("network", "depth")
    with pytest.raises(SpecError, match="unknown report section 'nope'"):
        resolve_sections("network,nope")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"wrt": "w99"}, "unknown wrt='w99'"),
        ({"names": "greek"}, "names must be one of"),
        ({"loss": "bce", "spec": "2-2"}, "loss='bce' needs a 1:sigmoid output layer"),
        ({"data": "nosuchset"}, "unknown data set 'nosuchset'"),
    ],
)
def test_bad_options_are_usage_errors(options, message):
    spec = options.pop("spec", SEED)
    with pytest.raises(SpecError, match=re.escape(message)):
        build_report(spec, sections="network", **options)


def test_save_refuses_an_existing_file_and_a_bad_suffix(tmp_path):
    report = build_report("2-1", sections="network")
    path = report.save(tmp_path / "r.html")
    with pytest.raises(SpecError, match="already exists; pass overwrite=True"):
        report.save(path)
    assert report.save(path, overwrite=True) == path
    with pytest.raises(SpecError, match="must end in .html or .md"):
        report.save(tmp_path / "r.pdf")


def test_jupyter_shows_the_report_as_a_fragment():
    fragment = build_report("2-1", sections="network")._repr_html_()
    assert fragment.startswith('<div class="symnet-report">') and "<html" not in fragment
    assert "<style>" in fragment and "<math" in fragment


def test_each_equation_block_prints_in_both_formats():
    report = build_report("2-2:relu-1", bias=True, sections="default")
    for section in report.sections:
        for block in section.blocks:
            if isinstance(block, Equations):
                assert block.rows
    assert report.html().count("<math") >= report.markdown()[0].count("$$") // 2


def test_wrt_may_name_a_bias_when_the_network_has_biases() -> None:
    report = build_report("2-2-1", bias=True, wrt="b1", sections="backprop")
    assert report.options["wrt"] == "b1" and report.sections[0].key == "backprop"
    with pytest.raises(SpecError, match="unknown wrt='b1'"):
        build_report("2-2-1", wrt="b1", sections="backprop")
