"""Gradient-descent update rules: plain, with momentum, and Adam.

Each optimizer updates a list of parameter arrays **in place** from a list of gradients
of the same shapes, so a training step allocates nothing for the parameters themselves.
The rule is the notes' ``W = W - alpha dLoss/dW`` and two common refinements:

========= ==================================================================================
sgd       p <- p - lr g
momentum  v <- mu v - lr g;  p <- p + v                        (mu = 0.9, "heavy ball")
adam      m <- b1 m + (1 - b1) g;  v <- b2 v + (1 - b2) g^2;
          p <- p - lr m_hat / (sqrt(v_hat) + eps),  m_hat = m / (1 - b1^t), v_hat = v / (1 - b2^t)
          (b1 = 0.9, b2 = 0.999, eps = 1e-8, as in Kingma & Ba and torch.optim.Adam)
========= ==================================================================================

>>> import numpy as np
>>> p = [np.array([1.0, 2.0])]
>>> opt = make_optimizer("sgd", lr=0.5, params=p)
>>> opt.update(p, [np.array([1.0, -2.0])])
>>> p[0]
array([0.5, 3. ])
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from symnet.exceptions import SpecError

__all__ = ["OPTIMIZERS", "Optimizer", "SGD", "Momentum", "Adam", "make_optimizer"]


class Optimizer:
    """Base class: holds the learning rate ``lr``; subclasses implement :meth:`update`."""

    name = "base"

    def __init__(self, lr: float, params: Sequence[np.ndarray]):
        if not (isinstance(lr, (int, float)) and math.isfinite(lr) and lr > 0):
            raise SpecError(f"the learning rate must be a positive number; got {lr!r}")
        self.lr = float(lr)

    def update(self, params: list[np.ndarray], grads: Sequence[np.ndarray]) -> None:
        """Move every ``params[k]`` in place using ``grads[k]``."""
        raise NotImplementedError


class SGD(Optimizer):
    """Plain gradient descent: ``p <- p - lr g``."""

    name = "sgd"

    def update(self, params, grads):
        lr = self.lr
        for p, g in zip(params, grads):
            p -= lr * g


class Momentum(Optimizer):
    """Gradient descent with (heavy-ball) momentum ``mu``: ``v <- mu v - lr g; p <- p + v``."""

    name = "momentum"

    def __init__(self, lr: float, params: Sequence[np.ndarray], mu: float = 0.9):
        super().__init__(lr, params)
        self.mu = mu
        self.velocity = [np.zeros_like(p) for p in params]

    def update(self, params, grads):
        lr, mu = self.lr, self.mu
        for p, g, v in zip(params, grads, self.velocity):
            v *= mu
            v -= lr * g
            p += v


class Adam(Optimizer):
    """Adam: moving averages of the gradient and its square, corrected for their zero start.

    Notes
    -----
    NOTE: computed in the paper's equivalent form ``p <- p - lr_t m / (sqrt(v) + eps_t)``
    with ``lr_t = lr sqrt(1 - b2^t) / (1 - b1^t)`` and ``eps_t = eps sqrt(1 - b2^t)``,
    which equals the bias-corrected rule in the module docstring exactly (algebraically)
    and saves two passes over every array.
    """

    name = "adam"

    def __init__(
        self,
        lr: float,
        params: Sequence[np.ndarray],
        beta1: float = 0.9,
        beta2: float = 0.999,
        eps: float = 1e-8,
    ):
        super().__init__(lr, params)
        self.beta1, self.beta2, self.eps = beta1, beta2, eps
        self.t = 0
        self.m = [np.zeros_like(p) for p in params]
        self.v = [np.zeros_like(p) for p in params]

    def update(self, params, grads):
        self.t += 1
        b1, b2 = self.beta1, self.beta2
        correction = math.sqrt(1.0 - b2**self.t)
        lr_t = self.lr * correction / (1.0 - b1**self.t)
        eps_t = self.eps * correction
        for p, g, m, v in zip(params, grads, self.m, self.v):
            m *= b1
            m += (1.0 - b1) * g
            v *= b2
            v += (1.0 - b2) * (g * g)
            p -= lr_t * m / (np.sqrt(v) + eps_t)


OPTIMIZERS: dict[str, type[Optimizer]] = {"sgd": SGD, "momentum": Momentum, "adam": Adam}


def make_optimizer(name: str, lr: float, params: Sequence[np.ndarray]) -> Optimizer:
    """The optimizer called ``name`` (sgd, momentum, adam) for ``params``.

    >>> make_optimizer("rmsprop", 0.1, [])
    Traceback (most recent call last):
    ...
    symnet.exceptions.SpecError: optimizer must be one of 'sgd', 'momentum', 'adam'; got 'rmsprop'
    """
    if name not in OPTIMIZERS:
        allowed = ", ".join(repr(n) for n in OPTIMIZERS)
        raise SpecError(f"optimizer must be one of {allowed}; got {name!r}")
    return OPTIMIZERS[name](lr, params)
