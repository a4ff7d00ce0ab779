"""Activations and losses from formulas: ``swish2 = z*sigmoid(z)``, ``logcosh = log(cosh(y-t))``.

A formula is read only by the whitelist parser (:func:`symnet.parse.expressions.parse_expression`,
with every limit it has: length, depth, exponent size); nothing the user typed is ever run as
Python. An activation is a formula in ``z``; a loss a formula in ``y`` (one output) and ``t``
(its target), summed over the outputs of a sample and averaged over the batch like the
built-in losses. ``abs`` becomes the real absolute value (derivative sign, sign(0) = 0).

:func:`formulas` parses texts and opens the scope (:func:`symnet.graph.registry.formula_scope`)
in which a spec and a loss may name them; it is public as ``symnet.formulas``:

>>> from symnet.graph.build import build_network
>>> with formulas(activations={"swish2": "z*sigmoid(z)"}):
...     build_network("1-1:swish2", names="indexed").definition("a1_1")
z1_1*sigmoid(z1_1)
>>> parse_formula_option("swish2 = z*sigmoid(z)")
('swish2', 'z*sigmoid(z)')
>>> with formulas(activations={"bad": "__import__('os')"}):
...     pass
Traceback (most recent call last):
...
symnet.exceptions.ParseError: the activation formula 'bad': cannot use '__import__': ...
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

import sympy as sp

from symnet.exceptions import ParseError, SpecError
from symnet.graph.functions import absolute
from symnet.graph.registry import (
    FORMULA_KINDS,
    Formula,
    Formulas,
    check_formula_name,
    formula_scope,
)
from symnet.parse.expressions import parse_expression

__all__ = ["formulas", "parse_formula", "parse_formula_option"]

#: Most formulas of each kind one scope may define.
MAX_FORMULAS = 32


def parse_formula(kind: str, name: str, text: str) -> Formula:
    """One formula ``kind`` (``"activation"`` in z, ``"loss"`` in y and t), parsed and checked.

    Raises
    ------
    SpecError
        A name that is not allowed (a built-in's, say).
    ParseError
        Text the whitelist parser refuses, one line naming the formula.
    """
    check_formula_name(name, kind)
    variables = FORMULA_KINDS[kind]
    try:
        expr = parse_expression(text, variables=variables)
    except ParseError as error:
        raise ParseError(f"the {kind} formula {name!r}: {error}") from None
    # NOTE: abs is the real absolute value, |z|' = sign(z): SymPy's Abs assumes complex z.
    expr = expr.replace(sp.Abs, absolute)
    used = sorted(str(s) for s in expr.free_symbols)
    if kind == "loss" and "y" not in used:
        raise ParseError(f"the loss formula {name!r} does not depend on y; write it in y and t")
    return Formula(kind, name, text, expr)


def parse_formula_option(text: str) -> tuple[str, str]:
    """``"NAME=EXPR"`` -> (NAME, EXPR), as ``--activation`` and ``--loss`` take them."""
    if not isinstance(text, str) or "=" not in text:
        raise SpecError(
            f"a formula is NAME=EXPR such as 'swish2=z*sigmoid(z)'; got {str(text)[:60]!r}"
        )
    name, _, expr = text.partition("=")
    return name.strip(), expr.strip()


@contextmanager
def formulas(
    activations: Mapping[str, str] | None = None, losses: Mapping[str, str] | None = None
) -> Iterator[Formulas]:
    """Parse formula activations (in z) and losses (in y, t) and name them within a ``with``.

    Inside the block, a spec may use an activation by its name (``2-16:swish2-1``) and a
    loss may be given by its name (``loss="logcosh"``), in every function of symnet; a
    model trained there keeps the formulas in its file, so it predicts and exports without
    them. A formula's derivative is ``sympy.diff`` of it; its NumPy form comes from the
    same printer as the built-in ones.

    Parameters
    ----------
    activations : mapping of str to str, optional
        Name -> formula in ``z``, e.g. ``{"swish2": "z*sigmoid(z)"}``.
    losses : mapping of str to str, optional
        Name -> formula in ``y`` and ``t`` for one output, e.g. ``{"l4": "(y - t)**4"}``.

    Raises
    ------
    SpecError, ParseError
        One line: a name that is taken or malformed, a formula the parser refuses.
    """
    parsed = []
    for kind, given in (("activation", activations or {}), ("loss", losses or {})):
        if not isinstance(given, Mapping):
            raise SpecError(f"{kind} formulas are a mapping name -> text such as {{'f': 'z**2'}}")
        if len(given) > MAX_FORMULAS:
            raise SpecError(f"at most {MAX_FORMULAS} {kind} formulas; got {len(given)}")
        parsed += [parse_formula(kind, name, text) for name, text in given.items()]
    with formula_scope(parsed) as scope:
        yield scope
