"""Independent gradient oracles and network strategies for the calculus tests.

The oracles never use symnet's chain rule, backprop or numeric sweep: they lambdify the
fully substituted loss (built from the graph's definitions by ``Network.substituted``)
and differentiate it by central finite differences, or rebuild the network in PyTorch.
"""

from __future__ import annotations

import numpy as np
import sympy as sp
from hypothesis import strategies as st

from symnet.numeric.functions import lambdify_modules

ELEMENTWISE = ("identity", "relu", "leaky_relu", "sigmoid", "tanh")


@st.composite
def spec_and_loss(draw, max_hidden: int = 1, max_width: int = 2) -> tuple[str, str]:
    """A small spec and a loss that fits its output layer (each loss equally likely)."""
    loss = draw(st.sampled_from(("mse", "bce", "ce")))
    parts = [str(draw(st.integers(1, max_width)))]
    for _ in range(draw(st.integers(0, max_hidden))):
        width, act = draw(st.integers(1, max_width)), draw(st.sampled_from(ELEMENTWISE))
        parts.append(str(width) if act == "identity" else f"{width}:{act}")
    if loss == "bce":
        parts.append("1:sigmoid")
    elif loss == "ce":
        parts.append(f"{draw(st.integers(2, 3))}:softmax")
    else:
        width = draw(st.integers(1, max_width))
        choices = ELEMENTWISE + (("softmax",) if width >= 2 else ())
        act = draw(st.sampled_from(choices))
        parts.append(str(width) if act == "identity" else f"{width}:{act}")
    return "-".join(parts), loss


def leaves(network) -> list[str]:
    return [*network.inputs, *network.parameters, *network.targets]


def loss_function(network):
    """The substituted loss as a NumPy function of the leaves (in :func:`leaves` order)."""
    expr = network.substituted(network.loss_node)
    return sp.lambdify([sp.Symbol(n) for n in leaves(network)], expr, modules=lambdify_modules())


def finite_difference_gradient(network, point: dict, h: float = 1e-6) -> dict[str, float]:
    """Central differences (L(p + h) - L(p - h)) / 2h of the substituted loss, per parameter."""
    f = loss_function(network)
    names = leaves(network)
    base = np.array([point[n] for n in names], dtype=float)
    gradient = {}
    for p in network.parameters:
        k = names.index(p)
        up, down = base.copy(), base.copy()
        up[k] += h
        down[k] -= h
        gradient[p] = (float(f(*up)) - float(f(*down))) / (2 * h)
    return gradient


def torch_gradient(network, point: dict) -> dict[str, float]:
    """dL/dp by PyTorch autograd on the same dense network, rebuilt from its layers."""
    import torch

    def value(name):
        return torch.tensor(point[name], dtype=torch.float64, requires_grad=True)

    leaf = {p: value(p) for p in network.parameters}
    a = torch.tensor([point[x] for x in network.inputs], dtype=torch.float64)
    z = a
    for layer in network.layers:
        W = torch.stack([torch.stack([leaf[w] for w in row]) for row in layer.weights])
        z = W @ a
        if layer.biases:
            z = z + torch.stack([leaf[b] for b in layer.biases])
        act = layer.activation
        a = {
            "identity": lambda v: v,
            "relu": torch.relu,
            "leaky_relu": lambda v: torch.nn.functional.leaky_relu(v, 0.01),
            "sigmoid": torch.sigmoid,
            "tanh": torch.tanh,
            "softmax": lambda v: torch.softmax(v, 0),
        }[act](z)
    t = torch.tensor([point[n] for n in network.targets], dtype=torch.float64)
    if network.loss == "mse":
        loss = 0.5 * ((a - t) ** 2).sum()
    elif network.loss == "bce":
        loss = torch.nn.functional.binary_cross_entropy_with_logits(z, t, reduction="sum")
    else:
        loss = -(t * torch.log_softmax(z, 0)).sum()
    loss.backward()
    return {p: float(leaf[p].grad) for p in network.parameters}
