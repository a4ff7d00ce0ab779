"""The size guard of every command: what it would build, estimated from the spec first.

Each command that takes a spec calls its guard before it builds anything (the library
function first thing, and the command line before it even imports SymPy), so a network
too large for the command is refused in a fraction of a second with one line naming the
estimate, the limit and the way out. The estimates are those of :mod:`symnet.graph.size`;
the limits are here, one table for every command:

============================ =============================================================
command (library function)   what is estimated, against which limit
============================ =============================================================
trace (``trace``)            scalar-graph edges, :data:`MAX_TRACE_EDGES`
derive (``derive``)          scalar-graph edges, :data:`MAX_DERIVE_EDGES`
verify (``check_gradients``) scalar-graph edges, :data:`MAX_CHECK_EDGES`
collapse (``collapse``)      expansion terms, ``max_terms``; substitution leaves,
                             :data:`LEAVES_PER_TERM` x ``max_terms``; nesting depth
render (``diagram``)         boxes and arrows drawn, :data:`MAX_DRAWN`; expression view:
                             substituted size and nesting depth
report (``build_report``)    layers, :data:`MAX_REPORT_LAYERS`; the training run's arrays
train (``train``)            layers, :data:`MAX_TRAINING_LAYERS`; array bytes,
                             :data:`MAX_TRAINING_BYTES`
============================ =============================================================

A graph program (:class:`~symnet.graph.statements.ProgramSpec`) is one guard for every
command (:func:`check_program`: its statements and edges; the expression view and
``sympy.diff`` its substituted size and depth as well); its text is measured before it is
parsed (:func:`check_program_text`). Training refuses a program: it has no data to fit.

NOTE: each limit keeps an accepted command to seconds (timed on a busy two-core machine:
deriving every gradient of the 17,892 edges of 64-64:relu-64:relu-10:softmax takes about
12 s, Graphviz lays out 2,000 boxes and arrows in a few seconds and 5,000 in a minute).
A guard reads only the spec, so it answers at once however large the network.

>>> check_trace("3-2-2-1", bias=False)
>>> check_derivation("100000-1", bias=False)
Traceback (most recent call last):
...
symnet.exceptions.SizeLimitError: the scalar graph of 100000-1 would have ~2e+05 edges ...
"""

from __future__ import annotations

from symnet.exceptions import SpecError
from symnet.graph.size import (
    MAX_SUBSTITUTED_DEPTH,
    MAX_SUBSTITUTED_SIZE,
    MAX_SUBSTITUTION_WORK,
    check_expansion,
    graph_edges,
    graph_nodes,
    require_at_most,
    substituted_depth,
    substituted_size,
    substitution_leaves,
    substitution_work,
    training_bytes,
)
from symnet.graph.spec import NetworkSpec, parse_spec
from symnet.graph.statements import (
    MAX_PROGRAM_CHARACTERS,
    MAX_PROGRAM_EDGES,
    MAX_PROGRAM_STATEMENTS,
    ProgramSpec,
)
from symnet.graph.statements import substituted_depth as program_depth
from symnet.graph.statements import substituted_size as program_size

__all__ = [
    "LEAVES_PER_TERM",
    "MAX_CHECK_EDGES",
    "MAX_DERIVE_EDGES",
    "MAX_DRAWN",
    "MAX_REPORT_LAYERS",
    "MAX_TRACE_EDGES",
    "MAX_TRAINING_BYTES",
    "MAX_TRAINING_LAYERS",
    "check_collapse",
    "check_derivation",
    "check_diagram",
    "check_gradient_check",
    "check_program",
    "check_program_text",
    "check_report",
    "check_substitution",
    "check_trace",
    "check_training",
    "diagram_size",
    "draws_every_unit",
    "wants_training",
]

