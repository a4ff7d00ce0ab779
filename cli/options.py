"""Options shared by the subcommands, and :func:`emit`, which prints a command's result.

Each option is a decorator, so every command spells a shared option the same way::

    @click.command()
    @names_option
    @bias_option
    @format_option("text", "latex")
    @click.pass_context
    def collapse(ctx, names, bias, format):
        ...
        emit(ctx, text=rendered, data={"terms": terms})

Only command-line glue lives here; anything with logic of its own belongs in the library.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from click.core import ParameterSource

__all__ = [
    "FLAGS",
    "NOTES_SPEC",
    "SEED",
    "bias_option",
    "csv_options",
    "loss_option",
    "loss_formula",
    "formula_option",
    "emit",
    "flag_language",
    "format_option",
    "names_option",
    "output_option",
    "seed_option",
    "writes_to_stdout",
]

F = TypeVar("F", bound=Callable[..., Any])


def format_option(*choices: str, default: str = "text") -> Callable[[F], F]:
    """Add ``--format`` with ``choices`` (``json`` always among them) and its alias ``--json``.

    The command receives one parameter, ``format``; ``--json`` sets it to ``"json"``.
    Passing ``--json`` together with a different ``--format`` is a usage error.
    """
    names = list(choices or (default,))
    for name in (default, "json"):
        if name not in names:
            names.append(name)

    def decorator(command: F) -> F:
        @functools.wraps(command)
        def wrapper(*args: Any, json_alias: bool = False, **kwargs: Any) -> Any:
            if json_alias:
                ctx = click.get_current_context()
                chosen = kwargs.get("format")
                explicit = ctx.get_parameter_source("format") is ParameterSource.COMMANDLINE
                if explicit and chosen != "json":
                    raise click.UsageError(f"--json conflicts with --format {chosen}; give one.")
                kwargs["format"] = ctx.params["format"] = "json"  # so emit(ctx) sees it
            return command(*args, **kwargs)

        alias = click.option("--json", "json_alias", is_flag=True, help="Same as --format json.")
        wrapper = alias(wrapper)
        wrapper = click.option(
            "--format",
            "format",
            type=click.Choice(names),
            default=default,
            show_default=True,
            help="Output format.",
        )(wrapper)
        return wrapper  # type: ignore[return-value]

    return decorator


#: The notes' backpropagation example, used by commands given no spec.
NOTES_SPEC = "3-2:sigmoid-2:sigmoid-1:sigmoid"


def loss_option(command: F) -> F:
    """Add ``--loss NAME`` or ``--loss NAME=EXPR`` (default None: the library picks by the
    output layer); a formula is parsed and named for the command (:func:`loss_formula`)."""
    return click.option(
        "--loss",
        default=None,
        metavar="NAME|NAME=EXPR",
        callback=loss_formula,
        help="Loss: mse = 1/2 sum (y - t)^2, mae, huber, bce on a 1:sigmoid logit, ce on "
        "softmax logits, or a formula in y and t such as 'l4=(y-t)**4' (summed over outputs). "
        "[default: ce for a softmax output, else mse]",
    )(command)


def loss_formula(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """The ``--loss`` callback: ``NAME=EXPR`` is parsed and named for this command; the
    command receives NAME. A plain name is checked by the library."""
    if value is None or "=" not in value:
        return value
    from symnet.parse.formula_text import formulas, parse_formula_option  # SymPy: if used

    name, text = parse_formula_option(value)
    ctx.with_resource(formulas(losses={name: text}))  # closed when the command ends
    return name


def formula_option(command: F) -> F:
    """Add ``--activation NAME=EXPR`` (repeatable): formula activations in z that the
    command's spec may name (``2-16:swish2-1 --activation "swish2=z*sigmoid(z)"``). They
    are parsed by the whitelist parser and named in a scope that closes with the command."""

    def register(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> None:
        if not values:
            return
        from symnet.parse.formula_text import formulas, parse_formula_option  # SymPy: only if used

        pairs = [parse_formula_option(value) for value in values]
        ctx.with_resource(formulas(activations=dict(pairs)))

    return click.option(
        "--activation",
        multiple=True,
        metavar="NAME=EXPR",
        callback=register,
        expose_value=False,
        is_eager=True,  # before --loss and the spec: a formula loss may follow
        help="A formula activation in z for the spec to name, e.g. 'swish2=z*sigmoid(z)' "
        "(repeat for more); its derivative is sympy.diff of the formula.",
    )(command)


def names_option(command: F) -> F:
    """Add ``--names seed|indexed``: the notes' letters (A, B, w1...) or indexed names."""
    return click.option(
        "--names",
        type=click.Choice(["seed", "indexed"]),
        default="seed",
        show_default=True,
        help="Naming scheme: the notes' letters and weight numbers, or layer-indexed names.",
    )(command)


def bias_option(command: F) -> F:
    """Add ``--bias/--no-bias`` (default: no bias, as in the notes' worked example)."""
    return click.option(
        "--bias/--no-bias",
        default=False,
        show_default=True,
        help="Give every neuron a bias term.",
    )(command)


#: What ``--seed`` accepts: symnet.seeds.MAX_SEED is 2**32 - 1 (written out here, as
#: importing symnet.seeds would import NumPy before a command's --help).
SEED = click.IntRange(0, 2**32 - 1)


def seed_option(command: F) -> F:
    """Add ``--seed INTEGER`` for the random number generator (default 0: reproducible)."""
    return click.option(
        "--seed",
        type=SEED,
        default=0,
        show_default=True,
        help="Seed of the random number generator; the same seed gives the same result.",
    )(command)


