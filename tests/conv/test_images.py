"""Reading and writing images and arrays, display scaling, the side-by-side picture."""

from __future__ import annotations

import os
import re
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from symnet.conv.filters import filter_image
from symnet.conv.images import (
    load_array,
    load_image,
    load_input,
    sample_image_path,
    save_image,
    save_output,
    side_by_side,
    to_display,
)
from symnet.demos import demo_kernels
from symnet.exceptions import DataError, ReadError, SpecError, WriteError


def test_the_sample_photo():
    path = sample_image_path()
    assert path.name == "grace_hopper.jpg" and path.is_file()
    colour, gray = load_image(), load_image(grayscale=True)
    assert colour.shape == (600, 512, 3) and gray.shape == (600, 512)
    assert colour.dtype == gray.dtype == np.float64
    assert 0 <= gray.min() < gray.max() <= 255
    assert np.array_equal(load_input(None, grayscale=True), gray)


@pytest.mark.parametrize("shape", [(7, 5), (6, 4, 3)])
def test_png_round_trip_is_exact(tmp_path, shape):
    values = np.random.default_rng(0).integers(0, 256, size=shape).astype(float)
    path = save_image(tmp_path / "x.png", values)
    assert np.array_equal(load_image(path), values)
    assert [p.name for p in tmp_path.iterdir()] == ["x.png"]  # no temporary file left


def test_jpeg_round_trip_is_close(tmp_path):
    values = np.tile(np.linspace(0, 255, 32), (32, 1))
    save_image(tmp_path / "x.JPG", values)
    with Image.open(tmp_path / "x.JPG") as image:
        assert image.format == "JPEG"
    assert np.mean(np.abs(load_image(tmp_path / "x.JPG") - values)) < 3


def test_to_display_scales():
    values = np.array([[-10.0, 0.0, 127.6, 300.0]])
    assert to_display(values).tolist() == [[0, 0, 128, 255]]
    assert to_display(values, "abs").tolist() == [[10, 0, 128, 255]]
    stretched = to_display(values, "stretch")
    assert stretched.min() == 0 and stretched.max() == 255
    assert to_display(np.full((2, 2), 5.0), "stretch").tolist() == [[0, 0], [0, 0]]
    with pytest.raises(SpecError, match="display scale"):
        to_display(values, "log")


def test_npy_keeps_raw_values(tmp_path):
    values = np.array([[-3.25, 1e6], [0.5, 257.0]])
    save_output(tmp_path / "raw.npy", values)
    assert np.array_equal(load_array(tmp_path / "raw.npy"), values)
    assert np.array_equal(load_input(tmp_path / "raw.npy"), values)


def test_output_formats(tmp_path):
    with pytest.raises(SpecError, match="suffix"):
        save_image(tmp_path / "x.gif", np.zeros((2, 2)))
    with pytest.raises(WriteError, match="does not exist"):
        save_image(tmp_path / "missing" / "x.png", np.zeros((2, 2)))


def write_npy(path: Path, array, allow_pickle: bool = False) -> Path:
    with open(path, "wb") as file:
        np.save(file, array, allow_pickle=allow_pickle)
    return path


@pytest.mark.parametrize(
    "array, message",
    [
        (np.array([{"a": 1}, None], dtype=object), "Python objects"),
        (np.zeros((2, 3, 4)), "2-D array"),
        (np.zeros(5), "2-D array"),
        (np.zeros((2, 2), dtype=complex), "real numbers"),
        (np.array([[1.0, np.nan]]), "NaN"),
        (np.zeros((0, 3)), "values"),
    ],
)
def test_bad_arrays(tmp_path, array, message):
    path = write_npy(tmp_path / "bad.npy", array, allow_pickle=array.dtype == object)
    with pytest.raises(DataError, match=message) as caught:
        load_array(path)
    assert "\n" not in str(caught.value)


def test_broken_npy_files(tmp_path):
    garbage = tmp_path / "garbage.npy"
    garbage.write_bytes(b"not an array at all")
    truncated = write_npy(tmp_path / "cut.npy", np.ones((50, 50)))
    truncated.write_bytes(truncated.read_bytes()[:300])
    archive = tmp_path / "a.npy"
    np.savez(tmp_path / "a.npz", x=np.ones((2, 2)))
    archive.write_bytes((tmp_path / "a.npz").read_bytes())
    for path in [garbage, truncated, archive]:
        with pytest.raises(DataError):
            load_array(path)
    with pytest.raises(ReadError, match="no such file"):
        load_array(tmp_path / "missing.npy")


