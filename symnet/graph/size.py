"""Size estimates made from the spec alone, before anything is built.

Expressions grow multiplicatively with depth: every unit appears inside every unit after
it. Each operation that can blow up asks this module first and refuses with a hint
(``SizeLimitError``) instead of hanging; :mod:`symnet.graph.guards` holds the one guard of
every command. Estimates are exact integer counts in pure Python (no SymPy, no NumPy), so
they are instant even for absurd networks, and :func:`approximately` writes any of them,
however large, in one short word.

>>> from symnet.graph.spec import parse_spec
>>> expansion_terms(parse_spec("3-2-2-1"), bias=False)
12
>>> expansion_terms(parse_spec("300-300-300-300-300-1"), bias=False)
2430000000000
>>> graph_edges(parse_spec("1x5x5-conv2@3x3:relu-maxpool2-1"), bias=True)
373
>>> approximately(expansion_terms(parse_spec("-".join(["2"] * 5001)), bias=False))
'1.4e+1505'
"""

from __future__ import annotations

import math
from collections import deque

from symnet.exceptions import SizeLimitError
from symnet.graph.shapes import pad_widths, taps_inside
from symnet.graph.spec import ConvSpec, DenseSpec, NetworkSpec, PoolSpec

__all__ = [
    "expansion_terms",
    "substituted_size",
    "substitution_work",
    "substituted_depth",
    "substitution_leaves",
    "graph_nodes",
    "graph_edges",
    "training_bytes",
    "approximately",
    "require_at_most",
    "check_expansion",
    "MAX_EXPANSION_TERMS",
    "MAX_SUBSTITUTED_SIZE",
    "MAX_SUBSTITUTION_WORK",
    "MAX_SUBSTITUTED_DEPTH",
    "MAX_GRAPH_EDGES",
    "MAX_CONV_GRAPH_EDGES",
]

MAX_EXPANSION_TERMS = 20_000
MAX_SUBSTITUTED_SIZE = 200_000
#: Most leaves written substituting every node up to one output (a few seconds of SymPy).
MAX_SUBSTITUTION_WORK = 2_000_000
#: Deepest nesting (operators, root to leaf) of a substituted expression. NOTE: SymPy walks
#: expressions recursively (``diff`` takes about eight Python frames a level), so deeper
#: ones end in a RecursionError; 120 levels are about 40 layers with an activation.
MAX_SUBSTITUTED_DEPTH = 120
MAX_GRAPH_EDGES = 300_000
#: The scalar graph of a conv spec is for tiny images (one node per pixel of every map).
MAX_CONV_GRAPH_EDGES = 20_000
_NOT_DENSE = "check a conv network's gradients instead, or draw it with view='conv'"


def expansion_terms(spec: NetworkSpec, bias: bool) -> int:
    """Terms in the full expansion of one output of a linear network: one per path.

    Notes
    -----
    Without biases, the output is a sum over every input-to-output path of the product
    of the weights on it: ``n_0 n_1 ... n_{L-1}`` paths. A bias of hidden layer l adds one
    term per path from its unit to the output: ``n_{l+1} ... n_{L-1}`` each; the output's
    own bias one.
    """
    spec.require_dense("counting expansion terms", _NOT_DENSE)
    widths = spec.widths
    last = len(widths) - 1
    terms = math.prod(widths[:last])
    if bias:  # the output's own bias, then each hidden layer's, from the top down
        paths = 1  # from a unit of the layer above to the output: n_{l+1} ... n_{L-1}
        terms += 1
        for layer in range(last - 1, 0, -1):
            terms += widths[layer] * paths
            paths *= widths[layer]
    return terms


def _substituted_sizes(spec: NetworkSpec, bias: bool):
    """(units, leaves of each unit substituted) of every layer, the input first."""
    size = 1
    yield spec.n_inputs, size
    for shape, out, layer in zip(spec.shapes, spec.shapes[1:], spec.layers):
        if isinstance(layer, DenseSpec):
            size = math.prod(shape) * (size + 1) + (1 if bias else 0) + 1
            if layer.activation == "softmax":  # softmax(z_j, z_1, ..., z_n): n + 1 sums
                size *= layer.width + 1
        elif isinstance(layer, ConvSpec):
            fan_in = shape[0] * math.prod(layer.kernel_shape)
            size = fan_in * (size + 1) + (1 if bias else 0) + 1
        elif isinstance(layer, PoolSpec):
            size = layer.size**2 * size + 1
        yield math.prod(out), size


def substituted_size(spec: NetworkSpec, bias: bool) -> int:
    """Leaves in one output's expression with every definition substituted (a tree), at most.

    Counts a leaf for every weight, input and bias, and one more per sum; a softmax output
    holds every sum of its layer. For a conv spec every window is taken as lying inside
    the image.
    """
    (_, size) = deque(_substituted_sizes(spec, bias), maxlen=1)[0]  # the last layer's
    return size


