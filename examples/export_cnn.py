"""A digits CNN trained here, exported to PyTorch and JAX, and trained on in PyTorch.

1. 1x8x8-conv8@3x3+same:relu-maxpool2-10:softmax trained for a few epochs on the digits.
2. Exported to a standalone PyTorch module (``symnet export --to torch``): an ordinary
   ``nn.Sequential`` (Flatten, the input scaling, Conv2d, ReLU, MaxPool2d, Linear,
   Softmax) whose predictions equal symnet's to 1e-12 in float64.
3. Trained on in PyTorch with Adam: the loss falls. This module is how a model moves on to
   GPUs and, with PyTorch's DistributedDataParallel, to many GPUs or machines.
4. Exported to JAX (when jax is installed): ``predict(PARAMS, x)`` in float64 (the module
   turns on JAX's 64-bit mode), equal to symnet's to 1e-12.

Files go to $SYMNET_OUTPUT_DIR, default ./demo-output.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import numpy as np

from symnet.training.data import load_data
from symnet.training.export import write_export
from symnet.training.loop import train

OUTPUT = Path(os.environ.get("SYMNET_OUTPUT_DIR", "demo-output"))
CNN = "1x8x8-conv8@3x3+same:relu-maxpool2-10:softmax"


def load(path: Path):
    """Import the exported module at ``path``."""
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def train_on_in_torch(path: Path, X: np.ndarray, y: np.ndarray, expected: np.ndarray) -> None:
    import torch  # optional: only for this part of the example

    net = load(path).build_model()
    with torch.no_grad():
        difference = np.abs(net(torch.tensor(X)).numpy() - expected).max()
    print(f"{net}\nmax |torch - symnet| = {difference:.1e}")
    net.train()
    optimizer = torch.optim.Adam(net.parameters(), lr=0.01)
    inputs, targets = torch.tensor(X), torch.tensor(y)
    for step in range(20):
        optimizer.zero_grad()
        loss = torch.nn.functional.nll_loss(torch.log(net(inputs)), targets)
        loss.backward()
        optimizer.step()
        if step % 5 == 0 or step == 19:
            print(f"  PyTorch Adam step {step + 1:2d}: cross-entropy {loss.item():.4f}")


def main() -> None:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    digits = load_data("digits")
    model = train(CNN, digits, epochs=3, seed=0).model
    expected = model.predict(digits.X)
    if importlib.util.find_spec("torch") is not None:
        path = write_export(model, "torch", OUTPUT / "digits_cnn_torch.py", overwrite=True)
        print(f"Wrote {path}")
        train_on_in_torch(path, digits.X, digits.y, expected)
    if importlib.util.find_spec("jax") is not None:
        path = write_export(model, "jax", OUTPUT / "digits_cnn_jax.py", overwrite=True)
        module = load(path)
        predicted = np.asarray(module.predict(module.PARAMS, digits.X))
        print(f"Wrote {path}; max |jax - symnet| = {np.abs(predicted - expected).max():.1e}")


if __name__ == "__main__":
    main()
