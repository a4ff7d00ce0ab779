"""Check the user's own backprop: their gradient arrays against symnet's derivation.

:func:`check_backprop` calls the user's ``grad_fn(params, X, T)`` (their NumPy, JAX or
hand-written code, returning one gradient array per parameter array) and compares each
array with symnet's gradient at the same parameters and data. symnet's gradient is the
generated layer-level backprop (:func:`symnet.codegen.program.compile_layers`), the code
proven equal to the scalar derivation weight by weight. The user's layout (names,
``(in, out)`` weights, samples as columns, biases shaped (n, 1)) is read off their
arrays or given (:mod:`symnet.interop.layouts`) and stated in the result. Per parameter
the result gives the largest absolute and relative error, the verdict, the first wrong
entry with the formula it should equal (:mod:`symnet.interop.formulas`) and a diagnosis
where a usual slip fits (:mod:`symnet.interop.diagnosis`).

>>> import numpy as np
>>> from symnet.codegen.program import compile_layers
>>> def grad_fn(params, X, T):   # symnet's own gradient: a backprop that is right
...     _, grads = compile_layers("2-3:tanh-1", "mse").step(X, T, list(params.values()))
...     return dict(zip(params, grads))
>>> X, T = np.array([[0.5, -1.0], [2.0, 0.3]]), np.array([[1.0], [0.0]])
>>> check_backprop(grad_fn, "2-3:tanh-1", X, T).passed
True
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from symnet.codegen.layout import layer_arrays
from symnet.codegen.program import compile_layers
from symnet.exceptions import DataError, SpecError, VerificationError
from symnet.graph.guards import check_training
from symnet.graph.losses import LOSS_FORMULAS, check_loss, default_loss, describe_loss
from symnet.graph.size import graph_edges
from symnet.graph.spec import NetworkSpec, parse_spec
from symnet.interop.diagnosis import diagnose, slipped_gradients
from symnet.interop.formulas import EntryFormulas
from symnet.interop.layouts import ArrayMap, Layout, lookup, resolve_layout
from symnet.interop.results import BackpropReport, ParameterCheck, WrongEntry
from symnet.parse.formula_text import formulas
from symnet.training.modelfile import Model, initial_parameters, load_model

__all__ = ["MAX_SLIP_EDGES", "check_backprop", "compare_gradients"]

# NOTE: each slip re-evaluates the whole derivation level by level: about 1 s per slip
# for 300 edges on a busy two-core machine, and a layer has four or five slips.
#: The largest scalar graph (edges) on which wrong activation derivatives are recomputed.
MAX_SLIP_EDGES = 150

GradFn = Callable[[dict[str, np.ndarray], Any, Any], Mapping[str, Any]]


def _source(model_or_spec, loss: str | None) -> tuple[NetworkSpec, str, Model | None, str | None]:
    """(spec, loss, the model or None, the model file's name or None)."""
    model, path = None, None
    if isinstance(model_or_spec, os.PathLike) or (
        isinstance(model_or_spec, str) and model_or_spec.endswith(".npz")
    ):
        path = os.fspath(model_or_spec)
        model = load_model(path)
    elif isinstance(model_or_spec, Model):
        model = model_or_spec
    if model is not None:
        if loss is not None and loss != model.loss:
            raise SpecError(f"the model was trained with loss={model.loss!r}; got loss={loss!r}")
        return model.spec, model.loss, model, path
    if not isinstance(model_or_spec, str | NetworkSpec):
        raise SpecError(
            "model_or_spec must be a spec, a symnet Model or a model file's path; got "
            f"{type(model_or_spec).__name__}"
        )
    spec = parse_spec(model_or_spec)
    loss = default_loss(spec, training=True) if loss is None else loss
    check_loss(spec, loss)
    return spec, loss, None, None


def _symnet_params(maps: Sequence[ArrayMap], params: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """The user's parameter arrays in symnet's layout, checked."""
    found = {}
    for m in maps:
        value = lookup(params, m.user)
        if value is None:
            raise DataError(f"params has no array {m.user!r} ({m.symnet}, shape {m.symnet_shape})")
        array = np.asarray(value, dtype=np.float64)
        if array.shape != m.user_shape or not np.all(np.isfinite(array)):
            raise DataError(
                f"params[{m.user!r}] must be {m.user_shape} finite numbers; got shape {array.shape}"
            )
        found[m.symnet] = m.to_symnet(array)
    return found


def _full_params(spec: NetworkSpec, given: dict[str, np.ndarray]) -> list[np.ndarray]:
    """Every array of ``spec`` in order; biases the user's network lacks are 0."""
    return [given.get(name, np.zeros(shape)) for name, shape in spec.parameter_shapes()]


def _user_grads(grads: Any, maps: Sequence[ArrayMap]) -> dict[str, np.ndarray]:
    if not isinstance(grads, Mapping):
        raise DataError(
            f"grad_fn must return a dict of gradient arrays by name; got {type(grads).__name__}"
        )
    found = {}
    for m in maps:
        value = lookup(grads, m.user)
        if value is None:
            names = ", ".join(str(k)[:40] for k in grads) or "none"
            raise DataError(f"the gradients have no array {m.user!r} (for {m.symnet}); got {names}")
        try:
            array = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError):
            raise DataError(f"the gradient {m.user!r} is not an array of numbers") from None
        if array.size == int(np.prod(m.user_shape)) and m.kind == "bias":
            array = array.reshape(m.user_shape)  # NOTE: (n,), (n, 1), (1, n): one bias
        found[m.user] = array
    return found


def compare_gradients(
    maps: Sequence[ArrayMap],
    yours: Mapping[str, np.ndarray],
    expected: Mapping[str, np.ndarray],
    *,
    loss: str,
    batch: int,
    atol: float,
    rtol: float,
    params: Mapping[str, np.ndarray] | None = None,
    entry_formulas: EntryFormulas | None = None,
    slips: Callable[[], Iterator[tuple[str, dict[str, np.ndarray]]]] | None = None,
) -> tuple[ParameterCheck, ...]:
    """One :class:`ParameterCheck` per array of ``maps``.

    ``yours`` maps the user's names to their gradients (user layout); ``expected`` and
    ``params`` map symnet's names to symnet's gradients and parameter values (symnet's
    layout); ``slips`` yields (label, symnet name -> gradient) recomputed with a slip, for
    the diagnosis. An entry passes when ``|yours - symnet's| <= atol + rtol |symnet's|``.
    """
    cache: list[tuple[str, dict[str, np.ndarray]]] | None = None

    def slipped_for(m: ArrayMap) -> Iterator[tuple[str, np.ndarray]]:
        nonlocal cache
        if slips is None:
            return
        if cache is None:
            cache = list(slips())
        for label, arrays in cache:
            yield label, m.to_user(arrays[m.symnet])

    rows = []
    for m in maps:
        G, R = yours[m.user], m.to_user(expected[m.symnet])
        values = None if params is None else m.to_user(params[m.symnet])
        rows.append(
            _check_one(
                m, G, R, values, loss, batch, atol, rtol, entry_formulas, lambda m=m: slipped_for(m)
            )
        )
    return tuple(rows)


def _check_one(m, G, R, values, loss, batch, atol, rtol, entry_formulas, slips) -> ParameterCheck:
    base = {
        "name": m.user,
        "symnet_name": m.symnet,
        "layer": m.layer,
        "kind": m.kind,
        "shape": m.user_shape,
    }
    if G.shape != R.shape or not np.all(np.isfinite(G)):
        finite = bool(np.all(np.isfinite(G)))
        why = None if finite else "not finite: your gradient holds NaN or infinite entries"
        why = why or diagnose(G, R, name=m.user, batch=batch, loss=loss, atol=atol, rtol=rtol)
        # NOTE: an array that cannot be compared entry by entry counts as missing: its
        # error is symnet's largest entry, relative error 1 (finite, so JSON can hold it).
        missing = float(np.max(np.abs(R), initial=0.0))
        return ParameterCheck(**base, abs_error=missing, rel_error=1.0, passed=False, diagnosis=why)
    error = np.abs(G - R)
    wrong = ~(error <= atol + rtol * np.abs(R))
    rel = error / np.maximum(np.abs(R), max(atol, np.finfo(float).tiny))
    check = ParameterCheck(
        **base,
        abs_error=float(error.max(initial=0.0)),
        rel_error=float(rel.max(initial=0.0)),
        passed=not wrong.any(),
    )
    if check.passed:
        return check
    index = tuple(int(i) for i in np.unravel_index(int(np.argmax(wrong)), G.shape))
    symnet_index = m.symnet_index(index)
    formula = entry_formulas.formula(m.symnet, symnet_index) if entry_formulas else None
    entry = WrongEntry(
        index,
        symnet_index,
        float(G[index]),
        float(R[index]),
        formula.scalar if formula else None,
        formula.expression if formula else "",
        formula.deltas if formula else (),
        formula.text if formula else "",
    )
    why = diagnose(
        G, R, name=m.user, batch=batch, loss=loss, atol=atol, rtol=rtol, values=values, slips=slips
    )
    return ParameterCheck(**{**check.__dict__, "first_wrong": entry, "diagnosis": why})


def check_backprop(
    grad_fn: GradFn,
    model_or_spec: str | NetworkSpec | Model | os.PathLike[str],
    X: Any,
    T: Any,
    loss: str | None = None,
    params: Mapping[str, Any] | None = None,
    *,
    layout: Layout | str | None = None,
    seed: int = 0,
    atol: float = 1e-6,
    rtol: float = 1e-4,
    raise_on_failure: bool = False,
) -> BackpropReport:
    """Compare the gradients of the user's ``grad_fn(params, X, T)`` with symnet's.

    Parameters
    ----------
    grad_fn : callable
        ``grad_fn(params, X, T)`` -> dict of gradient arrays by the same names as
        ``params``, each shaped like its parameter: dL/dp of the mean loss over the batch.
    model_or_spec : str, NetworkSpec, Model or path
        A spec (``"2-3:sigmoid-1:sigmoid"``), a trained :class:`Model`, or a model file's
        path (``.npz``): its spec, loss and weights are used, and ``X`` holds raw inputs,
        scaled as the model scales them (as ``predict`` does).
    X, T : arrays
        Inputs (N, features) and targets (N, outputs), samples as rows, or as columns in
        the layout; targets of one output may be (N,), class indices (N,) for ce.
    loss : str, optional
        Default: the model's loss; for a spec, bce for a 1:sigmoid output, ce for softmax,
        else mse (:func:`symnet.graph.losses.default_loss`).
    params : dict, optional
        The parameter values, in the user's layout (``W1, b1, ...`` or PyTorch's
        ``0.weight, 0.bias, ...``). Default: the model's, else symnet's initial weights
        drawn from ``seed``, handed to ``grad_fn`` in ``layout``.
    layout : Layout, str or None
        The user's layout (:data:`symnet.interop.layouts.LAYOUTS`: "symnet", "torch",
        "rows", "columns"); None reads it off ``params`` and ``X``.
    atol, rtol : float
        An entry passes when |yours - symnet's| <= atol + rtol |symnet's|.
    raise_on_failure : bool
        Raise ``VerificationError`` (naming the first wrong parameter) on a mismatch.

    Returns
    -------
    BackpropReport
    """
    for what, value in (("atol", atol), ("rtol", rtol)):
        if not np.isfinite(value) or value < 0:
            raise SpecError(f"{what} must be a finite number >= 0; got {value!r}")
    spec, loss, model, path = _source(model_or_spec, loss)
    with formulas(**(model.formulas if model is not None else {})):
        report = _check(grad_fn, spec, loss, model, path, X, T, params, layout, seed, atol, rtol)
    if raise_on_failure and not report.passed:
        raise VerificationError(report.failure_message())
    return report


def _check(grad_fn, spec, loss, model, path, X, T, params, layout, seed, atol, rtol):
    check_training(spec, max(1, int(np.shape(X)[0]) if np.ndim(X) else 1))  # before building
    layout = resolve_layout(spec, layout, params, X)
    maps = layout.arrays(spec)
    Xr = layout.inputs_to_rows(spec, X)
    Tr = layout.targets_to_rows(spec, T, len(Xr))
    notes = []
    if model is not None and model.standardizer is not None:
        Xr = model.standardizer.transform(Xr)
        notes.append("inputs: raw, scaled by the model's input standardisation first")
    if params is None:
        own = model.params if model is not None else initial_parameters(spec, seed)
        named = _named(spec, [np.asarray(p, dtype=np.float64) for p in own])
        params = {m.user: m.to_user(named[m.symnet]) for m in maps}
    symnet_params = _full_params(spec, _symnet_params(maps, params))
    user_params = {k: np.array(v, dtype=np.float64) for k, v in params.items()}
    yours = _user_grads(grad_fn(user_params, np.array(X, copy=True), np.array(T, copy=True)), maps)
    loss_value, grads = compile_layers(spec, loss).step(Xr, Tr, symnet_params)
    names = [name for name, _ in spec.parameter_shapes()]
    expected = dict(zip(names, grads))
    book = EntryFormulas(spec, loss)
    slips = _slips(book, spec, loss, Xr, Tr, symnet_params)
    rows = compare_gradients(
        maps,
        yours,
        expected,
        loss=loss,
        batch=len(Xr),
        atol=atol,
        rtol=rtol,
        params=dict(zip(names, symnet_params)),
        entry_formulas=book,
        slips=slips,
    )
    return BackpropReport(
        spec=str(spec),
        loss=loss,
        loss_formula=LOSS_FORMULAS.get(loss, describe_loss(loss)),
        model=None if path is None else str(Path(path)),
        batch=len(Xr),
        atol=atol,
        rtol=rtol,
        layout=layout.to_dict(),
        layout_text=layout.describe(),
        mapping=tuple(m.line() for m in maps),
        loss_value=float(loss_value),
        rows=rows,
        notes=tuple(notes),
    )


def _slips(book: EntryFormulas, spec, loss, Xr, Tr, symnet_params):
    """The recomputations with a slipped f' (None when the network is too large for them)."""
    if not book.uses_graph or graph_edges(spec, True, loss) > MAX_SLIP_EDGES:
        return None

    def recompute() -> Iterator[tuple[str, dict[str, np.ndarray]]]:
        network = book.network
        assert network is not None  # uses_graph: built on first use
        leaves: dict[str, Any] = {x: Xr[:, i] for i, x in enumerate(network.inputs)}
        leaves.update({t: Tr[:, k] for k, t in enumerate(network.targets)})
        named = _named(spec, symnet_params)
        for array, grid in book.grids.items():
            leaves.update(zip(grid.flat, (float(v) for v in named[array].flat)))
        for label, means in slipped_gradients(network, leaves):
            arrays = layer_arrays(network, means)
            yield label, dict(zip([n for n, _ in spec.parameter_shapes()], arrays))

    return recompute


def _named(spec: NetworkSpec, arrays: Sequence[np.ndarray]) -> dict[str, np.ndarray]:
    return {name: array for (name, _), array in zip(spec.parameter_shapes(), arrays)}
