"""The whitelist parser: what a user types becomes SymPy without ever running as Python.

* :mod:`symnet.parse.expressions`: functions of x and constant expressions, read with
  :func:`ast.parse` and walked through a whitelist (``sin(x) + x**2/4``, ``-pi,pi``);
* :mod:`symnet.parse.literals`: plain number literals (``5``, ``-0.25``, ``1/9``) and
  ``NAME=VALUE`` assignments.

>>> from symnet.parse import parse_expression, parse_literal
>>> parse_expression("relu(x - 1/2)"), parse_literal("1/9")
(ReLU(x - 1/2), 1/9)
"""

from symnet.parse.expressions import (
    CONSTANTS,
    FUNCTIONS,
    MAX_DEPTH,
    MAX_DIGITS,
    MAX_EXPONENT,
    MAX_LENGTH,
    parse_expression,
    parse_interval,
    parse_number,
)
from symnet.parse.literals import as_number, parse_assignments, parse_literal

__all__ = [
    "CONSTANTS",
    "FUNCTIONS",
    "MAX_DEPTH",
    "MAX_DIGITS",
    "MAX_EXPONENT",
    "MAX_LENGTH",
    "as_number",
    "parse_assignments",
    "parse_expression",
    "parse_interval",
    "parse_literal",
    "parse_number",
]
