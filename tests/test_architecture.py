"""The layering of symnet's modules, read from their source with ``ast``.

Floors, from the bottom (ARCHITECTURE.md draws them): a module imports only modules on its
own floor or below, the imports form no cycle, and no module reads another module's private
(``_``) names. Imports under ``if TYPE_CHECKING:`` are for type checkers only and are
skipped. The one sanctioned upward import is a Jupyter display hook (a method named
``_repr_*_``): Jupyter asks an object for its own picture, and the picture is drawn by a
higher floor, so the hook imports it when it is called.
"""

from __future__ import annotations

import ast
import pathlib
from collections import defaultdict
from dataclasses import dataclass

import networkx as nx
import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent

#: symnet's floors, bottom first; a name is a top-level module or subpackage of symnet.
FLOORS: tuple[tuple[str, ...], ...] = (
    ("exceptions", "files", "seeds"),
    ("graph",),
    ("conv", "parse"),
    ("numeric",),
    ("calculus",),
    ("codegen", "render"),
    ("training", "testing"),
    ("interop",),
    ("expressivity",),
    ("report",),
    ("demos",),
    ("__init__", "cli", "__main__"),
)
RANK = {name: floor for floor, names in enumerate(FLOORS) for name in names}


@dataclass(frozen=True)
class Import:
    importer: str
    imported: str
    line: int
    lazy: bool  # inside a function
    display_hook: bool  # inside a ``_repr_*_`` method
    names: tuple[str, ...]  # the names taken with ``from ... import``


