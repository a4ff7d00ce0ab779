"""The ``symnet`` command line: a thin click layer over the symnet library.

This folder is installed as the package ``symnet.cli`` (see pyproject.toml), so the command
line runs as ``symnet ...``, ``python -m symnet ...`` or ``python -m symnet.cli ...``.

Each subcommand lives in its own module, ``symnet.cli.<name>``, and is imported only when it
is invoked: ``symnet --help`` reads the one-line summaries in :data:`COMMANDS` and never
imports SymPy, NumPy or networkx, so it answers at once. A command is listed only when its
module exists.

The group is also the error boundary: a :class:`symnet.exceptions.SymnetError` becomes one
``Error: ...`` line on stderr with the error's ``exit_code`` (1 for failures, 2 for bad
usage), click's usage errors become one line with exit code 2, and Ctrl-C prints
``Interrupted.`` and exits with 130. No traceback reaches the user for any of these. When
the command line asks for JSON (``--json`` or ``--format json``), the same error is one
JSON object on stderr instead, ``{"error": "...", "exit_code": N}``, with the same exit code.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import json
from collections.abc import Sequence
from typing import IO, Any

from symnet.cli import interrupts

interrupts.guard_start_up()  # NOTE: before click loads, so Ctrl-C at start-up is one line

import click  # noqa: E402

__all__ = [
    "COMMANDS",
    "EXAMPLES",
    "CommandLineError",
    "CommandLineInterruptError",
    "LazyGroup",
    "main",
]

#: Subcommand name -> ("module:attribute", one-line help shown by ``symnet --help``).
#: The module is imported only when the command runs; a name whose module does not exist
#: (yet) is not listed.
COMMANDS: dict[str, tuple[str, str]] = {
    "collapse": (
        "symnet.cli.collapse:collapse",
        "Show how stacked linear layers collapse into one linear function.",
    ),
    "trace": ("symnet.cli.trace:trace", "Trace a forward pass value by value."),
    "derive": ("symnet.cli.derive:derive", "Derive chain-rule partials and backprop deltas."),
    "verify": ("symnet.cli.verify:verify", "Check a gradient by independent routes."),
    "render": ("symnet.cli.render:render", "Draw a network, expression DAG or gradient flow."),
    "train": ("symnet.cli.train:train", "Train a network on a data set."),
    "predict": ("symnet.cli.predict:predict", "Predict with a trained model file."),
    "export": ("symnet.cli.export:export", "Export a trained model to another framework."),
    "import": ("symnet.cli.import_model:import_model", "Import an ONNX file as a model file."),
    "kernels": ("symnet.cli.kernels:kernels", "Show the convolution kernels of the notes."),
    "convolve": ("symnet.cli.convolve:convolve", "Convolve an image with a kernel."),
    "learn-kernel": ("symnet.cli.learn_kernel:learn_kernel", "Learn a convolution kernel."),
    "approx": ("symnet.cli.approx:approx", "Approximate a function with one hidden layer."),
    "depth": ("symnet.cli.depth:depth", "Compare deep and shallow networks."),
    "report": ("symnet.cli.report:report", "Write a derivation report (HTML or Markdown)."),
}

#: Runnable examples for the root help, shown only for commands that exist.
EXAMPLES: list[tuple[str, str]] = [
    ("collapse", "symnet collapse 3-2-2-1 --names seed"),
    ("trace", "symnet trace 1-1:relu --weights w1=-1 --inputs 5"),
    ("derive", "symnet derive 3-2:sigmoid-2:sigmoid-1:sigmoid --wrt w1"),
    ("verify", "symnet verify 4-8:tanh-8:relu-3:softmax --loss ce"),
    ("render", "symnet render 3-2-2-1 --names seed -o net.svg"),
    ("train", "symnet train 2-16:relu-16:relu-1:sigmoid --data moons"),
    ("kernels", "symnet kernels"),
]


@functools.cache
def available_commands() -> tuple[str, ...]:
    """Names in :data:`COMMANDS` whose module exists, sorted; found without importing them."""
    names = []
    for name, (target, _) in COMMANDS.items():
        module_name = target.partition(":")[0]
        try:
            found = importlib.util.find_spec(module_name) is not None
        except ImportError:
            found = False
        if found:
            names.append(name)
    return tuple(sorted(names))


def _printable(text: str) -> str:
    """``text`` with control characters written as escapes (``\\x1b``), never sent raw.

    Messages quote what the user typed or what a file held; a raw escape sequence in them
    would be executed by the terminal that shows the error.
    """
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else repr(char)[1:-1] for char in text)


class CommandLineError(click.ClickException):
    """A one-line ``Error: ...`` message on stderr; exit code 1 (a failure).

    With ``json_mode`` set (the boundary sets it when the command line asks for JSON), the
    message is one JSON object instead: ``{"error": "...", "exit_code": 1}``.
    """

    json_mode = False

    def __init__(self, message: str) -> None:
        super().__init__(_printable(" ".join(message.split())))

    def show(self, file: IO[Any] | None = None) -> None:
        if not self.json_mode:
            super().show(file)
            return
        error = {"error": self.format_message(), "exit_code": self.exit_code}
        click.echo(json.dumps(error, ensure_ascii=False), file=file, err=True)


class CommandLineUsageError(CommandLineError):
    """A one-line ``Error: ...`` message on stderr; exit code 2 (bad usage)."""

    # NOTE: click declares `exit_code` a class variable, so each exit code is a class.
    exit_code = 2


class CommandLineInterruptError(CommandLineError):
    """Ctrl-C: ``Interrupted.`` (or ``Interrupted: what was kept``) on stderr; exit code 130."""

    exit_code = 130

    def __init__(self, message: str = "") -> None:
        super().__init__(f"Interrupted: {message}" if message else "Interrupted.")

    def show(self, file: IO[Any] | None = None) -> None:
        if self.json_mode:
            super().show(file)
        else:
            click.echo(self.format_message(), file=file, err=True)
        interrupts.reported()  # a later Ctrl-C (during shutdown) prints nothing more


def _command_line_error(message: str, exit_code: int) -> CommandLineError:
    """The one-line error for ``message`` that exits with ``exit_code`` (1 or 2)."""
    return CommandLineUsageError(message) if exit_code == 2 else CommandLineError(message)


def _one_line_usage_error(error: click.UsageError) -> click.ClickException:
    """Turn click's multi-line usage error into one line that names the help to read."""
    if type(error).__name__ == "NoArgsIsHelpError":  # click 8.2+: plain `symnet` shows help
        return error
    command_path = error.ctx.command_path if error.ctx is not None else "symnet"
    message = f"{error.format_message()} See '{command_path} --help'."
    return _command_line_error(message, error.exit_code)


