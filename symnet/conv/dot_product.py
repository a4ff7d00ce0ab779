"""Convolution as dot products, written symbolically: each output pixel is one sum.

"Each pixel in the new image is the dot product between the kernel and the corresponding
image portion" (the notes). :func:`dot_product` writes that sum for any output pixel, with
the image as symbols ``p_{r,c}`` (or with its actual numbers); :func:`window_taps` reads the
terms of a window's sum off as *taps* (u, v), the offsets that the numeric filters of
:mod:`symnet.conv.filters` turn into one shifted view of the image each.

>>> from symnet.conv.kernels import KERNELS
>>> print(dot_product(KERNELS["sharpen"], (0, 0)).expression)
-p_{0,1} - p_{1,0} + 5*p_{1,1} - p_{1,2} - p_{2,1}
>>> window_taps(1, 2)
((0, 0), (0, 1))
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import sympy as sp

from symnet.conv.kernels import Kernel, resolve_kernel
from symnet.exceptions import DataError, SpecError
from symnet.graph.shapes import check_options, output_shape, pad_widths

__all__ = [
    "ChannelDotProducts",
    "PixelDotProduct",
    "pixel_symbol",
    "image_symbols",
    "kernel_symbols",
    "window_taps",
    "flip",
    "flip_explanation",
    "dot_product",
    "channel_dot_products",
]


def pixel_symbol(row: int, col: int, name: str = "p") -> sp.Symbol:
    """The symbol of image pixel (row, col): ``p_{row,col}`` (also valid LaTeX)."""
    return sp.Symbol(f"{name}_{{{row},{col}}}")


def image_symbols(shape: tuple[int, int], name: str = "p") -> sp.ImmutableMatrix:
    """An image of pixel symbols, shape (H, W)."""
    return sp.ImmutableMatrix(shape[0], shape[1], lambda r, c: pixel_symbol(r, c, name))


def kernel_symbols(shape: tuple[int, int], name: str = "k") -> sp.ImmutableMatrix:
    """A kernel of weight symbols ``k_{u,v}``, shape (kh, kw) (for learning a kernel)."""
    return image_symbols(shape, name)


@functools.cache
def window_taps(kh: int, kw: int) -> tuple[tuple[int, int], ...]:
    """The (u, v) offsets of the terms of the window dot product ``sum k_{u,v} p_{u,v}``.

    This is the compilation step: the numeric code does one shifted view per tap.

    >>> window_taps(1, 2)
    ((0, 0), (0, 1))
    """
    weights, window = kernel_symbols((kh, kw)), image_symbols((kh, kw))
    where = {window[u, v]: (u, v) for u in range(kh) for v in range(kw)}
    expression = sp.Add(*(w * p for w, p in zip(weights, window)))
    taps = []
    for term in sp.Add.make_args(expression):
        (pixel,) = term.free_symbols & set(where)
        taps.append(where[pixel])
    return tuple(sorted(taps))


def flip(weights):
    """The kernel rotated by 180 degrees: ``K'[u, v] = K[kh-1-u, kw-1-v]``.

    Works on a Kernel, a SymPy matrix or an array (the last two axes are flipped).
    """
    if isinstance(weights, Kernel):
        return weights.flipped()
    if isinstance(weights, sp.MatrixBase):
        return sp.ImmutableMatrix([row[::-1] for row in weights.tolist()[::-1]])
    return np.asarray(weights)[..., ::-1, ::-1]


def flip_explanation(kernel) -> str:
    """Text: the flip that makes true convolution differ from the CNNs' cross-correlation."""
    kernel = resolve_kernel(kernel)
    same = kernel.flipped().matrix == kernel.matrix
    return "\n".join(
        [
            "cross-correlation (what CNN libraries call convolution):",
            "  y[i,j] = sum_u sum_v K[u,v] * x[i+u, j+v]",
            "true convolution flips the kernel first (rotates it by 180 degrees):",
            "  y[i,j] = sum_u sum_v K[kh-1-u, kw-1-v] * x[i+u, j+v]",
            "  (the textbook sum_m sum_n K[m,n] x[i-m, j-n], indexed from the first full window)",
            f"{kernel.name}:",
            kernel.text(),
            "flipped:",
            kernel.flipped().text(),
            "the kernel is symmetric under the flip, so both give the same image"
            if same
            else "the flip changes this kernel, so the two images differ",
        ]
    )