def png_header(width: int, height: int) -> bytes:
    """A PNG signature and IHDR chunk claiming ``width`` x ``height`` (no real pixels)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0"))


def test_decompression_bombs_are_refused(tmp_path):
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(png_header(50_000, 50_000))  # 2.5e9 pixels: past Pillow's hard limit
    with pytest.raises(DataError, match="decompression-bomb limit"):
        load_image(bomb)


def test_the_bomb_warning_is_refused_too(tmp_path, monkeypatch):
    path = save_image(tmp_path / "x.png", np.zeros((40, 40)))  # 1600 pixels
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)  # warns above 1000, fails above 2000
    with pytest.raises(DataError, match="decompression-bomb limit"):
        load_image(path)


def test_bad_images(tmp_path):
    text = tmp_path / "notes.png"
    text.write_text("hello")
    with pytest.raises(DataError, match="not an image"):
        load_image(text)
    good = save_image(tmp_path / "good.png", np.random.default_rng(1).integers(0, 255, (64, 64)))
    cut = tmp_path / "cut.png"
    cut.write_bytes(good.read_bytes()[:200])
    with pytest.raises(DataError, match="damaged or truncated"):
        load_image(cut)
    with pytest.raises(ReadError, match="cannot read"):
        load_image(tmp_path / "missing.png")
    with pytest.raises(DataError):
        load_image(tmp_path)


@pytest.mark.parametrize(
    "mode, shape, scale",
    [
        ("RGBA", (4, 5, 3), 1),
        ("LA", (4, 5), 1),
        ("P", (4, 5, 3), 1),
        ("1", (4, 5), 1),
        ("I;16", (4, 5), 257),
    ],
)
def test_other_image_modes(tmp_path, mode, shape, scale):
    Image.new(mode, (5, 4), 1).save(tmp_path / "x.png")
    values = load_image(tmp_path / "x.png")
    assert values.shape == shape and values.max() <= 255


def test_side_by_side_picture(tmp_path):
    image = np.random.default_rng(2).uniform(0, 255, (30, 40))
    path = side_by_side(
        [("a", image), ("b", 255 - image)],
        tmp_path / "pair.png",
        captions=["", "1 2\n3 4"],
        zoom=(5, 15, 5, 25),
        mark=(10, 10),
    )
    with Image.open(path) as picture:
        assert picture.format == "PNG" and picture.width > picture.height


def test_demo_kernels(tmp_path):
    text = demo_kernels(tmp_path / "demo")
    assert [p.name for p in (tmp_path / "demo").iterdir()] == ["kernels-on-photo.png"]
    row, col = map(int, re.search(r"output pixel \((\d+),(\d+)\)", text).groups())
    total = int(text.splitlines()[-1].split("=")[-1])
    photo = load_image(grayscale=True)
    assert total == filter_image(photo, "outline", "same")[row, col]
    assert "(-1)*" in text and "(8)*" in text


# --- The pixel budget, non-regular files and non-finite values (issue 12) ---------------


def test_the_pixel_budget_is_read_from_the_header(tmp_path):
    """An image one row above the budget is refused before anything is decoded: the file
    is a bare header (its pixel data would not even decode), so only the header was read."""
    path = tmp_path / "big.png"
    path.write_bytes(png_header(5000, 5001))  # 25,005,000 pixels
    with pytest.raises(DataError, match=r"5001x5000 = 25005000 pixels, above the limit") as caught:
        load_image(path)
    assert "\n" not in str(caught.value)
    with pytest.raises(DataError, match="above the limit of 100"):
        load_image(save_image(tmp_path / "small.png", np.zeros((10, 11))), max_pixels=100)
    assert load_image(tmp_path / "small.png", max_pixels=110).shape == (10, 11)


def test_arrays_have_the_same_budget(tmp_path):
    path = write_npy(tmp_path / "wide.npy", np.zeros((3, 40)))
    with pytest.raises(DataError, match="3x40 = 120 pixels, above the limit of 100"):
        load_input(path, max_pixels=100)
    assert load_input(path, max_pixels=120).shape == (3, 40)


@pytest.mark.parametrize("name", ["fifo.png", "fifo.npy"])
def test_a_fifo_is_refused_before_it_is_opened(tmp_path, name):
    """Opening a FIFO for reading would wait for a writer forever: it is never opened."""
    path = tmp_path / name
    os.mkfifo(path)
    with pytest.raises(DataError, match="not a regular file") as caught:
        load_input(path)
    assert "\n" not in str(caught.value)


def test_a_folder_is_no_image(tmp_path):
    with pytest.raises(DataError, match="it is a folder"):
        load_image(tmp_path)


def test_filtered_values_that_overflow_are_reported():
    """1e308 is a finite input, but the outline kernel's 8 x 1e308 is not: one DataError,
    no RuntimeWarning (the test suite turns every float error into an exception)."""
    with pytest.raises(DataError, match="overflow float64"):
        filter_image(np.full((5, 5), 1e308), "outline", "same")
    assert np.isfinite(filter_image(np.full((5, 5), 1e300), "outline", "same")).all()


def test_non_finite_images_are_refused():
    with pytest.raises(DataError, match="NaN or infinite"):
        filter_image(np.array([[1.0, np.inf], [0.0, 1.0]]), "identity", "same")
