"""A fixed set of PyTorch nn.Sequential models, dense and conv, for the import tests."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
nn = torch.nn


def torch_models() -> dict[str, tuple[object, tuple[int, ...]]]:
    """A fixed set of nn.Sequential models (dense and conv) with the shape of one sample."""
    return {
        "dense relu": (nn.Sequential(nn.Linear(3, 5), nn.ReLU(), nn.Linear(5, 1)), (3,)),
        "dense sigmoid bce": (
            nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 1), nn.Sigmoid()),
            (2,),
        ),
        "dense softmax": (
            nn.Sequential(nn.Linear(4, 6), nn.GELU(), nn.Linear(6, 5), nn.SiLU())
            + nn.Sequential(nn.Linear(5, 3), nn.Softmax(dim=1)),
            (4,),
        ),
        "leaky elu softplus": (
            nn.Sequential(
                nn.Linear(3, 4), nn.LeakyReLU(0.2), nn.Linear(4, 4), nn.ELU(), nn.Linear(4, 4)
            )
            + nn.Sequential(nn.Softplus(), nn.Linear(4, 2)),
            (3,),
        ),
        "gelu tanh mish selu": (
            nn.Sequential(nn.Linear(2, 3), nn.GELU(approximate="tanh"), nn.Linear(3, 3))
            + nn.Sequential(nn.Mish(), nn.Linear(3, 3), nn.SELU(), nn.Linear(3, 2)),
            (2,),
        ),
        "no bias, flatten first": (
            nn.Sequential(
                nn.Flatten(), nn.Linear(4, 3, bias=False), nn.Identity(), nn.Linear(3, 2)
            ),
            (4,),
        ),
        "conv maxpool": (
            nn.Sequential(
                nn.Conv2d(1, 2, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(8, 3)
            )
            + nn.Sequential(nn.Softmax(dim=1)),
            (1, 6, 6),
        ),
        "conv same stride avgpool": (
            nn.Sequential(
                nn.Conv2d(2, 3, 3, stride=2, padding=1), nn.Tanh(), nn.AvgPool2d(2), nn.Flatten()
            )
            + nn.Sequential(nn.Linear(12, 1), nn.Sigmoid()),
            (2, 8, 8),
        ),
        "conv full, two convs": (
            nn.Sequential(nn.Conv2d(1, 2, 2, padding=1), nn.Sigmoid(), nn.Conv2d(2, 2, 3))
            + nn.Sequential(nn.ReLU(), nn.Flatten(), nn.Linear(18, 2)),
            (1, 4, 4),
        ),
        "conv padding same string, rectangular kernel": (
            nn.Sequential(nn.Conv2d(1, 2, (3, 2), padding="same"), nn.ELU(), nn.Flatten())
            + nn.Sequential(nn.Linear(2 * 5 * 4, 3), nn.Softmax(dim=-1)),
            (1, 5, 4),
        ),
        "conv without bias, nested": (
            nn.Sequential(nn.Sequential(nn.Conv2d(1, 1, 3, bias=False), nn.ReLU()), nn.Flatten())
            + nn.Sequential(nn.Linear(9, 2)),
            (1, 5, 5),
        ),
        "maxpool first": (
            nn.Sequential(
                nn.MaxPool2d(2), nn.Flatten(), nn.Linear(8, 2), nn.Tanh(), nn.Linear(2, 1)
            ),
            (2, 4, 4),
        ),
    }


MODELS = tuple(torch_models())


def model_data(model, shape, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(5, *shape))
    n = model.spec.n_outputs
    if model.loss == "ce":
        T = np.eye(n)[rng.integers(0, n, size=5)]
    elif model.loss == "bce":
        T = rng.integers(0, 2, size=(5, 1)).astype(float)
    else:
        T = rng.normal(size=(5, n))
    return X, T
