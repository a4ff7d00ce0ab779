"""What a SPEC argument names: a layered spec, a graph program (a file, or inline text), or
a trained model file (:func:`read_model`: MODEL.npz, checked by ``load_model``).

Every command that takes a SPEC reads it here (:func:`read_source`), with the options a
program takes (:func:`program_options`: ``--at`` and ``--result``); the commands that need
a layered network refuse a program in one line (:func:`layered_only`). A program is
measured before it is read, and read before SymPy is imported only as far as its size.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

__all__ = ["layered_only", "program_options", "read_model", "read_source", "refuse_program"]

F = TypeVar("F", bound=Callable[..., Any])


def program_options(command: F) -> F:
    """Add what a graph program takes: ``--at NAME=VALUE,...`` (repeatable; values for its
    leaves) and ``--result NAME`` (the node to work on; default: the last one assigned).

    The command receives ``at`` (a tuple, empty when not given) and ``result`` (or None);
    :func:`read_source` reads them.
    """
    at = click.option(
        "--at",
        multiple=True,
        metavar="NAME=VALUE,...",
        help="For a graph program: values of its leaves (repeat, or comma-separate), e.g. "
        "--at x=1,w=-0.5.",
    )
    result = click.option(
        "--result",
        metavar="NAME",
        default=None,
        help="For a graph program: the name to work on. [default: the last one assigned]",
    )
    return at(result(command))


def read_source(
    spec: str,
    at: tuple[str, ...] = (),
    result: str | None = None,
    seed: int | None = None,
    need_values: bool = False,
):
    """What a SPEC argument names: a layered spec (returned as it is) or a graph program.

    A program is the path of an existing file, or text containing ``=`` (``"x = 2; y =
    x**2"``); it is measured before it is read (no SymPy is imported for a text too large)
    and returned as a :class:`~symnet.graph.statements.ProgramSpec` with ``--at`` values,
    and with random values from ``seed`` (when not None) for the leaves still without one;
    with ``need_values``, a leaf left without a value is an error. ``--at`` and
    ``--result`` are refused for a layered spec.
    """
    path = Path(spec)
    is_file = "=" not in spec and _is_file(path)
    if not is_file and "=" not in spec:
        if at or result is not None:
            flag = "--at" if at else "--result"
            raise click.UsageError(f"{flag} is for graph programs (NAME = EXPRESSION lines)")
        return spec
    from symnet.graph.guards import check_program_text  # no SymPy: before reading the text

    if is_file:  # its size first: a huge file is refused without being read
        from symnet.graph.size import require_at_most  # no SymPy
        from symnet.graph.statements import MAX_PROGRAM_CHARACTERS

        hint = "split the computation into smaller programs"
        size = path.stat().st_size  # NOTE: bytes, as many as its characters in ASCII
        require_at_most(size, MAX_PROGRAM_CHARACTERS, "the program", hint, "characters")
    text = _read_program(path) if is_file else spec
    check_program_text(text)
    from symnet.graph.program import build_program  # SymPy: imported only for a program
    from symnet.numeric.points import leaf_values
    from symnet.parse import parse_assignments
    from symnet.parse.program import parse_program

    values = parse_assignments(list(at)) if at else None
    program = parse_program(text, output=result, at=values)
    if (seed is not None or need_values) and len(program.values) < len(program.leaves):
        drawn = leaf_values(build_program(program), seed)  # an error without seed
        program = program.with_values({leaf: drawn[leaf] for leaf in program.leaves})
    return program


def read_model(spec: str):
    """The trained model a SPEC argument names, or None when it names none.

    A model file is an existing file ending in ``.npz`` or holding a zip archive (as every
    ``.npz`` does); it is read by :func:`symnet.training.modelfile.load_model`, which checks
    all of it, so a file that is not a valid model is one ``ModelFileError`` line (exit 2).
    """
    path = Path(spec)
    if "=" in spec or not _is_file(path):
        return None
    if path.suffix.lower() != ".npz" and not _is_zip(path):
        return None
    from symnet.training.modelfile import load_model  # NumPy: only for a model file

    return load_model(path)


def _is_zip(path: Path) -> bool:
    try:
        with path.open("rb") as file:
            return file.read(2) == b"PK"
    except OSError:
        return False


def _is_file(path: Path) -> bool:
    try:
        return len(str(path)) < 4096 and path.is_file()
    except (OSError, ValueError):  # a name too long, or a NUL in it
        return False


def _holds_program(path: Path) -> bool:
    """True for a text file with an assignment in its first 4 KiB (not a zip: a model)."""
    try:
        with path.open("rb") as file:
            head = file.read(4096)
    except OSError:
        return False
    return not head.startswith(b"PK") and b"=" in head


def refuse_program(source: str, command: str, instead: str) -> None:
    """A usage error when ``source`` (a SPEC or a file argument) names a graph program:
    ``command`` has nothing to do with one; ``instead`` says what to run."""
    path = Path(source)
    if "=" in source or (_is_file(path) and _holds_program(path)):
        raise click.UsageError(
            f"{command} works on layered networks, and a graph program is one computation at its "
            f"leaves' values, with no inputs to read from data; {instead}."
        )


def _read_program(path: Path) -> str:
    from symnet.exceptions import ReadError  # cheap; kept with the one caller
    from symnet.graph.statements import MAX_PROGRAM_CHARACTERS

    try:
        with path.open("r", encoding="utf-8", errors="strict") as file:
            text = file.read(MAX_PROGRAM_CHARACTERS + 1)
    except UnicodeDecodeError:
        from symnet.exceptions import ParseError  # cheap; kept with the one caller

        raise ParseError(f"the program {path} is not UTF-8 text") from None
    except OSError as error:
        raise ReadError(f"cannot read the program {path}: {error.strerror or error}") from None
    return text


def layered_only(what: str, instead: str) -> Callable[[click.Context, click.Parameter, str], str]:
    """A click callback for an argument that must not name a graph program."""

    def check(ctx: click.Context, param: click.Parameter, value: str) -> str:
        refuse_program(value, what, instead)
        return value

    return check
