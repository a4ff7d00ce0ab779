"""Convolution in NumPy: every output pixel's dot product at once, as sliding windows.

:func:`filter_image` and :func:`conv2d` compute every pixel of
:func:`symnet.conv.dot_product.dot_product` at once, from the same sum. How the sum is
compiled: the dot product of a kh x kw window, ``sum k_{u,v} p_{u,v}``, is
built once per kernel shape with SymPy and its terms are read off as *taps* (u, v). Output
pixel (i, j) reads window entry (u, v) at padded-image position (i s + u, j s + v), so all
pixels at once read, for each tap, one shifted (strided) view of the padded image:

* one image (:func:`filter_image`): shift-and-add, ``out += k[u, v] * view(u, v)`` per tap
  (zero weights are skipped, +-1 need no multiply), row block by row block so that the
  running sum stays in cache;
* batches (:func:`conv2d`, (N, C, H, W) with K kernels (K, C, kh, kw)): the tap views are
  copied into the rows of one matrix (im2col), and every dot product of every pixel with
  every kernel is then one BLAS matrix product. An ``einsum`` over
  ``numpy.lib.stride_tricks.sliding_window_view`` computes the same but copies the windows
  less directly; it measured about 2x slower here (1 thread, see benchmarks/conv.py).

>>> from symnet.conv.kernels import KERNELS
>>> import numpy as np
>>> filter_image(np.arange(16.0).reshape(4, 4), KERNELS["outline"])
array([[0., 0.],
       [0., 0.]])
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from symnet.conv.dot_product import flip, window_taps
from symnet.conv.kernels import Kernel, resolve_kernel
from symnet.exceptions import DataError
from symnet.graph.shapes import MODES, PADDINGS, check_options, output_shape, pad_widths
from symnet.graph.size import require_at_most

__all__ = [
    "PADDINGS",
    "MODES",
    "pad_widths",
    "output_shape",
    "filter_image",
    "correlate",
    "convolve",
    "conv2d",
    "kernel_gradient",
    "input_gradient",
]

#: The most multiply-adds one call may do before it is refused.
MAX_CONV_WORK = 10_000_000_000
# Elements of one row block of the running sum (about 128 KiB of float64: stays in L2).
_BLOCK_ELEMENTS = 16_384


def _as_array(kernel) -> np.ndarray:
    if isinstance(kernel, Kernel | str):
        return resolve_kernel(kernel).array()
    if isinstance(kernel, sp.MatrixBase):
        return np.array(kernel.tolist(), dtype=np.float64)
    return np.asarray(kernel)


def _as_float(array, what: str) -> np.ndarray:
    array = np.asarray(array)
    if array.dtype.kind not in "biuf":
        raise DataError(f"the {what} must hold real numbers; got dtype {array.dtype}")
    return array if array.dtype in (np.float32, np.float64) else array.astype(np.float64)


def _padded(image: np.ndarray, kernel_shape, padding: str, mode: str, axes: tuple[int, int]):
    pads = pad_widths(kernel_shape, padding, mode)
    if padding == "valid":
        return image
    widths = [(0, 0)] * image.ndim
    widths[axes[0]], widths[axes[1]] = pads
    return np.pad(image, widths)


def filter_image(image, kernel, padding: str = "valid", stride: int = 1, mode: str = "correlate"):
    """Slide ``kernel`` over ``image``: every output pixel is one :func:`dot_product`.

    Parameters
    ----------
    image : array, shape (H, W) or (H, W, C)
        Grayscale, or channels last (RGB): each channel is filtered alike.
    kernel : Kernel, str or array (kh, kw)
    padding : {"valid", "same", "full"}
        Zero padding, see :func:`pad_widths`.
    stride : int
    mode : {"correlate", "convolve"}
        ``correlate`` is what CNNs do; ``convolve`` flips the kernel first.

    Returns
    -------
    ndarray, shape (rows, cols) or (rows, cols, C)
        float32 for a float32 image, else float64.
    """
    check_options(padding, stride, mode)
    image = _as_float(image, "image")
    weights = _as_float(_as_array(kernel), "kernel")
    if image.ndim not in (2, 3) or weights.ndim != 2:
        raise DataError(
            f"filter_image needs an image (H, W) or (H, W, C) and a 2-D kernel; got "
            f"shapes {image.shape} and {weights.shape}"
        )
    if not np.isfinite(image).all():
        raise DataError("the image holds NaN or infinite values; replace them before filtering")
    if mode == "convolve":
        weights = flip(weights)
    rows, cols = output_shape(image.shape[:2], weights.shape, padding, stride, mode)
    channels = image.shape[2] if image.ndim == 3 else 1
    work = rows * cols * channels * weights.size
    require_at_most(work, MAX_CONV_WORK, "this convolution", "use a smaller image or kernel")
    padded = _padded(image, weights.shape, padding, mode, (0, 1))
    dtype = np.float32 if image.dtype == np.float32 else np.float64
    out = np.zeros((rows, cols) + image.shape[2:], dtype=dtype)
    taps = [(u, v, float(weights[u, v])) for u, v in window_taps(*weights.shape)]
    taps = [tap for tap in taps if tap[2] != 0.0]
    block = max(1, _BLOCK_ELEMENTS // (cols * channels))
    scratch = np.empty((min(block, rows), cols) + image.shape[2:], dtype=dtype)
    span = (cols - 1) * stride + 1
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow is reported below
        for r0 in range(0, rows, block):
            r1 = min(rows, r0 + block)
            part, temporary = out[r0:r1], scratch[: r1 - r0]
            for u, v, w in taps:
                view = padded[
                    r0 * stride + u : (r1 - 1) * stride + u + 1 : stride, v : v + span : stride
                ]
                if w == 1.0:
                    part += view
                elif w == -1.0:
                    part -= view
                else:
                    np.multiply(view, w, out=temporary)
                    part += temporary
    if not np.isfinite(out).all():
        raise DataError(
            f"the filtered values overflow {dtype.__name__} (beyond "
            f"{float(np.finfo(dtype).max):.3g}); scale the image down before filtering"
        )
    return out


def correlate(image, kernel, padding: str = "valid", stride: int = 1) -> np.ndarray:
    """Cross-correlation (the CNN convention): :func:`filter_image` with ``mode="correlate"``."""
    return filter_image(image, kernel, padding, stride, "correlate")


def convolve(image, kernel, padding: str = "valid", stride: int = 1) -> np.ndarray:
    """True convolution (kernel flipped): :func:`filter_image` with ``mode="convolve"``."""
    return filter_image(image, kernel, padding, stride, "convolve")


def _columns(x: np.ndarray, kernel_shape, padding: str, stride: int, mode: str):
    """im2col: (N, C*kh*kw, rows*cols), row (c, tap) holding the tap's view of channel c."""
    n, c = x.shape[:2]
    rows, cols = output_shape(x.shape[2:], kernel_shape, padding, stride, mode)
    padded = _padded(x, kernel_shape, padding, mode, (2, 3))
    taps = window_taps(*kernel_shape)
    columns = np.empty((n, c, len(taps), rows, cols), dtype=x.dtype)
    row_span, col_span = (rows - 1) * stride + 1, (cols - 1) * stride + 1
    for t, (u, v) in enumerate(taps):
        columns[:, :, t] = padded[:, :, u : u + row_span : stride, v : v + col_span : stride]
    return columns.reshape(n, c * len(taps), rows * cols), (rows, cols), taps


