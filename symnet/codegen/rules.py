"""Layer-level backward rules: derived on the scalar graph, stated as batch matrix rules.

The scalar graph gives one symbol per weight; training a real network needs one *matrix*
per layer. This module bridges the two in two checkable steps (the third, printing them as
NumPy, is :mod:`symnet.codegen.printer` and :mod:`symnet.codegen.program`).

1. **Derive.** On a small scalar instance (``build_network`` with indexed names and biases,
   plus :func:`symnet.graph.losses.add_loss`), ``sympy.diff`` gives every parameter's derivative.
   :func:`derive_dense_rule` shows, entry by entry, that the pattern is the matrix rule

   ``dL/dW = delta a^T``, ``dL/db = delta``, ``delta_prev = (W^T delta) * f'(z_prev)``

   and :func:`derive_output_rule` derives the output layer's ``delta = dL/dz`` for each
   loss and output activation (``y - t`` for bce + sigmoid and ce + softmax).
2. **State in matrix form.** Each rule is a SymPy matrix expression over ``MatrixSymbol``
   (:data:`BATCH_RULES`) in batch form. As in the notes, a sample is a *column*: the batch
   ``A`` is (units, N), ``Z = W A + b 1^T`` and ``dL/dW = Delta A^T``. Elementwise factors
   (``f(Z)``, ``f'(Z)``, the output delta) are scalar SymPy expressions from the activation
   table, written over array names. :func:`renamed` puts one layer's array names into a rule.

>>> rule = derive_dense_rule("tanh")
>>> rule.holds, rule.matrix_rule
(True, 'dL/dW = delta a^T;  dL/db = delta;  delta_prev = (W^T delta) * (1 - a**2)')
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import sympy as sp

from symnet.exceptions import SpecError, SymnetError
from symnet.graph.activations import formula_activation_key, get_activation
from symnet.graph.build import build_network
from symnet.graph.losses import add_loss, loss_key, per_output_loss
from symnet.graph.network import Network
from symnet.graph.spec import parse_spec

__all__ = [
    "BATCH_RULES",
    "BATCH_SIZE",
    "MATRICES",
    "RuleDerivation",
    "definition_of",
    "derivative_in_output",
    "derive_dense_rule",
    "derive_output_rule",
    "output_delta_rule",
    "renamed",
    "simplifies_to_zero",
]

# ---- 1. derivation on a small scalar instance -------------------------------------------


@dataclass(frozen=True)
class RuleDerivation:
    """One derived rule: the scalar pattern SymPy found and the matrix rule it equals.

    ``scalar`` lists ``(left, right)`` texts such as ``("dL/dw1_2_1", "delta1_2*x1")``;
    ``matrix_rule`` is the rule in matrix form; ``holds`` is True when every entry of the
    derived pattern equals the matrix rule's entry (checked by ``sympy.simplify``).
    """

    name: str
    scalar: tuple[tuple[str, str], ...]
    matrix_rule: str
    holds: bool

    def __str__(self) -> str:
        lines = [f"{self.name}: {self.matrix_rule}  ({'holds' if self.holds else 'FAILS'})"]
        lines += [f"  {left} = {right}" for left, right in self.scalar]
        return "\n".join(lines)


def simplifies_to_zero(expr: sp.Expr) -> bool:
    """True when ``sympy.simplify`` of the expanded ``expr`` is 0: a derived entry minus a
    stated one, so a rule holds only if the two are equal as expressions.

    >>> z = sp.Symbol("z")
    >>> simplifies_to_zero(sp.diff(sp.tanh(z), z) - (1 - sp.tanh(z) ** 2)), simplifies_to_zero(z)
    (True, False)
    """
    return sp.simplify(sp.expand(expr)) == 0


def definition_of(net: Network, name: str | None) -> sp.Expr:
    """The definition of a computed node (a sum, an output, the loss) of a template network."""
    definition = None if name is None else net.definition(name)
    if definition is None:  # the templates here only ask for computed nodes
        raise SymnetError(f"{name!r} is not a computed node of the template {net.spec}")
    return definition


def derivative_in_output(activation: str, a: str = "a", z: str = "z") -> sp.Expr:
    """f'(z) from the activation table, written with the unit's output ``a`` where it can be.

    NOTE: sigmoid' = a (1 - a) and tanh' = 1 - a^2 reuse the forward value instead of
    recomputing f; ReLU' = step(z) needs z. The result is a scalar expression in the
    symbols named ``z`` and ``a`` (a layer's array names, when given).

    >>> derivative_in_output("sigmoid"), derivative_in_output("relu")
    (a*(1 - a), step(z))
    >>> derivative_in_output("tanh", a="A1", z="Z1")
    1 - A1**2
    """
    z_symbol, a_symbol = sp.symbols("z a")
    row = get_activation(activation)
    in_output = row.derivative(z_symbol).xreplace({row.apply(z_symbol): a_symbol})
    return in_output.xreplace({a_symbol: sp.Symbol(a), z_symbol: sp.Symbol(z)})


def derive_dense_rule(activation: str, n_in: int = 3, width: int = 2) -> RuleDerivation:
    """Derive a dense layer's backward rule on an ``n_in``-``width``:f-2 scalar instance.

    The loss depends on the parameters below the top layer only through the top layer's
    sums ``z2_k``, so ``dL/dp = sum_k delta2_k dz2_k/dp`` with ``delta2_k = dL/dz2_k`` left
    symbolic: the rule holds for any loss and any layers above. ``sympy.diff`` of the
    substituted ``z2_k`` gives each derivative, compared with the matrix rule entry by entry.

    Notes
    -----
    dL/dW = delta a^T, dL/db = delta, delta_prev = (W^T delta) * f'(z_prev), where ``*`` is
    the elementwise product and f' comes from :data:`~symnet.graph.activations.ACTIVATIONS`.

    >>> print(derive_dense_rule("relu", n_in=1, width=1))
    dense relu: dL/dW = delta a^T;  dL/db = delta;  delta_prev = (W^T delta) * (step(z))  (holds)
      dL/dw1_1_1 = delta2_1*w2_1_1*x1*step(z1_1) + delta2_2*w2_2_1*x1*step(z1_1)
      dL/dw2_1_1 = a1_1*delta2_1
      dL/dz1_1 = delta2_1*w2_1_1*step(z1_1) + delta2_2*w2_2_1*step(z1_1)
    """
    row = get_activation(activation)
    if row.vector:
        raise SpecError(f"a dense hidden layer needs an elementwise activation; got {activation!r}")
    return _derive_dense_rule(activation, n_in, width, formula_activation_key(activation))


@functools.cache
def _derive_dense_rule(activation: str, n_in: int, width: int, key: tuple) -> RuleDerivation:
    """:func:`derive_dense_rule`, cached by the activation's ``key`` (its formula, if any)."""
    net = build_network(f"{n_in}-{width}:{activation}-2", names="indexed", bias=True)
    lower, upper = net.layers
    f = get_activation(activation)
    x = sp.Matrix(net.input_symbols)
    z1 = sp.Matrix([sp.Symbol(z) for z in lower.sums])
    a1 = sp.Matrix([sp.Symbol(a) for a in lower.units])
    delta2 = sp.Matrix(sp.symbols(f"delta2_1:{upper.width + 1}"))
    forward = {zj: definition_of(net, str(zj)) for zj in z1}  # z1_j -> w1_j1 x1 + ... + b1_j
    backward = {value: zj for zj, value in forward.items()}
    # The top sums as functions of z1 (a1 = f(z1)) and, fully substituted, of the inputs.
    z2_of_a = [definition_of(net, z) for z in upper.sums]
    z2_of_z = [s.xreplace({a: f.apply(zj) for a, zj in zip(a1, z1)}) for s in z2_of_a]
    z2_full = [s.xreplace(forward) for s in z2_of_z]

    def chain(sums, variable: sp.Symbol) -> sp.Expr:
        return sum(d * sp.diff(s, variable) for d, s in zip(delta2, sums))

    delta1 = (net.weight_matrix(2).T * delta2).multiply_elementwise(z1.applyfunc(f.derivative))
    rules = [  # (sums to differentiate, layer, delta rule, layer inputs)
        (z2_full, lower, delta1.xreplace(forward), x),
        (z2_of_a, upper, delta2, a1),
    ]
    checks, shown = [], []
    for sums, layer, delta, inputs in rules:
        gradient_rule = delta * inputs.T  # dL/dW = delta a^T
        biases = layer.biases or ()  # built with bias=True: one per unit
        for j, row in enumerate(layer.weights):
            for i, w in enumerate(row):
                derived = chain(sums, sp.Symbol(w))
                checks.append(simplifies_to_zero(derived - gradient_rule[j, i]))
                if (j, i) == (0, 0):
                    shown.append((f"dL/d{w}", str(sp.expand(derived).xreplace(backward))))
            checks.append(simplifies_to_zero(chain(sums, sp.Symbol(biases[j])) - delta[j]))
    for j, zj in enumerate(z1):  # delta_prev = (W^T delta) * f'(z_prev)
        derived = chain(z2_of_z, zj)
        checks.append(simplifies_to_zero(derived - delta1[j]))
        if j == 0:
            shown.append((f"dL/d{zj}", str(sp.expand(derived))))
    in_a = derivative_in_output(activation)
    matrix = f"dL/dW = delta a^T;  dL/db = delta;  delta_prev = (W^T delta) * ({in_a})"
    return RuleDerivation(f"dense {activation}", tuple(shown), matrix, all(checks))


def _output_rule(
    loss: str, activation: str, ys: Sequence[sp.Symbol], zs: Sequence[sp.Symbol], ts
) -> tuple[list[sp.Expr], str]:
    """The stated output delta per unit, in y, z, t symbols, and its matrix form.

    For a loss summed over outputs (mse, mae, huber, a formula), g = dl/dy of one output's
    loss l(y, t) (y - t for mse); then delta = g * f'(z), or for softmax
    delta = y * (g - (y . g)).
    """
    if loss in ("bce", "ce"):
        return [y - t for y, t in zip(ys, ts)], "delta = y - t"
    y, t = sp.symbols("y t")
    per_output = per_output_loss(loss)
    g = sp.diff(per_output, y) if per_output is not None else y - t
    gs = [g.xreplace({y: yk, t: tk}) for yk, tk in zip(ys, ts)]
    g_text = "y - t" if loss == "mse" else str(g)
    shown = f"g = {g_text}"
    if activation == "softmax":
        weighted = sum(yk * gk for yk, gk in zip(ys, gs))
        rule = [yk * (gk - weighted) for yk, gk in zip(ys, gs)]
        return rule, f"delta = y * (g - (y . g)), {shown}"
    in_a = derivative_in_output(activation)
    rule = [
        gk * in_a.xreplace({sp.Symbol("a"): yk, sp.Symbol("z"): zk})
        for yk, zk, gk in zip(ys, zs, gs)
    ]
    factor = f"({g_text})" if g.is_Add else g_text
    return rule, f"delta = {factor} * ({in_a.xreplace({sp.Symbol('a'): y})})"


def derive_output_rule(loss: str, activation: str, width: int = 3) -> RuleDerivation:
    """Derive the output layer's ``delta = dL/dz`` from :func:`symnet.graph.losses.add_loss`.

    The per-sample loss of a ``2``-``width``:f instance is written in the logits z (each
    output y_k replaced by its definition f(z)) and differentiated by ``sympy.diff``; the
    result is compared with the stated rule, unit by unit.

    Notes
    -----
    mse: delta = (y - t) * f'(z); bce + sigmoid and ce + softmax: delta = y - t;
    mse + softmax: delta = y * (g - (y . g)) with g = y - t (softmax's Jacobian is
    diag(y) - y y^T).

    >>> print(derive_output_rule("bce", "sigmoid"))
    output sigmoid + bce: delta = y - t  (holds)
      dL/dz_y = -t + sigmoid(z_y)
    """
    parse_spec(f"2-{width}:{activation}")  # softmax needs width >= 2
    key = (loss_key(loss), formula_activation_key(activation))
    return _derive_output_rule(loss, activation, 1 if loss == "bce" else width, key)


@functools.cache
def _derive_output_rule(loss: str, activation: str, width: int, key: tuple) -> RuleDerivation:
    """:func:`derive_output_rule`, cached by the loss's and activation's ``key``."""
    net = add_loss(build_network(f"2-{width}:{activation}", bias=True), loss)
    last = net.layers[-1]
    zs = [sp.Symbol(z) for z in last.sums]
    ts = [sp.Symbol(t) for t in net.targets]
    definitions = {sp.Symbol(y): definition_of(net, y) for y in last.units if y not in last.sums}
    loss_of_z = definition_of(net, net.loss_node).xreplace(definitions)
    derived = [sp.diff(loss_of_z, z) for z in zs]
    ys = [sp.Symbol(y) for y in last.units]
    rule, matrix = _output_rule(loss, activation, ys, zs, ts)
    holds = all(simplifies_to_zero(d - r.xreplace(definitions)) for d, r in zip(derived, rule))
    shown = ((f"dL/d{zs[0]}", str(derived[0])),)
    return RuleDerivation(f"output {activation} + {loss}", shown, matrix, holds)


# ---- 2. the rules in batch matrix form ---------------------------------------------------

#: The batch size N: the number of samples, one per column.
BATCH_SIZE = sp.Symbol("N", integer=True, positive=True)
_N = BATCH_SIZE  # the short name, as the rules below read in the notes
_n, _m = sp.symbols("n m", integer=True, positive=True)
_A = sp.MatrixSymbol("A", _n, _N)  # the layer's inputs, one sample per column
_W = sp.MatrixSymbol("W", _m, _n)  # row j feeds unit j, as Network.weight_matrix
_b = sp.MatrixSymbol("b", _m, 1)
_Delta = sp.MatrixSymbol("Delta", _m, _N)  # dL/dZ of the layer, 1/N of the mean included
_Fprime = sp.MatrixSymbol("Fprime", _n, _N)  # f'(Z_prev), elementwise
_Y = sp.MatrixSymbol("Y", _m, _N)
_T = sp.MatrixSymbol("T", _m, _N)
_G = sp.MatrixSymbol("G", _m, _N)  # an elementwise output-delta pattern

#: The generic matrices the batch rules are written in, by name; :func:`renamed` swaps in
#: one layer's arrays.
MATRICES: dict[str, sp.MatrixSymbol] = {
    matrix.name: matrix for matrix in (_A, _W, _b, _Delta, _Fprime, _Y, _T, _G)
}

#: The batch forms (columns are samples) of the derived rules, as SymPy matrix expressions.
#: ``dA`` is dL/d(the layer's inputs), the whole of ``Delta_prev`` when f' = 1 below.
#: NOTE: with the batch loss the mean of per-sample losses, Delta holds delta_s / N in column
#: s, so Delta A^T = (1/N) sum_s delta_s a_s^T is the mean of the per-sample delta a^T.
BATCH_RULES: dict[str, sp.MatrixExpr] = {
    "Z": _W * _A + _b * sp.OneMatrix(1, _N),
    "dW": _Delta * _A.T,
    "db": _Delta * sp.OneMatrix(_N, 1),
    "dA": _W.T * _Delta,
    "Delta_prev": sp.HadamardProduct(_W.T * _Delta, _Fprime),
    "Delta_out": _G / _N,
    "Delta_out_softmax_mse": sp.HadamardProduct(
        _Y, _G - sp.OneMatrix(_m, 1) * sp.OneMatrix(1, _m) * sp.HadamardProduct(_Y, _G)
    )
    / _N,
}


def renamed(rule: sp.MatrixExpr, **names: str) -> sp.MatrixExpr:
    """A batch rule with its generic matrices (:data:`MATRICES`) renamed to one layer's arrays.

    >>> renamed(BATCH_RULES["dW"], Delta="Delta2", A="A1")
    Delta2*A1.T
    """
    return rule.xreplace(
        {MATRICES[k]: sp.MatrixSymbol(v, *MATRICES[k].shape) for k, v in names.items()}
    )


def output_delta_rule(loss: str, activation: str, Z: str) -> tuple[sp.MatrixExpr, sp.Expr]:
    """The output layer's Delta as a batch rule, and the elementwise pattern ``G`` it uses.

    ``Z`` names the output layer's sums; the pattern is written in ``Y``, ``T`` and ``Z``.

    >>> rule, pattern = output_delta_rule("mse", "sigmoid", "Z2")
    >>> rule == BATCH_RULES["Delta_out"], pattern
    (True, Y*(1 - Y)*(-T + Y))
    """
    Y, T, z = sp.Symbol("Y"), sp.Symbol("T"), sp.Symbol(Z)
    if activation == "softmax" and loss != "ce":
        per_output = per_output_loss(loss)
        g = Y - T if per_output is None else sp.diff(per_output, sp.Symbol("y"))
        return BATCH_RULES["Delta_out_softmax_mse"], g.xreplace(
            {sp.Symbol("y"): Y, sp.Symbol("t"): T}
        )
    (pattern,), _ = _output_rule(loss, activation, [Y], [z], [T])
    return BATCH_RULES["Delta_out"], pattern