def _one_line_error(error: BaseException) -> click.ClickException | None:
    """The one-line error shown for ``error``; None for an error that is not ours (a bug)."""
    if isinstance(error, click.exceptions.Exit):  # --help, --version: not an error
        return None
    if isinstance(error, CommandLineError):
        return error
    if isinstance(error, click.UsageError):
        return _one_line_usage_error(error)
    if isinstance(error, KeyboardInterrupt):
        return CommandLineInterruptError()
    if isinstance(error, click.ClickException):  # e.g. click.FileError, exit code 1
        return _command_line_error(error.format_message(), error.exit_code)
    # Imported only on this path: the library is not needed to show help.
    from symnet.cli.options import flag_language
    from symnet.exceptions import SymnetError

    if isinstance(error, SymnetError):
        message = flag_language(str(error))  # the library names parameters, not flags
        return _command_line_error(message, error.exit_code)
    return None


#: The key in ``ctx.meta`` that says whether errors are shown as JSON.
JSON_ERRORS = "symnet.json_errors"


def asks_for_json(args: Sequence[str]) -> bool:
    """Whether the command line ``args`` ask for JSON output, read before click parses them.

    An error can come before (or while) the options are parsed, so this reads the words
    themselves: ``--json``, ``--format json`` or ``--format=json`` before any ``--``.

    >>> asks_for_json(["trace", "1-1", "--json"]), asks_for_json(["trace", "--format=json"])
    (True, True)
    >>> asks_for_json(["trace", "--format", "text"]), asks_for_json(["kernels", "--", "--json"])
    (False, False)
    """
    words = list(args)
    for i, arg in enumerate(words):
        if arg == "--":
            return False
        following = words[i + 1] if i + 1 < len(words) else None
        if arg in ("--json", "--format=json") or (arg == "--format" and following == "json"):
            return True
    return False