#: A trace lists every unit's numbers, computed and printed through SymPy: ~5 s.
MAX_TRACE_EDGES = 10_000
#: Symbolic backprop over every edge, the chain rule and their proof: ~10 s at the limit.
MAX_DERIVE_EDGES = 20_000
#: The generated code and the finite differences grow with parameters x edges: ~10 s.
MAX_CHECK_EDGES = 6_000
#: Boxes and arrows one diagram may draw: Graphviz lays out 2,000 in a few seconds and
#: 5,000 (a full 64-64-10 network) in about a minute.
MAX_DRAWN = 2_000
#: Leaves the collapse's substitution steps may write per term of ``max_terms``.
LEAVES_PER_TERM = 5
#: Layers a report shows layer by layer (equations, rules, diagrams, a gradient check and a
#: training run, each of which costs per layer): a report of 30 takes seconds, of 100 a minute.
MAX_REPORT_LAYERS = 30
#: Layers of the generated training code (a few ms of code generation per layer).
MAX_TRAINING_LAYERS = 1_000
#: Bytes of the arrays of a training run (:func:`symnet.graph.size.training_bytes`).
MAX_TRAINING_BYTES = 4 * 2**30
_SMALLER = "a narrower network with the same layers (each rule is the same at every width)"


Spec = str | NetworkSpec | ProgramSpec
_PROGRAM_HINT = "split the computation into smaller programs"


def check_program_text(text: str) -> None:
    """A program's text: its characters and statements, counted before it is parsed.

    >>> check_program_text("x = 1; " * 3000)
    Traceback (most recent call last):
    ...
    symnet.exceptions.SizeLimitError: the program would have ~3e+03 statements (limit 2000); ...
    """
    length = len(text)
    require_at_most(length, MAX_PROGRAM_CHARACTERS, "the program", _PROGRAM_HINT, "characters")
    # NOTE: an upper bound (a ';' inside a comment counts too), linear in the text.
    lines = sum(1 for line in text.splitlines() if line.strip()[:1] not in ("", "#"))
    statements = lines + text.count(";")
    require_at_most(statements, MAX_PROGRAM_STATEMENTS, "the program", _PROGRAM_HINT, "statements")


def check_program(spec: ProgramSpec) -> None:
    """The guard of every command given a graph program: its statements and edges."""
    what = f"the graph of {spec}"
    require_at_most(len(spec.statements), MAX_PROGRAM_STATEMENTS, what, _PROGRAM_HINT, "nodes")
    require_at_most(spec.edges, MAX_PROGRAM_EDGES, what, _PROGRAM_HINT, "edges")


def _scalar_graph(spec: Spec, bias: bool, limit: int, hint: str) -> None:
    if isinstance(spec, ProgramSpec):
        check_program(spec)
        return
    spec = parse_spec(spec)
    what = f"the scalar graph of {spec.abbreviated}"
    require_at_most(graph_edges(spec, bias), limit, what, hint, "edges")


def check_trace(spec: Spec, bias: bool) -> None:
    """The guard of ``trace``: the scalar graph it evaluates and prints unit by unit."""
    hint = f"trace {_SMALLER}, e.g. 4-8:relu-3:softmax"
    _scalar_graph(spec, bias, MAX_TRACE_EDGES, hint)


def check_derivation(spec: Spec, bias: bool) -> None:
    """The guard of ``derive``: the scalar graph whose every partial it derives."""
    hint = f"derive {_SMALLER}, or train it with the layer-level rules (symnet train)"
    _scalar_graph(spec, bias, MAX_DERIVE_EDGES, hint)


def check_gradient_check(spec: Spec, bias: bool) -> None:
    """The guard of ``check_gradients`` (``verify``): the scalar graph it compiles."""
    hint = f"check {_SMALLER}, e.g. 4-8:relu-3:softmax"
    _scalar_graph(spec, bias, MAX_CHECK_EDGES, hint)


