"""Every command's ``--json`` output against the JSON vocabulary that README.md documents.

README.md's table under "JSON output" is the vocabulary: each key has one meaning, one type
and the list of commands whose output holds it. Each command runs here on a small input;
every key it prints, at any depth, must be in the table, listed for that command and of the
stated type, and where a meaning can be checked by a machine (a loss is a loss's name, a
written file exists, a count is not negative) it is. Every (key, command) of the table must
turn up in some run, so the table lists no key that no command gives. Errors in JSON mode
are checked against the same table.
"""

from __future__ import annotations

import importlib.util
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner

from symnet.cli import COMMANDS, main

README = Path(__file__).resolve().parents[2] / "README.md"
TABLE_HEADER = "| key | meaning | type | commands |"
EVERY_COMMAND = "every command"
ERROR_KEYS = ("error", "exit_code")


@dataclass(frozen=True)
class Entry:
    """One key of the vocabulary: what it means, its type, the commands that give it."""

    key: str
    meaning: str
    type: str
    commands: frozenset[str]


def read_vocabulary(text: str) -> dict[str, Entry]:
    """Key -> :class:`Entry`, from the markdown table under :data:`TABLE_HEADER`."""
    lines = text.splitlines()
    start = lines.index(TABLE_HEADER)
    entries: dict[str, Entry] = {}
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        cells = [cell.strip().replace("\\|", "|") for cell in re.split(r"(?<!\\)\|", line)[1:-1]]
        keys, meaning, type_, listed = cells
        commands = (
            set(COMMANDS) if listed == EVERY_COMMAND else {c.strip() for c in listed.split(",")}
        )
        for key in re.findall(r"`([^`]+)`", keys):
            if key in entries:
                raise AssertionError(f"README's JSON vocabulary lists {key!r} twice")
            entries[key] = Entry(key, meaning, type_, frozenset(commands))
    return entries


# A documented type, read into a small tree: ("basic", name), ("list", T), ("map", T) for
# {name: T}, and ("any", (T, ...)) for "A or B". Parentheses group: (integer or string)[].
Type = tuple
_TOKEN = re.compile(r"\s*(\[\]|[(){}:]|[a-z]+)")
BASIC: dict[str, Callable[[Any], bool]] = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "object": lambda v: isinstance(v, dict),
}


def parse_type(text: str) -> Type:
    """The tree of a documented type such as ``string[][] or null``."""
    tokens, position = [], 0
    while position < len(text.rstrip()):
        match = _TOKEN.match(text, position)
        if match is None:
            raise ValueError(f"cannot read the type {text!r} at {text[position:]!r}")
        tokens.append(match.group(1))
        position = match.end()
    tokens.append("")  # the end

    def take(expected: str | None = None) -> str:
        token = tokens.pop(0)
        if expected is not None and token != expected:
            raise ValueError(f"type {text!r}: expected {expected!r}, got {token!r}")
        return token

    def union() -> Type:
        options = [postfix()]
        while tokens[0] == "or":
            take("or")
            options.append(postfix())
        return options[0] if len(options) == 1 else ("any", tuple(options))

    def postfix() -> Type:
        node = atom()
        while tokens[0] == "[]":
            take("[]")
            node = ("list", node)
        return node

    def atom() -> Type:
        token = take()
        if token == "(":
            node = union()
            take(")")
            return node
        if token == "{":
            take("name")
            take(":")
            node = union()
            take("}")
            return ("map", node)
        if token not in BASIC:
            raise ValueError(f"type {text!r}: unknown type {token!r}")
        return ("basic", token)

    node = union()
    take("")
    return node


def matches(value: Any, node: Type) -> bool:
    """Whether ``value`` has the type ``node`` (records are checked key by key elsewhere)."""
    kind, inner = node
    if kind == "basic":
        return BASIC[inner](value)
    if kind == "list":
        return isinstance(value, list) and all(matches(item, inner) for item in value)
    if kind == "map":
        return isinstance(value, dict) and all(matches(item, inner) for item in value.values())
    return any(matches(value, option) for option in inner)


def _one_of(*allowed: Any) -> Callable[[Any], bool]:
    return lambda value: value in allowed


