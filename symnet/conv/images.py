"""Images in and out: PNG and JPEG through Pillow, raw values as ``.npy``, the sample photo.

Pixel values are read as float64 in 0..255 (an 8-bit image's own numbers, so a dot
product shows the integers the file holds): grayscale as (H, W), colour as (H, W, 3).
Filtered images leave 0..255, so they are scaled for display (:func:`to_display`) when
saved as pictures; a ``.npy`` output keeps the raw floats. Every file is written
atomically (:mod:`symnet.files`); Pillow and matplotlib are imported only inside the
functions that need them, as they are slow to import. Bad files (not an image,
truncated, past Pillow's decompression-bomb limit, an ``.npy`` of the wrong shape or of
Python objects) raise a one-line ``DataError``.

>>> image = load_image(grayscale=True)
>>> image.shape, image.dtype, bool(0 <= image.min() <= image.max() <= 255)
((600, 512), dtype('float64'), True)
>>> to_display(np.array([[-20.0, 0.4, 300.0]]))
array([[  0,   0, 255]], dtype=uint8)
"""

from __future__ import annotations

import io
import os
import warnings
from pathlib import Path

import numpy as np

from symnet.exceptions import DataError, SpecError
from symnet.files import (
    check_output,
    check_picture,
    require_regular_file,
    save_figure,
    write_bytes_atomic,
)

__all__ = [
    "MAX_PIXELS",
    "SAMPLE_IMAGE",
    "SCALES",
    "sample_image_path",
    "load_image",
    "load_array",
    "load_input",
    "to_display",
    "save_image",
    "save_array",
    "save_output",
    "check_save_path",
    "side_by_side",
]

#: The most pixels (width x height) an input image or array may have; ``max_pixels=``
#: changes it per call. Checked from the file's header, before anything is decoded.
MAX_PIXELS = 25_000_000
#: matplotlib's sample photo (Grace Hopper, 512x600 JPEG): the default input.
SAMPLE_IMAGE = "grace_hopper.jpg"
#: How filtered values become 0..255 for display.
SCALES = ("clip", "stretch", "abs")
_WRITE_FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG"}
_READ_FORMATS = ("PNG", "JPEG", "BMP", "GIF", "TIFF")
# The enlarged crop of the sample photo in the demo: rows, then columns (the glasses).
SAMPLE_ZOOM = (150, 270, 170, 350)


def sample_image_path() -> Path:
    """The path of the sample photo shipped with matplotlib."""
    from matplotlib import cbook  # lazily: only the sample photo needs it

    try:
        return Path(cbook.get_sample_data(SAMPLE_IMAGE, asfileobj=False))
    except (OSError, ValueError):
        raise DataError(
            f"matplotlib's sample photo {SAMPLE_IMAGE} is missing; give an image file instead"
        ) from None


def _pixels(image, grayscale: bool) -> np.ndarray:
    mode = image.mode
    if mode in ("I", "F") or mode.startswith("I;16"):
        # NOTE: 16-bit images are scaled to 0..255 (65535 / 257 = 255); 32-bit kept as is.
        values = np.asarray(image, dtype=np.float64)
        return values / 257 if mode.startswith("I;16") else values
    if mode == "P":
        image = image.convert("RGBA")
    if grayscale or image.mode in ("1", "L", "LA"):
        return np.asarray(image.convert("L"), dtype=np.float64)
    # NOTE: transparency is dropped (alpha ignored), CMYK and YCbCr become RGB.
    return np.asarray(image.convert("RGB"), dtype=np.float64)


def _pixel_budget(name: str, shape: tuple[int, ...], max_pixels: int) -> None:
    """Refuse an image of ``shape`` (height, width[, ...]) above ``max_pixels`` pixels."""
    pixels = shape[0] * shape[1] if len(shape) >= 2 else (shape[0] if shape else 1)
    if pixels > max_pixels:
        size = "x".join(map(str, shape))
        raise DataError(
            f"{name} is {size} = {pixels} pixels, above the limit of {max_pixels}; "
            "use a smaller image (the library's max_pixels= raises the limit)"
        )


