"""Hypothesis strategies shared by the property tests: random small network specs."""

from __future__ import annotations

from hypothesis import strategies as st

ELEMENTWISE = ("identity", "relu", "leaky_relu", "sigmoid", "tanh")


@st.composite
def linear_specs(draw, max_layers: int = 3, max_width: int = 3) -> str:
    """An all-linear spec such as ``"3-2-2-1"``."""
    widths = draw(st.lists(st.integers(1, max_width), min_size=2, max_size=max_layers + 1))
    return "-".join(map(str, widths))


@st.composite
def specs(draw, max_layers: int = 3, max_width: int = 3, softmax: bool = True) -> str:
    """A spec with random activations, softmax only on a multi-unit output layer."""
    widths = draw(st.lists(st.integers(1, max_width), min_size=2, max_size=max_layers + 1))
    parts = [str(widths[0])]
    for position, width in enumerate(widths[1:], start=1):
        choices = list(ELEMENTWISE)
        if softmax and position == len(widths) - 1 and width >= 2:
            choices.append("softmax")
        activation = draw(st.sampled_from(choices))
        parts.append(str(width) if activation == "identity" else f"{width}:{activation}")
    return "-".join(parts)


def loss_for(spec: str, choice: int) -> str:
    """A loss that suits the output layer of ``spec``; ``choice`` picks between the fitting ones."""
    last = spec.rsplit("-", 1)[1]
    if last.endswith("softmax"):
        return ("ce", "mse")[choice % 2]
    if last == "1:sigmoid":
        return ("bce", "mse")[choice % 2]
    return "mse"
