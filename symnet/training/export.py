"""Export a trained model to PyTorch or JAX, for when symnet's NumPy engine is outgrown.

Two forms:

- :func:`to_torch` / :func:`to_jax` build the network in the other framework now and
  return it (``torch.nn.Sequential``; for JAX a pure ``predict(params, x)`` and ``params``);
- :func:`export_source` writes a small standalone Python module that builds the same
  network with the trained weights embedded as lists of floats (``repr`` of a float
  round-trips exactly, so the weights are bit-identical), needing only torch or jax.

Both include the input standardisation of the model, so they take raw inputs exactly like
:meth:`symnet.training.modelfile.Model.predict` and return the same outputs (probabilities after a
sigmoid or softmax output layer).

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
from symnet.graph.activations import LEAKY_SLOPE, get_activation
from symnet.parse.formula_text import formulas
from symnet.training.modelcheck import check_finite
from symnet.training.modelfile import Model

__all__ = [
    "ENTRY_POINTS",
    "FRAMEWORKS",
    "check_export",
    "export_source",
    "to_jax",
    "to_torch",
    "write_export",
]

FRAMEWORKS = ("torch", "jax")
#: What a user of the exported module calls, per framework.
ENTRY_POINTS = {"torch": "build_model()", "jax": "predict(PARAMS, x)"}

_TORCH_LAYERS = {
    "identity": None,
    "relu": "torch.nn.ReLU()",
    "leaky_relu": f"torch.nn.LeakyReLU({float(LEAKY_SLOPE)!r})",
    "sigmoid": "torch.nn.Sigmoid()",
    "tanh": "torch.nn.Tanh()",
    "softmax": "torch.nn.Softmax(dim=1)",
}
_JAX_FUNCTIONS = {
    "identity": "z",
    "relu": "jnp.maximum(z, 0)",
    "leaky_relu": f"jnp.where(z > 0, z, {float(LEAKY_SLOPE)!r} * z)",
    "sigmoid": "jax.nn.sigmoid(z)",
    "tanh": "jnp.tanh(z)",
    "softmax": "jax.nn.softmax(z, axis=-1)",
}


def _require(framework: str) -> None:
    if framework not in FRAMEWORKS:
        raise SpecError(f"framework must be one of {', '.join(FRAMEWORKS)}; got {framework!r}")


def _scaling(model: Model) -> tuple[np.ndarray, np.ndarray]:
    std = model.standardizer
    n = model.spec.n_inputs
    return (std.mean, std.scale) if std is not None else (np.zeros(n), np.ones(n))


def _header(model: Model, framework: str) -> list[str]:
    mean, scale = _scaling(model)
    activations = [layer.activation for layer in model.spec.layers]
    names = {"torch": "PyTorch", "jax": "JAX"}
    usage = (
        "model = build_model(); model(torch.tensor(X))"
        if framework == "torch"
        else ("predict(PARAMS, jnp.asarray(X))")
    )
    return [
        f'"""The symnet model {model.spec} (loss {model.loss}) in {names[framework]}.',
        "",
        f"Exported by symnet. Usage: {usage}, where X holds raw (unscaled) inputs,",
        "one sample per row. The weights are embedded below.",
        '"""',
        "",
        f"SPEC = {str(model.spec)!r}",
        f"DTYPE = {model.dtype!r}",
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


