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

The names below are loaded on first use, so ``import symnet`` (and the ``symnet``
command's ``--help``) stays fast.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

# Public name -> the module that defines it. Keep this list small and documented in README.
_PUBLIC = {
    "parse_spec": "symnet.graph.spec",
    "build_network": "symnet.graph.network",
    "Network": "symnet.graph.network",
    "ACTIVATIONS": "symnet.graph.activations",
    "collapse": "symnet.expressivity.collapse",
    "trace": "symnet.numeric.trace",
    "add_loss": "symnet.graph.losses",
    "derive": "symnet.calculus.derivation",
    "compile_network": "symnet.codegen.scalar",
    "check_gradients": "symnet.testing.gradients",
    "diagram": "symnet.render.network",
    "train": "symnet.training.loop",
    "load_model": "symnet.training.modelfile",
    "approximate": "symnet.expressivity.approximation",
    "parse_expression": "symnet.parse",
    "KERNELS": "symnet.conv.kernels",
    "dot_product": "symnet.conv.filters",
    "filter_image": "symnet.conv.filters",
    "SymnetError": "symnet.exceptions",
    "SpecError": "symnet.exceptions",
    "SizeLimitError": "symnet.exceptions",
    "VerificationError": "symnet.exceptions",
}

__all__ = sorted(_PUBLIC)


def __getattr__(name: str):
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'symnet' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_PUBLIC))
