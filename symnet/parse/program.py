"""Graph programs: any scalar computation, written as assignments, read without running it.

A program is one assignment per line (or several joined by ``;``), with ``#`` comments::

    # micrograd's README example
    a = -4.0
    b = 2.0
    c = a + b
    d = a*b + b**3
    c += c + 1          # a new node c_2 = c + c + 1; later lines read c_2 as c
    ...

* ``name = NUMBER`` (or any constant expression such as ``pi/4``) makes a **leaf** with
  that value: an input or a parameter, what gradients are taken with respect to;
* ``x, w1, b: leaf`` declares leaves without values: they take them from ``at=`` (the
  command line's ``--at x=1,w1=0.5``) or at random from ``seed=``;
* ``name = EXPRESSION`` defines a node from earlier names: numbers, ``+ - * / **``,
  parentheses, the functions of :func:`symnet.parse.expressions.functions` (``sin``,
  ``exp``, ``relu``, ``sigmoid``, every elementwise activation of the table, ``max`` and
  ``min`` of two arguments) and the constants ``pi`` and ``e`` (until a program assigns
  ``e`` itself);
* ``c += EXPRESSION`` (and ``-=``, ``*=``, ``/=``), or assigning ``c`` again, makes a new
  node: the second value of ``c`` is the node ``c_2``, the third ``c_3`` (in text, in
  LaTeX as :math:`c_{2}` and on the diagrams alike); later lines read ``c`` as the latest.
  A leaf keeps its one value: gradients are taken with respect to it.

The output is the last name assigned, or ``output=``. Nothing is evaluated as Python: each
expression goes through the whitelist parser, with its limits (length, depth, exponents);
the whole text is measured first (:func:`symnet.graph.guards.check_program_text`). A bad
program is one :class:`~symnet.exceptions.ParseError` naming the line and column.

>>> spec = parse_program("a = -4.0; b = 2.0; c = a + b; c += c * b")
>>> [s.name for s in spec.statements], spec.output, spec.values
(['a', 'b', 'c', 'c_2'], 'c_2', {'a': -4.00000000000000, 'b': 2.00000000000000})
>>> spec.statement("c_2").expression
b*c + c
>>> parse_program("x: leaf\\ny = x + q")
Traceback (most recent call last):
...
symnet.exceptions.ParseError: line 2, column 9: unknown name 'q' (names allowed here: x, ...
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Mapping

import sympy as sp

from symnet.exceptions import ParseError, SpecError, SymnetError
from symnet.graph.functions import absolute
from symnet.graph.guards import check_program, check_program_text
from symnet.graph.network import Network
from symnet.graph.program import build_program
from symnet.graph.statements import ProgramSpec, Statement
from symnet.parse.expressions import MAX_LENGTH, functions, parse_expression
from symnet.parse.literals import as_number

__all__ = ["Program", "parse_program", "MAX_NAME_LENGTH"]

#: Longest name a program may assign.
MAX_NAME_LENGTH = 32
_NAME = r"[A-Za-z][A-Za-z0-9_]*"
# Patterns as text (``re`` caches them): the parser package calls nothing named compile.
_DECLARATION = rf"\s*({_NAME}(?:\s*,\s*{_NAME})*)\s*:\s*leaf\s*"
_ASSIGNMENT = rf"\s*({_NAME})\s*([-+*/]?=)(?!=)"
_FORMS = "write NAME = EXPRESSION, NAME += EXPRESSION or NAMES: leaf (e.g. x, w: leaf)"
_AUGMENTED = {"+=": "+", "-=": "-", "*=": "*", "/=": "/"}


def _where(line: int, column: int) -> str:
    return f"line {line}, column {column}"


class _Reader:
    """The statements read so far, and what each name the program writes stands for."""

    def __init__(self) -> None:
        self.statements: list[Statement] = []
        self.current: dict[str, str] = {}  # the name as written -> its latest node
        self.symbols: dict[str, sp.Symbol] = {}  # the name as written -> its node's symbol
        self.lines: dict[str, int] = {}  # node -> the line that made it
        self.leaves: set[str] = set()
        self.later: dict[str, int] = {}  # every name the whole text assigns -> its first line

    # ---- names ----
    def check_name(self, name: str, line: int, column: int) -> None:
        problem = None
        if len(name) > MAX_NAME_LENGTH:
            problem = f"the name {name[:20]!r}... is longer than {MAX_NAME_LENGTH} characters"
        elif keyword.iskeyword(name) or keyword.issoftkeyword(name):
            problem = f"{name!r} is a Python keyword"
        elif name in functions() or name == "pi":
            problem = f"{name!r} is the name of a function or constant"
        elif name.startswith("delta_"):
            problem = f"{name!r} starts with delta_, which names backprop's cached deltas"
        if problem:
            raise ParseError(f"{_where(line, column)}: {problem}; choose another name")
        if name in self.leaves:
            raise ParseError(
                f"{_where(line, column)}: {name} is a leaf (line {self.lines[name]}) and keeps "
                f"its one value, since gradients are taken with respect to it; "
                f"give the new value another name, e.g. {name}2"
            )

    def new_node(self, name: str, line: int, column: int) -> str:
        """The node a new value of ``name`` is: ``name``, then ``name_2``, ``name_3``..."""
        self.check_name(name, line, column)
        node, k = name, 1
        while node in self.lines:
            k += 1
            node = f"{name}_{k}"
        return node

    # ---- statements ----
    def declare(self, names: list[str], line: int, column: int, value=None) -> None:
        for name in names:
            if name in self.current:
                raise ParseError(
                    f"{_where(line, column)}: {name} is already defined on line "
                    f"{self.lines[self.current[name]]}; a leaf is declared once, before its use"
                )
            self.check_name(name, line, column)
            self.add(Statement(name, None, value, line, name), name)
            self.leaves.add(name)

    def assign(
        self, name: str, operator: str, text: str, line: int, column: int, start: int = 1
    ) -> str:
        """``name OPERATOR text`` at ``line`` (``start``: the name's column; ``column``:
        where ``text`` starts)."""
        if operator != "=" and name not in self.current:
            raise ParseError(
                f"{_where(line, start)}: {name} {operator} ... updates {name}, which is not "
                f"assigned before line {line}; assign it first ({name} = ...)"
            )
        expression = self.expression(text, line, column)
        if operator != "=":
            previous = sp.Symbol(self.current[name])
            expression = _combine(previous, _AUGMENTED[operator], expression)
        if not expression.free_symbols:  # a constant: a leaf with that value
            if name in self.current:
                raise ParseError(
                    f"{_where(line, start)}: {name} is already defined on line "
                    f"{self.lines[self.current[name]]}; a leaf is given its value once"
                )
            self.declare([name], line, start, value=_value(expression, line, column))
            return name
        node = self.new_node(name, line, start)
        self.add(Statement(node, expression, None, line, name), name)
        return node

    def expression(self, text: str, line: int, column: int) -> sp.Expr:
        stripped = text.strip()
        column += len(text) - len(text.lstrip())
        if not stripped:
            raise ParseError(f"{_where(line, column)}: the expression is empty; {_FORMS}")
        try:
            expression = parse_expression(stripped, self.symbols)
        except ParseError as error:
            at = column + (error.column - 1 if error.column else 0)
            message = str(error)
            if error.unknown is not None and error.unknown in self.later:
                first = self.later[error.unknown]
                message = (
                    f"{error.unknown!r} is used before it is assigned (on line {first}); "
                    "assign it first"
                )
            raise ParseError(f"{_where(line, at)}: {message}") from None
        # NOTE: abs is the real absolute value, |u|' = sign(u) (sign(0) = 0, as PyTorch):
        # SymPy's Abs assumes a complex u, and its derivative speaks of re and im.
        return expression.replace(sp.Abs, absolute)

    def add(self, statement: Statement, name: str) -> None:
        self.statements.append(statement)
        self.current[name] = statement.name
        self.symbols[name] = sp.Symbol(statement.name)
        self.lines[statement.name] = statement.line

    def spec(self, output: str | None) -> ProgramSpec:
        if not self.statements:
            raise ParseError(f"the program has no statements; {_FORMS}")
        node = self.statements[-1].name if output is None else self.output(output)
        spec = ProgramSpec(tuple(self.statements), node)
        if spec.statement(node).is_leaf:
            raise SpecError(
                f"the output {node!r} is a leaf: a program computes its output from its "
                "leaves; end it with an assignment such as y = ..., or give output="
            )
        check_program(spec)
        return spec

    def output(self, name: str) -> str:
        if name in self.current:
            return self.current[name]
        if name in self.lines:
            return name
        shown = ", ".join(self.current) or "none"
        raise SpecError(f"output={name!r} is not a name of the program; its names are {shown}")


def _combine(previous: sp.Expr, operator: str, value: sp.Expr) -> sp.Expr:
    if operator == "+":
        return previous + value
    if operator == "-":
        return previous - value
    if operator == "*":
        return previous * value
    return previous / value


def _value(expression: sp.Expr, line: int, column: int) -> sp.Expr:
    """A leaf's value: exact when the program writes it exactly (1/3), else a float."""
    if expression.is_Rational or expression.is_Float:
        return expression
    try:
        return sp.Float(float(expression))
    except (TypeError, ValueError):  # the parser admits only real, finite constants
        raise ParseError(f"{_where(line, column)}: the value is not a real number") from None


