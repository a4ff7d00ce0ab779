"""Learning a kernel: recover a hidden kernel from (image, filtered image) pairs.

"Learn the best kernels to use" (the notes' key idea of CNNs), shown on the smallest
case: crops of the sample photo are filtered with a hidden kernel, and gradient descent
on the mean squared error finds the kernel again from the pairs alone.

The gradient is the correlation of the input with the upstream delta,

    dL/dK[u,v] = sum_(n,i,j) delta[n,i,j] x[n, i+u, j+v],   delta = (2/M) (yhat - y),

compiled as :func:`symnet.conv.filters.kernel_gradient`; :func:`symbolic_gradient` derives it
with ``sympy.diff`` on a small instance written with the symbolic dot products, and the
tests check that the two agree.

Because every output pixel is linear in the kernel, the loss is a quadratic with the
constant Hessian ``H = (2/M) X^T X`` (X: the matrix of image windows). Neighbouring
pixels of a photo are strongly correlated, so H is badly conditioned and plain gradient
descent crawls along its flat directions. The default method preconditions each step by
H (read off the compiled gradient: column t of H is grad(e_t) - grad(0)), so every
direction shrinks by the same factor ``1 - step`` per step.

>>> fit = learn_kernel("sharpen", steps=30)
>>> fit.max_abs_error < 1e-6
True
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import sympy as sp

from symnet.conv.dot_product import dot_product, image_symbols, kernel_symbols
from symnet.conv.filters import conv2d, kernel_gradient
from symnet.conv.images import load_image
from symnet.conv.kernels import resolve_kernel
from symnet.exceptions import DataError, SpecError, SymnetError
from symnet.files import check_picture, save_figure
from symnet.graph.size import require_at_most
from symnet.seeds import random_generator

__all__ = [
    "METHODS",
    "KernelFit",
    "SymbolicKernelGradient",
    "training_pairs",
    "loss_and_gradient",
    "fit_kernel",
    "learn_kernel",
    "training_pairs_text",
    "symbolic_gradient",
    "plot_fit",
]

METHODS = ("preconditioned", "gd", "adam")
METHOD_NAMES = {
    "preconditioned": "gradient descent preconditioned by the Hessian",
    "gd": "plain gradient descent",
    "adam": "Adam",
}
DEFAULT_STEP = {"preconditioned": 0.5, "gd": None, "adam": 0.01}
#: The largest kernel side that can be learned (the Hessian has (kh kw)^2 entries).
MAX_LEARNED_SIZE = 9
#: The largest step size (learning rate) accepted.
MAX_STEP = 1000.0
#: The memory the training pairs and their image windows may take (bytes).
MAX_LEARNING_BYTES = 256 * 2**20


@dataclass(frozen=True)
class KernelFit:
    """The result of :func:`fit_kernel`: target (when known), learned kernel, loss curve."""

    name: str
    target: np.ndarray | None
    learned: np.ndarray
    losses: tuple[float, ...]
    method: str
    step: float
    condition: float | None = None

    @property
    def max_abs_error(self) -> float | None:
        """max |learned - target| over the weights (None without a target)."""
        if self.target is None:
            return None
        return float(np.max(np.abs(self.learned - self.target)))

    def as_dict(self) -> dict:
        """JSON-ready: the hidden ``kernel`` (name, matrix), the ``learned`` one, the losses."""
        target = None if self.target is None else self.target.tolist()
        return {
            "kernel": {"name": self.name, "matrix": target},
            "learned": self.learned.tolist(),
            "max_abs_error": self.max_abs_error,
            "method": self.method,
            "step": self.step,
            "step_count": len(self.losses) - 1,
            "initial_loss": self.losses[0],
            "final_loss": self.losses[-1],
            "losses": list(self.losses),
            "hessian_condition_number": self.condition,
        }

    def text(self) -> str:
        def grid(array):
            return "\n".join("  ".join(f"{w:9.5f}" for w in row) for row in array)

        lines = [
            f"method: {METHOD_NAMES[self.method]}, step {self.step:.3g}, "
            f"{len(self.losses) - 1} steps"
        ]
        lines.append(f"loss (mean squared error): {self.losses[0]:.3e} -> {self.losses[-1]:.3e}")
        if self.condition is not None:
            lines.append(
                f"condition number of the Hessian: {self.condition:.3g} "
                "(plain gradient descent slows down in proportion)"
            )
        if self.target is not None:
            lines += [f"hidden kernel ({self.name}):", grid(self.target)]
        lines += ["learned kernel:", grid(self.learned)]
        if self.target is not None:
            lines.append(f"max |learned - hidden| = {self.max_abs_error:.3e}")
        return "\n".join(lines)


def training_pairs(kernel, image=None, crops: int = 16, size: int = 32, seed: int = 0):
    """Random crops of ``image`` (the grayscale sample photo) and their filtered versions.

    Returns
    -------
    x : ndarray (crops, 1, size, size)
        Crops scaled to [0, 1].
    y : ndarray (crops, 1, size - kh + 1, size - kw + 1)
        Each crop cross-correlated with the kernel (padding ``valid``).
    """
    weights = resolve_kernel(kernel).array()
    _check_crops(weights.shape, crops, size)  # before the image is read
    photo = load_image(image, grayscale=True) / 255.0
    if photo.ndim != 2:
        raise DataError(f"learning a kernel needs a grayscale image; got shape {photo.shape}")
    if min(photo.shape) < size or size <= max(weights.shape):
        raise DataError(
            f"crops of {size}x{size} need an image at least that large and a smaller kernel; "
            f"got an image {photo.shape[0]}x{photo.shape[1]} and a kernel "
            f"{weights.shape[0]}x{weights.shape[1]}"
        )
    rng = random_generator(seed)
    rows = rng.integers(0, photo.shape[0] - size + 1, crops)
    cols = rng.integers(0, photo.shape[1] - size + 1, crops)
    x = np.stack([photo[r : r + size, c : c + size] for r, c in zip(rows, cols)])[:, None]
    return x, conv2d(x, weights[None, None])


def training_pairs_text(image=None, crops: int = 16, size: int = 32) -> str:
    """How :func:`training_pairs` makes the pairs, and the gradient that learns from them.

    >>> print(training_pairs_text(crops=2, size=8).splitlines()[0])
    training pairs: 2 random 8x8 crops of the sample photo (grayscale, [0, 1]), each ...
    """
    source = "the sample photo" if image is None else str(image)
    return "\n".join(
        [
            f"training pairs: {crops} random {size}x{size} crops of {source} "
            "(grayscale, [0, 1]), each cross-correlated with the hidden kernel",
            "gradient: dL/dK[u,v] = sum_(n,i,j) delta[n,i,j] x[n,i+u,j+v], delta = (2/M)(yhat - y)",
        ]
    )


def loss_and_gradient(weights, x, y) -> tuple[float, np.ndarray]:
    """The mean squared error of ``weights`` (kh, kw) on the pairs, and its gradient."""
    weights = np.asarray(weights, dtype=np.float64)
    residual = conv2d(x, weights[None, None]) - y
    # NOTE: the loss is the mean over all M output pixels, so delta = dL/dyhat = (2/M) r.
    delta = residual * (2.0 / residual.size)
    loss = float(np.mean(residual**2))
    return loss, kernel_gradient(x, delta, weights.shape)[0, 0]


def _hessian(x, y, shape) -> np.ndarray:
    """H of the quadratic loss, column by column: H e_t = grad(e_t) - grad(0)."""
    _, at_zero = loss_and_gradient(np.zeros(shape), x, y)
    columns = []
    for t in range(shape[0] * shape[1]):
        unit = np.zeros(shape[0] * shape[1])
        unit[t] = 1.0
        columns.append((loss_and_gradient(unit.reshape(shape), x, y)[1] - at_zero).ravel())
    hessian = np.array(columns).T
    return (hessian + hessian.T) / 2


def fit_kernel(
    x, y, shape, steps=40, method="preconditioned", step=None, seed=0, target=None, name="kernel"
) -> KernelFit:
    """Gradient descent on the mean squared error of a (kh, kw) kernel mapping x to y.

    Parameters
    ----------
    x, y : arrays (N, 1, H, W) and (N, 1, H - kh + 1, W - kw + 1)
    method : {"preconditioned", "gd", "adam"}
        ``preconditioned``: w -= step H^-1 grad (default step 0.5). ``gd``: w -= step grad
        with the best constant step for a quadratic, 2 / (largest + smallest eigenvalue of
        H). ``adam``: Adam with learning rate ``step`` (default 0.01).
    """
    shape = tuple(shape)
    _check_fit_options(shape, steps, method, step)
    hessian = _hessian(x, y, shape)
    eigenvalues = np.linalg.eigvalsh(hessian)
    if not eigenvalues[-1] > 0:  # H = 0: the crops are blank, so every kernel fits them alike
        raise DataError("the training crops are blank (all zero); use an image with some detail")
    condition = float(eigenvalues[-1] / eigenvalues[0]) if eigenvalues[0] > 0 else float("inf")
    if step is None:  # gd has no fixed default: the best constant step for this quadratic
        step = DEFAULT_STEP[method] or 2.0 / (eigenvalues[-1] + max(eigenvalues[0], 0.0))
    step = float(step)
    weights = random_generator(seed).normal(0.0, 0.1, shape)
    moments = [np.zeros(shape), np.zeros(shape)]
    losses = []
    for t in range(1, steps + 2):
        with np.errstate(all="ignore"):  # a diverging loss is reported below, in one line
            loss, grad = loss_and_gradient(weights, x, y)
        if not (np.isfinite(loss) and np.isfinite(grad).all()):
            raise SymnetError(
                f"the loss diverged (it became {loss:g} at step {t - 1}): step={step:g} is too "
                f"large for {method}; use a smaller step, e.g. step={step / 10:g}"
            )
        losses.append(loss)
        if t > steps:
            break
        if method == "preconditioned":
            direction = np.linalg.lstsq(hessian, grad.ravel(), rcond=None)[0].reshape(shape)
        elif method == "gd":
            direction = grad
        else:
            moments[0] = 0.9 * moments[0] + 0.1 * grad
            moments[1] = 0.999 * moments[1] + 0.001 * grad**2
            mean, variance = moments[0] / (1 - 0.9**t), moments[1] / (1 - 0.999**t)
            direction = mean / (np.sqrt(variance) + 1e-12)
        weights = weights - step * direction
    return KernelFit(name, target, weights, tuple(losses), method, step, condition)


def _check_fit_options(shape, steps, method, step) -> None:
    """Refuse a kernel too large to learn, a bad method, step count or step size."""
    if method not in METHODS:
        raise SpecError(f"method must be one of {', '.join(METHODS)}; got {method!r}")
    if isinstance(steps, bool) or not isinstance(steps, int) or not 0 <= steps <= 100_000:
        raise SpecError(f"steps must be a whole number from 0 to 100000; got {steps!r}")
    if max(shape) > MAX_LEARNED_SIZE:
        raise SpecError(f"kernels up to {MAX_LEARNED_SIZE}x{MAX_LEARNED_SIZE} can be learned")
    if step is not None and (
        isinstance(step, bool)
        or not isinstance(step, int | float | np.floating)
        or not 0 < step <= MAX_STEP  # NaN fails every comparison, so it is refused too
    ):
        raise SpecError(
            f"step must be a finite number above 0 and at most {MAX_STEP:g}; got {step}"
        )
    if method == "preconditioned" and step is not None and step >= 2:
        # NOTE: each preconditioned step multiplies the error by (1 - step): |1 - step| < 1.
        raise SpecError(f"step must be below 2 for the preconditioned method; got {step}")


def _check_crops(shape, crops, size) -> None:
    """Refuse crop counts and sizes out of range, and pairs that would not fit in memory."""
    for name, value, low, high in (("crops", crops, 1, 1000), ("size", size, 4, 512)):
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise SpecError(f"{name} must be a whole number from {low} to {high}; got {value!r}")
    rows, cols = size - shape[0] + 1, size - shape[1] + 1
    # NOTE: x, y and the residual, plus the image windows (kh kw of them per output pixel)
    # that the convolution and its gradient gather; float64 throughout.
    needed = 8 * crops * (size * size + (shape[0] * shape[1] + 3) * max(rows, 0) * max(cols, 0))
    if needed > MAX_LEARNING_BYTES:
        raise SpecError(
            f"learning from {crops} crops of {size}x{size} pixels needs about "
            f"{needed / 2**30:.2f} GiB of memory (limit {MAX_LEARNING_BYTES // 2**20} MiB); "
            "use fewer or smaller crops"
        )


def learn_kernel(
    kernel, image=None, steps=40, method="preconditioned", step=None, seed=0, crops=16, size=32
) -> KernelFit:
    """Hide ``kernel`` in filtered crops of ``image`` and recover it (see :func:`fit_kernel`).

    Every option is checked (and the memory of the pairs estimated) before the image is read.
    """
    hidden = resolve_kernel(kernel)
    random_generator(seed)  # checks the seed before any work
    _check_fit_options(hidden.shape, steps, method, step)
    x, y = training_pairs(hidden, image, crops, size, seed)  # checks the crops first
    return fit_kernel(x, y, hidden.shape, steps, method, step, seed, hidden.array(), hidden.name)


@dataclass(frozen=True)
class SymbolicKernelGradient:
    """dL/dK on a small instance, by ``sympy.diff`` and by the correlation rule."""

    image: sp.ImmutableMatrix
    weights: sp.ImmutableMatrix
    targets: sp.ImmutableMatrix
    outputs: sp.ImmutableMatrix
    loss: sp.Expr
    by_diff: sp.ImmutableMatrix
    by_correlation: sp.ImmutableMatrix

    def agree(self) -> bool:
        """True when both routes give the same expression for every weight."""
        return all(sp.expand(a - b) == 0 for a, b in zip(self.by_diff, self.by_correlation))

    def function(self):
        """The ``sympy.diff`` gradient lambdified: f(image, weights, targets) -> (kh, kw)."""
        symbols = [*self.image, *self.weights, *self.targets]
        compiled = sp.lambdify(symbols, self.by_diff, modules="numpy")
        return lambda x, k, t: np.array(
            compiled(*np.ravel(x), *np.ravel(k), *np.ravel(t)), dtype=np.float64
        )

    def text(self) -> str:
        kh, kw = self.weights.shape
        rows, cols = self.outputs.shape
        lines = [
            f"yhat[i,j] = sum_(u,v) k[u,v] x[i+u, j+v]  (a {rows}x{cols} output)",
            f"L = (1/{rows * cols}) sum_(i,j) (yhat[i,j] - t[i,j])^2",
            f"yhat[0,0] = {self.outputs[0, 0]}",
        ]
        for u in range(kh):
            for v in range(kw):
                lines.append(f"dL/dk[{u},{v}] = {sp.factor(self.by_diff[u, v])}")
        lines.append(
            "= sum_(i,j) delta[i,j] x[i+u, j+v], delta = (2/M)(yhat - t): "
            + ("the same expression" if self.agree() else "DIFFERENT")
        )
        return "\n".join(lines)


def symbolic_gradient(image_shape=(3, 3), kernel_shape=(2, 2)) -> SymbolicKernelGradient:
    """Derive dL/dK with ``sympy.diff`` from the loss written with symbolic dot products.

    >>> g = symbolic_gradient((3, 3), (2, 2))
    >>> g.agree()
    True
    >>> g.outputs[0, 0]
    k_{0,0}*x_{0,0} + k_{0,1}*x_{0,1} + k_{1,0}*x_{1,0} + k_{1,1}*x_{1,1}
    """
    (h, w), (kh, kw) = image_shape, kernel_shape
    rows, cols = h - kh + 1, w - kw + 1
    if rows < 1 or cols < 1:
        raise SpecError(f"a {kh}x{kw} kernel does not fit a {h}x{w} image")
    require_at_most(
        rows * cols * (kh * kw) ** 2,
        5_000,
        "this symbolic gradient",
        "use an image up to about 6x6 and a kernel up to 3x3",
    )
    image, weights = image_symbols((h, w), "x"), kernel_symbols((kh, kw), "k")
    targets = image_symbols((rows, cols), "t")
    outputs = sp.ImmutableMatrix(
        rows, cols, lambda i, j: dot_product(weights, (i, j), (h, w), name="x").expression
    )
    count = rows * cols
    loss = sp.Add(*((outputs[n] - targets[n]) ** 2 for n in range(count))) / count
    by_diff = sp.ImmutableMatrix(kh, kw, lambda u, v: sp.diff(loss, weights[u, v]))
    delta = [sp.Rational(2, count) * (outputs[n] - targets[n]) for n in range(count)]
    by_correlation = sp.ImmutableMatrix(
        kh,
        kw,
        lambda u, v: sp.Add(
            *(delta[i * cols + j] * image[i + u, j + v] for i in range(rows) for j in range(cols))
        ),
    )
    return SymbolicKernelGradient(image, weights, targets, outputs, loss, by_diff, by_correlation)


def plot_fit(fit: KernelFit, path) -> Path:
    """A PNG: the hidden kernel, the learned kernel (numbers shown) and the loss curve."""
    path = check_picture(path, "plot")  # before drawing
    # matplotlib lazily: importing it costs a noticeable part of a second
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure  # lazily: matplotlib costs ~0.3 s to import

    grids = ([("hidden", fit.target)] if fit.target is not None else []) + [
        ("learned", fit.learned)
    ]
    figure = Figure(figsize=(3.4 * (len(grids) + 1), 3.4), dpi=110)
    FigureCanvasAgg(figure)
    limit = max(float(np.max(np.abs(g))) for _, g in grids) or 1.0
    for n, (title, grid) in enumerate(grids, start=1):
        axes = figure.add_subplot(1, len(grids) + 1, n)
        axes.imshow(grid, cmap="RdBu_r", vmin=-limit, vmax=limit)
        axes.set_title(f"{title} kernel")
        axes.set_xticks([])
        axes.set_yticks([])
        if grid.size <= 49:
            for (r, c), w in np.ndenumerate(grid):
                colour = "white" if abs(w) > 0.6 * limit else "black"  # readable on dark cells
                axes.text(c, r, f"{w:.3f}", ha="center", va="center", fontsize=8, color=colour)
    axes = figure.add_subplot(1, len(grids) + 1, len(grids) + 1)
    axes.semilogy(np.maximum(fit.losses, 1e-300))
    axes.set_title(f"loss ({fit.method})")
    axes.set_xlabel("step")
    figure.tight_layout()
    return save_figure(figure, path)
