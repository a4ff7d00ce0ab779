"""Convolution and pooling geometry in pure Python: paddings, output shapes, window counts.

Parsing a spec (which every command does, even ``--help`` paths) must stay free of NumPy
and SymPy, yet a conv spec needs its feature-map shapes. This module holds that geometry
once; :mod:`symnet.graph.spec`, the scalar graph and the layer-level code all read it.

>>> pad_widths((3, 3), "same")
((1, 1), (1, 1))
>>> output_shape((8, 8), (3, 3)), output_shape((8, 8), (3, 3), "same", 2)
((6, 6), (4, 4))
>>> pool_output_shape((6, 6), 2), pool_output_shape((5, 5), 2)
((3, 3), (2, 2))
"""

from __future__ import annotations

from symnet.exceptions import DataError, SpecError

__all__ = [
    "PADDINGS",
    "MODES",
    "check_options",
    "pad_widths",
    "output_shape",
    "pool_output_shape",
    "taps_inside",
]

PADDINGS = ("valid", "same", "full")
MODES = ("correlate", "convolve")


def check_options(padding: str, stride: int, mode: str = "correlate") -> None:
    """``SpecError`` unless ``padding``, ``stride`` and ``mode`` are allowed values."""
    if padding not in PADDINGS:
        raise SpecError(f"padding must be one of {', '.join(PADDINGS)}; got {padding!r}")
    if mode not in MODES:
        raise SpecError(f"mode must be one of {', '.join(MODES)}; got {mode!r}")
    if isinstance(stride, bool) or not hasattr(stride, "__index__") or int(stride) < 1:
        raise SpecError(f"stride must be a whole number of at least 1; got {stride!r}")


def pad_widths(
    kernel_shape: tuple[int, int], padding: str, mode: str = "correlate"
) -> tuple[tuple[int, int], ...]:
    """Zero rows/columns added ((top, bottom), (left, right)) for ``padding``.

    Notes
    -----
    NOTE: ``valid`` adds none (only windows fully inside the image); ``full`` adds kh-1
    and kw-1 on every side (every window that overlaps the image); ``same`` adds kh-1 in
    total, (kh-1)//2 on top when correlating and kh//2 when convolving, so an even kernel
    gives the same image as ``scipy.signal.correlate2d``/``convolve2d`` (and as PyTorch's
    ``padding="same"`` for correlation). Padding is zero fill.

    >>> pad_widths((2, 3), "full")
    ((1, 1), (2, 2))
    """
    check_options(padding, 1, mode)
    pads = []
    for k in kernel_shape:
        if padding == "valid":
            pads.append((0, 0))
        elif padding == "full":
            pads.append((k - 1, k - 1))
        else:
            before = (k - 1) // 2 if mode == "correlate" else k // 2
            pads.append((before, k - 1 - before))
    return tuple(pads)


def output_shape(
    image_shape, kernel_shape, padding: str = "valid", stride: int = 1, mode: str = "correlate"
) -> tuple[int, int]:
    """(rows, cols) of a convolution's output; ``DataError`` when the kernel does not fit.

    NOTE: with stride s the output is every s-th pixel of the stride-1 output, starting
    at the first: rows = (H + padding - kh) // s + 1.

    >>> output_shape((28, 28), (3, 3), "same", 2)
    (14, 14)
    """
    check_options(padding, stride, mode)
    pads = pad_widths(kernel_shape, padding, mode)
    sizes = [n + sum(p) - k for n, k, p in zip(image_shape, kernel_shape, pads)]
    if min(sizes) < 0:
        rows, cols = image_shape[:2]
        raise DataError(
            f"the {kernel_shape[0]}x{kernel_shape[1]} kernel is larger than the {rows}x{cols} "
            "image with padding 'valid'; use padding 'same' or 'full', or a smaller kernel"
        )
    return tuple(size // int(stride) + 1 for size in sizes)


def pool_output_shape(image_shape, size: int) -> tuple[int, int]:
    """(rows, cols) after pooling with an ``size`` x ``size`` window and stride ``size``.

    NOTE: windows do not overlap and do not run past the edge: rows = H // size, so the
    last H % size rows (and columns) are dropped, as in PyTorch's ``max_pool2d`` and
    ``avg_pool2d`` (``ceil_mode=False``). ``DataError`` when the window exceeds the map.

    >>> pool_output_shape((7, 6), 3)
    (2, 2)
    """
    if isinstance(size, bool) or not hasattr(size, "__index__") or int(size) < 1:
        raise SpecError(f"a pooling window must be a whole number of at least 1; got {size!r}")
    rows, cols = image_shape[:2]
    if size > rows or size > cols:
        raise DataError(
            f"the {size}x{size} pooling window is larger than the {rows}x{cols} map; "
            "use a smaller window"
        )
    return rows // size, cols // size


def taps_inside(size: int, kernel: int, before: int, stride: int, outputs: int) -> int:
    """Pairs (output index i, tap u) along one axis whose input index lies in the image.

    Output i's tap u reads padded index ``i s + u``, image index ``i s + u - before``.
    The count of a 2-D window factorises into rows x columns, so the terms of a whole
    feature map (the padding drops terms) are ``taps_inside(rows) * taps_inside(cols)``.

    >>> taps_inside(3, 3, 1, 1, 3)  # 'same' 3-tap window on 3 pixels: 2 + 3 + 2 terms
    7

    Notes
    -----
    Counted tap by tap, so the cost is the kernel's size, not the image's: tap u lies in
    the image for the outputs ``i`` with ``before - u <= i s < size + before - u``, that is
    from ``ceil((before - u) / s)`` to ``ceil((size + before - u) / s) - 1``, within
    ``0 .. outputs - 1``.
    """
    total = 0
    for u in range(kernel):
        first = max(0, -((u - before) // stride))  # ceil((before - u) / stride)
        last = min(outputs - 1, -((u - before - size) // stride) - 1)
        total += max(0, last - first + 1)
    return total
