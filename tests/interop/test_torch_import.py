"""from_torch: PyTorch nn.Sequential models read into symnet, forward and gradients equal."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from symnet.exceptions import ModelFileError, SpecError
from symnet.graph.registry import ACTIVATION_NAMES
from symnet.interop.onnx_import import from_onnx
from symnet.interop.torch_import import from_torch, read_torch, supported_modules
from symnet.testing.torch_oracle import per_sample_loss
from symnet.training.modelfile import load_model, save_model
from tests.interop.torch_models import MODELS, model_data, torch_models

torch = pytest.importorskip("torch")
nn = torch.nn


def _torch_gradients(net, X, T, loss):
    """The module's autograd gradients of symnet's mean loss (bce and ce from y)."""
    net.zero_grad()
    y = net(torch.tensor(X))
    t = torch.tensor(T)
    if loss == "bce":
        per_sample = -(t * torch.log(y) + (1 - t) * torch.log(1 - y)).sum(dim=1)
    elif loss == "ce":
        per_sample = -(t * torch.log(y)).sum(dim=1)
    else:
        per_sample = per_sample_loss(loss, y, y, t)
    per_sample.mean().backward()
    return {name: p.grad.numpy() for name, p in net.named_parameters()}


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")  # torch's own note
@pytest.mark.parametrize("name", MODELS)
def test_from_torch_reproduces_the_forward_pass_and_the_gradients(name):
    torch.manual_seed(1)
    net, shape = torch_models()[name]  # fresh weights drawn from the seed
    net = net.double()
    imported = read_torch(net, input_shape=shape)
    model = imported.model
    X, T = model_data(model, shape)
    with torch.no_grad():
        expected = net(torch.tensor(X)).numpy()
    np.testing.assert_allclose(model.predict(X), expected, rtol=0, atol=1e-12)
    _, grads = model.program.step(model.inputs(X), T, model.params)
    theirs = _torch_gradients(net, X, T, model.loss)
    mine = dict(zip(model.parameter_names, grads))
    assert set(imported.parameters.values()) == set(theirs)
    for symnet_name, torch_name in imported.parameters.items():
        np.testing.assert_allclose(mine[symnet_name], theirs[torch_name], rtol=1e-10, atol=1e-10)


_ACTIVATION_MODULES = st.sampled_from(
    [nn.ReLU, nn.Tanh, nn.Sigmoid, nn.GELU, nn.SiLU, nn.ELU, nn.Softplus, nn.Mish, nn.SELU]
)


@given(
    widths=st.lists(st.integers(1, 5), min_size=2, max_size=5),
    activations=st.lists(_ACTIVATION_MODULES, min_size=4, max_size=4),
    seed=st.integers(0, 2**16),
)
def test_any_dense_sequential_predicts_as_in_torch(widths, activations, seed):
    """Property: a random Linear/activation stack reads into the same function, to 1e-12."""
    torch.manual_seed(seed)
    modules = []
    for k, (fan_in, fan_out) in enumerate(zip(widths, widths[1:])):
        modules.append(nn.Linear(fan_in, fan_out))
        if k < len(widths) - 2:
            modules.append(activations[k]())
    net = nn.Sequential(*modules).double()
    model = from_torch(net)
    X = np.random.default_rng(seed).normal(size=(4, widths[0])) * 2
    with torch.no_grad():
        expected = net(torch.tensor(X)).numpy()
    np.testing.assert_allclose(model.predict(X), expected, rtol=0, atol=1e-12)


def test_the_model_says_where_its_weights_came_from_and_saves_as_a_model_file(tmp_path):
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.Flatten(), nn.Linear(8, 3))
    net.append(nn.Softmax(dim=1))
    model = from_torch(net.double(), input_shape=(1, 4, 4))
    assert str(model.spec) == "1x4x4-conv2@3x3:relu-flatten-3:softmax"
    assert (model.loss, model.task, model.dtype) == ("ce", "classification", "float64")
    assert model.training["parameters"] == {
        "K1": "0.weight",
        "b1": "0.bias",
        "W3": "3.weight",
        "b3": "3.bias",
    }
    np.testing.assert_array_equal(model.params[0], net[0].weight.detach().numpy())
    loaded = load_model(save_model(model, tmp_path / "net.npz"))
    X = np.random.default_rng(0).normal(size=(3, 1, 4, 4))
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    assert loaded.training["imported_from"] == "torch"


def test_float32_modules_stay_float32_and_the_loss_can_be_named():
    net = nn.Sequential(nn.Linear(2, 2), nn.Sigmoid(), nn.Linear(2, 1), nn.Sigmoid())
    model = from_torch(net, loss="mse")
    assert model.dtype == "float32" and model.loss == "mse"
    assert from_torch(net).loss == "bce"  # as symnet train picks for a 1:sigmoid output


def test_activation_modules_are_read_from_symnets_table():
    names = {"ReLU", "LeakyReLU", "Sigmoid", "Tanh", "Softmax", "GELU", "SiLU", "ELU"}
    assert names | {"SELU", "Softplus", "Mish", "Linear", "Conv2d", "Flatten"} <= set(
        supported_modules()
    )
    assert {"relu", "gelu", "silu", "elu", "softplus"} <= set(ACTIVATION_NAMES)
    leaky = from_torch(nn.Sequential(nn.Linear(1, 1), nn.LeakyReLU(0.2), nn.Linear(1, 1)))
    assert str(leaky.spec) == "1-1:leaky_relu0.2-1"
    default = from_torch(nn.Sequential(nn.Linear(1, 2), nn.LeakyReLU(), nn.Linear(2, 1)))
    assert str(default.spec) == "1-2:leaky_relu-1"


class Square(nn.Module):
    def forward(self, x):
        return x * x


class MyTanh(nn.Module):
    def forward(self, x):
        return torch.tanh(x)


def test_a_module_of_your_own_is_read_when_you_say_what_it_computes():
    net = nn.Sequential(nn.Linear(2, 3), MyTanh(), nn.Linear(3, 1)).double()
    assert str(from_torch(net, activations={"1": "tanh"}).spec) == "2-3:tanh-1"
    assert str(from_torch(net, activations={MyTanh: "tanh"}).spec) == "2-3:tanh-1"
    assert str(from_torch(net, activations={"MyTanh": "tanh"}).spec) == "2-3:tanh-1"


REFUSED = {
    "a module symnet does not read": (
        nn.Sequential(nn.Linear(2, 2), nn.Dropout(), nn.Linear(2, 1)),
        None,
        r"module 1 \(Dropout\) is not a module symnet reads \(Linear, Conv2d, .*Mish\); .*"
        r"activations=\{'1': 'tanh'\}",
    ),
    "batch norm": (
        nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2), nn.Linear(2, 1)),
        None,
        r"module 1 \(BatchNorm1d\) is not a module",
    ),
    "a user's module": (
        nn.Sequential(nn.Linear(2, 2), Square(), nn.Linear(2, 1)),
        None,
        r"module 1 \(Square\) is not a module",
    ),
    "elu alpha": (
        nn.Sequential(nn.Linear(2, 2), nn.ELU(alpha=0.5), nn.Linear(2, 1)),
        None,
        r"ELU\(alpha=0.5\): symnet's elu has alpha=1.0",
    ),
    "softmax over the batch": (
        nn.Sequential(nn.Linear(2, 2), nn.Softmax(dim=0)),
        None,
        r"Softmax\(dim=0\)",
    ),
    "softmax inside": (
        nn.Sequential(nn.Linear(2, 2), nn.Softmax(dim=1), nn.Linear(2, 2)),
        None,
        r"module 1 \(Softmax\): symnet takes softmax on the output layer only",
    ),
    "two activations": (
        nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Tanh(), nn.Linear(2, 1)),
        None,
        r"module 2 \(Tanh\) follows module 1 \(ReLU\); symnet puts one activation",
    ),
    "activation after pooling": (
        nn.Sequential(
            nn.Conv2d(1, 1, 2), nn.MaxPool2d(2), nn.ReLU(), nn.Flatten(), nn.Linear(1, 1)
        ),
        (1, 3, 3),
        r"module 2 \(ReLU\) follows module 1 \(MaxPool2d\)",
    ),
    "dilation": (
        nn.Sequential(nn.Conv2d(1, 1, 2, dilation=2), nn.Flatten(), nn.Linear(4, 1)),
        (1, 4, 4),
        r"module 0 \(Conv2d\) has groups=1, dilation=\(2, 2\)",
    ),
    "padding 2 on a 3x3 kernel": (
        nn.Sequential(nn.Conv2d(1, 1, 3, padding=(2, 1)), nn.Flatten(), nn.Linear(16, 1)),
        (1, 4, 4),
        r"pads its 3x3 kernel with \(\(2, 2\), \(1, 1\)\)",
    ),
    "overlapping pooling": (
        nn.Sequential(nn.MaxPool2d(2, stride=1), nn.Flatten(), nn.Linear(9, 1)),
        (1, 4, 4),
        r"module 0 \(MaxPool2d\) has kernel \(2, 2\), stride \(1, 1\)",
    ),
    "linear on maps": (
        nn.Sequential(nn.Conv2d(1, 1, 2), nn.Linear(2, 1)),
        (1, 3, 3),
        r"module 1 \(Linear\) gets 1x2x2 maps; put a Flatten before it",
    ),
    "conv without an input shape": (
        nn.Sequential(nn.Conv2d(1, 1, 2), nn.Flatten(), nn.Linear(4, 1)),
        None,
        r"module 0 \(Conv2d\) needs images: give input_shape=\(channels, height, width\)",
    ),
    "wrong input shape": (
        nn.Sequential(nn.Linear(3, 1)),
        (4,),
        r"module 0 \(Linear\) takes 3 inputs; the step before gives 4",
    ),
    "ends with pooling": (
        nn.Sequential(nn.Conv2d(1, 1, 2), nn.MaxPool2d(2)),
        (1, 5, 5),
        r"ends with module 1 \(MaxPool2d\); symnet's networks end with a dense layer",
    ),
    "half precision": (
        nn.Sequential(nn.Linear(2, 1)).half(),
        None,
        r"module 0 \(Linear\) holds torch.float16 weights; .*module.double\(\)",
    ),
}


@pytest.mark.parametrize("case", REFUSED)
def test_what_symnet_cannot_hold_is_refused_in_one_line_naming_the_module(case):
    net, shape, message = REFUSED[case]
    with pytest.raises(SpecError, match=message) as caught:
        from_torch(net, input_shape=shape)
    assert "\n" not in str(caught.value)


def test_a_module_that_is_not_a_sequential_is_refused():
    with pytest.raises(SpecError, match=r"from_torch reads a torch.nn.Sequential; got Linear"):
        from_torch(nn.Linear(2, 1))


def test_weights_holding_nan_are_refused():
    net = nn.Sequential(nn.Linear(2, 1)).double()
    with torch.no_grad():
        net[0].weight[0, 0] = float("nan")
    with pytest.raises(ModelFileError, match="W1 holds NaN"):
        from_torch(net)


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")
@pytest.mark.parametrize("name", MODELS)
def test_torch_onnx_export_of_each_model_imports_to_the_same_predictions(tmp_path, name):
    pytest.importorskip("onnx")
    torch.manual_seed(2)
    net, shape = torch_models()[name]
    net = net.double().eval()
    X = np.random.default_rng(3).normal(size=(4, *shape))
    path = tmp_path / "net.onnx"
    # NOTE: the TorchScript exporter (dynamo=False) needs only torch; the default one
    # (dynamo=True) needs onnxscript, which the test extras do not install.
    with warnings.catch_warnings():  # its notes: the TorchScript exporter is deprecated
        warnings.simplefilter("ignore")
        torch.onnx.export(net, (torch.tensor(X[:1]),), str(path), dynamo=False)
    model = from_onnx(path)
    with torch.no_grad():
        expected = net(torch.tensor(X)).numpy()
    np.testing.assert_allclose(model.predict(X), expected, rtol=0, atol=1e-12)
    assert model.training["imported_from"] == "onnx"
