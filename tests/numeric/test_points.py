"""The one random-point generator: reproducible, seed-dependent, and each scheme as documented."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from symnet.exceptions import SpecError
from symnet.graph.build import as_network, build_network
from symnet.numeric.points import SCHEMES, point_arrays, random_point
from tests.strategies import specs

LAYERED_SCHEMES = sorted(set(SCHEMES) - {"program"})  # "program" draws a program's leaves


@settings(max_examples=25, deadline=None)
@given(specs(max_layers=3, max_width=4), st.booleans(), st.sampled_from(LAYERED_SCHEMES))
def test_the_same_seed_gives_the_same_point_and_another_seed_another(spec, bias, scheme):
    network = as_network(spec, bias=bias, need_loss=True)
    first, again = random_point(network, 7, scheme), random_point(network, 7, scheme)
    assert first == again
    assert first != random_point(network, 8, scheme)
    drawn = [name for name in first if name in network.parameters]
    assert drawn == list(network.parameters)  # parameters come in the network's order
    assert all(type(value) is float for value in first.values())


@settings(max_examples=25, deadline=None)
@given(specs(max_layers=3, max_width=4), st.integers(1, 6), st.integers(0, 2**16))
def test_a_batch_holds_one_array_per_input_and_target_and_stacks_into_matrices(spec, batch, seed):
    network = as_network(spec, need_loss=True)
    point = random_point(network, seed, "check", batch=batch)
    inputs, targets, params = point_arrays(network, point)
    assert inputs.shape == (batch, len(network.inputs)) and inputs.dtype == np.float64
    assert targets.shape == (batch, len(network.targets))
    assert list(params) == list(network.parameters)
    np.testing.assert_array_equal(inputs[:, 0], point[network.inputs[0]])


def test_targets_fit_the_loss():
    for loss, check in (
        ("ce", lambda T: set(T.ravel()) == {0.0, 1.0} and (T.sum(axis=1) == 1).all()),
        ("bce", lambda T: set(T.ravel()) == {0.0, 1.0}),
        ("mse", lambda T: len(set(T.ravel())) == T.size),
    ):
        spec = "2-1:sigmoid" if loss == "bce" else "2-4:softmax"
        network = as_network(spec, loss=loss)
        _, targets, _ = point_arrays(network, random_point(network, 0, "check", batch=50))
        assert check(targets), loss
        one = random_point(network, 0)  # one sample: in [0, 1] for bce, one-hot for ce
        values = [one[t] for t in network.targets]
        assert all(0 <= v <= 1 for v in values) if loss != "mse" else max(map(abs, values)) <= 1


def test_the_trace_scheme_rounds_to_two_decimals_and_draws_no_inputs():
    network = build_network("3-2:tanh-1", bias=True)
    point = random_point(network, 3, "trace")
    assert set(point) == set(network.parameters)
    assert all(round(v, 2) == v and -1 <= v <= 1 for v in point.values())


def test_fan_in_schemes_shrink_weights_with_the_fan_in():
    wide = build_network("400-1")
    point = random_point(wide, 0, "check")
    weights = np.array([point[w] for w in wide.parameters])
    assert weights.size == 400 and 0.02 < weights.std() < 0.08  # 1/sqrt(400) = 0.05


@pytest.mark.parametrize("bad", [{"scheme": "nope"}, {"batch": 0}, {"batch": True}, {"batch": 1.5}])
def test_bad_options_are_refused_with_the_allowed_values(bad):
    with pytest.raises(SpecError, match="scheme must be one of|batch must be"):
        random_point(build_network("2-1"), 0, **bad)


def test_a_program_s_leaves_keep_their_values_and_draw_the_rest_from_the_seed():
    from symnet.graph.program import build_program
    from symnet.numeric.points import leaf_values
    from symnet.parse.program import parse_program

    net = build_program(parse_program("x, w: leaf; b = 1/3; y = w*x + b"))
    first = leaf_values(net, seed=5)
    assert first == leaf_values(net, seed=5) and first != leaf_values(net, seed=6)
    assert first["b"] == sp.Rational(1, 3)  # a value the program gives is kept, exactly
    assert all(-1 <= first[leaf] <= 1 and round(first[leaf], 2) == first[leaf] for leaf in "xw")
    with pytest.raises(SpecError, match="the leaves x, w of program y.* have no value"):
        leaf_values(net)
