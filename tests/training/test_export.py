"""Export to PyTorch: the module predicts like the symnet model, dense or conv, and trains on.

(The JAX export's tests, against real jax, are in ``test_export_jax.py``.)"""

from __future__ import annotations

import ast
import importlib.util

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from symnet.exceptions import DataError, SpecError
from symnet.training.data import Standardizer
from symnet.training.export import export_source, layer_rows, to_torch, write_export
from symnet.training.modelfile import Model

SPECS = [
    ("3-5:relu-4:leaky_relu-1:sigmoid", "bce"),
    ("3-4:tanh-3:softmax", "ce"),
    ("3-4:sigmoid-2", "mse"),
]


#: Image specs that exercise every export path: even kernels with +same (padded one more
#: after than before: a ZeroPad2d), +full, stride, both poolings with edge rows dropped,
#: an explicit flatten, an implied one, and two conv layers.
CONV_SPECS = [
    ("1x8x8-conv4@3x3+same:relu-maxpool2-10:softmax", "ce"),
    ("2x7x6-conv3@2x2+same:tanh-avgpool2-flatten-5:sigmoid-3", "mse"),
    ("1x9x9-conv2@3x3/2+full:relu-conv3@2x3+same-maxpool2-4:softmax", "ce"),
    ("3x5x5-conv2@3x3:leaky_relu-flatten-1:sigmoid", "bce"),
    ("1x10x7-conv3@4x2/2+same:sigmoid-avgpool3-2", "mse"),
]


def _model(spec, loss, dtype="float64"):
    model = Model.initial(spec, loss, seed=2, dtype=dtype)
    rng = np.random.default_rng(0)
    n = model.spec.n_inputs
    model.params = [p + rng.normal(0, 0.3, size=p.shape).astype(dtype) for p in model.params]
    model.standardizer = Standardizer(rng.normal(size=n), rng.uniform(0.5, 2, size=n))
    return model


def _inputs(n=3):
    return np.random.default_rng(1).normal(size=(7, n)) * 3


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


@pytest.mark.parametrize("spec, loss", CONV_SPECS)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_conv_and_pooling_models_export_to_torch(tmp_path, spec, loss, dtype):
    torch = pytest.importorskip("torch")
    model = _model(spec, loss, dtype)
    X = _inputs(model.spec.n_inputs)
    path = write_export(model, "torch", tmp_path / "exported_cnn.py")
    net = _load(path).build_model()
    with torch.no_grad():
        rows = net(torch.tensor(X.astype(dtype))).numpy()
        images = net(torch.tensor(X.reshape(-1, *model.spec.image.shape).astype(dtype))).numpy()
    assert rows.dtype == np.dtype(dtype) and f"computes in {dtype}" in path.read_text()
    tolerance = 1e-12 if dtype == "float64" else 1e-5
    assert np.allclose(rows, model.predict(X), rtol=tolerance, atol=tolerance)
    assert np.array_equal(rows, images)
    convs = [m for m in net if isinstance(m, torch.nn.Conv2d)]
    kernels = [p for name, p in zip(model.parameter_names, model.params) if name[0] == "K"]
    assert [c.weight.detach().numpy().tolist() for c in convs] == [k.tolist() for k in kernels]


def test_layer_rows_give_every_padding_as_before_and_after():
    from symnet.graph.spec import parse_spec

    rows = layer_rows(parse_spec("1x9x9-conv2@3x3/2+full-conv1@4x2+same-avgpool2-2"))
    convs = [("conv", 2, (2, 2, 2, 2)), ("conv", 1, (1, 2, 0, 1))]
    assert rows == [*convs, ("avgpool", 2), ("dense",)]


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


DIGITS_CNN = "1x8x8-conv4@3x3+same:relu-maxpool2-10:softmax"


@pytest.fixture(scope="module")
def digits_cnn():
    """A small CNN trained briefly on the digits (three epochs, a few seconds), with its data."""
    pytest.importorskip("sklearn")
    from symnet.training.data import load_digits
    from symnet.training.loop import train

    digits = load_digits()
    return train(DIGITS_CNN, digits, epochs=3, seed=0).model, digits


def test_a_trained_digits_cnn_exports_to_torch_and_trains_on(tmp_path, digits_cnn):
    """Its predictions equal symnet's to 1e-12, and a few Adam steps in PyTorch lower the loss."""
    torch = pytest.importorskip("torch")
    model, digits = digits_cnn
    net = _load(write_export(model, "torch", tmp_path / "digits_cnn.py")).build_model()
    X, y = torch.tensor(digits.X), torch.tensor(digits.y)
    with torch.no_grad():
        predicted = net(X).numpy()
    assert np.allclose(predicted, model.predict(digits.X), rtol=1e-12, atol=1e-12)
    assert all(p.requires_grad for p in net.parameters())
    net.train()
    optimizer = torch.optim.Adam(net.parameters(), lr=0.01)
    losses = []
    for _ in range(10):
        optimizer.zero_grad()
        loss = torch.nn.functional.nll_loss(torch.log(net(X)), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < 0.9 * losses[0]


@st.composite
def image_specs(draw):
    """A random valid image spec: one or two conv layers (any kernel, stride, padding,
    activation), maybe a pooling layer and a flatten, then one or two dense layers."""
    channels, rows, cols = draw(st.integers(1, 2)), draw(st.integers(4, 9)), draw(st.integers(4, 9))
    layers = []
    for _ in range(draw(st.integers(1, 2))):
        kernel = f"{draw(st.integers(1, 3))}x{draw(st.integers(1, 3))}"
        stride = draw(st.sampled_from(["", "/2"]))
        padding = draw(st.sampled_from(["", "+same", "+full"]))
        activation = draw(st.sampled_from(["", ":relu", ":tanh", ":leaky_relu", ":gelu"]))
        layers.append(f"conv{draw(st.integers(1, 3))}@{kernel}{stride}{padding}{activation}")
    layers += draw(st.sampled_from([[], ["maxpool2"], ["avgpool2"], ["maxpool1"]]))
    layers += draw(st.sampled_from([[], ["flatten"]]))
    outputs = [("3:softmax", "ce"), ("4:sigmoid-2", "mse"), ("1:sigmoid", "bce")]
    output, loss = draw(st.sampled_from(outputs))
    return "-".join([f"{channels}x{rows}x{cols}", *layers, output]), loss


@settings(max_examples=25, deadline=None)
@given(image_specs())
def test_any_image_model_exports_to_torch_with_equal_predictions(case):
    torch = pytest.importorskip("torch")
    spec, loss = case
    try:
        model = _model(spec, loss)
    except (SpecError, DataError):  # the kernel or the pooling window does not fit
        assume(False)
    X = _inputs(model.spec.n_inputs)
    with torch.no_grad():
        predicted = to_torch(model)(torch.tensor(X)).numpy()
    assert np.allclose(predicted, model.predict(X), rtol=1e-12, atol=1e-12)