def substitution_work(spec: NetworkSpec, bias: bool) -> int:
    """Leaves written to substitute every node, layer by layer, up to the outputs.

    :meth:`symnet.graph.network.Network.substituted` substitutes each node into the next,
    so every unit's substituted expression is built once: a deep narrow network writes
    few leaves per unit but ~L^2 in all.

    >>> from symnet.graph.spec import parse_spec
    >>> substitution_work(parse_spec("-".join(["1"] * 1001)), bias=False) > 10**6
    True
    """
    return sum(units * size for units, size in _substituted_sizes(spec, bias))


def substituted_depth(spec: NetworkSpec, bias: bool) -> int:
    """Nesting depth (operators from root to leaf) of one fully substituted output, at most.

    A weighted sum adds a sum and a product level, an activation one (softmax too: it is
    one function of the layer's sums), a max pool one and an average pool two. A product
    of products is one product (SymPy flattens it), so a chain of single weights without
    biases stays one level deep. It is the depth SymPy recurses to when it substitutes,
    differentiates or prints.

    >>> from symnet.graph.spec import parse_spec
    >>> substituted_depth(parse_spec("3-2:relu-1:sigmoid"), bias=True)
    6
    >>> substituted_depth(parse_spec("1-1-1"), bias=False)  # w2 w1 X1
    1
    """
    depth, product = 0, True  # the input: a symbol, which a product absorbs
    for shape, layer in zip(spec.shapes, spec.layers):
        if isinstance(layer, DenseSpec | ConvSpec):
            fan_in = (
                math.prod(shape)
                if isinstance(layer, DenseSpec)
                else shape[0] * math.prod(layer.kernel_shape)
            )
            depth = max(depth, 1) if product else depth + 1  # w a
            summed = fan_in > 1 or bias
            depth += 1 if summed else 0
            levels = 0 if layer.activation == "identity" else 1
            depth += levels
            product = not summed and levels == 0
        elif isinstance(layer, PoolSpec):
            depth, product = depth + (1 if layer.kind == "max" else 2), False
    return depth


def substitution_leaves(spec: NetworkSpec, bias: bool) -> int:
    """Leaves written by the collapse's substitution steps, summed over steps and outputs.

    Step 0 is each output in the last hidden layer's names; each step substitutes one more
    layer (:func:`symnet.expressivity.collapse.substitution_steps`). A dense spec only.

    Notes
    -----
    A step's output holds ``U`` unit symbols and ``O`` other leaves (weights, biases).
    Substituting layer l, whose units each read ``n_{l-1}`` units with as many weights
    (and a bias), gives ``U' = U n_{l-1}`` and ``O' = O + U (n_{l-1} + b)``. A deep narrow
    network writes few terms but long steps: ``1-1-...-1`` of L layers writes ~L^2/2.

    >>> from symnet.graph.spec import parse_spec
    >>> substitution_leaves(parse_spec("3-2-2-1"), bias=False)  # 4 + 10 + 30
    44
    """
    spec.require_dense("counting substitution steps", _NOT_DENSE)
    widths, b = spec.widths, 1 if bias else 0
    units, others = widths[-2], widths[-2] + b
    total = units + others
    for fan_in in reversed(widths[:-2]):
        units, others = units * fan_in, others + units * (fan_in + b)
        total += units + others
    return total * widths[-1]


def graph_nodes(spec: NetworkSpec, bias: bool, loss: str | None = None) -> int:
    """Nodes of the scalar graph: inputs, weights, biases, sums, activations, pooled values.

    With ``loss``, also the targets (one per output) and the loss node.
    """
    nodes = spec.n_inputs
    for shape, out, layer in zip(spec.shapes, spec.shapes[1:], spec.layers):
        units = math.prod(out)
        if isinstance(layer, DenseSpec):
            weights, biases = math.prod(shape) * units, units
        elif isinstance(layer, ConvSpec):
            weights, biases = layer.kernels * shape[0] * math.prod(layer.kernel_shape), out[0]
        else:  # pooling: one node per pooled value; flatten: none
            nodes += units if isinstance(layer, PoolSpec) else 0
            continue
        activated = 2 if layer.activation != "identity" else 1  # z, and a = f(z)
        nodes += weights + (biases if bias else 0) + activated * units
    return nodes + (spec.n_outputs + 1 if loss else 0)


def _activation_edges(layer, units: int) -> int:
    if layer.activation == "softmax":
        return units**2
    return 0 if layer.activation == "identity" else units


