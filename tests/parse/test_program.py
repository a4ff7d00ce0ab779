"""Graph programs read from text: statements, leaves, rebinding, output, and every refusal."""

from __future__ import annotations

import time

import pytest
import sympy as sp

from symnet.exceptions import ParseError, SizeLimitError, SpecError
from symnet.graph.statements import MAX_PROGRAM_STATEMENTS
from symnet.parse.program import Program, parse_program

MICROGRAD = """\
a = -4.0
b = 2.0
c = a + b
d = a*b + b**3
c += c + 1
c += 1 + c + (-a)
d += d*2 + relu(b + a)
d += 3*d + relu(b - a)
e = c - d
f = e**2
g = f/2.0
g += 10.0/f
"""


def test_micrograd_reads_as_leaves_rebound_nodes_and_an_output():
    spec = parse_program(MICROGRAD)
    names = [s.name for s in spec.statements]
    assert names == ["a", "b", "c", "d", "c_2", "c_3", "d_2", "d_3", "e", "f", "g", "g_2"]
    assert spec.leaves == ("a", "b") and spec.output == "g_2"
    assert spec.values == {"a": -4.0, "b": 2.0}
    c, c_2, a = sp.symbols("c c_2 a")
    assert spec.statement("c_2").expression == 2 * c + 1  # c += c + 1 reads the old c
    assert spec.statement("c_3").expression == 2 * c_2 + 1 - a
    assert spec.statement("c_3").variable == "c" and spec.statement("c_3").line == 6


def test_semicolons_comments_declarations_and_exact_values():
    spec = parse_program("x, w: leaf  # two leaves\nb = 1/3; z = w*x + b  # a neuron\n")
    assert spec.leaves == ("x", "w", "b") and spec.values == {"b": sp.Rational(1, 3)}
    assert spec.statement("z").expression == sp.Symbol("w") * sp.Symbol("x") + sp.Symbol("b")


def test_plain_reassignment_rebinds_like_augmented_assignment():
    spec = parse_program("x = 2; y = x*x; y = y + x; y *= 3")
    assert [s.name for s in spec.statements] == ["x", "y", "y_2", "y_3"]
    assert spec.statement("y_3").expression == 3 * sp.Symbol("y_2")


def test_a_generated_name_skips_a_name_the_program_uses():
    spec = parse_program("x = 2; c_2 = x; c = x; c -= 1")
    assert [s.name for s in spec.statements] == ["x", "c_2", "c", "c_3"]


def test_output_and_at():
    spec = parse_program("x: leaf; y = x**2; z = y + 1", output="y", at={"x": "0.5"})
    assert spec.output == "y" and spec.values == {"x": 0.5}
    assert parse_program("x = 1; c = x; c += 1", output="c").output == "c_2"  # the latest c
    assert parse_program("x = 1; c = x; c += 1", output="c").statement("c").expression
    with pytest.raises(SpecError, match="output='q' is not a name of the program"):
        parse_program("x = 1; y = x", output="q")
    with pytest.raises(SpecError, match="at= names 'y', which is not a leaf"):
        parse_program("x = 1; y = x", at={"y": 2})


def test_every_activation_of_the_table_and_max_min_are_functions():
    spec = parse_program("x = 0.3; y = gelu(x) + silu(x) + softplus(x) + max(x, 0) - min(x, 1)")
    text = str(spec.statement("y").expression)
    for name in ("GELU", "SiLU", "softplus", "Max", "Min"):
        assert name in text, (name, text)


def test_the_name_e_is_euler_s_number_until_a_program_assigns_it():
    assert parse_program("x = 1; y = e*x").statement("y").expression == sp.E * sp.Symbol("x")
    spec = parse_program("x = 1; e = x + 1; y = e*x")
    assert spec.statement("y").expression == sp.Symbol("e") * sp.Symbol("x")