def module_files() -> dict[str, pathlib.Path]:
    """Dotted module name -> file, for symnet/ and cli/ (installed as symnet.cli)."""
    files = {}
    for folder, package in ((ROOT / "symnet", "symnet"), (ROOT / "cli", "symnet.cli")):
        for path in sorted(folder.rglob("*.py")):
            parts = list(path.relative_to(folder).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            files[".".join([package, *parts])] = path
    return files


FILES = module_files()


def _known(name: str) -> str | None:
    """The symnet module ``name`` refers to (a name inside a module maps to the module)."""
    while name and name not in FILES:
        name = name.rpartition(".")[0]
    return name or None


def _targets(module: str, node: ast.Import | ast.ImportFrom) -> list[tuple[str, tuple[str, ...]]]:
    if isinstance(node, ast.Import):
        return [(alias.name, ()) for alias in node.names]
    base = node.module or ""
    if node.level:
        package = module if FILES[module].name == "__init__.py" else module.rpartition(".")[0]
        for _ in range(node.level - 1):
            package = package.rpartition(".")[0]
        base = f"{package}.{base}" if base else package
    found = []
    for alias in node.names:
        submodule = f"{base}.{alias.name}"
        if submodule in FILES:
            found.append((submodule, ()))
        else:
            found.append((base, (alias.name,)))
    return found


def _is_type_checking(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def imports_of(module: str) -> list[Import]:
    """Every import in ``module`` of another symnet module (TYPE_CHECKING ones skipped)."""
    tree = ast.parse(FILES[module].read_text(), str(FILES[module]))
    found: list[Import] = []

    def walk(node: ast.AST, function: str | None) -> None:
        for child in ast.iter_child_nodes(node):
            if _is_type_checking(child):
                continue
            inside = function
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                inside = child.name if function is None else function
            if isinstance(child, ast.Import | ast.ImportFrom):
                for target, names in _targets(module, child):
                    known = _known(target)
                    if known is not None and known != module:
                        hook = inside is not None and inside.startswith("_repr_")
                        found.append(
                            Import(module, known, child.lineno, inside is not None, hook, names)
                        )
            walk(child, inside)

    walk(tree, None)
    return found


ALL_IMPORTS = [found for module in FILES for found in imports_of(module)]


def floor_of(module: str) -> int:
    parts = module.split(".")
    if module == "symnet":
        return RANK["__init__"]
    if parts[1] not in RANK:
        raise AssertionError(f"{module} is on no floor: add {parts[1]!r} to FLOORS")
    return RANK[parts[1]]


def import_graph() -> nx.DiGraph:
    graph = nx.DiGraph()
    graph.add_nodes_from(FILES)
    for found in ALL_IMPORTS:
        if not found.display_hook:
            graph.add_edge(found.importer, found.imported)
    return graph


def test_every_module_is_on_a_floor():
    for module in FILES:
        floor_of(module)


def test_no_import_cycles():
    cycles = [sorted(c) for c in nx.strongly_connected_components(import_graph()) if len(c) > 1]
    assert cycles == [], f"import cycles: {cycles}"


def test_no_import_points_up_the_floors():
    upward = [
        f"{found.importer}:{found.line} imports {found.imported}"
        for found in ALL_IMPORTS
        if not found.display_hook and floor_of(found.imported) > floor_of(found.importer)
    ]
    assert upward == [], "imports that point up the floors:\n" + "\n".join(upward)


def test_display_hooks_are_the_only_upward_imports_and_are_lazy():
    hooks = [found for found in ALL_IMPORTS if found.display_hook]
    assert all(found.lazy for found in hooks)


def test_the_library_never_imports_the_command_line():
    # symnet/__main__.py is not the library: it is `python -m symnet`, the command line.
    reaching = [
        f"{found.importer}:{found.line}"
        for found in ALL_IMPORTS
        if found.imported.startswith("symnet.cli")
        and not found.importer.startswith(("symnet.cli", "symnet.__main__"))
    ]
    assert reaching == []


def test_no_module_reads_another_modules_private_names():
    private = [
        f"{found.importer}:{found.line} takes {name} from {found.imported}"
        for found in ALL_IMPORTS
        for name in found.names
        if name.startswith("_") and not name.startswith("__")
    ]
    modules = {}  # names bound to a symnet module, per importer, to catch module._name
    for found in ALL_IMPORTS:
        if not found.names:
            modules.setdefault(found.importer, set()).add(found.imported.rpartition(".")[2])
    for module, aliases in modules.items():
        tree = ast.parse(FILES[module].read_text())
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in aliases
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
            ):
                private.append(f"{module}:{node.lineno} reads {node.value.id}.{node.attr}")
    assert private == [], "\n".join(private)


@pytest.mark.parametrize("module", sorted(FILES))
def test_modules_stay_readable_in_one_sitting(module):
    lines = [line for line in FILES[module].read_text().splitlines() if line.strip()]
    assert len(lines) <= 400, f"{module} has {len(lines)} non-blank lines; split it by concept"


def _statements(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            yield node.module


def test_the_graph_is_symbolic_and_never_imports_numpy():
    numeric = [
        module
        for module, path in FILES.items()
        if module.startswith("symnet.graph")
        and any(name.split(".")[0] == "numpy" for name in _statements(ast.parse(path.read_text())))
    ]
    assert numeric == [], "numbers meet the graph in symnet.numeric, not in symnet.graph"


#: Functions longer than MAX_FUNCTION_LINES that are tables or templates, and why.
LONG_BY_DESIGN: dict[str, str] = {}
MAX_FUNCTION_LINES = 60


def test_functions_are_short_enough_to_see_whole():
    long = []
    for module, path in FILES.items():
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            body = node.body
            if ast.get_docstring(node) is not None:
                body = body[1:]
            if not body:
                continue
            lines = body[-1].end_lineno - body[0].lineno + 1  # type: ignore[operator]
            name = f"{module}.{node.name}"
            if lines > MAX_FUNCTION_LINES and name not in LONG_BY_DESIGN:
                long.append(f"{name}: {lines} lines")
    assert long == [], "split these into named steps:\n" + "\n".join(long)


def test_imports_inside_functions_say_why():
    """A library import inside a function is there for start-up time; a comment says so."""
    silent = []
    for module, path in FILES.items():
        if module.startswith("symnet.cli"):
            continue  # the command line imports the library lazily by design (cli/__init__)
        lines = path.read_text().splitlines()
        for function in ast.walk(ast.parse("\n".join(lines))):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(function):
                if not isinstance(node, ast.Import | ast.ImportFrom):
                    continue
                group = [lines[node.lineno - 1]]
                above = node.lineno - 2
                while above >= 0 and lines[above].strip().startswith(("import ", "from ", "#")):
                    group.append(lines[above])
                    above -= 1
                if not any("#" in line for line in group):
                    silent.append(f"{module}:{node.lineno}")
    assert silent == [], "say why these imports wait: " + ", ".join(silent)


def test_the_checker_sees_a_cycle_and_an_upward_import(tmp_path):
    """The checks above can fail: a made-up graph with a cycle and an upward edge."""
    graph = nx.DiGraph([("symnet.graph.a", "symnet.graph.b"), ("symnet.graph.b", "symnet.graph.a")])
    assert any(len(c) > 1 for c in nx.strongly_connected_components(graph))
    assert floor_of("symnet.report.build") > floor_of("symnet.graph.network")
    per_package = defaultdict(int)
    for module in FILES:
        per_package[module.split(".")[1] if "." in module else "symnet"] += 1
    assert per_package["graph"] >= 2


def test_every_package_is_listed_for_the_wheel():
    """A regular (non-editable) install ships only the packages pyproject.toml lists."""
    tomllib = pytest.importorskip("tomllib")
    listed = set(
        tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    found = {module for module, path in FILES.items() if path.name == "__init__.py"}
    assert listed == found
