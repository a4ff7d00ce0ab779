"""Filter an image file with a kernel and say what came out: the job of ``symnet convolve``.

:func:`filter_file` loads an image (or a ``.npy`` array, or the sample photo), filters it
(:func:`symnet.conv.filters.filter_image`), writes one output pixel as its dot product
channel by channel (:func:`symnet.conv.dot_product.channel_dot_products`) and saves the
outputs asked for. The :class:`Filtering` it returns prints itself as text or as a
JSON-ready dictionary.

>>> run = filter_file(None, "blur", grayscale=True, position=(0, 0))
>>> run.to_dict()["output_shape"], run.pixel.channels
([600, 512], ('gray',))
>>> print(run.text().splitlines()[0])
input: the sample photo (600x512 grayscale)
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from symnet.conv.dot_product import ChannelDotProducts, channel_dot_products
from symnet.conv.filters import filter_image
from symnet.conv.images import check_save_path, load_input, save_output, side_by_side
from symnet.conv.kernels import Kernel, resolve_kernel
from symnet.files import check_picture

__all__ = ["Filtering", "describe_image", "filter_file"]


def describe_image(values: np.ndarray) -> str:
    """``600x512 grayscale`` or ``600x512 3 channels``."""
    shape = values.shape
    kind = "grayscale" if values.ndim == 2 else f"{shape[2]} channels"
    return f"{shape[0]}x{shape[1]} {kind}"


@dataclass
class Filtering:
    """An image filtered with a kernel, one pixel explained, and the files written."""

    source: str  # the input's path, or "the sample photo"
    image: np.ndarray
    kernel: Kernel
    mode: str
    padding: str
    stride: int
    result: np.ndarray
    pixel: ChannelDotProducts | None = None
    output: Path | None = None
    display: str = "clip"
    side_by_side: Path | None = None

    def text(self) -> str:
        """The input, the kernel, the output's shape and range, the pixel, the files."""
        lines = [
            f"input: {self.source} ({describe_image(self.image)})",
            str(self.kernel),
            f"{self.mode}, padding {self.padding}, stride {self.stride} -> "
            f"{describe_image(self.result)}, "
            f"values {self.result.min():.6g} .. {self.result.max():.6g}",
        ]
        if self.pixel is not None:
            lines.append(self.pixel.text())
        if self.output is not None:
            npy = self.output.suffix.lower() == ".npy"
            how = "raw values" if npy else f"display: {self.display}"
            lines.append(f"wrote {self.output} ({how})")
        if self.side_by_side is not None:
            lines.append(f"wrote {self.side_by_side}")
        return "\n".join(lines)

    def to_dict(self) -> dict:
        """JSON-ready: input, shapes, kernel, settings, range, files and the pixel."""
        return {
            "input": self.source,
            "input_shape": list(self.image.shape),
            "kernel": {"name": self.kernel.name, "matrix": self.kernel.numbers()},
            "mode": self.mode,
            "padding": self.padding,
            "stride": self.stride,
            "output_shape": list(self.result.shape),
            "min": float(self.result.min()),
            "max": float(self.result.max()),
            "output_file": None if self.output is None else str(self.output),
            "side_by_side_file": None if self.side_by_side is None else str(self.side_by_side),
            "pixel": None if self.pixel is None else self.pixel.to_dict(),
        }


def filter_file(
    path: str | os.PathLike[str] | None = None,
    kernel: str | Kernel = "outline",
    padding: str = "same",
    stride: int = 1,
    mode: str = "correlate",
    grayscale: bool = False,
    position: tuple[int, int] | None = None,
    output: str | os.PathLike[str] | None = None,
    display: str = "clip",
    pair: str | os.PathLike[str] | None = None,
    overwrite: bool = False,
) -> Filtering:
    """Filter the image at ``path`` (None: the sample photo) with ``kernel``.

    Parameters
    ----------
    kernel : str or Kernel
        A library name, a ``.json`` file or a literal such as ``"0,-1,0;-1,5,-1;0,-1,0"``.
    padding, stride, mode
        As in :func:`symnet.conv.filters.filter_image`.
    position : (int, int), optional
        An output pixel to write as its dot product, channel by channel.
    output : path, optional
        ``.npy`` keeps the raw values; ``.png``/``.jpg`` is scaled by ``display``.
    pair : path, optional
        A PNG (or SVG) with the input and the output side by side.
    overwrite : bool
        Replace an existing ``.npy`` output (a picture is redrawn in place).

    Both output paths are checked before any work.
    """
    if output is not None:
        check_save_path(output, overwrite)
    if pair is not None:
        check_picture(pair, "side-by-side picture")
    chosen = resolve_kernel(kernel)
    image = load_input(path, grayscale)
    # The pixel first: one outside the output is refused before the whole image is filtered.
    pixel = None
    if position is not None:
        pixel = channel_dot_products(chosen, position, image, padding, stride, mode)
    result = filter_image(image, chosen, padding, stride, mode)
    source = "the sample photo" if path is None else str(path)
    run = Filtering(source, image, chosen, mode, padding, stride, result, display=display)
    run.pixel = pixel
    if output is not None:
        run.output = save_output(output, result, display, overwrite)
    if pair is not None:
        panels = [("input", image), (f"{chosen.name} ({mode})", result)]
        run.side_by_side = side_by_side(panels, pair, display, ["", chosen.text()])
    return run
