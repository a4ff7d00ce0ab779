"""A student's NumPy MLP with a hand-written backprop, checked by symnet, bug by bug.

The student wrote a 2-3:sigmoid-1:sigmoid network the way course notes do, samples as rows
(``Z1 = X @ W1 + b1``, so ``W1`` is stored (inputs, hidden)), with the bce loss averaged
over the batch, and its backward pass by hand. ``symnet.check_backprop`` calls that
backward pass and compares every gradient array with symnet's derivation at the same
weights and data. It shows:

* the correct code passing, and the layout symnet read off the student's arrays
  (``your W1 (2, 3) = symnet W1ᵀ (3, 2)``): no glue code, no transposes by hand;
* four planted bugs, each reported on the right parameter with its diagnosis: a missing
  transpose in dW2, the sigmoid derivative written s instead of s(1 - s), bias gradients
  averaged twice, and the sign of layer 1 flipped;
* for a wrong gradient, its first wrong entry and the formula that entry should equal, from
  symnet's backprop derivation (``dL/dW1[0,0] = dL/dw1 = X1·δ_z_A; δ_z_A = ...``).

The same check runs from the command line on saved arrays:
``symnet verify 2-3:sigmoid-1:sigmoid --params P.npz --grads G.npz --inputs X.npy
--targets T.npy``.
"""

from __future__ import annotations

import numpy as np

import symnet

BUGS = (
    None,
    "missing transpose in dW2",
    "sigmoid derivative s instead of s(1 - s)",
    "bias gradients averaged twice",
    "sign flip of layer 1",
)


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def student_backprop(bug=None):
    """The student's gradient function, ``grad_fn(params, X, T)``, with ``bug`` planted."""

    def grad_fn(params, X, T):
        W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
        N = len(X)
        A1 = sigmoid(X @ W1 + b1)  # hidden layer
        Y = sigmoid(A1 @ W2 + b2)  # output
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


def main() -> None:
    rng = np.random.default_rng(0)
    params = {
        "W1": rng.normal(size=(2, 3)),
        "b1": rng.normal(size=3),
        "W2": rng.normal(size=(3, 1)),
        "b2": rng.normal(size=1),
    }
    X = rng.normal(size=(8, 2))
    T = (rng.random((8, 1)) < 0.5).astype(float)
    for bug in BUGS:
        print(f"===== {'the correct code' if bug is None else 'planted: ' + bug}")
        report = symnet.check_backprop(
            student_backprop(bug), "2-3:sigmoid-1:sigmoid", X, T, loss="bce", params=params
        )
        print(report.to_text() if bug is None else _failures(report))
        assert report.passed == (bug is None), report.to_text()
        print()


def _failures(report) -> str:
    """The wrong parameters of ``report``: verdict, diagnosis, first wrong entry, formula."""
    lines = report.to_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("batch loss"))
    return "\n".join(lines[start + 2 :])


if __name__ == "__main__":
    main()
