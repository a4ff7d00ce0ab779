"""Shared set-up of the benchmark scripts: the allocator settings they run under.

glibc's allocator can make mid-size NumPy work several times slower through page faults,
so every benchmark runs with ``MALLOC_MMAP_THRESHOLD_`` and ``MALLOC_TRIM_THRESHOLD_`` set;
a script started without them re-executes itself with them, before NumPy is imported.
"""

from __future__ import annotations

import os
import sys

MALLOC = {"MALLOC_MMAP_THRESHOLD_": "33554432", "MALLOC_TRIM_THRESHOLD_": "1073741824"}


def use_environment(**extra: str) -> dict[str, str]:
    """Re-run this script with the allocator settings (and ``extra``) unless already set."""
    wanted = {**MALLOC, **extra}
    if any(os.environ.get(key) != value for key, value in wanted.items()):
        os.execve(sys.executable, [sys.executable, *sys.argv], {**os.environ, **wanted})
    return wanted
