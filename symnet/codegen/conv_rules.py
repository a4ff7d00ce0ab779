"""The backward rules of conv and pooling layers, derived from their scalar template.

As :func:`symnet.codegen.rules.derive_dense_rule` does for dense layers, each function here
builds a small scalar graph (:mod:`symnet.graph.image`, indexed names, biases), leaves the
layer's output deltas ``delta1_k_r_q = dL/dz1_k_r_q`` symbolic (the rule then holds for
any loss and any layers above) and differentiates the graph's definitions with
``sympy.diff``; every derivative is compared with the stated rule, entry by entry.

Stated rules, for a conv layer with stride s and padding (top, left), X_pad the zero-padded
input and Delta = dL/dZ of shape (K, R, Q):

* ``dL/dK[k,c,u,v] = sum_(r,q) Delta[k,r,q] X_pad[c, r s+u, q s+v]``: the input
  *correlated* with Delta, which :func:`symnet.conv.filters.kernel_gradient` computes;
* ``dL/db[k] = sum_(r,q) Delta[k,r,q]``;
* ``dL/dX[c,i,j] = sum Delta[k,r,q] K[k,c,u,v]`` over (k, r, q, u, v) with
  r s + u - top = i and q s + v - left = j: each delta spread back over the window it was
  read from (:func:`symnet.conv.filters.input_gradient`); times f'(Z_prev) below, as for dense.

>>> rule = derive_conv_rule(channels=1, image=(2, 2), kernels=1, kernel=(1, 1))
>>> print(rule)  # doctest: +ELLIPSIS
conv 1x1 stride 1 valid: dL/dK[k,c,u,v] = sum_(r,q) Delta[k,r,q] X_pad[c,r s+u,q s+v] ...
  dL/dk1_0_0_0_0 = delta1_0_0_0*x_0_0_0 + delta1_0_0_1*x_0_0_1 + ...
"""

from __future__ import annotations

import functools
import itertools

import numpy as np
import sympy as sp

from symnet.codegen.rules import RuleDerivation
from symnet.exceptions import SymnetError
from symnet.graph.activations import elementary
from symnet.graph.build import build_network
from symnet.graph.layers import ConvLayer
from symnet.graph.shapes import pad_widths
from symnet.numeric.functions import lambdify_modules
from symnet.seeds import random_generator

__all__ = ["derive_conv_rule", "derive_pool_rule"]

CONV_RULE = (
    "dL/dK[k,c,u,v] = sum_(r,q) Delta[k,r,q] X_pad[c,r s+u,q s+v] (the input correlated "
    "with Delta);  dL/db[k] = sum_(r,q) Delta[k,r,q];  dL/dX[c,i,j] = sum Delta[k,r,q] "
    "K[k,c,u,v] over r s+u-top = i, q s+v-left = j"
)


def _zero(expr: sp.Expr) -> bool:
    return sp.expand(expr) == 0


def _chain(sums, deltas, definitions, variable: sp.Symbol) -> sp.Expr:
    """dL/d variable = sum over the layer's sums of delta * d sum / d variable."""
    return sp.Add(*(d * sp.diff(definitions[s], variable) for s, d in zip(sums, deltas)))


