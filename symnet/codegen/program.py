"""Layer-level backpropagation: matrix rules derived from the scalar graph, printed to NumPy.

The scalar graph gives one symbol per weight; training a real network needs one *matrix*
per layer. This module bridges the two in three checkable steps.

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
   table, written over array names.
3. **Print and compile once.** :class:`LayerPrinter` (SymPy's NumPy printer, with ``@`` for
   products and broadcasting for the all-ones matrices) prints each rule as one line of
   three generated functions (``forward``, ``evaluate``, ``train_step``); the elementwise
   expressions print as calls to the stable NumPy functions of
   :data:`~symnet.numeric.functions.NUMPY_FUNCTIONS`. The source is
   compiled once and kept as ``program.source``, so a step costs exactly its NumPy calls.

NOTE: samples as columns is also the fast layout for NumPy: a bias is broadcast, and a
bias gradient summed, along the long contiguous sample axis. The generated functions take
the usual (N, features) arrays and work on their transposes (views, no copies).

Softmax is the one non-elementwise activation: its column form ``exp(Z - c) / sum`` is the
table's ``rewrite(exp)`` shifted by the column maximum ``c`` (softmax is shift-invariant,
checked in the tests), printed as :func:`softmax_columns`.

>>> program = compile_layers("2-3:relu-1:sigmoid", "bce")
>>> print(program.source.splitlines()[3])
    Z1 = W1 @ A0 + b1[:, None]
>>> rule = derive_dense_rule("tanh")
>>> rule.holds, rule.matrix_rule
(True, 'dL/dW = delta a^T;  dL/db = delta;  delta_prev = (W^T delta) * (1 - a**2)')
"""

from __future__ import annotations

import functools
import linecache
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import sympy as sp
from sympy.printing.numpy import NumPyPrinter
from sympy.printing.precedence import PRECEDENCE

from symnet.exceptions import SpecError
from symnet.graph.activations import ACTIVATIONS
from symnet.graph.build import build_network
from symnet.graph.losses import add_loss, check_loss, logsumexp
from symnet.graph.spec import NetworkSpec, parse_spec
from symnet.numeric.functions import NUMPY_FUNCTIONS
from symnet.numeric.functions import NUMPY_FUNCTIONS as LOSS_NUMPY_FUNCTIONS

