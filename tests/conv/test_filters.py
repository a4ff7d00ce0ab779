"""Symbolic dot products, the compiled sliding-window convolution, and the conv diagram."""

from __future__ import annotations

import re

import numpy as np
import pytest
import scipy.signal
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from symnet.conv import filters as conv
from symnet.conv.dot_product import (
    channel_dot_products,
    dot_product,
    flip,
    image_symbols,
    window_taps,
)
from symnet.conv.filtering import filter_file
from symnet.conv.filters import (
    MODES,
    PADDINGS,
    conv2d,
    correlate,
    filter_image,
    input_gradient,
    kernel_gradient,
    output_shape,
    pad_widths,
)
from symnet.conv.kernels import KERNELS
from symnet.exceptions import DataError, SizeLimitError, SpecError
from symnet.render.conv import conv_layer_diagram, conv_layer_dot

SCIPY = {"correlate": scipy.signal.correlate2d, "convolve": scipy.signal.convolve2d}


def scipy_filter(image, kernel, padding, stride, mode):
    """The reference: scipy's 2-D correlation/convolution, every stride-th pixel."""
    return SCIPY[mode](image, kernel, mode=padding)[::stride, ::stride]


@pytest.mark.parametrize("padding", PADDINGS)
@pytest.mark.parametrize("stride", [1, 2, 3])
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("kernel_shape", [(3, 3), (2, 2), (2, 5), (4, 1)])
def test_equals_scipy_for_every_padding_stride_and_mode(padding, stride, mode, kernel_shape):
    rng = np.random.default_rng(7)
    image, kernel = rng.normal(size=(11, 9)), rng.normal(size=kernel_shape)
    expected = scipy_filter(image, kernel, padding, stride, mode)
    result = filter_image(image, kernel, padding, stride, mode)
    assert result.shape == expected.shape
    np.testing.assert_allclose(result, expected, rtol=0, atol=1e-12)


@given(
    st.integers(1, 9),
    st.integers(1, 9),
    st.integers(1, 4),
    st.integers(1, 4),
    st.sampled_from(PADDINGS),
    st.integers(1, 3),
    st.sampled_from(MODES),
    st.integers(0, 2**32 - 1),
)
def test_equals_scipy_on_random_shapes(h, w, kh, kw, padding, stride, mode, seed):
    rng = np.random.default_rng(seed)
    image, kernel = rng.normal(size=(h, w)), rng.normal(size=(kh, kw))
    if padding == "valid" and (kh > h or kw > w):
        with pytest.raises(DataError):
            filter_image(image, kernel, padding, stride, mode)
        return
    expected = scipy_filter(image, kernel, padding, stride, mode)
    np.testing.assert_allclose(
        filter_image(image, kernel, padding, stride, mode), expected, rtol=0, atol=1e-12
    )
    assert output_shape((h, w), (kh, kw), padding, stride, mode) == expected.shape


def test_rgb_is_filtered_channel_by_channel_and_float32_stays_float32():
    rng = np.random.default_rng(1)
    image = rng.uniform(0, 255, size=(20, 17, 3))
    result = filter_image(image, "sharpen", "same", 2)
    for c in range(3):
        expected = scipy_filter(image[..., c], KERNELS["sharpen"].array(), "same", 2, "correlate")
        np.testing.assert_allclose(result[..., c], expected, atol=1e-12)
    single = filter_image(image.astype(np.float32), "blur", "same")
    assert single.dtype == np.float32
    np.testing.assert_allclose(single, filter_image(image, "blur", "same"), rtol=1e-5)


def test_the_notes_kernels_on_a_flat_image():
    flat = np.full((6, 6), 7.0)
    assert np.allclose(correlate(flat, "outline"), 0)
    assert np.allclose(correlate(flat, "blur"), 7)
    assert np.allclose(correlate(flat, "sharpen"), 7)


@given(
    st.integers(1, 3),
    st.integers(1, 3),
    st.integers(1, 3),
    st.sampled_from(PADDINGS),
    st.integers(1, 2),
    st.sampled_from(MODES),
    st.integers(0, 2**32 - 1),
)
def test_batches_of_channels_and_kernels_equal_scipy(n, c, k, padding, stride, mode, seed):
    rng = np.random.default_rng(seed)
    x, weights = rng.normal(size=(n, c, 7, 6)), rng.normal(size=(k, c, 3, 2))
    result = conv2d(x, weights, padding, stride, mode)
    expected = np.array(
        [
            [
                sum(scipy_filter(x[i, j], weights[o, j], padding, stride, mode) for j in range(c))
                for o in range(k)
            ]
            for i in range(n)
        ]
    )
    np.testing.assert_allclose(result, expected, rtol=0, atol=1e-12)


