"""Check a PyTorch module's gradients against symnet's derivation: :func:`check_module`.

The module's architecture and weights are read with
:func:`symnet.interop.torch_import.read_torch`; its own autograd (custom
``torch.autograd.Function`` backward passes included) gives one gradient per parameter of
the mean loss over the batch, and :func:`symnet.interop.backprop_check.check_backprop`
compares them with symnet's, entry by entry, with its diagnosis and formulas. A module of
the user's own that :func:`~symnet.interop.torch_import.from_torch` does not know is
recognised by its forward values: an elementwise module whose outputs equal one of
symnet's activations on a probe is read as that activation, and a module with a ``weight``
(out, in) and a ``bias`` whose outputs equal ``x W^T + b`` as a dense layer. Its forward
pass is then checked too: the module's outputs must equal symnet's.

NOTE: the loss is computed from the module's outputs y, so a custom backward of the output
activation is exercised too: bce = -(t log y + (1 - t) log(1 - y)) and ce = -sum t log y
(the same gradients as symnet's, which takes them from the output sums); the others as
:func:`symnet.testing.torch_oracle.per_sample_loss`. The first wrong gradient going back
from the loss points at the module whose backward is wrong: every parameter after it is
right, so the error enters between that layer and the next layer with parameters.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from symnet.exceptions import SpecError, VerificationError
from symnet.graph.registry import ACTIVATION_NAMES
from symnet.interop.assembly import Imported, Step
from symnet.interop.backprop_check import check_backprop
from symnet.interop.layouts import Layout
from symnet.interop.results import BackpropReport, ParameterCheck
from symnet.interop.torch_import import read_torch, supported_modules, torch_modules
from symnet.seeds import random_generator
from symnet.testing.torch_oracle import per_sample_loss, torch_activation

__all__ = ["ModuleReport", "check_module", "recognise_modules"]

#: The probe on which an unknown module's outputs are compared with an activation's:
#: never exactly 0, where ReLU-like activations have a kink.
_PROBE = np.linspace(-3.05, 2.95, 61)


@dataclass(frozen=True, eq=False)
class ModuleReport:
    """What :func:`check_module` read and found: the imported spec, the forward check and
    the per-parameter gradient check (:class:`~symnet.interop.results.BackpropReport`)."""

    spec: str
    dtype: str
    recognised: tuple[str, ...]
    forward_error: float
    forward_passed: bool
    gradients: BackpropReport
    suspects: tuple[str, ...]
    custom: tuple[str, ...]

    @property
    def passed(self) -> bool:
        return self.forward_passed and self.gradients.passed

    @property
    def first_wrong(self) -> ParameterCheck | None:
        """The first wrong gradient met going back from the loss: of the last layer with a
        wrong gradient, its first wrong array (the weights before the bias)."""
        failures = self.gradients.failures
        if not failures:
            return None
        return next(row for row in failures if row.layer == failures[-1].layer)

    def failure_message(self) -> str:
        """One line: where the module's gradients first go wrong ('' when it passed)."""
        if not self.forward_passed:
            custom = ", ".join(self.custom) or "its modules"
            return (
                f"the module's outputs differ from symnet's forward pass of {self.spec} by up "
                f"to {self.forward_error:.3g}; check the forward of {custom}"
            )
        first = self.first_wrong
        if first is None:
            return ""
        rows = [row for row in self.gradients.failures if row.layer == first.layer]
        suspects = [s for s in self.suspects if s in self.custom] or list(self.suspects)
        return (
            f"the gradients of {' and '.join(r.name for r in rows)} (symnet's "
            f"{', '.join(r.symnet_name for r in rows)}) are the first wrong ones going back "
            f"from the loss, off by up to {max(r.abs_error for r in rows):.3g}; every "
            f"parameter after them is right, so look at the backward of {' or '.join(suspects)}"
            + (f" ({first.diagnosis})" if first.diagnosis else "")
        )

    def to_dict(self) -> dict[str, Any]:
        first = self.first_wrong
        return {
            "spec": self.spec,
            "dtype": self.dtype,
            "recognised": list(self.recognised),
            "forward_error": self.forward_error,
            "forward_passed": self.forward_passed,
            "first_wrong": None if first is None else first.name,
            "suspects": list(self.suspects) if first is not None else [],
            "message": self.failure_message(),
            **{k: v for k, v in self.gradients.to_dict().items() if k != "spec"},
            "passed": self.passed,
        }

    def to_text(self) -> str:
        lines = [f"PyTorch module read as {self.spec} ({self.dtype})"]
        lines += [f"  {line}" for line in self.recognised]
        verdict = "ok" if self.forward_passed else "WRONG"
        lines.append(f"forward pass: max abs difference {self.forward_error:.2e}  {verdict}")
        lines.append(self.gradients.to_text())
        lines.append("PASSED" if self.passed else f"FAILED: {self.failure_message()}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.to_text()


def _forward_matches(module, x, expected, dtype) -> bool:
    import torch  # optional: the module given is a torch object already

    try:
        with torch.no_grad():
            y = module(x).detach().cpu().numpy()
    except Exception:  # the probe does not suit the module: it is not this kind of step
        return False
    tol = 1e-9 if dtype == np.float64 else 1e-5
    return y.shape == expected.shape and bool(np.allclose(y, expected, rtol=tol, atol=tol))


def _as_activation(module, dtype) -> str | None:
    """The activation of symnet's table whose values ``module`` reproduces on the probe."""
    import torch  # optional: see _forward_matches

    z = torch.tensor(_PROBE[None, :], dtype=dtype)
    for name in ACTIVATION_NAMES:
        expected = torch_activation(name)(z).detach().cpu().numpy()
        if _forward_matches(module, z, expected, dtype):
            return name
    return None


def _as_dense(module, dtype) -> bool:
    """Whether ``module`` (with ``weight`` (out, in) and maybe ``bias``) computes x W^T + b."""
    import torch  # optional: see _forward_matches

    params = dict(module.named_parameters())
    weight, bias = params.get("weight"), params.get("bias")
    if weight is None or weight.ndim != 2 or set(params) - {"weight", "bias"}:
        return False
    W = weight.detach().cpu().numpy()
    x = random_generator(0).normal(size=(3, W.shape[1]))
    expected = x @ W.T + (0 if bias is None else bias.detach().cpu().numpy())
    return _forward_matches(module, torch.tensor(x, dtype=dtype), expected, dtype)


def _torch_own(module) -> bool:
    """Whether ``module`` is of one of torch's own classes (not a class of the user's)."""
    import torch  # optional: see _forward_matches

    return getattr(torch.nn, type(module).__name__, None) is type(module)


def recognise_modules(module, activations: Mapping | None = None) -> tuple[dict, list[str]]:
    """The modules of the user's own in ``module`` that symnet can read, by their forward
    values: (activations by module name, names of dense modules). Named in ``activations``
    already, or torch's own: left alone. SpecError for one that matches nothing."""
    import torch  # optional: see _forward_matches

    known, given = set(supported_modules()), dict(activations or {})
    dtype = next((p.dtype for p in module.parameters()), torch.float64)
    found, dense = {}, []
    for name, child in torch_modules(module):
        kind = type(child)
        named = {name, kind, kind.__name__} & set(given)
        if named or (_torch_own(child) and kind.__name__ in known):
            continue
        if list(child.parameters()):
            if _as_dense(child, dtype):
                dense.append(name)
                continue
        else:
            activation = _as_activation(child, dtype)
            if activation is not None:
                found[name] = activation
                continue
        raise SpecError(
            f"module {name} ({type(child).__name__}) is none of the modules symnet reads, and "
            "its forward values match none of symnet's activations nor x W^T + b; say what it "
            f"computes: activations={{'{name}': 'tanh'}}"
        )
    return found, dense


def _torch_gradients(module, X: np.ndarray, T: np.ndarray, loss: str):
    """(outputs, gradients by parameter name) of the module's autograd on the mean loss.

    The module's own ``.grad`` values are put back afterwards.
    """
    import torch  # optional: see _forward_matches

    params = dict(module.named_parameters())
    dtype = next(iter(params.values())).dtype
    saved = {name: p.grad for name, p in params.items()}
    try:
        for p in params.values():
            p.grad = None
        y = module(torch.tensor(X, dtype=dtype))
        t = torch.tensor(T, dtype=dtype)
        if loss == "bce":
            per_sample = -(t * torch.log(y) + (1 - t) * torch.log(1 - y)).sum(dim=1)
        elif loss == "ce":
            per_sample = -(t * torch.log(y)).sum(dim=1)
        else:
            per_sample = per_sample_loss(loss, y, y, t)
        per_sample.mean().backward()
        grads = {
            name: (torch.zeros_like(p) if p.grad is None else p.grad).detach().cpu().numpy()
            for name, p in params.items()
        }
        return y.detach().cpu().numpy(), grads
    finally:
        for name, p in params.items():
            p.grad = saved[name]


def _layout(imported: Imported) -> Layout:
    """The torch layout of the module's parameters: its prefixes, with biases or without."""
    spec = imported.model.spec
    names = [name for name, _ in spec.parameter_shapes()]
    prefixes = tuple(imported.parameters[n].rpartition(".")[0] for n in names if n[0] in "WK")
    biases = {n in imported.parameters for n in names if n.startswith("b")}
    if len(biases) > 1:
        raise SpecError(
            "check_module takes a module whose Linear and Conv2d layers all have a bias or "
            "none has; give the others bias=True"
        )
    return Layout(names="torch", prefixes=prefixes, bias="vector" if True in biases else "none")


def _suspects(imported: Imported, report: BackpropReport) -> tuple[str, ...]:
    """The modules to look at for the first wrong layer going back from the loss.

    When some of its gradients are right, the error is in its own parameter gradients (its
    module). When all are wrong, the error may also enter on the way to it: its activation,
    any pooling or flatten after it, the next layer's backward to its inputs.
    """
    failures = report.failures
    if not failures:
        return ()
    layer = failures[-1].layer
    own = imported.layers[layer - 1]
    if any(row.passed for row in report.rows if row.layer == layer):
        return (own[0].where,)
    steps: list[Step] = list(own)
    for after in imported.layers[layer:]:
        if after[0].kind in ("dense", "conv"):
            steps.append(after[0])
            break
        steps.extend(after)
    return tuple(step.where for step in steps)


def _tolerances(dtype: str, atol: float | None, rtol: float | None) -> tuple[float, float]:
    """The tolerances given, else float64's (1e-6, 1e-4) or float32's (1e-5, 1e-3)."""
    default = (1e-6, 1e-4) if dtype == "float64" else (1e-5, 1e-3)
    return (default[0] if atol is None else atol, default[1] if rtol is None else rtol)


def check_module(
    module,
    X: Any,
    T: Any,
    loss: str | None = None,
    *,
    input_shape: int | Sequence[int] | None = None,
    activations: Mapping | None = None,
    atol: float | None = None,
    rtol: float | None = None,
    raise_on_failure: bool = False,
) -> ModuleReport:
    """Compare a PyTorch module's autograd gradients with symnet's symbolic ones.

    Parameters
    ----------
    module : torch.nn.Sequential
        Of the modules :func:`symnet.interop.torch_import.from_torch` reads, and modules of
        your own (custom ``autograd.Function`` inside) recognised by their forward values
        or named in ``activations``. Its ``.grad`` values are left as they were.
    X, T : arrays
        Inputs (N, features), or images (N, C, H, W), and targets (N, outputs); class
        indices (N,) for the ce loss.
    loss : str, optional
        By default the one ``symnet train`` picks for the output layer (mse, bce, ce).
    input_shape, activations
        As for :func:`~symnet.interop.torch_import.from_torch`.
    atol, rtol : float, optional
        An entry passes when |torch's - symnet's| <= atol + rtol |symnet's|; by default
        1e-6 and 1e-4 for a float64 module, 1e-5 and 1e-3 for float32.
    raise_on_failure : bool
        Raise ``VerificationError`` with :meth:`ModuleReport.failure_message` on a mismatch.

    Returns
    -------
    ModuleReport
        ``passed``, ``first_wrong`` (the first wrong parameter going back from the loss),
        ``suspects`` (the modules whose backward to look at) and, per parameter, the errors,
        the first wrong entry with its formula and a diagnosis.

    >>> import pytest; torch = pytest.importorskip("torch")
    >>> net = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Tanh(), torch.nn.Linear(3, 1))
    >>> X, T = np.array([[0.5, -1.0], [2.0, 0.3]]), np.array([[1.0], [0.0]])
    >>> check_module(net.double(), X, T).passed
    True
    """
    found, dense = recognise_modules(module, activations)
    imported = read_torch(module, input_shape, loss, {**(activations or {}), **found}, dense)
    model, layout = imported.model, _layout(imported)
    atol, rtol = _tolerances(model.dtype, atol, rtol)
    Xr = layout.inputs_to_rows(model.spec, X)
    Tr = layout.targets_to_rows(model.spec, T, len(Xr))
    image = model.spec.image
    Y, grads = _torch_gradients(
        module, Xr.reshape(len(Xr), *image.shape) if image else Xr, Tr, model.loss
    )
    expected = model.program.forward(Xr, [p.astype(np.float64) for p in model.params])
    difference = np.abs(Y.reshape(expected.shape) - expected)
    params = {
        name: p.detach().cpu().numpy().astype(np.float64) for name, p in module.named_parameters()
    }
    gradients = check_backprop(
        lambda given, X, T: grads,  # the module's own weights: params below are a copy
        model,
        Xr,
        Tr,
        params=params,
        layout=layout,
        atol=atol,
        rtol=rtol,
    )
    recognised = [
        f"module {n} read as {a} (its forward values are {a}'s)" for n, a in found.items()
    ]
    recognised += [
        f"module {n} read as a dense layer (its forward values are x Wᵀ + b)" for n in dense
    ]
    custom = {name for name, child in torch_modules(module) if not _torch_own(child)}
    report = ModuleReport(
        spec=str(model.spec),
        dtype=model.dtype,
        recognised=tuple(recognised),
        forward_error=float(difference.max(initial=0.0)),
        forward_passed=bool(np.all(difference <= atol + rtol * np.abs(expected))),
        gradients=gradients,
        suspects=_suspects(imported, gradients),
        custom=tuple(s.where for layer in imported.layers for s in layer if s.module in custom),
    )
    if raise_on_failure and not report.passed:
        raise VerificationError(report.failure_message())
    return report
