"""A student's NumPy 2-layer MLP with its hand-written backprop, and the bugs students plant.

The network is ``2-3:sigmoid-1:sigmoid`` with the bce loss averaged over the batch, written
the way course notes write it with samples as rows: ``Z1 = X @ W1 + b1`` (so ``W1`` is
(inputs, hidden): the "rows" layout), ``Y = sigmoid(A1 @ W2 + b2)``. ``gradients(bug)``
returns a ``grad_fn`` with one bug planted (:data:`BUGS`), or none.
"""

from __future__ import annotations

import numpy as np

#: The planted bugs: name -> (the parameters it breaks, the words of the right diagnosis).
BUGS = {
    "missing transpose in dW2": ({"W2"}, "transposed"),
    "sigmoid derivative s instead of s(1 - s)": ({"W1", "b1"}, "a instead of a*(1 - a)"),
    "bias gradients averaged twice": ({"b1", "b2"}, "averaged twice"),
    "sign flip of layer 1": ({"W1", "b1"}, "sign flipped"),
}


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def gradients(bug: str | None = None):
    """The student's ``grad_fn(params, X, T)`` with ``bug`` planted (None: correct)."""

    def grad_fn(params, X, T):
        W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
        N = len(X)
        A1 = sigmoid(X @ W1 + b1)
        Y = sigmoid(A1 @ W2 + b2)
        dZ2 = (Y - T) / N  # bce after a sigmoid: dL/dz = y - t, averaged over the batch
        dW2 = dZ2.T @ A1 if bug == "missing transpose in dW2" else A1.T @ dZ2
        dA1 = dZ2 @ W2.T
        if bug == "sign flip of layer 1":
            dA1 = -dA1
        slope = A1 if bug == "sigmoid derivative s instead of s(1 - s)" else A1 * (1 - A1)
        dZ1 = dA1 * slope
        dW1 = X.T @ dZ1
        if bug == "bias gradients averaged twice":
            db1, db2 = dZ1.mean(axis=0), dZ2.mean(axis=0)
        else:
            db1, db2 = dZ1.sum(axis=0), dZ2.sum(axis=0)
        return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}

    return grad_fn


def student_data(seed: int = 0, samples: int = 8):
    """The student's parameters (their layout) and a batch of data."""
    rng = np.random.default_rng(seed)
    params = {
        "W1": rng.normal(size=(2, 3)),
        "b1": rng.normal(size=3),
        "W2": rng.normal(size=(3, 1)),
        "b2": rng.normal(size=1),
    }
    X = rng.normal(size=(samples, 2))
    T = (rng.random((samples, 1)) < 0.5).astype(float)
    return params, X, T
