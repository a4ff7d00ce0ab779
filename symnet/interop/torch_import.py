"""Read a PyTorch ``nn.Sequential`` and its weights into a symnet model: :func:`from_torch`.

Each module becomes one :class:`~symnet.interop.assembly.Step` (see
:mod:`symnet.interop.assembly` for how steps become a spec): ``Linear``, ``Conv2d`` (stride,
zero padding, bias), ``MaxPool2d`` and ``AvgPool2d`` (window = stride, no padding),
``Flatten``, ``Identity`` and the activations of symnet's table that torch has as modules
(:func:`supported_modules`). Nested ``nn.Sequential`` modules are read in order. Any other
module is refused in one line naming it, unless ``activations=`` says which of symnet's
activations it computes (a module of the user's own, a custom ``autograd.Function``).

PyTorch is optional: it is imported only when a module is read, and the module given is
already a torch object.

NOTE: the readings that are exact, not approximations: ``LeakyReLU(s)`` is
``leaky_relu<s>``, ``GELU()`` is gelu and ``GELU(approximate='tanh')`` gelu_tanh, ``ELU()``
and ``Softplus()`` only with torch's defaults (alpha = 1, beta = 1), ``Softmax`` over the
features (dim = 1 or -1). ``Softplus`` returns z itself above its ``threshold`` (20), where
log(1 + e^z) differs from z by less than 2.1e-9.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from symnet.exceptions import SpecError
from symnet.graph.registry import ACTIVATION_NAMES
from symnet.graph.shapes import pad_widths
from symnet.interop.assembly import Imported, Step, activation_name, assemble, padding_name
from symnet.training.modelfile import Model

__all__ = ["LAYER_MODULES", "from_torch", "read_torch", "supported_modules", "torch_modules"]

#: torch's layer modules that symnet reads (the activations are in _ACTIVATIONS).
LAYER_MODULES = ("Linear", "Conv2d", "MaxPool2d", "AvgPool2d", "Flatten", "Identity")


def _softmax(module) -> str:
    if module.dim not in (1, -1):
        raise SpecError(
            f"Softmax(dim={module.dim}): symnet takes softmax over the features (dim=1)"
        )
    return "softmax"


def _defaults(name: str, **expected) -> Callable[[Any], str]:
    """The reader of a module that symnet holds with torch's default settings only."""

    def read(module) -> str:
        for key, value in expected.items():
            if float(getattr(module, key)) != value:
                kind = type(module).__name__
                raise SpecError(
                    f"{kind}({key}={getattr(module, key)}): symnet's {name} has {key}={value}"
                )
        return name

    return read


#: torch activation module -> (symnet's base name, the reader of its canonical name).
_ACTIVATIONS: dict[str, tuple[str, Callable[[Any], str]]] = {
    "ReLU": ("relu", lambda m: "relu"),
    "LeakyReLU": ("leaky_relu", lambda m: f"leaky_relu{float(m.negative_slope)!r}"),
    "Sigmoid": ("sigmoid", lambda m: "sigmoid"),
    "Tanh": ("tanh", lambda m: "tanh"),
    "Softmax": ("softmax", _softmax),
    "GELU": ("gelu", lambda m: "gelu" if m.approximate == "none" else f"gelu_{m.approximate}"),
    "SiLU": ("silu", lambda m: "silu"),
    "ELU": ("elu", _defaults("elu", alpha=1.0)),
    "SELU": ("selu", lambda m: "selu"),
    "Softplus": ("softplus", _defaults("softplus", beta=1.0)),
    "Mish": ("mish", lambda m: "mish"),
}


def supported_modules() -> tuple[str, ...]:
    """The torch modules :func:`from_torch` reads: the layers, then the activations whose
    symnet name is in the activation table (read from the table, not assumed).

    >>> supported_modules()[:6]
    ('Linear', 'Conv2d', 'MaxPool2d', 'AvgPool2d', 'Flatten', 'Identity')
    """
    known = [name for name, (base, _) in _ACTIVATIONS.items() if base in ACTIVATION_NAMES]
    return (*LAYER_MODULES, *known)


