"""Export to JAX, run by real jax: float64 models predict like symnet's to 1e-12 (64-bit mode),
float32 models compute in float32, dense or conv, and the function jits and differentiates."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest
from hypothesis import assume, given, settings

from symnet.exceptions import DataError, SpecError
from symnet.training.export import to_jax, write_export
from tests.training.test_export import _inputs, _model, image_specs

jax = pytest.importorskip("jax")

SPECS = [
    ("3-5:relu-4:leaky_relu-1:sigmoid", "bce"),
    ("3-4:tanh-3:softmax", "ce"),
    ("3-4:gelu-2", "mse"),
    ("1x8x8-conv4@3x3+same:relu-maxpool2-10:softmax", "ce"),
    ("2x7x6-conv3@2x2+same:tanh-avgpool2-flatten-5:sigmoid-3", "mse"),
    ("1x9x9-conv2@3x3/2+full:relu-conv3@2x3+same-maxpool2-4:softmax", "ce"),
    ("1x10x7-conv3@4x2/2+same:sigmoid-avgpool3-2", "mse"),
]


def _load(path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("spec, loss", SPECS)
def test_float64_models_predict_like_symnet_to_1e12(tmp_path, spec, loss):
    model = _model(spec, loss)
    X = _inputs(model.spec.n_inputs)
    module = _load(write_export(model, "jax", tmp_path / "exported_jax.py"))
    assert jax.config.jax_enable_x64  # the float64 module turned 64-bit mode on
    assert all(W.dtype == np.float64 for W, _ in module.PARAMS[2])
    predicted = module.predict(module.PARAMS, X)
    assert predicted.dtype == np.float64
    assert np.allclose(np.asarray(predicted), model.predict(X), rtol=1e-12, atol=1e-12)
    jitted = jax.jit(module.predict)(module.PARAMS, X)
    assert np.allclose(np.asarray(jitted), model.predict(X), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("spec, loss", [SPECS[1], SPECS[3]])
def test_float32_models_compute_in_float32_and_say_so(tmp_path, spec, loss):
    model = _model(spec, loss, "float32")
    X = _inputs(model.spec.n_inputs)
    path = write_export(model, "jax", tmp_path / "exported_jax32.py")
    assert "It computes in float32" in path.read_text()
    predict, params = to_jax(model)
    predicted = predict(params, X)
    assert predicted.dtype == np.float32
    assert np.allclose(np.asarray(predicted), model.predict(X), rtol=1e-5, atol=1e-5)


def test_the_exported_function_differentiates_like_symnet(tmp_path):
    """jax.grad of the exported cross-entropy equals the gradient symnet's training step uses."""
    model = _model(*SPECS[3])
    X = _inputs(model.spec.n_inputs)
    y = np.arange(7) % 10
    predict, params = to_jax(model)

    def loss(params):
        return -jax.numpy.log(predict(params, X)[np.arange(7), y]).mean()

    gradient = jax.grad(loss)(params)[2][0][0]  # the first conv layer's kernels
    T = np.eye(10)[y]
    Xs = model.inputs(X)
    _, grads = model.program.step(Xs, T, model.params)
    assert np.allclose(np.asarray(gradient), grads[0], rtol=1e-9, atol=1e-12)


def test_a_trained_digits_cnn_exports_to_jax(tmp_path):
    pytest.importorskip("sklearn")
    from symnet.training.data import load_digits
    from symnet.training.loop import train

    digits = load_digits()
    model = train("1x8x8-conv4@3x3+same:relu-maxpool2-10:softmax", digits, epochs=3).model
    module = _load(write_export(model, "jax", tmp_path / "digits_cnn_jax.py"))
    predicted = np.asarray(module.predict(module.PARAMS, digits.X))
    assert np.allclose(predicted, model.predict(digits.X), rtol=1e-12, atol=1e-12)
    assert (predicted.argmax(axis=1) == model.predict_classes(digits.X)).all()


@settings(max_examples=10, deadline=None)  # jax compiles every new shape: ~1 s each
@given(image_specs())
def test_any_image_model_exports_to_jax_with_equal_predictions(case):
    spec, loss = case
    try:
        model = _model(spec, loss)
    except (SpecError, DataError):  # the kernel or the pooling window does not fit
        assume(False)
    X = _inputs(model.spec.n_inputs)
    predict, params = to_jax(model)
    assert np.allclose(np.asarray(predict(params, X)), model.predict(X), rtol=1e-12, atol=1e-12)
