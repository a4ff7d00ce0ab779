"""Dense layers in the scalar graph: one weighted-sum node per unit, one weight per edge.

Unit j of layer l is the weighted sum ``z_j = sum_i w_ji a_i (+ b_j)`` of the previous
layer's outputs, followed by its activation ``a_j = f(z_j)`` (a linear unit *is* its sum).
Each weight and bias is a leaf node; each edge carries the local partial of its head.

>>> from symnet.graph.build import build_network
>>> net = build_network("2-1:sigmoid", bias=True)
>>> net.definition("z_y"), net.definition("y")
(X1*w1 + X2*w2 + b1, sigmoid(z_y))
>>> net.graph.edges["z_y", "y"]["partial"]
(1 - sigmoid(z_y))*sigmoid(z_y)
"""

from __future__ import annotations

import sympy as sp

from symnet.graph.activations import get_activation
from symnet.graph.layers import DenseLayer
from symnet.graph.network import Network
from symnet.graph.spec import DenseSpec
from symnet.graph.sums import canonical_sum, product

__all__ = ["add_dense_layer"]


def add_dense_layer(
    network: Network,
    index: int,
    spec: DenseSpec,
    shape: tuple[int, ...],
    out_shape: tuple[int, ...],
    previous: tuple[str, ...],
) -> DenseLayer:
    """Add dense layer ``index`` (from 1) on top of the nodes ``previous``; returns its record.

    ``shape`` and ``out_shape`` are the layer's input and output shapes (the same
    signature as every builder of :data:`symnet.graph.build.BUILDERS`).
    """
    naming, linear = network.layer_naming, spec.activation == "identity"
    weights, biases, sums, units = [], [], [], []
    for j in range(spec.width):
        unit = naming.unit(index, j)
        row = [naming.weight(index, j, i) for i in range(len(previous))]
        for i, w in enumerate(row):
            network.add_node(w, "weight", layer=index, unit=j, source=i)
        terms = [product(sp.Symbol(w), sp.Symbol(a)) for w, a in zip(row, previous)]
        if network.bias:
            b = naming.bias(index, j)
            network.add_node(b, "bias", layer=index, unit=j)
            terms.append(sp.Symbol(b))
            biases.append(b)
        z = unit if linear else naming.pre_activation(index, j)
        definition = canonical_sum(terms)
        network.add_node(z, "z", definition, layer=index, unit=j, activation=spec.activation)
        # NOTE: the partials of a weighted sum are read off its terms (d z/d w_ji = a_i,
        # d z/d a_i = w_ji, d z/d b_j = 1); tests check them against sympy.diff.
        for w, a in zip(row, previous):
            network.graph.add_edge(w, z, partial=sp.Symbol(a))
            network.graph.add_edge(a, z, partial=sp.Symbol(w))
        if network.bias:
            network.graph.add_edge(biases[-1], z, partial=sp.S.One)
        weights.append(tuple(row))
        sums.append(z)
        units.append(unit)
    if not linear:
        _add_activations(network, index, spec.activation, sums, units)
    return DenseLayer(
        index,
        spec.activation,
        tuple(previous),
        tuple(weights),
        tuple(biases) if network.bias else None,
        tuple(sums),
        tuple(units),
    )


def _add_activations(network: Network, index: int, activation: str, sums, units) -> None:
    """a_j = f(z_j) for every unit; a vector activation (softmax) reads every z of the layer."""
    rule = get_activation(activation)
    z_symbols = tuple(sp.Symbol(z) for z in sums)
    for j, (z, unit) in enumerate(zip(sums, units)):
        definition = rule.apply(z_symbols[j], z_symbols)
        network.add_node(unit, "a", definition, layer=index, unit=j, activation=activation)
        for source in sums if rule.vector else (z,):
            if rule.vector:
                partial = sp.diff(definition, sp.Symbol(source))
            else:
                partial = rule.derivative(sp.Symbol(source))
            network.graph.add_edge(source, unit, partial=partial)