def _check_batch(x, weights) -> tuple[np.ndarray, np.ndarray]:
    x, weights = _as_float(x, "input batch"), _as_float(weights, "kernels")
    if x.ndim != 4 or weights.ndim != 4 or x.shape[1] != weights.shape[1]:
        raise DataError(
            "conv2d needs inputs (N, C, H, W) and kernels (K, C, kh, kw) with the same C; "
            f"got shapes {x.shape} and {weights.shape}"
        )
    dtype = np.float32 if x.dtype == weights.dtype == np.float32 else np.float64
    return x.astype(dtype, copy=False), weights.astype(dtype, copy=False)


def conv2d(x, weights, padding: str = "valid", stride: int = 1, mode: str = "correlate"):
    """A convolutional layer's linear part: K kernels over a batch of C-channel images.

    ``out[n, k, i, j] = sum_c sum_(u,v) weights[k, c, u, v] * x_pad[n, c, i s + u, j s + v]``

    Parameters
    ----------
    x : array (N, C, H, W)
    weights : array (K, C, kh, kw)
    padding, stride, mode
        As in :func:`filter_image`.

    Returns
    -------
    ndarray (N, K, rows, cols)

    >>> conv2d(np.ones((2, 1, 4, 4)), np.ones((3, 1, 3, 3))).shape
    (2, 3, 2, 2)
    """
    check_options(padding, stride, mode)
    x, weights = _check_batch(x, weights)
    if mode == "convolve":
        weights = flip(weights)
    k, c, kh, kw = weights.shape
    rows, cols = output_shape(x.shape[2:], (kh, kw), padding, stride, mode)
    work = x.shape[0] * k * c * kh * kw * rows * cols
    require_at_most(work, MAX_CONV_WORK, "this convolution", "use fewer or smaller images")
    columns, (rows, cols), taps = _columns(x, (kh, kw), padding, stride, mode)
    matrix = np.stack([weights[:, :, u, v] for u, v in taps], axis=2).reshape(k, -1)
    return np.matmul(matrix, columns).reshape(x.shape[0], k, rows, cols)


