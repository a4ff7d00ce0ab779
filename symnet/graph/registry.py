"""The names an activation or a loss may have, read without SymPy.

Three kinds of name:

* the built-in ones (:data:`ACTIVATION_NAMES`, :data:`LOSS_NAMES`), whose definitions are
  the rows of :data:`symnet.graph.activations.ACTIVATIONS` and :func:`symnet.graph.losses.add_loss`;
* ``leaky_relu`` with its slope for z < 0 written after the name: ``leaky_relu0.2`` has
  slope 1/5, plain ``leaky_relu`` the default 1/100 (:func:`leaky_slope`);
* the **formulas of the current scope**: an activation ``swish2 = z*sigmoid(z)`` or a loss
  ``logcosh = log(cosh(y - t))`` that the user typed. :func:`formula_scope` opens a scope
  (a context manager) around one command or one block of code; inside it, a spec may say
  ``2-16:swish2-1`` and a loss may be named ``logcosh``. The scope holds each formula's
  text and its parsed SymPy expression; the parsing (the whitelist parser) is
  :mod:`symnet.parse.formula_text`, a floor above.

Spec parsing reads this module on every command, so it imports no SymPy.

>>> canonical_activation("leaky_relu0.20"), leaky_slope("leaky_relu0.2")
('leaky_relu0.2', Fraction(1, 5))
>>> canonical_activation("swish")
'silu'
>>> with formula_scope([Formula("activation", "swish2", "z*sigmoid(z)", None)]):
...     canonical_activation("swish2")
'swish2'
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from types import MappingProxyType

from symnet.exceptions import SpecError

__all__ = [
    "ACTIVATION_NAMES",
    "ACTIVATION_ALIASES",
    "LOSS_NAMES",
    "LEAKY_SLOPE_TEXT",
    "Formula",
    "Formulas",
    "canonical_activation",
    "check_formula_name",
    "current_formulas",
    "formula_scope",
    "leaky_slope",
]

# The activation names a spec may use, in the order they are listed in messages.
ACTIVATION_NAMES = (
    "identity",
    "relu",
    "leaky_relu",
    "sigmoid",
    "tanh",
    "softmax",
    "softplus",
    "elu",
    "selu",
    "gelu",
    "gelu_tanh",
    "silu",
    "mish",
)
ACTIVATION_ALIASES = {"linear": "identity", "leakyrelu": "leaky_relu", "swish": "silu"}
LOSS_NAMES = ("mse", "bce", "ce", "mae", "huber")

# NOTE: plain leaky_relu has the usual default slope 1/100 for z < 0.
LEAKY_SLOPE_TEXT = "0.01"
_LEAKY = re.compile(r"leaky_?relu([0-9]*\.?[0-9]+)")
_MAX_SLOPE_CHARACTERS = 10
_FORMULA_NAME = re.compile(r"[a-z][a-z0-9_]{0,31}")
FORMULA_KINDS = {"activation": ("z",), "loss": ("y", "t")}


def leaky_slope(name: str) -> Fraction:
    """The slope for z < 0 of ``leaky_relu`` or ``leaky_relu<slope>`` (a canonical name)."""
    match = _LEAKY.fullmatch(name)
    return Fraction(match.group(1) if match else LEAKY_SLOPE_TEXT)


def _canonical_leaky(name: str) -> str | None:
    """``leaky_relu0.20`` -> ``leaky_relu0.2``; None when ``name`` is not of that form."""
    match = _LEAKY.fullmatch(name)
    if match is None:
        return None
    text = match.group(1)
    if len(text) > _MAX_SLOPE_CHARACTERS:
        raise ValueError(f"the slope of {name[:40]!r} has more than 10 characters")
    try:
        slope = Decimal(text)
    except InvalidOperation:  # the pattern admits only decimals; kept for safety
        raise ValueError(f"{name!r} has no valid slope") from None
    if not 0 < slope < 1:
        raise ValueError(f"the slope of leaky_relu must be between 0 and 1, got {text}")
    shown = format(slope.normalize(), "f")
    return "leaky_relu" if shown == LEAKY_SLOPE_TEXT else f"leaky_relu{shown}"


def canonical_activation(name: str) -> str:
    """The canonical activation name for ``name`` (lower case), or ``ValueError`` (the problem).

    Built-in names and aliases, ``leaky_relu<slope>`` with 0 < slope < 1, and the formula
    activations of the current scope.
    """
    name = ACTIVATION_ALIASES.get(name, name)
    if name in ACTIVATION_NAMES or name in current_formulas().activations:
        return name
    leaky = _canonical_leaky(name)
    if leaky is None:
        allowed = ", ".join(ACTIVATION_NAMES)
        formulas = ", ".join(current_formulas().activations)
        also = f", the formulas {formulas}" if formulas else ""
        raise ValueError(
            f"is not one of {allowed}, leaky_reluS with a slope 0 < S < 1 (leaky_relu0.2){also}"
            " or a formula (activation='NAME=EXPR in z')"
        )
    return leaky


@dataclass(frozen=True)
class Formula:
    """A user's formula: an ``activation`` in z or a ``loss`` in y and t, with its name.

    ``text`` is what the user typed (kept for model files and messages); ``expr`` the SymPy
    expression the whitelist parser built from it (None only in doctests here).
    """

    kind: str
    name: str
    text: str
    expr: object = field(compare=False)

    @property
    def key(self) -> tuple[str, str, str]:
        """What identifies the formula in caches: kind, name and the parsed expression."""
        return (self.kind, self.name, str(self.expr))


@dataclass(frozen=True)
class Formulas:
    """The formulas of one scope: activation and loss name -> :class:`Formula`."""

    activations: Mapping[str, Formula] = field(default_factory=lambda: MappingProxyType({}))
    losses: Mapping[str, Formula] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def key(self) -> tuple:
        """A hashable summary for caches keyed by activation or loss names."""
        every = (*self.activations.values(), *self.losses.values())
        return tuple(sorted(formula.key for formula in every))

    def texts(self) -> dict[str, dict[str, str]]:
        """``{"activations": {name: text}, "losses": {name: text}}`` (for model files)."""
        return {
            "activations": {n: f.text for n, f in self.activations.items()},
            "losses": {n: f.text for n, f in self.losses.items()},
        }


_NONE = Formulas()
_SCOPE: ContextVar[Formulas | None] = ContextVar("symnet_formulas", default=None)


def current_formulas() -> Formulas:
    """The formulas of the innermost open scope (none outside every scope)."""
    return _SCOPE.get() or _NONE


def check_formula_name(name: object, kind: str) -> str:
    """``name`` if it can name a formula ``kind``, else a one-line ``SpecError``.

    A name is lower-case letters, digits and ``_`` (at most 32, a letter first) and never
    shadows a built-in activation or loss name (nor leaky_relu with a slope).

    >>> check_formula_name("relu", "activation")
    Traceback (most recent call last):
    ...
    symnet.exceptions.SpecError: the activation name 'relu' is a built-in name; choose another ...
    """
    if kind not in FORMULA_KINDS:
        raise SpecError(f"a formula is an activation or a loss, not {kind!r}")
    if not isinstance(name, str) or not _FORMULA_NAME.fullmatch(name):
        shown = repr(name)[:40]
        raise SpecError(
            f"the {kind} name {shown} must be lower-case letters, digits or _ (at most 32, "
            "a letter first), e.g. 'swish2'"
        )
    taken = (*ACTIVATION_NAMES, *ACTIVATION_ALIASES, *LOSS_NAMES)
    if name in taken or _LEAKY.fullmatch(name) or name.startswith("leaky"):
        raise SpecError(
            f"the {kind} name {name!r} is a built-in name; choose another name such as 'my_{name}'"
        )
    return name


@contextmanager
def formula_scope(formulas: Iterable[Formula]) -> Iterator[Formulas]:
    """Open a scope in which ``formulas`` (already parsed) can be named; yields its contents.

    Scopes nest: an inner scope sees the outer one's formulas, and a formula of the same
    kind and name replaces the outer one until the inner scope closes.
    """
    outer = current_formulas()
    activations, losses = dict(outer.activations), dict(outer.losses)
    for formula in formulas:
        check_formula_name(formula.name, formula.kind)
        (activations if formula.kind == "activation" else losses)[formula.name] = formula
    scope = Formulas(MappingProxyType(activations), MappingProxyType(losses))
    token = _SCOPE.set(scope)
    try:
        yield scope
    finally:
        _SCOPE.reset(token)
