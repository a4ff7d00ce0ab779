"""Conv, pooling and flatten layers in the scalar graph: one node per pixel of every map.

"Each pixel in the new image is the dot product between the kernel and the corresponding
image portion" (the notes). In the scalar graph that is literal:

* each output pixel of a conv layer is a ``z`` node whose definition is that dot product
  (plus the kernel's bias). A kernel weight is *shared*: its node has one out-edge per
  output pixel whose window puts it on the image, each with partial = the input pixel it
  multiplies there. Taps on the zero padding contribute no term and no edge;
* an activation node per pixel, as for a dense unit;
* a ``pool`` node per pooled pixel: :class:`MaxPool` of its window, whose partials are
  :class:`is_first_max` (1 for the window's largest entry, else 0), or the window's mean,
  whose partials are 1/n^2; the table :data:`POOLINGS` holds both rules;
* flatten is only a renaming: the dense layer after it reads the same nodes.

Losses, backprop, compilation and :func:`symnet.testing.gradients.check_gradients` walk this graph
exactly as they walk a dense one. Only tiny images fit (see
:data:`symnet.graph.size.MAX_CONV_GRAPH_EDGES`); train real CNNs with :mod:`symnet.codegen.conv`.

>>> from symnet.graph.network import build_network
>>> net = build_network("1x3x3-conv1@2x2:relu-maxpool2-1", bias=True)
>>> net.definition("z_F1_0_0")
X_0_0_0*k1_0_0_0 + X_0_0_1*k1_0_0_1 + X_0_1_0*k1_0_1_0 + X_0_1_1*k1_0_1_1 + bk1
>>> net.definition("P1_0_0")
MaxPool(F1_0_0, F1_0_1, F1_1_0, F1_1_1)
>>> net.graph.edges["F1_0_1", "P1_0_0"]["partial"]
is_first_max(1, F1_0_0, F1_0_1, F1_1_0, F1_1_1)
>>> len(list(net.graph.successors("k1_0_0_0")))  # one weight, four output pixels
4
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import sympy as sp

from symnet.graph.activations import get_activation
from symnet.graph.shapes import pad_widths
from symnet.graph.spec import ConvSpec, FlattenSpec, PoolSpec

__all__ = [
    "ConvLayer",
    "PoolLayer",
    "FlattenLayer",
    "MaxPool",
    "is_first_max",
    "Pooling",
    "POOLINGS",
    "POOL_NUMPY_FUNCTIONS",
    "add_image_layers",
]


def numpy_max_pool(*window):
    """The elementwise largest of the window's arrays (broadcast)."""
    return functools.reduce(np.maximum, window)


def numpy_is_first_max(k, *window):
    """1.0 where entry ``k`` is the first largest of the window, else 0.0 (broadcast)."""
    chosen, first = window[int(k)], True
    for j, other in enumerate(window):
        if j != k:
            first = first & ((chosen > other) if j < k else (chosen >= other))
    return np.where(first, 1.0, 0.0)


def _first_max_condition(k: int, window) -> sp.Basic:
    """x_k is the first largest: above every entry before it, at least every entry after."""
    wins = [window[k] > x for x in window[:k]] + [window[k] >= x for x in window[k + 1 :]]
    return sp.And(*wins)


class MaxPool(sp.Function):
    """MaxPool(x_0, ..., x_{n-1}): the largest entry of a pooling window."""

    @classmethod
    def eval(cls, *window):
        if all(x.is_number and x.is_extended_real for x in window):
            return sp.Max(*window)

    def fdiff(self, argindex=1):
        return POOLINGS["max"].rule(self.args, argindex - 1)

    def _eval_rewrite_as_Max(self, *window, **kwargs):
        return sp.Max(*window)

    def _eval_rewrite_as_Piecewise(self, *window, **kwargs):
        branches = [(x, _first_max_condition(k, window)) for k, x in enumerate(window[:-1])]
        return sp.Piecewise(*branches, (window[-1], True))

    # NOTE: the elementary form is the Piecewise "x_k where x_k is the first largest", not
    # SymPy's Max: Max differentiates to Heaviside(x_k - Max(others)), whose NumPy form
    # nests a select inside a select's conditions and does not evaluate. sympy.diff of
    # the Piecewise differentiates each branch: SymPy's own rule, independent of the table.
    _eval_rewrite_as_elementary = _eval_rewrite_as_Piecewise

    def _numpycode(self, printer):
        function = printer._module_format("symnet.graph.image.numpy_max_pool")
        return f"{function}({', '.join(printer._print(x) for x in self.args)})"

    def _latex(self, printer):
        return rf"\max\left({', '.join(printer._print(x) for x in self.args)}\right)"