def test_conv2d_equals_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    x, weights = rng.normal(size=(4, 3, 12, 10)), rng.normal(size=(5, 3, 3, 3))
    tx, tw = torch.from_numpy(x), torch.from_numpy(weights)
    cases = [("valid", 1, 0), ("valid", 2, 0), ("full", 2, 2), ("same", 1, "same")]
    for padding, stride, torch_padding in cases:
        expected = torch.nn.functional.conv2d(tx, tw, stride=stride, padding=torch_padding)
        np.testing.assert_allclose(
            conv2d(x, weights, padding, stride), expected.numpy(), atol=1e-12
        )


def test_kernel_gradient_equals_finite_differences():
    rng = np.random.default_rng(5)
    for padding, stride, mode in [
        ("valid", 1, "correlate"),
        ("same", 2, "convolve"),
        ("full", 3, "correlate"),
    ]:
        x, weights = rng.normal(size=(2, 2, 7, 8)), rng.normal(size=(3, 2, 2, 3))
        target = rng.normal(size=conv2d(x, weights, padding, stride, mode).shape)

        def loss(w, padding=padding, stride=stride, mode=mode, x=x, target=target):
            return 0.5 * np.sum((conv2d(x, w, padding, stride, mode) - target) ** 2)

        delta = conv2d(x, weights, padding, stride, mode) - target
        gradient = kernel_gradient(x, delta, (2, 3), padding, stride, mode)
        numeric = np.zeros_like(weights)
        for index in np.ndindex(weights.shape):
            step = np.zeros_like(weights)
            step[index] = 1e-6
            numeric[index] = (loss(weights + step) - loss(weights - step)) / 2e-6
        np.testing.assert_allclose(gradient, numeric, rtol=1e-6, atol=1e-6)


def test_input_gradient_equals_finite_differences():
    rng = np.random.default_rng(6)
    cases = [
        ("valid", 1, "correlate"),
        ("same", 2, "convolve"),
        ("full", 2, "correlate"),
        ("valid", 3, "convolve"),
    ]
    for padding, stride, mode in cases:
        x, weights = rng.normal(size=(2, 2, 7, 8)), rng.normal(size=(3, 2, 2, 3))
        target = rng.normal(size=conv2d(x, weights, padding, stride, mode).shape)

        def loss(inputs, padding=padding, stride=stride, mode=mode, weights=weights, t=target):
            return 0.5 * np.sum((conv2d(inputs, weights, padding, stride, mode) - t) ** 2)

        delta = conv2d(x, weights, padding, stride, mode) - target
        gradient = input_gradient(delta, weights, (7, 8), padding, stride, mode)
        numeric = np.zeros_like(x)
        for index in np.ndindex(x.shape):
            step = np.zeros_like(x)
            step[index] = 1e-6
            numeric[index] = (loss(x + step) - loss(x - step)) / 2e-6
        np.testing.assert_allclose(gradient, numeric, rtol=1e-6, atol=1e-6)


def test_kernel_gradient_equals_pytorch_autograd():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(9)
    x, weights = rng.normal(size=(3, 2, 9, 9)), rng.normal(size=(4, 2, 3, 3))
    tw, tx = torch.tensor(weights, requires_grad=True), torch.tensor(x, requires_grad=True)
    out = torch.nn.functional.conv2d(tx, tw, stride=2, padding=1)
    (out**2).sum().backward()
    delta = 2 * conv2d(x, weights, "same", 2)
    gradient = kernel_gradient(x, delta, (3, 3), "same", 2)
    np.testing.assert_allclose(gradient, tw.grad.numpy(), atol=1e-10)
    inputs = input_gradient(delta, weights, (9, 9), "same", 2)
    np.testing.assert_allclose(inputs, tx.grad.numpy(), atol=1e-10)


# ---- the symbolic dot product ----


