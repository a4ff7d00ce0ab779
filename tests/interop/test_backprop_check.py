"""check_backprop: the planted bugs of a student's MLP, and symnet's own gradients fed back."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import symnet
from symnet.codegen.program import compile_layers
from symnet.exceptions import DataError, SpecError, VerificationError
from symnet.graph.losses import default_loss
from symnet.graph.spec import parse_spec
from symnet.interop.backprop_check import check_backprop
from symnet.interop.layouts import LAYOUTS, Layout
from symnet.training.modelfile import Model, initial_parameters
from tests.interop.student_mlp import BUGS, gradients, student_data
from tests.strategies import loss_for, specs

STUDENT = "2-3:sigmoid-1:sigmoid"


def test_the_students_correct_backprop_passes():
    params, X, T = student_data()
    report = check_backprop(gradients(), STUDENT, X, T, params=params)
    assert report.passed and report.loss == "bce" and report.max_abs_error < 1e-12
    assert report.layout["weight_order"] == "in_out" and report.layout["sample_axis"] == "rows"
    assert "your W1 (2, 3) = symnet W1ᵀ (3, 2)" in report.mapping


@pytest.mark.parametrize("bug", BUGS)
def test_each_planted_bug_is_found_on_its_parameters_with_its_diagnosis(bug):
    params, X, T = student_data()
    report = check_backprop(gradients(bug), STUDENT, X, T, params=params)
    wrong, words = BUGS[bug]
    assert {row.name for row in report.failures} == wrong
    for row in report.failures:
        assert row.diagnosis is not None and words in row.diagnosis, row.diagnosis
    assert not report.passed and report.failures[0].name in report.failure_message()
    with pytest.raises(VerificationError, match=report.failures[0].name):
        check_backprop(gradients(bug), STUDENT, X, T, params=params, raise_on_failure=True)


def test_the_first_wrong_entry_carries_the_formula_it_should_equal():
    params, X, T = student_data()
    report = check_backprop(gradients("sign flip of layer 1"), STUDENT, X, T, params=params)
    entry = report.failures[0].first_wrong
    assert entry is not None and entry.index == (0, 0) and entry.symnet_index == (0, 0)
    assert entry.scalar == "w1" and entry.formula == "X1*delta_z_A"
    assert entry.yours == pytest.approx(-entry.expected)
    assert "dL/dW1[0,0] = dL/dw1 = X1·δ_z_A" in entry.text
    assert entry.deltas[0].startswith("delta_z_A = ")
    text = report.to_text()
    assert "first wrong entry W1[0,0]" in text and "sign flipped" in text


def _symnet_grad_fn(spec: str, loss: str, layout: Layout):
    """A grad_fn that is right: symnet's own gradients, handed back in ``layout``."""
    parsed = parse_spec(spec)
    maps = layout.arrays(parsed)
    program = compile_layers(parsed, loss)

    def grad_fn(params, X, T):
        rows = layout.inputs_to_rows(parsed, X)
        targets = layout.targets_to_rows(parsed, T, len(rows))
        named = {m.symnet: m.to_symnet(params[m.user]) for m in maps}
        arrays = [named[name] for name, _ in parsed.parameter_shapes()]
        _, grads = program.step(rows, targets, arrays)
        by_name = dict(zip([name for name, _ in parsed.parameter_shapes()], grads))
        return {m.user: m.to_user(by_name[m.symnet]) for m in maps}

    return grad_fn


def _data(spec: str, loss: str, layout: Layout, seed: int, samples: int = 5):
    parsed = parse_spec(spec)
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(samples, parsed.n_inputs))
    outputs = parsed.n_outputs
    if loss == "ce":
        T = np.eye(outputs)[rng.integers(0, outputs, samples)]
    elif loss == "bce":
        T = rng.integers(0, 2, (samples, 1)).astype(float)
    else:
        T = rng.normal(size=(samples, outputs))
    maps = layout.arrays(parsed)
    named = dict(zip([n for n, _ in parsed.parameter_shapes()], initial_parameters(parsed, seed)))
    params = {m.user: m.to_user(named[m.symnet] + rng.normal(0, 0.1, m.symnet_shape)) for m in maps}
    if layout.samples == "columns":
        X, T = X.T, T.T
    return params, X, T


@settings(max_examples=25)
@given(
    spec=specs(max_layers=2, max_width=3),
    choice=st.integers(0, 1),
    layout=st.sampled_from(sorted(LAYOUTS)),
    seed=st.integers(0, 2**16),
)
def test_symnets_own_gradients_pass_in_every_layout(spec, choice, layout, seed):
    loss = loss_for(spec, choice)
    chosen = LAYOUTS[layout]
    params, X, T = _data(spec, loss, chosen, seed)
    report = check_backprop(_symnet_grad_fn(spec, loss, chosen), spec, X, T, loss, params)
    assert report.passed, report.to_text()
    # The layout is read off the arrays where the shapes tell it (else it is a preset's).
    named = check_backprop(
        _symnet_grad_fn(spec, loss, chosen), spec, X, T, loss, params, layout=layout
    )
    assert named.passed and named.layout == chosen.to_dict()