@functools.cache
def derive_conv_rule(
    channels: int = 2,
    image: tuple[int, int] = (3, 3),
    kernels: int = 2,
    kernel: tuple[int, int] = (2, 2),
    stride: int = 1,
    padding: str = "valid",
) -> RuleDerivation:
    """Derive a conv layer's backward rules on a ``channels`` x ``image`` scalar instance.

    Every kernel weight, bias and input pixel is checked: ``sympy.diff`` of the layer's
    dot products (weighted by the symbolic deltas) against the stated rule above.
    """
    (H, W), (kh, kw), s = image, kernel, stride
    spec = f"{channels}x{H}x{W}-conv{kernels}@{kh}x{kw}/{s}+{padding}-1"
    net = build_network(spec, names="indexed", bias=True)
    conv = net.layers[0]
    if not isinstance(conv, ConvLayer) or conv.biases is None:  # unreachable: bias=True above
        raise SymnetError(f"the template {spec} should start with a conv layer with biases")
    _, R, Q = conv.out_shape
    (top, _), (left, _) = pad_widths(kernel, padding)
    definitions = {z: net.definition(z) for z in conv.sums}
    delta = {
        (k, r, q): sp.Symbol(f"delta1_{k}_{r}_{q}")
        for k, r, q in itertools.product(range(kernels), range(R), range(Q))
    }
    deltas = list(delta.values())  # the same (k, r, q) order as conv.sums
    pixel = np.array(net.input_symbols, dtype=object).reshape(channels, H, W)

    def padded(c: int, i: int, j: int) -> sp.Expr:
        inside = 0 <= i - top < H and 0 <= j - left < W
        return pixel[c, i - top, j - left] if inside else sp.S.Zero

    checks: list[bool] = []
    shown: list[tuple[str, str]] = []
    for k, c, u, v in itertools.product(range(kernels), range(channels), range(kh), range(kw)):
        weight = sp.Symbol(conv.kernels[k][c][u][v])
        derived = _chain(conv.sums, deltas, definitions, weight)
        stated = sp.Add(
            *(delta[k, r, q] * padded(c, r * s + u, q * s + v) for r in range(R) for q in range(Q))
        )
        checks.append(_zero(derived - stated))
        if not shown:
            shown.append((f"dL/d{weight}", str(derived)))
    for k, bias in enumerate(conv.biases):
        derived = _chain(conv.sums, deltas, definitions, sp.Symbol(bias))
        checks.append(_zero(derived - sum(delta[k, r, q] for r in range(R) for q in range(Q))))
    for c, i, j in itertools.product(range(channels), range(H), range(W)):
        derived = _chain(conv.sums, deltas, definitions, pixel[c, i, j])
        stated = sp.Add(
            *(
                delta[k, r, q] * sp.Symbol(conv.kernels[k][c][u][v])
                for k, r, q, u, v in itertools.product(
                    range(kernels), range(R), range(Q), range(kh), range(kw)
                )
                if (r * s + u - top, q * s + v - left) == (i, j)
            )
        )
        checks.append(_zero(derived - stated))
        if (c, i, j) == (0, 0, 0):
            shown.append((f"dL/d{pixel[c, i, j]}", str(derived)))
    name = f"conv {kh}x{kw} stride {s} {padding}"
    return RuleDerivation(name, tuple(shown), CONV_RULE, all(checks))


@functools.cache
def derive_pool_rule(kind: str, size: int = 2, image: tuple[int, int] = (4, 5)) -> RuleDerivation:
    """Derive a pooling layer's backward rule on a 1 x ``image`` scalar instance.

    avg: ``sympy.diff`` of each mean is compared exactly with ``Delta / n^2``. max: the
    graph's table rule (:class:`symnet.graph.pooling.is_first_max`) is compared with
    ``sympy.diff`` of the pooled values' elementary (Piecewise) form, at 20 random points;
    both must give ``Delta`` to the window's first largest entry and 0 to the others.

    >>> derive_pool_rule("avg").holds, derive_pool_rule("max").holds
    (True, True)
    """
    net = build_network(f"1x{image[0]}x{image[1]}-{kind}pool{size}-1", names="indexed")
    pool = net.layers[0]
    deltas = [sp.Symbol(f"delta1_{u.removeprefix('a1_')}") for u in pool.units]
    definitions = {u: net.definition(u) for u in pool.units}
    rng = random_generator(0)
    checks: list[bool] = []
    shown: list[tuple[str, str]] = []
    leaves = [*net.input_symbols, *deltas]
    point = rng.normal(size=(len(leaves), 20))  # 20 random points, evaluated at once
    for x in net.input_symbols:
        feeds = [(u, d) for u, d in zip(pool.units, deltas) if net.graph.has_edge(x.name, u)]
        table = sp.Add(*(d * net.graph.edges[x.name, u]["partial"] for u, d in feeds))
        if kind == "avg":
            checks.append(_zero(_chain(pool.units, deltas, definitions, x) - table))
        else:
            pieces = {u: elementary(e) for u, e in definitions.items()}
            derived = _chain(pool.units, deltas, pieces, x)
            both = sp.lambdify(leaves, [derived, table], modules=lambdify_modules())
            values = [np.broadcast_to(np.asarray(v, float), (20,)) for v in both(*point)]
            checks.append(bool(np.allclose(values[0], values[1], rtol=0, atol=1e-12)))
        if not shown:
            shown.append((f"dL/d{x}", str(table)))
    rule = "Delta / n^2 to every entry" if kind == "avg" else "Delta to the first largest entry"
    matrix = f"dL/dX[c,i,j] = {rule} of the window holding (i, j); 0 outside every window"
    return RuleDerivation(f"{kind}pool{size}", tuple(shown), matrix, all(checks))
