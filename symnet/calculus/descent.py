"""Gradient descent: the update W <- W - alpha dL/dW, symbolically and as one worked step.

The notes train a network by moving every weight against its gradient::

    W_i = W_i - alpha * dLoss/dW_i

:func:`update_rules` writes that update for each parameter with the backprop gradient
(a cached delta times one local partial); :func:`descent_step` carries out one step at
a given point (one sample) with numbers: the parameter values, the gradients from the
numeric backprop sweep, the new values, and the loss before and after.

>>> from symnet.graph.build import build_network
>>> from symnet.graph.losses import add_loss
>>> net = add_loss(build_network("1-1"), "mse")
>>> update_rules(net)["w1"]
-X1*alpha*delta_y + w1
>>> step = descent_step(net, {"X1": 1.0, "w1": 3.0, "t": 1.0}, alpha=0.25)
>>> step.gradients["w1"], step.after["w1"], step.loss_before, step.loss_after
(2.0, 2.5, 2.0, 1.125)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import sympy as sp

from symnet.calculus.backprop import backprop_values, gradients
from symnet.calculus.chainrule import loss_node
from symnet.exceptions import SpecError
from symnet.graph.network import Network
from symnet.numeric.forward import forward_values

__all__ = ["ALPHA", "DescentStep", "update_rules", "descent_step", "descent_text"]

#: The learning rate's symbol, as the notes write it.
ALPHA = sp.Symbol("alpha")


def update_rules(network: Network) -> dict[str, sp.Expr]:
    """Parameter -> its value after one step, ``p - alpha * dL/dp`` (dL/dp in delta symbols)."""
    return {p: sp.Symbol(p) - ALPHA * g for p, g in gradients(network).items()}


@dataclass
class DescentStep:
    """One gradient-descent step at one sample: values, gradients and the loss around it."""

    alpha: float
    before: dict[str, float]
    gradients: dict[str, float]
    after: dict[str, float]
    loss_before: float
    loss_after: float


def descent_step(network: Network, point: Mapping[str, float], alpha: float = 0.1) -> DescentStep:
    """Take one step ``p <- p - alpha dL/dp`` from ``point`` (inputs, parameters, targets).

    Raises
    ------
    SpecError
        A learning rate that is not a positive finite number, or a point missing a leaf.

    Notes
    -----
    The gradients come from the numeric backprop sweep
    (:func:`symnet.numeric.forward.backprop_values`); the loss is the per-sample loss. A small
    enough ``alpha`` lowers the loss (to first order by alpha |grad|^2).
    """
    alpha = float(alpha)
    if not (alpha > 0 and alpha < float("inf")):
        raise SpecError(f"the learning rate alpha must be a positive number; got {alpha}")
    end = loss_node(network)
    values = forward_values(network, point)
    deltas = backprop_values(network, values)
    before = {p: values[p] for p in network.parameters}
    grads = {p: deltas.get(p, 0.0) for p in network.parameters}
    after = {p: before[p] - alpha * grads[p] for p in network.parameters}
    moved = forward_values(network, {**point, **after})
    return DescentStep(alpha, before, grads, after, values[end], moved[end])


def descent_text(step: DescentStep, limit: int = 12) -> str:
    """The step as a table: each parameter before, its gradient, after (first ``limit`` rows)."""
    lines = [
        f"One gradient-descent step, alpha = {step.alpha:g}:  p <- p - alpha * dL/dp",
        f"  {'parameter':<10} {'before':>11} {'dL/dp':>11} {'after':>11}",
    ]
    for p in list(step.before)[:limit]:
        lines.append(
            f"  {p:<10} {step.before[p]:>11.6f} {step.gradients[p]:>11.6f} {step.after[p]:>11.6f}"
        )
    hidden = len(step.before) - limit
    if hidden > 0:
        lines.append(f"  ... and {hidden} more")
    change = "lower" if step.loss_after < step.loss_before else "not lower"
    lines.append(f"  loss before {step.loss_before:.6f}, after {step.loss_after:.6f} ({change})")
    return "\n".join(lines)
