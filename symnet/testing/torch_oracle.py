"""PyTorch as an independent reference for gradients, used when it is installed.

The network is rebuilt in torch from its spec and the documented loss conventions, never
from symnet's graph, so torch autograd is a route to every gradient that shares nothing
with symnet's derivative rules. PyTorch is optional (``pip install 'symnet[torch]'``);
nothing here imports it until a gradient is asked for.

>>> torch_version() is None or torch_version()[0].isdigit()
True
"""

from __future__ import annotations

import numpy as np

from symnet.graph.network import Network

__all__ = ["torch_version", "torch_activations", "torch_gradients"]


def torch_version() -> str | None:
    """PyTorch's installed version, else None; read from its metadata, without importing it.

    >>> torch_version() is None or torch_version()[0].isdigit()
    True
    """
    import importlib.metadata
    import importlib.util

    if importlib.util.find_spec("torch") is None:
        return None
    try:
        return importlib.metadata.version("torch")
    except importlib.metadata.PackageNotFoundError:
        return "unknown version"


def torch_activations() -> dict:
    """symnet's activation names -> torch functions (rows of a batch on dimension 0).

    NOTE: torch's ReLU and leaky ReLU (slope 0.01) take the same one-sided derivatives at 0
    as symnet.
    """
    import torch
    import torch.nn.functional as functional

    return {
        "identity": lambda z: z,
        "relu": torch.relu,
        "leaky_relu": functional.leaky_relu,  # default negative_slope 0.01
        "sigmoid": torch.sigmoid,
        "tanh": torch.tanh,
        "softmax": lambda z: torch.softmax(z, dim=1),
    }


def torch_gradients(
    network: Network, inputs: np.ndarray, targets: np.ndarray, params: dict[str, float]
) -> dict[str, float]:
    """Batch-mean gradients by PyTorch autograd of the network rebuilt in torch from its spec.

    Notes
    -----
    Written from the spec and the documented loss conventions, not from symnet's graph:
    z = a W^T (+ b) per layer, then the activation; mse = 1/2 sum (y - t)^2, bce from the
    logit, ce = logsumexp(z) - sum t z; the batch loss is the mean. NOTE: torch's ReLU
    and leaky ReLU (slope 0.01) take the same one-sided derivatives at 0 as symnet.
    Networks with conv and pooling layers are rebuilt by
    :func:`symnet.testing.conv_check.torch_image_gradients`.
    """
    if not network.spec.is_dense:
        from symnet.testing.conv_check import torch_image_gradients

        return torch_image_gradients(network, inputs, targets, params)
    import torch
    import torch.nn.functional as functional

    activations = torch_activations()
    as_tensor = {"dtype": torch.float64}
    a = torch.tensor(inputs, **as_tensor)
    leaves = []
    for layer in network.layers:
        W = torch.tensor([[params[w] for w in row] for row in layer.weights], **as_tensor)
        W.requires_grad_(True)
        leaves.append((layer.weights, W))
        z = a @ W.T
        if layer.biases:
            b = torch.tensor([params[name] for name in layer.biases], **as_tensor)
            b.requires_grad_(True)
            leaves.append(((layer.biases,), b))
            z = z + b
        a = activations[layer.activation](z)
    t = torch.tensor(targets, **as_tensor)
    if network.loss == "mse":
        per_sample = 0.5 * ((a - t) ** 2).sum(dim=1)
    elif network.loss == "bce":
        per_sample = functional.binary_cross_entropy_with_logits(z, t, reduction="none").sum(dim=1)
    else:
        per_sample = torch.logsumexp(z, dim=1) - (t * z).sum(dim=1)
    per_sample.mean().backward()
    result = {}
    for grid, tensor in leaves:
        grad = tensor.grad.reshape(len(grid), -1)
        for j, row in enumerate(grid):
            for i, name in enumerate(row):
                result[name] = float(grad[j, i])
    return result
