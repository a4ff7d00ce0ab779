"""A network read from another framework, step by step, made into a symnet model.

The readers of PyTorch modules (:mod:`symnet.interop.torch_import`) and ONNX files
(:mod:`symnet.interop.onnx_import`) turn what they read into a list of :class:`Step`
records, one per module or node: a dense or conv layer with its arrays, a pooling, a
flatten, an activation. :func:`assemble` joins them into a spec (an activation joins the
layer before it), checks that each step fits the shape it receives, and returns the
:class:`Imported` model with the mapping from symnet's parameter names to the source's.

NOTE: no array is transposed or reordered: a ``Linear`` weight (and ONNX ``Gemm``'s B with
``transB=1``) is (out, in) like symnet's ``W``; a ``Conv2d`` kernel is (out, in, kh, kw)
like symnet's ``K``, and both correlate (no kernel flip); ``Flatten`` keeps (channel, row,
column) order like symnet's. A layer without a bias gets symnet's bias held at zero.

>>> import numpy as np
>>> steps = [Step("dense", "module 0 (Linear)", np.eye(2), None, ("0.weight",), module="0"),
...          Step("activation", "module 1 (Tanh)", activation="tanh", module="1")]
>>> imported = assemble(steps, (2,), source="torch")
>>> str(imported.model.spec), imported.parameters
('2-2:tanh', {'W1': '0.weight'})
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from symnet.exceptions import DataError, SpecError
from symnet.graph.guards import check_training
from symnet.graph.losses import check_loss, default_loss
from symnet.graph.registry import canonical_activation
from symnet.graph.shapes import PADDINGS, output_shape, pad_widths, pool_output_shape
from symnet.graph.spec import (
    ConvSpec,
    DenseSpec,
    FlattenSpec,
    ImageInput,
    LayerSpec,
    NetworkSpec,
    PoolSpec,
    parse_spec,
)
from symnet.training.modelcheck import check_finite
from symnet.training.modelfile import Model

__all__ = ["KINDS", "Imported", "Step", "activation_name", "assemble", "padding_name"]

#: The kinds of step a reader emits; "identity" steps (``nn.Identity``) change nothing.
KINDS = ("dense", "conv", "pool", "flatten", "activation", "identity")


@dataclass(frozen=True)
class Step:
    """One module or node of the source: what it computes and, for a layer, its arrays.

    ``where`` names it in messages (``"module 2 (Tanh)"``, ``"node 'Gemm_0' (Gemm)"``);
    ``names`` are the source's names of ``weight`` and ``bias`` (``"0.weight"``);
    ``module`` the source's name of the step itself (the ``nn.Sequential`` index).
    """

    kind: str
    where: str
    weight: np.ndarray | None = field(default=None, repr=False)
    bias: np.ndarray | None = field(default=None, repr=False)
    names: tuple[str, ...] = ()
    stride: int = 1
    padding: str = "valid"
    pool: str = ""
    size: int = 0
    activation: str = "identity"
    module: str = ""


@dataclass(frozen=True)
class Imported:
    """A model read from ``source`` ("torch" or "onnx"), and how its parts map to symnet's.

    ``parameters`` maps symnet's array names to the source's (``"W1" -> "0.weight"``; a
    bias the source lacks is absent); ``layers`` lists, per spec layer, the steps that made
    it (a layer and its activation, a pooling, ...).
    """

    model: Model
    source: str
    parameters: dict[str, str]
    layers: tuple[tuple[Step, ...], ...]


def padding_name(kernel_shape: tuple[int, int], pads, where: str) -> str:
    """symnet's name (valid, same, full) of zero padding ``pads`` ((top, bottom), (left, right)).

    >>> padding_name((3, 3), ((1, 1), (1, 1)), "module 0 (Conv2d)")
    'same'
    """
    pads = tuple(tuple(int(p) for p in pair) for pair in pads)
    for name in PADDINGS:
        if pads == pad_widths(kernel_shape, name):
            return name
    kh, kw = kernel_shape
    raise SpecError(
        f"{where} pads its {kh}x{kw} kernel with {pads} ((top, bottom), (left, right)); "
        "symnet pads with 0 (valid), (k-1)/2 on each side (same) or k-1 (full)"
    )


def activation_name(name: str, where: str) -> str:
    """symnet's canonical activation ``name`` (``leaky_relu0.2``); else a SpecError at ``where``."""
    try:
        return canonical_activation(name)
    except ValueError as problem:
        raise SpecError(f"{where} computes {name[:40]!r}, which {problem}") from None


def _shape_after(shape: tuple[int, ...], step: Step) -> tuple[int, ...]:
    """The shape ``step`` gives on input ``shape``; SpecError naming the step if it does not fit."""
    image = len(shape) == 3
    if step.kind == "dense":
        assert step.weight is not None  # the readers give every dense step its weight
        out, fan_in = step.weight.shape
        if image:
            c, h, w = shape
            raise SpecError(f"{step.where} gets {c}x{h}x{w} maps; put a Flatten before it")
        if fan_in != shape[0]:
            raise SpecError(f"{step.where} takes {fan_in} inputs; the step before gives {shape[0]}")
        return (out,)
    if step.kind == "flatten":
        size = int(np.prod(shape))
        if step.size not in (0, -1, size):  # a Reshape to (N, size) names its size
            raise SpecError(f"{step.where} reshapes {shape} to rows of {step.size}, not {size}")
        return (size,)
    if not image:
        raise SpecError(f"{step.where} needs images (C, H, W); it gets a vector of {shape[0]}")
    try:
        if step.kind == "conv":
            assert step.weight is not None
            kernels, channels, kh, kw = step.weight.shape
            if channels != shape[0]:
                raise SpecError(f"{step.where} takes {channels} channels; it gets {shape[0]}")
            return (kernels, *output_shape(shape[1:], (kh, kw), step.padding, step.stride))
        return (shape[0], *pool_output_shape(shape[1:], step.size))
    except DataError as error:
        raise SpecError(f"{step.where}: {error}") from None


