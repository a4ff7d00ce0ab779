"""Run the doctests of the ``symnet.cli`` modules under their installed names.

pytest does not collect ``cli/`` itself: it would import the folder as a top-level ``cli``
package, which is exactly the name symnet must never install.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import symnet.cli

MODULES = sorted(
    info.name
    for info in pkgutil.iter_modules(symnet.cli.__path__, prefix="symnet.cli.")
    if info.name != "symnet.cli.__main__"
)


@pytest.mark.parametrize("module_name", ["symnet.cli", *MODULES])
def test_doctests(module_name: str) -> None:
    module = importlib.import_module(module_name)
    flags = doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS
    result = doctest.testmod(module, optionflags=flags, verbose=False)
    assert result.failed == 0, f"{result.failed} doctest(s) failed in {module_name}"
