"""The ``symnet`` command line: a thin click layer over the symnet library.

This folder is installed as the package ``symnet.cli`` (see pyproject.toml), so the command
line runs as ``symnet ...`` or ``python -m symnet.cli ...``.

Each subcommand lives in its own module, ``symnet.cli.<name>``, and is imported only when it
is invoked: ``symnet --help`` reads the one-line summaries in :data:`COMMANDS` and never
imports SymPy, NumPy or networkx, so it answers at once. A command is listed only when its
module exists.

The group is also the error boundary: a :class:`symnet.exceptions.SymnetError` becomes one
``Error: ...`` line on stderr with the error's ``exit_code`` (1 for failures, 2 for bad
usage), click's usage errors become one line with exit code 2, and Ctrl-C prints
``Interrupted.`` and exits with 130. No traceback reaches the user for any of these.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
from typing import Any

import click

__all__ = ["COMMANDS", "EXAMPLES", "LazyGroup", "main"]

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


class CommandLineError(click.ClickException):
    """A one-line ``Error: ...`` message on stderr; exit code 1 (a failure)."""

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(message.split()))


class CommandLineUsageError(CommandLineError):
    """A one-line ``Error: ...`` message on stderr; exit code 2 (bad usage)."""

    # NOTE: click declares `exit_code` a class variable, so each exit code is a class.
    exit_code = 2


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


class LazyGroup(click.Group):
    """A click group that imports each subcommand's module only when it is invoked."""

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
        lines += ["symnet COMMAND --help", "python -m symnet.cli --version"]
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
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except click.UsageError as error:
            raise _one_line_usage_error(error) from None

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as error:
            raise _one_line_usage_error(error) from None
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            raise click.exceptions.Exit(130) from None
        except Exception as error:
            # Imported only on this path: the library is not needed to show help.
            from symnet.cli.options import flag_language
            from symnet.exceptions import SymnetError

            if isinstance(error, SymnetError):
                message = flag_language(str(error))  # the library names parameters, not flags
                raise _command_line_error(message, error.exit_code) from None
            raise


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
