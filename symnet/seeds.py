"""Seeds: the one place where a user's seed becomes a NumPy random generator.

Every seeded draw in symnet (random points, initial weights, generated data sets, splits,
crops, batches) starts from :func:`random_generator`, so a bad seed is refused the same
way everywhere, in one line, before any work starts.

NOTE: a seed is a whole number from 0 to :data:`MAX_SEED` (2**32 - 1, the range NumPy's
legacy seeding and most other libraries accept): NumPy refuses negative seeds with a
traceback, and an unbounded one would make a huge number a valid option.

>>> float(random_generator(0).random()) == float(random_generator(0).random())
True
>>> random_generator(-1)
Traceback (most recent call last):
...
symnet.exceptions.SpecError: seed=-1 is not allowed: a seed is a whole number from 0 to 4294967295
"""

from __future__ import annotations

import numpy as np

from symnet.exceptions import SpecError

__all__ = ["MAX_SEED", "check_seed", "random_generator"]

#: The largest seed accepted.
MAX_SEED = 2**32 - 1


def check_seed(seed: object, name: str = "seed") -> int:
    """``seed`` as an int when it is a whole number from 0 to :data:`MAX_SEED`; else ``SpecError``.

    >>> check_seed(7)
    7
    """
    if (
        isinstance(seed, bool)
        or not isinstance(seed, int | np.integer)
        or not 0 <= seed <= MAX_SEED
    ):
        raise SpecError(
            f"{name}={repr(seed)[:40]} is not allowed: a seed is a whole number from 0 to "
            f"{MAX_SEED}"
        )
    return int(seed)


def random_generator(seed: int | np.random.Generator = 0, stream: int = 0) -> np.random.Generator:
    """A NumPy generator for ``seed`` (checked by :func:`check_seed`); a generator passes through.

    ``stream`` > 0 gives an independent stream for the same seed (e.g. the batch order of
    training, which must not shift the initial weights drawn from stream 0).
    """
    if isinstance(seed, np.random.Generator):
        return seed
    seed = check_seed(seed)
    return np.random.default_rng([seed, stream] if stream else seed)
