"""Layouts: the user's names and shapes read off their arrays, and mapped to symnet's."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from symnet.exceptions import DataError, SpecError
from symnet.graph.spec import parse_spec
from symnet.interop.layouts import LAYOUTS, Layout, lookup, resolve_layout, torch_prefixes
from tests.strategies import specs

SPEC = parse_spec("2-3:sigmoid-1:sigmoid")


def _arrays(layout: Layout, spec=SPEC) -> dict[str, np.ndarray]:
    return {m.user: np.zeros(m.user_shape) for m in layout.arrays(spec)}


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_each_preset_is_read_back_off_its_own_arrays(name):
    layout = LAYOUTS[name]
    X = np.zeros((5, 2)) if layout.samples == "rows" else np.zeros((2, 5))
    found = resolve_layout(SPEC, None, _arrays(layout), X)
    assert found.to_dict() == layout.to_dict()


def test_torch_names_follow_the_modules_of_an_nn_sequential():
    assert torch_prefixes(parse_spec("2-3:sigmoid-1:sigmoid")) == ("0", "2")
    conv = parse_spec("1x6x6-conv2@3x3:relu-maxpool2-flatten-3")
    assert torch_prefixes(conv) == ("0", "4")
    given = {
        "features.0.weight": np.zeros((3, 2)),
        "features.0.bias": np.zeros(3),
        "head.weight": np.zeros((1, 3)),
        "head.bias": np.zeros(1),
    }
    layout = resolve_layout(SPEC, None, given)
    assert [m.user for m in layout.arrays(SPEC)] == [
        "features.0.weight",
        "features.0.bias",
        "head.weight",
        "head.bias",
    ]


def test_symnet_names_numbered_by_parameter_layer_and_spelled_freely():
    conv = parse_spec("1x4x4-conv2@3x3-maxpool2-3")  # symnet: K1, b1, W3, b3
    given = {
        "W_1": np.zeros((2, 1, 3, 3)),
        "b_1": np.zeros(2),
        "w2": np.zeros((3, 2)),
        "B2": np.zeros(3),
    }
    layout = resolve_layout(conv, None, given)
    maps = layout.arrays(conv)
    assert [(m.symnet, lookup(given, m.user).shape) for m in maps] == [
        ("K1", (2, 1, 3, 3)),
        ("b1", (2,)),
        ("W3", (3, 2)),
        ("b3", (3,)),
    ]


def test_square_weights_take_the_order_the_biases_suggest():
    square = parse_spec("2-2-2")
    rows = {"W1": np.zeros((2, 2)), "b1": np.zeros((1, 2)), "W2": np.eye(2), "b2": np.zeros((1, 2))}
    assert resolve_layout(square, None, rows).weights == "in_out"
    columns = {k: (v.T if k.startswith("b") else v) for k, v in rows.items()}
    found = resolve_layout(square, None, columns, np.zeros((2, 2)))
    assert (found.weights, found.bias, found.samples) == ("out_in", "column", "columns")


@given(spec=specs(max_layers=3, max_width=4), layout=st.sampled_from(sorted(LAYOUTS)))
def test_an_array_goes_to_the_user_and_back_unchanged(spec, layout):
    parsed = parse_spec(spec)
    for m in LAYOUTS[layout].arrays(parsed):
        values = np.arange(float(np.prod(m.symnet_shape))).reshape(m.symnet_shape)
        mine = m.to_user(values)
        assert mine.shape == m.user_shape
        assert np.array_equal(m.to_symnet(mine), values)
        index = tuple(n - 1 for n in m.user_shape)
        assert values[m.symnet_index(index)] == mine[index]


@pytest.mark.parametrize(
    "given, message",
    [
        ({"weights1": np.zeros((3, 2))}, "array named 'weights1'"),
        ({"W1": np.zeros((3, 2)), "b1": np.zeros(3)}, "1 layer"),
        (
            {"W1": np.zeros((3, 2)), "b1": np.zeros(3), "W2": np.zeros((3, 1)), "b2": np.zeros(1)},
            "mixes weights",
        ),
        (
            {"W1": np.zeros((4, 2)), "b1": np.zeros(3), "W2": np.zeros((1, 3)), "b2": np.zeros(1)},
            r"params\['W1'\] has shape \(4, 2\)",
        ),
        (
            {
                "W1": np.zeros((3, 2)),
                "b1": np.zeros((3, 1)),
                "W2": np.zeros((1, 3)),
                "b2": np.zeros(1),
            },
            "mixes bias shapes",
        ),
        (
            {"W1": np.zeros((3, 2)), "b1": np.zeros(4), "W2": np.zeros((1, 3)), "b2": np.zeros(1)},
            r"params\['b1'\] has shape \(4,\)",
        ),
    ],
)
def test_params_that_fit_no_layout_are_refused_in_one_line(given, message):
    with pytest.raises(DataError, match=message):
        resolve_layout(SPEC, None, given)


def test_a_layout_is_checked_when_named_or_built():
    with pytest.raises(SpecError, match="layout must be one of 'symnet', 'torch'"):
        resolve_layout(SPEC, "keras")
    with pytest.raises(SpecError, match="Layout weights must be one of"):
        Layout(weights="rows")


def test_class_indices_become_one_hot_targets():
    spec = parse_spec("2-3:softmax")
    T = LAYOUTS["symnet"].targets_to_rows(spec, np.array([2, 0, 1]), 3)
    assert np.array_equal(T, np.eye(3)[[2, 0, 1]])
