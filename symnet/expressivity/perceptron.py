"""Perceptrons: linear and logistic regression as the one-layer networks of the notes.

    linear regression     y = w1 x1 + w2 x2 + w3 x3 + b
    logistic regression   y = sigmoid(w1 x1 + w2 x2 + w3 x3 + b)

They are the spec ``3-1`` (or ``3-1:sigmoid``) with a bias; :func:`perceptron_formula`
writes them with the notes' lower-case inputs and a single ``b``.

>>> print(perceptron_formula(3))
y = w1 x1 + w2 x2 + w3 x3 + b
>>> print(perceptron_formula(3, logistic=True))
y = sigmoid(w1 x1 + w2 x2 + w3 x3 + b)
"""

from __future__ import annotations

import sympy as sp

from symnet.graph.build import build_network
from symnet.graph.network import Network
from symnet.graph.notation import notes_latex, notes_text

__all__ = ["perceptron", "perceptron_formula", "perceptron_latex"]


def perceptron(n_inputs: int = 3, logistic: bool = False) -> Network:
    """The one-layer network with a bias: linear (``N-1``) or logistic (``N-1:sigmoid``)."""
    spec = f"{n_inputs}-1:sigmoid" if logistic else f"{n_inputs}-1"
    return build_network(spec, names="seed", bias=True)


def _notes_expression(network: Network) -> sp.Expr:
    """The output in the notes' symbols: inputs x1.. in lower case, the bias as b."""
    layer, output = network.layers[0], network.outputs[0]
    renamed = {sp.Symbol(x): sp.Symbol(x.lower()) for x in network.inputs}
    renamed.update({sp.Symbol(bias): sp.Symbol("b") for bias in layer.biases or ()})
    z = network.substituted(layer.sums[0]).xreplace(renamed)
    if network.kind(output) == "a":
        return network.substituted(output).func(z)
    return z


def perceptron_formula(n_inputs: int = 3, logistic: bool = False) -> str:
    """``y = ...`` as text, weights before inputs and the bias last, as the notes write it."""
    network = perceptron(n_inputs, logistic)
    return f"y = {notes_text(_notes_expression(network), network)}"


def perceptron_latex(n_inputs: int = 3, logistic: bool = False) -> str:
    """The same formula in LaTeX, e.g. ``y = w_{1} x_{1} + ... + b``."""
    network = perceptron(n_inputs, logistic)
    return f"y = {notes_latex(_notes_expression(network), network)}"
