"""Conv, pooling and flatten layers in the scalar graph: one node per pixel of every map.

"Each pixel in the new image is the dot product between the kernel and the corresponding
image portion" (the notes). In the scalar graph that is literal:

* each output pixel of a conv layer is a ``z`` node whose definition is that dot product
  (plus the kernel's bias). A kernel weight is *shared*: its node has one out-edge per
  output pixel whose window puts it on the image, each with partial = the input pixel it
  multiplies there. Taps on the zero padding contribute no term and no edge;
* an activation node per pixel, as for a dense unit;
* a ``pool`` node per pooled pixel: :class:`~symnet.graph.pooling.MaxPool` of its window,
  whose partials are :class:`~symnet.graph.pooling.is_first_max` (1 for the window's
  largest entry, else 0), or the window's mean, whose partials are 1/n^2; the table
  :data:`~symnet.graph.pooling.POOLINGS` holds both rules;
* flatten is only a renaming: the dense layer after it reads the same nodes.

Losses, backprop, compilation and :func:`symnet.testing.gradients.check_gradients` walk this graph
exactly as they walk a dense one. Only tiny images fit (see
:data:`symnet.graph.size.MAX_CONV_GRAPH_EDGES`); train real CNNs with :mod:`symnet.codegen`.

>>> from symnet.graph.build import build_network
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

import itertools

import sympy as sp

from symnet.exceptions import SpecError
from symnet.graph.activations import get_activation
from symnet.graph.layers import ConvLayer, FlattenLayer, PoolLayer
from symnet.graph.naming import ConvNaming
from symnet.graph.network import Network
from symnet.graph.pooling import POOLINGS
from symnet.graph.shapes import pad_widths
from symnet.graph.spec import ConvSpec, FlattenSpec, PoolSpec
from symnet.graph.sums import canonical_sum, product

__all__ = ["add_pixels", "add_conv_layer", "add_pool_layer", "add_flatten_layer"]


def _pixel(names: tuple[str, ...], shape, c: int, r: int, q: int) -> str:
    """The name at (channel, row, column) of a map whose names are in (c, r, q) order."""
    return names[(c * shape[1] + r) * shape[2] + q]


def _image_naming(network: Network) -> ConvNaming:
    """The naming of an image network: pixels, kernels and maps have names only there."""
    naming = network.naming
    if not isinstance(naming, ConvNaming):
        raise SpecError(
            f"the image layers of {network.spec} need a ConvNaming, not a dense Naming; "
            "build the network with symnet.graph.naming.naming_for(spec, scheme)"
        )
    return naming


def add_pixels(network: Network) -> tuple[str, ...]:
    """One input node per pixel of the spec's image, in (channel, row, column) order."""
    image = network.layered_spec.image
    assert image is not None, "add_pixels is for image specs"
    naming = _image_naming(network)
    inputs = tuple(
        naming.pixel(0, *position) for position in itertools.product(*map(range, image.shape))
    )
    for i, name in enumerate(inputs):
        network.add_node(name, "input", layer=0, unit=i)
    return inputs


def _add_kernels(network: Network, index: int, spec: ConvSpec, channels: int):
    """The kernel weight nodes, as ``kernels[k][c][u][v]``, and the bias nodes (or None)."""
    naming, (kh, kw), count = _image_naming(network), spec.kernel_shape, spec.kernels
    kernels = []
    for k in range(count):
        grid = []
        for c in range(channels):
            rows = []
            for u in range(kh):
                row = tuple(naming.kernel_weight(index, k, c, u, v) for v in range(kw))
                for v, name in enumerate(row):
                    source = (c * kh + u) * kw + v
                    network.add_node(name, "weight", layer=index, unit=k, source=source)
                rows.append(row)
            grid.append(tuple(rows))
        kernels.append(tuple(grid))
    biases = tuple(naming.kernel_bias(index, k) for k in range(count)) if network.bias else None
    for k, b in enumerate(biases or ()):
        network.add_node(b, "bias", layer=index, unit=k)
    return tuple(kernels), biases


def add_conv_layer(network: Network, index: int, spec: ConvSpec, shape, out_shape, previous):
    """Conv layer ``index``: one weighted-sum node per output pixel; returns its record."""
    naming, (kh, kw), s = _image_naming(network), spec.kernel_shape, spec.stride
    (C, H, W), (K, R, Q) = shape, out_shape
    (top, _), (left, _) = pad_widths(spec.kernel_shape, spec.padding)
    kernels, biases = _add_kernels(network, index, spec, C)
    rule, linear = get_activation(spec.activation), spec.activation == "identity"
    sums, units = [], []
    for k, r, q in itertools.product(range(K), range(R), range(Q)):
        taps = [
            (kernels[k][c][u][v], _pixel(previous, shape, c, r * s + u - top, q * s + v - left))
            for c, u, v in itertools.product(range(C), range(kh), range(kw))
            if 0 <= r * s + u - top < H and 0 <= q * s + v - left < W
        ]
        terms = [product(sp.Symbol(w), sp.Symbol(x)) for w, x in taps]
        terms += [sp.Symbol(biases[k])] if biases else []
        unit = naming.pixel(index, k, r, q)
        z = unit if linear else naming.pixel_sum(index, k, r, q)
        position = {"layer": index, "unit": (k * R + r) * Q + q, "activation": spec.activation}
        network.add_node(z, "z", canonical_sum(terms) if terms else sp.S.Zero, **position)
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
    return ConvLayer(
        index,
        spec.activation,
        tuple(previous),
        kernels,
        biases,
        tuple(sums),
        tuple(units),
        tuple(shape),
        tuple(out_shape),
        s,
        spec.padding,
    )


def add_pool_layer(network: Network, index: int, spec: PoolSpec, shape, out_shape, previous):
    """Pooling layer ``index``: one ``pool`` node per pooled pixel; returns its record."""
    n, pooling, naming = spec.size, POOLINGS[spec.kind], _image_naming(network)
    units = []
    for c, r, q in itertools.product(*map(range, out_shape)):
        window = tuple(
            sp.Symbol(_pixel(previous, shape, c, i, j))
            for i in range(r * n, r * n + n)
            for j in range(q * n, q * n + n)
        )
        unit = naming.pixel(index, c, r, q)
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


def add_flatten_layer(network: Network, index: int, spec: FlattenSpec, shape, out_shape, previous):
    """Flatten layer ``index``: no nodes, only a record whose units are its inputs."""
    return FlattenLayer(index, "flatten", 1, previous, previous, shape, out_shape)
