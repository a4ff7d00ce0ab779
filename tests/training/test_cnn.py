"""A small CNN trained on the digits: the command, the model file, predict and pictures."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from symnet.exceptions import DataError, ModelFileError
from symnet.training.modelfile import Model, load_model, save_model

CNN = "1x8x8-conv16@3x3+same:relu-maxpool2-10:softmax"


@pytest.fixture(autouse=True)
def _needs_digits():
    pytest.importorskip("sklearn")


def test_the_cnn_command_reaches_96_percent_on_the_digits(run_cli):
    """The default settings alone: Adam, 30 epochs, batches of 64, an 80/20 split, seed 0.

    NOTE: the stratified test split of seed 0 scores 96.4 %; split seeds 1 and 2 score
    98.9 % and 98.3 % (one test digit is 0.28 %), so the bound is 96 %, not 98 %.
    """
    result = run_cli(["train", CNN, "--data", "digits", "--seed", "0", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["n_train"], data["n_test"], data["epochs"]) == (1438, 359, 30)
    assert data["test_accuracy"] >= 0.96
    assert data["epoch_seconds"] == pytest.approx(data["seconds"] / 30)


def test_the_example_spec_trains_and_its_model_file_round_trips(run_cli, tmp_path: Path):
    model_file = tmp_path / "cnn.npz"
    spec = "1x8x8-conv8@3x3:relu-maxpool2-10:softmax"
    args = ["train", spec, "--data", "digits", "--epochs", "3", "-o", str(model_file)]
    assert run_cli(args).exit_code == 0
    model = load_model(model_file)
    assert model.parameter_names == ("K1", "b1", "W3", "b3")
    assert model.params[0].shape == (8, 1, 3, 3) and model.params[2].shape == (10, 72)
    # NOTE under test: an image spec is standardised per channel, one mean for all pixels.
    assert np.unique(model.standardizer.mean).size == 1
    from symnet.training.data import load_data

    X = load_data("digits").X[:20]
    flat, images = model.predict(X), model.predict(X.reshape(20, 1, 8, 8))
    np.testing.assert_array_equal(flat, images)
    np.testing.assert_allclose(flat.sum(axis=1), 1.0)
    held_out = json.loads(
        run_cli(["predict", str(model_file), "--data", "digits", "--json"]).stdout
    )
    assert (held_out["split"], held_out["samples"]) == ("test", 359)  # the digits it never saw
    predicted = run_cli(
        ["predict", str(model_file), "--data", "digits", "--split", "all", "--json"]
    )
    assert predicted.exit_code == 0, predicted.output
    report = json.loads(predicted.stdout)
    assert report["spec"] == spec and report["samples"] == 1797 and report["accuracy"] > 0.5
    assert report["predictions"][:20] == model.predict_classes(X).tolist()


def test_a_changed_kernel_array_is_refused(tmp_path: Path):
    model = Model.initial("1x4x4-conv2@3x3:relu-3:softmax", "ce")
    path = save_model(model, tmp_path / "m.npz")
    assert load_model(path).params[0].shape == (2, 1, 3, 3)
    with np.load(path) as archive:
        arrays = {name: archive[name] for name in archive.files}
    arrays["K1"] = arrays["K1"][:1]
    np.savez(path, **arrays)
    with pytest.raises(ModelFileError, match="array K1"):
        load_model(path)


def test_mismatched_images_and_unsupported_steps_are_one_line_errors(run_cli, tmp_path):
    result = run_cli(["train", "1x7x7-conv2@3x3-10:softmax", "--data", "digits"])
    assert result.exit_code == 2 and "(1x7x7 images)" in result.stderr
    assert len(result.stderr.splitlines()) == 1
    result = run_cli(["train", "64-10:softmax", "--data", "digits", "--plot-kernels", "k.png"])
    assert result.exit_code == 2 and "needs a conv spec" in result.stderr
    model = Model.initial("1x4x4-conv2@3x3:relu-3:softmax", "ce")
    with pytest.raises(DataError, match="1x4x4 images"):
        model.predict(np.zeros((2, 15)))


def test_pictures_of_kernels_and_feature_maps(run_cli, tmp_path: Path):
    kernels, maps = tmp_path / "kernels.png", tmp_path / "maps.png"
    args = ["train", "1x8x8-conv4@3x3:relu-maxpool2-conv2@2x2-10:softmax", "--data", "digits"]
    args += ["--epochs", "1", "--plot-kernels", str(kernels), "--plot-maps", str(maps), "--json"]
    result = run_cli(args)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["plot_kernels_file"] == str(kernels) and data["plot_maps_file"] == str(maps)
    for path in (kernels, maps):
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not list(tmp_path.glob(".*"))  # no temporary files left behind


def test_feature_maps_are_the_layers_outputs():
    from symnet.codegen.program import feature_maps
    from symnet.codegen.runtime import maxpool
    from symnet.conv.filters import conv2d

    model = Model.initial("2x5x5-conv3@3x3+same:relu-maxpool2-4", "mse", seed=1)
    X = np.random.default_rng(0).normal(size=(2, 50))
    (l0, x), (l1, a1), (l2, a2) = feature_maps(model.spec, model.params, X)
    assert (l0, l1, l2) == (0, 1, 2)
    K, b = model.params[:2]
    expected = np.maximum(conv2d(X.reshape(2, 2, 5, 5), K, "same") + b[:, None, None], 0)
    np.testing.assert_allclose(a1, expected)
    np.testing.assert_allclose(a2, maxpool(expected, 2))
    np.testing.assert_allclose(model.predict(X), model.program.forward(X, model.params))


@pytest.mark.parametrize("framework", ["torch", "jax"])
def test_a_trained_cnn_exports_from_the_command_line(run_cli, tmp_path: Path, framework):
    """The command refused image models once ("dense models only"); now the module predicts
    like the model file, to 1e-12."""
    pytest.importorskip(framework)
    model_file, module_file = tmp_path / "cnn.npz", tmp_path / f"cnn_{framework}.py"
    args = ["train", "1x8x8-conv4@3x3+same:relu-avgpool2-10:softmax", "--data", "digits"]
    assert run_cli([*args, "--epochs", "1", "-o", str(model_file)]).exit_code == 0
    result = run_cli(["export", str(model_file), "--to", framework, "-o", str(module_file)])
    assert result.exit_code == 0, result.output
    loader = importlib.util.spec_from_file_location(module_file.stem, module_file)
    module = importlib.util.module_from_spec(loader)
    loader.loader.exec_module(module)
    X = np.random.default_rng(0).uniform(0, 16, size=(20, 64))
    if framework == "torch":
        import torch  # the framework the module was written for

        with torch.no_grad():
            predicted = module.build_model()(torch.tensor(X)).numpy()
    else:
        predicted = np.asarray(module.predict(module.PARAMS, X))
    assert np.allclose(predicted, load_model(model_file).predict(X), rtol=1e-12, atol=1e-12)
