"""symnet.testing.gradients.check_gradients: it passes on correct rules and catches a wrong one."""

from __future__ import annotations

import json

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from symnet.exceptions import SizeLimitError, SpecError, VerificationError
from symnet.graph.activations import ACTIVATIONS, Activation
from symnet.graph.build import build_network
from symnet.graph.losses import add_loss
from symnet.testing.gradients import MAX_DIFF_COST, check_gradients, symbolic_gradients
from tests.strategies import loss_for, specs


@settings(max_examples=20)
@given(specs(max_layers=2, max_width=3), st.booleans(), st.integers(0, 1), st.integers(0, 1000))
def test_every_route_agrees_on_random_networks(spec, bias, choice, seed):
    report = check_gradients(spec, loss_for(spec, choice), bias=bias, seed=seed, torch=False)
    assert report.passed and report.symbolic_route == "sympy.diff"
    assert [row.name for row in report.rows] == list(build_network(spec, bias=bias).parameters)
    for row in report.rows:
        # Compiled backprop and sympy.diff are exact routes: far tighter than gradcheck's.
        assert row.compiled == pytest.approx(row.symbolic, rel=1e-9, abs=1e-12)
        assert row.finite_difference == pytest.approx(row.symbolic, rel=1e-3, abs=1e-5)


@settings(max_examples=10)
@given(specs(max_layers=2, max_width=2), st.integers(0, 1))
def test_the_backprop_route_agrees_with_sympy_diff(spec, choice):
    network = add_loss(build_network(spec, bias=True), loss_for(spec, choice))
    rng = np.random.default_rng(0)
    leaves = {x: rng.normal(size=3) for x in (*network.inputs, *network.targets)}
    leaves.update({p: float(rng.normal()) for p in network.parameters})
    diff_route, _, by_diff = symbolic_gradients(network, leaves, "diff")
    backprop_route, _, by_backprop = symbolic_gradients(network, leaves, "backprop")
    assert (diff_route, backprop_route) == ("sympy.diff", "backprop")
    for p in network.parameters:
        assert by_backprop[p] == pytest.approx(by_diff[p], rel=1e-10, abs=1e-13)


def _wrong(name: str, rule) -> Activation:
    row = ACTIVATIONS[name]
    return Activation(row.name, row.function, rule, row.latex_name, row.vector)


def test_a_wrong_tanh_rule_is_caught(monkeypatch):
    # tanh's true derivative is 1 - tanh^2; the wrong rule drops the square.
    monkeypatch.setitem(ACTIVATIONS, "tanh", _wrong("tanh", lambda z: 1 - sp.tanh(z)))
    with pytest.raises(VerificationError) as caught:
        check_gradients("2-2:tanh-1", "mse", torch=False)
    message = str(caught.value)
    assert "failed for w" in message and "\n" not in message
    assert "symbolic" in message and "compiled" in message and "finite difference" in message
    report = check_gradients("2-2:tanh-1", "mse", torch=False, raise_on_failure=False)
    assert not report.passed
    # Only the weights below the tanh layer go through the wrong rule.
    assert {row.name for row in report.failures} <= {"w1", "w2", "w3", "w4"}
    assert all(
        row.symbolic == pytest.approx(row.finite_difference, rel=1e-5) for row in report.rows
    )


def test_the_symbolic_route_does_not_share_the_table_rules(monkeypatch):
    # sigmoid's SymPy class reads its derivative from the table, but the symbolic route
    # differentiates the elementary form 1/(1 + exp(-z)) with SymPy's own rules: it agrees
    # with finite differences and catches the wrong rule in the compiled backprop.
    monkeypatch.setitem(
        ACTIVATIONS, "sigmoid", _wrong("sigmoid", lambda z: 2 * ACTIVATIONS["sigmoid"].function(z))
    )
    report = check_gradients("2-2:sigmoid-1", "mse", torch=False, raise_on_failure=False)
    assert not report.passed and report.symbolic_route == "sympy.diff"
    assert all(
        row.symbolic == pytest.approx(row.finite_difference, rel=1e-5) for row in report.rows
    )
    assert any(row.compiled != pytest.approx(row.symbolic, rel=1e-3) for row in report.rows)