class is_first_max(sp.Function):  # noqa: N801 - a lower-case indicator, like step
    """is_first_max(k, x_0, ..., x_{n-1}): 1 when x_k is the window's first largest entry.

    NOTE: d MaxPool / d x_k. On a tie the first entry (row-major order) takes the whole
    gradient, as ``numpy.argmax`` and :func:`symnet.codegen.conv.maxpool_backward` do; the
    other tied entries get 0. Ties have probability zero for real-valued inputs.
    """

    @classmethod
    def eval(cls, k, *window):
        if all(x.is_number and x.is_extended_real for x in window):
            return sp.S.One if _first_max_condition(int(k), window) is sp.true else sp.S.Zero

    def fdiff(self, argindex=1):
        return sp.S.Zero  # piecewise constant

    def _eval_rewrite_as_Piecewise(self, k, *window, **kwargs):
        return sp.Piecewise((1, _first_max_condition(int(k), window)), (0, True))

    _eval_rewrite_as_elementary = _eval_rewrite_as_Piecewise

    def _numpycode(self, printer):
        function = printer._module_format("symnet.graph.image.numpy_is_first_max")
        return f"{function}({', '.join(printer._print(x) for x in self.args)})"

    def _latex(self, printer):
        window = ", ".join(printer._print(x) for x in self.args[1:])
        argmax = rf"\operatorname{{argmax}}\left({window}\right)"
        return rf"\mathbb{{1}}\left[{self.args[0]} = {argmax}\right]"


@dataclass(frozen=True)
class Pooling:
    """One row of the pooling table: ``function(window)`` and ``rule(window, k)`` = d/d x_k."""

    name: str
    function: Callable[[tuple], sp.Expr]
    rule: Callable[[tuple, int], sp.Expr]


#: The pooling rules: the max with its arg-max indicator, the mean with 1/n.
POOLINGS: dict[str, Pooling] = {
    "max": Pooling("max", lambda w: MaxPool(*w), lambda w, k: is_first_max(k, *w)),
    "avg": Pooling("avg", lambda w: sp.Add(*w) / len(w), lambda w, k: sp.Rational(1, len(w))),
}

#: SymPy head -> NumPy function; the two classes print as calls to these.
POOL_NUMPY_FUNCTIONS = {"MaxPool": numpy_max_pool, "is_first_max": numpy_is_first_max}


@dataclass(frozen=True)
class ConvLayer:
    """The node names of one conv layer: ``kernels[k][c][u][v]``, pixels in (k, r, q) order."""

    index: int
    activation: str
    inputs: tuple[str, ...]
    kernels: tuple
    biases: tuple[str, ...] | None
    sums: tuple[str, ...]
    units: tuple[str, ...]
    in_shape: tuple[int, int, int]
    out_shape: tuple[int, int, int]
    stride: int
    padding: str

    @property
    def weights(self) -> tuple[tuple[str, ...], ...]:
        """Row k: kernel k's weights in (c, u, v) order (as the rows of a dense layer)."""
        return tuple(
            tuple(itertools.chain.from_iterable(itertools.chain(*k))) for k in self.kernels
        )

    @property
    def width(self) -> int:
        return len(self.units)

    @property
    def parameters(self) -> tuple[str, ...]:
        return tuple(w for row in self.weights for w in row) + (self.biases or ())


@dataclass(frozen=True)
class PoolLayer:
    """The node names of a pooling layer (no parameters)."""

    index: int
    kind: str
    size: int
    inputs: tuple[str, ...]
    units: tuple[str, ...]
    in_shape: tuple[int, int, int]
    out_shape: tuple[int, int, int]
    activation: str = "identity"
    weights: tuple = ()
    biases: None = None
    parameters: tuple = ()

    @property
    def sums(self) -> tuple[str, ...]:
        return self.units

    @property
    def width(self) -> int:
        return len(self.units)


@dataclass(frozen=True)
class FlattenLayer(PoolLayer):
    """A flatten layer: its units *are* its inputs, in (channel, row, column) order."""


def _grid(names: tuple[str, ...], shape) -> np.ndarray:
    return np.array(names, dtype=object).reshape(shape)


