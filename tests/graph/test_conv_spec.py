"""The conv spec grammar, its shapes and parameter counts, and the pure-Python geometry."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from symnet.conv import filters as conv
from symnet.exceptions import DataError, SpecError
from symnet.graph import shapes
from symnet.graph.size import check_expansion, expansion_terms, graph_edges, substituted_size
from symnet.graph.spec import ConvSpec, DenseSpec, FlattenSpec, ImageInput, PoolSpec, parse_spec
from tests.conv_strategies import conv_specs

EXAMPLE = "1x8x8-conv8@3x3:relu-maxpool2-10:softmax"


def test_the_example_spec():
    spec = parse_spec(EXAMPLE)
    assert spec.image == ImageInput(1, 8, 8)
    assert spec.n_inputs == 64
    assert spec.layers == (
        ConvSpec(8, (3, 3), 1, "valid", "relu"),
        PoolSpec("max", 2),
        DenseSpec(10, "softmax"),
    )
    # 8x8 image, 3x3 valid window: 6x6 maps; 2x2 pooling: 3x3; flatten implied: 72 inputs.
    assert spec.shapes == ((1, 8, 8), (8, 6, 6), (8, 3, 3), (10,))
    assert spec.parameter_count(bias=True) == 8 * 9 + 8 + 72 * 10 + 10
    assert spec.parameter_count(bias=False) == 8 * 9 + 72 * 10
    assert spec.n_outputs == 10 and not spec.is_dense and not spec.is_linear


def test_stride_padding_flatten_and_square_kernels():
    spec = parse_spec("3x7x5-conv4@3/2+same:tanh-avgpool2-flatten-2")
    assert spec.layers[0] == ConvSpec(4, (3, 3), 2, "same", "tanh")
    assert spec.layers[2] == FlattenSpec()
    # 'same' with stride 2 keeps ceil(n / 2): 7 -> 4, 5 -> 3; avg pooling 2 drops the rest.
    assert spec.shapes == ((3, 7, 5), (4, 4, 3), (4, 2, 1), (8,), (2,))
    assert str(spec) == "3x7x5-conv4@3x3/2+same:tanh-avgpool2-flatten-2"
    assert parse_spec("1x4x4-conv1@2x2+full-1").shapes[1] == (1, 5, 5)
    assert parse_spec("1X4X4-CONV1@2x2+VALID-MaxPool3-1").shapes[2] == (1, 1, 1)


def test_linearity_of_conv_specs():
    assert parse_spec("1x4x4-conv2@2x2-avgpool2-flatten-1").is_linear
    assert not parse_spec("1x4x4-conv2@2x2-maxpool2-1").is_linear  # max is not linear
    assert not parse_spec("1x4x4-conv2@2x2:relu-1").is_linear


@given(conv_specs(max_conv_layers=2))
def test_conv_spec_text_round_trips(text):
    spec = parse_spec(text)
    assert str(spec) == text
    assert parse_spec(str(spec)) == spec


@given(conv_specs(max_conv_layers=2, max_kernels=3, max_channels=3))
def test_shapes_are_the_shapes_numpy_computes(text):
    """Run the layers on zeros with symnet.conv.filters.conv2d and NumPy reshapes: same shapes."""
    spec = parse_spec(text)
    x = np.zeros((1, *spec.image.shape))
    for layer, expected in zip(spec.layers, spec.shapes[1:]):
        if isinstance(layer, ConvSpec):
            weights = np.zeros((layer.kernels, x.shape[1], *layer.kernel_shape))
            x = conv.conv2d(x, weights, layer.padding, layer.stride)
        elif isinstance(layer, PoolSpec):
            n, (rows, cols) = layer.size, x.shape[2:]
            x = x[:, :, : rows - rows % n, : cols - cols % n]
            x = x.reshape(*x.shape[:2], rows // n, n, cols // n, n).max(axis=(3, 5))
        else:
            x = np.zeros((1, layer.width)) if isinstance(layer, DenseSpec) else x.reshape(1, -1)
        assert x.shape[1:] == expected


@given(conv_specs(max_conv_layers=2, max_kernels=3, max_channels=3))
def test_parameter_count_matches_torch(text):
    torch = pytest.importorskip("torch")
    spec = parse_spec(text)
    modules = []
    for shape, layer in zip(spec.shapes, spec.layers):
        if isinstance(layer, ConvSpec):
            modules.append(torch.nn.Conv2d(shape[0], layer.kernels, layer.kernel_shape))
        elif isinstance(layer, DenseSpec):
            modules.append(torch.nn.Linear(int(np.prod(shape)), layer.width))
    counted = sum(p.numel() for m in modules for p in m.parameters())
    assert spec.parameter_count(bias=True) == counted


@given(
    st.integers(1, 9),
    st.integers(1, 9),
    st.integers(1, 4),
    st.integers(1, 4),
    st.sampled_from(shapes.PADDINGS),
    st.integers(1, 3),
    st.sampled_from(shapes.MODES),
)
def test_geometry_agrees_with_symnet_conv(rows, cols, kh, kw, padding, stride, mode):
    assert shapes.pad_widths((kh, kw), padding, mode) == conv.pad_widths((kh, kw), padding, mode)
    try:
        expected = conv.output_shape((rows, cols), (kh, kw), padding, stride, mode)
    except DataError:
        with pytest.raises(DataError):
            shapes.output_shape((rows, cols), (kh, kw), padding, stride, mode)
        return
    assert shapes.output_shape((rows, cols), (kh, kw), padding, stride, mode) == expected


@given(st.integers(1, 7), st.integers(1, 3), st.integers(0, 2), st.integers(1, 3))
def test_taps_inside_counts_the_terms_of_each_window(size, kernel, before, stride):
    outputs = max(1, (size + 2 * before - kernel) // stride + 1)
    counted = 0
    for i in range(outputs):
        window = np.arange(i * stride - before, i * stride - before + kernel)
        counted += int(np.sum((window >= 0) & (window < size)))
    assert shapes.taps_inside(size, kernel, before, stride, outputs) == counted


BAD_CONV_SPECS = [
    ("8x8-10", "needs its channels"),
    ("5-conv2@3x3-2", "needs an image"),
    ("1x4x4-flatten-maxpool2-1", "needs an image"),
    ("1x4x4-conv1@5x5-1", "larger than the 4x4 image"),
    ("1x4x4-maxpool5-1", "larger than the 4x4 map"),
    ("1x4x4-maxpool-1", "window size"),
    ("1x4x4-maxpool2:relu-1", "takes no activation"),
    ("1x4x4-conv1@2+circular-1", "padding 'circular'"),
    ("1x4x4-conv0@2-1", "kernel count is 0"),
    ("1x4x4-conv1@2x0-1", "kernel width is 0"),
    ("1x4x4-conv1@2/0-1", "stride is 0"),
    ("1x4x4-conv1@2:softmax-2", "output layer only"),
    ("1x4x4-conv1@2:relux-2", "activation 'relux'"),
    ("1x4x4-conv1@2", "end it with a dense layer"),
    ("1x4x4-convolution-2", "not of the form"),
    ("0x4x4-2", "channels is 0"),
]


@pytest.mark.parametrize(("text", "problem"), BAD_CONV_SPECS)
def test_bad_conv_specs_raise_one_line_spec_errors(text, problem):
    with pytest.raises(SpecError) as caught:
        parse_spec(text)
    message = str(caught.value)
    assert "\n" not in message and problem in message
    assert "'1x8x8-conv8@3x3:relu-maxpool2-10:softmax'" in message  # the allowed forms


def test_dense_only_operations_refuse_conv_specs_naming_the_alternative():
    spec = parse_spec(EXAMPLE)
    with pytest.raises(SpecError, match="use spec.shapes"):
        spec.widths  # noqa: B018
    for refuse in (lambda: check_expansion(spec, False), lambda: expansion_terms(spec, True)):
        with pytest.raises(SpecError, match="gradients instead, or draw it with view='conv'"):
            refuse()
    # The dense API is unchanged for dense specs.
    dense = parse_spec("3-2:relu-1")
    assert dense.widths == (3, 2, 1) and dense.shapes == ((3,), (2,), (1,)) and dense.is_dense


def test_size_estimates_of_conv_specs():
    spec = parse_spec("1x4x4-conv1@2x2-avgpool3-1")
    # conv: 9 outputs x 4 taps x 2 edges; pooling: one 3x3 window; dense: 2 edges.
    assert graph_edges(spec, bias=False) == 9 * 4 * 2 + 9 + 2
    # y = w * mean(9 windows), each window 4 products of 2 leaves (k, x): 9*(4*3+1)+1 ...
    assert substituted_size(spec, bias=False) == 1 * ((9 * (4 * 2 + 1) + 1) + 1) + 1


def test_spec_parsing_needs_neither_numpy_nor_sympy():
    code = (
        "import sys, symnet.graph.spec as s; "
        "s.parse_spec('1x8x8-conv8@3x3:relu-maxpool2-10').shapes; "
        "print(sorted(m for m in ('numpy', 'sympy') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "[]", result.stderr