def test_large_networks_use_the_backprop_route_and_diff_is_refused():
    spec = "4-8:tanh-8:relu-3:softmax"
    report = check_gradients(spec, "ce", torch=False)
    assert report.passed and report.symbolic_route == "backprop"
    assert str(MAX_DIFF_COST) in report.symbolic_note
    with pytest.raises(SizeLimitError, match="symbolic='backprop'"):
        check_gradients(spec, "ce", torch=False, symbolic="diff")


def test_report_dict_and_text():
    report = check_gradients("2-2:relu-1:sigmoid", "bce", bias=True, seed=3, batch=5, torch=False)
    data = json.loads(json.dumps(report.to_dict()))
    assert np.array(data["input_batch"]).shape == (5, 2)
    assert set(np.array(data["target_batch"]).ravel()) <= {0.0, 1.0}
    assert data["loss_value"] == report.loss_value > 0
    assert data["passed"] is True and data["max_abs_error"] < 1e-5
    rows = {row["name"]: row for row in data["parameters"]}
    assert rows["w3"] == {**rows["w3"], "layer": 1, "kind": "weight", "row": 0, "col": 1}
    assert rows["b2"]["kind"] == "bias" and "col" not in rows["b2"]
    assert "torch" not in rows["w1"]
    text = report.to_text()
    assert "finite diff" in text and "PASSED" in text and "bce" in text


def test_the_same_seed_gives_the_same_point():
    first, again = (check_gradients("3-2:tanh-1", seed=5, torch=False) for _ in range(2))
    assert first.to_dict() == again.to_dict()
    assert check_gradients("3-2:tanh-1", seed=6, torch=False).loss_value != first.loss_value


def test_a_network_without_a_loss_is_not_mutated_and_one_with_a_loss_keeps_it():
    network = build_network("2-2:tanh-2:softmax")
    assert check_gradients(network, torch=False).loss == "ce"
    assert getattr(network, "loss", None) is None and "L" not in network.graph
    with_loss = add_loss(build_network("2-2:tanh-2:softmax"), "mse")
    assert check_gradients(with_loss, torch=False).loss == "mse"
    with pytest.raises(SpecError, match="already has the loss 'mse'"):
        check_gradients(with_loss, "ce", torch=False)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"loss": "hinge"}, "loss must be one of"),
        ({"loss": "bce"}, "1:sigmoid"),
        ({"eps": 0.0}, "eps must be"),
        ({"atol": -1.0}, "atol must be"),
        ({"batch": 0}, "batch must be"),
        ({"symbolic": "guess"}, "symbolic route must be one of"),
    ],
)
def test_bad_arguments_raise_spec_error(kwargs, match):
    with pytest.raises(SpecError, match=match):
        check_gradients("2-2", torch=False, **kwargs)


def test_a_non_spec_argument_is_refused():
    with pytest.raises(SpecError, match="expected a network spec"):
        check_gradients(42)


def test_a_network_too_large_to_check_is_refused_before_any_work():
    with pytest.raises(SizeLimitError, match="narrower network"):
        check_gradients("64-64:relu-64:relu-10:softmax", torch=False)


def test_weights_given_are_the_point_of_the_check():
    network = build_network("2-2:tanh-1:sigmoid", bias=True)
    weights = {p: 0.1 * (i + 1) for i, p in enumerate(network.parameters)}
    report = check_gradients("2-2:tanh-1:sigmoid", "bce", bias=True, torch=False, weights=weights)
    assert report.passed
    assert {row.name: row.value for row in report.rows} == pytest.approx(weights)


def test_weights_must_name_every_parameter():
    with pytest.raises(SpecError, match="every parameter"):
        check_gradients("2-1:sigmoid", "bce", torch=False, weights={"w1": 1.0})
    with pytest.raises(SpecError, match="finite"):
        check_gradients("2-1:sigmoid", "bce", torch=False, weights={"w1": 1.0, "w2": float("nan")})
