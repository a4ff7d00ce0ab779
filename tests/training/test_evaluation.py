"""Scores (loss, accuracy, MSE, R²), the held-out split, and predictions with class names."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from symnet.exceptions import SpecError
from symnet.training.data import load_data
from symnet.training.dataset import Dataset
from symnet.training.evaluation import Scores, held_out, predict_data, r2_score, score
from symnet.training.loop import train
from symnet.training.modelfile import Model, load_model
from tests.csv_files import write_iris

values = st.integers(-(10**6), 10**6).map(lambda k: k / 1000)  # no under- or overflow
shapes = st.tuples(st.integers(2, 30), st.integers(1, 3))


@given(T=arrays(np.float64, shapes, elements=values))
def test_r2_of_a_perfect_predictor_is_1_and_of_the_mean_is_0(T):
    assume(np.all(np.ptp(T, axis=0) > 1e-6))  # every output varies
    assert r2_score(T, T) == 1.0
    mean = np.broadcast_to(T.mean(axis=0), T.shape)
    assert r2_score(mean, T) == pytest.approx(0.0, abs=1e-9)


@given(data=st.data(), shape=shapes)
def test_r2_agrees_with_scikit_learn(data, shape):
    metrics = pytest.importorskip("sklearn.metrics")
    T = data.draw(arrays(np.float64, shape, elements=values))
    Y = data.draw(arrays(np.float64, shape, elements=values))
    assume(np.all(np.ptp(T, axis=0) > 1e-3))
    expected = metrics.r2_score(T, Y)  # uniform average over the outputs
    assert r2_score(Y, T) == pytest.approx(expected, rel=1e-9, abs=1e-9)


def test_r2_of_a_constant_target_follows_scikit_learn():
    T = np.ones((4, 1))
    assert r2_score(T, T) == 1.0 and r2_score(T + 1, T) == 0.0


@given(Y=arrays(np.float64, shapes, elements=values), data=st.data())
def test_the_mse_loss_is_half_the_squared_error_summed_over_outputs(Y, data):
    # NOTE under test: Scores.mse is the mean over samples and outputs; the mse loss is
    # 1/2 sum over outputs, averaged over samples: loss = mse * outputs / 2.
    T = data.draw(arrays(np.float64, Y.shape, elements=values))
    spec = f"{Y.shape[1]}-{Y.shape[1]}"
    model = Model.initial(spec, "mse")
    model.params = [np.eye(Y.shape[1]), np.zeros(Y.shape[1])]  # the identity: outputs = inputs
    found = score(model, Dataset("pairs", Y, T, "regression"))
    assert found.mse == pytest.approx(np.mean((Y - T) ** 2), rel=1e-12, abs=1e-12)
    assert found.loss == pytest.approx(found.mse * Y.shape[1] / 2, rel=1e-9, abs=1e-9)
    assert found.r2 == r2_score(Y, T) and found.accuracy is None


def test_scores_as_text():
    assert Scores(0.25, accuracy=0.5).text() == "loss 0.25  accuracy 50.00%"
    regression = Scores(0.5, mse=1.0, r2=0.75).text(sep=", ")
    assert regression.startswith("MSE 1, R² 0.7500 (loss 0.5: half the squared error")


def test_predict_scores_the_held_out_split_of_its_own_data():
    result = train("2-4:tanh-1:sigmoid", "moons", epochs=20, seed=2, split_seed=5)
    model = result.model
    own = predict_data(model, "moons")  # made again with the model's seed and size
    assert (own.split, len(own.data), own.total) == ("test", 200, 1000)
    assert own.loss == pytest.approx(result.test_loss) and own.accuracy == result.test_accuracy
    assert predict_data(model, "moons", split="train").accuracy == result.train_accuracy
    assert len(predict_data(model, "moons", split="all").data) == 1000
    fresh = predict_data(model, "moons", seed=7)  # new samples: all of them are scored
    assert (fresh.split, len(fresh.data)) == ("all", 1000)
    with pytest.raises(SpecError, match="split must be one of test, train, all"):
        predict_data(model, "moons", split="validation")


def test_held_out_needs_a_recorded_split():
    data = load_data("xor", n_samples=10)
    untrained = Model.initial("2-1:sigmoid", "bce")
    assert held_out(untrained, data, "all") is data
    with pytest.raises(SpecError, match="does not record; use split='all'"):
        held_out(untrained, data, "test")
    untrained.training = {"test_fraction": 0.0, "split_seed": 0}
    with pytest.raises(SpecError, match="none is held out"):
        held_out(untrained, data, "test")


def test_a_model_from_before_split_seed_is_split_as_it_was():
    data = load_data("xor", n_samples=40)
    old = Model.initial("2-1:sigmoid", "bce")
    old.training = {"test_fraction": 0.25, "seed": 3}  # no split_seed: the old random split
    order = np.random.default_rng(3).permutation(40)
    assert np.array_equal(held_out(old, data, "test").X, data.X[order[:10]])


def test_predictions_carry_class_names_and_probabilities(tmp_path):
    path = write_iris(tmp_path / "iris.csv")
    result = train("4-8:relu-3:softmax", path, epochs=200, seed=0, output=tmp_path / "m.npz")
    model = load_model(tmp_path / "m.npz")
    assert model.classes == ("setosa", "versicolor", "virginica")
    found = predict_data(model, path)
    assert found.split == "test" and len(found.data) == 30
    assert found.accuracy == result.test_accuracy
    assert set(found.predictions) <= set(model.classes)
    probabilities = np.array(found.probabilities)
    assert probabilities.shape == (30, 3) and np.allclose(probabilities.sum(axis=1), 1)
    named = [model.classes[k] for k in probabilities.argmax(axis=1)]
    assert named == found.predictions
    assert found.to_dict()["classes"] == ["setosa", "versicolor", "virginica"]
    assert "setosa" in found.text() or "versicolor" in found.text()


def test_a_sigmoid_output_gives_two_probabilities_and_regression_none():
    model = Model.initial("2-1:sigmoid", "bce")
    found = predict_data(model, "xor", n_samples=8)
    probabilities = np.array(found.probabilities)
    assert probabilities.shape == (8, 2) and np.allclose(probabilities.sum(axis=1), 1)
    regression = predict_data(Model.initial("1-1", "mse"), "sin", n_samples=8)
    assert regression.probabilities is None and regression.r2 is not None
    assert regression.to_dict()["mse"] == regression.mse and regression.accuracy is None
