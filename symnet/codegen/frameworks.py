"""SymPy expressions printed as PyTorch or JAX code: formula activations and losses elsewhere.

A formula activation (``z*sigmoid(z)``) or loss is a SymPy tree the whitelist parser built.
To run it in another framework it is printed with SymPy's own PyTorch and JAX printers,
extended by one table, :data:`FRAMEWORK_FUNCTIONS`: each of symnet's SymPy functions as the
framework's *own* function (``torch.sigmoid``, ``torch.nn.functional.gelu``), never as
symnet's NumPy code. :func:`framework_function` compiles the printed text with
``sympy.lambdify`` (the PyTorch oracle evaluates formulas this way, then differentiates by
autograd); :func:`framework_text` gives the text for an exported module.

>>> import sympy as sp
>>> from symnet.graph.activations import sigmoid
>>> z = sp.Symbol("z")
>>> framework_text(z * sigmoid(z), "torch"), framework_text(sp.Abs(z) + sp.exp(z), "jax")
('z*torch.sigmoid(z)', 'jax.numpy.exp(z) + abs(z)')
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import sympy as sp
from sympy.printing.numpy import JaxPrinter
from sympy.printing.pytorch import TorchPrinter

from symnet.exceptions import SpecError

__all__ = ["FRAMEWORK_FUNCTIONS", "framework_function", "framework_text"]

_F = "torch.nn.functional"
#: symnet SymPy function name -> (PyTorch call, JAX call), ``{0}``, ``{1}`` its arguments.
FRAMEWORK_FUNCTIONS: dict[str, tuple[str, str]] = {
    "ReLU": ("torch.relu({0})", "jax.nn.relu({0})"),
    "LeakyReLU": (_F + ".leaky_relu({0}, {1})", "jax.nn.leaky_relu({0}, {1})"),
    "sigmoid": ("torch.sigmoid({0})", "jax.nn.sigmoid({0})"),
    "tanh": ("torch.tanh({0})", "jax.numpy.tanh({0})"),
    "softplus": (_F + ".softplus({0})", "jax.nn.softplus({0})"),
    "ELU": (_F + ".elu({0})", "jax.nn.elu({0})"),
    "SELU": (_F + ".selu({0})", "jax.nn.selu({0})"),
    "GELU": (_F + ".gelu({0})", "jax.nn.gelu({0}, approximate=False)"),
    "GELU_tanh": (_F + ".gelu({0}, approximate='tanh')", "jax.nn.gelu({0}, approximate=True)"),
    "SiLU": (_F + ".silu({0})", "jax.nn.silu({0})"),
    "Mish": (_F + ".mish({0})", "({0} * jax.numpy.tanh(jax.nn.softplus({0})))"),
    "absolute": ("torch.abs({0})", "jax.numpy.abs({0})"),
    "Max": ("torch.maximum({0}, torch.as_tensor({1}))", "jax.numpy.maximum({0}, {1})"),
    "Min": ("torch.minimum({0}, torch.as_tensor({1}))", "jax.numpy.minimum({0}, {1})"),
    "huber": (
        _F + ".huber_loss({0}, torch.zeros_like({0}), reduction='none')",
        "jax.numpy.where(jax.numpy.abs({0}) <= 1, {0} ** 2 / 2, jax.numpy.abs({0}) - 0.5)",
    ),
}
_DEFAULT_ARGUMENTS = {"LeakyReLU": (sp.Rational(1, 100),)}
_COLUMN = {"torch": 0, "jax": 1}


def _call(printer, expr) -> str | None:
    name = type(expr).__name__
    if name not in FRAMEWORK_FUNCTIONS:
        return None
    args = expr.args + _DEFAULT_ARGUMENTS.get(name, ())[len(expr.args) - 1 :]
    if name in ("Max", "Min") and len(args) > 2:  # nested pairs, right to left
        args = (args[0], type(expr)(*args[1:]))
    if name in ("Max", "Min") and args[0].is_number:  # the tensor first
        args = (args[1], args[0])
    template = FRAMEWORK_FUNCTIONS[name][printer.column]
    return template.format(*(printer._print(arg) for arg in args))


class _FrameworkCalls:
    """symnet's functions, Max and Min as the framework's own calls; the rest to SymPy's printer."""

    def _print_Function(self, expr):
        return _call(self, expr) or super()._print_Function(expr)

    def _print_Max(self, expr):
        return _call(self, expr)

    def _print_Min(self, expr):
        return _call(self, expr)


class _TorchFormulaPrinter(_FrameworkCalls, TorchPrinter):
    column = 0


class _JaxFormulaPrinter(_FrameworkCalls, JaxPrinter):
    column = 1


_PRINTERS: dict[str, type[TorchPrinter] | type[JaxPrinter]] = {
    "torch": _TorchFormulaPrinter,
    "jax": _JaxFormulaPrinter,
}


def framework_text(expr: sp.Expr, framework: str) -> str:
    """``expr`` as PyTorch or JAX code over its symbols' names (``SpecError``: cannot print).

    Scalars stay Python numbers; every function is the framework's own.
    """
    if framework not in _PRINTERS:
        raise SpecError(f"framework must be one of torch, jax; got {framework!r}")
    try:
        return _PRINTERS[framework]({"strict": True}).doprint(expr)
    except Exception as error:  # noqa: BLE001 - SymPy raises several kinds for "unsupported"
        raise SpecError(
            f"the formula {str(expr)[:60]!r} cannot be written for {framework}: {error}"
        ) from None


def framework_function(expr: sp.Expr, variables: Sequence[str], framework: str) -> Callable:
    """``expr`` compiled as a function of ``variables`` in ``framework`` (imported by lambdify)."""
    symbols = [sp.Symbol(v) for v in variables]
    framework_text(expr, framework)  # refuses what cannot be printed, in one line
    return sp.lambdify(symbols, expr, modules=[framework], printer=_PRINTERS[framework])
