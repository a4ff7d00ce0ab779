"""Data sets: generated shapes, digits, CSV files with one-line errors, split and scaling."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from symnet.exceptions import DataError, ReadError, SpecError
from symnet.training.data import (
    CLASSIFICATION_SETS,
    DATASETS,
    REGRESSION_FUNCTIONS,
    Standardizer,
    load_data,
    stratified_test_counts,
    train_test_split,
)
from symnet.training.dataset import Dataset


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


# ---- CSV files (read by symnet.training.csvfile; tests/training/test_csvfile.py) -------------


def test_load_data_reads_a_csv_file_with_its_options(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("id,x,label\n1,2,a\n2,4,b\n", encoding="utf-8")
    data = load_data(path, csv_options={"drop": ["id"], "target": None, "header": None})
    assert data.X.tolist() == [[2], [4]] and data.classes == ("a", "b")
    with pytest.raises(SpecError, match="csv_options are target, drop, header, drop_missing"):
        load_data(path, csv_options={"columns": [1]})
    with pytest.raises(SpecError, match="target= applies to CSV files; moons is a built-in"):
        load_data("moons", csv_options={"target": 0})


def test_missing_csv_file(tmp_path):
    with pytest.raises(ReadError, match="cannot read CSV file .*absent.csv: no such file"):
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


labels = st.lists(st.integers(0, 4), min_size=4, max_size=200)


@given(y=labels, fraction=st.floats(0.05, 0.9), seed=st.integers(0, 100))
def test_a_stratified_split_keeps_each_class_share_within_one_sample(y, fraction, seed):
    y = np.unique(y, return_inverse=True)[1]  # class indices 0..K-1, as in a Dataset
    k = int(y.max()) + 1
    data = Dataset(
        "labels",
        np.arange(len(y), dtype=np.float64)[:, None],
        y,
        "classification",
        tuple(map(float, range(k))),
    )
    n, n_test = len(y), round(len(y) * fraction)
    if n_test == 0 or n_test >= n:
        return
    train, test = train_test_split(data, fraction, seed)
    assert test is not None and len(test) == n_test and len(train) + n_test == n
    for c, count in enumerate(np.bincount(y, minlength=k)):
        quota = count * n_test / n  # the class's share of the test part
        assert abs(int(np.sum(test.y == c)) - quota) < 1
    assert sorted(np.concatenate([train.X[:, 0], test.X[:, 0]])) == list(range(n))
    again = train_test_split(data, fraction, seed)[1]
    assert again is not None and np.array_equal(again.X, test.X)


@given(counts=st.lists(st.integers(1, 10**4), min_size=1, max_size=8), share=st.floats(0, 0.99))
def test_stratified_counts_sum_to_the_test_size_and_follow_the_quotas(counts, share):
    n = sum(counts)
    n_test = round(n * share)
    taken = stratified_test_counts(np.repeat(np.arange(len(counts)), counts), n_test)
    assert int(taken.sum()) == n_test
    for t, c in zip(taken.tolist(), counts):
        assert 0 <= t <= c and abs(t - c * n_test / n) < 1


def test_regression_splits_are_as_before_and_classification_ones_stratified():
    sin = load_data("sin", n_samples=50)
    order = np.random.default_rng(3).permutation(50)  # the split of earlier versions
    train, test = train_test_split(sin, 0.2, 3)
    assert test is not None and np.array_equal(test.X, sin.X[order[:10]])
    assert np.array_equal(train.X, sin.X[order[10:]])
    unstratified = train_test_split(load_data("xor", n_samples=50), 0.2, 3, stratify=False)[1]
    assert unstratified is not None and len(unstratified) == 10


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