def _add_conv(network, index: int, spec: ConvSpec, shape, out_shape, previous) -> ConvLayer:
    from symnet.graph.network import _product, _sum

    naming, (kh, kw), s = network.naming, spec.kernel_shape, spec.stride
    (C, H, W), (K, R, Q) = shape, out_shape
    (top, _), (left, _) = pad_widths(spec.kernel_shape, spec.padding)
    pixels = _grid(previous, shape)
    kernels = [[[[None] * kw for _ in range(kh)] for _ in range(C)] for _ in range(K)]
    for k, c, u, v in itertools.product(range(K), range(C), range(kh), range(kw)):
        name = naming.kernel_weight(index, k, c, u, v)
        network.add_node(name, "weight", layer=index, unit=k, source=(c * kh + u) * kw + v)
        kernels[k][c][u][v] = name
    biases = [naming.kernel_bias(index, k) for k in range(K)] if network.bias else None
    for k, b in enumerate(biases or ()):
        network.add_node(b, "bias", layer=index, unit=k)
    rule, linear = get_activation(spec.activation), spec.activation == "identity"
    sums, units = [], []
    for k, r, q in itertools.product(range(K), range(R), range(Q)):
        taps = [
            (kernels[k][c][u][v], pixels[c, r * s + u - top, q * s + v - left])
            for c, u, v in itertools.product(range(C), range(kh), range(kw))
            if 0 <= r * s + u - top < H and 0 <= q * s + v - left < W
        ]
        terms = [_product(sp.Symbol(w), sp.Symbol(x)) for w, x in taps]
        terms += [sp.Symbol(biases[k])] if biases else []
        unit = naming.pixel(index, k, r, q)
        z = unit if linear else naming.pixel_sum(index, k, r, q)
        position = {"layer": index, "unit": (k * R + r) * Q + q, "activation": spec.activation}
        network.add_node(z, "z", _sum(terms) if terms else sp.S.Zero, **position)
        # NOTE: as in a dense sum, d z/d k = the pixel it multiplies, d z/d pixel = k.
        for w, x in taps:
            network.graph.add_edge(w, z, partial=sp.Symbol(x))
            network.graph.add_edge(x, z, partial=sp.Symbol(w))
        if biases:
            network.graph.add_edge(biases[k], z, partial=sp.S.One)
        if not linear:
            network.add_node(unit, "a", rule.apply(sp.Symbol(z)), **position)
            network.graph.add_edge(z, unit, partial=rule.derivative(sp.Symbol(z)))
        sums.append(z)
        units.append(unit)
    freeze = lambda grid: tuple(tuple(tuple(map(tuple, c)) for c in k) for k in grid)  # noqa: E731
    return ConvLayer(
        index,
        spec.activation,
        tuple(previous),
        freeze(kernels),
        tuple(biases) if biases else None,
        tuple(sums),
        tuple(units),
        tuple(shape),
        tuple(out_shape),
        s,
        spec.padding,
    )


def _add_pool(network, index: int, spec: PoolSpec, shape, out_shape, previous) -> PoolLayer:
    pixels, n, pooling = _grid(previous, shape), spec.size, POOLINGS[spec.kind]
    units = []
    for c, r, q in itertools.product(*map(range, out_shape)):
        window = tuple(sp.Symbol(x) for x in pixels[c, r * n : r * n + n, q * n : q * n + n].flat)
        unit = network.naming.pixel(index, c, r, q)
        flat = (c * out_shape[1] + r) * out_shape[2] + q
        network.add_node(
            unit, "pool", pooling.function(window), layer=index, unit=flat, pooling=spec.kind
        )
        for k, x in enumerate(window):
            network.graph.add_edge(x.name, unit, partial=pooling.rule(window, k))
        units.append(unit)
    return PoolLayer(
        index, spec.kind, n, tuple(previous), tuple(units), tuple(shape), tuple(out_shape)
    )


def add_image_layers(network) -> None:
    """Build the input pixels and every layer of an image spec into ``network`` (in place).

    Called by :class:`symnet.graph.network.Network` for a spec with an image input; sets
    ``network.inputs`` (pixels in (channel, row, column) order), ``layers`` and ``outputs``.
    """
    spec, naming = network.spec, network.naming
    network.inputs = tuple(
        naming.pixel(0, *position) for position in itertools.product(*map(range, spec.image.shape))
    )
    for i, name in enumerate(network.inputs):
        network.add_node(name, "input", layer=0, unit=i)
    previous = network.inputs
    for index, layer in enumerate(spec.layers, start=1):
        shape, out_shape = spec.shapes[index - 1], spec.shapes[index]
        if isinstance(layer, ConvSpec):
            built = _add_conv(network, index, layer, shape, out_shape, previous)
        elif isinstance(layer, PoolSpec):
            built = _add_pool(network, index, layer, shape, out_shape, previous)
        elif isinstance(layer, FlattenSpec):
            built = FlattenLayer(index, "flatten", 1, previous, previous, shape, out_shape)
        else:
            built = network._add_dense_layer(index, layer.width, layer.activation, previous)
        network.layers.append(built)
        previous = built.units
    network.outputs = previous
