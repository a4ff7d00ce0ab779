"""Export: the PyTorch and JAX modules give the same predictions as the symnet model."""

from __future__ import annotations

import ast
import importlib.util
import sys
import types

import numpy as np
import pytest

from symnet.exceptions import SpecError
from symnet.training.data import Standardizer
from symnet.training.export import export_source, to_torch, write_export
from symnet.training.modelfile import Model

SPECS = [
    ("3-5:relu-4:leaky_relu-1:sigmoid", "bce"),
    ("3-4:tanh-3:softmax", "ce"),
    ("3-4:sigmoid-2", "mse"),
]


def _model(spec, loss, dtype="float64"):
    model = Model.initial(spec, loss, seed=2, dtype=dtype)
    rng = np.random.default_rng(0)
    model.params = [p + rng.normal(0, 0.3, size=p.shape).astype(dtype) for p in model.params]
    model.standardizer = Standardizer(rng.normal(size=3), rng.uniform(0.5, 2, size=3))
    return model


def _inputs():
    return np.random.default_rng(1).normal(size=(7, 3)) * 3


def _load(path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("spec, loss", SPECS)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_torch_module_predicts_like_the_model(tmp_path, spec, loss, dtype):
    torch = pytest.importorskip("torch")
    model = _model(spec, loss, dtype)
    module = _load(write_export(model, "torch", tmp_path / "exported.py"))
    with torch.no_grad():
        from_file = module.build_model()(torch.tensor(_inputs().astype(dtype))).numpy()
        built = to_torch(model)(torch.tensor(_inputs().astype(dtype))).numpy()
    tolerance = 1e-12 if dtype == "float64" else 1e-5
    assert np.allclose(from_file, model.predict(_inputs()), rtol=tolerance, atol=tolerance)
    assert np.array_equal(from_file, built)


def _fake_jax(monkeypatch):
    """A stand-in for jax built on NumPy: enough to run the exported module's code."""
    jnp = types.ModuleType("jax.numpy")
    for name in ("asarray", "maximum", "where", "tanh", "exp"):
        setattr(jnp, name, getattr(np, name))
    nn = types.SimpleNamespace(
        sigmoid=lambda z: 1 / (1 + np.exp(-z)),
        softmax=lambda z, axis=-1: np.exp(z) / np.exp(z).sum(axis=axis, keepdims=True),
    )
    jax = types.ModuleType("jax")
    jax.numpy, jax.nn = jnp, nn
    monkeypatch.setitem(sys.modules, "jax", jax)
    monkeypatch.setitem(sys.modules, "jax.numpy", jnp)


@pytest.mark.parametrize("spec, loss", SPECS)
def test_jax_module_predicts_like_the_model(tmp_path, monkeypatch, spec, loss):
    if importlib.util.find_spec("jax") is None:
        _fake_jax(monkeypatch)
    model = _model(spec, loss)
    module = _load(write_export(model, "jax", tmp_path / "exported_jax.py"))
    predicted = np.asarray(module.predict(module.PARAMS, _inputs()))
    assert np.allclose(predicted, model.predict(_inputs()), rtol=1e-10, atol=1e-12)


def test_weights_are_embedded_exactly():
    model = _model("3-4:tanh-3:softmax", "ce")
    tree = ast.parse(export_source(model, "torch"))
    values = {
        node.targets[0].id: ast.literal_eval(node.value)
        for node in tree.body
        if isinstance(node, ast.Assign) and node.targets[0].id in ("WEIGHTS", "BIASES")
    }
    assert np.array_equal(np.array(values["WEIGHTS"][0]), model.params[0])
    assert np.array_equal(np.array(values["BIASES"][1]), model.params[3])


def test_write_export_refuses_bad_targets(tmp_path):
    model = _model(*SPECS[0])
    with pytest.raises(SpecError, match="one of torch, jax"):
        export_source(model, "tensorflow")
    with pytest.raises(SpecError, match="ending in .py"):
        write_export(model, "torch", tmp_path / "model.txt")
    (tmp_path / "taken.py").write_text("keep")
    with pytest.raises(SpecError, match="overwrite=True"):
        write_export(model, "torch", tmp_path / "taken.py")
    assert (tmp_path / "taken.py").read_text() == "keep"
