"""Number literals typed by a user: trace inputs, weights, exact values.

A literal is an integer, a decimal, a number in scientific notation or a fraction ``p/q``;
nothing else (no names, no operators: :func:`symnet.parse.expressions.parse_number` reads
constant expressions such as ``2*pi/3``). Integers and fractions stay exact.

>>> parse_assignments(["w1=-1", "w2=1/3"])
{'w1': -1, 'w2': 1/3}
>>> as_number(2), as_number(0.5), as_number("1/9")
(2, 0.500000000000000, 1/9)
"""

from __future__ import annotations

import re

import numpy as np
import sympy as sp

from symnet.exceptions import SpecError

__all__ = ["MAX_LITERAL_LENGTH", "parse_literal", "parse_assignments", "as_number"]

#: The longest literal read: a number token is measured before it is converted, so a
#: 5,000-digit fraction never meets Python's int-string limit.
MAX_LITERAL_LENGTH = 64
# Patterns as text (``re`` caches them): this module calls nothing named compile.
_LITERAL = r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?"
_FRACTION = r"([+-]?\d+)/(\d+)"


def parse_literal(text: str, what: str = "value") -> sp.Number:
    """A number literal from a user string: integer, decimal, scientific or fraction ``p/q``.

    Integers and fractions stay exact (SymPy Rational); decimals become Floats. Nothing
    else is accepted: no names and no operators (:func:`parse_number` reads constant
    expressions such as ``2*pi/3``).

    >>> parse_literal("-1"), parse_literal("1/9"), parse_literal("0.5")
    (-1, 1/9, 0.500000000000000)
    """
    text = text.strip()
    if len(text) > MAX_LITERAL_LENGTH:
        raise SpecError(
            f"{what} {text[:20]!r}... has {len(text)} characters (limit {MAX_LITERAL_LENGTH}); "
            "write a shorter number"
        )
    fraction = re.fullmatch(_FRACTION, text)
    if fraction:
        if int(fraction.group(2)) == 0:
            raise SpecError(f"{what} {text!r} divides by zero")
        return sp.Rational(int(fraction.group(1)), int(fraction.group(2)))
    if not re.fullmatch(_LITERAL, text):
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
            values[name] = parse_literal(value, f"value of {name}")
    return values


def as_number(value) -> sp.Number:
    """A SymPy number from an int (exact), a float, a SymPy number or a user string."""
    if isinstance(value, str):
        return parse_literal(value)
    if isinstance(value, bool):
        raise SpecError(f"expected a number, got {value!r}")
    if isinstance(value, (int, np.integer)):
        return sp.Integer(int(value))
    if isinstance(value, (float, np.floating)):
        return sp.Float(float(value))
    if isinstance(value, sp.Number):
        return value
    raise SpecError(f"expected a number, got {value!r}")
