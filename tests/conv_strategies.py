"""Hypothesis strategies for small convolutional specs (tiny images: scalar graphs stay small)."""

from __future__ import annotations

from hypothesis import strategies as st

from symnet.graph.shapes import output_shape, pool_output_shape

HIDDEN = ("identity", "relu", "tanh", "sigmoid")


@st.composite
def conv_specs(
    draw,
    max_channels: int = 2,
    sides: tuple[int, int] = (4, 6),
    max_kernels: int = 2,
    max_conv_layers: int = 1,
    softmax: bool = True,
) -> str:
    """A spec such as ``"2x5x4-conv2@3x3/2+same:relu-maxpool2-3:softmax"``.

    Channels 1..max_channels, image sides in ``sides``, 1..max_kernels kernels of 2x2 or
    3x3, stride 1 or 2, padding valid or same, an optional pooling layer (max or avg,
    window 2) after each conv layer, an optional explicit flatten, and a dense output.
    """
    channels = draw(st.integers(1, max_channels))
    rows, cols = draw(st.integers(*sides)), draw(st.integers(*sides))
    parts = [f"{channels}x{rows}x{cols}"]
    for _ in range(draw(st.integers(1, max_conv_layers))):
        side = draw(st.sampled_from((2, 3)))
        stride = draw(st.sampled_from((1, 2)))
        padding = draw(st.sampled_from(("valid", "same")))
        if padding == "valid" and side > min(rows, cols):
            padding = "same"
        kernels = draw(st.integers(1, max_kernels))
        activation = draw(st.sampled_from(HIDDEN))
        token = f"conv{kernels}@{side}x{side}" + (f"/{stride}" if stride > 1 else "")
        token += "" if padding == "valid" else f"+{padding}"
        token += "" if activation == "identity" else f":{activation}"
        parts.append(token)
        rows, cols = output_shape((rows, cols), (side, side), padding, stride)
        if min(rows, cols) >= 2 and draw(st.booleans()):
            parts.append(f"{draw(st.sampled_from(('max', 'avg')))}pool2")
            rows, cols = pool_output_shape((rows, cols), 2)
    if draw(st.booleans()):
        parts.append("flatten")
    width = draw(st.integers(1, 3))
    choices = ["identity", "sigmoid", "tanh"] + (["softmax"] if softmax and width >= 2 else [])
    output = draw(st.sampled_from(choices))
    parts.append(str(width) if output == "identity" else f"{width}:{output}")
    return "-".join(parts)