def _as_matrix(kernel) -> sp.ImmutableMatrix:
    if isinstance(kernel, sp.MatrixBase):
        return sp.ImmutableMatrix(kernel)
    return resolve_kernel(kernel).matrix


@dataclass(frozen=True)
class PixelDotProduct:
    """One output pixel as the dot product of the kernel with the image patch under it.

    Attributes
    ----------
    position : (int, int)
        The output pixel (i, j).
    weights : sympy.ImmutableMatrix
        The kernel as slid over the image (already flipped when ``mode="convolve"``).
    window : sympy.ImmutableMatrix
        The patch: pixel symbols ``p_{r,c}``, and 0 where the window covers zero padding.
    origin : (int, int)
        Image (row, col) of the patch's top-left entry (negative inside the padding).
    """

    position: tuple[int, int]
    weights: sp.ImmutableMatrix
    window: sp.ImmutableMatrix
    origin: tuple[int, int]
    mode: str = "correlate"
    output: str = "y"

    @property
    def expression(self) -> sp.Expr:
        """The dot product as a SymPy expression (zero terms dropped, like terms collected)."""
        return sp.Add(*(w * p for w, p in zip(self.weights, self.window)))

    @property
    def name(self) -> str:
        return f"{self.output}[{self.position[0]},{self.position[1]}]"

    def values(self, image) -> list:
        """The patch's numbers read from ``image`` (2-D), 0 in the padding."""
        image = np.asarray(image)
        (r0, c0), cols = self.origin, self.window.cols
        where = [(r0 + n // cols, c0 + n % cols) for n in range(len(self.window))]
        inside = [
            image.ndim == 2 and 0 <= r < image.shape[0] and 0 <= c < image.shape[1]
            for r, c in where
        ]
        if any(p != 0 and not ok for p, ok in zip(self.window, inside)):
            raise DataError(
                f"the patch of output pixel {self.name} does not lie in this image of shape "
                f"{image.shape}; give dot_product the image's shape"
            )
        return [0 if p == 0 else image[r, c].item() for p, (r, c) in zip(self.window, where)]

    def value(self, image) -> float:
        """The output pixel's value for ``image`` (2-D): the sum of the products."""
        return float(sum(float(w) * v for w, v in zip(self.weights, self.values(image))))

    def text(self, image=None) -> str:
        """The sum written out term by term, one kernel row per line; with ``image`` (2-D),
        with its actual numbers.

        Integer pixel values (an 8-bit image) give an exact total: ``481/9 = 53.4444``.
        """
        if image is None:
            terms = [f"({w})*{p}" for w, p in zip(self.weights, self.window)]
            total = str(self.expression)
        else:
            values = self.values(image)
            terms = [f"({w})*({_number(v)})" for w, v in zip(self.weights, values)]
            if all(float(v).is_integer() for v in values):
                exact = sp.Add(*(w * sp.Integer(int(v)) for w, v in zip(self.weights, values)))
                total = str(exact) if exact.is_Integer else f"{exact} = {float(exact):.6g}"
            else:
                total = _number(self.value(image))
        head, indent, width = f"{self.name} = ", " " * len(self.name), self.weights.cols
        rows = [" + ".join(terms[n : n + width]) for n in range(0, len(terms), width)]
        lines = [head + rows[0]] + [f"{indent} + {row}" for row in rows[1:]]
        return "\n".join([*lines, f"{indent} = {total}"])

    def latex(self) -> str:
        return (
            f"{self.output}_{{{self.position[0]},{self.position[1]}}} = {sp.latex(self.expression)}"
        )

    def __str__(self) -> str:
        return self.text()

    def _repr_latex_(self) -> str:
        return f"${self.latex()}$"


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.6g}"


def dot_product(
    kernel,
    position: tuple[int, int],
    image_shape: tuple[int, int] | None = None,
    padding: str = "valid",
    stride: int = 1,
    mode: str = "correlate",
    name: str = "p",
    output: str = "y",
) -> PixelDotProduct:
    """Output pixel ``position`` written as the dot product of the kernel and its patch.

    Parameters
    ----------
    kernel : Kernel, str, sympy.Matrix or array
        The kernel (a name, literal or file is resolved; a matrix may hold symbols).
    position : (int, int)
        The output pixel (i, j).
    image_shape : (int, int), optional
        (H, W): checks ``position`` and writes 0 where the patch covers padding.
    padding, stride, mode
        As in :func:`filter_image`.

    Notes
    -----
    NOTE: output pixel (i, j) reads the padded image at rows i s .. i s + kh - 1, so in
    image coordinates its patch starts at (i s - top, j s - left) (see :func:`pad_widths`).
    ``mode="convolve"`` slides the flipped kernel (see :func:`flip_explanation`).

    >>> dot_product("blur", (0, 0), (3, 3), padding="same").expression
    p_{0,0}/9 + p_{0,1}/9 + p_{1,0}/9 + p_{1,1}/9
    """
    check_options(padding, stride, mode)
    weights = _as_matrix(kernel)
    if mode == "convolve":
        weights = flip(weights)
    kh, kw = weights.shape
    (top, _), (left, _) = pad_widths((kh, kw), padding, mode)
    i, j = (int(x) for x in position)
    if image_shape is not None:
        rows, cols = output_shape(tuple(image_shape)[:2], (kh, kw), padding, stride, mode)
        if not (0 <= i < rows and 0 <= j < cols):
            raise SpecError(
                f"output pixel ({i},{j}) is outside the {rows}x{cols} output; "
                f"choose rows 0..{rows - 1} and columns 0..{cols - 1}"
            )
    elif min(i, j) < 0:
        raise SpecError(f"output pixel ({i},{j}) needs non-negative row and column")
    height, width = image_shape[:2] if image_shape is not None else (None, None)
    r0, c0 = i * stride - top, j * stride - left

    def inside(n: int, size: int | None) -> bool:
        return n >= 0 and (size is None or n < size)

    window = sp.ImmutableMatrix(
        kh,
        kw,
        lambda u, v: (
            pixel_symbol(r0 + u, c0 + v, name)
            if inside(r0 + u, height) and inside(c0 + v, width)
            else sp.S.Zero
        ),
    )
    return PixelDotProduct((i, j), weights, window, (r0, c0), mode, output)


#: What a colour image's channels are called in the output, in order.
COLOUR_CHANNELS = ("red", "green", "blue")


@dataclass(frozen=True)
class ChannelDotProducts:
    """One output pixel of an image, channel by channel: its sum with the actual numbers.

    ``channels`` names them (``gray``, or ``red``, ``green``, ``blue``); ``texts[c]`` is
    :meth:`PixelDotProduct.text` of channel c and ``values[c]`` its value.
    """

    product: PixelDotProduct
    channels: tuple[str, ...]
    texts: tuple[str, ...]
    values: tuple[float, ...]

    def text(self) -> str:
        """The sum of every channel, each under an ``output pixel (i,j) (channel):`` line."""
        i, j = self.product.position
        lines = []
        if self.product.mode == "convolve":
            lines.append("convolve: the kernel is flipped (rotated 180 degrees) before the sum")
        for name, text in zip(self.channels, self.texts):
            lines += [f"output pixel ({i},{j}) ({name}):", text]
        return "\n".join(lines)

    def to_dict(self) -> dict:
        """JSON-ready: row, col, expression, channels, dot_product_lines (per channel), values."""
        return {
            "row": self.product.position[0],
            "col": self.product.position[1],
            "expression": str(self.product.expression),
            "channels": list(self.channels),
            "dot_product_lines": [text.splitlines() for text in self.texts],
            "values": list(self.values),
        }


def channel_dot_products(
    kernel,
    position: tuple[int, int],
    image,
    padding: str = "valid",
    stride: int = 1,
    mode: str = "correlate",
) -> ChannelDotProducts:
    """Output pixel ``position`` of ``image`` ((H, W) or (H, W, channels)), per channel.

    >>> found = channel_dot_products("blur", (0, 0), np.full((3, 3), 9.0), padding="same")
    >>> found.channels, found.values
    (('gray',), (4.0,))
    """
    image = np.asarray(image)
    channels = [image] if image.ndim == 2 else [image[..., c] for c in range(image.shape[2])]
    product = dot_product(kernel, position, image.shape[:2], padding, stride, mode)
    names = ("gray",) if len(channels) == 1 else COLOUR_CHANNELS[: len(channels)]
    texts = tuple(product.text(channel) for channel in channels)
    values = tuple(product.value(channel) for channel in channels)
    return ChannelDotProducts(product, names, texts, values)