BAD_PROGRAMS = {
    "syntax": ("x = 1; y = x +", ParseError, "line 1, column 1[0-9]: cannot parse 'x \\+'"),
    "unclosed": ("x = 1\ny = (x", ParseError, "line 2, column 5: cannot parse '\\(x'"),
    "caret": ("x = 1\nz = x ^ 2", ParseError, "line 2, column 5: the operator BitXor"),
    "unknown name": ("x = 1; y = x + q", ParseError, "line 1, column 16: unknown name 'q'"),
    "use before assignment": (
        "y = q * 2\nq = 1",
        ParseError,
        "line 1, column 5: 'q' is used before it is assigned \\(on line 2\\)",
    ),
    "redefined leaf": ("x = 1; x = 2; y = x", ParseError, "line 1, column 8: x is already"),
    "updated leaf": ("x = 1; x += 1; y = x", ParseError, "line 1, column 8: x is a leaf"),
    "declared twice": ("x: leaf; x: leaf; y = x", ParseError, "column 10: x is already"),
    "update before assignment": ("x = 1; c += 1", ParseError, "column 8: c \\+= ... updates c"),
    "keyword": ("x = 1; lambda = 2", ParseError, "'lambda' is a Python keyword"),
    "function name": ("x = 1; relu = x", ParseError, "'relu' is the name of a function"),
    "delta name": ("x = 1; delta_x = x", ParseError, "starts with delta_"),
    "not an assignment": ("x = 1; 3 + 4", ParseError, "column 8: cannot read '3 \\+ 4'"),
    "comparison": ("x = 1; y == x", ParseError, "cannot read"),
    "exponent": ("x = 1; y = x ** 1000", ParseError, "the exponent '1000' is too large"),
    "max of one": ("x = 1; y = max(x)", ParseError, "max\\(\\) takes exactly two arguments"),
    "softmax": ("x = 1; y = softmax(x)", ParseError, "cannot use 'softmax'"),
    "import": ("x = 1; y = __import__('os')", ParseError, "cannot use '__import__'"),
    "attribute": ("x = 1; y = x.real", ParseError, "attribute access"),
    "non-ASCII": ("x = 1; y = ｘ", ParseError, "is not allowed; use plain ASCII"),
    "empty": ("# nothing\n\n", ParseError, "the program has no statements"),
    "only leaves": ("x = 1", SpecError, "the output 'x' is a leaf"),
    "empty expression": ("x = 1; y =", ParseError, "line 1, column 11: the expression is empty"),
    "division by zero": ("x = 1/0; y = x", ParseError, "undefined"),
}


@pytest.mark.parametrize("text, error, message", BAD_PROGRAMS.values(), ids=BAD_PROGRAMS.keys())
def test_a_bad_program_is_one_line_naming_where(text, error, message):
    with pytest.raises(error, match=message) as caught:
        parse_program(text)
    assert "\n" not in str(caught.value)


def test_every_attack_string_is_refused_in_a_program_and_nothing_runs(monkeypatch):
    import builtins

    from tests.test_parse import ATTACKS

    def boom(*args, **kwargs):
        raise AssertionError("eval or exec was called")

    monkeypatch.setattr(builtins, "eval", boom)
    monkeypatch.setattr(builtins, "exec", boom)
    for attack in ATTACKS:
        with pytest.raises((ParseError, SpecError, SizeLimitError)) as caught:
            parse_program(f"x = 1\ny = {attack}")
        assert "\n" not in str(caught.value)


def test_a_million_statements_are_refused_at_once():
    start = time.perf_counter()
    with pytest.raises(SizeLimitError, match="the program would have"):
        parse_program("x = 1\n" + "x = x + 1\n" * 1_000_000)
    with pytest.raises(SizeLimitError, match=f"statements \\(limit {MAX_PROGRAM_STATEMENTS}\\)"):
        parse_program("x = 1; " + "y = x; " * (MAX_PROGRAM_STATEMENTS + 1))
    assert time.perf_counter() - start < 1.0


def test_the_python_builder_reads_like_the_text():
    g = Program()
    g.leaf("a", -4.0)
    g.leaf("b", 2.0)
    assert g.let("c", "a + b") == "c"
    assert g.let("c", "c * b") == "c_2"
    assert g.spec() == parse_program("a = -4.0; b = 2.0; c = a + b; c = c * b").__class__(
        g.spec().statements, "c_2"
    )
    net = g.network()
    assert net.parameters == ("a", "b") and net.loss_node == "c_2"
    with pytest.raises(ParseError, match="line 5, column 1: unknown name 'q'"):
        g.let("d", "q")
    with pytest.raises(SpecError, match="a name is letters"):
        g.let("1x", "a")
    assert Program.parse("x: leaf; y = x").spec(at={"x": 2}).values == {"x": 2}
