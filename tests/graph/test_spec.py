from __future__ import annotations

import pytest
from hypothesis import given

from symnet.exceptions import SpecError
from symnet.graph.spec import parse_spec
from tests.strategies import specs

BAD_SPECS = [
    "3--2",
    "0-1",
    "a-b",
    "",
    "-3-2",
    "3-2:relux-1",
    "3-2-1.5",
    "3",
    "3:relu-2",
    "2-3:softmax-1",
    "2-1:softmax",
]


@pytest.mark.parametrize("text", BAD_SPECS)
def test_bad_specs_raise_one_line_spec_error(text):
    with pytest.raises(SpecError) as caught:
        parse_spec(text)
    message = str(caught.value)
    assert "\n" not in message
    assert "e.g. '3-2-2-1'" in message  # names the allowed forms
    assert caught.value.exit_code == 2


def test_spec_error_is_also_a_value_error():
    with pytest.raises(ValueError):
        parse_spec("3--2")


def test_layers_and_default_activation():
    spec = parse_spec("2-16:relu-16-1:sigmoid")
    assert spec.widths == (2, 16, 16, 1)
    assert [layer.activation for layer in spec.layers] == ["relu", "identity", "sigmoid"]
    assert not spec.is_linear
    assert parse_spec("3-2-2-1").is_linear
    assert parse_spec("3-2-2-1").parameter_count(bias=False) == 12
    assert parse_spec("3-2-2-1").parameter_count(bias=True) == 17


@given(specs(max_layers=4, max_width=20))
def test_spec_text_round_trips(text):
    spec = parse_spec(text)
    assert str(spec) == text
    assert parse_spec(str(spec)) == spec
