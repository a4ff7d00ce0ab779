"""Numeric trace: a network evaluated at given inputs and weights, node by node.

Every unit shows its formula, the numbers substituted into it, its pre-activation z and
its activation a, as the notes trace one input through ReLU::

    X1 = 5  ->  z_y = w1 X1 = (-1)(5) = -5  ->  y = ReLU(z_y) = ReLU(-5) = 0

Values are exact where the inputs are (integers, fractions) and floats otherwise.

>>> result = trace("1-1:relu", inputs=[5], weights={"w1": -1})
>>> [(row.name, row.z, row.a) for row in result.rows]
[('y', -5, 0)]
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import sympy as sp

from symnet.exceptions import SpecError
from symnet.graph.build import build_network
from symnet.graph.network import Network
from symnet.graph.spec import NetworkSpec

__all__ = [
    "Trace",
    "TraceRow",
    "trace",
    "evaluate",
    "as_number",
    "parse_number",
    "parse_assignments",
]

_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_FRACTION = re.compile(r"([+-]?\d+)/(\d+)")


def parse_number(text: str, what: str = "value") -> sp.Number:
    """A number from a user string: integer, decimal, scientific or fraction ``p/q``.

    Integers and fractions stay exact (SymPy Rational); decimals become Floats. Nothing
    else is accepted (no expressions).

    >>> parse_number("-1"), parse_number("1/9"), parse_number("0.5")
    (-1, 1/9, 0.500000000000000)
    """
    text = text.strip()
    fraction = _FRACTION.fullmatch(text)
    if fraction:
        if int(fraction.group(2)) == 0:
            raise SpecError(f"{what} {text!r} divides by zero")
        return sp.Rational(int(fraction.group(1)), int(fraction.group(2)))
    if not _NUMBER.fullmatch(text) or len(text) > 64:
        raise SpecError(f"{what} {text!r} is not a number; write e.g. 5, -1, 0.25, 1e-3 or 1/9")
    if re.fullmatch(r"[+-]?\d+", text):
        return sp.Integer(int(text))
    value = float(text)
    if not np.isfinite(value):
        raise SpecError(f"{what} {text!r} is not a finite number")
    return sp.Float(text)


def parse_assignments(items: list[str] | tuple[str, ...]) -> dict[str, sp.Number]:
    """``["w1=-1", "w2=0.5"]`` -> ``{"w1": -1, "w2": 0.5}``, one-line errors on bad items."""
    values = {}
    for item in items:
        for piece in item.split(","):
            name, sep, value = piece.partition("=")
            name = name.strip()
            if not sep or not name:
                raise SpecError(f"weight {piece!r} must look like NAME=VALUE, e.g. w1=-1")
            values[name] = parse_number(value, f"value of {name}")
    return values


def evaluate(network: Network, inputs, parameters: dict) -> dict[str, sp.Expr]:
    """Every node's value (exact SymPy numbers where possible) at the given point."""
    values = {sp.Symbol(n): as_number(v) for n, v in zip(network.inputs, inputs)}
    values.update({sp.Symbol(n): as_number(v) for n, v in parameters.items()})
    result = {}
    for node in network.topological_order():
        definition = network.definition(node)
        symbol = sp.Symbol(node)
        if definition is not None:
            value = definition.xreplace(values)
            # Exact where SymPy keeps it exact (ReLU(-5) = 0); sigmoid(2), tanh(1) as floats.
            values[symbol] = value if value.is_Number else value.evalf()
        result[node] = values.get(symbol, symbol)
    return result


def as_number(value) -> sp.Number:
    """A SymPy number from an int (exact), a float, a SymPy number or a user string."""
    if isinstance(value, str):
        return parse_number(value)
    if isinstance(value, bool):
        raise SpecError(f"expected a number, got {value!r}")
    if isinstance(value, (int, np.integer)):
        return sp.Integer(int(value))
    if isinstance(value, (float, np.floating)):
        return sp.Float(float(value))
    if isinstance(value, sp.Number):
        return value
    raise SpecError(f"expected a number, got {value!r}")


@dataclass
class TraceRow:
    """One unit: ``z`` its weighted sum, ``a`` its output (equal to z for a linear unit)."""

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
        from symnet.graph.notation import trace_text

        return trace_text(self)


def _random_parameters(network: Network, seed: int) -> dict[str, sp.Expr]:
    # Two decimals keep the trace readable.
    rng = np.random.default_rng(seed)
    draws = np.round(rng.uniform(-1, 1, len(network.parameters)), 2)
    return {p: sp.Float(float(d)) for p, d in zip(network.parameters, draws)}


def trace(
    spec: str | NetworkSpec | Network,
    inputs,
    weights: dict | None = None,
    seed: int | None = None,
    names: str = "seed",
    bias: bool = False,
) -> Trace:
    """Evaluate a network at ``inputs``, showing every unit's formula and values.

    Parameters
    ----------
    spec : str, NetworkSpec or Network
    inputs : sequence of numbers, one per input
    weights : dict name -> number, every parameter (or None with ``seed``)
    seed : int, random weights in [-1, 1] with two decimals when ``weights`` is None
    """
    network = spec if isinstance(spec, Network) else build_network(spec, names=names, bias=bias)
    inputs = [as_number(x) for x in inputs]
    if len(inputs) != len(network.inputs):
        raise SpecError(
            f"--inputs has {len(inputs)} values but {network.spec} takes {len(network.inputs)} "
            f"({', '.join(network.inputs)})"
        )
    parameters = _check_parameters(network, weights, seed)
    values = evaluate(network, inputs, parameters)
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


def _check_parameters(network: Network, weights: dict | None, seed: int | None) -> dict:
    if weights is None:
        if seed is None:
            raise SpecError(
                "give the weights (--weights NAME=VALUE ...) or --seed N for random ones"
            )
        return _random_parameters(network, seed)
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
            "give every parameter with --weights NAME=VALUE, or use --seed N"
        )
    return {p: as_number(weights[p]) for p in network.parameters}


def _numbers(formula: sp.Expr, values: dict, network: Network) -> str:
    """The formula with each symbol replaced by its value in parentheses: (-1)(5) + (2)(3)."""
    from symnet.graph.notation import format_number, notes_factors

    return " + ".join(
        "".join(f"({format_number(values[str(f)])})" for f in factors)
        for factors in notes_factors(formula, network)
    )
