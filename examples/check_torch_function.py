"""A PyTorch ``autograd.Function`` with a hand-written backward, checked by symnet.

An engineer wrote tanh as a custom ``torch.autograd.Function`` with its own backward and
put it in an ``nn.Sequential`` (Linear, the custom tanh, Linear, ReLU, Linear, Softmax).
``symnet.check_module`` reads the module's architecture and weights, recognises the custom
module by its forward values (they are tanh's), runs the module's own autograd on a batch
and compares every gradient with symnet's derivation at the same weights and data. It
shows:

* the right backward, ``grad * (1 - y**2)``, passing;
* the slip ``grad * (1 - y)`` caught: the first wrong gradients going back from the loss
  (``0.weight``, ``0.bias``), the module whose backward to look at (module 1, the custom
  tanh), the diagnosis (``1 - a`` instead of ``1 - a**2``) and the formula the first wrong
  entry should equal, from symnet's backprop derivation;
* ``torch.autograd.gradcheck`` on the same function, for comparison: it says that the
  backward is wrong, not where in the network nor what it should be.

Needs PyTorch (``pip install 'symnet[torch]'``); without it the script says so and stops.
"""

from __future__ import annotations

import importlib.util
import sys

if importlib.util.find_spec("torch") is None:
    print("skipped: this example needs PyTorch (pip install 'symnet[torch]')")
    sys.exit(0)

import numpy as np  # noqa: E402
import torch  # noqa: E402

import symnet  # noqa: E402


class TanhFunction(torch.autograd.Function):
    """tanh, with its backward written by hand."""

    @staticmethod
    def forward(ctx, x):
        y = torch.tanh(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * (1 - y**2)


class SlippedTanhFunction(TanhFunction):
    """The same, with the square left out of the derivative."""

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * (1 - y)


class CustomTanh(torch.nn.Module):
    def __init__(self, function):
        super().__init__()
        self.function = function

    def forward(self, x):
        return self.function.apply(x)


def network(function) -> torch.nn.Sequential:
    torch.manual_seed(0)
    nn = torch.nn
    layers = [nn.Linear(4, 8), CustomTanh(function), nn.Linear(8, 6), nn.ReLU(), nn.Linear(6, 3)]
    return nn.Sequential(*layers, nn.Softmax(dim=1)).double()


rng = np.random.default_rng(0)
X = rng.normal(size=(16, 4))
classes = rng.integers(0, 3, size=16)  # class indices: the ce loss, as torch's

for function in (TanhFunction, SlippedTanhFunction):
    print(f"=== {function.__name__} ===")
    report = symnet.check_module(network(function), X, classes)
    print(report)
    first = report.first_wrong
    if first is not None and first.first_wrong is not None:
        print("\nthe first wrong entry and what it should equal:")
        print(f"  {first.first_wrong.text}")
    print()

x = torch.randn(5, dtype=torch.float64, requires_grad=True)
verdict = torch.autograd.gradcheck(SlippedTanhFunction.apply, (x,), raise_exception=False)
print(f"torch.autograd.gradcheck(SlippedTanhFunction.apply): {verdict}")