def check_substitution(spec: Spec, bias: bool, what: str, hint: str) -> None:
    """An output with every definition substituted: its leaves, the leaves written on the
    way (every node is substituted into the next) and its nesting depth."""
    if isinstance(spec, ProgramSpec):
        check_program(spec)
        what = f"{what} of {spec}"
        depth = program_depth(spec)
        require_at_most(depth, MAX_SUBSTITUTED_DEPTH, what, hint, "levels of nesting")
        require_at_most(program_size(spec), MAX_SUBSTITUTED_SIZE, what, hint, "leaves")
        return
    spec = parse_spec(spec)
    what = f"{what} of {spec.abbreviated}"
    # NOTE: the depth first: it is linear in the layers, while the sizes of a deep network
    # are numbers of thousands of digits (exact, but slower to reach).
    depth = substituted_depth(spec, bias)
    require_at_most(depth, MAX_SUBSTITUTED_DEPTH, what, hint, "levels of nesting")
    require_at_most(substituted_size(spec, bias), MAX_SUBSTITUTED_SIZE, what, hint, "leaves")
    work = substitution_work(spec, bias)
    require_at_most(work, MAX_SUBSTITUTION_WORK, what, hint, "leaves written on the way")


def check_collapse(spec: Spec, bias: bool, max_terms: int) -> int:
    """The guard of ``collapse``: its expansion, its substitution steps and their depth.

    Returns the terms of the expansion. ``max_terms`` is the user's limit: raising it
    raises the limit of the steps too (:data:`LEAVES_PER_TERM` leaves per term). A
    program's expansion is counted once its output is substituted (0 is returned).
    """
    if isinstance(spec, ProgramSpec):
        hint = "use a smaller program, or max_terms= to raise the limit"
        check_substitution(spec, bias, "the substituted output", hint)
        require_at_most(program_size(spec), LEAVES_PER_TERM * max_terms, "the output", hint)
        return 0
    spec = parse_spec(spec)
    terms = check_expansion(spec, bias, max_terms)
    hint = "use a smaller network, or max_terms= to raise the limit"
    what = f"the substitution steps of {spec.abbreviated}"
    leaves = substitution_leaves(spec, bias)
    require_at_most(leaves, LEAVES_PER_TERM * max_terms, what, hint, "leaves")
    depth = substituted_depth(spec, bias)
    hint = "use a network with fewer layers (substituting is recursive)"
    require_at_most(depth, MAX_SUBSTITUTED_DEPTH, what, hint, "levels of nesting")
    return terms


def draws_every_unit(spec: NetworkSpec, bias: bool, max_units: int, max_edges: int) -> bool:
    """True when the network and gradient views draw every unit, not one box per layer:
    at most ``max_units`` units (inputs included) and ``max_edges`` weights and biases."""
    return sum(spec.widths) <= max_units and spec.parameter_count(bias) <= max_edges


def diagram_size(
    spec: Spec,
    view: str,
    *,
    bias: bool,
    max_units: int = 0,
    max_edges: int = 0,
    max_nodes: int | None = None,
) -> int:
    """Boxes and arrows ``view`` draws of ``spec`` (the expression view: at most).

    The network view draws every unit and one ``+1`` box per layer with biases, an arrow
    per weight and bias; the gradient view every node and edge of the scalar graph with
    its loss; either one box per layer instead above ``max_units`` or ``max_edges``
    (:func:`draws_every_unit`). The expression view draws at most ``max_nodes``
    operators of the substituted expression (all of them when None), with as many arrows.
    A program's network and gradient views draw its every node and edge.
    """
    if isinstance(spec, ProgramSpec):
        if view == "expression":
            return 2 * min(program_size(spec), max_nodes or MAX_DRAWN)
        return len(spec.statements) + spec.edges
    spec = parse_spec(spec)
    layers = len(spec.layers)
    if view == "expression":
        return 2 * min(substituted_size(spec, bias), max_nodes or MAX_DRAWN)
    if not draws_every_unit(spec, bias, max_units, max_edges):
        return 2 * layers + (1 if view == "network" else 3)  # the boxes, an arrow between
    if view == "network":
        return sum(spec.widths) + (layers if bias else 0) + spec.parameter_count(bias)
    return graph_nodes(spec, bias, "mse") + graph_edges(spec, bias, "mse")  # any loss: as many


