"""The network spec string shared by every command, and its one parser.

A spec is the layers joined by ``-``, the input first. A dense spec is layer widths; every
layer after the input may carry an activation after a colon::

    3-2-2-1                       # the notes' linear 3-2-2-1 network
    2-16:relu-16:relu-1:sigmoid   # a binary classifier
    4-8:tanh-3:softmax            # a three-class classifier

A layer without an activation is linear (``identity``), as in the notes.

A convolutional spec starts from an image ``CxHxW`` (channels x height x width) and may use

================================ ===========================================================
``convK@KHxKW[/S][+PAD][:ACT]``  K learnable kernels of KH x KW (``@3`` means 3x3), each over
                                 all input channels, with a bias each; stride S (default 1);
                                 zero padding PAD = valid (default), same or full
``maxpoolN`` / ``avgpoolN``      max or mean of each N x N window, stride N (no activation)
``flatten``                      the maps as one vector (channel, row, column order); it is
                                 implied before the first dense layer after an image layer
``N[:ACT]``                      a dense layer, as above; the spec must end with one
================================ ===========================================================

for example ``1x8x8-conv8@3x3:relu-maxpool2-10:softmax`` or
``3x32x32-conv16@3x3/2+same:relu-avgpool2-flatten-10:softmax``.

>>> spec = parse_spec("2-16:relu-1:sigmoid")
>>> spec.widths
(2, 16, 1)
>>> [layer.activation for layer in spec.layers]
['relu', 'sigmoid']
>>> cnn = parse_spec("1x8x8-conv8@3x3:relu-maxpool2-10:softmax")
>>> cnn.shapes
((1, 8, 8), (8, 6, 6), (8, 3, 3), (10,))
>>> cnn.parameter_count(bias=True)  # 8*1*3*3 + 8 kernel weights and biases, 72*10 + 10
810
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from symnet.exceptions import DataError, SpecError
from symnet.graph.registry import ACTIVATION_NAMES, canonical_activation
from symnet.graph.shapes import PADDINGS, output_shape, pool_output_shape

__all__ = [
    "DenseSpec",
    "ConvSpec",
    "PoolSpec",
    "FlattenSpec",
    "ImageInput",
    "NetworkSpec",
    "parse_spec",
    "ACTIVATION_NAMES",
    "POOLINGS",
    "SPEC_FORMS",
    "quoted",
]

POOLINGS = ("max", "avg")

SPEC_FORMS = (
    "layer widths joined by '-', each layer after the input optionally ':ACTIVATION' "
    f"({', '.join(ACTIVATION_NAMES)}, leaky_reluS with a slope S such as leaky_relu0.2, or "
    "a formula named with activation='NAME=EXPR'), e.g. '3-2-2-1' or '2-16:gelu-1:sigmoid'; "
    "for images an input CxHxW, then 'convK@KHxKW[/STRIDE][+valid|+same|+full][:ACTIVATION]', "
    "'maxpoolN', 'avgpoolN' or 'flatten', ending in a dense layer, "
    "e.g. '1x8x8-conv8@3x3:relu-maxpool2-10:softmax'"
)

MAX_WIDTH = 100_000
MAX_IMAGE_SIDE = 4096
MAX_KERNEL_SIDE = 31
#: Most characters of a number in a spec, checked before int() (whose own limit, 4300
#: digits, raises a ValueError of its own): every limit above has at most 6 digits.
MAX_DIGITS = 12
#: Longest spec or token quoted whole in an error message; longer ones are shortened.
MAX_QUOTED = 60
_WIDTH = re.compile(r"[0-9]+")
_IMAGE = re.compile(r"([0-9]+)x([0-9]+)x([0-9]+)", re.IGNORECASE)
_CONV = re.compile(
    r"conv([0-9]+)@([0-9]+)(?:x([0-9]+))?(?:/([0-9]+))?(?:\+([a-z]+))?", re.IGNORECASE
)
_POOL = re.compile(r"(max|avg)pool([0-9]*)", re.IGNORECASE)


@dataclass(frozen=True)
class DenseSpec:
    """A fully connected layer of ``width`` units followed by ``activation``."""

    width: int
    activation: str = "identity"

    def __str__(self) -> str:
        return (
            str(self.width) if self.activation == "identity" else f"{self.width}:{self.activation}"
        )


@dataclass(frozen=True)
class ConvSpec:
    """``kernels`` kernels of ``kernel_shape`` over every input channel, then ``activation``.

    NOTE: a convolutional layer correlates (no kernel flip), as CNN libraries do.
    """

    kernels: int
    kernel_shape: tuple[int, int]
    stride: int = 1
    padding: str = "valid"
    activation: str = "identity"

    def __str__(self) -> str:
        text = f"conv{self.kernels}@{self.kernel_shape[0]}x{self.kernel_shape[1]}"
        text += f"/{self.stride}" if self.stride != 1 else ""
        text += f"+{self.padding}" if self.padding != "valid" else ""
        return text + (f":{self.activation}" if self.activation != "identity" else "")


@dataclass(frozen=True)
class PoolSpec:
    """Max or average pooling over ``size`` x ``size`` windows with stride ``size``."""

    kind: str
    size: int

    activation = "identity"  # no activation of its own (read by code that walks layers)

    def __str__(self) -> str:
        return f"{self.kind}pool{self.size}"


@dataclass(frozen=True)
class FlattenSpec:
    """The maps as one vector, in (channel, row, column) order: a renaming, no arithmetic."""

    activation = "identity"

    def __str__(self) -> str:
        return "flatten"


@dataclass(frozen=True)
class ImageInput:
    """An input image of ``channels`` x ``height`` x ``width``."""

    channels: int
    height: int
    width: int

    @property
    def shape(self) -> tuple[int, int, int]:
        return (self.channels, self.height, self.width)

    def __str__(self) -> str:
        return f"{self.channels}x{self.height}x{self.width}"


LayerSpec = DenseSpec | ConvSpec | PoolSpec | FlattenSpec


@dataclass(frozen=True)
class NetworkSpec:
    """A parsed spec: the input size, the layers after it and, for images, the input shape.

    ``n_inputs`` is the number of input values (C H W for an image); ``image`` is None for a
    dense spec.
    """

    n_inputs: int
    layers: tuple[LayerSpec, ...]
    image: ImageInput | None = None

    @property
    def is_dense(self) -> bool:
        """True for a spec of dense layers only (no image input)."""
        return self.image is None and all(isinstance(layer, DenseSpec) for layer in self.layers)

    def require_dense(self, what: str, instead: str) -> None:
        """``SpecError`` naming ``instead`` when this spec has image layers."""
        if not self.is_dense:
            raise SpecError(
                f"{what} takes a dense spec such as '3-2-2-1'; {self} has image layers: {instead}"
            )

    @cached_property
    def widths(self) -> tuple[int, ...]:
        """Widths of every layer, input first (dense specs; see :attr:`shapes` for images)."""
        self.require_dense("layer widths", "use spec.shapes for the shape of every layer")
        dense = (layer for layer in self.layers if isinstance(layer, DenseSpec))
        return (self.n_inputs, *(layer.width for layer in dense))

    @cached_property
    def shapes(self) -> tuple[tuple[int, ...], ...]:
        """The shape of every layer's output, input first: (C, H, W) for maps, (n,) for vectors.

        Computed once per spec (the spec is frozen), so reading it layer by layer is linear.

        >>> parse_spec("1x5x5-conv2@3x3+same-avgpool2-flatten-3").shapes
        ((1, 5, 5), (2, 5, 5), (2, 2, 2), (8,), (3,))
        """
        shape: tuple[int, ...] = self.image.shape if self.image else (self.n_inputs,)
        shapes = [shape]
        for layer in self.layers:
            shape = _next_shape(shape, layer)
            shapes.append(shape)
        return tuple(shapes)

    @property
    def output_layer(self) -> DenseSpec:
        """The last layer, which is dense in every spec the parser accepts."""
        last = self.layers[-1]
        if not isinstance(last, DenseSpec):
            raise SpecError(f"the spec {self} must end with a dense layer such as -10:softmax")
        return last

    @property
    def n_outputs(self) -> int:
        return self.output_layer.width

    @property
    def is_linear(self) -> bool:
        """True when every layer is linear (no activation, no max pooling)."""
        return all(
            layer.activation == "identity" and getattr(layer, "kind", "") != "max"
            for layer in self.layers
        )

    def parameter_count(self, bias: bool) -> int:
        """Number of weights (and biases when ``bias``) without building anything."""
        count = 0
        for shape, layer in zip(self.shapes, self.layers):
            if isinstance(layer, DenseSpec):
                count += _size(shape) * layer.width + (layer.width if bias else 0)
            elif isinstance(layer, ConvSpec):
                kh, kw = layer.kernel_shape
                count += layer.kernels * shape[0] * kh * kw + (layer.kernels if bias else 0)
        return count

    def parameter_shapes(self) -> tuple[tuple[str, tuple[int, ...]], ...]:
        """(name, shape) of the layer-level parameter arrays, layer by layer, with biases.

        Dense layer l: ``W{l}`` (width, fan_in) and ``b{l}`` (width,); conv layer l:
        ``K{l}`` (kernels, channels, kh, kw) and ``b{l}`` (kernels,); pooling and flatten
        layers have none.

        >>> parse_spec("1x4x4-conv2@3x3-maxpool2-3").parameter_shapes()
        (('K1', (2, 1, 3, 3)), ('b1', (2,)), ('W3', (3, 2)), ('b3', (3,)))
        """
        arrays: list[tuple[str, tuple[int, ...]]] = []
        for l, (shape, layer) in enumerate(zip(self.shapes, self.layers), start=1):
            if isinstance(layer, DenseSpec):
                arrays += [(f"W{l}", (layer.width, _size(shape))), (f"b{l}", (layer.width,))]
            elif isinstance(layer, ConvSpec):
                kernels = (layer.kernels, shape[0], *layer.kernel_shape)
                arrays += [(f"K{l}", kernels), (f"b{l}", (layer.kernels,))]
        return tuple(arrays)

    @property
    def abbreviated(self) -> str:
        """The spec as text for a message: its middle cut out, with its layer count, when long.

        >>> parse_spec("-".join(["1"] * 1001)).abbreviated
        '1-1-1-1-1-1-1-1-1-1-1-1-1-1-1-…1-1-1-1-1-1-1-1-1-1-1-1-1-1-1 (1000 layers)'
        """
        text = str(self)
        if len(text) <= MAX_QUOTED:
            return text
        half = MAX_QUOTED // 2
        return f"{text[:half]}…{text[-(half - 1) :]} ({len(self.layers)} layers)"

    def __str__(self) -> str:
        first = str(self.image) if self.image else str(self.n_inputs)
        return "-".join([first, *(str(layer) for layer in self.layers)])


def _size(shape: tuple[int, ...]) -> int:
    total = 1
    for n in shape:
        total *= n
    return total


def _next_shape(shape: tuple[int, ...], layer: LayerSpec) -> tuple[int, ...]:
    """The output shape of ``layer`` on an input of ``shape`` (DataError: it does not fit)."""
    if isinstance(layer, DenseSpec):
        return (layer.width,)
    if isinstance(layer, FlattenSpec):
        return (_size(shape),)
    if len(shape) != 3:
        raise SpecError(f"{layer} needs an image (C, H, W) as input, not a vector of {shape[0]}")
    if isinstance(layer, ConvSpec):
        rows_cols = output_shape(shape[1:], layer.kernel_shape, layer.padding, layer.stride)
        return (layer.kernels, *rows_cols)
    return (shape[0], *pool_output_shape(shape[1:], layer.size))


def quoted(text: str, limit: int = MAX_QUOTED) -> str:
    """``repr(text)``, its middle cut out when it is longer than ``limit`` characters.

    Error messages quote what the user typed; a spec of 30,000 layers stays one short line.

    >>> quoted("1-" * 40 + "1", 20)
    "'1-1-1-1-1-…1-1-1-1-1' (81 characters)"
    """
    if len(text) <= limit:
        return repr(text)
    head, tail = text[: limit // 2], text[-(limit // 2 - 1) :]
    return f"{head + '…' + tail!r} ({len(text)} characters)"


def _bad(text: str, problem: str) -> SpecError:
    return SpecError(f"invalid network spec {quoted(text)}: {problem}; expected {SPEC_FORMS}")


def _parse_number(text: str, token: str, what: str, limit: int) -> int:
    if not _WIDTH.fullmatch(token):
        shown = "empty" if token == "" else quoted(token)
        raise _bad(text, f"{what} is {shown}, not a whole number")
    if len(token) > MAX_DIGITS:  # NOTE: before int(), which is slow and refuses 4300+ digits
        raise _bad(text, f"{what} has {len(token)} digits; it must be at most {limit}")
    number = int(token)
    if number < 1:
        raise _bad(text, f"{what} is {number}; it must be at least 1")
    if number > limit:
        raise _bad(text, f"{what} is {number}, above the limit {limit}")
    return number


def _parse_activation(text: str, token: str, position: int) -> str:
    _, colon, activation = token.partition(":")
    activation = activation.strip().lower() if colon else "identity"
    try:  # names, aliases, leaky_relu<slope> and the formulas in scope: graph.registry
        return canonical_activation(activation)
    except ValueError as problem:
        shown = quoted(activation or "empty")
        raise _bad(text, f"layer {position + 1} activation {shown} {problem}") from None


def _parse_input(text: str, token: str) -> tuple[int, ImageInput | None]:
    if ":" in token:
        raise _bad(text, "the input layer takes no activation")
    image = _IMAGE.fullmatch(token)
    if image is None:
        if re.fullmatch(r"[0-9]+x[0-9]+", token, re.IGNORECASE):
            example = f"1x{token}" if len(token) <= MAX_QUOTED else "1x8x8"
            raise _bad(text, f"the input {quoted(token)} needs its channels too, e.g. {example}")
        return _parse_number(text, token, "layer 1 width", MAX_WIDTH), None
    c, h, w = (
        _parse_number(text, n, f"the input's {what}", MAX_IMAGE_SIDE)
        for n, what in zip(image.groups(), ("channels", "height", "width"))
    )
    return c * h * w, ImageInput(c, h, w)


def _parse_layer(text: str, token: str, position: int) -> LayerSpec:
    head = token.partition(":")[0].strip()
    where = f"layer {position + 1}"
    activation = _parse_activation(text, token, position)
    conv, pool = _CONV.fullmatch(head), _POOL.fullmatch(head)
    if conv:
        kernels, kh, kw, stride, padding = conv.groups()
        padding = (padding or "valid").lower()
        if padding not in PADDINGS:
            allowed = ", ".join(PADDINGS)
            raise _bad(text, f"{where} padding {quoted(padding)} is not one of {allowed}")
        side = MAX_KERNEL_SIDE
        kh = _parse_number(text, kh, f"{where} kernel height", side)
        kw = kh if kw is None else _parse_number(text, kw, f"{where} kernel width", side)
        return ConvSpec(
            _parse_number(text, kernels, f"{where} kernel count", MAX_WIDTH),
            (kh, kw),
            1 if stride is None else _parse_number(text, stride, f"{where} stride", side),
            padding,
            activation,
        )
    if head.lower() == "flatten" or pool:
        if activation != "identity":
            raise _bad(text, f"{where} ({head}) takes no activation")
        if pool is None:  # the head is "flatten"
            return FlattenSpec()
        if not pool.group(2):
            raise _bad(text, f"{where} needs its window size, e.g. {pool.group(1).lower()}pool2")
        size = _parse_number(text, pool.group(2), f"{where} pooling window", MAX_IMAGE_SIDE)
        return PoolSpec(pool.group(1).lower(), size)
    if head.lower().startswith(("conv", "max", "avg", "pool")):
        forms = "convK@KHxKW, maxpoolN or avgpoolN"
        raise _bad(text, f"{where} {quoted(head)} is not of the form {forms}")
    return DenseSpec(_parse_number(text, head, f"{where} width", MAX_WIDTH), activation)


def _check_order(text: str, spec: NetworkSpec) -> None:
    """Image layers only on images; softmax only at the end; a dense layer last."""
    shape: tuple[int, ...] = spec.image.shape if spec.image else (spec.n_inputs,)
    for position, layer in enumerate(spec.layers, start=2):
        if not isinstance(layer, DenseSpec) and len(shape) != 3:
            source = "a dense or flatten layer" if position > 2 else "a dense input"
            raise _bad(
                text,
                f"layer {position} ({layer}) needs an image: it follows {source}; "
                "start the spec with an image CxHxW such as 1x8x8",
            )
        try:
            shape = _next_shape(shape, layer)
        except DataError as error:
            raise _bad(text, f"layer {position} ({layer}): {error}") from None
    for position, layer in enumerate(spec.layers[:-1], start=2):
        if layer.activation == "softmax":
            raise _bad(text, f"softmax is for the output layer only (found on layer {position})")
    last = spec.layers[-1]
    if not isinstance(last, DenseSpec):
        raise _bad(text, f"it ends with {last}; end it with a dense layer such as -10:softmax")
    if last.activation == "softmax" and last.width < 2:
        raise _bad(text, "softmax needs at least 2 outputs; use sigmoid for one output")


def parse_spec(text: str | NetworkSpec) -> NetworkSpec:
    """Parse a spec such as ``"3-2:relu-1:sigmoid"`` or ``"1x8x8-conv8@3x3:relu-maxpool2-10"``.

    Parameters
    ----------
    text : str or NetworkSpec
        The spec; a parsed spec is returned unchanged.

    Returns
    -------
    NetworkSpec

    Raises
    ------
    SpecError
        With one line naming the problem and the allowed forms.

    >>> str(parse_spec(" 3-2-2-1 "))
    '3-2-2-1'
    >>> parse_spec("3-2:relux-1")
    Traceback (most recent call last):
    ...
    symnet.exceptions.SpecError: invalid network spec '3-2:relux-1': layer 2 activation ...
    >>> parse_spec("1x8x8-conv8@3x3/2+same:relu-10").layers[0]
    ConvSpec(kernels=8, kernel_shape=(3, 3), stride=2, padding='same', activation='relu')
    """
    if isinstance(text, NetworkSpec):
        return text
    if not isinstance(text, str):
        raise SpecError(
            f"a network spec must be a string such as '3-2-2-1', got {type(text).__name__}"
        )
    original = text
    text = text.strip()
    if not text:
        raise _bad(original, "it is empty")
    tokens = text.split("-")
    if len(tokens) < 2:
        raise _bad(original, "it needs an input width and at least one layer")
    n_inputs, image = _parse_input(original, tokens[0].strip())
    layers = tuple(
        _parse_layer(original, token.strip(), position)
        for position, token in enumerate(tokens[1:], start=1)
    )
    spec = NetworkSpec(n_inputs, layers, image)
    _check_order(original, spec)
    return spec