def test_every_output_pixel_is_its_dot_product():
    rng = np.random.default_rng(11)
    image = rng.integers(0, 256, size=(5, 6)).astype(float)
    symbols = image_symbols(image.shape)
    values = {symbols[r, c]: sp.Integer(int(image[r, c])) for r in range(5) for c in range(6)}
    for padding in PADDINGS:
        for stride, mode in [(1, "correlate"), (2, "convolve")]:
            kernel = KERNELS["emboss"]
            result = filter_image(image, kernel, padding, stride, mode)
            for i, j in np.ndindex(result.shape):
                product = dot_product(kernel, (i, j), image.shape, padding, stride, mode)
                exact = product.expression.xreplace(values)
                assert exact.is_Integer and float(exact) == pytest.approx(result[i, j], abs=1e-9)
                assert product.value(image) == pytest.approx(result[i, j], abs=1e-9)


def test_the_notes_blur_as_a_dot_product():
    product = dot_product("blur", (1, 1))
    patch = image_symbols((4, 4))[1:4, 1:4]  # valid padding: rows and columns 1..3
    assert sp.expand(product.expression - sum(patch) / 9) == 0
    text = product.text()
    assert text.startswith("y[1,1] = (1/9)*p_{1,1} + (1/9)*p_{1,2} + (1/9)*p_{1,3}")
    numbers = dot_product("blur", (0, 0)).text(np.arange(9).reshape(3, 3))
    assert numbers.splitlines()[-1].strip() == "= 4"  # (0 + 1 + ... + 8) / 9


def test_exact_totals_with_fractions():
    image = np.array([[1, 2], [3, 5]])
    text = dot_product("1/9,1/9;1/9,1/9", (0, 0)).text(image)
    assert text.splitlines()[-1].strip() == "= 11/9 = 1.22222"


def test_padding_shows_as_zeros_and_convolve_flips():
    product = dot_product("sobel_x", (0, 0), (4, 4), padding="same", mode="convolve")
    assert product.weights == flip(KERNELS["sobel_x"].matrix)
    assert product.window.row(0) == sp.zeros(1, 3)  # the top row lies in the padding
    assert product.window[1, 1] == sp.Symbol("p_{0,0}")
    assert product.expression == -2 * sp.Symbol("p_{0,1}") - sp.Symbol("p_{1,1}")


def test_the_compiled_code_equals_lambdify_of_the_dot_product():
    # The brief's route, done independently: lambdify the symbolic window dot product with
    # the kernel's numbers and apply it to shifted views of the padded image.
    rng = np.random.default_rng(2)
    image = rng.normal(size=(13, 10))
    for name in ["outline", "blur", "gaussian5", "emboss"]:
        kernel = KERNELS[name]
        kh, kw = kernel.shape
        window = image_symbols((kh, kw), "q")
        function = sp.lambdify(list(window), sum(kernel.matrix.multiply_elementwise(window)))
        (top, bottom), (left, right) = pad_widths((kh, kw), "same")
        padded = np.pad(image, ((top, bottom), (left, right)))
        views = [padded[u : u + 13, v : v + 10] for u in range(kh) for v in range(kw)]
        np.testing.assert_allclose(
            filter_image(image, kernel, "same"), function(*views), atol=1e-12
        )


def test_window_taps_cover_the_window_once():
    for shape in [(1, 1), (2, 3), (5, 5)]:
        taps = window_taps(*shape)
        assert sorted(taps) == [(u, v) for u in range(shape[0]) for v in range(shape[1])]


def test_dot_product_latex_and_symbolic_kernels():
    weights = image_symbols((2, 2), "k")
    product = dot_product(weights, (0, 1))
    assert product.latex().startswith("y_{0,1} = ")
    assert product.expression.coeff(sp.Symbol("p_{0,1}")) == sp.Symbol("k_{0,0}")


# ---- errors ----


def test_bad_options_and_shapes():
    image = np.ones((5, 5))
    with pytest.raises(SpecError, match="padding must be one of"):
        filter_image(image, "blur", padding="circular")
    with pytest.raises(SpecError, match="mode must be one of"):
        filter_image(image, "blur", mode="xcorr")
    for stride in [0, -1, 1.5, True]:
        with pytest.raises(SpecError, match="stride"):
            filter_image(image, "blur", stride=stride)
    with pytest.raises(DataError, match="larger than the 5x2 image"):
        filter_image(np.ones((5, 2)), "gaussian5", padding="valid")
    with pytest.raises(DataError, match="real numbers"):
        filter_image(np.ones((4, 4), dtype=complex), "blur")
    with pytest.raises(DataError):
        filter_image(np.ones((2, 3, 4, 5)), "blur")
    with pytest.raises(DataError, match="same C"):
        conv2d(np.ones((1, 2, 5, 5)), np.ones((3, 1, 3, 3)))
    with pytest.raises(SpecError, match="outside the 3x3 output"):
        dot_product("blur", (3, 0), (5, 5))
    with pytest.raises(DataError, match="does not lie in this image"):
        dot_product("blur", (3, 3)).values(np.ones((4, 4)))
    with pytest.raises(DataError, match="delta must have shape"):
        kernel_gradient(np.ones((1, 1, 5, 5)), np.ones((1, 1, 2, 2)), (3, 3))


