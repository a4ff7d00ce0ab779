"""The public API: every name in ``symnet.__all__`` is the same object whatever was imported.

A submodule named like a public function would replace that function on the package as
soon as it is imported (Python binds ``symnet.<module>`` on import). So no module of
symnet shares a public name, and these tests import every module first, in a fresh
interpreter, and then call every public function.
"""

from __future__ import annotations

import importlib
import importlib.util
import pathlib
import pkgutil
import subprocess
import sys
import textwrap

import pytest

import symnet

ALL_MODULES = sorted(
    module.name for module in pkgutil.walk_packages(symnet.__path__, "symnet.")
) + ["symnet.cli"]


def test_no_module_is_named_like_a_public_name():
    for name in symnet.__all__:
        assert importlib.util.find_spec(f"symnet.{name}") is None, name


def test_no_package_binds_a_name_that_is_also_one_of_its_modules():
    for name in ALL_MODULES:
        module = importlib.import_module(name)
        if not hasattr(module, "__path__"):
            continue
        for info in pkgutil.iter_modules(module.__path__):
            bound = vars(module).get(info.name)
            assert bound is None or type(bound).__name__ == "module", f"{name}.{info.name}"


def test_every_public_name_is_documented_in_the_readme():
    readme = (pathlib.Path(__file__).parent.parent / "README.md").read_text()
    missing = [name for name in symnet.__all__ if f"`{name}" not in readme]
    assert missing == []


@pytest.mark.parametrize("name", symnet.__all__)
def test_public_names_resolve_to_their_defining_modules_object(name):
    defining = importlib.import_module(symnet._PUBLIC[name])
    assert getattr(symnet, name) is getattr(defining, name)


def test_every_public_function_works_after_every_module_was_imported():
    """In a fresh interpreter: import every module (the CLI's too), then use the API."""
    script = textwrap.dedent(
        f"""
        import importlib
        import symnet
        from symnet.numeric.trace import Trace
        import symnet.training
        for module in {ALL_MODULES!r}:
            importlib.import_module(module)
        assert isinstance(symnet.trace("1-1:relu", [5], {{"w1": -1}}), Trace)
        result = symnet.train("2-3:relu-1:sigmoid", "xor", epochs=2, seed=0)
        assert result.epochs == 2
        net = symnet.build_network("3-2-2-1")
        assert isinstance(net, symnet.Network)
        assert symnet.parse_spec("3-2-2-1").widths == (3, 2, 2, 1)
        assert symnet.collapse(net).paths == 12
        assert symnet.add_loss(symnet.build_network("2-1"), "mse").loss == "mse"
        assert symnet.derive("2-1", wrt="w1").proof.holds
        compiled = symnet.compile_network(symnet.build_network("2-1"))
        assert compiled.forward([[1.0, 2.0]], [1.0, 1.0])["y"][0] == 3.0
        assert symnet.check_gradients("2-2:tanh-1", torch=False).passed
        assert symnet.diagram("3-2-2-1").view == "network"
        assert symnet.approximate("x**2", 4, "0,1").units == 4
        assert str(symnet.parse_expression("relu(x)")) == "ReLU(x)"
        assert set(symnet.KERNELS) >= {{"outline", "blur", "sharpen"}}
        product = symnet.dot_product("sharpen", (0, 0)).expression
        assert str(product) == "-p_{{0,1}} - p_{{1,0}} + 5*p_{{1,1}} - p_{{1,2}} - p_{{2,1}}"
        assert symnet.filter_image([[1.0] * 3] * 3, "blur").shape == (1, 1)
        assert "relu" in symnet.ACTIVATIONS
        assert issubclass(symnet.SpecError, (symnet.SymnetError, ValueError))
        assert issubclass(symnet.SizeLimitError, symnet.SymnetError)
        assert issubclass(symnet.VerificationError, AssertionError)
        report = symnet.report.build_report("3-2-2-1", sections="network")
        assert [s.key for s in report.sections] == ["network"]
        print("ok")
        """
    )
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert run.returncode == 0 and run.stdout.strip().endswith("ok"), run.stderr[-2000:]


def test_load_model_reads_what_train_writes(tmp_path):
    path = tmp_path / "xor.npz"
    symnet.train("2-3:relu-1:sigmoid", "xor", epochs=2, seed=0, output=path)
    assert symnet.load_model(path).spec == symnet.parse_spec("2-3:relu-1:sigmoid")


def test_subpackages_load_on_first_use_and_unknown_names_are_refused():
    assert symnet.report.build_report is importlib.import_module("symnet.report.build").build_report
    assert "graph" in dir(symnet) and "trace" in dir(symnet)
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        symnet.nope  # noqa: B018
