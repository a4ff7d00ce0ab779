"""The graph of a program: one node per statement, one edge per name read, partials by diff."""

from __future__ import annotations

import time

import pytest
import sympy as sp

from symnet.exceptions import SizeLimitError, SpecError
from symnet.graph.build import as_network, source_spec
from symnet.graph.guards import (
    check_collapse,
    check_derivation,
    check_diagram,
    check_program_text,
    check_report,
    check_substitution,
    check_training,
    diagram_size,
)
from symnet.graph.program import COMPUTED, LEAF, build_program
from symnet.graph.statements import (
    MAX_PROGRAM_EDGES,
    ProgramSpec,
    Statement,
    substituted_depth,
    substituted_size,
)
from symnet.parse.program import parse_program

RESIDUAL = "x, w1, b1, w2: leaf\nh = relu(w1*x + b1)\ny = x + w2*h"


def test_every_edge_carries_the_derivative_of_its_head_by_its_tail():
    net = build_program(parse_program(RESIDUAL))
    assert [net.kind(n) for n in net.topological_order()] == [LEAF] * 4 + [COMPUTED] * 2
    assert net.graph.number_of_nodes() == 6 and net.graph.number_of_edges() == 6
    for tail, head, partial in net.graph.edges(data="partial"):
        assert sp.simplify(partial - sp.diff(net.definition(head), sp.Symbol(tail))) == 0
    assert net.parameters == ("x", "w1", "b1", "w2") and net.inputs == ()
    assert net.loss_node == "y" and net.outputs == ("y",) and net.is_program


def test_leaves_are_what_gradients_are_taken_with_respect_to():
    net = build_program(parse_program(RESIDUAL))
    assert net.require_parameter("w1") == "w1"
    with pytest.raises(SpecError, match="unknown wrt='h': the leaves of program y"):
        net.require_parameter("h")
    twin = net.copy()
    assert twin.leaves == net.leaves and twin.is_program


def test_a_program_is_its_own_source_and_takes_no_loss():
    spec = parse_program(RESIDUAL)
    assert source_spec(spec, "seed", True) == (spec, "program", False)
    net = as_network(spec)
    assert as_network(net) is net
    with pytest.raises(SpecError, match="a loss is for layered networks: leave loss= out"):
        as_network(net, loss="mse")


def test_the_latex_names_match_the_text_names():
    net = build_program(parse_program("a = 1; c = a*2; c += 1; w1 = 3; y = c*w1"))
    assert net.latex_name("c_2") == "c_{2}" and net.latex_name("w1") == "w_{1}"
    assert net.latex(net.definition("y")) == "c_{2} w_{1}"


def test_sizes_are_counted_without_substituting():
    x = sp.Symbol("x")
    statements = [Statement("x", None, 1)]
    for k in range(1, 41):  # c_k = c_(k-1) * c_(k-1): 2**40 leaves once substituted
        previous = x if k == 1 else sp.Symbol(f"c{k - 1}")
        statements.append(Statement(f"c{k}", previous * (previous + 1)))
    spec = ProgramSpec(tuple(statements), "c40")
    assert substituted_size(spec) == 2**41 - 1 and substituted_depth(spec) == 80
    start = time.perf_counter()
    with pytest.raises(SizeLimitError, match=r"~2.2e\+12 leaves"):
        check_substitution(spec, False, "the substituted output", "use less")
    with pytest.raises(SizeLimitError):
        check_collapse(spec, False, 20_000)
    assert time.perf_counter() - start < 0.5


def test_every_guard_takes_a_program():
    spec = parse_program(RESIDUAL)
    check_derivation(spec, False)
    check_report(spec, False)
    check_diagram(spec, "gradient", bias=False)
    assert diagram_size(spec, "network", bias=False) == 6 + 6
    with pytest.raises(SpecError, match="training takes a layered spec"):
        check_training(spec)
    x = sp.Symbol("x")
    wide = ProgramSpec(
        (Statement("x", None, 1), *(Statement(f"y{k}", x * k) for k in range(3))), "y2"
    )
    check_derivation(wide, False)
    many = tuple(Statement(f"v{k}", None, 1) for k in range(1_000))
    total = sp.Add(*(sp.Symbol(s.name) for s in many))
    sums = tuple(Statement(f"s{k}", total * k) for k in range(1, MAX_PROGRAM_EDGES // 1_000 + 2))
    with pytest.raises(SizeLimitError, match="~1.1e\\+04 edges"):
        build_program(ProgramSpec((*many, *sums), sums[-1].name))


def test_the_text_guard_counts_statements_not_comments():
    check_program_text("# a comment\n" * 5_000 + "x = 1\ny = x")
    with pytest.raises(SizeLimitError, match="characters"):
        check_program_text("x" * 300_000)
