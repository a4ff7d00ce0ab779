"""Learning a kernel: the symbolic gradient, the compiled gradient, and recovery."""

from __future__ import annotations

import functools
import time

import numpy as np
import pytest
import scipy.signal
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from symnet.conv.kernels import KERNELS, NOTES_KERNELS
from symnet.conv.learning import (
    fit_kernel,
    learn_kernel,
    loss_and_gradient,
    plot_fit,
    symbolic_gradient,
    training_pairs,
)
from symnet.exceptions import DataError, SpecError, SymnetError


@pytest.mark.parametrize(
    "image_shape, kernel_shape", [((3, 3), (2, 2)), ((4, 4), (3, 3)), ((3, 4), (1, 2))]
)
def test_sympy_diff_equals_the_correlation_rule(image_shape, kernel_shape):
    assert symbolic_gradient(image_shape, kernel_shape).agree()


@pytest.mark.parametrize("image_shape, kernel_shape", [((3, 3), (2, 2)), ((5, 4), (3, 2))])
def test_the_compiled_gradient_equals_the_symbolic_one(image_shape, kernel_shape):
    symbolic = symbolic_gradient(image_shape, kernel_shape)
    function = symbolic.function()
    rng = np.random.default_rng(4)
    rows, cols = symbolic.outputs.shape
    for _ in range(5):
        x = rng.normal(size=image_shape)
        k = rng.normal(size=kernel_shape)
        t = rng.normal(size=(rows, cols))
        _, compiled = loss_and_gradient(k, x[None, None], t[None, None])
        np.testing.assert_allclose(compiled, function(x, k, t), rtol=1e-12, atol=1e-12)