def _statements(text: str):
    """(line, column, statement text) of every statement: lines split at ``;``, comments cut."""
    for number, line in enumerate(text.splitlines(), start=1):
        code = line.partition("#")[0]
        column = 1
        for piece in code.split(";"):
            if piece.strip():
                yield number, column, piece
            column += len(piece) + 1


def _assigned(text: str) -> dict[str, int]:
    """Every name the text assigns or declares -> the line it first does."""
    names: dict[str, int] = {}
    for line, _, piece in _statements(text):
        declaration = re.fullmatch(_DECLARATION, piece)
        assignment = re.match(_ASSIGNMENT, piece)
        found = declaration.group(1).split(",") if declaration else []
        found += [assignment.group(1)] if assignment and not declaration else []
        for name in found:
            names.setdefault(name.strip(), line)
    return names


def _read_text(reader: _Reader, text: str, first_line: int = 0) -> None:
    check_program_text(text)
    reader.later = _assigned(text)
    for line, column, piece in _statements(text):
        _read(reader, first_line + line, column, piece)


def _read(reader: _Reader, line: int, column: int, piece: str) -> None:
    if len(piece) > MAX_LENGTH + 40:
        raise ParseError(
            f"{_where(line, column)}: the statement has {len(piece)} characters "
            f"(limit {MAX_LENGTH} for an expression); split it into several statements"
        )
    declaration = re.fullmatch(_DECLARATION, piece)
    if declaration:
        names = [n.strip() for n in declaration.group(1).split(",")]
        reader.declare(names, line, column + len(piece) - len(piece.lstrip()))
        return
    assignment = re.match(_ASSIGNMENT, piece)
    if assignment is None:
        start = column + len(piece) - len(piece.lstrip())
        shown = piece.strip()[:30]
        raise ParseError(f"{_where(line, start)}: cannot read {shown!r}; {_FORMS}")
    name, operator = assignment.groups()
    rest = piece[assignment.end() :]
    start = column + assignment.start(1)
    reader.assign(name, operator, rest, line, column + assignment.end(), start)


