"""The two layouts of one network's parameters: scalar names and layer-level arrays.

The scalar graph names every weight (``w7``, ``k1_0_1_2``); the generated layer-level
code of :mod:`symnet.codegen.program` takes one array per layer (``W1, b1, K2, b2, ...``,
:meth:`symnet.graph.spec.NetworkSpec.parameter_shapes`). :func:`parameter_grids` says
which scalar parameter sits at each entry of each array, so values (or gradients) move
between the two engines and can be compared weight by weight.

>>> from symnet.graph.build import build_network
>>> net = build_network("1x3x3-conv2@2x2-maxpool2-1", names="indexed", bias=True)
>>> arrays = layer_arrays(net, {p: float(i) for i, p in enumerate(net.parameters)})
>>> [a.shape for a in arrays], float(arrays[0][1, 0, 0, 1]), net.parameters[5]
([(2, 1, 2, 2), (2,), (1, 2), (1,)], 5.0, 'k1_1_0_0_1')
>>> scalar_values(net, arrays) == {p: float(i) for i, p in enumerate(net.parameters)}
True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from symnet.exceptions import SpecError
from symnet.graph.layers import ConvLayer, DenseLayer
from symnet.graph.network import Network

__all__ = ["parameter_grids", "layer_arrays", "scalar_values"]


def parameter_grids(network: Network, need_bias: bool = True) -> list[tuple[str, np.ndarray]]:
    """(array name, array of scalar parameter names) for every layer-level parameter array.

    NOTE: dense ``W{l}`` is (width, fan_in) with row j feeding unit j; conv ``K{l}`` is
    (kernels, channels, kh, kw). Biases are left out of a network built without them
    (``need_bias=False`` only: the layer-level code has a bias in every layer).
    """
    if need_bias and not network.bias:
        raise SpecError(
            "layer-level arrays have a bias in every layer; build the network with bias=True"
        )
    grids = []
    for layer in network.layers:
        if isinstance(layer, ConvLayer):
            grids.append((f"K{layer.index}", np.array(layer.kernels, dtype=object)))
        elif isinstance(layer, DenseLayer):
            grids.append((f"W{layer.index}", np.array(layer.weights, dtype=object)))
        else:
            continue
        if layer.biases:
            grids.append((f"b{layer.index}", np.array(layer.biases, dtype=object)))
    return grids


def layer_arrays(network: Network, values: Mapping[str, float]) -> list[np.ndarray]:
    """The scalar parameter ``values`` as the layer-level arrays, in ``parameter_shapes`` order."""
    return [
        np.vectorize(lambda name: float(values[name]), otypes=[float])(grid)
        for _, grid in parameter_grids(network)
    ]


def scalar_values(network: Network, arrays: Sequence) -> dict[str, float]:
    """Layer-level ``arrays`` (or their gradients) as scalar name -> value."""
    return {
        name: float(value)
        for (_, grid), array in zip(parameter_grids(network), arrays)
        for name, value in zip(grid.flat, np.asarray(array).flat)
    }