def _not_negative(value: Any) -> bool:
    return value >= 0


def _spec(value: str) -> bool:
    """A layered spec, or a graph program's short form ``program y(x, w)``."""
    from symnet.graph.spec import parse_spec

    if re.fullmatch(r"program \w+\(.*\)", value):
        return True
    return parse_spec(value) is not None


#: What a machine can check of a key's meaning (for a value that is not null).
MEANINGS: dict[str, Callable[[Any], bool]] = {
    "loss": _one_of("mse", "bce", "ce"),
    "names": _one_of("seed", "indexed", "program"),
    "kind": _one_of("weight", "bias", "leaf"),
    "split": _one_of("test", "train", "all"),
    "format": _one_of("dot", "svg", "png", "pdf"),
    "view": _one_of("network", "expression", "gradient", "conv"),
    "mode": _one_of("correlate", "convolve"),
    "padding": _one_of("valid", "same", "full"),
    "exit_code": _one_of(1, 2, 130),
    "spec": _spec,
    **{
        key: lambda value: 0 <= value <= 1
        for key in ("accuracy", "train_accuracy", "test_accuracy")
    },
    **{
        key: _not_negative
        for key in (
            "parameter_count",
            "shallow_parameter_count",
            "path_count",
            "step_count",
            "hidden_units",
            "epochs",
            "samples",
            "n_train",
            "n_test",
            "nodes",
            "edges",
            "seconds",
            "abs_error",
            "rel_error",
            "max_abs_error",
            "max_rel_error",
            "loss_value",
            "train_loss",
            "test_loss",
            "initial_loss",
            "final_loss",
        )
    },
}


def meaning_holds(key: str, value: Any) -> bool:
    """Whether ``value`` fits what ``key`` means, as far as a machine can tell."""
    if value is None:
        return True
    if key.endswith("_file"):  # a file written: it is there
        return Path(value).is_file()
    return MEANINGS.get(key, lambda _: True)(value)


class Checker:
    """Checks outputs against the vocabulary; ``seen`` collects each (key, command) met."""

    def __init__(self, vocabulary: dict[str, Entry]) -> None:
        self.vocabulary = vocabulary
        self.types = {key: parse_type(entry.type) for key, entry in vocabulary.items()}
        self.seen: set[tuple[str, str]] = set()

    def record(self, data: dict, command: str, where: str = "") -> list[str]:
        """Problems with the record ``data`` printed by ``command`` ([] when none)."""
        problems = []
        for key, value in data.items():
            path = f"{where}.{key}" if where else key
            entry = self.vocabulary.get(key)
            if entry is None:
                problems.append(f"{command}: {path} is not in README's JSON vocabulary")
                continue
            if command not in entry.commands:
                problems.append(f"{command}: {path} is documented for {sorted(entry.commands)}")
                continue
            self.seen.add((key, command))
            if not matches(value, self.types[key]):
                problems.append(f"{command}: {path} = {value!r:.80} is not {entry.type}")
                continue
            if not meaning_holds(key, value):
                problems.append(f"{command}: {path} = {value!r:.80} is not {entry.meaning}")
            problems += self._inside(value, self.types[key], command, path)
        return problems

    def _inside(self, value: Any, node: Type, command: str, path: str) -> list[str]:
        """Problems in the records that ``value`` (of type ``node``) holds."""
        kind, inner = node
        if kind == "any":
            chosen = next(option for option in inner if matches(value, option))
            return self._inside(value, chosen, command, path)
        if kind == "basic":
            return self.record(value, command, path) if inner == "object" else []
        items = enumerate(value) if kind == "list" else value.items()
        problems = []
        for index, item in items:
            problems += self._inside(item, inner, command, f"{path}[{index!r}]")
        return problems


@pytest.fixture(scope="module")
def vocabulary() -> dict[str, Entry]:
    return read_vocabulary(README.read_text(encoding="utf-8"))


HAS_TORCH = importlib.util.find_spec("torch") is not None
HAS_ONNX = importlib.util.find_spec("onnx") is not None  # the onnx extra: symnet import


