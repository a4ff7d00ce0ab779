"""The collapse of a graph program: a linear program is one linear function of its leaves.

As stacked linear layers collapse into one linear map (:mod:`symnet.expressivity.collapse`),
a program whose every statement is linear in the leaves collapses into one expression
``c0 + c1 leaf1 + c2 leaf2 + ...``: :func:`collapse_program` substitutes the statements
into the output one at a time, from the output back, expands the result and reads off each
leaf's coefficient. A program that is not linear does not collapse: the refusal names the
first statement that breaks linearity and why (a product of leaves, a power, a
non-linear function such as ReLU), its witness.

>>> from symnet.parse.program import parse_program
>>> result = collapse_program(parse_program("x, w: leaf; h = 3*x - w; y = x + 2*h + 1"))
>>> result.expanded, result.coefficients
(-2*w + 7*x + 1, {'x': 7, 'w': -2})
>>> collapse_program(parse_program("x, w: leaf; h = relu(x - w); y = 2*h"))
Traceback (most recent call last):
...
symnet.exceptions.SpecError: program y(x, w) does not collapse into one linear function ...
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from symnet.exceptions import SpecError
from symnet.graph.build import as_network
from symnet.graph.guards import check_collapse
from symnet.graph.network import Network
from symnet.graph.size import MAX_EXPANSION_TERMS
from symnet.graph.statements import ProgramSpec

__all__ = [
    "ProgramCollapse",
    "collapse_program",
    "program_collapse_dict",
    "program_collapse_latex",
    "program_collapse_markdown",
    "program_collapse_text",
]


@dataclass
class ProgramCollapse:
    """A linear program collapsed: the output after each substitution, its expansion, and
    each leaf's coefficient (``constant``: the term with no leaf)."""

    network: Network
    steps: list[tuple[str, sp.Expr]]  # (the name substituted, the output after it)
    expanded: sp.Expr
    coefficients: dict[str, sp.Expr]
    constant: sp.Expr


def _why_not_linear(value: sp.Expr, leaves: list[sp.Symbol]) -> str | None:
    """Why ``value`` (in the leaves) is not affine in them; None when it is."""
    functions = sorted({type(f).__name__ for f in value.atoms(sp.Function)})
    if functions:
        return f"it applies {', '.join(functions)}, which is not linear"
    if not value.is_polynomial(*leaves):
        return "it divides by a leaf or raises one to a non-whole power"
    degree = sp.Poly(value, *leaves).total_degree() if leaves else 0
    if degree > 1:
        return f"it is of degree {degree} in the leaves (a product or power of leaves)"
    return None


def collapse_program(
    program: ProgramSpec | Network, max_terms: int = MAX_EXPANSION_TERMS
) -> ProgramCollapse:
    """Collapse a linear graph program into one linear function of its leaves.

    Raises
    ------
    SpecError
        One line naming the first statement that is not linear in the leaves, and why.
    SizeLimitError
        An output too large to substitute (``max_terms`` raises the limit).
    """
    spec = program.spec if isinstance(program, Network) else program
    if not isinstance(spec, ProgramSpec):
        raise SpecError(f"{spec} is not a graph program; collapse it with collapse()")
    check_collapse(spec, False, max_terms)
    network = as_network(program)
    leaves = [sp.Symbol(leaf) for leaf in network.leaves]
    values: dict[sp.Symbol, sp.Expr] = {}
    for statement in spec.statements:
        if statement.is_leaf:
            continue
        value = sp.expand(statement.expression.xreplace(values))
        why = _why_not_linear(value, leaves)
        if why is not None:
            raise SpecError(
                f"{spec} does not collapse into one linear function of its leaves: line "
                f"{statement.line}, {statement.name} = {statement.expression}, is not linear: "
                f"{why}; derive, trace or verify it instead"
            )
        values[sp.Symbol(statement.name)] = value
    steps = []
    output = sp.Symbol(spec.output)
    expr: sp.Expr = output
    for name in reversed(network.topological_order()):
        symbol, definition = sp.Symbol(name), network.definition(name)
        if definition is not None and symbol in expr.free_symbols:
            expr = expr.xreplace({symbol: definition})
            steps.append((name, expr))
    expanded = values[output]
    coefficients = {leaf.name: expanded.coeff(leaf) for leaf in leaves}
    constant = expanded.xreplace(dict.fromkeys(leaves, sp.S.Zero))
    return ProgramCollapse(network, steps, expanded, coefficients, constant)


def program_collapse_text(result: ProgramCollapse) -> str:
    """The substitutions, the expansion and the coefficients, as text."""
    net = result.network
    end = str(net.loss_node)
    lines = [f"Collapse of {net.spec}: one linear function of its leaves"]
    for index, (name, expr) in enumerate(result.steps):
        lines.append(f"  {end} = {expr}" + (f"   ({name} substituted)" if index else ""))
    lines.append(f"Expanded: {end} = {result.expanded}")
    coefficients = ", ".join(f"{leaf}: {c}" for leaf, c in result.coefficients.items())
    lines.append(f"Coefficients: {coefficients}; constant {result.constant}")
    return "\n".join(lines)


def program_collapse_latex(result: ProgramCollapse) -> str:
    net = result.network
    end = net.naming.latex(str(net.loss_node))
    rows = [rf"{end} &= {net.latex(expr)}" for _, expr in result.steps]
    rows.append(rf"&= {net.latex(result.expanded)}")
    return r"\begin{aligned}" + r" \\ ".join(rows) + r"\end{aligned}"


def program_collapse_markdown(result: ProgramCollapse) -> str:
    return f"## Collapse of `{result.network.spec}`\n\n$$\n{program_collapse_latex(result)}\n$$\n"


def program_collapse_dict(result: ProgramCollapse) -> dict:
    net = result.network
    return {
        "spec": str(net.spec),
        "output": net.loss_node,
        "linear": True,
        "steps": [f"{net.loss_node} = {e}" for _, e in result.steps],
        "expanded": str(result.expanded),
        "coefficients": {leaf: str(c) for leaf, c in result.coefficients.items()},
        "constant": str(result.constant),
    }