def load_image(
    path: str | os.PathLike[str] | None = None,
    grayscale: bool = False,
    max_pixels: int = MAX_PIXELS,
) -> np.ndarray:
    """Read an image file (the sample photo when ``path`` is None) as float64 in 0..255.

    The file must be a regular file (a FIFO would hang the read) of at most ``max_pixels``
    pixels, read from its header before anything is decoded.

    Returns
    -------
    ndarray
        (H, W) for a grayscale file or with ``grayscale``, else (H, W, 3).
    """
    from PIL import (  # lazily: Pillow only when an image is read
        Image,
        ImageOps,
        UnidentifiedImageError,
    )

    if path is not None:
        require_regular_file(path, "image")
    path = Path(path) if path is not None else sample_image_path()
    name = str(path)
    with warnings.catch_warnings():
        # A DecompressionBombWarning (past Pillow's pixel limit) is refused like the error.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(path, formats=_READ_FORMATS) as image:
                # NOTE: Image.open reads the header only; the pixels are decoded by load().
                _pixel_budget(name, (image.height, image.width), max_pixels)
                image = ImageOps.exif_transpose(image)
                image.load()
                return _pixels(image, grayscale)
        except DataError:  # the pixel budget: already one line
            raise
        except (Image.DecompressionBombWarning, Image.DecompressionBombError):
            raise DataError(
                f"{name} has more pixels than Pillow's decompression-bomb limit "
                f"({Image.MAX_IMAGE_PIXELS} pixels); use a smaller image"
            ) from None
        except UnidentifiedImageError:
            raise DataError(
                f"{name} is not an image symnet can read ({', '.join(_READ_FORMATS)})"
            ) from None
        except (FileNotFoundError, IsADirectoryError, PermissionError) as error:
            raise DataError(f"cannot read {name}: {error.strerror}") from None
        except (OSError, SyntaxError, ValueError, EOFError) as error:
            detail = " ".join(str(error).split())[:120]
            raise DataError(f"{name} is damaged or truncated ({detail})") from None


def load_array(path: str | os.PathLike[str], max_pixels: int = MAX_PIXELS) -> np.ndarray:
    """Read a 2-D numeric ``.npy`` array (never pickled objects) of finite numbers as float64."""
    name = str(path)
    require_regular_file(path, "array")
    try:
        # mmap reads only the header: shape and dtype are checked before any data is read.
        mapped = np.load(path, allow_pickle=False, mmap_mode="r")
    except FileNotFoundError:
        raise DataError(f"cannot read {name}: no such file") from None
    except (ValueError, OSError, EOFError) as error:
        if "object" in str(error).lower():
            raise DataError(f"{name} holds Python objects; save a numeric array") from None
        raise DataError(f"{name} is not a valid .npy file") from None
    if not isinstance(mapped, np.ndarray):
        raise DataError(f"{name} is not a single .npy array (an .npz archive?)")
    if mapped.ndim != 2 or mapped.dtype.kind not in "biuf":
        raise DataError(
            f"{name} must hold a 2-D array of real numbers (one grayscale image); "
            f"got shape {mapped.shape} and dtype {mapped.dtype}"
        )
    if mapped.size == 0:
        raise DataError(f"{name} holds no values; save a 2-D array of at least one value")
    _pixel_budget(name, mapped.shape, max_pixels)
    values = np.array(mapped, dtype=np.float64)
    del mapped
    if not np.isfinite(values).all():
        raise DataError(f"{name} contains NaN or infinite values; replace them first")
    return values


def load_input(
    path: str | os.PathLike[str] | None = None,
    grayscale: bool = False,
    max_pixels: int = MAX_PIXELS,
):
    """An image file or a ``.npy`` array (by suffix), or the sample photo for None."""
    if path is not None and Path(path).suffix.lower() == ".npy":
        return load_array(path, max_pixels)
    return load_image(path, grayscale, max_pixels)


def to_display(values, scale: str = "clip") -> np.ndarray:
    """Values as 8-bit pixels: ``clip`` to 0..255, ``abs`` then clip, or ``stretch``
    (min..max onto 0..255; a constant image is black)."""
    if scale not in SCALES:
        raise SpecError(f"display scale must be one of {', '.join(SCALES)}; got {scale!r}")
    values = np.asarray(values, dtype=np.float64)
    if scale == "abs":
        values = np.abs(values)
    elif scale == "stretch":
        low, high = float(values.min()), float(values.max())
        values = (values - low) * (255 / (high - low)) if high > low else values * 0
    return np.rint(np.clip(values, 0, 255)).astype(np.uint8)