def graph_edges(spec: NetworkSpec, bias: bool, loss: str | None = None) -> int:
    """Edges of the scalar graph: two per weight use, one per bias, the activation edges.

    A dense weight is used once; a kernel weight once per output pixel whose window puts
    it on the image (not on the zero padding); a pooled value has one edge per window entry.
    With ``loss``, also one edge from each target and one from each output (its sum for
    bce and ce) to the loss node.
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
    return edges + (2 * spec.n_outputs if loss else 0)


def training_bytes(spec: NetworkSpec, rows: int, itemsize: int = 8) -> int:
    """Bytes of the layer-level arrays a training run of ``spec`` holds for ``rows`` samples.

    Every layer has a bias. The parameters count four times (values, gradients and the
    two moment estimates of adam); each sample holds its input and, per layer, the sum,
    the activation, the delta and one temporary; a conv layer also its im2col patches
    (C kh kw values per output pixel, made again for the kernel gradient) and its padded
    input. An estimate of the peak, not a count of every temporary.

    >>> from symnet.graph.spec import parse_spec
    >>> training_bytes(parse_spec("2-3-1"), rows=0)  # 13 parameters, 4 copies, 8 bytes each
    416
    """
    values_per_row = spec.n_inputs
    for shape, out, layer in zip(spec.shapes, spec.shapes[1:], spec.layers):
        units = math.prod(out)
        values_per_row += 4 * units
        if isinstance(layer, ConvSpec):
            (top, bottom), (left, right) = pad_widths(layer.kernel_shape, layer.padding)
            patches = shape[0] * math.prod(layer.kernel_shape) * out[1] * out[2]
            values_per_row += 2 * patches + shape[0] * (shape[1] + top + bottom) * (
                shape[2] + left + right
            )
        elif isinstance(layer, PoolSpec):
            values_per_row += math.prod(shape)  # the windows of the backward pass
    return itemsize * (4 * spec.parameter_count(bias=True) + rows * values_per_row)


def approximately(n: int) -> str:
    """``n`` to two significant digits, as ``f"{n:.2g}"`` writes it, for an int of any size.

    ``f"{n:.2g}"`` converts to a float first, which raises OverflowError above ~1.8e308,
    and ``str(n)`` refuses ints of more than 4300 digits; this needs neither.

    >>> approximately(1_200_000_000), approximately(3 * 10**5000), approximately(995)
    ('1.2e+09', '3e+5000', '1e+03')
    """
    if n < 10**15:
        return f"{n:.2g}"
    exponent = int(math.log10(n))  # a float: corrected below to the exact power of ten
    while 10**exponent > n:
        exponent -= 1
    while 10 ** (exponent + 1) <= n:
        exponent += 1
    leading = (n // 10 ** (exponent - 2) + 5) // 10  # two digits, rounded half up
    if leading == 100:
        leading, exponent = 10, exponent + 1
    mantissa = str(leading // 10) if leading % 10 == 0 else f"{leading // 10}.{leading % 10}"
    return f"{mantissa}e+{exponent}"


def _amount(n: int, unit: str) -> str:
    """``n`` in ``unit``, two significant digits; bytes (``"bytes of arrays"``) in GiB."""
    if not unit.startswith("bytes"):
        return f"{approximately(n)} {unit}"
    rest = unit.removeprefix("bytes")
    if n < 2**30 * 10**15:
        return f"{n / 2**30:.3g} GiB{rest}"
    return f"{approximately(n // 2**30)} GiB{rest}"


def require_at_most(estimate: int, limit: int, what: str, hint: str, unit: str = "terms") -> None:
    """Raise ``SizeLimitError`` when ``estimate`` exceeds ``limit``: one line naming both.

    ``unit`` names what is counted (``"terms"``, ``"edges"``, ``"leaves"``, ...);
    ``"bytes"`` are written in GiB.

    >>> require_at_most(1_200_000_000, 20_000, "expansion", "use a smaller network")
    Traceback (most recent call last):
    ...
    symnet.exceptions.SizeLimitError: expansion would have ~1.2e+09 terms (limit 20000); ...
    """
    if estimate > limit:
        shown = _amount(limit, "bytes") if unit.startswith("bytes") else str(limit)
        raise SizeLimitError(
            f"{what} would have ~{_amount(estimate, unit)} (limit {shown}); {hint}"
        )


def check_expansion(spec: NetworkSpec, bias: bool, max_terms: int = MAX_EXPANSION_TERMS) -> int:
    """Terms of the expansion of every output; ``SizeLimitError`` above ``max_terms``.

    Needs no SymPy, so a command can refuse a huge network before importing anything heavy.
    """
    spec.require_dense("expanding a network", _NOT_DENSE)
    terms = expansion_terms(spec, bias) * spec.n_outputs
    require_at_most(
        terms,
        max_terms,
        f"expanding {spec.abbreviated}",
        "use a smaller network, or max_terms= to raise the limit",
    )
    return terms