def csv_options(command: F) -> F:
    """Add how a CSV file is read: ``--target`` and ``--drop`` (repeatable), ``--header/
    --no-header`` and ``--drop-missing``; the command receives ``target`` and ``drop`` as
    tuples (empty when not given), ``header`` as None (detect), True or False."""
    options = [
        click.option(
            "--target",
            multiple=True,
            metavar="COLUMN",
            help="CSV target column: a header name or a 0-based index (-1: the last); "
            "repeat it for several regression targets. [default: the last column]",
        ),
        click.option(
            "--drop",
            multiple=True,
            metavar="COLUMN",
            help="CSV column to leave out (e.g. an index column); repeatable.",
        ),
        click.option(
            "--header/--no-header",
            default=None,
            help="Whether the CSV's first row names the columns. [default: detected: a "
            "first row with no number in it, or the column numbers 0, 1, 2, ...]",
        ),
        click.option(
            "--drop-missing",
            is_flag=True,
            help="Skip CSV rows with a missing value (empty, NA, NaN, null, ?) instead of "
            "refusing the file.",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def output_option(command: F) -> F:
    """Add ``-o/--output PATH``, passed to the command as a :class:`pathlib.Path` or None
    (``-`` is standard output, for a text format: see :func:`writes_to_stdout`)."""
    return click.option(
        "-o",
        "--output",
        type=click.Path(path_type=Path),
        default=None,
        help="File to write.",
    )(command)


def writes_to_stdout(output: Path | str | None, format: str) -> bool:
    """True when ``-o -`` sends the file itself to standard output.

    The command then prints no summary of its own; ``--json`` would share standard output
    with the file, so the two together are a usage error.
    """
    if output is None or str(output) != "-":
        return False
    if format == "json":
        raise click.UsageError("-o - writes the file to standard output; --json cannot share it.")
    return True


def _to_json(value: Any) -> Any:
    """Fallback for :func:`json.dumps`: NumPy values as lists or numbers, the rest as text."""
    if hasattr(value, "tolist"):
        return value.tolist()
    return str(value)


def emit(ctx_or_format: click.Context | str, text: str | None = None, data: Any = None) -> None:
    """Print a command's result: ``data`` as JSON when the format is json, else ``text``.

    ``ctx_or_format`` is the command's context (its ``format`` parameter is read) or the
    format name itself. JSON keeps insertion order, is indented by 2 and keeps non-ASCII
    characters; SymPy expressions are written as their text.

    >>> emit("json", text="y = 2*x", data={"y": "2*x", "terms": 1})
    {
      "y": "2*x",
      "terms": 1
    }
    >>> emit("text", text="y = 2*x", data={"y": "2*x"})
    y = 2*x
    """
    if isinstance(ctx_or_format, click.Context):
        output_format = ctx_or_format.params.get("format", "text")
    else:
        output_format = ctx_or_format
    if output_format == "json":
        if data is None:
            raise ValueError("emit(): the json format needs `data`")
        click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=_to_json))
    else:
        if text is None:
            raise ValueError(f"emit(): the {output_format} format needs `text`")
        click.echo(text)


#: Python parameter -> the flag that sets it, where the two are not simply ``name`` ->
#: ``--name`` with ``_`` as ``-`` (the library's errors name parameters, the CLI flags).
FLAGS = {
    "overwrite": "--force",
    "kernels": "--kernel",
    "framework": "--to",
    "path": "-o",
    "output": "--result",  # a graph program's output node (-o names a file)
}

#: The parameters the commands expose; only these are translated in an error message.
PARAMETERS = [
    "activation",
    "at",
    "atol",
    "batch",
    "batch_size",
    "bias",
    "crop_size",
    "crops",
    "data",
    "depth",
    "display",
    "drop",
    "drop_missing",
    "dtype",
    "epochs",
    "eps",
    "framework",
    "grads",
    "header",
    "image_shape",
    "inputs",
    "interval",
    "kernels",
    "loss",
    "lr",
    "max_crops",
    "max_edges",
    "max_nodes",
    "max_terms",
    "max_units",
    "method",
    "mode",
    "names",
    "node",
    "optimizer",
    "output",
    "overwrite",
    "padding",
    "params",
    "path",
    "position",
    "samples",
    "sections",
    "seed",
    "split",
    "split_seed",
    "step",
    "steps",
    "stride",
    "symbolic",
    "target",
    "targets",
    "test_fraction",
    "title",
    "torch",
    "units",
    "view",
    "weights",
    "wrt",
]

_PARAMETER = re.compile(
    r"(?<![\w'\"-])(" + "|".join(PARAMETERS) + r")=(True|False|'[^']*'|\"[^\"]*\"|[^\s,;:)]*)"
)


def flag_language(message: str) -> str:
    """A library error message with each ``parameter=value`` written as its flag.

    The library names Python parameters (``wrt='w9'``, ``overwrite=True``); at the command
    line the same mistake is a flag (``--wrt w9``, ``--force``).

    >>> flag_language("unknown wrt='w9': use wrt='all'; or pass overwrite=True")
    'unknown --wrt w9: use --wrt all; or pass --force'
    >>> flag_language("title='a b' is too long")
    "--title 'a b' is too long"
    >>> flag_language("torch=False skips it; max_terms= raises the limit")
    '--no-torch skips it; --max-terms raises the limit'
    """

    def flag(match: re.Match) -> str:
        name, value = match.groups()
        text = FLAGS.get(name, "--" + name.replace("_", "-"))
        if value == "False":
            return "--no-" + text[2:]
        if value in ("True", ""):
            return text
        if re.fullmatch(r"'[\w.+-]+'", value):  # a plain word needs no quotes in a shell
            value = value[1:-1]
        return f"{text} {value}"

    return _PARAMETER.sub(flag, message)
