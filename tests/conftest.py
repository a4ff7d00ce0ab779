"""Shared test set-up: strict NumPy, reproducible Hypothesis, and a click runner."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Sequence

import pytest
from click.testing import CliRunner, Result
from hypothesis import settings

# NOTE: derandomize=True makes every run try the same examples, so CI is reproducible;
# run with HYPOTHESIS_PROFILE=dev to explore new random examples locally.
settings.register_profile("ci", max_examples=50, deadline=None, derandomize=True)
settings.register_profile("dev", max_examples=200, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(autouse=True)
def _numpy_raises_on_float_errors():
    """Overflow, division by zero and invalid operations raise instead of warning."""
    import numpy as np  # imported here so tests that don't need NumPy don't pay for it

    old = np.seterr(all="raise")
    yield
    np.seterr(**old)


@pytest.fixture
def cli_runner() -> CliRunner:
    """A click runner; its results have ``.stdout``, ``.stderr`` and ``.output`` (both)."""
    return CliRunner()


@pytest.fixture
def run_cli(cli_runner: CliRunner) -> Callable[..., Result]:
    """Invoke ``symnet ARGS...`` in-process and return click's :class:`Result`.

    Use it as ``result = run_cli(["collapse", "--json"])``; extra keyword arguments
    (``input=...``, ``env=...``) go to :meth:`CliRunner.invoke`.
    """
    from symnet.cli import main

    def run(args: Sequence[str], **kwargs) -> Result:
        return cli_runner.invoke(main, list(args), prog_name="symnet", **kwargs)

    return run


@pytest.fixture
def nothing_runs(monkeypatch):
    """Fail the test if anything runs a program or reads text with SymPy's parser.

    The parser tests use it to show that hostile text is only ever read, never run.
    """
    calls = []

    def forbidden(*args, **kwargs):
        calls.append(args)
        raise AssertionError(f"called with {args!r}")

    for module, name in [(os, "system"), (os, "popen"), (subprocess, "Popen"), (os, "execv")]:
        monkeypatch.setattr(module, name, forbidden)
    import sympy.parsing.sympy_parser as sympy_parser

    monkeypatch.setattr(sympy_parser, "parse_expr", forbidden)
    return calls