def parse_program(
    text: str, *, output: str | None = None, at: Mapping[str, object] | None = None
) -> ProgramSpec:
    """Read a graph program into a :class:`~symnet.graph.statements.ProgramSpec`.

    Parameters
    ----------
    text : str
        The program (see the module docstring).
    output : str, optional
        The node to differentiate (a name as written: its latest node); default: the
        last one assigned.
    at : mapping name -> number, optional
        Values for leaves (declared ones, or to replace a value the program gives).

    Raises
    ------
    ParseError
        A statement that cannot be read, one line naming its line and column.
    SizeLimitError
        A text above :data:`~symnet.graph.statements.MAX_PROGRAM_CHARACTERS` characters
        or :data:`~symnet.graph.statements.MAX_PROGRAM_STATEMENTS` statements, before it
        is read.
    """
    if not isinstance(text, str):
        raise ParseError(f"a program is text such as 'x = 2; y = x**2', got {type(text).__name__}")
    reader = _Reader()
    _read_text(reader, text)
    spec = reader.spec(output)
    if at:
        spec = spec.with_values({name: as_number(value) for name, value in at.items()})
    return spec


class Program:
    """A graph program built from Python, statement by statement, or read from text.

    ``leaf`` and ``let`` return the node's name, to use in later expressions;
    :meth:`network` builds the graph every feature takes.

    >>> g = Program()
    >>> a, b = g.leaf("a", -4.0), g.leaf("b", 2.0)
    >>> c = g.let("c", "a + b")
    >>> g.let("c", "c * b")  # a second value of c: the node c_2
    'c_2'
    >>> net = g.network()
    >>> net.definition("c_2"), net.parameters
    (b*c, ('a', 'b'))
    >>> Program("x: leaf; y = sin(x)").spec(at={"x": 0}).values
    {'x': 0}
    """

    def __init__(self, text: str | None = None) -> None:
        self._reader = _Reader()
        self._lines = 0
        if text is not None:
            if not isinstance(text, str):
                raise ParseError(f"a program is text such as 'x = 2; y = x**2', not {text!r}")
            _read_text(self._reader, text)
            self._lines = text.count("\n") + 1

    @classmethod
    def parse(cls, text: str) -> Program:
        """The program of ``text`` (see :func:`parse_program`)."""
        return cls(text)

    def leaf(self, name: str, value: object = None) -> str:
        """Add leaf ``name`` with ``value`` (a number; None: given later with ``at=``)."""
        self._lines += 1
        number = None if value is None else as_number(value)
        self._reader.declare([name], self._lines, 1, number)
        return name

    def let(self, name: str, expression: str) -> str:
        """Assign ``expression`` (text, over earlier names) to ``name``; returns its node."""
        self._lines += 1
        if not isinstance(name, str) or re.fullmatch(_NAME, name) is None:
            raise SpecError(f"a name is letters, digits and _, a letter first; got {name!r}")
        if not isinstance(expression, str):
            raise ParseError(f"an expression is text such as 'a * b'; got {expression!r}")
        return self._reader.assign(name, "=", expression, self._lines, 1)

    def spec(self, output: str | None = None, at: Mapping[str, object] | None = None):
        """The :class:`~symnet.graph.statements.ProgramSpec` so far."""
        spec = self._reader.spec(output)
        if at:
            spec = spec.with_values({name: as_number(value) for name, value in at.items()})
        return spec

    def network(self, output: str | None = None, at: Mapping[str, object] | None = None) -> Network:
        """The program's graph (:func:`symnet.graph.program.build_program`)."""
        return build_program(self.spec(output, at))

    def __repr__(self) -> str:
        try:
            return f"Program({str(self.spec())!r})"
        except SymnetError:
            return "Program(<empty>)"
