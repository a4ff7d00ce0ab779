"""The report section on convolution kernels: the notes' three kernels on the sample photo.

:func:`convolution_section` filters the photo with the outline, blur and sharpen kernels
(:mod:`symnet.conv.filters`), and writes one output pixel as the dot product of the kernel
with the patch under it (:func:`symnet.conv.dot_product.dot_product`). It does not depend on
the network of the report.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import sympy as sp

from symnet.conv.dot_product import PixelDotProduct, dot_product
from symnet.conv.filters import filter_image
from symnet.conv.images import load_image, side_by_side
from symnet.conv.kernels import KERNELS, NOTES_KERNELS, Kernel
from symnet.report.document import Block, Code, Equations, Figure, Paragraph
from symnet.report.latex import MathContext, Numbers
from symnet.report.sections.common import ReportInput

__all__ = ["convolution_section"]


def convolution_section(inp: ReportInput) -> list[Block]:
    """The notes' outline, blur and sharpen kernels on the sample photo, one pixel's sum."""
    photo = load_image(grayscale=True)
    kernels = [KERNELS[name] for name in NOTES_KERNELS]
    filtered = [filter_image(photo, kernel, padding="same") for kernel in kernels]
    row, col = _strongest_pixel(filtered[0])
    top, left = max(row - 60, 0), max(col - 90, 0)
    zoom = (top, top + 120, left, left + 180)
    path = inp.scratch / "kernels.png"
    panels = [("original", photo)] + [(k.name, f) for k, f in zip(kernels, filtered)]
    side_by_side(
        panels, path, captions=["grayscale"] + [k.name for k in kernels], zoom=zoom, mark=(row, col)
    )
    product = dot_product(kernels[0], (row, col), photo.shape, padding="same")
    symbol = sp.Symbol(f"y_{{{row},{col}}}")
    return _kernel_blocks(kernels, path, (row, col)) + [
        Equations(_dot_product_rows(product, photo, symbol), MathContext()),
        Paragraph(
            [
                "A convolutional layer slides several kernels like these over its input and ",
                Code("symnet learn-kernel"),
                " shows that gradient descent finds a "
                "kernel from examples, as a CNN learns the best kernels to use.",
            ]
        ),
    ]


def _strongest_pixel(response: np.ndarray, margin: int = 40) -> tuple[int, int]:
    """Where the outline kernel answers most strongly, away from the border."""
    inner = response[margin:-margin, margin:-margin]
    row, col = np.unravel_index(int(np.argmax(inner)), inner.shape)
    return int(row) + margin, int(col) + margin


def _kernel_blocks(kernels: list[Kernel], path: Path, pixel: tuple[int, int]) -> list[Block]:
    rows = [[sp.Symbol(k.name), "=", sp.ImmutableMatrix(k.matrix)] for k in kernels]
    names = {k.name: f"K_{{{k.name}}}" for k in kernels}
    return [
        Paragraph(
            [
                "Convolutional networks filter images with kernels. The notes' three: "
                "outline (edges), blur (the mean of the 3x3 patch) and sharpen:"
            ]
        ),
        Equations(rows, MathContext(names=names)),
        Figure(
            "kernels",
            "The sample photo (grayscale) filtered with each kernel; the second "
            "row enlarges the marked region.",
            png=path.read_bytes(),
        ),
        Paragraph(
            [
                "Each pixel of the new image is the dot product of the kernel with the "
                "patch of the image under it (cross-correlation, zero padding 'same'). "
                f"The marked output pixel {pixel} of the outline image, with the photo's "
                "pixels p and then their values:"
            ]
        ),
    ]


def _dot_product_rows(product: PixelDotProduct, photo: np.ndarray, symbol: sp.Symbol) -> list:
    """The sum one kernel row per line: with pixel symbols, then with the photo's values."""
    width = product.weights.cols
    weights, pixels = list(product.weights), list(product.window)
    values = [int(v) for v in product.values(photo)]
    rows, numbers = [], []
    for start in range(0, len(weights), width):
        part = range(start, start + width)
        row: list = [symbol, "="] if start == 0 else []
        for i in part:  # term by term, in kernel order, each sign written as the operator
            term = weights[i] * pixels[i]
            negative = term.could_extract_minus_sign()
            if row and row[-1] != "=":
                row += ["−" if negative else "+", -term if negative else term]
            else:
                row.append(term)
        rows.append(row)
        text = " + ".join(f"({weights[i]})({values[i]})" for i in part)
        numbers.append(["=", Numbers(text)] if start == 0 else ["+", Numbers(text)])
    total = sum(w * sp.Integer(v) for w, v in zip(weights, values))
    return rows + numbers + [["=", total]]
