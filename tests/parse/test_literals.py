"""Number literals: measured before they are converted, so no length reaches int()."""

from __future__ import annotations

import time

import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from symnet.exceptions import SpecError
from symnet.parse.literals import MAX_LITERAL_LENGTH, parse_assignments, parse_literal


@given(st.integers(-(10**30), 10**30), st.integers(1, 10**30))
def test_fractions_within_the_limit_stay_exact(p, q):
    assert parse_literal(f"{p}/{q}") == sp.Rational(p, q)


@pytest.mark.parametrize(
    "text",
    [
        "9" * 5000,
        "1/" + "9" * 5000,
        "9" * 5000 + "/7",
        "-0." + "1" * 5000,
        "1e" + "9" * 5000,
        "9" * (MAX_LITERAL_LENGTH + 1),
    ],
)
def test_a_long_literal_is_refused_in_one_line_at_once(text):
    start = time.perf_counter()
    with pytest.raises(SpecError, match=f"characters \\(limit {MAX_LITERAL_LENGTH}\\)") as e:
        parse_literal(text, "input")
    assert time.perf_counter() - start < 0.1
    assert "\n" not in str(e.value) and len(str(e.value)) < 160


def test_a_long_weight_is_refused_too():
    with pytest.raises(SpecError, match="value of w1"):
        parse_assignments([f"w1={'9' * 5000}/3"])