def kernel_gradient(x, delta, kernel_shape, padding="valid", stride=1, mode="correlate"):
    """dL/dweights of :func:`conv2d`: the correlation of the input with the upstream delta.

    Parameters
    ----------
    x : array (N, C, H, W)
    delta : array (N, K, rows, cols)
        dL/d out.
    kernel_shape : (int, int)

    Returns
    -------
    ndarray (K, C, kh, kw)

    Notes
    -----
    out[n,k,i,j] holds weights[k,c,u,v] once, multiplied by x_pad[n,c,i s+u,j s+v], so
    ``dL/dweights[k,c,u,v] = sum_(n,i,j) delta[n,k,i,j] x_pad[n,c,i s+u,j s+v]``: for each
    tap, the dot product of delta with the same view of the input that the forward pass
    used. symnet.conv.learning checks this against ``sympy.diff``.
    """
    check_options(padding, stride, mode)
    x, delta = _as_float(x, "input batch"), _as_float(delta, "delta")
    columns, shape, taps = _columns(x, tuple(kernel_shape), padding, stride, mode)
    if delta.ndim != 4 or delta.shape[0] != x.shape[0] or delta.shape[2:] != shape:
        raise DataError(f"delta must have shape (N, K, {shape[0]}, {shape[1]}); got {delta.shape}")
    n, k = delta.shape[:2]
    flat = np.matmul(delta.reshape(n, k, -1), columns.transpose(0, 2, 1)).sum(axis=0)
    grad = np.zeros((k, x.shape[1], *kernel_shape), dtype=flat.dtype)
    per_tap = flat.reshape(k, x.shape[1], len(taps))
    for t, (u, v) in enumerate(taps):
        grad[:, :, u, v] = per_tap[:, :, t]
    return flip(grad).copy() if mode == "convolve" else grad


def input_gradient(delta, weights, input_shape, padding="valid", stride=1, mode="correlate"):
    """dL/dx of :func:`conv2d`: each delta spread back over the window it was read from.

    Parameters
    ----------
    delta : array (N, K, rows, cols)
        dL/d out.
    weights : array (K, C, kh, kw)
    input_shape : (int, int)
        (H, W) of the input.

    Returns
    -------
    ndarray (N, C, H, W)

    Notes
    -----
    x_pad[n,c,r,q] enters out[n,k,i,j] once for every tap with (i s + u, j s + v) = (r, q),
    so ``dL/dx_pad[n,c,i s+u,j s+v] += sum_k delta[n,k,i,j] weights[k,c,u,v]`` (with stride
    1: the full correlation of delta with the flipped kernel); the padding is then cut off.
    """
    check_options(padding, stride, mode)
    delta, weights = _check_batch(delta, np.swapaxes(np.asarray(weights), 0, 1))
    weights = np.swapaxes(weights, 0, 1)
    if mode == "convolve":
        weights = flip(weights)
    (n, k), (c, kh, kw) = delta.shape[:2], weights.shape[1:]
    height, width = (int(size) for size in input_shape)
    rows, cols = output_shape((height, width), (kh, kw), padding, stride, mode)
    if delta.shape[2:] != (rows, cols):
        raise DataError(f"delta must have shape (N, K, {rows}, {cols}); got {delta.shape}")
    (top, bottom), (left, right) = pad_widths((kh, kw), padding, mode)
    taps = window_taps(kh, kw)
    matrix = np.stack([weights[:, :, u, v] for u, v in taps], axis=2).reshape(k, -1)
    spread = np.matmul(matrix.T, delta.reshape(n, k, -1)).reshape(n, c, len(taps), rows, cols)
    grad = np.zeros((n, c, height + top + bottom, width + left + right), dtype=spread.dtype)
    row_span, col_span = (rows - 1) * stride + 1, (cols - 1) * stride + 1
    for t, (u, v) in enumerate(taps):
        grad[:, :, u : u + row_span : stride, v : v + col_span : stride] += spread[:, :, t]
    return grad[:, :, top : top + height, left : left + width]
