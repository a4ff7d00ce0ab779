"""Cross-checks for image specs: PyTorch autograd, and scalar names <-> layer-level arrays.

* :func:`torch_image_gradients` rebuilds an image spec in PyTorch from the spec alone
  (``torch.nn.functional.conv2d``, ``max_pool2d``, ``avg_pool2d``) and returns the
  batch-mean gradient of every scalar parameter: the fourth route of
  :func:`symnet.testing.gradients.check_gradients` for conv networks.
* :func:`layer_arrays` and :func:`scalar_values` move parameter values between the scalar
  graph (one name per weight) and the layer-level arrays of :mod:`symnet.codegen.program`
  (``K1, b1, W3, b3, ...``), so the two engines can be compared weight by weight.

>>> from symnet.graph.build import build_network
>>> net = build_network("1x3x3-conv2@2x2-maxpool2-1", names="indexed", bias=True)
>>> arrays = layer_arrays(net, {p: float(i) for i, p in enumerate(net.parameters)})
>>> [a.shape for a in arrays], float(arrays[0][1, 0, 0, 1]), net.parameters[5]
([(2, 1, 2, 2), (2,), (1, 2), (1,)], 5.0, 'k1_1_0_0_1')
"""

from __future__ import annotations

import numpy as np

from symnet.exceptions import SpecError
from symnet.graph.spec import ConvSpec, DenseSpec, FlattenSpec, PoolSpec
from symnet.testing.torch_oracle import torch_activations

__all__ = ["layer_arrays", "scalar_values", "torch_image_gradients"]


def _grids(network, need_bias: bool = True) -> list[tuple[str, np.ndarray]]:
    """(array name, array of scalar parameter names) for every layer-level parameter array.

    Biases are left out of a network built without them (``need_bias=False`` only).
    """
    if need_bias and not network.bias:
        raise SpecError(
            "layer-level arrays have a bias in every layer; build the network with bias=True"
        )
    grids = []
    for layer_spec, layer in zip(network.spec.layers, network.layers):
        if isinstance(layer_spec, ConvSpec):
            grids.append((f"K{layer.index}", np.array(layer.kernels, dtype=object)))
        elif isinstance(layer_spec, DenseSpec):
            grids.append((f"W{layer.index}", np.array(layer.weights, dtype=object)))
        else:
            continue
        if layer.biases:
            grids.append((f"b{layer.index}", np.array(layer.biases, dtype=object)))
    return grids


def layer_arrays(network, values: dict[str, float]) -> list[np.ndarray]:
    """The scalar parameter ``values`` as the layer-level arrays, in ``parameter_shapes`` order."""
    return [
        np.vectorize(lambda name: float(values[name]), otypes=[float])(grid)
        for _, grid in _grids(network)
    ]


def scalar_values(network, arrays) -> dict[str, float]:
    """Layer-level ``arrays`` (or gradients) as scalar name -> value."""
    return {
        name: float(value)
        for (_, grid), array in zip(_grids(network), arrays)
        for name, value in zip(grid.flat, np.asarray(array).flat)
    }


def torch_image_gradients(network, inputs, targets, params: dict[str, float]) -> dict[str, float]:
    """Batch-mean gradients by PyTorch autograd of an image spec rebuilt from the spec.

    Notes
    -----
    Written from the spec and the documented conventions, not from symnet's graph: the
    input rows are (C, H, W) images; a conv layer zero-pads as
    :func:`symnet.graph.shapes.pad_widths` (``torch.nn.functional.pad``), then correlates
    (``conv2d``); pooling uses ``max_pool2d`` / ``avg_pool2d`` with stride = window;
    flatten keeps (channel, row, column) order; dense layers and losses as in
    :func:`symnet.testing.torch_oracle.torch_gradients`. The batch loss is the mean.
    """
    import torch
    import torch.nn.functional as functional

    from symnet.graph.shapes import pad_widths

    activations = torch_activations()
    spec, as_tensor = network.spec, {"dtype": torch.float64}
    leaves = {}
    for name, grid in _grids(network, need_bias=False):
        values = np.vectorize(lambda n: float(params[n]), otypes=[float])(grid)
        leaves[name] = (grid, torch.tensor(values, **as_tensor, requires_grad=True))
    a = torch.tensor(np.asarray(inputs), **as_tensor).reshape(-1, *spec.image.shape)
    z = a
    for l, layer in enumerate(spec.layers, start=1):
        if isinstance(layer, ConvSpec):
            (top, bottom), (left, right) = pad_widths(layer.kernel_shape, layer.padding)
            padded = functional.pad(a, (left, right, top, bottom))
            bias = leaves[f"b{l}"][1] if network.bias else None
            z = functional.conv2d(padded, leaves[f"K{l}"][1], bias, stride=layer.stride)
        elif isinstance(layer, PoolSpec):
            pool = functional.max_pool2d if layer.kind == "max" else functional.avg_pool2d
            a = pool(a, layer.size)
            continue
        elif isinstance(layer, FlattenSpec):
            a = a.reshape(len(a), -1)
            continue
        else:
            a = a.reshape(len(a), -1)
            z = a @ leaves[f"W{l}"][1].T + (leaves[f"b{l}"][1] if network.bias else 0)
        a = activations[layer.activation](z)
    t = torch.tensor(np.asarray(targets), **as_tensor)
    if network.loss == "mse":
        per_sample = 0.5 * ((a - t) ** 2).sum(dim=1)
    elif network.loss == "bce":
        per_sample = functional.binary_cross_entropy_with_logits(z, t, reduction="none").sum(dim=1)
    else:
        per_sample = torch.logsumexp(z, dim=1) - (t * z).sum(dim=1)
    per_sample.mean().backward()
    return {
        name: float(value)
        for grid, tensor in leaves.values()
        for name, value in zip(grid.flat, tensor.grad.numpy().flat)
    }
