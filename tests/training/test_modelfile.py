"""Model files: npz with JSON inside, atomic writes, and every kind of bad file refused."""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import zipfile

import numpy as np
import pytest

from symnet.exceptions import ModelFileError, ReadError, SpecError
from symnet.graph.spec import parse_spec
from symnet.training.data import Standardizer
from symnet.training.modelcheck import metadata_checksum
from symnet.training.modelfile import (
    FORMAT_VERSION,
    Model,
    initial_parameters,
    load_model,
    save_model,
)


def _model(dtype="float64"):
    model = Model.initial("3-4:relu-2:softmax", "ce", seed=1, dtype=dtype)
    model.standardizer = Standardizer(np.array([1.0, 2.0, 3.0]), np.array([0.5, 2.0, 1.0]))
    model.training = {"data": "test", "lr": 0.01, "epochs": 3}
    return model


def _inputs():
    return np.random.default_rng(0).normal(size=(6, 3))


def _rewrite(path, change):
    """Rewrite the npz at ``path`` after ``change(arrays)``, keeping the stored metadata."""
    with np.load(path) as archive:
        arrays = {name: archive[name] for name in archive.files}
    change(arrays)
    with open(path, "wb") as stream:
        np.savez(stream, **arrays)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_round_trip_gives_identical_predictions(tmp_path, dtype):
    model = _model(dtype)
    loaded = load_model(save_model(model, tmp_path / "m.npz"))
    assert np.array_equal(loaded.predict(_inputs()), model.predict(_inputs()))
    assert loaded.dtype == dtype and loaded.spec == model.spec and loaded.loss == "ce"
    assert loaded.training == model.training and loaded.classes == model.classes


def test_metadata_records_everything(tmp_path):
    path = save_model(_model(), tmp_path / "m.npz")
    with np.load(path, allow_pickle=False) as archive:
        metadata = json.loads(archive["metadata"].tobytes())
        names = set(archive.files)
    assert metadata["format"] == "symnet-model" and metadata["version"] == FORMAT_VERSION
    assert metadata["spec"] == "3-4:relu-2:softmax" and metadata["parameters"] == [
        "W1",
        "b1",
        "W2",
        "b2",
    ]
    assert (
        metadata["arrays"]["W1"]["shape"] == [4, 3]
        and metadata["arrays"]["W1"]["dtype"] == "float64"
    )
    assert len(metadata["arrays"]["b2"]["sha256"]) == 64 and metadata["training"]["lr"] == 0.01
    assert names == {"metadata", "W1", "b1", "W2", "b2", "input_mean", "input_scale", "classes"}


def test_an_existing_file_is_kept_unless_overwrite(tmp_path):
    path = save_model(_model(), tmp_path / "m.npz")
    before = path.read_bytes()
    other = Model.initial("3-4:relu-2:softmax", "ce", seed=2)
    with pytest.raises(SpecError, match="already exists; pass overwrite=True"):
        save_model(other, path)
    assert path.read_bytes() == before
    save_model(other, path, overwrite=True)
    assert np.array_equal(load_model(path).params[0], other.params[0])


def test_a_failed_write_leaves_no_partial_file(tmp_path, monkeypatch):
    path = save_model(_model(), tmp_path / "m.npz")
    before = path.read_bytes()

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", broken)
    with pytest.raises(OSError, match="disk full"):
        save_model(_model(), path, overwrite=True)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.npz"]  # no temporary file left


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda p: p.write_bytes(b"not a zip file at all"), "cannot read it as an npz"),
        (
            lambda p: p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2]),
            "cannot read it as an npz",
        ),
        (lambda p: p.write_bytes(b""), "cannot read it as an npz"),
    ],
)
def test_corrupt_and_truncated_files_are_refused(tmp_path, damage, message):
    path = save_model(_model(), tmp_path / "m.npz")
    damage(path)
    with pytest.raises(ModelFileError, match=message) as caught:
        load_model(path)
    assert "\n" not in str(caught.value)


def test_tampered_weights_fail_the_checksum(tmp_path):
    path = save_model(_model(), tmp_path / "m.npz")
    _rewrite(path, lambda arrays: arrays["W2"].__setitem__((0, 0), 123.0))
    with pytest.raises(ModelFileError, match="W2 does not match its SHA-256"):
        load_model(path)


