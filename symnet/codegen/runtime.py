"""The NumPy functions the generated layer code calls, and the namespace it runs in.

The generated ``forward``, ``evaluate`` and ``train_step`` (:mod:`symnet.codegen.program`)
print each elementwise factor as a call to a table function
(:data:`~symnet.numeric.functions.NUMPY_FUNCTIONS`); the operations that are not
elementwise are the functions here: the column softmax and log-sum-exp of the dense output
layer, and pooling forward and backward for image layers (convolutions are
:mod:`symnet.conv.filters`). :func:`generated_namespace` gathers them all.

Softmax is the one non-elementwise activation: its column form ``exp(Z - c) / sum`` is the
table's ``rewrite(exp)`` shifted by the column maximum ``c`` (softmax is shift-invariant,
checked in the tests), :func:`softmax_columns`.

>>> namespace = generated_namespace()
>>> namespace["sigmoid"] is NUMPY_FUNCTIONS["sigmoid"], namespace["exp"] is np.exp
(True, True)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from symnet.conv.filters import conv2d, input_gradient, kernel_gradient
from symnet.numeric.functions import NUMPY_FUNCTIONS

__all__ = [
    "avgpool",
    "avgpool_backward",
    "generated_namespace",
    "logsumexp_columns",
    "maxpool",
    "maxpool_backward",
    "RUNTIME_FUNCTIONS",
    "softmax_columns",
    "softmax_logsumexp_columns",
]

# ---- dense output layers: samples are columns ---------------------------------------------


def softmax_columns(Z: np.ndarray) -> np.ndarray:
    """Softmax of each column: the table's ``softmax(z_j, z_1..z_n) = exp(z_j) / sum_k exp(z_k)``.

    NOTE: shifted by each column's maximum (softmax is unchanged when every z_k moves by
    the same c), so ``exp`` never overflows.

    >>> softmax_columns(np.array([[0.0], [1000.0]]))
    array([[0.],
           [1.]])
    """
    with np.errstate(under="ignore"):  # a vanishing share rounds to 0, as it should
        E = np.exp(Z - Z.max(axis=0))
    return E / E.sum(axis=0)


def softmax_logsumexp_columns(Z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Both :func:`softmax_columns` and :func:`logsumexp_columns` from one ``exp``.

    NOTE: the cross-entropy step needs y = softmax(z) and logsumexp(z); with
    c = max_k z_k, E = exp(z - c) and S = sum_k E_k they are E / S and c + log(S).
    """
    c = Z.max(axis=0)
    with np.errstate(under="ignore"):
        E = np.exp(Z - c)
    S = E.sum(axis=0)
    return E / S, c + np.log(S)


def logsumexp_columns(Z: np.ndarray) -> np.ndarray:
    """``log(sum_k exp(z_k))`` of each column, shifted by the column maximum; shape (N,).

    >>> logsumexp_columns(np.array([[1000.0], [1000.0]])) - 1000.0
    array([0.69314718])
    """
    c = Z.max(axis=0)
    with np.errstate(under="ignore"):
        return c + np.log(np.exp(Z - c).sum(axis=0))


# ---- pooling layers: samples are the first axis, (N, C, H, W) -----------------------------


def _windows(A: np.ndarray, n: int) -> np.ndarray:
    """(N, C, R, Q, n*n): the entries of each n x n window in row-major order (a copy)."""
    N, C, H, W = A.shape
    R, Q = H // n, W // n
    blocks = A[:, :, : R * n, : Q * n].reshape(N, C, R, n, Q, n)
    return blocks.transpose(0, 1, 2, 4, 3, 5).reshape(N, C, R, Q, n * n)


def _unwindows(values: np.ndarray, shape: tuple[int, ...], n: int) -> np.ndarray:
    """Inverse of :func:`_windows`, zeros in the rows and columns no window covers."""
    N, C, R, Q = values.shape[:4]
    out = np.zeros(shape, dtype=values.dtype)
    blocks = values.reshape(N, C, R, Q, n, n).transpose(0, 1, 2, 4, 3, 5)
    out[:, :, : R * n, : Q * n] = blocks.reshape(N, C, R * n, Q * n)
    return out


def maxpool(A: np.ndarray, n: int) -> np.ndarray:
    """The largest entry of each n x n window (stride n); A is (N, C, H, W).

    >>> maxpool(np.arange(16.0).reshape(1, 1, 4, 4), 2)[0, 0]
    array([[ 5.,  7.],
           [13., 15.]])
    """
    N, C, H, W = A.shape
    R, Q = H // n, W // n
    return A[:, :, : R * n, : Q * n].reshape(N, C, R, n, Q, n).max(axis=(3, 5))


def maxpool_backward(Delta: np.ndarray, A: np.ndarray, n: int) -> np.ndarray:
    """dL/dA of :func:`maxpool`: each window's Delta goes to its largest entry, 0 elsewhere.

    NOTE: when several entries of a window tie for the largest, the first in row-major
    order takes the whole gradient, like :class:`symnet.graph.pooling.is_first_max` and
    ``numpy.argmax``; a tie has probability zero for real-valued inputs.
    """
    windows = _windows(A, n)
    mask = np.zeros(windows.shape, dtype=Delta.dtype)
    np.put_along_axis(mask, windows.argmax(axis=-1)[..., None], 1, axis=-1)
    return _unwindows(mask * Delta[..., None], A.shape, n)


def avgpool(A: np.ndarray, n: int) -> np.ndarray:
    """The mean of each n x n window (stride n); A is (N, C, H, W)."""
    return _windows(A, n).mean(axis=-1)


def avgpool_backward(Delta: np.ndarray, shape: tuple[int, ...], n: int) -> np.ndarray:
    """dL/dA of :func:`avgpool`: each window's Delta / n^2 to every one of its entries."""
    spread = np.broadcast_to((Delta / (n * n))[..., None], (*Delta.shape, n * n))
    return _unwindows(np.ascontiguousarray(spread), tuple(shape), n)


# ---- the namespace --------------------------------------------------------------------------

#: The functions of this module and of :mod:`symnet.conv.filters` the generated lines call.
RUNTIME_FUNCTIONS: dict[str, Callable] = {
    "softmax_columns": softmax_columns,
    "logsumexp_columns": logsumexp_columns,
    "softmax_logsumexp_columns": softmax_logsumexp_columns,
    "conv2d": conv2d,
    "kernel_gradient": kernel_gradient,
    "input_gradient": input_gradient,
    "maxpool": maxpool,
    "maxpool_backward": maxpool_backward,
    "avgpool": avgpool,
    "avgpool_backward": avgpool_backward,
}


def generated_namespace() -> dict[str, Any]:
    """A fresh namespace to ``exec`` generated code in: NumPy's public names, then the table
    functions of :data:`~symnet.numeric.functions.NUMPY_FUNCTIONS` (the same names the
    printer writes), then :data:`RUNTIME_FUNCTIONS`.
    """
    namespace: dict[str, Any] = {
        name: getattr(np, name) for name in dir(np) if not name.startswith("_")
    }
    namespace.update(NUMPY_FUNCTIONS)
    namespace.update(RUNTIME_FUNCTIONS)
    return namespace
