"""Check gradients the user saved to files: ``symnet verify SOURCE --grads G.npz ...``.

The user's code ran elsewhere and saved its gradients (``numpy.savez("G.npz", W1=dW1,
...)``), the data it ran on (``X.npy``, ``T.npy``) and, for a spec, the parameters it ran
at (``P.npz``). :func:`check_saved_gradients` reads them with
:mod:`symnet.interop.arrayfiles` (sizes and dtypes before data, never a pickle) and
checks them as :func:`~symnet.interop.backprop_check.check_backprop` checks a function.
A symnet model file as the source brings its spec, loss and weights (``params`` then
overrides the weights).
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

from symnet.exceptions import SpecError
from symnet.interop.arrayfiles import read_array, read_arrays
from symnet.interop.backprop_check import check_backprop
from symnet.interop.layouts import resolve_layout
from symnet.interop.results import BackpropReport
from symnet.training.modelfile import load_model

__all__ = ["check_saved_gradients", "is_model_path"]

PathLike = str | os.PathLike[str]


def is_model_path(source: object) -> bool:
    """True when ``source`` names a model file (a path, or text ending in ``.npz``)."""
    return isinstance(source, os.PathLike) or (
        isinstance(source, str) and source.lower().endswith(".npz")
    )


def check_saved_gradients(
    source: str | PathLike,
    grads: PathLike | None,
    inputs: PathLike | None,
    targets: PathLike | None,
    params: PathLike | None = None,
    loss: str | None = None,
    *,
    atol: float = 1e-6,
    rtol: float = 1e-4,
) -> BackpropReport:
    """Compare the gradients saved in ``grads`` (``.npz``) with symnet's at the same point.

    Parameters
    ----------
    source : str or path
        A spec (then ``params`` is required: the point the gradients were computed at) or
        a symnet model file (``.npz``).
    grads, params : paths of ``.npz`` archives
        One array per parameter array, named ``W1, b1, ...`` or as a PyTorch state_dict
        (``0.weight, 0.bias, ...``), in the user's layout (read off ``params``, else off
        ``grads``).
    inputs, targets : paths of ``.npy`` files
        The batch the gradients were computed on (samples as rows or as columns).
    """
    missing = [
        f"{name}="
        for name, value in (("grads", grads), ("inputs", inputs), ("targets", targets))
        if value is None
    ]
    if missing:
        raise SpecError(
            f"checking saved gradients needs {', '.join(missing)} (the gradients and the "
            "data they were computed on: .npz of arrays, .npy files)"
        )
    if params is None and not is_model_path(source):
        raise SpecError(
            "checking saved gradients of a spec needs params= (an .npz of the parameters "
            "they were computed at), or a model file in place of the spec"
        )
    saved = read_arrays(Path(grads), "gradients")  # type: ignore[arg-type]
    X = read_array(Path(inputs), "inputs")  # type: ignore[arg-type]
    T = read_array(Path(targets), "targets")  # type: ignore[arg-type]
    values = None if params is None else read_arrays(Path(params), "parameters")
    if values is None:  # the model's weights, in the layout the gradients are saved in
        model = load_model(Path(source))
        layout = resolve_layout(model.spec, None, saved, X)
        report = check_backprop(
            lambda *_: saved, model, X, T, loss, None, layout=layout, atol=atol, rtol=rtol
        )
        return dataclasses.replace(report, model=str(source))
    model_or_spec = Path(source) if is_model_path(source) else source
    return check_backprop(lambda *_: saved, model_or_spec, X, T, loss, values, atol=atol, rtol=rtol)
