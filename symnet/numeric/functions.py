"""The one map from symnet's SymPy functions to stable NumPy functions.

The graph is written in SymPy (:mod:`symnet.graph`); numbers meet it here. Every
``sympy.lambdify`` in symnet takes :func:`lambdify_modules`, and every generated module's
namespace starts from :data:`NUMPY_FUNCTIONS`, so an activation, a loss or a pooling
function has exactly one NumPy version. Each one is written to be stable where the
formula is not: sigmoid and softmax never take ``exp`` of a large positive number,
softplus and log-sum-exp shift by the largest argument.

>>> import sympy as sp
>>> from symnet.graph.losses import softplus
>>> f = sp.lambdify([sp.Symbol("z")], softplus(sp.Symbol("z")), modules=lambdify_modules())
>>> float(f(1000.0)), float(f(-1000.0))
(1000.0, 0.0)
>>> NUMPY_FUNCTIONS["sigmoid"](np.array([-1000.0, 0.0, 1000.0]))
array([0. , 0.5, 1. ])
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np
import sympy as sp

from symnet.graph.activations import LEAKY_SLOPE

__all__ = ["NUMPY_FUNCTIONS", "lambdify_modules", "numpy_function"]


def relu(z):
    return np.maximum(z, 0)


def step(z):
    # NOTE: ReLU'(0) = 0, matching symnet.graph.activations.step.
    return (np.asarray(z) > 0).astype(np.result_type(z, np.float32))


def leaky_relu(z):
    return np.where(z > 0, z, z * float(LEAKY_SLOPE))


def leaky_step(z):
    z = np.asarray(z)
    return np.where(z > 0, 1.0, float(LEAKY_SLOPE)).astype(np.result_type(z, np.float32))


def sigmoid(z):
    # Stable at |z| = 1000: exp is only taken of -|z|, which cannot overflow.
    z = np.asarray(z)
    with np.errstate(under="ignore"):  # exp(-1000) rounding to 0 is the right answer
        e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def softmax(chosen, *layer):
    # Log-sum-exp shift: exp never sees a positive argument.
    shift = np.maximum.reduce([np.asarray(z) for z in layer])
    with np.errstate(under="ignore"):  # a vanishing share rounds to 0, as it should
        total = sum(np.exp(z - shift) for z in layer)
        return np.exp(chosen - shift) / total


def softplus(z):
    # log(1 + e^z) = max(z, 0) + log1p(e^-|z|): exp only ever sees -|z|, so no overflow.
    z = np.asarray(z, dtype=float)
    with np.errstate(under="ignore"):  # e^-1000 rounding to 0 is the right answer
        return np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))


def logsumexp(*zs):
    # Shift by the largest logit: exp never sees a positive argument.
    shift = np.maximum.reduce([np.asarray(z, dtype=float) for z in zs])
    with np.errstate(under="ignore"):
        return shift + np.log(sum(np.exp(z - shift) for z in zs))


def max_pool(*window):
    """The elementwise largest of the window's arrays (broadcast)."""
    return functools.reduce(np.maximum, window)


def is_first_max(k, *window):
    """1.0 where entry ``k`` is the first largest of the window, else 0.0 (broadcast).

    NOTE: ties go to the first entry, as :class:`symnet.graph.pooling.is_first_max`.
    """
    chosen, first = window[int(k)], True
    for j, other in enumerate(window):
        if j != k:
            first = first & ((chosen > other) if j < k else (chosen >= other))
    return np.where(first, 1.0, 0.0)


#: SymPy function name -> its NumPy version (activations, their derivatives, losses, pooling).
NUMPY_FUNCTIONS: dict[str, Callable] = {
    "ReLU": relu,
    "step": step,
    "LeakyReLU": leaky_relu,
    "leaky_step": leaky_step,
    "sigmoid": sigmoid,
    "tanh": np.tanh,
    "softmax": softmax,
    "softplus": softplus,
    "logsumexp": logsumexp,
    "MaxPool": max_pool,
    "is_first_max": is_first_max,
}


def lambdify_modules() -> list:
    """The ``modules`` argument of every ``sympy.lambdify``: symnet's functions, then NumPy."""
    return [NUMPY_FUNCTIONS, "numpy"]


def numpy_function(expr: sp.Expr, variable: str = "x") -> Callable[[np.ndarray], np.ndarray]:
    """A vectorised NumPy function of ``variable``; non-finite or complex values become NaN.

    >>> from symnet.parse import parse_expression
    >>> f = numpy_function(parse_expression("relu(x) + 1"))
    >>> f(np.array([-1.0, 2.0]))
    array([1., 3.])
    """
    symbol = sp.Symbol(variable)
    compiled = sp.lambdify(symbol, expr, modules=lambdify_modules())

    def evaluate(x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        with np.errstate(all="ignore"):
            values = np.asarray(compiled(x))
        if np.iscomplexobj(values):
            values = np.where(np.abs(values.imag) > 0, np.nan, values.real)
        values = np.broadcast_to(values.astype(float), x.shape).copy()
        values[~np.isfinite(values)] = np.nan
        return values

    return evaluate
