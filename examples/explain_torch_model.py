"""A PyTorch model, trained in PyTorch, brought into symnet and explained.

A small ``nn.Sequential`` (2 inputs, 3 tanh units, 1 sigmoid output) learns XOR-like data
with PyTorch's Adam. ``symnet.from_torch`` reads its architecture and trained weights into
a symnet model (spec ``2-3:tanh-1:sigmoid``, loss bce, the mapping ``W1 -> 0.weight`` ...),
and symnet then shows what the numbers do:

* the model's predictions equal PyTorch's (to 1e-12);
* a trace of one sample, unit by unit: each weighted sum with the trained weights put in,
  and its activation; its output equals the prediction;
* the derivative of the loss with respect to one weight, as a formula, and its value at
  the trained weights for that sample;
* the network diagram with the trained weights on its edges (blue >= 0, red < 0, as wide
  as their magnitude): ``torch_model.svg``;
* the derivation report of the architecture (its network, backprop and gradient
  check): ``torch_model_report.html``;
* the model saved as an ordinary symnet model file (``torch_model.npz``), which
  ``symnet predict`` and ``symnet export`` take like any other.

Files go to $SYMNET_OUTPUT_DIR (default ``demo-output/``). Needs PyTorch
(``pip install 'symnet[torch]'``); without it the script says so and stops.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

if importlib.util.find_spec("torch") is None:
    print("skipped: this example needs PyTorch (pip install 'symnet[torch]')")
    sys.exit(0)

import numpy as np  # noqa: E402
import torch  # noqa: E402

import symnet  # noqa: E402
from symnet.codegen.layout import scalar_values  # noqa: E402
from symnet.report import build_report  # noqa: E402
from symnet.training.modelfile import save_model  # noqa: E402

folder = Path(os.environ.get("SYMNET_OUTPUT_DIR", "demo-output"))
folder.mkdir(parents=True, exist_ok=True)

# 1. A model trained in PyTorch.
torch.manual_seed(0)
rng = np.random.default_rng(0)
X = rng.uniform(-1, 1, size=(200, 2))
T = ((X[:, 0] * X[:, 1]) > 0).astype(float)[:, None]  # XOR of the signs
net = torch.nn.Sequential(
    torch.nn.Linear(2, 3), torch.nn.Tanh(), torch.nn.Linear(3, 1), torch.nn.Sigmoid()
).double()
optimizer = torch.optim.Adam(net.parameters(), lr=0.05)
inputs, targets = torch.tensor(X), torch.tensor(T)
for _ in range(300):
    optimizer.zero_grad()
    loss = torch.nn.functional.binary_cross_entropy(net(inputs), targets)
    loss.backward()
    optimizer.step()
print(f"trained in PyTorch: bce {loss.item():.4f}")

# 2. Brought into symnet, weights and all.
model = symnet.from_torch(net)
print(f"imported: {model.spec}, loss {model.loss}, {model.training['parameters']}")
with torch.no_grad():
    theirs = net(inputs).numpy()
difference = float(np.abs(model.predict(X) - theirs).max())
print(f"symnet's predictions vs PyTorch's: max difference {difference:.1e}")
assert difference < 1e-12

# 3. One sample traced unit by unit, at the trained weights (the scalar graph with biases).
network = symnet.build_network(model.spec, names="seed", bias=True)
weights = scalar_values(network, model.params)
sample = [0.5, -0.5]
trace = symnet.trace(network, sample, weights)
print(trace)
traced = float(next(iter(trace.outputs.values())))
assert abs(traced - float(model.predict([sample])[0, 0])) < 1e-12

# 4. The loss's derivative with respect to one weight: its formula, and its value here.
derivation = symnet.derive(network, loss=model.loss, wrt="w1")
gradient = derivation.parameters["w1"]
print(f"dL/dw1 = {gradient.backprop}   (backprop: the delta of the unit it feeds, times X1)")
values = {**weights, **dict(zip(network.inputs, sample)), **dict.fromkeys(("t",), 0.0)}
direct = gradient.direct  # sympy.diff of the loss with every definition put in
number = float(direct.subs({x: values[x.name] for x in direct.free_symbols}))
print(f"dL/dw1 at the trained weights, inputs {sample}, target t = 0: {number:.6g}")

# 5. The diagram with the trained weights, and the derivation report of the architecture.
svg = symnet.diagram(network, values={**weights, **dict(zip(network.inputs, sample))})
print("wrote", svg.save(folder / "torch_model.svg"))
report = build_report(model.spec, loss=model.loss, sections=["network", "backprop", "verification"])
print("wrote", report.save(folder / "torch_model_report.html"))

# 6. An ordinary symnet model file.
print("wrote", save_model(model, folder / "torch_model.npz", overwrite=True))
