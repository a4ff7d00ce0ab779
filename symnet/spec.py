"""The network spec string shared by every command, and its one parser.

A spec is the layer widths joined by ``-``; every layer after the input may carry an
activation after a colon::

    3-2-2-1                       # the notes' linear 3-2-2-1 network
    2-16:relu-16:relu-1:sigmoid   # a binary classifier
    4-8:tanh-3:softmax            # a three-class classifier

A layer without an activation is linear (``identity``), as in the notes.

>>> spec = parse_spec("2-16:relu-1:sigmoid")
>>> spec.widths
(2, 16, 1)
>>> [layer.activation for layer in spec.layers]
['relu', 'sigmoid']
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from symnet.exceptions import SpecError

__all__ = ["DenseSpec", "NetworkSpec", "parse_spec", "ACTIVATION_NAMES", "SPEC_FORMS"]

# The activation names a spec may use, in the order they are listed in messages. The
# definitions live in symnet.activations; this tuple is kept here so that parsing a spec
# (which every command does, even `--help` paths) needs no SymPy import.
ACTIVATION_NAMES = ("identity", "relu", "leaky_relu", "sigmoid", "tanh", "softmax")
ACTIVATION_ALIASES = {"linear": "identity", "leakyrelu": "leaky_relu"}

SPEC_FORMS = (
    "layer widths joined by '-', each layer after the input optionally ':ACTIVATION' "
    f"({', '.join(ACTIVATION_NAMES)}), e.g. '3-2-2-1' or '2-16:relu-16:relu-1:sigmoid'"
)

MAX_WIDTH = 100_000
_WIDTH = re.compile(r"[0-9]+")


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
class NetworkSpec:
    """A parsed spec: the input width and the layers after it."""

    n_inputs: int
    layers: tuple[DenseSpec, ...]

    @property
    def widths(self) -> tuple[int, ...]:
        """Widths of every layer, input first."""
        return (self.n_inputs, *(layer.width for layer in self.layers))

    @property
    def n_outputs(self) -> int:
        return self.layers[-1].width

    @property
    def is_linear(self) -> bool:
        """True when every layer is linear, so the network collapses to one linear map."""
        return all(layer.activation == "identity" for layer in self.layers)

    def parameter_count(self, bias: bool) -> int:
        """Number of weights (and biases when ``bias``) without building anything."""
        widths = self.widths
        weights = sum(a * b for a, b in zip(widths, widths[1:]))
        return weights + (sum(widths[1:]) if bias else 0)

    def __str__(self) -> str:
        return "-".join([str(self.n_inputs), *(str(layer) for layer in self.layers)])


def _bad(text: str, problem: str) -> SpecError:
    return SpecError(f"invalid network spec {text!r}: {problem}; expected {SPEC_FORMS}")


def _parse_width(text: str, token: str, position: int) -> int:
    if not _WIDTH.fullmatch(token):
        what = "empty" if token == "" else repr(token)
        raise _bad(text, f"layer {position + 1} width is {what}, not a whole number")
    width = int(token)
    if width < 1:
        raise _bad(
            text, f"layer {position + 1} has width {width}; every layer needs at least 1 unit"
        )
    if width > MAX_WIDTH:
        raise _bad(text, f"layer {position + 1} has width {width}, above the limit {MAX_WIDTH}")
    return width


def parse_spec(text: str | NetworkSpec) -> NetworkSpec:
    """Parse a spec string such as ``"3-2:relu-1:sigmoid"``.

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
    first = tokens[0]
    if ":" in first:
        raise _bad(original, "the input layer takes no activation")
    n_inputs = _parse_width(original, first, 0)
    layers = []
    for position, token in enumerate(tokens[1:], start=1):
        width_text, _, activation = token.partition(":")
        width = _parse_width(original, width_text.strip(), position)
        activation = activation.strip().lower() if ":" in token else "identity"
        activation = ACTIVATION_ALIASES.get(activation, activation)
        if activation not in ACTIVATION_NAMES:
            shown = activation or "empty"
            allowed = ", ".join(ACTIVATION_NAMES)
            problem = f"layer {position + 1} activation {shown!r} is not one of {allowed}"
            raise _bad(original, problem)
        layers.append(DenseSpec(width, activation))
    for position, layer in enumerate(layers[:-1], start=2):
        if layer.activation == "softmax":
            raise _bad(
                original, f"softmax is for the output layer only (found on layer {position})"
            )
    if layers[-1].activation == "softmax" and layers[-1].width < 2:
        raise _bad(original, "softmax needs at least 2 outputs; use sigmoid for one output")
    return NetworkSpec(n_inputs, tuple(layers))
