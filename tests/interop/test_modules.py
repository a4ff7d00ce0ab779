"""check_module: a PyTorch module's autograd gradients (custom backward passes included)
against symnet's, with the first wrong parameter and the module to look at."""

from __future__ import annotations

import json

import numpy as np
import pytest

from symnet.exceptions import SpecError, VerificationError
from symnet.interop.modules import check_module

torch = pytest.importorskip("torch")
nn = torch.nn


class TanhFunction(torch.autograd.Function):
    """tanh with its own backward: right, or with the slip 1 - y instead of 1 - y**2."""

    wrong = False

    @staticmethod
    def forward(ctx, x):
        y = torch.tanh(x)
        ctx.save_for_backward(y)
        return y

    @classmethod
    def backward(cls, ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * (1 - y) if cls.wrong else grad * (1 - y**2)


class WrongTanhFunction(TanhFunction):
    wrong = True


class MyTanh(nn.Module):
    def __init__(self, function=TanhFunction):
        super().__init__()
        self.function = function

    def forward(self, x):
        return self.function.apply(x)


class LinearFunction(torch.autograd.Function):
    """PyTorch's documented LinearFunction, its bias gradient averaged over the batch again."""

    @staticmethod
    def forward(ctx, x, weight, bias):
        ctx.save_for_backward(x, weight)
        return x @ weight.T + bias

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        return grad @ weight, grad.T @ x, grad.sum(0) / len(grad)


class MyLinear(nn.Module):
    def __init__(self, fan_in, fan_out):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(fan_out, fan_in) / fan_in)
        self.bias = nn.Parameter(torch.randn(fan_out))

    def forward(self, x):
        return LinearFunction.apply(x, self.weight, self.bias)


def _mlp(function=TanhFunction, at: int = 1):
    """Linear, tanh, Linear, tanh, Linear, softmax; the tanh at ``at`` is the custom one."""
    torch.manual_seed(0)
    modules = [nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 4), nn.Tanh(), nn.Linear(4, 3)]
    modules[at] = MyTanh(function)
    return nn.Sequential(*modules, nn.Softmax(dim=1)).double()


X = np.random.default_rng(0).normal(size=(6, 3))
CLASSES = np.array([0, 2, 1, 1, 0, 2])  # class indices for ce


def test_a_custom_function_with_a_right_backward_passes():
    report = check_module(_mlp(), X, CLASSES)
    assert report.passed and report.first_wrong is None and report.failure_message() == ""
    assert report.spec == "3-4:tanh-4:tanh-3:softmax" and report.gradients.loss == "ce"
    assert report.recognised == ("module 1 read as tanh (its forward values are tanh's)",)
    assert report.forward_error < 1e-15 and report.gradients.max_abs_error < 1e-12


@pytest.mark.parametrize("at, wrong, right", [(1, {"0"}, {"2", "4"}), (3, {"0", "2"}, {"4"})])
def test_a_wrong_tanh_backward_is_caught_on_its_layer(at, wrong, right):
    report = check_module(_mlp(WrongTanhFunction, at), X, CLASSES)
    assert not report.passed and report.forward_passed
    failing = {row.name.partition(".")[0] for row in report.gradients.failures}
    assert failing == wrong  # every layer before the slip, none after
    assert report.first_wrong.name == f"{at - 1}.weight"  # the first met going back
    message = report.failure_message()
    assert f"look at the backward of module {at} (MyTanh)" in message
    assert "1 - a instead of 1 - a**2" in message  # the diagnosis of the slip
    assert all(f"{prefix}.weight" not in message for prefix in right)
    with pytest.raises(VerificationError, match=f"module {at} \\(MyTanh\\)"):
        check_module(_mlp(WrongTanhFunction, at), X, CLASSES, raise_on_failure=True)


def test_a_custom_linear_layer_is_read_and_its_bias_gradient_diagnosed():
    torch.manual_seed(1)
    net = nn.Sequential(
        nn.Conv2d(1, 2, 3), nn.ReLU(), nn.AvgPool2d(2), nn.Flatten(), MyLinear(8, 3), nn.Sigmoid()
    )
    net.append(nn.Linear(3, 1))
    net.append(nn.Sigmoid())
    images = np.random.default_rng(2).normal(size=(6, 1, 6, 6))
    T = np.array([0.0, 1, 1, 0, 1, 1])
    for dtype in (torch.float64, torch.float32):
        report = check_module(net.to(dtype), images, T, input_shape=(1, 6, 6))
        assert "module 4 read as a dense layer" in report.recognised[0]
        assert [row.name for row in report.gradients.failures] == ["4.bias"]
        assert report.suspects == ("module 4 (MyLinear)",)
        assert "averaged twice" in report.failure_message()


def test_a_wrong_output_activation_backward_is_caught_on_the_output_layer():
    class WrongSigmoidFunction(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            y = torch.sigmoid(x)
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, grad):
            (y,) = ctx.saved_tensors
            return grad * y  # should be y (1 - y)

    class MySigmoid(nn.Module):
        def forward(self, x):
            return WrongSigmoidFunction.apply(x)

    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1), MySigmoid()).double()
    report = check_module(net, X[:, :2], np.array([0.0, 1, 1, 0, 1, 0]))
    assert report.gradients.loss == "bce" and report.first_wrong.name == "2.weight"
    assert "look at the backward of module 3 (MySigmoid)" in report.failure_message()


def test_a_module_whose_forward_matches_nothing_is_refused_unless_named():
    class Cube(nn.Module):
        def forward(self, x):
            return x**3

    net = nn.Sequential(nn.Linear(3, 2), Cube(), nn.Linear(2, 1)).double()
    with pytest.raises(SpecError, match=r"module 1 \(Cube\) is none of the modules symnet reads"):
        check_module(net, X, np.zeros(6))
    report = check_module(net, X, np.zeros(6), activations={"1": "tanh"})
    assert not report.passed and not report.forward_passed
    assert report.failure_message().startswith("the module's outputs differ from symnet's")
    assert "module 1 (Cube)" in report.failure_message()


def test_the_modules_own_gradients_are_left_as_they_were():
    net = _mlp()
    net(torch.tensor(X)).sum().backward()
    before = {name: p.grad.clone() for name, p in net.named_parameters()}
    check_module(net, X, CLASSES)
    for name, p in net.named_parameters():
        assert torch.equal(p.grad, before[name]), name


def test_the_report_is_json_and_text():
    report = check_module(_mlp(WrongTanhFunction), X, CLASSES)
    data = json.loads(json.dumps(report.to_dict()))
    assert data["passed"] is False and data["first_wrong"] == "0.weight"
    assert data["suspects"][:2] == ["module 0 (Linear)", "module 1 (MyTanh)"]
    assert data["parameters"][0]["name"] == "0.weight" and data["forward_passed"] is True
    text = report.to_text()
    assert text.startswith("PyTorch module read as 3-4:tanh-4:tanh-3:softmax (float64)")
    assert "FAILED: the gradients of 0.weight and 0.bias" in text


def test_mixed_biases_are_refused():
    net = nn.Sequential(nn.Linear(3, 2, bias=False), nn.Tanh(), nn.Linear(2, 1)).double()
    with pytest.raises(SpecError, match="all have a bias or none has"):
        check_module(net, X, np.zeros(6))
    both = nn.Sequential(nn.Linear(3, 2, bias=False), nn.Tanh(), nn.Linear(2, 1, bias=False))
    assert check_module(both.double(), X, np.zeros(6)).passed
