"""A trained model as the symbolic commands see it (symnet.training.trained)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symnet.codegen.layout import parameter_grids
from symnet.exceptions import DataError, SpecError
from symnet.graph.build import as_network, build_network
from symnet.training.modelfile import Model
from symnet.training.trained import trained_gradient, trained_inputs, trained_weights

SPECS = ["2-3:tanh-1:sigmoid", "3-2:relu-2:softmax", "2-2:sigmoid-2"]
LOSSES = {"2-3:tanh-1:sigmoid": "bce", "3-2:relu-2:softmax": "ce", "2-2:sigmoid-2": "mse"}


@pytest.mark.parametrize("names", ["seed", "indexed"])
def test_every_trained_number_lands_on_its_scalar_name(names):
    model = Model.initial("3-2:relu-2:softmax", "ce", seed=4)
    weights = trained_weights(model, names)
    network = build_network(model.spec, names=names, bias=True)
    assert set(weights) == set(network.parameters)
    for (_, grid), array in zip(parameter_grids(network), model.params):
        for name, value in zip(grid.flat, array.flat):
            assert weights[name] == value


def test_inputs_are_scaled_as_predict_scales_them():
    from symnet.training.data import Standardizer

    model = Model.initial("2-1:sigmoid", "bce", seed=0)
    model.standardizer = Standardizer(np.array([1.0, -2.0]), np.array([2.0, 0.5]))
    assert trained_inputs(model, [3.0, -1.0]) == [1.0, 2.0]
    with pytest.raises(DataError, match="takes 2 features"):
        trained_inputs(model, [1.0])


@settings(max_examples=15, deadline=None)
@given(
    spec=st.sampled_from(SPECS),
    seed=st.integers(0, 1000),
    x=st.lists(st.floats(-3, 3, allow_nan=False), min_size=3, max_size=3),
    t=st.integers(0, 1),
)
def test_the_gradient_at_the_trained_weights_is_the_compiled_one(spec, seed, x, t):
    """One sample: the scalar backprop sweep equals the generated layer-level step."""
    loss = LOSSES[spec]
    model = Model.initial(spec, loss, seed=seed)
    network = as_network(spec, bias=True, loss=loss, need_loss=True)
    inputs = x[: model.spec.n_inputs]
    outputs = model.spec.n_outputs
    targets = [float(t)] if outputs == 1 else [float(k == t) for k in range(outputs)]
    found = trained_gradient(network, model, inputs, targets, network.parameters)
    X = model.inputs([inputs])
    loss_value, arrays = model.program.step(X, np.array([targets]), model.params)
    assert found.loss == pytest.approx(float(loss_value), rel=1e-9, abs=1e-12)
    for (_, grid), array in zip(parameter_grids(network), arrays):
        for name, value in zip(grid.flat, array.flat):
            assert found.gradients[name] == pytest.approx(value, rel=1e-7, abs=1e-10)


def test_a_wrong_number_of_targets_is_refused():
    model = Model.initial("2-1:sigmoid", "bce", seed=0)
    network = as_network("2-1:sigmoid", bias=True, loss="bce", need_loss=True)
    with pytest.raises(SpecError, match="targets= has 2 values"):
        trained_gradient(network, model, [1.0, 2.0], [1.0, 0.0], ["w1"])