def _torch_module(header: list[str], extra: dict[str, str]) -> list[str]:
    """The PyTorch module: the header's constants, then ``build_model()``."""
    layers = "\n".join(
        [f"    {k!r}: {v}," for k, v in _TORCH_LAYERS.items() if v]
        + [f"    {k!r}: Elementwise({k!r}, lambda z: {v})," for k, v in extra.items()]
    )
    return [
        "import torch",
        "",
        *header,
        "",
        "",
        "class Standardize(torch.nn.Module):",
        '    """x -> (x - mean) / scale, the scaling fitted on the training inputs."""',
        "",
        "    def __init__(self, mean, scale):",
        "        super().__init__()",
        '        self.register_buffer("mean", mean)',
        '        self.register_buffer("scale", scale)',
        "",
        "    def forward(self, x):",
        "        return (x - self.mean) / self.scale",
        "",
        "",
        "class Elementwise(torch.nn.Module):",
        '    """An activation written as a function of z (printed from its formula)."""',
        "",
        "    def __init__(self, name, function):",
        "        super().__init__()",
        "        self.name, self.function = name, function",
        "",
        "    def forward(self, z):",
        "        return self.function(z)",
        "",
        "    def extra_repr(self):",
        "        return self.name",
        "",
        "",
        "def build_model():",
        '    """A torch.nn.Sequential with the trained weights."""',
        "    dtype = getattr(torch, DTYPE)",
        "    activation = {",
        layers,
        "    }",
        "    mean = torch.tensor(INPUT_MEAN, dtype=dtype)",
        "    modules = [Standardize(mean, torch.tensor(INPUT_SCALE, dtype=dtype))]",
        "    for W, b, name in zip(WEIGHTS, BIASES, ACTIVATIONS):",
        "        linear = torch.nn.Linear(len(W[0]), len(W), dtype=dtype)",
        "        with torch.no_grad():",
        "            linear.weight.copy_(torch.tensor(W, dtype=dtype))",
        "            linear.bias.copy_(torch.tensor(b, dtype=dtype))",
        "        modules.append(linear)",
        "        if name in activation:",
        "            modules.append(activation[name])",
        "    return torch.nn.Sequential(*modules).eval()",
        "",
        "",
        'if __name__ == "__main__":',
        "    print(build_model())",
    ]


def _jax_module(header: list[str], extra: dict[str, str]) -> list[str]:
    """The JAX module: the header's constants, then ``predict(params, x)`` and ``PARAMS``."""
    cases = "\n".join(
        f"    if name == {k!r}:\n        return {v}" for k, v in {**_JAX_FUNCTIONS, **extra}.items()
    )
    return [
        "import jax",
        "import jax.numpy as jnp",
        "",
        *header,
        "",
        "",
        "def _activation(name, z):",
        cases,
        '    raise ValueError(f"unknown activation {name!r}")',
        "",
        "",
        "def make_params():",
        '    """(mean, scale, [(W, b), ...]) as jax arrays."""',
        "    layers = [(jnp.asarray(W, dtype=DTYPE), jnp.asarray(b, dtype=DTYPE))",
        "              for W, b in zip(WEIGHTS, BIASES)]",
        "    mean = jnp.asarray(INPUT_MEAN, dtype=DTYPE)",
        "    return mean, jnp.asarray(INPUT_SCALE, dtype=DTYPE), layers",
        "",
        "",
        "def predict(params, x):",
        '    """The outputs for raw inputs x, one sample per row."""',
        "    mean, scale, layers = params",
        "    a = (x - mean) / scale",
        "    for (W, b), name in zip(layers, ACTIVATIONS):",
        "        a = _activation(name, a @ W.T + b)",
        "    return a",
        "",
        "",
        "PARAMS = make_params()",
        "",
        "",
        'if __name__ == "__main__":',
        "    print(SPEC, ACTIVATIONS)",
    ]


#: Framework -> the template of its module, filled with :func:`_header`'s lines.
_MODULES: dict[str, Callable[[list[str], dict[str, str]], list[str]]] = {
    "torch": _torch_module,
    "jax": _jax_module,
}


def export_source(model: Model, framework: str) -> str:
    """The text of a standalone module that rebuilds ``model`` in ``framework``."""
    _require(framework)
    # NOTE: conv, pooling and flatten layers are not exported yet; say so rather than
    # write a module that would treat kernels as dense weights.
    model.spec.require_dense(
        f"exporting to {framework}",
        "export handles dense models only for now; run it with symnet predict",
    )
    # NOTE: NaN or infinity would be written as the names nan and inf, and the module
    # would fail on import; a model file holding them is refused when loaded already.
    mean, scale = _scaling(model)
    arrays = dict(zip(model.parameter_names, model.params))
    check_finite({**arrays, "input_mean": np.asarray(mean), "input_scale": np.asarray(scale)})
    known = _TORCH_LAYERS if framework == "torch" else _JAX_FUNCTIONS
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
    """``model`` as a ``torch.nn.Sequential`` (standardisation, then Linear and activations)."""
    return _namespace(model, "torch", "torch")["build_model"]()


def to_jax(model: Model):
    """``(predict, params)``: a pure JAX function ``predict(params, x)`` and its parameters."""
    namespace = _namespace(model, "jax", "jax")
    return namespace["predict"], namespace["PARAMS"]
