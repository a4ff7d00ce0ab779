"""What a wrong gradient most likely got wrong: the usual slips, each one a test.

Given the user's gradient array G and symnet's R (in the user's layout) for one parameter,
:func:`diagnose` tries, in order, the explanations a teacher would try first, and returns
the first that fits (or None):

================================ ==========================================================
explanation                      test
================================ ==========================================================
transposed                       G = Rᵀ (or G has the shape of Rᵀ and equals it)
never filled in                  G = 0 where R is not
scaled by a constant c           G = c R: c = -1 (sign flipped), N or 1/N (summed over the
                                 batch, or averaged twice), 2 or 1/2 (mse with or without ½)
an extra term c·P                G - R = c P for the parameter's values P (an L2 penalty)
a wrong activation derivative    G equals the gradient recomputed with f' of one layer
                                 replaced by a plausible slip (:func:`derivative_slips`)
wrong in some rows or columns    the wrong entries fill whole rows or columns of G
================================ ==========================================================

"Equal" is :func:`numpy.allclose` with the check's tolerances. The recomputation with
another f' is symnet's own derivation with the edge partials ``da/dz`` of one layer
replaced (:func:`slipped_gradients`): the cached backprop deltas of the scalar graph,
evaluated by :func:`symnet.testing.gradients.symbolic_gradients`, so it needs a network
small enough for the scalar graph.

>>> import sympy as sp
>>> for label, slip in derivative_slips("sigmoid"):
...     print(slip, "|", label)
sigmoid(z) | a instead of a*(1 - a) (f(z) in place of f′(z))
1 | 1 instead of a*(1 - a) (f′ left out)
(1 - sigmoid(sigmoid(z)))*sigmoid(sigmoid(z)) | f′(a) instead of f′(z) (taken at the output)
z*(1 - z) | z*(1 - z) instead of a*(1 - a) (z in place of a)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
import sympy as sp

from symnet.codegen.rules import derivative_in_output
from symnet.graph.activations import get_activation
from symnet.graph.layers import ConvLayer, DenseLayer
from symnet.graph.network import Network
from symnet.numeric.functions import lambdify_modules
from symnet.testing.gradients import symbolic_gradients

__all__ = ["Slip", "derivative_slips", "diagnose", "slipped_gradients"]

#: (label, scalar parameter name -> batch-mean gradient) of one recomputation.
Slip = tuple[str, dict[str, float]]


def _close(a: np.ndarray, b: np.ndarray, atol: float, rtol: float) -> bool:
    return a.shape == b.shape and bool(np.allclose(a, b, atol=atol, rtol=rtol))


def _factor_name(c: float, n: int, loss: str) -> str | None:
    """The name of a scale factor the usual slips give, or None."""
    names = [
        (-1.0, "sign flipped (your gradient is -1 times symnet's)"),
        (
            float(n),
            f"{n} times symnet's: summed over the batch where the loss averages "
            f"(divide by the batch size N = {n})",
        ),
        (
            1.0 / n,
            f"1/{n} of symnet's: divided by the batch size N = {n} once too often (averaged twice)",
        ),
        (-float(n), f"sign flipped and summed over the batch (-N, N = {n})"),
        (-1.0 / n, f"sign flipped and averaged twice (-1/N, N = {n})"),
    ]
    if loss == "mse":
        names += [
            (
                2.0,
                "twice symnet's: the loss without symnet's ½ (mse here is ½ Σ (y − t)² per sample)",
            ),
            (0.5, "half of symnet's: a ½ too many (mse here is ½ Σ (y − t)² per sample)"),
        ]
    for value, name in names:
        if np.isclose(c, value, rtol=1e-6, atol=0):  # -1 first: with N = 1, -N is -1
            return name
    return None


def _scaled(G: np.ndarray, R: np.ndarray, n: int, loss: str, atol: float, rtol: float):
    norm = float(np.vdot(R, R))
    if norm == 0.0:
        return None
    c = float(np.vdot(G, R)) / norm
    if not np.isfinite(c) or abs(c) < 1e-12 or not _close(G, c * R, atol, rtol):
        return None
    named = _factor_name(c, n, loss)
    return f"scaled: {named}" if named else f"scaled: your gradient is {c:.6g} times symnet's"


def _extra_term(G: np.ndarray, R: np.ndarray, P: np.ndarray | None, name: str, atol, rtol):
    if P is None:
        return None
    D = G - R
    norm = float(np.vdot(P, P))
    if norm == 0.0:
        return None
    c = float(np.vdot(D, P)) / norm
    if abs(c) < 1e-12 or not _close(G, R + c * P, atol, rtol):
        return None
    return f"an extra term {c:.6g}·{name} (an L2 penalty of strength {c:.6g}?) added to symnet's"


def _pattern(wrong: np.ndarray) -> str | None:
    """Which whole rows or columns of a 2-D array hold every wrong entry (None: neither)."""
    if wrong.ndim != 2 or wrong.all() or not wrong.any():
        return None
    rows, cols = wrong.any(axis=1), wrong.any(axis=0)
    if wrong.shape[1] > 1 and np.array_equal(rows, wrong.all(axis=1)):
        listed = [int(r) for r in np.flatnonzero(rows)]
        return f"a missing or extra term in row(s) {listed} only; the other rows match"
    if wrong.shape[0] > 1 and np.array_equal(cols, wrong.all(axis=0)):
        listed = [int(c) for c in np.flatnonzero(cols)]
        return f"a missing or extra term in column(s) {listed} only; the other columns match"
    return None


def diagnose(
    G: np.ndarray,
    R: np.ndarray,
    *,
    name: str,
    batch: int,
    loss: str,
    atol: float,
    rtol: float,
    values: np.ndarray | None = None,
    slips: Callable[[], Iterator[tuple[str, np.ndarray]]] | None = None,
) -> str | None:
    """The first explanation of the table above that fits the user's ``G`` against ``R``.

    ``values`` are the parameter's own values (for the extra-term test), ``slips`` yields
    (label, the gradient recomputed with that slip, in the user's layout), computed only
    when the simpler explanations fail.
    """
    if R.ndim == 2 and G.shape == R.T.shape and _close(G, R.T, atol, rtol):
        if G.shape != R.shape:
            return f"transposed: your array has shape {G.shape}, the parameter {R.shape}"
        return "transposed: your gradient is symnet's transpose"
    if G.shape != R.shape:
        return f"wrong shape: your array has shape {G.shape}, the parameter {R.shape}"
    if not np.any(G) and np.any(R):
        return "never filled in: your gradient is all 0"
    found = _scaled(G, R, batch, loss, atol, rtol) or _extra_term(G, R, values, name, atol, rtol)
    if found:
        return found
    for label, H in slips() if slips is not None else ():
        if _close(G, H, atol, rtol):
            return f"wrong activation derivative: your gradient is symnet's with {label}"
    return _pattern(~np.isclose(G, R, atol=atol, rtol=rtol))


# ---- recomputing with a slipped f' --------------------------------------------------------


def derivative_slips(activation: str) -> list[tuple[str, sp.Expr]]:
    """The plausible wrong versions of f'(z) for ``activation``, each (label, expression in z),
    leaving out those equal to f' itself."""
    z, a = sp.Symbol("z"), sp.Symbol("a")
    row = get_activation(activation)
    f, true = row.apply(z), row.derivative(z)
    rule = derivative_in_output(activation)  # f' written with a = f(z) where it can be
    shown = sp.sstr(rule)
    candidates = [
        (f"a instead of {shown} (f(z) in place of f′(z))", f),
        (f"1 instead of {shown} (f′ left out)", sp.S.One),
        ("f′(a) instead of f′(z) (taken at the output)", row.derivative(f)),
    ]
    if a in rule.free_symbols:  # sigmoid: z*(1 - z); tanh: 1 - z**2
        slip = rule.xreplace({a: z})
        candidates.append((f"{sp.sstr(slip)} instead of {shown} (z in place of a)", slip))
    if rule.has(a**2):  # tanh: 1 - a
        slip = rule.xreplace({a**2: a}).xreplace({a: f})
        candidates.append(
            (f"{sp.sstr(rule.xreplace({a**2: a}))} instead of {shown} (the square left out)", slip)
        )
    points = np.array([-1.7, -0.3, 0.45, 1.2, 2.6])
    reference = _at(true, z, points)
    return [
        (label, expr)
        for label, expr in candidates
        if not np.allclose(_at(expr, z, points), reference)
    ]


def _at(expr: sp.Expr, z: sp.Symbol, points: np.ndarray) -> np.ndarray:
    function = sp.lambdify([z], expr, modules=lambdify_modules())
    return np.broadcast_to(np.asarray(function(points), dtype=float), points.shape)


def slipped_gradients(network: Network, leaves: dict) -> Iterator[Slip]:
    """Every parameter's batch-mean gradient with one layer's f' slipped, slip by slip.

    Each hidden layer with an elementwise activation is tried, and the output layer when
    its activation's derivative reaches the loss (mse; bce and ce start from the logits).
    """
    for layer in network.layers:
        if not isinstance(layer, DenseLayer | ConvLayer):
            continue
        row = get_activation(layer.activation)
        if row.vector or layer.activation == "identity":
            continue
        z = sp.Symbol("z")
        for label, expr in derivative_slips(layer.activation):
            twin = network.copy()
            touched = False
            for z_node, a_node in zip(layer.sums, layer.units):
                # NOTE: a unit that does not reach the loss (a sigmoid output under bce,
                # whose loss starts from the logit) keeps its partial: it changes nothing.
                if twin.graph.has_edge(z_node, a_node) and twin.graph.out_degree(a_node):
                    partial = expr.xreplace({z: sp.Symbol(z_node)})
                    twin.graph.edges[z_node, a_node]["partial"] = partial
                    touched = True
            if not touched:
                continue
            _, _, means = symbolic_gradients(twin, leaves, "backprop")
            yield f"layer {layer.index}'s {layer.activation} derivative taken as {label}", means
