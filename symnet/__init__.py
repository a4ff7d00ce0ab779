"""symnet: the mathematics of neural networks, visible and checkable.

A network is a graph of SymPy expressions. From that one object symnet expands the
linearity collapse, derives every chain-rule partial, draws diagrams, proves that
symbolic, compiled and finite-difference gradients agree, and compiles to NumPy.

>>> import symnet
>>> net = symnet.build_network("3-2-2-1", names="seed")
>>> net.definition("y")
C*w11 + D*w12
>>> symnet.collapse(net).paths
12

The public names below are loaded on first use, so ``import symnet`` (and the ``symnet``
command's ``--help``) stays fast. No public name is also the name of a module of symnet,
so each one is the same object whatever else has been imported. The subpackages
(``symnet.graph``, ``symnet.report``, ...) load on first use too:
``symnet.report.build_report(spec)`` works after a plain ``import symnet``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

__version__ = "0.1.0"

# Public name -> the module that defines it. Keep this list small and documented in README.
_PUBLIC = {
    "parse_spec": "symnet.graph.spec",
    "build_network": "symnet.graph.build",
    "Network": "symnet.graph.network",
    "ACTIVATIONS": "symnet.graph.activations",
    "collapse": "symnet.expressivity.collapse",
    "trace": "symnet.numeric.trace",
    "add_loss": "symnet.graph.losses",
    "derive": "symnet.calculus.derivation",
    "compile_network": "symnet.codegen.scalar",
    "check_gradients": "symnet.testing.gradients",
    "check_backprop": "symnet.interop.backprop_check",
    "check_module": "symnet.interop.modules",
    "from_torch": "symnet.interop.torch_import",
    "from_onnx": "symnet.interop.onnx_import",
    "diagram": "symnet.render.views",
    "train": "symnet.training.loop",
    "load_model": "symnet.training.modelfile",
    "approximate": "symnet.expressivity.approximation",
    "parse_expression": "symnet.parse",
    "Program": "symnet.parse.program",
    "formulas": "symnet.parse.formula_text",
    "KERNELS": "symnet.conv.kernels",
    "dot_product": "symnet.conv.dot_product",
    "filter_image": "symnet.conv.filters",
    "SymnetError": "symnet.exceptions",
    "SpecError": "symnet.exceptions",
    "SizeLimitError": "symnet.exceptions",
    "VerificationError": "symnet.exceptions",
}

#: The subpackages and modules ``symnet.<name>`` reaches without importing them first.
_SUBMODULES = (
    "calculus",
    "codegen",
    "conv",
    "demos",
    "exceptions",
    "expressivity",
    "files",
    "graph",
    "interop",
    "numeric",
    "parse",
    "render",
    "report",
    "testing",
    "training",
)

__all__ = sorted(_PUBLIC)

if TYPE_CHECKING:  # what the lazy names are, for type checkers and editors
    from symnet.calculus.derivation import derive
    from symnet.codegen.scalar import compile_network
    from symnet.conv.dot_product import dot_product
    from symnet.conv.filters import filter_image
    from symnet.conv.kernels import KERNELS
    from symnet.exceptions import SizeLimitError, SpecError, SymnetError, VerificationError
    from symnet.expressivity.approximation import approximate
    from symnet.expressivity.collapse import collapse
    from symnet.graph.activations import ACTIVATIONS
    from symnet.graph.build import build_network
    from symnet.graph.losses import add_loss
    from symnet.graph.network import Network
    from symnet.graph.spec import parse_spec
    from symnet.interop.backprop_check import check_backprop
    from symnet.interop.modules import check_module
    from symnet.interop.onnx_import import from_onnx
    from symnet.interop.torch_import import from_torch
    from symnet.numeric.trace import trace
    from symnet.parse import parse_expression
    from symnet.parse.formula_text import formulas
    from symnet.parse.program import Program
    from symnet.render.views import diagram
    from symnet.testing.gradients import check_gradients
    from symnet.training.loop import train
    from symnet.training.modelfile import load_model


def __getattr__(name: str):
    module = _PUBLIC.get(name)
    if module is not None:
        value = getattr(importlib.import_module(module), name)
        globals()[name] = value
        return value
    if name in _SUBMODULES:
        return importlib.import_module(f"symnet.{name}")
    raise AttributeError(f"module 'symnet' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_PUBLIC) | set(_SUBMODULES))
