"""Numeric trace: a network evaluated at given inputs and weights, node by node.

Every unit shows its formula, the numbers substituted into it, its pre-activation z and
its activation a, as the notes trace one input through ReLU::

    X1 = 5  ->  z_y = w1 X1 = (-1)(5) = -5  ->  y = ReLU(z_y) = ReLU(-5) = 0

Values are exact where the inputs are (integers, fractions) and floats otherwise. A graph
program is traced statement by statement, at its leaves' values::

    statement 3: c = a + b = (-4) + (2) = -2

>>> result = trace("1-1:relu", inputs=[5], weights={"w1": -1})
>>> [(row.name, row.z, row.a) for row in result.rows]
[('y', -5, 0)]
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from symnet.exceptions import SpecError
from symnet.graph.build import as_network, source_spec
from symnet.graph.guards import check_trace
from symnet.graph.network import Network
from symnet.graph.notation import format_number, notes_factors
from symnet.graph.spec import NetworkSpec
from symnet.graph.statements import ProgramSpec
from symnet.numeric.forward import forward_values
from symnet.numeric.points import leaf_values, random_point
from symnet.numeric.trace_format import trace_text
from symnet.parse import as_number

__all__ = ["Trace", "TraceRow", "trace"]


@dataclass
class TraceRow:
    """One unit: ``z`` its weighted sum, ``a`` its output (equal to z for a linear unit).

    A program's row is one statement: ``layer`` its number in the program (leaves
    included, from 1), ``z`` = ``a`` its value.
    """

    layer: int
    name: str
    z_name: str
    formula: sp.Expr
    numbers: str
    z: sp.Expr
    activation: str
    a: sp.Expr


@dataclass
class Trace:
    """A network evaluated at one input; ``rows`` in layer order."""

    network: Network
    inputs: dict[str, sp.Expr]
    parameters: dict[str, sp.Expr]
    rows: list[TraceRow]

    @property
    def outputs(self) -> dict[str, sp.Expr]:
        return {row.name: row.a for row in self.rows if row.name in self.network.outputs}

    def __str__(self) -> str:
        return trace_text(self)


def trace(
    spec: str | NetworkSpec | ProgramSpec | Network,
    inputs=None,
    weights: dict | None = None,
    seed: int | None = None,
    names: str = "seed",
    bias: bool = False,
) -> Trace:
    """Evaluate a network at ``inputs``, showing every unit's formula and values.

    Parameters
    ----------
    spec : str, NetworkSpec, ProgramSpec or Network
    inputs : sequence of numbers, one per input (a graph program has none)
    weights : dict name -> number, every parameter (or None with ``seed``); for a program,
        values for its leaves, replacing the program's own
    seed : int, random weights in [-1, 1] with two decimals when ``weights`` is None; for
        a program, for the leaves without a value
    """
    parsed, names, bias = source_spec(spec, names, bias)
    check_trace(parsed, bias)  # before anything is built
    network = as_network(spec, names=names, bias=bias)
    if network.is_program:
        if inputs:
            raise SpecError(f"{network.spec} has no inputs: give its leaves' values as weights=")
        return _program_trace(network, weights or {}, seed)
    if inputs is None:
        raise SpecError(f"give inputs=, one value for each of {', '.join(network.inputs)}")
    inputs = [as_number(x) for x in inputs]
    if len(inputs) != len(network.inputs):
        raise SpecError(
            f"inputs= has {len(inputs)} values but {network.spec} takes {len(network.inputs)} "
            f"({', '.join(network.inputs)})"
        )
    parameters = _check_parameters(network, weights, seed)
    values = forward_values(
        network, {**dict(zip(network.inputs, inputs)), **parameters}, exact=True
    )
    rows = []
    for layer in network.layers:
        for unit, z in zip(layer.units, layer.sums):
            formula = network.definition(z)
            rows.append(
                TraceRow(
                    layer.index,
                    unit,
                    z,
                    formula,
                    _numbers(formula, values, network),
                    values[z],
                    layer.activation,
                    values[unit],
                )
            )
    return Trace(network, dict(zip(network.inputs, inputs)), parameters, rows)


def _program_trace(network: Network, weights: dict, seed: int | None) -> Trace:
    """A graph program statement by statement at its leaves' values (``weights`` first)."""
    unknown = sorted(set(weights) - set(network.leaves))
    if unknown:
        raise SpecError(
            f"{unknown[0]!r} is not a leaf of {network.spec}; its leaves are "
            f"{', '.join(network.leaves)}"
        )
    point = {**leaf_values(network, seed), **weights}
    values = forward_values(network, {k: as_number(v) for k, v in point.items()}, exact=True)
    rows = []
    for number, node in enumerate(network.topological_order(), start=1):
        formula = network.definition(node)
        if formula is None:
            continue
        shown = {s: sp.Symbol(f"({format_number(values[s.name])})") for s in formula.free_symbols}
        numbers = sp.sstr(formula.xreplace(shown), order="none")
        value = values[node]
        rows.append(TraceRow(number, node, node, formula, numbers, value, "identity", value))
    leaves = {leaf: values[leaf] for leaf in network.leaves}
    return Trace(network, leaves, {}, rows)


def _check_parameters(network: Network, weights: dict | None, seed: int | None) -> dict:
    if weights is None:
        if seed is None:
            raise SpecError("give every parameter's value in weights=, or seed= for random ones")
        # NOTE: two decimals keep the trace readable (the "trace" scheme of random_point).
        drawn = random_point(network, seed, "trace")
        return {p: sp.Float(float(value)) for p, value in drawn.items()}
    unknown = sorted(set(weights) - set(network.parameters))
    if unknown:
        raise SpecError(
            f"unknown parameter {unknown[0]!r} for {network.spec}; its parameters are "
            f"{', '.join(network.parameters[:12])}{', ...' if len(network.parameters) > 12 else ''}"
        )
    missing = [p for p in network.parameters if p not in weights]
    if missing:
        raise SpecError(
            f"missing values for {', '.join(missing[:8])}{', ...' if len(missing) > 8 else ''}; "
            "give every parameter in weights=, or seed= for random ones"
        )
    return {p: as_number(weights[p]) for p in network.parameters}


def _numbers(formula: sp.Expr, values: dict, network: Network) -> str:
    """The formula with each symbol replaced by its value in parentheses: (-1)(5) + (2)(3)."""
    return " + ".join(
        "".join(f"({format_number(_value(f, values))})" for f in factors)
        for factors in notes_factors(formula, network)
    )


def _value(factor: sp.Expr, values: dict):
    """A factor's value: a node's own, or a compound factor (a pool of pixels) evaluated."""
    if str(factor) in values:
        return values[str(factor)]
    return factor.xreplace({s: values[s.name] for s in factor.free_symbols}).doit()