def check_diagram(
    spec: Spec,
    view: str,
    *,
    bias: bool,
    max_units: int = 0,
    max_edges: int = 0,
    max_nodes: int | None = None,
) -> None:
    """The guard of a diagram: :func:`diagram_size` at most :data:`MAX_DRAWN`.

    The expression view first refuses an expression too large to substitute
    (:func:`check_substitution`); cut by depth alone (``max_nodes`` None), what it draws
    is counted once the expression is built, before Graphviz draws it. The conv view
    draws a crop of one layer: always small.
    """
    if not isinstance(spec, ProgramSpec):
        spec = parse_spec(spec)
    if view == "expression":
        hint = "draw a smaller network, or draw this one with view='network' or view='gradient'"
        check_substitution(spec, bias, "the substituted expression", hint)
        if max_nodes is None:
            return
        hint = f"lower max_nodes= to at most {MAX_DRAWN // 2}, or give max_depth="
    elif view not in ("network", "gradient"):
        return
    elif isinstance(spec, ProgramSpec):
        check_program(spec)
        hint = _PROGRAM_HINT
    elif draws_every_unit(spec, bias, max_units, max_edges):
        hint = "lower max_units= and max_edges= to draw one box per layer"
    else:
        hint = "draw a network with fewer layers"
    drawn = diagram_size(
        spec, view, bias=bias, max_units=max_units, max_edges=max_edges, max_nodes=max_nodes
    )
    what = f"the {view} diagram of {spec.abbreviated}"
    require_at_most(drawn, MAX_DRAWN, what, hint, "boxes and arrows")


def wants_training(sections) -> bool:
    """True when a report's ``sections`` (text joined by commas, or keys) hold the run."""
    items = sections.split(",") if isinstance(sections, str) else list(sections or ["default"])
    return any(item.strip().lower() in ("default", "all", "training") for item in items)


def check_training(spec: Spec, rows: int = 1, dtype: str = "float64") -> None:
    """The guard of ``train``: the generated code's layers and the arrays of ``rows`` samples.

    Called with one row before any data is read, and again with the training set's rows.
    A graph program is refused: it is one computation at its leaves' values, with no
    inputs to read from data.
    """
    if isinstance(spec, ProgramSpec):
        raise SpecError(
            f"training takes a layered spec such as '2-16:relu-1:sigmoid'; {spec} is one "
            "computation at its leaves' values, with no inputs to read from data: derive, "
            "trace or verify it instead"
        )
    way_out = "batch_size= and fewer samples, or " if rows > 1 else ""
    _training(parse_spec(spec), rows, dtype, f"use {way_out}a smaller network")


def _training(spec: NetworkSpec, rows: int, dtype: str, hint: str) -> None:
    what = f"the layer-level training code of {spec.abbreviated}"
    way_out = "use a network with fewer layers"
    require_at_most(len(spec.layers), MAX_TRAINING_LAYERS, what, way_out, "layers")
    itemsize = 4 if dtype == "float32" else 8
    what = f"training {spec.abbreviated} on {rows:,} sample{'s' if rows != 1 else ''}"
    estimate = training_bytes(spec, rows, itemsize)
    require_at_most(estimate, MAX_TRAINING_BYTES, what, hint, "bytes of arrays")


def check_report(spec: Spec, bias: bool, sections=None) -> None:
    """The guard of ``build_report``: the layers it writes out, and its training run.

    Parts too large for the scalar graph fall back to the layer-level form by themselves;
    that form has a few rows per layer, and the training run must fit in memory. A
    program's report has no training run: its size is its graph's.
    """
    if isinstance(spec, ProgramSpec):
        check_program(spec)
        return
    spec = parse_spec(spec)
    what = f"the report of {spec.abbreviated}"
    hint = "report on a network with fewer layers"
    require_at_most(len(spec.layers), MAX_REPORT_LAYERS, what, hint, "layers")
    if wants_training(sections):
        hint = "use a smaller network, or leave the training run out: sections='network,backprop'"
        _training(spec, 1, "float64", hint)
