"""Errors raised by symnet.

Every error is a :class:`SymnetError`; each subclass also inherits the matching
built-in exception, so callers can catch either (``except ValueError`` still works).
Each error carries ``exit_code``: 2 for bad input (the user can fix the spec, an option,
a data file's contents, a model file), 1 for a failure of the world while doing valid work
(a missing or unreadable file, a full disk, a read-only folder, Graphviz missing, two
gradient routes disagreeing). The command line prints ``str(error)`` as one line and exits
with that code.

>>> try:
...     raise SpecError("bad spec")
... except ValueError as error:
...     print(error.exit_code, error)
2 bad spec
"""

from __future__ import annotations

__all__ = [
    "SymnetError",
    "SpecError",
    "SizeLimitError",
    "ParseError",
    "DataError",
    "ModelFileError",
    "VerificationError",
    "RenderError",
    "WriteError",
    "ReadError",
]


class SymnetError(Exception):
    """Base class of every error symnet raises on purpose."""

    exit_code = 1


class SpecError(SymnetError, ValueError):
    """A network spec, a name or an option value is not valid."""

    exit_code = 2


class SizeLimitError(SymnetError, ValueError):
    """An operation would build something too large (an expression, a graph, arrays, a
    drawing); refused before it starts, with the estimate, the limit and the way out.

    Bad usage (exit code 2): the user can ask for less (a smaller network, ``wrt=``, a
    raised ``max_terms=``)."""

    exit_code = 2


class ParseError(SymnetError, ValueError):
    """A user-supplied expression or literal was rejected by the whitelist parser.

    ``column`` (from 1) is where in the expression, when known; ``unknown`` the name that
    was not allowed, when that was the problem.
    """

    exit_code = 2
    column: int | None = None
    unknown: str | None = None


class DataError(SymnetError, ValueError):
    """A data set, CSV file or image cannot be used as it is (its contents are the problem)."""

    exit_code = 2


class ModelFileError(SymnetError, ValueError):
    """A model file is corrupt, tampered with, too large or does not match its spec."""

    exit_code = 2


class VerificationError(SymnetError, AssertionError):
    """Two routes to the same gradient disagree beyond the stated tolerance."""

    exit_code = 1


class RenderError(SymnetError, RuntimeError):
    """A diagram could not be rendered (for example, Graphviz is missing)."""

    exit_code = 1


class WriteError(SymnetError, OSError):
    """A file could not be written: a full device, a read-only, missing or unwritable folder,
    or a path that is a folder or a device; nothing was written under its name."""

    exit_code = 1


class ReadError(SymnetError, OSError):
    """A file to read is missing or cannot be read (permissions, an I/O error)."""

    exit_code = 1
