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


HUGE = "9" * 5000  # past Python's int-string limit (4300 digits)


@pytest.mark.parametrize(
    "text, what",
    [
        (f"3-{HUGE}-1", "layer 2 width"),
        (f"{HUGE}-1", "layer 1 width"),
        (f"1x5x5-conv{HUGE}@3x3-1", "layer 2 kernel count"),
        (f"1x5x5-conv1@{HUGE}-1", "layer 2 kernel height"),
        (f"1x5x5-conv1@3x{HUGE}-1", "layer 2 kernel width"),
        (f"1x5x5-conv1@3/{HUGE}-1", "layer 2 stride"),
        (f"{HUGE}x5x5-conv1@3-1", "the input's channels"),
        (f"1x5x{HUGE}-conv1@3-1", "the input's width"),
        (f"1x5x5-avgpool{HUGE}-1", "layer 2 pooling window"),
        ("3-0000000000002-1", "layer 2 width"),  # 13 digits, even with leading zeros
    ],
)
def test_a_long_number_is_refused_before_int_in_one_short_line(text, what):
    with pytest.raises(SpecError) as refused:
        parse_spec(text)
    message = str(refused.value)
    assert f"{what} has " in message and " digits; it must be at most " in message
    assert "\n" not in message and len(message) < 800  # the spec itself is shortened


def test_twelve_digits_are_read_and_checked_against_the_limit():
    with pytest.raises(SpecError, match="layer 2 width is 999999999999, above the limit 100000"):
        parse_spec("3-999999999999-1")
    assert parse_spec("3-000000000002-1").widths == (3, 2, 1)


def test_a_long_spec_is_quoted_shortened_with_its_length():
    with pytest.raises(SpecError) as refused:
        parse_spec("-".join(["1"] * 30_000) + "-x")
    assert "(60001 characters): layer 30001 width is 'x'" in str(refused.value)
