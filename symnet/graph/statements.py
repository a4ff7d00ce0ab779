"""A graph program as data: its statements, its leaves and their values, its output.

A graph program (``a = -4.0; b = 2.0; c = a + b; ...``) is any scalar computation written
as assignments; :mod:`symnet.parse.program` reads its text and
:func:`symnet.graph.program.build_program` turns it into a
:class:`~symnet.graph.network.Network`. What stands in ``Network.spec`` for a program is a
:class:`ProgramSpec`: the statements in program order (each a leaf or a node defined by a
SymPy expression over earlier names), and the output. Like
:class:`~symnet.graph.spec.NetworkSpec`, it is frozen, needs no SymPy to be measured, and
prints as a short one-line form in messages.

Its size is counted before anything is built (:func:`program_size`); the limits are here
and the guards of :mod:`symnet.graph.guards` apply them.

>>> import sympy as sp
>>> x = sp.Symbol("x")
>>> spec = ProgramSpec((Statement("x", None, 2), Statement("y", x * sp.sin(x))), "y")
>>> str(spec), spec.leaves, spec.edges, substituted_size(spec)
('program y(x)', ('x',), 1, 2)
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from symnet.exceptions import SpecError

__all__ = [
    "MAX_PROGRAM_STATEMENTS",
    "MAX_PROGRAM_EDGES",
    "MAX_PROGRAM_CHARACTERS",
    "Statement",
    "ProgramSpec",
    "substituted_size",
    "substituted_depth",
]

#: Most statements (leaves included) of one program: every statement is a node that every
#: feature prints, derives and draws.
MAX_PROGRAM_STATEMENTS = 2_000
#: Most edges (uses of an earlier name) of one program's graph.
MAX_PROGRAM_EDGES = 10_000
#: Most characters of a program's text, checked before it is split into statements.
MAX_PROGRAM_CHARACTERS = 200_000
#: Leaves named in the short form of a program; more are counted.
_SHOWN_LEAVES = 4


@dataclass(frozen=True)
class Statement:
    """One assignment: ``name`` (the node; ``c_2`` for the second value of ``c``) and its
    ``expression`` over earlier nodes (a SymPy expression), or None for a leaf.

    A leaf has a ``value`` (a SymPy number) or None (its value comes with ``at=`` or
    ``seed=``). ``line`` is the statement's line in the program text (from 1) and
    ``variable`` the name as the program writes it (``c`` for ``c_2``).
    """

    name: str
    expression: Any = None
    value: Any = None
    line: int = 0
    variable: str = ""

    @property
    def is_leaf(self) -> bool:
        return self.expression is None

    @property
    def uses(self) -> tuple[str, ...]:
        """The earlier nodes the expression reads, sorted by name (the node's in-edges)."""
        if self.expression is None or isinstance(self.expression, str):
            return ()
        return tuple(sorted(s.name for s in self.expression.free_symbols))


@dataclass(frozen=True)
class ProgramSpec:
    """A parsed graph program: ``statements`` in program order and the ``output`` node."""

    statements: tuple[Statement, ...]
    output: str

    @property
    def leaves(self) -> tuple[str, ...]:
        """The leaves in program order: what gradients are taken with respect to."""
        return tuple(s.name for s in self.statements if s.is_leaf)

    @property
    def values(self) -> dict[str, Any]:
        """Leaf -> its value, for the leaves that have one."""
        return {s.name: s.value for s in self.statements if s.is_leaf and s.value is not None}

    @property
    def edges(self) -> int:
        """Edges of the program's graph: one per name an expression reads."""
        return sum(len(s.uses) for s in self.statements)

    def statement(self, name: str) -> Statement:
        for s in self.statements:
            if s.name == name:
                return s
        raise SpecError(f"{name!r} is not a name of {self}; its names are {self._names()}")

    def _names(self) -> str:
        names = [s.name for s in self.statements]
        return ", ".join(names[:8]) + (", ..." if len(names) > 8 else "")

    def with_values(self, values: dict[str, Any]) -> ProgramSpec:
        """The same program with the leaves in ``values`` given those values (``at=``).

        >>> spec = ProgramSpec((Statement("x", None, 2),), "x")
        >>> spec.with_values({"x": 3}).values
        {'x': 3}
        """
        unknown = [name for name in values if name not in self.leaves]
        if unknown:
            raise SpecError(
                f"at= names {unknown[0]!r}, which is not a leaf of {self}; "
                f"its leaves are {', '.join(self.leaves) or 'none'}"
            )
        statements = tuple(
            dataclasses.replace(s, value=values[s.name]) if s.name in values else s
            for s in self.statements
        )
        return ProgramSpec(statements, self.output)

    @property
    def abbreviated(self) -> str:
        return str(self)

    def __str__(self) -> str:
        leaves = self.leaves
        shown = ", ".join(leaves[:_SHOWN_LEAVES])
        if len(leaves) > _SHOWN_LEAVES:
            shown += f", ... {len(leaves)} leaves"
        return f"program {self.output}({shown})"


def _measure(expression, known: dict[str, int], combine, atom: int) -> int:
    """Fold ``expression``'s tree bottom up: a symbol is ``known[name]``, any other leaf
    ``atom``, an operator ``combine(its arguments' measures)``. Iterative."""
    memo: dict[Any, int] = {}
    stack = [expression]
    while stack:
        node = stack[-1]
        if node in memo:
            stack.pop()
            continue
        pending = [a for a in node.args if a not in memo]
        if pending:
            stack.extend(pending)
            continue
        stack.pop()
        if node.is_Symbol:
            memo[node] = known.get(node.name, atom)
        else:
            memo[node] = combine([memo[a] for a in node.args]) if node.args else atom
    return memo[expression]


def substituted_size(spec: ProgramSpec) -> int:
    """Leaves of the output with every definition substituted, counted as a tree (exact).

    Each statement's tree with each name replaced by the size of that name's own tree:
    ``c = c * c`` repeated k times has 2**k leaves, counted without being built.
    """
    sizes: dict[str, int] = {}
    for s in spec.statements:
        sizes[s.name] = 1 if s.is_leaf else _measure(s.expression, sizes, sum, 1)
    return sizes.get(spec.output, 1)


def substituted_depth(spec: ProgramSpec) -> int:
    """Nesting depth (operators, root to leaf) of the substituted output."""
    depths: dict[str, int] = {}
    for s in spec.statements:
        depths[s.name] = 0 if s.is_leaf else _measure(s.expression, depths, _deeper, 0)
    return depths.get(spec.output, 0)


def _deeper(measures: list[int]) -> int:
    return 1 + max(measures)
