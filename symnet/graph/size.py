"""Size estimates made from the spec alone, before anything is built.

Expressions grow multiplicatively with depth: every unit appears inside every unit after
it. Each operation that can blow up asks this module first and refuses with a hint
(``SizeLimitError``) instead of hanging. Estimates are exact integer counts, so they are
instant even for absurd networks.

>>> from symnet.graph.spec import parse_spec
>>> expansion_terms(parse_spec("3-2-2-1"), bias=False)
12
>>> expansion_terms(parse_spec("300-300-300-300-300-1"), bias=False)
2430000000000
>>> graph_edges(parse_spec("1x5x5-conv2@3x3:relu-maxpool2-1"), bias=True)
373
"""

from __future__ import annotations

import math

from symnet.exceptions import SizeLimitError
from symnet.graph.shapes import pad_widths, taps_inside
from symnet.graph.spec import ConvSpec, DenseSpec, NetworkSpec, PoolSpec

__all__ = [
    "expansion_terms",
    "substituted_size",
    "graph_edges",
    "require_at_most",
    "check_expansion",
    "MAX_EXPANSION_TERMS",
    "MAX_SUBSTITUTED_SIZE",
    "MAX_GRAPH_EDGES",
    "MAX_CONV_GRAPH_EDGES",
]

MAX_EXPANSION_TERMS = 20_000
MAX_SUBSTITUTED_SIZE = 200_000
MAX_GRAPH_EDGES = 300_000
#: The scalar graph of a conv spec is for tiny images (one node per pixel of every map).
MAX_CONV_GRAPH_EDGES = 20_000
_NOT_DENSE = "check a conv network's gradients instead, or draw it with view='conv'"


def expansion_terms(spec: NetworkSpec, bias: bool) -> int:
    """Terms in the full expansion of one output of a linear network: one per path.

    Notes
    -----
    Without biases, the output is a sum over every input-to-output path of the product
    of the weights on it: ``n_0 n_1 ... n_{L-1}`` paths. A bias of layer l adds one term
    per path from its unit to the output: ``n_{l+1} ... n_{L-1}`` each.
    """
    spec.require_dense("counting expansion terms", _NOT_DENSE)
    widths = spec.widths
    last = len(widths) - 1
    terms = math.prod(widths[:last])
    if bias:
        for layer in range(1, last + 1):
            terms += widths[layer] * math.prod(widths[layer + 1 : last])
    return terms


def substituted_size(spec: NetworkSpec, bias: bool) -> int:
    """Leaves in one output's expression with every definition substituted (a tree).

    For a conv spec, an upper bound: every window is taken as lying inside the image.
    """
    size = 1
    for shape, layer in zip(spec.shapes, spec.layers):
        if isinstance(layer, DenseSpec):
            size = math.prod(shape) * (size + 1) + (1 if bias else 0) + 1
        elif isinstance(layer, ConvSpec):
            fan_in = shape[0] * math.prod(layer.kernel_shape)
            size = fan_in * (size + 1) + (1 if bias else 0) + 1
        elif isinstance(layer, PoolSpec):
            size = layer.size**2 * size + 1
    return size


def _activation_edges(layer, units: int) -> int:
    if layer.activation == "softmax":
        return units**2
    return 0 if layer.activation == "identity" else units


def graph_edges(spec: NetworkSpec, bias: bool) -> int:
    """Edges of the scalar graph: two per weight use, one per bias, the activation edges.

    A dense weight is used once; a kernel weight once per output pixel whose window puts
    it on the image (not on the zero padding); a pooled value has one edge per window entry.
    """
    edges = 0
    for shape, out, layer in zip(spec.shapes, spec.shapes[1:], spec.layers):
        units = math.prod(out)
        if isinstance(layer, DenseSpec):
            edges += 2 * math.prod(shape) * units + (units if bias else 0)
        elif isinstance(layer, ConvSpec):
            (top, _), (left, _) = pad_widths(layer.kernel_shape, layer.padding)
            (kh, kw), s = layer.kernel_shape, layer.stride
            terms = taps_inside(shape[1], kh, top, s, out[1]) * taps_inside(
                shape[2], kw, left, s, out[2]
            )
            edges += 2 * layer.kernels * shape[0] * terms + (units if bias else 0)
        elif isinstance(layer, PoolSpec):
            edges += units * layer.size**2
        edges += _activation_edges(layer, units)
    return edges


def check_expansion(spec: NetworkSpec, bias: bool, max_terms: int = MAX_EXPANSION_TERMS) -> int:
    """Terms of the expansion of every output; ``SizeLimitError`` above ``max_terms``.

    Needs no SymPy, so a command can refuse a huge network before importing anything heavy.
    """
    spec.require_dense("expanding a network", _NOT_DENSE)
    terms = expansion_terms(spec, bias) * spec.n_outputs
    require_at_most(
        terms,
        max_terms,
        f"expanding {spec}",
        "use a smaller network, or max_terms= to raise the limit",
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
