"""JSON read within limits: size, depth and number length, never a traceback."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from symnet.exceptions import ParseError
from symnet.parse.json_text import MAX_JSON_DEPTH, json_depth, parse_json

#: JSON values without floats that could be NaN (JSON has no NaN).
VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**30), 10**30)
    | st.text(max_size=8)
    | st.floats(allow_nan=False, allow_infinity=False),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=20,
)


def _depth(value) -> int:
    if isinstance(value, list | dict):
        children = value.values() if isinstance(value, dict) else value
        return 1 + max((_depth(child) for child in children), default=0)
    return 0


@given(VALUES)
def test_within_the_limits_it_reads_what_json_reads(value):
    text = json.dumps(value)
    assert parse_json(text) == json.loads(text)
    assert json_depth(text) == _depth(value)


@given(st.integers(MAX_JSON_DEPTH + 1, 5000), st.booleans())
def test_too_deep_is_refused_without_recursion(depth, objects):
    opening, closing = ('{"k": ', "}") if objects else ("[", "]")
    with pytest.raises(ParseError, match=f"nested more than {MAX_JSON_DEPTH} levels"):
        parse_json(opening * depth + "1" + closing * depth)


def test_a_million_brackets_cost_nothing():
    with pytest.raises(ParseError, match="nested more than"):
        parse_json("[" * 1_000_000 + "]" * 1_000_000)


def test_brackets_inside_strings_are_text():
    text = json.dumps({"a": "[[[[[[[[[[" * 10, "b": ['"]]]]', "\\\\["]})
    assert parse_json(text)["a"].startswith("[[[")


@pytest.mark.parametrize(
    "text, message",
    [
        ("[" + "9" * 5000 + "]", "5000 characters"),
        ("[0." + "1" * 5000 + "]", "characters"),
        ("[1e999]", "too large for a float"),
        ("[-1e999]", "too large for a float"),
        ('{"a": NaN}', "NaN"),
        ("[Infinity]", "Infinity"),
        ("[1, 2", "not valid JSON"),
        ("x" * 5_000_001, "limit 4000000"),
    ],
)
def test_numbers_and_sizes_beyond_the_limits_are_one_line(text, message):
    with pytest.raises(ParseError, match=message) as caught:
        parse_json(text)
    assert "\n" not in str(caught.value)


def test_limits_are_parameters():
    assert parse_json("[[1]]", max_depth=2) == [[1]]
    with pytest.raises(ParseError):
        parse_json("[[1]]", max_depth=1)
    with pytest.raises(ParseError):
        parse_json("[123]", max_number=2)