def _layer(step: Step) -> LayerSpec:
    """The spec layer of a dense, conv, pool or flatten ``step`` (no activation yet)."""
    if step.kind == "dense":
        assert step.weight is not None
        return DenseSpec(step.weight.shape[0])
    if step.kind == "conv":
        assert step.weight is not None
        kernels, _, kh, kw = step.weight.shape
        return ConvSpec(kernels, (kh, kw), step.stride, step.padding)
    if step.kind == "pool":
        return PoolSpec(step.pool, step.size)
    return FlattenSpec()


def _with_activation(layers: list, groups: list, step: Step) -> None:
    """Give the last layer ``step``'s activation: it must be a dense or conv layer without one."""
    last = layers[-1] if layers else None
    if not isinstance(last, DenseSpec | ConvSpec) or groups[-1][-1].kind == "activation":
        before = groups[-1][-1].where if groups else "the input"
        raise SpecError(
            f"{step.where} follows {before}; symnet puts one activation right after each "
            "Linear or Conv2d layer (move it there)"
        )
    layers[-1] = replace(last, activation=step.activation)
    groups[-1].append(step)


def _layers(steps: Sequence[Step], shape: tuple[int, ...]) -> tuple[list, list[list[Step]]]:
    """The spec layers of ``steps`` and, per layer, the steps that made it."""
    layers: list[LayerSpec] = []
    groups: list[list[Step]] = []
    for step in steps:
        if step.kind not in KINDS:
            raise SpecError(f"{step.where}: a step is one of {', '.join(KINDS)}, not {step.kind!r}")
        if step.kind == "activation" and step.activation != "identity":
            _with_activation(layers, groups, step)
        elif step.kind in ("identity", "activation") or (
            step.kind == "flatten" and len(shape) == 1
        ):
            shape = _shape_after(shape, step) if step.kind == "flatten" else shape
            if groups:  # changes nothing; listed with the layer before
                groups[-1].append(step)
        else:
            shape = _shape_after(shape, step)
            layers.append(_layer(step))
            groups.append([step])
    return layers, groups


def _check_layers(layers: list, groups: list[list[Step]], source: str) -> None:
    if not layers:
        raise SpecError(f"the {source} model has no Linear or Conv2d layer to read")
    if not isinstance(layers[-1], DenseSpec):
        raise SpecError(
            f"the {source} model ends with {groups[-1][0].where}; symnet's networks end with a "
            "dense layer (Linear or Gemm) and its activation"
        )
    for layer, group in zip(layers[:-1], groups[:-1]):
        if layer.activation == "softmax":
            raise SpecError(f"{group[-1].where}: symnet takes softmax on the output layer only")


def _arrays(groups: list[list[Step]], spec: NetworkSpec) -> tuple[list[np.ndarray], dict]:
    """The parameter arrays in spec order (absent biases as zeros) and symnet -> source names."""
    kinds = {np.dtype(np.float64), np.dtype(np.float32)}
    layered = [g[0] for g in groups if g[0].kind in ("dense", "conv")]
    found = [a for step in layered for a in (step.weight, step.bias) if a is not None]
    if any(a.dtype not in kinds for a in found):
        odd = next(a.dtype for a in found if a.dtype not in kinds)
        raise SpecError(f"the weights are {odd}; symnet holds float32 or float64 weights")
    dtype = np.float64 if any(a.dtype == np.float64 for a in found) else np.float32
    params, mapping = [], {}
    shapes = iter(spec.parameter_shapes())
    for step in layered:
        (w_name, w_shape), (b_name, b_shape) = next(shapes), next(shapes)
        assert step.weight is not None
        params.append(np.array(step.weight, dtype=dtype).reshape(w_shape))
        bias = np.zeros(b_shape) if step.bias is None else step.bias
        params.append(np.array(bias, dtype=dtype).reshape(b_shape))
        for name, source, array in zip((w_name, b_name), step.names, (step.weight, step.bias)):
            if array is not None:
                mapping[name] = source
    return params, mapping


def assemble(
    steps: Sequence[Step], input_shape: Sequence[int], loss: str | None = None, source: str = ""
) -> Imported:
    """The symnet model of ``steps`` on inputs of ``input_shape`` ((n,) or (C, H, W)).

    ``loss`` defaults to the one ``train`` picks for the output layer
    (:func:`symnet.graph.losses.default_loss`). Raises a one-line SpecError naming the step
    that does not fit, ModelFileError for weights holding NaN or infinity.
    """
    shape = tuple(int(n) for n in input_shape)
    layers, groups = _layers(steps, shape)
    _check_layers(layers, groups, source)
    image = ImageInput(*shape) if len(shape) == 3 else None
    spec = parse_spec(str(NetworkSpec(int(np.prod(shape)), tuple(layers), image)))
    loss = default_loss(spec, training=True) if loss is None else loss
    check_loss(spec, loss)
    params, mapping = _arrays(groups, spec)
    check_training(spec, 1, str(params[0].dtype))  # the guard load_model applies: it loads back
    check_finite(dict(zip((name for name, _ in spec.parameter_shapes()), params)))
    training = {"imported_from": source, "parameters": dict(mapping)}
    model = replace(Model.initial(spec, loss), params=params, training=training)
    return Imported(model, source, mapping, tuple(tuple(g) for g in groups))
