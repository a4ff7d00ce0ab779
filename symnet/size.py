"""Size estimates made from the spec alone, before anything is built.

Expressions grow multiplicatively with depth: every unit appears inside every unit after
it. Each operation that can blow up asks this module first and refuses with a hint
(``SizeLimitError``) instead of hanging. Estimates are exact integer counts, so they are
instant even for absurd networks.

>>> from symnet.spec import parse_spec
>>> expansion_terms(parse_spec("3-2-2-1"), bias=False)
12
>>> expansion_terms(parse_spec("300-300-300-300-300-1"), bias=False)
2430000000000
"""

from __future__ import annotations

import math

from symnet.exceptions import SizeLimitError
from symnet.spec import NetworkSpec

__all__ = [
    "expansion_terms",
    "substituted_size",
    "graph_edges",
    "require_at_most",
    "check_expansion",
    "MAX_EXPANSION_TERMS",
    "MAX_SUBSTITUTED_SIZE",
    "MAX_GRAPH_EDGES",
]

MAX_EXPANSION_TERMS = 20_000
MAX_SUBSTITUTED_SIZE = 200_000
MAX_GRAPH_EDGES = 300_000


def expansion_terms(spec: NetworkSpec, bias: bool) -> int:
    """Terms in the full expansion of one output of a linear network: one per path.

    Notes
    -----
    Without biases, the output is a sum over every input-to-output path of the product
    of the weights on it: ``n_0 n_1 ... n_{L-1}`` paths. A bias of layer l adds one term
    per path from its unit to the output: ``n_{l+1} ... n_{L-1}`` each.
    """
    widths = spec.widths
    last = len(widths) - 1
    terms = math.prod(widths[:last])
    if bias:
        for layer in range(1, last + 1):
            terms += widths[layer] * math.prod(widths[layer + 1 : last])
    return terms


def substituted_size(spec: NetworkSpec, bias: bool) -> int:
    """Leaves in one output's expression with every definition substituted (a tree)."""
    size = 1
    for fan_in in spec.widths[:-1]:
        size = fan_in * (size + 1) + (1 if bias else 0) + 1
    return size


def graph_edges(spec: NetworkSpec, bias: bool) -> int:
    """Edges of the scalar graph: two per weight, one per bias, the activation edges."""
    widths = spec.widths
    edges = 2 * sum(a * b for a, b in zip(widths, widths[1:]))
    for layer in spec.layers:
        edges += layer.width if bias else 0
        if layer.activation == "softmax":
            edges += layer.width**2
        elif layer.activation != "identity":
            edges += layer.width
    return edges


def check_expansion(spec: NetworkSpec, bias: bool, max_terms: int = MAX_EXPANSION_TERMS) -> int:
    """Terms of the expansion of every output; ``SizeLimitError`` above ``max_terms``.

    Needs no SymPy, so a command can refuse a huge network before importing anything heavy.
    """
    terms = expansion_terms(spec, bias) * spec.n_outputs
    require_at_most(
        terms,
        max_terms,
        f"expanding {spec}",
        "use a smaller network, or --max-terms to raise the limit",
    )
    return terms


def require_at_most(estimate: int, limit: int, what: str, hint: str) -> None:
    """Raise ``SizeLimitError`` when ``estimate`` exceeds ``limit``.

    >>> require_at_most(1_200_000_000, 20_000, "expansion", "use a smaller network")
    Traceback (most recent call last):
    ...
    symnet.exceptions.SizeLimitError: expansion would have ~1.2e+09 terms (limit 20000); ...
    """
    if estimate > limit:
        raise SizeLimitError(f"{what} would have ~{estimate:.2g} terms (limit {limit}); {hint}")