@settings(max_examples=25)
@given(
    spec=specs(max_layers=2, max_width=3),
    choice=st.integers(0, 1),
    layout=st.sampled_from(sorted(LAYOUTS)),
    seed=st.integers(0, 2**16),
    data=st.data(),
)
def test_one_perturbed_entry_is_found_at_that_entry(spec, choice, layout, seed, data):
    loss = loss_for(spec, choice)
    chosen = LAYOUTS[layout]
    params, X, T = _data(spec, loss, chosen, seed)
    maps = chosen.arrays(parse_spec(spec))
    target = data.draw(st.sampled_from([m.user for m in maps]))
    shape = next(m.user_shape for m in maps if m.user == target)
    index = tuple(data.draw(st.integers(0, n - 1)) for n in shape)
    right = _symnet_grad_fn(spec, loss, chosen)

    def perturbed(params, X, T):
        grads = right(params, X, T)
        grads[target] = grads[target].copy()
        grads[target][index] += 0.5
        return grads

    report = check_backprop(perturbed, spec, X, T, loss, params, layout=layout)
    assert [row.name for row in report.failures] == [target]
    entry = report.failures[0].first_wrong
    assert entry is not None and entry.index == index
    assert entry.yours - entry.expected == pytest.approx(0.5)


def test_a_model_brings_its_weights_and_loss(tmp_path):
    model = Model.initial("2-3:tanh-1:sigmoid", "bce", seed=3)
    params, X, T = student_data()
    grad_fn = _symnet_grad_fn("2-3:tanh-1:sigmoid", "bce", LAYOUTS["symnet"])
    seen = {}

    def spy(params, X, T):
        seen.update(params)
        return grad_fn(params, X, T)

    report = check_backprop(spy, model, X, T)
    assert report.passed and report.loss == "bce"
    assert np.array_equal(seen["W1"], model.params[0])
    with pytest.raises(SpecError, match="trained with loss='bce'"):
        check_backprop(spy, model, X, T, loss="mse")


def test_the_default_parameters_come_from_the_seed_in_the_layout_asked_for():
    spec, loss = "3-2:relu-2", default_loss(parse_spec("3-2:relu-2"), training=True)
    shapes = {}

    def grad_fn(params, X, T):
        shapes.update({k: v.shape for k, v in params.items()})
        return _symnet_grad_fn(spec, loss, LAYOUTS["torch"])(params, X, T)

    X, T = np.ones((4, 3)), np.zeros((4, 2))
    assert check_backprop(grad_fn, spec, X, T, layout="torch").passed
    assert shapes == {"0.weight": (2, 3), "0.bias": (2,), "2.weight": (2, 2), "2.bias": (2,)}


def test_a_network_without_biases_is_checked_with_biases_held_at_zero():
    params, X, T = student_data()
    no_bias = {"W1": params["W1"], "W2": params["W2"]}

    def grad_fn(p, X, T):
        full = gradients()({**p, "b1": np.zeros(3), "b2": np.zeros(1)}, X, T)
        return {"W1": full["W1"], "W2": full["W2"]}

    report = check_backprop(grad_fn, STUDENT, X, T, params=no_bias)
    assert report.passed and report.layout["bias_shape"] == "none"
    assert [row.name for row in report.rows] == ["W1", "W2"]


@pytest.mark.parametrize(
    "returned, message",
    [
        ([1, 2], "must return a dict"),
        ({"W1": 1.0}, "no array 'b1'"),
        ({"W1": "x", "b1": 0, "W2": 0, "b2": 0}, "not an array of numbers"),
    ],
)
def test_what_grad_fn_returns_is_checked(returned, message):
    params, X, T = student_data()
    with pytest.raises(DataError, match=message):
        check_backprop(lambda *_: returned, STUDENT, X, T, params=params)


def test_a_nan_gradient_is_a_wrong_gradient_not_a_crash():
    params, X, T = student_data()

    def grad_fn(p, X, T):
        grads = gradients()(p, X, T)
        grads["W2"] = grads["W2"] * np.nan
        return grads

    report = check_backprop(grad_fn, STUDENT, X, T, params=params)
    assert [row.name for row in report.failures] == ["W2"]
    assert "not finite" in report.failures[0].diagnosis
    assert np.isfinite(report.to_dict()["max_abs_error"])


def test_bad_data_and_tolerances_are_refused():
    params, X, T = student_data()
    with pytest.raises(DataError, match=r"X has shape \(8, 3\)"):
        check_backprop(gradients(), STUDENT, np.ones((8, 3)), T, params=params)
    with pytest.raises(DataError, match="targets shaped"):
        check_backprop(gradients(), STUDENT, X, np.ones((7, 1)), params=params)
    with pytest.raises(SpecError, match="atol must be"):
        check_backprop(gradients(), STUDENT, X, T, params=params, atol=float("nan"))


def test_check_backprop_is_public():
    assert symnet.check_backprop is check_backprop