#: The gradients of a student's backprop with a bug: ``verify --grads`` exits 1 on them.
WRONG_GRADS = "wrong_grads.npz"


def saved_gradients(folder: Path) -> tuple[list[str], list[str], list[str]]:
    """``verify --grads`` runs: a spec with the right gradients, one with a bug planted, and a
    model file with the right gradients at its weights (issue 14)."""
    from symnet.training.modelfile import load_model
    from tests.interop.student_mlp import gradients, student_data
    from tests.model_files import saved_model

    params, X, T = student_data()
    np.savez(folder / "P.npz", **params)
    np.save(folder / "X.npy", X)
    np.save(folder / "T.npy", T)
    np.savez(folder / "G.npz", **gradients()(params, X, T))
    np.savez(folder / WRONG_GRADS, **gradients("sign flip of layer 1")(params, X, T))
    model = load_model(saved_model(folder, "s.npz", spec="2-3:sigmoid-1:sigmoid"))
    _, grads = model.program.step(model.inputs(X), T, model.params)
    np.savez(folder / "Gm.npz", **dict(zip(model.parameter_names, grads)))
    data = ["--inputs", str(folder / "X.npy"), "--targets", str(folder / "T.npy")]
    spec = ["verify", "2-3:sigmoid-1:sigmoid", "--params", str(folder / "P.npz"), *data]
    return (
        [*spec, "--grads", str(folder / "G.npz")],
        [*spec, "--grads", str(folder / WRONG_GRADS)],
        ["verify", str(folder / "s.npz"), "--grads", str(folder / "Gm.npz"), *data],
    )


def _onnx_file(folder: Path) -> str:
    from tests.onnx_files import write_onnx  # needs the onnx package: only when it is there

    return str(write_onnx(folder))


def invocations(folder: Path) -> list[list[str]]:
    """Every command on a small input, in an order where a model is trained before use."""
    flowers = folder / "flowers.csv"
    rows = ["a,b,c,d,species"] + [
        f"{i % 3},{i % 5},{i % 2},{i % 7},{'setosa' if i % 2 else 'virginica'}" for i in range(20)
    ]
    flowers.write_text("\n".join(rows) + "\n", encoding="utf-8")
    f = {name: str(folder / name) for name in ("m.npz", "r.npz", "c.npz")}
    return [
        ["collapse", "3-2-2-1"],
        ["collapse", "3-2:relu-1"],
        ["collapse", "2-2-2", "--bias"],
        ["trace", "3-2:sigmoid-1:sigmoid", "--seed", "0", "--inputs", "1,2,3"],
        ["derive", "2-2:sigmoid-1:sigmoid"],
        ["derive", "2-2:sigmoid-1:sigmoid", "--no-prove", "--wrt", "w1"],
        ["derive", "16-16-16-16-16-1"],  # paths and sympy.diff refused
        ["verify", "2-2:sigmoid-1:sigmoid", "--bias", "--no-torch"],
        *saved_gradients(folder),
        *([["verify", "2-1:sigmoid", "--torch"]] if HAS_TORCH else []),
        *([["import", _onnx_file(folder), "-o", str(folder / "net.npz")]] if HAS_ONNX else []),
        ["render", "3-2-2-1"],
        ["render", "3-2-2-1", "-o", str(folder / "net.svg")],
        ["render", "--view", "conv"],
        ["train", "2-4:relu-1:sigmoid", "--data", "moons", "--epochs", "3", "-o", f["m.npz"]]
        + ["--plot", str(folder / "curves.png")],
        ["train", "1-4:tanh-1", "--data", "sin", "--epochs", "3", "-o", f["r.npz"]],
        ["train", "1x2x2-conv1@2x2:relu-2:softmax", "--data", str(flowers), "--epochs", "2"]
        + ["-o", f["c.npz"], "--plot-kernels", str(folder / "k.png")]
        + ["--plot-maps", str(folder / "maps.png")],
        ["predict", f["m.npz"], "--data", "moons", "--samples", "8"],
        ["predict", f["r.npz"], "--data", "sin", "--samples", "8"],
        ["predict", f["c.npz"], "--data", str(flowers)],
        ["export", f["m.npz"], "--to", "torch", "-o", str(folder / "m_torch.py")],
        ["kernels"],
        ["kernels", "outline", "--flip"],
        ["convolve", "--kernel", "outline", "--pixel", "2,2", "-o", str(folder / "out.npy")]
        + ["--side-by-side", str(folder / "pair.png")],
        ["learn-kernel", "outline", "--steps", "3", "--plot", str(folder / "fit.png")],
        ["approx", "sin(x)", "--units", "4", "--plot", str(folder / "sin.png")],
        ["approx", "x**2", "--units", "4", "--interval", "0,1", "--method", "train", "--table"],
        ["depth", "3", "--plot", str(folder / "saw.png")],
        ["report", "2-2:sigmoid-1:sigmoid", "--sections", "network", "-o", str(folder / "r.html")],
        # Graph programs (issue 13): the same vocabulary.
        ["derive", "a = -4.0; b = 2.0; c = a*b + relu(b); c += 1"],
        ["trace", "x = 5; w = -1; y = relu(w*x)"],
        ["verify", "x, w: leaf; y = tanh(w*x)", "--no-torch"],
        ["collapse", "x, w: leaf; h = 3*x - w; y = x + 2*h + 1"],
        ["render", "x = 5; w = -1; y = relu(w*x)", "--view", "gradient"],
    ]


