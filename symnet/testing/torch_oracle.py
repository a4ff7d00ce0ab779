"""PyTorch as an independent reference for gradients, used when it is installed.

The network is rebuilt in torch from its spec and the documented loss conventions, never
from symnet's graph, so torch autograd is a route to every gradient that shares nothing
with symnet's derivative rules. PyTorch is optional (``pip install 'symnet[torch]'``);
nothing here imports it until a gradient is asked for.

>>> torch_version() is None or torch_version()[0].isdigit()
True
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
from collections.abc import Mapping

import numpy as np

from symnet.codegen.frameworks import framework_function
from symnet.codegen.layout import parameter_grids
from symnet.graph.network import Network
from symnet.graph.registry import current_formulas, leaky_slope
from symnet.graph.shapes import pad_widths
from symnet.graph.spec import ConvSpec, FlattenSpec, PoolSpec

__all__ = [
    "torch_version",
    "torch_activation",
    "torch_activations",
    "torch_gradients",
    "per_sample_loss",
]


def torch_version() -> str | None:
    """PyTorch's installed version, else None; read from its metadata, without importing it.

    >>> torch_version() is None or torch_version()[0].isdigit()
    True
    """
    if importlib.util.find_spec("torch") is None:
        return None
    try:
        return importlib.metadata.version("torch")
    except importlib.metadata.PackageNotFoundError:
        return "unknown version"


def torch_activations() -> dict:
    """symnet's activation names -> torch functions (rows of a batch on dimension 0).

    The built-in ones are torch's own functions; a formula activation of the current scope
    is its formula evaluated with torch's functions
    (:func:`symnet.codegen.frameworks.framework_function`), never symnet's derivative.

    NOTE: at 0, torch takes the same derivatives as symnet: ReLU'(0) = 0, leaky ReLU'(0) =
    its slope, SELU'(0) = lambda alpha (the left branch), ELU'(0) = 1.
    """
    import torch  # optional: see torch_gradients
    import torch.nn.functional as functional

    table = {
        "identity": lambda z: z,
        "relu": torch.relu,
        "leaky_relu": functional.leaky_relu,  # default negative_slope 0.01
        "sigmoid": torch.sigmoid,
        "tanh": torch.tanh,
        "softmax": lambda z: torch.softmax(z, dim=1),
        "softplus": functional.softplus,
        "elu": functional.elu,
        "selu": functional.selu,
        "gelu": functional.gelu,
        "gelu_tanh": lambda z: functional.gelu(z, approximate="tanh"),
        "silu": functional.silu,
        "mish": functional.mish,
    }
    for name, formula in current_formulas().activations.items():
        table[name] = framework_function(formula.expr, ("z",), "torch")
    return table


def torch_activation(name: str):
    """The torch function of the activation ``name`` (``leaky_relu0.2`` included)."""
    table = torch_activations()
    if name in table:
        return table[name]
    import torch.nn.functional as functional  # optional: see torch_gradients

    slope = float(leaky_slope(name))
    return lambda z: functional.leaky_relu(z, slope)


def torch_gradients(
    network: Network, inputs: np.ndarray, targets: np.ndarray, params: Mapping[str, float]
) -> dict[str, float]:
    """Batch-mean gradients by PyTorch autograd of the network rebuilt in torch from its spec.

    Notes
    -----
    Written from the spec and the documented conventions, not from symnet's graph (which
    only says which scalar name sits where in each array): a dense layer is z = a W^T (+ b),
    then the activation; an image spec reads each input row as a (C, H, W) image, a conv
    layer zero-pads as :func:`symnet.graph.shapes.pad_widths` (``torch.nn.functional.pad``)
    and correlates (``conv2d``), pooling uses ``max_pool2d`` / ``avg_pool2d`` with stride =
    window, flatten keeps (channel, row, column) order. mse = 1/2 sum (y - t)^2, bce from
    the logit, ce = logsumexp(z) - sum t z, mae and huber torch's ``l1_loss`` and
    ``huber_loss`` summed over outputs, a formula loss its formula in torch's functions;
    the batch loss is the mean. NOTE: torch's ReLU
    and leaky ReLU (slope 0.01) take the same one-sided derivatives at 0 as symnet.
    """
    import torch  # optional, and slow to import: only when a gradient is asked for

    leaves = {}
    for name, grid in parameter_grids(network, need_bias=False):
        values = np.vectorize(lambda n: float(params[n]), otypes=[float])(grid)
        leaves[name] = (grid, torch.tensor(values, dtype=torch.float64, requires_grad=True))
    a = torch.tensor(np.asarray(inputs), dtype=torch.float64)
    image = network.layered_spec.image
    if image is not None:
        a = a.reshape(-1, *image.shape)
    tensors = {name: tensor for name, (_, tensor) in leaves.items()}
    y, z = _forward(network, a, tensors)
    t = torch.tensor(np.asarray(targets), dtype=torch.float64)
    per_sample_loss(str(network.loss), y, z, t).mean().backward()
    return {
        name: float(value)
        for grid, tensor in leaves.values()
        for name, value in zip(grid.flat, tensor.grad.numpy().flat)
    }


def _forward(network: Network, a, tensors: dict):
    """The torch forward pass, layer by layer from the spec: (output y, last sums z)."""
    import torch.nn.functional as functional  # optional: see torch_gradients

    z = a
    for l, layer in enumerate(network.layered_spec.layers, start=1):
        bias = tensors.get(f"b{l}")
        if isinstance(layer, ConvSpec):
            (top, bottom), (left, right) = pad_widths(layer.kernel_shape, layer.padding)
            padded = functional.pad(a, (left, right, top, bottom))
            z = functional.conv2d(padded, tensors[f"K{l}"], bias, stride=layer.stride)
        elif isinstance(layer, PoolSpec):
            pool = functional.max_pool2d if layer.kind == "max" else functional.avg_pool2d
            a = pool(a, layer.size)
            continue
        elif isinstance(layer, FlattenSpec):
            a = a.reshape(len(a), -1)
            continue
        else:
            a = a.reshape(len(a), -1)
            z = a @ tensors[f"W{l}"].T
            z = z if bias is None else z + bias
        a = torch_activation(layer.activation)(z)
    return a, z


def per_sample_loss(loss: str, y, z, t):
    """The loss of each sample (a torch vector) by symnet's conventions (see torch_gradients);
    ``z`` is the output layer's sums, from which bce and ce are computed."""
    import torch  # optional: see torch_gradients
    import torch.nn.functional as functional

    if loss == "mse":
        return 0.5 * ((y - t) ** 2).sum(dim=1)
    if loss == "mae":
        return functional.l1_loss(y, t, reduction="none").sum(dim=1)
    if loss == "huber":
        return functional.huber_loss(y, t, reduction="none", delta=1.0).sum(dim=1)
    formula = current_formulas().losses.get(loss)
    if formula is not None:  # the formula in torch's functions, summed over the outputs
        return framework_function(formula.expr, ("y", "t"), "torch")(y, t).sum(dim=1)
    if loss == "bce":
        return functional.binary_cross_entropy_with_logits(z, t, reduction="none").sum(dim=1)
    return torch.logsumexp(z, dim=1) - (t * z).sum(dim=1)
