"""Data sets: generated shapes, digits, CSV files with one-line errors, split and scaling."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from symnet.exceptions import DataError, SpecError
from symnet.training.data import (
    CLASSIFICATION_SETS,
    DATASETS,
    REGRESSION_FUNCTIONS,
    Standardizer,
    load_csv,
    load_data,
    train_test_split,
)


@pytest.mark.parametrize("name", CLASSIFICATION_SETS)
def test_generated_sets_are_balanced_reproducible_and_seeded(name):
    data = load_data(name, n_samples=101, seed=3)
    assert data.X.shape == (101, 2) and data.task == "classification"
    assert sorted(np.bincount(data.y)) == [50, 51]
    again = load_data(name, n_samples=101, seed=3)
    assert np.array_equal(data.X, again.X) and np.array_equal(data.y, again.y)
    other = load_data(name, n_samples=101, seed=4)
    assert not np.array_equal(data.X, other.X)


def test_moons_has_the_two_half_circles():
    data = load_data("moons", n_samples=400, noise=0.0, seed=0)
    upper, lower = data.X[data.y == 0], data.X[data.y == 1]
    assert np.allclose(np.hypot(*upper.T), 1.0)  # the first moon lies on the unit circle
    assert np.allclose(np.hypot(lower[:, 0] - 1, lower[:, 1] - 0.5), 1.0)


def test_xor_labels_follow_the_sign_of_the_product():
    data = load_data("xor", n_samples=200, seed=1)
    assert np.array_equal(data.y, (data.X[:, 0] * data.X[:, 1] < 0).astype(int))


@pytest.mark.parametrize("name", REGRESSION_FUNCTIONS)
def test_regression_sets_sample_their_function(name):
    data = load_data(name, n_samples=50, noise=0.0, seed=0)
    function, (low, high) = REGRESSION_FUNCTIONS[name]
    assert data.task == "regression" and data.y.shape == (50, 1)
    assert np.allclose(data.y[:, 0], function(data.X[:, 0]))
    assert data.X.min() >= low and data.X.max() <= high


def test_digits_is_the_bundled_image_set():
    pytest.importorskip("sklearn")
    data = load_data("digits")
    assert data.X.shape == (1797, 64) and data.n_classes == 10
    assert data.X.min() == 0 and data.X.max() == 16


def test_unknown_names_list_the_choices():
    with pytest.raises(DataError, match="use one of xor, moons"):
        load_data("mnist")
    assert set(DATASETS) >= {"xor", "moons", "circles", "spirals", "digits", "sin"}


# ---- CSV -----------------------------------------------------------------------------------


def _csv(tmp_path, text, name="data.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_csv_with_a_header_and_labels(tmp_path):
    data = load_csv(_csv(tmp_path, "a,b,label\n1,2,5\n3,4,7\n\n5,6,5\n"))
    assert data.X.tolist() == [[1, 2], [3, 4], [5, 6]]
    assert data.y.tolist() == [0, 1, 0] and data.classes == (5.0, 7.0)


def test_csv_without_a_header_for_regression(tmp_path):
    data = load_csv(_csv(tmp_path, "1,2.5\n-3,1e-3\n"), task="regression")
    assert data.X.tolist() == [[1], [-3]] and data.y.tolist() == [[2.5], [0.001]]


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "has no data rows"),
        ("x,y,label\n", "has no data rows"),
        ("1,2,0\n3,4\n", "line 2 has 2 cells but the first data row has 3"),
        ("1,2,0\n3,abc,1\n", "line 2, column 2: 'abc' is not a number"),
        ("1,nan,0\n3,4,1\n", "line 1, column 2: nan is not a finite number"),
        ("1,2,0\n3,inf,1\n", "line 2, column 2: inf is not a finite number"),
        ("1,2,1\n3,4,1\n", "has a single class"),
        ("1,2,0.5\n3,4,1\n", "must be whole numbers"),
        ("1\n2\n", "has 1 column"),
    ],
)
def test_bad_csv_files_give_one_line_errors(tmp_path, text, message):
    with pytest.raises(DataError, match=message) as caught:
        load_csv(_csv(tmp_path, text))
    assert "\n" not in str(caught.value)


def test_csv_labels_follow_a_models_classes(tmp_path):
    path = _csv(tmp_path, "1,7\n2,7\n3,2\n")
    data = load_csv(path, classes=(2.0, 5.0, 7.0))  # one or two classes are fine here
    assert data.y.tolist() == [2, 2, 0] and data.classes == (2.0, 5.0, 7.0)
    with pytest.raises(DataError, match=r"labels \[2.0\] that the model never saw"):
        load_csv(path, classes=(5.0, 7.0))


def test_missing_csv_file(tmp_path):
    with pytest.raises(DataError, match="no such CSV file"):
        load_data(str(tmp_path / "absent.csv"))


# ---- split and standardisation ---------------------------------------------------------------


@given(n=st.integers(4, 300), fraction=st.floats(0.05, 0.9), seed=st.integers(0, 100))
def test_split_is_a_seeded_partition(n, fraction, seed):
    data = load_data("xor", n_samples=n, seed=0)
    if round(n * fraction) >= n:
        with pytest.raises(DataError, match="too few"):
            train_test_split(data, fraction, seed)
        return
    train, test = train_test_split(data, fraction, seed)
    n_test = 0 if test is None else len(test)
    assert len(train) + n_test == n and n_test == round(n * fraction)
    rows = np.concatenate([train.X] + ([test.X] if test else []))
    assert sorted(map(tuple, rows)) == sorted(map(tuple, data.X))
    again, _ = train_test_split(data, fraction, seed)
    assert np.array_equal(again.X, train.X)


def test_split_with_no_test_part_and_bad_fractions():
    data = load_data("xor", n_samples=10)
    assert train_test_split(data, 0.0, 0)[1] is None
    for bad in (1.0, -0.1):
        with pytest.raises(SpecError, match="test fraction"):
            train_test_split(data, bad, 0)


def test_standardizer_is_fitted_on_the_training_part_only():
    rng = np.random.default_rng(0)
    train_X = rng.normal(5.0, 3.0, size=(200, 3))
    train_X[:, 2] = 7.0  # a constant feature
    scaler = Standardizer.fit(train_X)
    scaled = scaler.transform(train_X)
    assert np.allclose(scaled[:, :2].mean(axis=0), 0) and np.allclose(scaled[:, :2].std(axis=0), 1)
    assert np.array_equal(scaled[:, 2], np.zeros(200))  # scale 1, no division by zero
    test_X = rng.normal(100.0, 1.0, size=(5, 3))  # far away: it must not move the fit
    assert np.allclose(scaler.transform(test_X), (test_X - scaler.mean) / scaler.scale)
