"""The one size guard of every command, called first by the library function behind it."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import symnet
from symnet.exceptions import SizeLimitError
from symnet.graph import guards
from symnet.graph.spec import parse_spec
from symnet.render.views import diagram
from symnet.report.build import build_report
from tests.strategies import specs

DEEP_1 = "-".join(["1"] * 30001)
DEEP_10 = "-".join(["10"] * 501)
DEEP_2 = "-".join(["2"] * 5001)
CONV = "3x4096x4096-conv64@3x3-10"
WIDE = "2-100000:relu-100000:relu-1:sigmoid"
BIG_CONV = "1x4096x4096-conv100000@31x31:relu-maxpool2-100000-10:softmax"

#: (library call, the words of its one-line refusal). Each would build for minutes, or
#: allocate gigabytes, without its guard.
LIBRARY_CASES = {
    "derive 100000-1": (lambda: symnet.derive("100000-1"), "edges (limit 20000)"),
    "derive 10x500": (lambda: symnet.derive(DEEP_10), "edges (limit 20000)"),
    "derive conv": (lambda: symnet.derive(CONV), "edges (limit 20000)"),
    "trace 1x30000": (lambda: symnet.trace(DEEP_1, [1], seed=0), "edges (limit 10000)"),
    "trace 2x5000": (lambda: symnet.trace(DEEP_2, [1, 1], seed=0), "edges (limit 10000)"),
    "trace conv": (lambda: symnet.trace(CONV, [0], seed=0), "edges (limit 10000)"),
    "check conv": (lambda: symnet.check_gradients(CONV), "edges (limit 6000)"),
    "check 100000-1": (lambda: symnet.check_gradients("100000-1"), "edges (limit 6000)"),
    "collapse 1x30000": (lambda: symnet.collapse(DEEP_1), "leaves (limit 100000)"),
    "collapse 10x500": (lambda: symnet.collapse(DEEP_10), "~1e+501 terms (limit 20000)"),
    "collapse 2x5000": (lambda: symnet.collapse(DEEP_2), "~2.8e+1505 terms (limit 20000)"),
    "expression 1x30000": (
        lambda: symnet.diagram(DEEP_1, "expression"),
        "leaves written on the way (limit 2000000)",
    ),
    "expression 10x500": (lambda: symnet.diagram(DEEP_10, "expression"), "levels of nesting"),
    "network 1x30000": (lambda: symnet.diagram(DEEP_1), "boxes and arrows (limit 2000)"),
    "gradient 1x30000": (
        lambda: symnet.diagram(DEEP_1, "gradient"),
        "boxes and arrows (limit 2000)",
    ),
    "network every unit": (
        lambda: symnet.diagram("64-64-10", max_units=10**6, max_edges=10**6),
        "lower max_units= and max_edges=",
    ),
    "report 1x30000": (lambda: build_report(DEEP_1), "layers (limit 30)"),
    "report 2x5000": (lambda: build_report(DEEP_2), "layers (limit 30)"),
    "report wide": (lambda: build_report(WIDE), "GiB of arrays (limit 4 GiB)"),
    "report big conv": (lambda: build_report(BIG_CONV), "GiB of arrays (limit 4 GiB)"),
    "train wide": (lambda: symnet.train(WIDE, "moons"), "~298 GiB of arrays (limit 4 GiB)"),
    "train conv": (lambda: symnet.train(CONV, "digits"), "GiB of arrays (limit 4 GiB)"),
    "train 1x30000": (lambda: symnet.train(DEEP_1, "sin"), "layers (limit 1000)"),
}


@pytest.mark.parametrize("call, words", LIBRARY_CASES.values(), ids=LIBRARY_CASES)
def test_the_library_refuses_before_building_in_one_line(call, words):
    start = time.perf_counter()
    with pytest.raises(SizeLimitError) as refused:
        call()
    assert time.perf_counter() - start < 2.0  # generous: the machine may be busy
    message = str(refused.value)
    assert words in message and "would have ~" in message and "\n" not in message
    assert len(message) < 400  # a 30,000-layer spec is shortened, not quoted in full


def test_a_spec_in_a_message_is_shortened_with_its_layer_count():
    with pytest.raises(SizeLimitError, match=r"-1-…1-1-.*1-1 \(30000 layers\) would have ~6e\+04"):
        guards.check_trace(DEEP_1, bias=False)
    assert parse_spec("3-2-2-1").abbreviated == "3-2-2-1"


@pytest.mark.parametrize(
    "guard",
    [
        lambda s: guards.check_trace(s, False),
        lambda s: guards.check_derivation(s, False),
        lambda s: guards.check_gradient_check(s, False),
        lambda s: guards.check_collapse(s, False, 20_000),
        lambda s: guards.check_diagram(s, "network", bias=False, max_units=40, max_edges=200),
        lambda s: guards.check_diagram(s, "gradient", bias=False, max_units=40, max_edges=200),
        lambda s: guards.check_diagram(s, "expression", bias=False, max_nodes=120),
        lambda s: guards.check_report(s, False),
        lambda s: guards.check_training(s),
    ],
    ids=[
        "trace",
        "derive",
        "verify",
        "collapse",
        "network",
        "gradient",
        "expression",
        "report",
        "train",
    ],
)
@pytest.mark.parametrize("width", ["1", "2", "100000"])
def test_every_guard_refuses_the_longest_command_line_spec_in_well_under_a_second(guard, width):
    """The longest spec a command line takes (one argument: 128 KiB) is parsed and refused."""
    spec = parse_spec("-".join([width] * (130_000 // (len(width) + 1))))
    start = time.perf_counter()
    with pytest.raises(SizeLimitError):
        guard(spec)
    assert time.perf_counter() - start < 1.0


@pytest.mark.parametrize(
    "guard",
    [
        lambda: guards.check_trace("4-8:relu-3:softmax", True),
        lambda: guards.check_derivation("64-64:relu-64:relu-10:softmax", False),
        lambda: guards.check_gradient_check("4-8:tanh-8:relu-3:softmax", True),
        lambda: guards.check_collapse("3-2-2-1", True, 20_000),
        lambda: guards.check_diagram("3-2-2-1", "network", bias=True, max_units=40, max_edges=200),
        lambda: guards.check_diagram("784-128:relu-10", "gradient", bias=True, max_units=40),
        lambda: guards.check_diagram("3-2:sigmoid-1", "expression", bias=True, max_nodes=120),
        lambda: guards.check_diagram(BIG_CONV, "conv", bias=True),  # a crop of one layer
        lambda: guards.check_report("784-128:relu-10:softmax", False),
        lambda: guards.check_training("1x8x8-conv16@3x3+same:relu-maxpool2-10:softmax", 1437),
    ],
)
def test_what_the_readme_shows_passes_its_guard(guard):
    guard()


def test_a_raised_max_terms_raises_the_limit_of_the_substitution_steps_too():
    spec = "100-100-100-1"
    with pytest.raises(SizeLimitError, match=r"~1e\+06 terms \(limit 20000\)"):
        guards.check_collapse(spec, False, 20_000)
    assert guards.check_collapse(spec, False, 10**6) == 10**6
    deep = "-".join(["1"] * 1001)  # one term, but ~L^2/2 leaves written step by step
    with pytest.raises(SizeLimitError, match=r"~5e\+05 leaves \(limit 100000\)"):
        guards.check_collapse(deep, False, 20_000)
    guards.check_collapse(deep, False, 2 * 10**5)


def test_substitution_refuses_nesting_deeper_than_sympy_can_recurse():
    relu = "-".join(["1"] + ["1:relu"] * 100)  # 200 levels: sympy.diff would hit the limit
    with pytest.raises(SizeLimitError, match=r"levels of nesting \(limit 120\)"):
        guards.check_substitution(relu, False, "the loss", "use the backprop deltas")
    guards.check_substitution("-".join(["1"] * 200), False, "chain", "")  # w200 ... w1 X1: flat


@pytest.mark.parametrize(
    "sections, trains",
    [
        (None, True),
        ("default", True),
        ("all", True),
        (" Training ", True),
        ("network,backprop", False),
        (("network", "training"), True),
        (("network",), False),
    ],
)
def test_a_report_guards_its_training_run_only_when_it_has_one(sections, trains):
    assert guards.wants_training(sections) is trains
    if trains:
        with pytest.raises(SizeLimitError, match="sections='network,backprop'"):
            guards.check_report(WIDE, False, sections)
    else:
        guards.check_report(WIDE, False, sections)


def test_training_counts_every_sample_once_the_data_is_known():
    spec = "784-512:relu-512:relu-10:softmax"
    guards.check_training(spec, 1)
    guards.check_training(spec, 60_000, "float32")
    with pytest.raises(SizeLimitError, match=r"on 1,000,000 samples would have .*batch_size="):
        guards.check_training(spec, 10**6)


@given(specs(max_layers=3, max_width=3), st.booleans(), st.integers(1, 30), st.integers(1, 60))
def test_the_diagram_size_is_what_the_network_and_gradient_views_draw(
    spec, bias, max_units, max_edges
):
    sizes = dict(bias=bias, max_units=max_units, max_edges=max_edges)
    for view in ("network", "gradient"):
        drawing = diagram(spec, view, **sizes)
        assert guards.diagram_size(spec, view, **sizes) == drawing.nodes + drawing.edges


@given(specs(max_layers=2, max_width=3), st.booleans(), st.integers(1, 200))
def test_the_expression_view_draws_at_most_its_estimate(spec, bias, max_nodes):
    drawing = diagram(spec, "expression", bias=bias, max_nodes=max_nodes)
    estimate = guards.diagram_size(spec, "expression", bias=bias, max_nodes=max_nodes)
    assert drawing.nodes + drawing.edges <= estimate + 2 * max_nodes  # "…" boxes and arrows


def test_the_readme_states_every_limit():
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Size limits")[1].split("\n## ")[0]
    limits = (
        guards.MAX_TRACE_EDGES,
        guards.MAX_DERIVE_EDGES,
        guards.MAX_CHECK_EDGES,
        guards.MAX_DRAWN,
        guards.MAX_REPORT_LAYERS,
        guards.MAX_TRAINING_LAYERS,
        guards.MAX_SUBSTITUTED_DEPTH,
    )
    assert all(f"| {limit:,}" in section or f" {limit} " in section for limit in limits)
    assert f"{guards.MAX_TRAINING_BYTES // 2**30} GiB" in section
    assert f"{guards.LEAVES_PER_TERM} per term" in section


def test_an_expression_cut_by_depth_alone_is_counted_once_built_before_graphviz():
    assert diagram("20-20-20-1", "expression", max_depth=2).nodes == 81  # no false refusal
    with pytest.raises(SizeLimitError, match=r"boxes and arrows \(limit 2000\); give a smaller"):
        diagram("20-20-20-1", "expression", max_depth=6)