class LazyGroup(click.Group):
    """A click group that imports each subcommand's module only when it is invoked."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        # The process's own command line (no `args` given) gets the Ctrl-C guards of
        # symnet.cli.interrupts: a second Ctrl-C or one during shutdown ends it at once.
        given = args[0] if args else kwargs.get("args")
        own = given is None and interrupts.is_the_command_line()
        if own:
            interrupts.guard_command()
        try:
            return super().main(*args, **kwargs)
        except SystemExit as done:
            if own:
                interrupts.leave(done.code)  # no Python shutdown for a Ctrl-C to land in
            raise
        finally:
            if own:
                interrupts.guard_exit()

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(self.commands) | set(available_commands()))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        if cmd_name not in available_commands():
            return None
        module_name, _, attribute = COMMANDS[cmd_name][0].partition(":")
        try:
            module = importlib.import_module(module_name)
        except ImportError as error:
            raise CommandLineError(
                f"The '{cmd_name}' command cannot be loaded: {error}. "
                "Reinstall symnet with its dependencies (pip install symnet)."
            ) from None
        return getattr(module, attribute)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        name = args[0]
        unknown = not ctx.resilient_parsing and not name.startswith("-")
        if unknown and self.get_command(ctx, name) is None:
            known = ", ".join(self.list_commands(ctx)) or "none installed"
            raise CommandLineUsageError(
                f"No such command '{name}' (commands: {known}). See 'symnet --help'."
            )
        return super().resolve_command(ctx, args)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # The summaries come from COMMANDS, so listing imports no command module.
        rows = []
        for name in self.list_commands(ctx):
            if name in self.commands:
                rows.append((name, self.commands[name].get_short_help_str()))
            else:
                rows.append((name, COMMANDS[name][1]))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        available = set(self.list_commands(ctx))
        lines = [example for name, example in EXAMPLES if name in available]
        lines += ["symnet COMMAND --help", "python -m symnet --version"]
        with formatter.section("Examples"):
            for line in lines:
                formatter.write_text(line)

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        json_errors = asks_for_json(args)  # before parsing, which consumes `args`
        try:
            ctx = super().make_context(info_name, args, parent=parent, **extra)
        except (click.UsageError, KeyboardInterrupt) as error:
            raise _shown(error, json_errors) from None
        ctx.meta[JSON_ERRORS] = json_errors
        return ctx

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (Exception, KeyboardInterrupt) as error:
            shown = _shown(error, ctx.meta.get(JSON_ERRORS, False))
            if shown is error:
                raise  # ours already, or not an error of ours: a bug keeps its traceback
            raise shown from None


def _shown(error: BaseException, json_errors: bool) -> BaseException:
    """``error`` as the one-line error to raise (JSON when ``json_errors``), else itself."""
    shown = _one_line_error(error)
    if shown is None:
        return error
    if isinstance(shown, CommandLineError):
        shown.json_mode = json_errors
    return shown


@click.group(
    cls=LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(package_name="symnet", prog_name="symnet", message="%(prog)s %(version)s")
def main() -> None:
    """Make the mathematics of neural networks visible and checkable.

    A network is a graph of SymPy expressions: symnet expands it, differentiates it, draws it,
    checks its gradients and compiles it to NumPy. Every command takes --help.
    """