def _edit_metadata(path, **changes):
    """Change the metadata and reseal its checksum, as a crafted file would."""

    def change(arrays):
        metadata = json.loads(arrays["metadata"].tobytes())
        metadata.update(changes)
        metadata["metadata_sha256"] = metadata_checksum(metadata)
        arrays["metadata"] = np.frombuffer(json.dumps(metadata).encode(), dtype=np.uint8)

    _rewrite(path, change)


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"spec": "3-5:relu-2:softmax"}, "W1 has shape"),
        ({"spec": "3-4:relu-2"}, "ce'? needs a softmax output"),
        ({"spec": "3-4:relu-4-2:softmax"}, "array W2 has shape"),
        ({"loss": "bce"}, "bce'? needs a 1:sigmoid"),
        ({"version": 99}, "format version 99"),
        ({"format": "other"}, "its format is 'other'"),
        ({"dtype": "int8"}, "dtype 'int8'"),
        ({"parameters": ["W1", "b1"]}, "parameter names do not match"),
    ],
)
def test_mismatched_metadata_is_refused(tmp_path, changes, message):
    path = save_model(_model(), tmp_path / "m.npz")
    _edit_metadata(path, **changes)
    with pytest.raises(ModelFileError, match=message) as caught:
        load_model(path)
    assert "\n" not in str(caught.value)


def test_missing_metadata_and_pickled_arrays_are_refused(tmp_path):
    path = save_model(_model(), tmp_path / "m.npz")
    _rewrite(path, lambda arrays: arrays.pop("metadata"))
    with pytest.raises(ModelFileError, match="no metadata"):
        load_model(path)
    pickled = tmp_path / "p.npz"
    with open(pickled, "wb") as stream:
        np.savez(stream, metadata=np.array([{"a": 1}], dtype=object))
    with pytest.raises(ModelFileError, match="array metadata holds object"):
        load_model(pickled)
    assert zipfile.is_zipfile(pickled)


def test_missing_file_and_wrong_suffix(tmp_path):
    with pytest.raises(ReadError, match="no model file at .*symnet train"):
        load_model(tmp_path / "absent.npz")
    with pytest.raises(SpecError, match="ends in .npz"):
        save_model(_model(), tmp_path / "model.pkl")
    with pytest.raises(SpecError, match="binary, so it cannot go to standard output"):
        save_model(_model(), "-")


def test_initialisation_is_he_for_relu_and_glorot_otherwise():
    spec = parse_spec("400-300:relu-200:tanh-1")
    W1, b1, W2, _, W3, _ = initial_parameters(spec, seed=0)
    assert W1.std() == pytest.approx(np.sqrt(2 / 400), rel=0.02)  # He
    assert W2.std() == pytest.approx(np.sqrt(2 / (300 + 200)), rel=0.02)  # Glorot
    assert W3.std() == pytest.approx(np.sqrt(2 / 201), rel=0.15)
    assert not b1.any()
    assert np.array_equal(W1, initial_parameters(spec, seed=0)[0])


def test_the_file_gets_the_usual_permissions(tmp_path):
    mask = os.umask(0)
    os.umask(mask)
    path = save_model(_model(), tmp_path / "m.npz")
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~mask  # not the 0600 of a temp file


# ---- the class list -----------------------------------------------------------------------------


def test_class_names_round_trip(tmp_path):
    model = _model()
    model.classes = ("cat", "dog")
    loaded = load_model(save_model(model, tmp_path / "m.npz"))
    assert loaded.classes == ("cat", "dog")
    with np.load(tmp_path / "m.npz") as archive:  # the array stays numeric: 0, 1
        assert archive["classes"].tolist() == [0.0, 1.0]
    model.classes = (3.0, 7.0)
    assert load_model(save_model(model, tmp_path / "n.npz")).classes == (3.0, 7.0)


@pytest.mark.parametrize(
    "classes, names, message",
    [
        ([], None, "it has 0 class labels; its output layer needs 2"),
        ([0.0, 1.0, 2.0], None, "it has 3 class labels; its output layer needs 2"),
        ([1.0, 1.0], None, "its class labels are not distinct"),
        ([0.0, np.nan], None, "its class labels are not finite numbers"),
        ([0.0, 1.0], ["a"], "it has 1 class names; its output layer needs 2"),
        ([0.0, 1.0], ["a", 2], "its class_names are not a list of names"),
        ([0.0, 1.0], ["a", "a"], "its class labels are not distinct"),
    ],
)
def test_a_bad_class_list_is_refused(tmp_path, classes, names, message):
    path = save_model(_model(), tmp_path / "m.npz")
    array = np.asarray(classes, dtype=np.float64)

    def change(arrays):
        arrays["classes"] = array
        metadata = json.loads(arrays["metadata"].tobytes())
        metadata["arrays"]["classes"] = {
            "shape": list(array.shape),
            "dtype": "float64",
            "sha256": hashlib.sha256(array.tobytes()).hexdigest(),
        }
        if names is not None:
            metadata["class_names"] = names
        metadata["metadata_sha256"] = metadata_checksum(metadata)
        arrays["metadata"] = np.frombuffer(json.dumps(metadata).encode(), dtype=np.uint8)

    _rewrite(path, change)
    with pytest.raises(ModelFileError, match=re.escape(message)):
        load_model(path)