@pytest.fixture(scope="module")
def outputs(tmp_path_factory) -> dict[str, list[tuple[list[str], Any]]]:
    """Command -> (args, parsed --json output) of each of its :func:`invocations`."""
    runner = CliRunner()
    found: dict[str, list[tuple[list[str], Any]]] = {name: [] for name in COMMANDS}
    for args in invocations(tmp_path_factory.mktemp("json")):
        result = runner.invoke(main, [*args, "--json"], prog_name="symnet")
        expected = 1 if any(arg.endswith(WRONG_GRADS) for arg in args) else 0
        assert result.exit_code == expected, (args, result.output)
        found[args[0]].append((args, json.loads(result.stdout)))
    return found


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_key_is_documented_with_its_type_and_meaning(command, outputs, vocabulary):
    if command == "import" and not HAS_ONNX:
        pytest.skip("symnet import needs the onnx extra (pip install 'symnet[onnx]')")
    assert outputs[command], f"no run of {command}: add one to invocations()"
    checker = Checker(vocabulary)
    for args, data in outputs[command]:
        assert isinstance(data, dict), args
        assert checker.record(data, command) == [], args


def test_every_documented_key_turns_up(outputs, vocabulary):
    checker = Checker(vocabulary)
    for command, runs in outputs.items():
        for _, data in runs:
            checker.record(data, command)
    documented = {
        (key, command)
        for key, entry in vocabulary.items()
        for command in entry.commands
        if key not in ERROR_KEYS
    }
    unseen = documented - checker.seen - ({("torch", "verify")} if not HAS_TORCH else set())
    unseen -= {(key, "import") for key, _ in documented} if not HAS_ONNX else set()
    assert unseen == set(), "README lists keys that no run printed"


def test_the_table_is_well_formed(vocabulary):
    assert len(vocabulary) > 100
    for entry in vocabulary.values():
        parse_type(entry.type)
        assert entry.meaning and entry.commands <= set(COMMANDS), entry
    assert {vocabulary[key].commands for key in ERROR_KEYS} == {frozenset(COMMANDS)}


