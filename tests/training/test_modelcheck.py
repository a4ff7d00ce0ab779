"""Crafted model files: each refused cheaply, in one line, before anything is built.

The table below is the model-file part of the bad-input catalogue (issue 12): each file
is made from a valid one by :mod:`tests.model_files`, and loading it must raise one
``ModelFileError`` line naming the problem, within 2 s and without allocating what the
file declares (peak traced memory well under the sizes involved).
"""

from __future__ import annotations

import json
import time
import tracemalloc

import numpy as np
import pytest

from symnet.exceptions import ModelFileError
from symnet.training.export import export_source
from symnet.training.modelcheck import FORMAT_VERSION, metadata_checksum
from symnet.training.modelfile import Model, load_model, save_model
from tests.model_files import (
    declared_shape,
    npy_bytes,
    npy_header,
    read_members,
    rewrite,
    saved_model,
    stored,
    with_members,
    write_zip,
    zip_bomb,
)


def _set(array_name, index, value):
    def change(metadata, arrays):
        arrays[array_name][index] = value

    return change


def _metadata(**changes):
    def change(metadata, arrays):
        metadata.update(changes)

    return change


def _deep_metadata(path):
    metadata, arrays = read_members(path)
    text = json.dumps(metadata)[:-1] + ', "x": ' + "[" * 100_000 + "]" * 100_000 + "}"
    with open(path, "wb") as stream:
        np.savez(stream, metadata=np.frombuffer(text.encode(), np.uint8), **arrays)
    return path


def _huge_number(path):
    metadata, arrays = read_members(path)
    text = json.dumps(metadata)[:-1] + ', "x": ' + "9" * 5000 + "}"
    with open(path, "wb") as stream:
        np.savez(stream, metadata=np.frombuffer(text.encode(), np.uint8), **arrays)
    return path


def _many_members(path):
    return write_zip(path, [stored(f"a{i}.npy", b"") for i in range(5000)])


def _classes(values):
    def change(metadata, arrays):
        arrays["classes"] = np.asarray(values, dtype=np.float64)

    return change


def _deep_network(metadata, arrays):
    """A consistent 1,001-layer network, one unit wide: small arrays, too much code."""
    layers = 1001
    arrays.clear()
    for i in range(1, layers + 1):
        arrays[f"W{i}"], arrays[f"b{i}"] = np.ones((1, 1)), np.zeros(1)
    arrays.update(input_mean=np.zeros(1), input_scale=np.ones(1), classes=np.zeros(0))
    metadata.update(spec="1-" + "-".join(["1:relu"] * layers), loss="mse", task="regression")
    metadata.update(arrays={}, parameters=[f"{k}{i}" for i in range(1, layers + 1) for k in "Wb"])


#: id -> (how the valid file is spoiled, what the one-line error says).
CRAFTED = {
    "nan weight": (lambda p: rewrite(p, _set("W1", (0, 0), np.nan)), "W1 holds NaN or infinite"),
    "inf bias": (lambda p: rewrite(p, _set("b2", 1, -np.inf)), "b2 holds NaN or infinite"),
    "nan input mean": (
        lambda p: rewrite(p, _set("input_mean", 0, np.nan)),
        "input_mean holds NaN",
    ),
    "inf input scale": (
        lambda p: rewrite(p, _set("input_scale", 2, np.inf)),
        "input_scale holds NaN",
    ),
    "zero input scale": (
        lambda p: rewrite(p, _set("input_scale", 2, 0.0)),
        "input scaling does not fit",
    ),
    "shape of 10^9": (lambda p: declared_shape(p, "W1", (10**9,)), r"declares the shape"),
    "shape of 10^12": (lambda p: declared_shape(p, "W2", (10**6, 10**6)), r"declares the shape"),
    "zip bomb": (lambda p: zip_bomb(p), "would take 314575192 bytes or more once decompressed"),
    "deep JSON": (_deep_metadata, "nested more than 32 levels"),
    "5000-digit number": (_huge_number, "JSON number has 5000 characters"),
    "5000 members": (_many_members, "5000 members"),
    "relu edited to tanh": (
        lambda p: rewrite(p, _metadata(spec="3-4:tanh-2:softmax"), reseal=False),
        "metadata does not match its SHA-256",
    ),
    "huge spec": (
        lambda p: rewrite(p, _metadata(spec="3-100000:relu-100000:relu-2:softmax")),
        r"training 3-100000:relu-100000:relu-2:softmax on 1 sample would have ~298 GiB",
    ),
    "1001 layers": (lambda p: rewrite(p, _deep_network), r"~1e\+03 layers \(limit 1000\)"),
    "spec above the file limit": (
        lambda p: rewrite(p, _metadata(spec="3-6000:relu-6000:relu-2:softmax")),
        r"needs 288336016 bytes of parameters \(limit 268435456\)",
    ),
    "no classes": (lambda p: rewrite(p, _classes([])), "0 class labels"),
    "extra classes": (lambda p: rewrite(p, _classes([0, 1, 2])), "3 class labels"),
    "repeated classes": (lambda p: rewrite(p, _classes([1, 1])), "not distinct"),
    "nan class": (lambda p: rewrite(p, _classes([0, np.nan])), "not finite"),
    "object array": (
        lambda p: with_members(p, [stored("W1.npy", npy_header((1,), "|O") + bytes(8))]),
        "holds object",
    ),
    "member not npy": (lambda p: with_members(p, [stored("../evil.txt", b"x")]), "not NAME.npy"),
    "version 99": (lambda p: rewrite(p, _metadata(version=99)), "format version 99"),
    "metadata a list": (
        lambda p: with_members(p, [stored("metadata.npy", npy_bytes(np.frombuffer(b"[1]", "u1")))]),
        "not a JSON object",
    ),
}


