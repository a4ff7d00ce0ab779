"""The command line as a user meets it: install layout, start-up time, help and errors."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import click
import pytest

from symnet.cli import COMMANDS, LazyGroup, available_commands
from symnet.cli.options import emit, format_option

SCRIPT = Path(sys.executable).with_name("symnet")


def symnet_command() -> list[str]:
    """The installed console script, or ``python -m symnet.cli`` where there is none."""
    return [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "symnet.cli"]


def run_outside_repo(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run(
        list(args), cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )


def test_help_is_fast_and_shows_an_example(tmp_path: Path) -> None:
    command = [*symnet_command(), "--help"]
    run_outside_repo(tmp_path, *command)  # warm the file system cache
    times = []
    for _ in range(3):
        start = time.perf_counter()
        result = run_outside_repo(tmp_path, *command)
        times.append(time.perf_counter() - start)
        assert result.returncode == 0, result.stderr
    assert statistics.median(times) < 0.5, times
    assert "Examples" in result.stdout
    assert "symnet COMMAND --help" in result.stdout


def test_help_imports_no_heavy_module(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from symnet.cli import main\n"
        "try:\n"
        "    main(['--help'], prog_name='symnet')\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = {'sympy', 'numpy', 'networkx', 'graphviz'} & set(sys.modules)\n"
        "assert not heavy, heavy\n"
    )
    result = run_outside_repo(tmp_path, sys.executable, "-c", code)
    assert result.returncode == 0, result.stderr


def test_version(run_cli) -> None:
    result = run_cli(["--version"])
    assert result.exit_code == 0
    assert result.stdout.startswith("symnet ")


@pytest.mark.parametrize("module", ["symnet", "symnet.cli"])
def test_python_dash_m_runs_the_command_line(tmp_path: Path, module: str) -> None:
    result = run_outside_repo(tmp_path, sys.executable, "-m", module, "--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("symnet ")


def test_python_dash_m_symnet_help_is_fast_and_imports_no_heavy_module(tmp_path: Path) -> None:
    code = (
        "import runpy, sys\n"
        "sys.argv = ['symnet', '--help']\n"
        "try:\n"
        "    runpy.run_module('symnet', run_name='__main__')\n"
        "except SystemExit as exit:\n"
        "    assert exit.code == 0, exit.code\n"
        "heavy = {'sympy', 'numpy', 'networkx', 'graphviz', 'matplotlib'} & set(sys.modules)\n"
        "assert not heavy, heavy\n"
    )
    result = run_outside_repo(tmp_path, sys.executable, "-c", code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Usage: symnet ") and "Examples" in result.stdout
    command = [sys.executable, "-m", "symnet", "--help"]
    times = []
    for _ in range(3):
        start = time.perf_counter()
        assert run_outside_repo(tmp_path, *command).returncode == 0
        times.append(time.perf_counter() - start)
    assert statistics.median(times) < 0.5, times


def test_the_package_declares_its_licence_and_a_torch_range() -> None:
    tomllib = pytest.importorskip("tomllib")
    from packaging.requirements import Requirement

    root = Path(__file__).resolve().parents[2]
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    assert project["license"] == "MIT" and "MIT License" in (root / "LICENSE").read_text()
    assert project["license-files"] == ["LICENSE"] and project["classifiers"]
    [torch] = [Requirement(text) for text in project["optional-dependencies"]["torch"]]
    assert torch.name == "torch"
    # CI installs the CPU build torch==2.13.0+cpu first; the range keeps it (and any 2.x).
    assert torch.specifier.contains("2.13.0") and torch.specifier.contains("2.13.0+cpu")
    assert not torch.specifier.contains("3.0.0")


def test_unknown_command_is_a_one_line_usage_error(run_cli) -> None:
    result = run_cli(["no-such-command"])
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: No such command 'no-such-command'")


def test_unknown_option_is_a_one_line_usage_error(run_cli) -> None:
    result = run_cli(["--no-such-option"])
    assert result.exit_code == 2
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert "--help" in result.stderr


def test_only_commands_whose_module_exists_are_listed(run_cli) -> None:
    result = run_cli(["--help"])
    assert result.exit_code == 0
    for name in COMMANDS:
        assert (f"  {name} " in result.stdout) == (name in available_commands()), name


def test_cli_is_installed_as_symnet_cli_not_as_top_level_cli(tmp_path: Path) -> None:
    top_level = run_outside_repo(tmp_path, sys.executable, "-c", "import cli")
    assert top_level.returncode != 0
    assert "ModuleNotFoundError" in top_level.stderr
    nested = run_outside_repo(
        tmp_path, sys.executable, "-c", "import symnet.cli; print(symnet.cli.main.name)"
    )
    assert nested.returncode == 0, nested.stderr


def _group_with(command: click.Command) -> click.Group:
    """A copy of the root group's behaviour with one extra command, for boundary tests."""
    group = LazyGroup(name="symnet")
    group.add_command(command)
    return group