def test_the_checker_finds_what_it_is_for(vocabulary):
    """The checks can fail: an unknown key, a key of another command, a wrong type or meaning."""
    checker = Checker(vocabulary)
    assert checker.record({"loss": "mse", "loss_value": 0.5}, "predict") == []
    assert "not in README" in checker.record({"lose": "mse"}, "predict")[0]
    assert "documented for" in checker.record({"loss": "mse"}, "kernels")[0]
    assert "is not string" in checker.record({"loss": 0.5}, "predict")[0]
    assert "loss's name" in checker.record({"loss": "hinge"}, "predict")[0]
    assert "is not object[]" in checker.record({"parameters": 3}, "derive")[0]
    assert "is not string or null" in checker.record({"output_file": 1}, "render")[0]
    assert "is not the file written" in checker.record({"output_file": "/no/file"}, "render")[0]
    nested = {"kernel": {"name": "outline", "matrix": [[1]], "colour": "red"}}
    assert checker.record(nested, "convolve") == [
        "convolve: kernel.colour is not in README's JSON vocabulary"
    ]
    deep = {"table": [{"depth": 1, "parameters": 7}]}
    assert checker.record(deep, "depth") == [
        "depth: table[0].parameters is documented for ['derive', 'trace', 'verify']"
    ]
    assert parse_type("(integer or string)[] or number[][]") == (
        "any",
        (
            ("list", ("any", (("basic", "integer"), ("basic", "string")))),
            ("list", ("list", ("basic", "number"))),
        ),
    )
    with pytest.raises(ValueError, match="unknown type"):
        parse_type("float")


#: Error paths, each with the exit code it gives: library errors, click's usage errors, a
#: failure of the world.
ERRORS = [
    (["collapse", "3-2-x"], 2),  # a SpecError from the library
    (["collapse", "3-2-1", "--no-such-option"], 2),  # click: an unknown option
    (["render", "3-2-1", "--view", "sideways"], 2),  # click: not one of the choices
    (["trace", "2-1", "--inputs", "1,2", "--seed", "-1"], 2),  # click: out of range
    (["kernels", "1,2;3"], 2),  # a ParseError from the library
    (["no-such-command"], 2),  # the group: an unknown command
    (["predict", "no-such-model.npz", "--data", "moons"], 1),  # a failure: no such file
]


def json_error(result, exit_code: int, vocabulary, command: str) -> str:
    """The message of the one JSON error object on stderr, checked against the vocabulary."""
    assert result.exit_code == exit_code, result.output
    assert result.stdout == "" and len(result.stderr.splitlines()) == 1, result.output
    error = json.loads(result.stderr)
    assert set(error) == set(ERROR_KEYS) and error["exit_code"] == exit_code
    assert Checker(vocabulary).record(error, command) == []
    return error["error"]


@pytest.mark.parametrize("json_flag", [["--json"], ["--format", "json"], ["--format=json"]])
@pytest.mark.parametrize(("args", "exit_code"), ERRORS)
def test_errors_in_json_mode_are_one_json_object_on_stderr(
    run_cli, vocabulary, args, exit_code, json_flag
):
    command = args[0] if args[0] in COMMANDS else "collapse"  # every command gives `error`
    message = json_error(run_cli([*args, *json_flag]), exit_code, vocabulary, command)
    text = run_cli(args)  # without JSON: the same message as one `Error: ...` line
    assert text.exit_code == exit_code and text.stderr == f"Error: {message}\n"
    assert "Traceback" not in text.output + message


def test_ctrl_c_in_json_mode(run_cli, vocabulary, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("symnet.expressivity.collapse.collapse", interrupted)
    result = run_cli(["collapse", "3-2-2-1", "--json"])
    assert json_error(result, 130, vocabulary, "collapse") == "Interrupted."
    assert run_cli(["collapse", "3-2-2-1"]).stderr == "Interrupted.\n"


def test_ctrl_c_during_training_keeps_the_figures_and_says_so_in_json(
    run_cli, vocabulary, monkeypatch
):
    from symnet.training import loop

    calls = []
    evaluate = loop.evaluate

    def interrupted_once(model, data):
        calls.append(model)
        if len(calls) == 2:  # the record after epoch 1: Ctrl-C there
            raise KeyboardInterrupt
        return evaluate(model, data)

    monkeypatch.setattr(loop, "evaluate", interrupted_once)
    result = run_cli(["train", "2-4:relu-1:sigmoid", "--data", "moons", "--epochs", "5", "--json"])
    assert result.exit_code == 130, result.output
    assert json.loads(result.stdout)["stopped"] == "interrupted"
    error = json.loads(result.stderr)
    assert error["exit_code"] == 130 and error["error"].startswith("Interrupted: interrupted at")
    assert Checker(vocabulary).record(error, "train") == []
