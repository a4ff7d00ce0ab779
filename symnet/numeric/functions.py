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
import scipy.special
import sympy as sp

from symnet.graph.functions import GELU_TANH_CUBIC, LEAKY_SLOPE, SELU_ALPHA, SELU_SCALE

__all__ = ["NUMPY_FUNCTIONS", "lambdify_modules", "numpy_function"]


def relu(z):
    return np.maximum(z, 0)


def step(z):
    # NOTE: ReLU'(0) = 0, matching symnet.graph.activations.step.
    return (np.asarray(z) > 0).astype(np.result_type(z, np.float32))


def leaky_relu(z, slope=float(LEAKY_SLOPE)):
    return np.where(z > 0, z, z * slope)


def leaky_step(z, slope=float(LEAKY_SLOPE)):
    z = np.asarray(z)
    return np.where(z > 0, 1.0, slope).astype(np.result_type(z, np.float32))


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


def elu(z):
    # expm1 of min(z, 0): exp never sees a positive argument, and is exact near 0.
    z = np.asarray(z)
    with np.errstate(under="ignore"):
        return np.where(z > 0, z, np.expm1(np.minimum(z, 0)))


def elu_step(z):
    # NOTE: ELU'(z) = 1 for z > 0, else exp(z); both are 1 at 0.
    with np.errstate(under="ignore"):
        return np.exp(np.minimum(z, 0))


_SELU_SCALE, _SELU_ALPHA = float(SELU_SCALE), float(SELU_ALPHA)


def selu(z):
    return _SELU_SCALE * np.where(np.asarray(z) > 0, z, _SELU_ALPHA * elu(z))


def selu_step(z):
    # NOTE: SELU'(0) = lambda alpha, the left branch, as symnet.graph.functions.selu_step.
    return _SELU_SCALE * np.where(np.asarray(z) > 0, 1.0, _SELU_ALPHA * elu_step(z))


def normal_cdf(z):
    # erfc(-z / sqrt 2) / 2 keeps its digits for very negative z, where 1 + erf(...) is 0.
    return 0.5 * scipy.special.erfc(-np.asarray(z, dtype=float) / np.sqrt(2.0))


def normal_pdf(z):
    with np.errstate(under="ignore"):  # exp(-z^2/2) rounding to 0 far out is right
        return np.exp(-0.5 * np.square(z)) / np.sqrt(2.0 * np.pi)


# NOTE: a product rounding to 0 below the smallest float is the right answer: no warning.
@np.errstate(under="ignore")
def gelu(z):
    return z * normal_cdf(z)


@np.errstate(under="ignore")
def gelu_tanh(z):
    inner = np.sqrt(2.0 / np.pi) * (z + float(GELU_TANH_CUBIC) * np.power(z, 3))
    return 0.5 * z * (1.0 + np.tanh(inner))


@np.errstate(under="ignore")
def silu(z):
    return z * sigmoid(z)


@np.errstate(under="ignore")
def mish(z):
    return z * np.tanh(softplus(z))


@np.errstate(under="ignore")
def huber(r):
    r = np.asarray(r)
    return np.where(np.abs(r) <= 1, 0.5 * np.square(r), np.abs(r) - 0.5)


def unit_clip(r):
    return np.clip(r, -1.0, 1.0)


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
    "ELU": elu,
    "elu_step": elu_step,
    "SELU": selu,
    "selu_step": selu_step,
    "GELU": gelu,
    "Phi": normal_cdf,
    "phi": normal_pdf,
    "GELU_tanh": gelu_tanh,
    "SiLU": silu,
    "Mish": mish,
    "absolute": np.abs,
    "huber": huber,
    "unit_clip": unit_clip,
    "erf": scipy.special.erf,
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