@pytest.mark.parametrize("spoil, message", CRAFTED.values(), ids=CRAFTED.keys())
def test_crafted_files_are_refused_cheaply_in_one_line(tmp_path, spoil, message):
    path = spoil(saved_model(tmp_path))
    tracemalloc.start()
    start = time.perf_counter()
    try:
        with pytest.raises(ModelFileError, match=message) as caught:
            load_model(path)
        seconds = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    text = str(caught.value)
    assert "\n" not in text and text.startswith(f"{path} is not a valid symnet model: ")
    assert seconds < 2.0
    assert peak < 50 * 2**20  # nothing the file declares was allocated


def test_a_valid_file_still_loads_through_the_same_helpers(tmp_path):
    """The helpers' forgeries are faithful: resealing an unchanged file keeps it valid."""
    path = saved_model(tmp_path)
    before = load_model(path)
    rewrite(path, lambda metadata, arrays: None)
    assert np.array_equal(load_model(path).params[0], before.params[0])
    with_members(path, [])
    assert load_model(path).spec == before.spec


def test_the_metadata_carries_its_own_checksum(tmp_path):
    metadata, _ = read_members(saved_model(tmp_path))
    assert metadata["version"] == FORMAT_VERSION == 2
    assert metadata["metadata_sha256"] == metadata_checksum(metadata)


def test_version_1_files_still_load(tmp_path):
    """A file from before the metadata checksum (version 1) is read with every other check."""
    path = saved_model(tmp_path)
    expected = load_model(path).predict(np.ones((2, 3)))

    def downgrade(metadata, arrays):
        metadata["version"] = 1
        del metadata["metadata_sha256"]

    rewrite(path, downgrade, reseal=False)
    assert np.array_equal(load_model(path).predict(np.ones((2, 3))), expected)
    rewrite(path, _set("W1", (0, 0), np.inf), reseal=False)  # arrays keep their SHA-256
    with pytest.raises(ModelFileError, match="W1"):
        load_model(path)


def test_a_file_within_a_raised_limit_loads(tmp_path):
    path = saved_model(tmp_path)
    with pytest.raises(ModelFileError, match="above the limit of 100"):
        load_model(path, max_bytes=100)
    assert load_model(path, max_bytes=10_000).spec.n_inputs == 3


def test_an_exported_module_never_holds_nan(tmp_path):
    """export refuses a model with NaN weights that never went through a file."""
    model = Model.initial("2-3:relu-1:sigmoid", "bce")
    model.params[0][0, 0] = np.nan
    with pytest.raises(ModelFileError, match="W1 holds NaN"):
        export_source(model, "torch")
    with pytest.raises(ModelFileError, match="W1 holds NaN"):
        save_model(model, tmp_path / "nan.npz")
    assert not (tmp_path / "nan.npz").exists()