def check_save_path(path: str | os.PathLike[str], overwrite: bool = False) -> Path:
    """Refuse, before any work, an output that :func:`save_output` could not write.

    A suffix other than .png, .jpg, .jpeg, .npy and ``-`` (binary) are SpecErrors; so is
    an existing ``.npy`` (raw data) without ``overwrite``; a picture is redrawn in place.
    A missing or read-only folder, a folder or a device is a WriteError.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (*_WRITE_FORMATS, ".npy") and str(path) != "-":
        allowed = ", ".join([*_WRITE_FORMATS, ".npy"])
        raise SpecError(
            f"cannot tell the format of {str(path)!r}; its suffix must be one of {allowed}"
        )
    check_output(path, overwrite or suffix != ".npy", binary=True)
    return path


def save_image(path: str | os.PathLike[str], values, scale: str = "clip") -> Path:
    """Write ``values`` ((H, W) or (H, W, 3)) as PNG or JPEG, scaled by :func:`to_display`.

    A picture: an existing file is replaced.
    """
    from PIL import Image  # lazily: Pillow only when an image is written

    path = check_save_path(path)
    format = _WRITE_FORMATS.get(path.suffix.lower())
    if format is None:
        raise SpecError(f"save_image writes .png or .jpg; got {path.name!r} (use save_array)")
    buffer = io.BytesIO()
    Image.fromarray(to_display(values, scale)).save(buffer, format=format)
    return write_bytes_atomic(path, buffer.getvalue())


def save_array(path: str | os.PathLike[str], values, overwrite: bool = False) -> Path:
    """Write the raw values as ``.npy`` (no scaling, no clipping, no pickle).

    Raw data: an existing file is replaced only with ``overwrite=True``.
    """
    path = Path(path)
    if path.suffix.lower() != ".npy":
        raise SpecError(f"save_array writes a .npy file; got {path.name!r}")
    check_save_path(path, overwrite)
    buffer = io.BytesIO()
    np.save(buffer, np.asarray(values), allow_pickle=False)
    return write_bytes_atomic(path, buffer.getvalue(), overwrite)


def save_output(
    path: str | os.PathLike[str], values, scale: str = "clip", overwrite: bool = False
) -> Path:
    """``.npy``: the raw values; ``.png``/``.jpg``: a picture (see :func:`save_image`).

    ``overwrite`` matters for ``.npy`` only: a picture is redrawn in place.
    """
    if Path(path).suffix.lower() == ".npy":
        return save_array(path, values, overwrite)
    return save_image(path, values, scale)


def side_by_side(panels, path, scale="clip", captions=None, title=None, zoom=None, mark=None):
    """One PNG with the images in a row, each titled, optionally captioned below.

    Parameters
    ----------
    panels : list of (title, values)
        Values are scaled by :func:`to_display`.
    zoom : (row0, row1, col0, col1), optional
        Adds a second row with this crop of every image, enlarged (outlined on the first).
    mark : (row, col), optional
        A pixel circled on every image.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # lazily: matplotlib costs ~0.3 s
    from matplotlib.figure import Figure
    from matplotlib.patches import Circle, Rectangle

    path = check_picture(path, "side-by-side picture")  # before drawing
    panels = list(panels)
    count, rows = len(panels), 2 if zoom else 1
    captions = list(captions or [""] * count)
    height, width = np.asarray(panels[0][1]).shape[:2]
    ratios = [height / width] + ([(zoom[1] - zoom[0]) / (zoom[3] - zoom[2])] if zoom else [])
    extra = (
        0.5
        + (0.5 if title else 0)
        + (0.2 + 0.17 * max(c.count("\n") + 1 for c in captions) if any(captions) else 0)
    )
    figure = Figure(figsize=(3.3 * count, 3.3 * sum(ratios) + extra), dpi=110)
    FigureCanvasAgg(figure)
    grid = figure.add_gridspec(rows, count, height_ratios=ratios)
    for n, ((name, values), caption) in enumerate(zip(panels, captions)):
        pixels = to_display(values, scale)
        cmap = "gray" if pixels.ndim == 2 else None
        for r in range(rows):
            axes = figure.add_subplot(grid[r, n])
            shown = pixels if r == 0 else pixels[zoom[0] : zoom[1], zoom[2] : zoom[3]]
            offset = (0, 0) if r == 0 else (zoom[0], zoom[2])
            axes.imshow(shown, cmap=cmap, vmin=0, vmax=255, interpolation="nearest")
            axes.set_xticks([])
            axes.set_yticks([])
            if r == 0:
                axes.set_title(name, fontsize=13, parse_math=False)  # a name is text, not $math$
            if r == 0 and zoom:
                box = (zoom[2] - 0.5, zoom[0] - 0.5)
                size = (zoom[3] - zoom[2], zoom[1] - zoom[0])
                axes.add_patch(Rectangle(box, *size, fill=False, edgecolor="#f0a020", lw=1.2))
            if mark:
                centre = (mark[1] - offset[1], mark[0] - offset[0])
                radius = 6 if r == 0 else 3
                axes.add_patch(Circle(centre, radius, fill=False, edgecolor="#e03030", lw=1.5))
            if caption and r == rows - 1:
                axes.set_xlabel(caption, fontsize=10, family="monospace", parse_math=False)
    if title:
        figure.suptitle(title, fontsize=14, parse_math=False)
    figure.tight_layout()
    return save_figure(figure, path)
