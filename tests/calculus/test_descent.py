"""Gradient descent: the symbolic update rule and one worked numeric step."""

from __future__ import annotations

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from symnet.calculus.backprop import gradients
from symnet.calculus.descent import ALPHA, descent_step, descent_text, update_rules
from symnet.exceptions import SpecError
from symnet.graph.build import build_network
from symnet.graph.losses import add_loss
from symnet.numeric.points import random_point
from tests.gradient_oracles import finite_difference_gradient, loss_function, spec_and_loss


def test_the_update_rule_is_w_minus_alpha_times_the_gradient() -> None:
    net = add_loss(build_network("3-2:sigmoid-2:sigmoid-1:sigmoid"), "mse")
    rules, grads = update_rules(net), gradients(net)
    for p, rule in rules.items():
        assert rule.subs(ALPHA, 0) == sp.Symbol(p)
        assert sp.diff(rule, ALPHA) == -grads[p]
    assert str(rules["w1"]) == "-X1*alpha*delta_z_A + w1"


@settings(max_examples=25)
@given(spec_and_loss(max_hidden=2), st.booleans(), st.integers(0, 2**16))
def test_one_step_moves_against_the_finite_difference_gradient(spec_loss, bias, seed) -> None:
    spec, loss = spec_loss
    net = add_loss(build_network(spec, bias=bias), loss)
    point = random_point(net, seed)
    alpha = 1e-3
    step = descent_step(net, point, alpha=alpha)
    reference = finite_difference_gradient(net, point)
    for p in net.parameters:
        assert step.gradients[p] == pytest.approx(reference[p], rel=1e-5, abs=1e-7)
        assert step.after[p] == step.before[p] - alpha * step.gradients[p]
    f = loss_function(net)
    names = [*net.inputs, *net.parameters, *net.targets]
    moved = {**point, **step.after}
    assert step.loss_before == pytest.approx(float(f(*[point[n] for n in names])), rel=1e-12)
    assert step.loss_after == pytest.approx(float(f(*[moved[n] for n in names])), rel=1e-12)
    # First order: the loss drops by alpha |grad|^2, up to O(alpha^2).
    squared = sum(g * g for g in step.gradients.values())
    drop = step.loss_before - step.loss_after
    assert drop == pytest.approx(alpha * squared, rel=0.05, abs=1e-7)


def test_the_notes_network_takes_a_step_that_lowers_the_loss() -> None:
    net = add_loss(build_network("3-2:sigmoid-2:sigmoid-1:sigmoid"), "mse")
    step = descent_step(net, random_point(net, 0), alpha=0.5)
    assert step.loss_after < step.loss_before
    text = descent_text(step)
    assert "p <- p - alpha * dL/dp" in text and "(lower)" in text
    assert text.count("\n") == 2 + 12  # header lines, 12 weights, the loss line


def test_the_text_shortens_long_parameter_lists() -> None:
    net = add_loss(build_network("4-4-1"), "mse")
    assert "... and 8 more" in descent_text(descent_step(net, random_point(net), 0.1), limit=12)


@pytest.mark.parametrize("alpha", [0.0, -0.1, float("inf"), float("nan")])
def test_a_learning_rate_must_be_positive_and_finite(alpha: float) -> None:
    net = add_loss(build_network("2-1"), "mse")
    with pytest.raises(SpecError, match="positive number"):
        descent_step(net, random_point(net), alpha=alpha)


def test_a_point_must_give_every_leaf() -> None:
    net = add_loss(build_network("2-1"), "mse")
    with pytest.raises(SpecError, match="no value for t"):
        descent_step(net, {"X1": 1.0, "X2": 1.0, "w1": 0.0, "w2": 0.0}, alpha=0.1)
