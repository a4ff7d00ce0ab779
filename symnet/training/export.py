"""Export a trained model to PyTorch or JAX, for when symnet's NumPy engine is outgrown.

Two forms:

- :func:`to_torch` / :func:`to_jax` build the network in the other framework now and
  return it (``torch.nn.Sequential``; for JAX a pure ``predict(params, x)`` and ``params``);
- :func:`export_source` writes a small standalone Python module that builds the same
  network with the trained weights embedded as lists of floats (``repr`` of a float
  round-trips exactly, so the weights are bit-identical), needing only torch or jax.

Both include the input standardisation of the model, so they take raw inputs exactly like
:meth:`symnet.training.modelfile.Model.predict` and return the same outputs (probabilities after a
sigmoid or softmax output layer), in the model's dtype: a float64 model to 1e-12, a float32
model in float32. Every spec exports, dense or with conv, pooling and flatten layers: the
layers are :func:`layer_rows`, and the modules' templates are
:mod:`symnet.training.export_torch` (an ordinary ``nn.Module`` that trains on in PyTorch,
and scales out with its distributed training) and :mod:`symnet.training.export_jax`
(which turns on JAX's 64-bit mode for a float64 model, as JAX would otherwise compute in
float32).

NOTE: leaky_relu's slope is :data:`symnet.graph.activations.LEAKY_SLOPE` (0.01) in every
framework unless the spec names another (leaky_relu0.2); ReLU'(0) = 0 as in PyTorch and
JAX. The activations without a module of their own (gelu, silu, ..., a formula
activation) are their SymPy definitions printed with the framework's own functions.

>>> from symnet.training.modelfile import Model
>>> source = export_source(Model.initial("2-3:relu-1:sigmoid", "bce"), "torch")
>>> "def build_model()" in source and "torch.nn.Sigmoid()" in source
True
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import sympy as sp

from symnet.codegen.frameworks import framework_text
from symnet.exceptions import SpecError
from symnet.files import check_output, is_stdout, write_text_atomic
from symnet.graph.activations import get_activation
from symnet.graph.shapes import pad_widths
from symnet.graph.spec import ConvSpec, FlattenSpec, NetworkSpec, PoolSpec
from symnet.parse.formula_text import formulas
from symnet.training.export_jax import JAX_FUNCTIONS, jax_module_lines
from symnet.training.export_torch import TORCH_LAYERS, torch_module_lines
from symnet.training.modelcheck import check_finite
from symnet.training.modelfile import Model

__all__ = [
    "ENTRY_POINTS",
    "FRAMEWORKS",
    "check_export",
    "export_source",
    "layer_rows",
    "to_jax",
    "to_torch",
    "write_export",
]

FRAMEWORKS = ("torch", "jax")
#: What a user of the exported module calls, per framework.
ENTRY_POINTS = {"torch": "build_model()", "jax": "predict(PARAMS, x)"}


def _require(framework: str) -> None:
    if framework not in FRAMEWORKS:
        raise SpecError(f"framework must be one of {', '.join(FRAMEWORKS)}; got {framework!r}")


def _scaling(model: Model) -> tuple[np.ndarray, np.ndarray]:
    std = model.standardizer
    n = model.spec.n_inputs
    return (std.mean, std.scale) if std is not None else (np.zeros(n), np.ones(n))


def layer_rows(spec: NetworkSpec) -> list[tuple]:
    """Each layer of ``spec`` as the exported modules read it: ``("dense",)``, ``("conv",
    stride, (top, bottom, left, right))`` (the zero padding), ``("maxpool", n)``,
    ``("avgpool", n)`` or ``("flatten",)``.

    >>> from symnet.graph.spec import parse_spec
    >>> layer_rows(parse_spec("1x6x6-conv2@2x2+same-maxpool2-flatten-3"))
    [('conv', 1, (0, 1, 0, 1)), ('maxpool', 2), ('flatten',), ('dense',)]
    """
    rows: list[tuple] = []
    for layer in spec.layers:
        if isinstance(layer, ConvSpec):
            (top, bottom), (left, right) = pad_widths(layer.kernel_shape, layer.padding)
            rows.append(("conv", layer.stride, (top, bottom, left, right)))
        elif isinstance(layer, PoolSpec):
            rows.append((f"{layer.kind}pool", layer.size))
        else:
            rows.append(("flatten",) if isinstance(layer, FlattenSpec) else ("dense",))
    return rows


def _header(model: Model, framework: str) -> list[str]:
    mean, scale = _scaling(model)
    activations = [layer.activation for layer in model.spec.layers]
    names = {"torch": "PyTorch", "jax": "JAX"}
    usage = (
        "model = build_model(); model(torch.tensor(X))"
        if framework == "torch"
        else ("predict(PARAMS, jnp.asarray(X))")
    )
    image = model.spec.image
    return [
        f'"""The symnet model {model.spec} (loss {model.loss}) in {names[framework]}.',
        "",
        f"Exported by symnet. Usage: {usage}, where X holds raw (unscaled) inputs,",
        "one sample per row. The weights are embedded below.",
        f"It computes in {model.dtype}, the dtype the model was trained in.",
        '"""',
        "",
        f"SPEC = {str(model.spec)!r}",
        f"DTYPE = {model.dtype!r}",
        f"IMAGE = {tuple(image.shape) if image is not None else None!r}",
        f"LAYERS = {layer_rows(model.spec)!r}",
        f"ACTIVATIONS = {activations!r}",
        f"INPUT_MEAN = {mean.tolist()!r}",
        f"INPUT_SCALE = {scale.tolist()!r}",
        f"WEIGHTS = {[w.tolist() for w in model.params[0::2]]!r}",
        f"BIASES = {[b.tolist() for b in model.params[1::2]]!r}",
    ]


