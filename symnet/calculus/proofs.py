"""The proof that the three derivations of a gradient agree: (a) = (b) = (c).

Symbolic when the network is small: the chain-rule sum (a) minus the backprop gradient
(b) expands to 0 in node symbols (the same sum, factored differently), and (b) with every
node's definition substituted minus ``sympy.diff`` (c) expands to 0. Otherwise
numeric: every route that was not refused is evaluated at a random point for up to
:data:`NUMERIC_SAMPLE` parameters spread over the network, and must agree to a relative
difference of :data:`NUMERIC_TOLERANCE`.

>>> from symnet.calculus.derivation import derive
>>> proof = derive("2-2:relu-1", wrt="all").proof
>>> proof.method, proof.routes, proof.holds
('symbolic', ('chain rule', 'backprop', 'sympy.diff'), True)
>>> derive("2-2:relu-1", prove_equal=False).proof is None
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import sympy as sp

from symnet.calculus import chainrule
from symnet.calculus.backprop import backprop_values
from symnet.exceptions import SpecError
from symnet.numeric.forward import evaluate, forward_values
from symnet.numeric.points import random_point

if TYPE_CHECKING:
    from symnet.calculus.derivation import Derivation, ParameterGradient

__all__ = ["Proof", "prove", "NUMERIC_SAMPLE", "NUMERIC_TOLERANCE"]

#: Parameters checked numerically on networks too large for the symbolic proof.
NUMERIC_SAMPLE = 12
#: Largest relative difference |u - v| / max(1, |u|, |v|) accepted by the numeric proof.
NUMERIC_TOLERANCE = 1e-9


@dataclass
class Proof:
    """How (a) = (b) = (c) was checked and whether it holds."""

    method: str  # "symbolic" (differences expand to 0) or "numeric" (at a random point)
    routes: tuple[str, ...]
    checked: tuple[str, ...]
    holds: bool
    max_difference: float = 0.0
    failures: tuple[str, ...] = ()


def _three_routes(record: ParameterGradient) -> tuple[sp.Expr, sp.Expr, sp.Expr]:
    """(a) chain rule, (b) backprop in node symbols and (c) sympy.diff of ``record``."""
    if record.chain_rule is None or record.expanded is None or record.direct is None:
        raise SpecError(
            f"the symbolic proof for {record.name} needs its chain-rule, backprop and "
            "sympy.diff forms; prove the Derivation that derive() returns"
        )
    return record.chain_rule, record.expanded, record.direct


def _symbolic_proof(derivation: Derivation) -> Proof:
    network = derivation.network
    values: dict[sp.Symbol, sp.Expr] = {}
    for node in network.topological_order():  # every node as a function of the leaves
        definition = network.graph.nodes[node]["definition"]
        if definition is not None:
            values[sp.Symbol(node)] = definition.xreplace(values)
    # NOTE: (b) - (c) is compared after renaming each node's substituted subexpression
    # back to the node's symbol, on both sides alike. Renaming is a change of variables
    # (substituting the definitions back gives the original difference), so a difference
    # that expands to 0 after it was 0 before; it keeps expand from multiplying out
    # every weighted sum of the leaves. Whatever is left is substituted and expanded again.
    renamed = {value: symbol for symbol, value in values.items()}
    failures = []
    for p, record in derivation.parameters.items():
        chain_rule, expanded, direct = _three_routes(record)
        # (a) = (b) as expressions in node symbols: the same sum, factored differently.
        if sp.expand(chain_rule - expanded) != 0:
            failures.append(f"{p}: chain rule != backprop")
        backprop = expanded.xreplace(values).xreplace(renamed)
        difference = sp.expand(backprop - direct.xreplace(renamed))
        if difference != 0:  # a sum that was not renamed whole (y - t merged into one Add)
            difference = sp.expand(difference.xreplace(values))
        if difference != 0:
            failures.append(f"{p}: backprop != sympy.diff")
    routes = ("chain rule", "backprop", "sympy.diff")
    return Proof("symbolic", routes, derivation.wrt, not failures, 0.0, tuple(failures))


def _spread(items: tuple[str, ...], k: int) -> tuple[str, ...]:
    """Up to ``k`` items evenly spread over ``items`` (the first and last included)."""
    if len(items) <= k:
        return items
    step = (len(items) - 1) / (k - 1)
    return tuple(dict.fromkeys(items[round(i * step)] for i in range(k)))


def _numeric_proof(derivation: Derivation, seed: int) -> Proof:
    network = derivation.network
    checked = _spread(derivation.wrt, NUMERIC_SAMPLE)
    point = random_point(network, seed)
    values = forward_values(network, point)
    deltas = backprop_values(network, values)
    routes, failures, worst = {"backprop"}, [], 0.0
    cache: dict[sp.Expr, float] = {}

    def partial(network, tail, head) -> float:
        expr = network.graph.edges[tail, head]["partial"]
        if expr not in cache:
            cache[expr] = evaluate(expr, values)
        return cache[expr]

    counts = chainrule.path_counts(network)
    for p in checked:
        record = derivation.parameters[p]
        b = deltas.get(p, 0.0)
        others = {}
        if record.chain_rule is not None or counts[p] <= chainrule.MAX_PATHS // 10:
            # The sum over paths of the products of the edge partials, in numbers.
            paths = record.paths or chainrule.chain_rule_paths(network, p, counts=counts)
            others["chain rule"] = sum(
                math.prod(partial(network, path[i], path[i + 1]) for i in range(len(path) - 1))
                for path in paths
            )
        if record.direct is not None:
            others["sympy.diff"] = evaluate(record.direct, point)
        for route, value in others.items():
            routes.add(route)
            difference = abs(value - b) / max(1.0, abs(value), abs(b))
            worst = max(worst, difference)
            if difference > NUMERIC_TOLERANCE:
                failures.append(f"{p}: {route} {value!r} != backprop {b!r}")
    ordered = tuple(r for r in ("chain rule", "backprop", "sympy.diff") if r in routes)
    return Proof("numeric", ordered, checked, not failures, worst, tuple(failures))


def prove(derivation: Derivation, seed: int = 0) -> Proof:
    """Check (a) = (b) = (c) for the derived parameters.

    Notes
    -----
    Symbolic when every route is available and the substituted loss is small (at most
    :data:`SYMBOLIC_PROOF_SIZE` leaves): (a) - (b) expands to 0 in node symbols, and
    (b) - (c) expands to 0 once every node's definition is substituted. Otherwise
    numeric: the routes that were not refused are evaluated at a random point (relative
    difference at most 1e-9) for up to a dozen parameters spread over the network.
    """
    symbolic = not derivation.refused and all(
        r.expanded is not None for r in derivation.parameters.values()
    )
    return _symbolic_proof(derivation) if symbolic else _numeric_proof(derivation, seed)