def test_huge_work_is_refused(monkeypatch):
    monkeypatch.setattr(conv, "MAX_CONV_WORK", 1000)
    with pytest.raises(SizeLimitError, match="smaller image"):
        filter_image(np.ones((40, 40)), "blur")
    with pytest.raises(SizeLimitError):
        conv2d(np.ones((8, 1, 20, 20)), np.ones((4, 1, 3, 3)))


# ---- the conv-layer diagram ----


@pytest.mark.parametrize("count", [1, 2, 3])
def test_diagram_counts(count):
    kernels = ["outline", "blur", "sharpen"][:count]
    diagram = conv_layer_diagram(kernels, (6, 6), (1, 2))
    assert (diagram.nodes, diagram.edges, diagram.view) == (2 * count + 2, 2 * count + 1, "conv")
    assert diagram.source.count(" -> ") == 2 * count + 1


def test_diagram_highlights_the_window_and_the_padding():
    source = conv_layer_dot(["sharpen"], (5, 5), (0, 0), padding="same")
    assert source.count('BGCOLOR="#ffd966"') == 9  # the 3x3 window
    assert "zero padding" in source
    assert "p<SUB>0,0</SUB>" in source and "p<SUB>1,1</SUB>" in source
    numbers = conv_layer_dot(
        np.array([[[1.0, 2.0], [3.0, 4.0]]]), image=np.eye(4) * 7, position=(1, 1)
    )
    assert "kernel 1" in numbers and ">7<" in numbers


def test_diagram_labels_are_escaped():
    source = conv_layer_dot(["blur"], title='<b onload="x">&</b>')
    assert "<b onload" not in source
    assert "&lt;b onload=&quot;x&quot;&gt;&amp;&lt;/b&gt;" in source
    assert not re.search(r"(?i)\b(href|url|tooltip)\s*=", source)


def test_diagram_limits():
    with pytest.raises(SpecError, match="1 to 8 kernels"):
        conv_layer_dot(["blur"] * 9)
    with pytest.raises(SpecError, match="same shape"):
        conv_layer_dot(["blur", "box"])


def test_diagram_renders_with_graphviz():
    diagram = conv_layer_diagram(["outline", "blur"], (12, 12), (3, 4), stride=2)
    try:
        svg = diagram.svg()
    except Exception as error:  # Graphviz missing on this machine
        pytest.skip(f"Graphviz unavailable: {error}")
    assert svg.count('class="node"') == diagram.nodes
    assert svg.count('class="edge"') == diagram.edges


def test_a_colour_pixel_is_one_dot_product_per_channel():
    rng = np.random.default_rng(5)
    image = rng.integers(0, 256, size=(4, 5, 3)).astype(float)
    found = channel_dot_products("sharpen", (1, 2), image, padding="same", mode="convolve")
    assert found.channels == ("red", "green", "blue")
    result = filter_image(image, KERNELS["sharpen"], "same", 1, "convolve")
    assert found.values == pytest.approx(tuple(result[1, 2]))
    assert found.text().splitlines()[0].startswith("convolve: the kernel is flipped")
    assert found.to_dict()["dot_product_lines"][2] == found.texts[2].splitlines()


def test_filter_file_writes_what_it_is_asked_and_describes_it(tmp_path):
    source = tmp_path / "in.npy"
    np.save(source, np.arange(30, dtype=float).reshape(5, 6))
    run = filter_file(source, "blur", position=(0, 0), output=tmp_path / "out.npy")
    data = run.to_dict()
    assert data["output_shape"] == [5, 6] and data["pixel"]["values"] == [pytest.approx(14 / 9)]
    np.testing.assert_allclose(np.load(tmp_path / "out.npy"), run.result)
    assert run.text().splitlines()[0] == f"input: {source} (5x6 grayscale)"
    assert run.text().splitlines()[-1] == f"wrote {tmp_path / 'out.npy'} (raw values)"
