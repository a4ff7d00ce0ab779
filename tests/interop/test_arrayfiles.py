"""The user's saved arrays: numbers only, sizes before data, never a pickle."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from symnet.exceptions import DataError, ReadError
from symnet.interop import arrayfiles
from symnet.interop.arrayfiles import read_array, read_arrays


def test_arrays_round_trip_as_float64(tmp_path):
    np.save(tmp_path / "X.npy", np.arange(6, dtype=np.int32).reshape(2, 3))
    np.save(tmp_path / "F.npy", np.asfortranarray(np.arange(6.0).reshape(2, 3)))
    X = read_array(tmp_path / "X.npy", "inputs")
    assert X.dtype == np.float64 and X.tolist() == [[0, 1, 2], [3, 4, 5]]
    assert read_array(tmp_path / "F.npy").tolist() == X.tolist()
    np.savez(tmp_path / "G.npz", **{"0.weight": np.eye(2, dtype=np.float32), "0.bias": np.ones(2)})
    grads = read_arrays(tmp_path / "G.npz", "gradients")
    assert set(grads) == {"0.weight", "0.bias"} and grads["0.weight"].dtype == np.float64


@pytest.mark.parametrize(
    "make, message",
    [
        (
            lambda p: np.save(p, np.array([{"a": 1}], dtype=object), allow_pickle=True),
            "holds Python objects",
        ),
        (lambda p: p.write_bytes(pickle.dumps(np.eye(2))), "is not a .npy file"),
        (lambda p: np.save(p, np.array([1.0, np.nan])), "NaN or infinite"),
        (lambda p: np.save(p, np.array(["a", "b"])), "holds <U1 values"),
        (lambda p: np.savez(p, X=np.eye(2)), "is not a .npy file"),
    ],
)
def test_a_bad_npy_is_one_line(tmp_path, make, message):
    path = tmp_path / "X.npy"
    make(path)
    if not path.exists():  # np.savez added .npz
        (tmp_path / "X.npy.npz").rename(path)
    with pytest.raises(DataError, match=message):
        read_array(path, "inputs")


def test_a_declared_size_is_checked_before_anything_is_read(tmp_path, monkeypatch):
    path = tmp_path / "X.npy"
    np.save(path, np.zeros((4, 4)))
    monkeypatch.setattr(arrayfiles, "MAX_ARRAY_BYTES", 64)
    with pytest.raises(DataError, match="above the limit of 64 bytes"):
        read_array(path)
    monkeypatch.undo()
    data = path.read_bytes()
    path.write_bytes(data.replace(b"(4, 4)", b"(4, 5)"))
    with pytest.raises(DataError, match=r"declares the shape \(4, 5\) \(160 bytes\) but holds 128"):
        read_array(path)


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda p: p.write_text("not a zip"), "cannot read it as an npz archive"),
        (lambda p: np.savez(p, W1=np.array([{"a": 1}], dtype=object)), "never read"),
        (lambda p: np.savez(p, W1=np.array([np.inf])), "NaN or infinite"),
        (lambda p: np.savez(p), "holds no arrays"),
    ],
)
def test_a_bad_npz_is_one_line(tmp_path, make, message):
    path = tmp_path / "G.npz"
    make(path)
    with pytest.raises(DataError, match=message):
        read_arrays(path, "gradients")


def test_a_missing_file_is_a_failure_of_the_world(tmp_path):
    with pytest.raises(ReadError, match="no such file"):
        read_array(tmp_path / "nothing.npy", "inputs")