def _activation_code(model: Model, framework: str, known: dict) -> dict[str, str]:
    """Each activation of ``model`` that ``known`` lacks (gelu, leaky_relu0.2, a formula),
    as framework code in z: its SymPy definition printed with the framework's own
    functions (:func:`symnet.codegen.frameworks.framework_text`)."""
    z = sp.Symbol("z")
    with formulas(**model.formulas):
        return {
            name: framework_text(get_activation(name).apply(z), framework)
            for name in dict.fromkeys(layer.activation for layer in model.spec.layers)
            if name not in known
        }


#: Framework -> the template of its module, filled with :func:`_header`'s lines.
_MODULES: dict[str, Callable[[list[str], dict[str, str]], list[str]]] = {
    "torch": torch_module_lines,
    "jax": jax_module_lines,
}


def export_source(model: Model, framework: str) -> str:
    """The text of a standalone module that rebuilds ``model`` in ``framework``."""
    _require(framework)
    # NOTE: NaN or infinity would be written as the names nan and inf, and the module
    # would fail on import; a model file holding them is refused when loaded already.
    mean, scale = _scaling(model)
    arrays = dict(zip(model.parameter_names, model.params))
    check_finite({**arrays, "input_mean": np.asarray(mean), "input_scale": np.asarray(scale)})
    known = TORCH_LAYERS if framework == "torch" else JAX_FUNCTIONS
    extra = _activation_code(model, framework, known)
    return "\n".join(_MODULES[framework](_header(model, framework), extra)) + "\n"


def check_export(framework: str, path: str | Path, overwrite: bool = False) -> Path:
    """Refuse, before any model is read, an unknown framework or an unwritable ``path``.

    >>> check_export("torch", "model.txt")
    Traceback (most recent call last):
    ...
    symnet.exceptions.SpecError: the exported module is a Python file: ... not 'model.txt'
    """
    _require(framework)
    path = Path(path)
    if path.suffix != ".py" and not is_stdout(path):
        raise SpecError(
            f"the exported module is a Python file: give a name ending in .py, not {path.name!r}"
        )
    return check_output(path, overwrite)


def write_export(model: Model, framework: str, path: str | Path, overwrite: bool = False) -> Path:
    """Write :func:`export_source` to ``path`` (``.py``; ``-``: standard output) atomically."""
    path = check_export(framework, path, overwrite)
    return write_text_atomic(path, export_source(model, framework), overwrite)


def _namespace(model: Model, framework: str, module: str) -> dict:
    """Run the exported module's text (our own, generated above) and return its namespace."""
    try:
        __import__(module)
    except ImportError:
        raise SpecError(
            f"{framework} is not installed; pip install {framework}, or export the "
            "source with symnet export and run it where it is"
        ) from None
    namespace: dict = {"__name__": f"symnet_export_{framework}"}
    # NOTE: runs only the module text printed by export_source from the model's validated
    # spec and float arrays, and formulas printed back from the SymPy trees the whitelist
    # parser built (never the user's text), so the object equals what the file would build.
    exec(
        compile(export_source(model, framework), f"<symnet export {framework}>", "exec"), namespace
    )
    return namespace


def to_torch(model: Model):
    """``model`` as a ``torch.nn.Sequential``: the input scaling, then its layers (``Linear``,
    ``Conv2d``, pooling, ``Flatten``) and activations, in the model's dtype."""
    return _namespace(model, "torch", "torch")["build_model"]()


def to_jax(model: Model):
    """``(predict, params)``: a pure JAX function ``predict(params, x)`` and its parameters."""
    namespace = _namespace(model, "jax", "jax")
    return namespace["predict"], namespace["PARAMS"]