def test_symnet_error_becomes_one_line_with_its_exit_code(cli_runner) -> None:
    from symnet.exceptions import SpecError, SymnetError

    @click.command()
    @click.argument("kind")
    def fail(kind: str) -> None:
        if kind == "usage":
            raise SpecError("`activation` must be one of 'relu', 'sigmoid'; got 'gelu'")
        raise SymnetError("expansion would have ~1.2e9 terms;\nuse a smaller network")

    group = _group_with(fail)
    usage = cli_runner.invoke(group, ["fail", "usage"])
    assert usage.exit_code == 2
    assert usage.stderr == "Error: `activation` must be one of 'relu', 'sigmoid'; got 'gelu'\n"
    failure = cli_runner.invoke(group, ["fail", "other"])
    assert failure.exit_code == 1
    assert failure.stderr == "Error: expansion would have ~1.2e9 terms; use a smaller network\n"
    assert "Traceback" not in failure.output


def test_keyboard_interrupt_exits_130(cli_runner) -> None:
    @click.command()
    def slow() -> None:
        raise KeyboardInterrupt

    result = cli_runner.invoke(_group_with(slow), ["slow"])
    assert result.exit_code == 130
    assert result.stderr == "Interrupted.\n"


def test_subcommand_usage_error_is_one_line(cli_runner) -> None:
    @click.command()
    @click.option("--count", type=int, default=1)
    def show(count: int) -> None:
        click.echo(count)

    result = cli_runner.invoke(_group_with(show), ["show", "--count", "many"])
    assert result.exit_code == 2
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert "'symnet show --help'" in result.stderr


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ([], "text: y = 2*x\n"),
        (["--format", "latex"], "latex: y = 2*x\n"),
        (["--json"], '{\n  "y": "2*x",\n  "β": 2\n}\n'),
        (["--format", "json"], '{\n  "y": "2*x",\n  "β": 2\n}\n'),
        (["--format", "json", "--json"], '{\n  "y": "2*x",\n  "β": 2\n}\n'),
    ],
)
def test_format_option_and_json_alias(cli_runner, args: list[str], expected: str) -> None:
    @click.command()
    @format_option("text", "latex")
    @click.pass_context
    def show(ctx: click.Context, format: str) -> None:
        emit(ctx, text=f"{format}: y = 2*x", data={"y": "2*x", "β": 2})

    result = cli_runner.invoke(show, args)
    assert result.exit_code == 0, result.output
    assert result.stdout == expected


def test_json_alias_conflicting_with_format_is_a_usage_error(cli_runner) -> None:
    @click.command()
    @format_option("text", "latex")
    def show(format: str) -> None:
        click.echo(format)

    result = cli_runner.invoke(show, ["--format", "latex", "--json"])
    assert result.exit_code == 2
    assert "--json conflicts with --format latex" in result.stderr