def test_the_compiled_gradient_equals_finite_differences_and_torch():
    rng = np.random.default_rng(8)
    x, y = rng.normal(size=(3, 1, 9, 8)), rng.normal(size=(3, 1, 7, 6))
    k = rng.normal(size=(3, 3))
    loss, gradient = loss_and_gradient(k, x, y)
    numeric = np.zeros_like(k)
    for index in np.ndindex(k.shape):
        step = np.zeros_like(k)
        step[index] = 1e-6
        numeric[index] = (
            loss_and_gradient(k + step, x, y)[0] - loss_and_gradient(k - step, x, y)[0]
        ) / 2e-6
    np.testing.assert_allclose(gradient, numeric, rtol=1e-6, atol=1e-8)
    torch = pytest.importorskip("torch")
    weights = torch.tensor(k[None, None], requires_grad=True)
    out = torch.nn.functional.conv2d(torch.from_numpy(x), weights)
    torch_loss = ((out - torch.from_numpy(y)) ** 2).mean()
    torch_loss.backward()
    assert float(torch_loss.detach()) == pytest.approx(loss, rel=1e-12)
    np.testing.assert_allclose(gradient, weights.grad.numpy()[0, 0], rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", NOTES_KERNELS)
def test_the_notes_kernels_are_recovered_fast(name):
    start = time.perf_counter()
    fit = learn_kernel(name)
    assert time.perf_counter() - start < 10
    assert fit.max_abs_error < 1e-3
    np.testing.assert_allclose(fit.learned, KERNELS[name].array(), atol=1e-3)
    assert fit.losses[-1] < 1e-12 * fit.losses[0]


def test_recovery_from_pairs_made_by_scipy():
    # The targets come from an independent implementation of the forward pass.
    photo = np.asarray(Image.open(_sample()).convert("L"), dtype=float) / 255
    rng = np.random.default_rng(0)
    crops = [photo[r : r + 24, c : c + 24] for r, c in rng.integers(0, 400, size=(8, 2))]
    hidden = np.array([[0.5, -1.0], [2.0, 0.25]])
    x = np.stack(crops)[:, None]
    y = np.stack([scipy.signal.correlate2d(c, hidden, mode="valid") for c in crops])[:, None]
    fit = fit_kernel(x, y, hidden.shape, target=hidden)
    assert fit.max_abs_error < 1e-6


def _sample():
    from symnet.conv.images import sample_image_path

    return sample_image_path()


def test_plain_gradient_descent_descends_slowly():
    fit = learn_kernel("sharpen", method="gd", steps=100)
    # With the step 2 / (largest + smallest eigenvalue) every step lowers a quadratic loss...
    assert all(b <= a * (1 + 1e-12) for a, b in zip(fit.losses, fit.losses[1:]))
    assert fit.losses[-1] < fit.losses[0]
    # ...but only by a factor near 1 - 2 / condition per step on the flat directions.
    assert fit.condition > 100 and fit.max_abs_error > 1e-3


def test_adam_lowers_the_loss():
    fit = learn_kernel("sharpen", method="adam", steps=200)
    assert fit.losses[-1] < 0.5 * fit.losses[0]


def test_training_pairs_shapes():
    x, y = training_pairs("gaussian5", crops=3, size=20, seed=1)
    assert x.shape == (3, 1, 20, 20) and y.shape == (3, 1, 16, 16)
    assert x.min() >= 0 and x.max() <= 1


def test_errors(tmp_path):
    with pytest.raises(SpecError, match="method"):
        learn_kernel("blur", method="newton")
    with pytest.raises(SpecError, match="steps"):
        learn_kernel("blur", steps=-1)
    with pytest.raises(SpecError, match="9x9"):
        learn_kernel(";".join([",".join(["1"] * 11)] * 11), size=40)
    with pytest.raises(DataError, match="crops of"):
        learn_kernel("box", size=5)  # a 5x5 crop leaves no room to slide a 5x5 kernel
    with pytest.raises(SpecError, match="does not fit"):
        symbolic_gradient((2, 2), (3, 3))


def test_plot(tmp_path):
    fit = learn_kernel("blur", steps=5)
    path = plot_fit(fit, tmp_path / "fit.png")
    with Image.open(path) as picture:
        assert picture.format == "PNG"
    assert fit.as_dict()["step_count"] == 5 and len(fit.as_dict()["losses"]) == 6


# --- Steps, crops and divergence: refused or reported in one line (issue 12) -------------


@functools.cache
def _blur_pairs():
    return training_pairs("blur", crops=4, size=12, seed=0)


@settings(max_examples=20)
@given(st.floats(0.01, 1.99))
def test_one_preconditioned_step_scales_the_error_by_one_minus_step(step):
    """NOTE: the loss is an exact quadratic and the pairs are noise-free, so one step
    w <- w - step H^-1 grad moves w to w* + (1 - step)(w - w*): the reason step < 2."""
    x, y = _blur_pairs()
    target = KERNELS["blur"].array()
    start = fit_kernel(x, y, (3, 3), steps=0, seed=3).learned
    after = fit_kernel(x, y, (3, 3), steps=1, step=step, seed=3).learned
    expected = abs(1 - step) * np.linalg.norm(start - target)
    assert np.linalg.norm(after - target) == pytest.approx(expected, rel=1e-6, abs=1e-9)


@pytest.mark.parametrize("step", [float("nan"), float("inf"), -1.0, 0.0, 1e308, 1001.0, True])
def test_steps_must_be_finite_positive_and_bounded(step):
    with pytest.raises(SpecError, match="step must be a finite number") as caught:
        learn_kernel("blur", method="adam", step=step)
    assert "\n" not in str(caught.value)


def test_a_preconditioned_step_of_2_or_more_is_refused():
    with pytest.raises(SpecError, match="below 2"):
        learn_kernel("blur", step=2.0)


def test_a_diverging_loss_is_one_line():
    with pytest.raises(SymnetError, match="the loss diverged .* step=1000 is too large for gd"):
        learn_kernel("sharpen", method="gd", step=1000.0, steps=400)


def test_the_memory_of_the_pairs_is_bounded_before_the_image_is_read(tmp_path):
    """The image does not exist: the memory estimate refuses first (the 17 GiB case)."""
    with pytest.raises(SpecError, match=r"1000 crops of 512x512 .* GiB of memory"):
        learn_kernel("blur", image=tmp_path / "missing.png", crops=1000, size=512)
    with pytest.raises(SpecError, match="crops must be a whole number from 1 to 1000"):
        learn_kernel("blur", crops=0)


def test_blank_crops_are_reported(tmp_path):
    path = tmp_path / "black.png"
    Image.new("L", (40, 40)).save(path)
    with pytest.raises(DataError, match="blank"):
        learn_kernel("blur", image=path, method="gd")
