"""A trained model as the symbolic commands see it: its weights by scalar name, its inputs.

The symbolic commands (trace, derive, render, verify, report) work on the scalar graph,
whose weights are named one by one (``w1``, ``b3``, ``k1_0_0_1``); a model file holds
layer-level arrays (``W1, b1, ...``) and the input scaling fitted in training. Here the
one becomes the other: :func:`trained_weights` names every trained number as the graph
built with ``names`` does (biases always: every layer of a model has one), and
:func:`trained_inputs` scales raw inputs exactly as :meth:`Model.predict` does.

>>> model = Model.initial("2-1:sigmoid", "bce", seed=0)
>>> sorted(trained_weights(model)) == ["b1", "w1", "w2"]
True
>>> trained_inputs(model, [1.0, 2.0])
[1.0, 2.0]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from symnet.calculus.backprop import backprop_values
from symnet.calculus.chainrule import loss_node
from symnet.codegen.layout import scalar_values
from symnet.exceptions import SpecError
from symnet.graph.build import build_network
from symnet.graph.network import Network
from symnet.numeric.forward import forward_values
from symnet.parse.formula_text import formulas
from symnet.training.modelfile import Model

__all__ = ["TrainedGradient", "trained_gradient", "trained_inputs", "trained_weights"]


def trained_weights(model: Model, names: str = "seed") -> dict[str, float]:
    """Every trained parameter as scalar name -> value, for the graph built with ``names``.

    NOTE: the scalar graph is built here; the caller runs its command's size guard on
    ``model.spec`` first.
    """
    with formulas(**model.formulas):
        network = build_network(model.spec, names=names, bias=True)
    return scalar_values(network, model.params)


def trained_inputs(model: Model, values: Sequence[float]) -> list[float]:
    """One sample's raw ``values`` scaled as :meth:`Model.predict` scales them."""
    return [float(x) for x in model.inputs([list(values)])[0]]


@dataclass(frozen=True)
class TrainedGradient:
    """The loss and its gradients at a model's trained weights, for one sample."""

    inputs: dict[str, float]  # scaled, as the network sees them
    targets: dict[str, float]
    loss: float
    gradients: dict[str, float]  # parameter -> dL/dparameter

    def text(self, loss_name: str) -> str:
        point = ", ".join(f"{k} = {v:.6g}" for k, v in {**self.inputs, **self.targets}.items())
        grads = ", ".join(f"d{loss_name}/d{p} = {v:.6g}" for p, v in self.gradients.items())
        return f"At the trained weights, {point}: {loss_name} = {self.loss:.6g}; {grads}."

    def to_dict(self) -> dict:
        return {
            "inputs": self.inputs,
            "targets": self.targets,
            "loss": self.loss,
            "gradients": self.gradients,
        }


def trained_gradient(
    network: Network,
    model: Model,
    inputs: Sequence[float],
    targets: Sequence[float],
    wrt: Sequence[str],
) -> TrainedGradient:
    """dL/dw for each of ``wrt`` at the model's weights, for one sample (raw ``inputs``).

    ``network`` is the model's scalar graph with its loss (e.g. a derivation's), built with
    biases; its parameter names are the ones ``wrt`` uses. One numeric forward pass and one
    backprop sweep (:func:`symnet.calculus.backprop.backprop_values`).
    """
    if len(targets) != len(network.targets):
        raise SpecError(
            f"targets= has {len(targets)} values but {model.spec} has {len(network.targets)} "
            f"outputs ({', '.join(network.targets)})"
        )
    weights = scalar_values(network, model.params)
    scaled = dict(zip(network.inputs, trained_inputs(model, inputs)))
    wanted = dict(zip(network.targets, (float(t) for t in targets)))
    values = forward_values(network, {**scaled, **weights, **wanted})
    deltas = backprop_values(network, values)
    gradients = {p: float(deltas.get(p, 0.0)) for p in wrt}
    return TrainedGradient(scaled, wanted, float(values[loss_node(network)]), gradients)