__all__ = [
    "BATCH_RULES",
    "LayerPrinter",
    "LayerProgram",
    "RuleDerivation",
    "compile_layers",
    "derive_dense_rule",
    "derive_output_rule",
    "derivative_in_output",
    "logsumexp_columns",
    "softmax_columns",
    "softmax_logsumexp_columns",
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


def _zero(expr: sp.Expr) -> bool:
    return sp.simplify(sp.expand(expr)) == 0


def derivative_in_output(activation: str) -> sp.Expr:
    """f'(z) from the activation table, written with the unit's output ``a`` where it can be.

    NOTE: sigmoid' = a (1 - a) and tanh' = 1 - a^2 reuse the forward value instead of
    recomputing f; ReLU' = step(z) needs z. The result is a scalar expression in the
    symbols ``z`` and ``a``.

    >>> derivative_in_output("sigmoid"), derivative_in_output("relu")
    (a*(1 - a), step(z))
    """
    z, a = sp.symbols("z a")
    row = ACTIVATIONS[activation]
    return row.derivative(z).xreplace({row.apply(z): a})


def activation_lines(lines: list[str], A: str, Z: str, activation: str, printer) -> str:
    """Append the line computing output ``A`` of a layer from its sum ``Z``; returns the output.

    The elementwise function is printed from the activation table; softmax uses the shared
    column softmax. A linear hidden layer needs no line: its output is its sum ``Z``.
    """
    if activation == "softmax":
        lines.append(f"{A} = softmax_columns({Z})")
    elif activation != "identity":
        value = ACTIVATIONS[activation].apply(sp.Symbol(Z))
        lines.append(f"{A} = {printer.doprint(value)}")
    elif A == "Y":
        lines.append(f"Y = {Z}")
    else:
        return Z
    return A


@functools.cache
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
    if activation not in ACTIVATIONS or ACTIVATIONS[activation].vector:
        raise SpecError(f"a dense hidden layer needs an elementwise activation; got {activation!r}")
    net = build_network(f"{n_in}-{width}:{activation}-2", names="indexed", bias=True)
    lower, upper = net.layers
    f = ACTIVATIONS[activation]
    x = sp.Matrix(net.input_symbols)
    z1 = sp.Matrix([sp.Symbol(z) for z in lower.sums])
    a1 = sp.Matrix([sp.Symbol(a) for a in lower.units])
    delta2 = sp.Matrix(sp.symbols(f"delta2_1:{upper.width + 1}"))
    forward = {zj: net.definition(str(zj)) for zj in z1}  # z1_j -> w1_j1 x1 + ... + b1_j
    backward = {value: zj for zj, value in forward.items()}
    # The top sums as functions of z1 (a1 = f(z1)) and, fully substituted, of the inputs.
    z2_of_a = [net.definition(z) for z in upper.sums]
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
        for j, row in enumerate(layer.weights):
            for i, w in enumerate(row):
                derived = chain(sums, sp.Symbol(w))
                checks.append(_zero(derived - gradient_rule[j, i]))
                if (j, i) == (0, 0):
                    shown.append((f"dL/d{w}", str(sp.expand(derived).xreplace(backward))))
            checks.append(_zero(chain(sums, sp.Symbol(layer.biases[j])) - delta[j]))
    for j, zj in enumerate(z1):  # delta_prev = (W^T delta) * f'(z_prev)
        derived = chain(z2_of_z, zj)
        checks.append(_zero(derived - delta1[j]))
        if j == 0:
            shown.append((f"dL/d{zj}", str(sp.expand(derived))))
    in_a = derivative_in_output(activation)
    matrix = f"dL/dW = delta a^T;  dL/db = delta;  delta_prev = (W^T delta) * ({in_a})"
    return RuleDerivation(f"dense {activation}", tuple(shown), matrix, all(checks))


def _output_rule(loss: str, activation: str, ys, zs, ts) -> tuple[list[sp.Expr], str]:
    """The stated output delta per unit, in y, z, t symbols, and its matrix form."""
    if activation == "softmax" and loss == "mse":
        gs = [y - t for y, t in zip(ys, ts)]
        weighted = sum(y * g for y, g in zip(ys, gs))
        return [y * (g - weighted) for y, g in zip(ys, gs)], "delta = y * (g - (y . g)), g = y - t"
    if loss in ("bce", "ce"):
        return [y - t for y, t in zip(ys, ts)], "delta = y - t"
    in_a = derivative_in_output(activation)
    rule = [
        (y - t) * in_a.xreplace({sp.Symbol("a"): y, sp.Symbol("z"): z})
        for y, z, t in zip(ys, zs, ts)
    ]
    return rule, f"delta = (y - t) * ({in_a.xreplace({sp.Symbol('a'): sp.Symbol('y')})})"


@functools.cache
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
    width = 1 if loss == "bce" else width
    net = add_loss(build_network(f"2-{width}:{activation}", bias=True), loss)
    last = net.layers[-1]
    zs = [sp.Symbol(z) for z in last.sums]
    ts = [sp.Symbol(t) for t in net.targets]
    definitions = {sp.Symbol(y): net.definition(y) for y in last.units if y not in last.sums}
    loss_of_z = net.definition(net.loss_node).xreplace(definitions)
    derived = [sp.diff(loss_of_z, z) for z in zs]
    ys = [sp.Symbol(y) for y in last.units]
    rule, matrix = _output_rule(loss, activation, ys, zs, ts)
    holds = all(_zero(d - r.xreplace(definitions)) for d, r in zip(derived, rule))
    shown = ((f"dL/d{zs[0]}", str(derived[0])),)
    return RuleDerivation(f"output {activation} + {loss}", shown, matrix, holds)


# ---- 2. the rules in batch matrix form ---------------------------------------------------

_N, _n, _m = sp.symbols("N n m", integer=True, positive=True)
_A = sp.MatrixSymbol("A", _n, _N)  # the layer's inputs, one sample per column
_W = sp.MatrixSymbol("W", _m, _n)  # row j feeds unit j, as Network.weight_matrix
_b = sp.MatrixSymbol("b", _m, 1)
_Delta = sp.MatrixSymbol("Delta", _m, _N)  # dL/dZ of the layer, 1/N of the mean included
_Fprime = sp.MatrixSymbol("Fprime", _n, _N)  # f'(Z_prev), elementwise
_Y = sp.MatrixSymbol("Y", _m, _N)
_T = sp.MatrixSymbol("T", _m, _N)
_G = sp.MatrixSymbol("G", _m, _N)  # an elementwise output-delta pattern

#: The batch forms (columns are samples) of the derived rules, as SymPy matrix expressions.
#: NOTE: with the batch loss the mean of per-sample losses, Delta holds delta_s / N in column
#: s, so Delta A^T = (1/N) sum_s delta_s a_s^T is the mean of the per-sample delta a^T.
BATCH_RULES: dict[str, sp.MatrixExpr] = {
    "Z": _W * _A + _b * sp.OneMatrix(1, _N),
    "dW": _Delta * _A.T,
    "db": _Delta * sp.OneMatrix(_N, 1),
    "Delta_prev": sp.HadamardProduct(_W.T * _Delta, _Fprime),
    "Delta_out": _G / _N,
    "Delta_out_softmax_mse": sp.HadamardProduct(
        _Y, _G - sp.OneMatrix(_m, 1) * sp.OneMatrix(1, _m) * sp.HadamardProduct(_Y, _G)
    )
    / _N,
}


class LayerPrinter(NumPyPrinter):
    """SymPy's NumPy printer for the batch rules: ``@`` products, broadcast all-ones factors.

    ``b 1^T`` (a column repeated for every sample) prints as ``b[:, None]`` (NumPy
    broadcasting; biases are stored 1-D); ``X 1`` (sums over samples) as ``X.sum(axis=1)``;
    ``1 1^T X`` (sums over units, repeated) as ``X.sum(axis=0, keepdims=True)``.
    ``elementwise`` maps a placeholder ``MatrixSymbol`` name to the scalar expression
    (over array names) that it stands for.

    >>> print(LayerPrinter().doprint(BATCH_RULES["dW"]))
    Delta @ A.T
    """

    def __init__(self, elementwise: dict[str, sp.Expr] | None = None):
        super().__init__({"fully_qualified_modules": False, "allow_unknown_functions": True})
        self.elementwise = elementwise or {}

    def _print_MatrixSymbol(self, expr):
        if expr.name in self.elementwise:
            value = self.elementwise[expr.name]
            text = self.doprint(value)
            return text if value.is_Atom or value.is_Function else f"({text})"
        return expr.name

    def _print_Transpose(self, expr):
        return f"{self._print(expr.arg)}.T"

    def _print_HadamardProduct(self, expr):
        parts = [self._print(arg) for arg in expr.args]
        return " * ".join(
            p if isinstance(a, sp.MatrixSymbol) else f"({p})" for a, p in zip(expr.args, parts)
        )

    def _print_MatMul(self, expr):
        coefficient, factors = expr.as_coeff_matrices()
        factors = list(factors)
        ones = [isinstance(f, sp.OneMatrix) for f in factors]
        if ones[0] and factors[0].rows != 1:  # 1 1^T X: column sums, broadcast over units
            text = f"({self._print(sp.MatMul(*factors[1:]))}).sum(axis=0, keepdims=True)"
        elif ones[-1] and factors[-1].rows == 1:  # b 1^T: broadcast b over the samples
            text = f"{self._print(sp.MatMul(*factors[:-1]))}[:, None]"
        elif ones[-1]:  # X 1: sums over the samples
            text = f"{self._print(sp.MatMul(*factors[:-1]))}.sum(axis=1)"
        else:
            text = " @ ".join(self.parenthesize(f, 100) for f in factors)
        if coefficient == 1:
            return text
        if coefficient == -1:
            return f"-{text}"
        if coefficient == 1 / _N:  # NOTE: the 1/N of the batch mean
            single = len(factors) == 1 and isinstance(factors[0], sp.MatrixSymbol)
            return f"{text} / N" if single else f"({text}) / N"
        return f"{self._print(coefficient)}*({text})"

    def _print_Add(self, expr, order=None):
        # NOTE: positive terms first, so ``Y - T`` is one NumPy subtraction, not ``-T + Y``
        # (a negation and then an addition: one more pass over the array).
        terms = sorted(expr.as_ordered_terms(), key=lambda t: t.could_extract_minus_sign())
        text = self._print(terms[0])
        for term in terms[1:]:
            sign, term = (" - ", -term) if term.could_extract_minus_sign() else (" + ", term)
            text += sign + self.parenthesize(term, PRECEDENCE["Add"])
        return text

    def _print_MatAdd(self, expr):
        terms = sorted(expr.args, key=lambda t: t.could_extract_minus_sign())
        text = " + ".join(self._print(arg) for arg in terms)
        return text.replace("+ -", "- ")


# ---- 3. the training step, printed from the rules and compiled once ----------------------


def softmax_columns(Z: np.ndarray) -> np.ndarray:
    """Softmax of each column: the table's ``softmax(z_j, z_1..z_n) = exp(z_j) / sum_k exp(z_k)``.

    NOTE: shifted by each column's maximum (softmax is unchanged when every z_k moves by
    the same c), so ``exp`` never overflows.

    >>> softmax_columns(np.array([[0.0], [1000.0]]))
    array([[0.],
           [1.]])
    """
    with np.errstate(under="ignore"):  # a vanishing share rounds to 0, as it should
        E = np.exp(Z - Z.max(axis=0))
    return E / E.sum(axis=0)


def softmax_logsumexp_columns(Z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Both :func:`softmax_columns` and :func:`logsumexp_columns` from one ``exp``.

    NOTE: the cross-entropy step needs y = softmax(z) and logsumexp(z); with
    c = max_k z_k, E = exp(z - c) and S = sum_k E_k they are E / S and c + log(S).
    """
    c = Z.max(axis=0)
    with np.errstate(under="ignore"):
        E = np.exp(Z - c)
    S = E.sum(axis=0)
    return E / S, c + np.log(S)


def logsumexp_columns(Z: np.ndarray) -> np.ndarray:
    """``log(sum_k exp(z_k))`` of each column, shifted by the column maximum; shape (N,).

    >>> logsumexp_columns(np.array([[1000.0], [1000.0]])) - 1000.0
    array([0.69314718])
    """
    c = Z.max(axis=0)
    with np.errstate(under="ignore"):
        return c + np.log(np.exp(Z - c).sum(axis=0))


def _namespace() -> dict:
    namespace = {name: getattr(np, name) for name in dir(np) if not name.startswith("_")}
    namespace.update(NUMPY_FUNCTIONS)
    namespace.update(LOSS_NUMPY_FUNCTIONS)
    namespace.update(
        softmax_columns=softmax_columns,
        logsumexp_columns=logsumexp_columns,
        softmax_logsumexp_columns=softmax_logsumexp_columns,
    )
    return namespace


def _renamed(rule: sp.MatrixExpr, **names: str) -> sp.MatrixExpr:
    """A batch rule with its generic matrices renamed to one layer's arrays."""
    generic = {
        "A": _A,
        "W": _W,
        "b": _b,
        "Delta": _Delta,
        "Fprime": _Fprime,
        "Y": _Y,
        "T": _T,
        "G": _G,
    }
    return rule.xreplace(
        {generic[k]: sp.MatrixSymbol(v, *generic[k].shape) for k, v in names.items()}
    )


def _loss_line(loss: str, activation: str, width: int, printer: LayerPrinter, Z: str) -> str:
    """``loss = ...``: the per-sample loss of add_loss, vectorised over units and samples.

    The pattern is read off a template of at most 2 output units (it is the same for each).
    """
    width = min(width, 2)
    net = add_loss(build_network(f"1-{width}:{activation}", bias=True), loss)
    last = net.layers[-1]
    rename = {
        sp.Symbol(n): sp.Symbol(a)
        for names, a in ((last.units, "Y"), (last.sums, Z), (net.targets, "T"))
        for n in names
    }
    patterns: dict[sp.Expr, int] = {}
    parts = []
    for term in sp.Add.make_args(net.definition(net.loss_node)):
        if isinstance(term, logsumexp):  # a reduction over the layer's logits
            parts.append("LSE.sum()")  # computed with the softmax in the forward lines
            continue
        pattern = term.xreplace(rename)
        patterns[pattern] = patterns.get(pattern, 0) + 1
    if any(count != width for count in patterns.values()):
        raise SpecError(f"the {loss} loss is not a sum over output units; cannot vectorise it")
    elementwise = sp.Add(*patterns)
    if elementwise.is_Mul and elementwise.could_extract_minus_sign():  # no negated copy of T
        parts.append(f"- ({printer.doprint(-elementwise)}).sum()")
    else:
        parts.append(f"+ ({printer.doprint(elementwise)}).sum()")
    total = " ".join(parts).removeprefix("+ ")
    return f"loss = ({total}) / N"


def _output_delta_rule(loss: str, activation: str, Z: str) -> tuple[sp.MatrixExpr, sp.Expr]:
    """The output Delta as a batch rule, and the elementwise pattern G it uses."""
    Y, T, z = sp.Symbol("Y"), sp.Symbol("T"), sp.Symbol(Z)
    if activation == "softmax" and loss == "mse":
        return BATCH_RULES["Delta_out_softmax_mse"], Y - T
    (pattern,), _ = _output_rule(loss, activation, [Y], [z], [T])
    return BATCH_RULES["Delta_out"], pattern


@dataclass(frozen=True)
class LayerProgram:
    """A network's training step and forward pass, generated from the batch rules.

    ``step(X, T, params)`` returns ``(loss, gradients)``: the mean loss over the batch's
    rows and one gradient array per parameter array, in ``parameter_names`` order
    (``W1, b1, W2, b2, ...``; ``W_l`` has shape ``(width_l, width_{l-1})``, ``b_l`` shape
    ``(width_l,)``). ``X`` is (N, inputs) and ``T`` (N, outputs), one sample per row.
    ``forward(X, params)`` returns the outputs ``Y``, shape (N, outputs);
    ``evaluate(X, T, params)`` returns ``(loss, Y)`` without the backward pass.
    """

    spec: NetworkSpec
    loss: str
    source: str
    parameter_names: tuple[str, ...]
    _step: Callable
    _forward: Callable
    _evaluate: Callable

    def step(self, X: np.ndarray, T: np.ndarray, params: Sequence[np.ndarray]):
        return self._step(X, T, *params)

    def forward(self, X: np.ndarray, params: Sequence[np.ndarray]) -> np.ndarray:
        return self._forward(X, *params)

    def evaluate(self, X: np.ndarray, T: np.ndarray, params: Sequence[np.ndarray]):
        return self._evaluate(X, T, *params)


def _lines(spec: NetworkSpec, loss: str) -> tuple[list[str], list[str], list[str]]:
    """(forward lines, the same before a loss, loss-and-backward lines)."""
    printer = LayerPrinter()
    count = len(spec.layers)
    forward, outputs, sums = ["A0 = X.T"], ["A0"], []
    for l, layer in enumerate(spec.layers, start=1):
        Z = f"Z{l}"
        rule = _renamed(BATCH_RULES["Z"], A=outputs[-1], W=f"W{l}", b=f"b{l}")
        forward.append(f"{Z} = {printer.doprint(rule)}")
        A = activation_lines(forward, "Y" if l == count else f"A{l}", Z, layer.activation, printer)
        sums.append(Z)
        outputs.append(A)
    last = spec.layers[-1]
    before_loss = list(forward)
    if last.activation == "softmax" and loss == "ce":  # the loss needs logsumexp(Z) too
        before_loss[-1] = f"Y, LSE = softmax_logsumexp_columns({sums[-1]})"
    backward = ["T = T.T", _loss_line(loss, last.activation, last.width, printer, sums[-1])]
    rule, pattern = _output_delta_rule(loss, last.activation, sums[-1])
    printer.elementwise = {"G": pattern}
    backward.append(f"Delta{count} = {printer.doprint(_renamed(rule, Y='Y', T='T'))}")
    for l in range(count, 0, -1):
        names = {"Delta": f"Delta{l}", "A": outputs[l - 1], "W": f"W{l}"}
        backward.append(f"dW{l} = {printer.doprint(_renamed(BATCH_RULES['dW'], **names))}")
        backward.append(f"db{l} = {printer.doprint(_renamed(BATCH_RULES['db'], **names))}")
        if l == 1:
            continue
        below = spec.layers[l - 2].activation
        in_a = derivative_in_output(below).xreplace(
            {sp.Symbol("a"): sp.Symbol(outputs[l - 1]), sp.Symbol("z"): sp.Symbol(sums[l - 2])}
        )
        rule = BATCH_RULES["Delta_prev"]
        if in_a == 1:  # a linear layer below: f' = 1, no elementwise factor
            rule = _W.T * _Delta
        printer.elementwise = {"Fprime": in_a}
        backward.append(f"Delta{l - 1} = {printer.doprint(_renamed(rule, **names))}")
    return forward, before_loss, backward


@functools.lru_cache(maxsize=64)
def _compile(spec: NetworkSpec, loss: str) -> LayerProgram:
    if spec.is_dense:
        forward, before_loss, backward = _lines(spec, loss)
    else:  # conv, pooling and flatten layers: symnet.codegen.conv adds their lines
        from symnet.codegen.conv import image_lines

        forward, before_loss, backward = image_lines(spec, loss)
    names = tuple(name for name, _ in spec.parameter_shapes())
    arguments = ", ".join(names)
    gradients = ", ".join(f"d{n}" for n in names)
    body = "\n    ".join
    source = (
        f"# generated by symnet.codegen for {spec} with the {loss} loss; samples are columns\n"
        f"def forward(X, {arguments}):\n    {body(forward)}\n    return Y.T\n\n\n"
        f"def evaluate(X, T, {arguments}):\n    N = X.shape[0]\n"
        f"    {body(before_loss + backward[:2])}\n    return loss, Y.T\n\n\n"
        f"def train_step(X, T, {arguments}):\n    N = X.shape[0]\n"
        f"    {body(before_loss + backward)}\n    return loss, [{gradients}]\n"
    )
    filename = f"<symnet.codegen.program {spec} {loss}>"
    # NOTE: our own printed source (spec widths are integers, activations and losses come
    # from their tables; no user text), compiled once and registered with linecache so
    # tracebacks show the generated line.
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace = _namespace()
    if not spec.is_dense:
        from symnet.codegen.conv import image_namespace

        namespace.update(image_namespace())
    exec(compile(source, filename, "exec"), namespace)
    functions = (namespace[name] for name in ("train_step", "forward", "evaluate"))
    return LayerProgram(spec, loss, source, names, *functions)


def compile_layers(spec: str | NetworkSpec, loss: str) -> LayerProgram:
    """Generate and compile the layer-level training step of ``spec`` with ``loss``.

    Parameters
    ----------
    spec : str or NetworkSpec
        Any spec; every layer gets a bias.
    loss : {"mse", "bce", "ce"}
        Checked against the output layer by :func:`symnet.graph.losses.check_loss`.

    Returns
    -------
    LayerProgram
        With ``source`` (the generated Python), ``step``, ``forward`` and ``evaluate``.

    >>> program = compile_layers("1-1", "mse")
    >>> W, b = np.array([[2.0]]), np.array([1.0])
    >>> loss, (dW, db) = program.step(np.array([[1.0]]), np.array([[2.0]]), [W, b])
    >>> float(loss), dW, db    # y = 3, t = 2: L = 1/2, dL/dW = (y - t) x, dL/db = y - t
    (0.5, array([[1.]]), array([1.]))
    """
    spec = parse_spec(spec)
    check_loss(spec, loss)
    return _compile(spec, loss)
