from __future__ import annotations

import sympy as sp

from symnet.expressivity.collapse import collapse
from symnet.expressivity.perceptron import perceptron, perceptron_formula, perceptron_latex


def test_linear_and_logistic_regression_read_as_in_the_notes():
    assert perceptron_formula(3) == "y = w1 x1 + w2 x2 + w3 x3 + b"
    assert perceptron_formula(3, logistic=True) == "y = sigmoid(w1 x1 + w2 x2 + w3 x3 + b)"
    assert perceptron_formula(1) == "y = w1 x1 + b"
    assert (
        perceptron_latex(2, logistic=True)
        == r"y = \sigma\left(w_{1} x_{1} + w_{2} x_{2} + b\right)"
    )


def test_perceptron_is_the_one_layer_network():
    net = perceptron(3)
    w1, w2, w3, b1 = sp.symbols("w1 w2 w3 b1")
    X1, X2, X3 = sp.symbols("X1 X2 X3")
    assert net.definition("y") == w1 * X1 + w2 * X2 + w3 * X3 + b1
    # A linear perceptron is already collapsed: one term per input plus the bias.
    result = collapse(net)
    assert result.paths == 4 and result.effective_weights["X2"] == w2
    logistic = perceptron(3, logistic=True)
    assert logistic.kind("y") == "a" and logistic.layers[0].activation == "sigmoid"
