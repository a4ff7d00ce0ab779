"""Seeds: one checked way from a user's seed to a NumPy generator."""

from __future__ import annotations

import pathlib

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from symnet.exceptions import SpecError
from symnet.seeds import MAX_SEED, check_seed, random_generator

ROOT = pathlib.Path(__file__).resolve().parent.parent


@given(st.integers(0, MAX_SEED))
def test_a_valid_seed_always_gives_the_same_draws(seed):
    assert np.array_equal(random_generator(seed).random(3), random_generator(seed).random(3))
    assert check_seed(np.int64(seed) if seed < 2**63 else seed) == seed


@given(st.integers(0, MAX_SEED - 1))
def test_neighbouring_seeds_and_streams_differ(seed):
    assert not np.array_equal(
        random_generator(seed).random(4), random_generator(seed + 1).random(4)
    )
    assert not np.array_equal(
        random_generator(seed).random(4), random_generator(seed, stream=1).random(4)
    )


@given(
    st.one_of(
        st.integers(max_value=-1),
        st.integers(min_value=MAX_SEED + 1),
        st.floats(allow_nan=True),
        st.booleans(),
        st.text(max_size=5),
        st.none(),
    )
)
def test_anything_else_is_refused_in_one_line(seed):
    with pytest.raises(SpecError, match=r"^seed=.* is not allowed: a seed is a whole number") as e:
        random_generator(seed)
    assert "\n" not in str(e.value) and len(str(e.value)) < 160


def test_a_generator_passes_through():
    rng = np.random.default_rng(5)
    assert random_generator(rng) is rng


def test_the_stream_of_training_batches_is_unchanged():
    """``stream=1`` is the ``[seed, 1]`` NumPy seed the training loop always used."""
    assert np.array_equal(
        random_generator(7, stream=1).random(5), np.random.default_rng([7, 1]).random(5)
    )


def test_no_other_module_seeds_numpy_itself():
    """Every seeded draw goes through random_generator, so every bad seed meets one check."""
    offenders = [
        str(path.relative_to(ROOT))
        for path in sorted((ROOT / "symnet").rglob("*.py"))
        if path.name != "seeds.py"
        and ("default_rng(" in path.read_text() or "np.random.seed(" in path.read_text())
    ]
    assert offenders == []


def test_the_command_line_accepts_the_same_range():
    from symnet.cli.options import SEED

    assert (SEED.min, SEED.max) == (0, MAX_SEED)