def torch_modules(module, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """(name, module) of every module of an ``nn.Sequential``, nested ones opened, in order.

    The names are those of the module's ``state_dict`` (``"0"``, ``"2.1"``).
    """
    import torch  # optional: only when a torch module is read

    for name, child in module.named_children():
        if isinstance(child, torch.nn.Sequential):
            yield from torch_modules(child, f"{prefix}{name}.")
        else:
            yield f"{prefix}{name}", child


def _array(tensor, where: str):
    """A parameter tensor as a NumPy copy (float32 or float64, checked by the assembly)."""
    import torch  # optional: see torch_modules

    if tensor.dtype not in (torch.float32, torch.float64):
        raise SpecError(
            f"{where} holds {tensor.dtype} weights; symnet reads float32 or float64 "
            "(call module.double() first)"
        )
    return tensor.detach().cpu().numpy().copy()


def _linear(name: str, where: str, module) -> Step:
    bias = None if module.bias is None else _array(module.bias, where)
    names = (f"{name}.weight", f"{name}.bias")
    return Step("dense", where, _array(module.weight, where), bias, names, module=name)


def _conv(name: str, where: str, module) -> Step:
    if module.groups != 1 or tuple(module.dilation) != (1, 1) or module.padding_mode != "zeros":
        raise SpecError(
            f"{where} has groups={module.groups}, dilation={tuple(module.dilation)}, "
            f"padding_mode={module.padding_mode!r}; symnet reads groups=1, dilation=1, 'zeros'"
        )
    kernel = tuple(module.kernel_size)
    stride = tuple(module.stride)
    if stride[0] != stride[1]:
        raise SpecError(
            f"{where} has stride {stride}; symnet takes one stride for rows and columns"
        )
    if isinstance(module.padding, str):  # torch's 'same' pads as symnet's (see pad_widths)
        pads = pad_widths(kernel, module.padding)
    else:
        pads = tuple((p, p) for p in module.padding)
    bias = None if module.bias is None else _array(module.bias, where)
    weight = _array(module.weight, where)
    padding = padding_name(kernel, pads, where)
    names = (f"{name}.weight", f"{name}.bias")
    return Step("conv", where, weight, bias, names, stride[0], padding, module=name)


def _pool(name: str, where: str, module) -> Step:
    def pair(value) -> tuple[int, int]:
        return (value, value) if isinstance(value, int) else tuple(value)

    kernel = pair(module.kernel_size)
    stride = pair(module.stride) if module.stride else kernel
    extras = {
        "padding": pair(module.padding) == (0, 0),
        "ceil_mode": not module.ceil_mode,
        "dilation": pair(getattr(module, "dilation", 1)) == (1, 1),
        "divisor_override": getattr(module, "divisor_override", None) is None,
    }
    wrong = [key for key, fine in extras.items() if not fine]
    if kernel[0] != kernel[1] or stride != kernel or wrong:
        raise SpecError(
            f"{where} has kernel {kernel}, stride {stride}{', ' if wrong else ''}"
            f"{', '.join(f'{k}={getattr(module, k)}' for k in wrong)}; symnet pools square "
            "windows with stride = window, no padding, no ceil_mode"
        )
    kind = "max" if type(module).__name__ == "MaxPool2d" else "avg"
    return Step("pool", where, pool=kind, size=kernel[0], module=name)


def _flatten(name: str, where: str, module) -> Step:
    if (module.start_dim, module.end_dim) != (1, -1):
        raise SpecError(f"{where} flattens dims {module.start_dim}..{module.end_dim}; symnet 1..-1")
    return Step("flatten", where, module=name)


_LAYER_READERS: dict[str, Callable[[str, str, Any], Step]] = {
    "Linear": _linear,
    "Conv2d": _conv,
    "MaxPool2d": _pool,
    "AvgPool2d": _pool,
    "Flatten": _flatten,
    "Identity": lambda name, where, module: Step("identity", where, module=name),
}


def _torch_class(module) -> str | None:
    """The name of ``module``'s class when it is torch's own (not a user's subclass)."""
    import torch  # optional: see torch_modules

    name = type(module).__name__
    return name if getattr(torch.nn, name, None) is type(module) else None


def _named(name: str, module, activations: Mapping) -> str | None:
    """The activation the user's ``activations`` mapping gives ``module`` (by name or class)."""
    for key in (name, type(module), type(module).__name__):
        if key in activations:
            return str(activations[key])
    return None


def _unsupported(name: str, where: str) -> SpecError:
    modules = ", ".join(supported_modules())
    return SpecError(
        f"{where} is not a module symnet reads ({modules}); if it computes one of symnet's "
        f"activations, say which: activations={{'{name}': 'tanh'}}"
    )


def _step(name: str, module, activations: Mapping, dense: Sequence[str]) -> Step:
    """The step of one module of the Sequential."""
    where = f"module {name} ({type(module).__name__})"
    given = _named(name, module, activations)
    if given is not None:
        return Step("activation", where, activation=activation_name(given, where), module=name)
    if name in dense:  # the user's own linear layer, read as Linear (see check_module)
        return _linear(name, where, module)
    kind = _torch_class(module)
    if kind in _LAYER_READERS:
        return _LAYER_READERS[kind](name, where, module)
    if kind in _ACTIVATIONS and kind in supported_modules():
        activation = activation_name(_ACTIVATIONS[kind][1](module), where)
        return Step("activation", where, activation=activation, module=name)
    raise _unsupported(name, where)


def _input_shape(steps: list[Step], input_shape) -> tuple[int, ...]:
    """``input_shape`` checked; by default the first Linear's inputs (a dense model)."""
    if input_shape is not None:
        shape = (input_shape,) if isinstance(input_shape, int) else tuple(input_shape)
        if len(shape) not in (1, 3) or not all(isinstance(n, int) and n > 0 for n in shape):
            raise SpecError(
                f"input_shape must be (features,) or (channels, height, width); got {input_shape!r}"
            )
        return shape
    for step in steps:
        if step.kind in ("conv", "pool"):
            raise SpecError(
                f"{step.where} needs images: give input_shape=(channels, height, width), "
                "e.g. input_shape=(1, 8, 8)"
            )
        if step.kind == "dense":
            assert step.weight is not None
            return (step.weight.shape[1],)
    raise SpecError("the torch model has no Linear or Conv2d layer to read")


def read_torch(
    module,
    input_shape: int | Sequence[int] | None = None,
    loss: str | None = None,
    activations: Mapping | None = None,
    dense: Sequence[str] = (),
) -> Imported:
    """:func:`from_torch`, with the mapping from symnet's names to the module's.

    ``dense`` names modules of the user's own to read as ``Linear`` (their ``weight``
    (out, in) and ``bias``); :func:`symnet.interop.modules.check_module` passes those it
    has recognised by their forward values.
    """
    import torch  # optional: see torch_modules

    if not isinstance(module, torch.nn.Sequential):
        raise SpecError(
            f"from_torch reads a torch.nn.Sequential; got {type(module).__name__} (symnet "
            "cannot read a forward method: write the network as nn.Sequential(...))"
        )
    mapping = dict(activations or {})
    steps = [_step(name, child, mapping, dense) for name, child in torch_modules(module)]
    return assemble(steps, _input_shape(steps, input_shape), loss, "torch")


def from_torch(
    module,
    input_shape: int | Sequence[int] | None = None,
    loss: str | None = None,
    activations: Mapping | None = None,
) -> Model:
    """A symnet model with the architecture and weights of a PyTorch ``nn.Sequential``.

    Parameters
    ----------
    module : torch.nn.Sequential
        Of the modules :func:`supported_modules` lists (nested Sequentials are opened).
    input_shape : int or (C, H, W), optional
        The shape of one sample; needed when the model starts with a Conv2d or pooling.
        By default the first Linear's ``in_features``.
    loss : str, optional
        The model's loss; by default the one ``symnet train`` picks for its output layer.
    activations : mapping, optional
        Modules of your own that compute one of symnet's activations, by their name in the
        Sequential or their class: ``{"1": "tanh"}`` or ``{MyTanh: "tanh"}``.

    Returns
    -------
    Model
        Its weights in symnet's layout (a copy); ``model.training["parameters"]`` maps
        symnet's names to the module's (``"W1" -> "0.weight"``). It saves with
        :func:`symnet.training.modelfile.save_model` as an ordinary model file.

    >>> import pytest; torch = pytest.importorskip("torch")
    >>> net = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.Linear(3, 1))
    >>> model = from_torch(net.double())
    >>> str(model.spec), model.loss, model.training["parameters"]["W2"]
    ('2-3:relu-1', 'mse', '2.weight')
    """
    return read_torch(module, input_shape, loss, activations).model
