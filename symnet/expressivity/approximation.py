"""Universal approximation with one hidden ReLU layer: constructed, trained and measured.

The notes add up shifted ReLUs until the sum looks like any function. This module builds
that sum as a real symnet network, ``1-N:relu-1`` with biases, whose weights are *set* by a
construction: the piecewise-linear interpolant of f at the knots ``k_0 < k_1 < ... < k_N``::

    y = f(k_0) + s_1 ReLU(x - k_0) + (s_2 - s_1) ReLU(x - k_1) + ...
               + (s_N - s_{N-1}) ReLU(x - k_{N-1})

where ``s_i = (f(k_i) - f(k_{i-1})) / (k_i - k_{i-1})`` is the slope on the i-th piece:
each unit switches on at its knot and changes the slope by the jump there. The same width
can instead be *trained* by gradient descent from random weights (:mod:`symnet.training.loop`).

>>> result = construct_approximation(parse_expression("x**2"), (0, 1), units=2)
>>> result.formula_text()
'y = 0 + 0.5 ReLU(x) + 1 ReLU(x - 0.5)'
>>> round(result.max_error, 6)      # h^2/8 * max|f''| = 0.25/8 * 2
0.0625
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np
import sympy as sp

from symnet.exceptions import SpecError
from symnet.graph.build import build_network
from symnet.graph.network import Network
from symnet.numeric.functions import NUMPY_FUNCTIONS, numpy_function
from symnet.parse import as_number, parse_expression, parse_interval
from symnet.training.data import Dataset
from symnet.training.loop import train

__all__ = [
    "MAX_UNITS",
    "MAX_NETWORK_UNITS",
    "Approximation",
    "interpolating_network",
    "network_formula",
    "construct_approximation",
    "train_approximation",
    "approximate",
    "target_values",
    "error_table",
    "error_table_text",
]

MAX_UNITS = 1_024  # an approximation's formula is compiled to NumPy; 1,024 terms take ~2 s
MAX_NETWORK_UNITS = 4_096  # an interpolating network alone (the depth module's 2^12 units)
X = sp.Symbol("x")


def _check_units(units: int, limit: int = MAX_UNITS) -> int:
    if isinstance(units, bool) or not isinstance(units, (int, np.integer)) or units < 1:
        raise SpecError(f"units must be a whole number >= 1; got {units!r}")
    if units > limit:
        raise SpecError(f"units must be at most {limit}; got {units} (use fewer units)")
    return int(units)


def _exact(value) -> sp.Expr:
    """A SymPy number from a SymPy expression, a Fraction, an int, a float or a numeric string."""
    if isinstance(value, sp.Basic):
        return value
    if isinstance(value, Fraction):
        return sp.Rational(value.numerator, value.denominator)
    return as_number(value)  # strings go through its whitelist regex, never SymPy's parser


def interpolating_network(
    knots: Sequence, values: Sequence, names: str = "seed"
) -> tuple[Network, dict[str, sp.Expr]]:
    """The ``1-N:relu-1`` network (N = len(knots) - 1) through ``(knots[i], values[i])``.

    Exact when the knots and values are exact (SymPy Rationals); floats stay floats.

    Returns
    -------
    (Network, dict)
        The network and the value of each of its parameters (by name).

    Notes
    -----
    Hidden unit j computes ``ReLU(1 * x - k_j)`` (weight 1, bias -k_j), j = 0..N-1. The
    output weight of unit j is the slope change at k_j: ``s_1`` for j = 0, ``s_{j+1} - s_j``
    after; the output bias is ``f(k_0)``. On [k_0, k_N] the sum is the interpolant.

    >>> net, values = interpolating_network([0, 1, 2], [0, 1, 0])
    >>> network_formula(net, values)
    ReLU(x) - 2*ReLU(x - 1)
    """
    knots = [_exact(k) for k in knots]
    values = [_exact(v) for v in values]
    if len(knots) != len(values) or len(knots) < 2:
        raise SpecError("give at least two knots and one value per knot")
    if any(not (b > a) for a, b in zip(knots, knots[1:])):
        raise SpecError("the knots must be strictly increasing")
    units = _check_units(len(knots) - 1, MAX_NETWORK_UNITS)
    slopes = [(v1 - v0) / (k1 - k0) for k0, k1, v0, v1 in zip(knots, knots[1:], values, values[1:])]
    jumps = [slopes[0], *(b - a for a, b in zip(slopes, slopes[1:]))]
    network = build_network(f"1-{units}:relu-1", names=names, bias=True)
    unit_names, output_bias = _unit_names(network)
    parameters: dict[str, sp.Expr] = {}
    for (weight, bias, output_weight), knot, jump in zip(unit_names, knots, jumps):
        parameters[weight] = sp.S.One
        parameters[bias] = -knot
        parameters[output_weight] = jump
    parameters[output_bias] = values[0]
    return network, parameters


def _unit_names(network: Network) -> tuple[list[tuple[str, str, str]], str]:
    """([(input weight w, bias b, output weight c) per hidden unit], output bias) of a
    ``1-N:relu-1`` network built with biases."""
    hidden, output = network.layers
    biases, output_biases = hidden.biases or (), output.biases or ()
    names = [(row[0], bias, c) for row, bias, c in zip(hidden.weights, biases, output.weights[0])]
    return names, output_biases[0]


def network_formula(network: Network, parameters: dict[str, sp.Expr]) -> sp.Expr:
    """The output of a one-input network with its parameters substituted, as a function of x.

    Walks the graph in topological order, substituting numbers into each local definition
    (numbers first, so each ReLU is built once, already in its final form).
    """
    values = {sp.Symbol(name): value for name, value in parameters.items()}
    values[sp.Symbol(network.inputs[0])] = X
    for node in network.topological_order():
        definition = network.definition(node)
        if definition is not None:
            values[sp.Symbol(node)] = definition.xreplace(values)
    return values[sp.Symbol(network.outputs[0])]


@dataclass
class Approximation:
    """A ``1-N:relu-1`` network approximating ``target`` on ``interval``, with its error."""

    target: sp.Expr
    interval: tuple[sp.Expr, sp.Expr]
    method: str
    network: Network
    parameters: dict[str, sp.Expr]
    knots: tuple[float, ...]  # construct: interpolation knots; train: the units' kinks
    max_error: float = float("nan")
    worst_x: float = float("nan")
    training: dict = field(default_factory=dict)
    _compiled: Callable[..., Any] | None = field(default=None, repr=False, compare=False)

    @property
    def units(self) -> int:
        return self.network.layers[0].width

    @property
    def formula(self) -> sp.Expr:
        """y as a SymPy expression in x (parses back with :func:`symnet.parse.parse_expression`)."""
        return network_formula(self.network, self.parameters)

    def unit_terms(self) -> tuple[float, list[tuple[float, float, float]]]:
        """(output bias, [(output weight c, input weight w, bias b) per unit]) as floats."""
        unit_names, output_bias = _unit_names(self.network)
        p = {name: float(value) for name, value in self.parameters.items()}
        terms = [(p[c], p[w], p[b]) for w, b, c in unit_names]
        return p[output_bias], terms

    @property
    def kinks_inside(self) -> int:
        """Units whose kink lies strictly inside the interval (the others add no bend there)."""
        low, high = (float(v) for v in self.interval)
        _, terms = self.unit_terms()
        return sum(1 for c, w, b in terms if c != 0 and w != 0 and low < -b / w < high)

    def predict(self, x: np.ndarray) -> np.ndarray:
        """The network's output at ``x``, computed from the formula (SymPy -> NumPy)."""
        if self._compiled is None:  # lambdify once: it costs more than evaluating
            self._compiled = sp.lambdify(X, self.formula, modules=[NUMPY_FUNCTIONS, "numpy"])
        x = np.asarray(x, dtype=np.float64)
        return np.broadcast_to(np.asarray(self._compiled(x), dtype=np.float64), x.shape)

    def contributions(self, x: np.ndarray) -> tuple[float, list[np.ndarray]]:
        """(constant, [c_j ReLU(w_j x + b_j) for each unit]) at ``x``: the pieces of the sum."""
        constant, terms = self.unit_terms()
        return constant, [c * np.maximum(w * x + b, 0.0) for c, w, b in terms]

    def shown_terms(self, digits: int = 4) -> tuple[float, list[tuple[float, str]]]:
        """(constant, [(coefficient, "ReLU(x - k)") per unit with a kink]) for display.

        NOTE: c ReLU(w x + b) is shown as c|w| ReLU(x - k) for w > 0 and c|w| ReLU(k - x)
        for w < 0, with the kink k = -b/w; a unit with w = 0 is a constant. Values below
        1e-12 of the largest coefficient are rounding noise (the float sin(-pi) is -1.2e-16)
        and are shown as 0.
        """
        constant, terms = self.unit_terms()
        scale = max([abs(constant), *(abs(c * w) for c, w, _ in terms)]) or 1.0
        shown = []
        for c, w, b in terms:
            if w == 0:
                constant += c * max(b, 0.0)
                continue
            k = -b / w
            inner = _shift("x", -k, digits) if w > 0 else _shift(_num(k, digits), "-x", digits)
            coefficient = c * abs(w)
            shown.append(
                (0.0 if abs(coefficient) < 1e-12 * scale else coefficient, f"ReLU({inner})")
            )
        return (0.0 if abs(constant) < 1e-12 * scale else constant), shown

    def formula_text(self, digits: int = 4) -> str:
        """``y = f(a) + c ReLU(x - k) + ...`` with ``digits`` significant digits."""
        constant, shown = self.shown_terms(digits)
        text = f"y = {_num(constant, digits)}"
        for coefficient, unit in shown:
            sign = "-" if coefficient < 0 else "+"
            text += f" {sign} {_num(abs(coefficient), digits)} {unit}"
        return text

    def to_dict(self) -> dict:
        """JSON-ready: expression, hidden_units, max_abs_error, formula, interval, knots, ..."""
        low, high = self.interval
        return {
            "expression": str(self.target),
            "method": self.method,
            "hidden_units": self.units,
            "interval": [float(low), float(high)],
            "interval_exact": [str(low), str(high)],
            "max_abs_error": self.max_error,
            "worst_x": self.worst_x,
            "formula": str(self.formula),
            "formula_text": self.formula_text(),
            "knots": list(self.knots),
            "parameter_count": self.network.layered_spec.parameter_count(bias=True),
            "kinks_inside": self.kinks_inside,
            **({"training": self.training} if self.training else {}),
        }


def _num(value: float, digits: int) -> str:
    text = f"{value:.{digits}g}"
    return "0" if text in ("-0", "0") else text


def _shift(left: str, right: float | str, digits: int) -> str:
    """``x - 0.5``, ``x + 2``, ``x`` (shift 0) or ``1.5 - x``."""
    if isinstance(right, str):
        return f"{left} - x"
    if _num(right, digits) == "0":
        return left
    return f"{left} {'-' if right < 0 else '+'} {_num(abs(right), digits)}"


def _grid(low: float, high: float, units: int) -> np.ndarray:
    # NOTE: 32 grid steps per piece of a uniform construction (and >= 2001 points), so
    # every knot and every midpoint, where the interpolation error peaks, is on the grid.
    return np.linspace(low, high, max(2001, 32 * units + 1))


def target_values(target: sp.Expr, x: np.ndarray) -> np.ndarray:
    """``target`` (an expression in x) at the points ``x``; a SpecError where it is not finite.

    >>> target_values(parse_expression("x**2"), np.array([1.0, 3.0]))
    array([1., 9.])
    """
    values = numpy_function(target)(x)
    bad = ~np.isfinite(values)
    if bad.any():
        raise SpecError(
            f"the target {target} is not defined (or not finite) at x = {x[bad][0]:.6g}; "
            "choose an interval inside its domain"
        )
    return values


def _measure(result: Approximation) -> Approximation:
    """Fill in the largest |f(x) - y(x)| on a fine grid and where it happens."""
    low, high = (float(v) for v in result.interval)
    x = _grid(low, high, result.units)
    with np.errstate(all="ignore"):
        error = np.abs(target_values(result.target, x) - result.predict(x))
    worst = int(np.nanargmax(error))
    result.max_error, result.worst_x = float(error[worst]), float(x[worst])
    return result


def _interval(interval) -> tuple[sp.Expr, sp.Expr]:
    if isinstance(interval, str):
        return parse_interval(interval)
    low, high = (
        v if isinstance(v, sp.Expr) else sp.Float(v) if isinstance(v, float) else sp.Integer(v)
        for v in interval
    )
    if not float(low) < float(high):
        raise SpecError(f"the interval [{low}, {high}] is empty; its start must be below its end")
    return low, high


def construct_approximation(target: sp.Expr, interval, units: int) -> Approximation:
    """Interpolate ``target`` at ``units + 1`` equally spaced knots with ``units`` ReLUs.

    ``interval`` is ``(a, b)`` (numbers or SymPy constants) or text such as ``"-pi,pi"``.
    """
    units = _check_units(units)
    low, high = _interval(interval)
    knots = np.linspace(float(low), float(high), units + 1)
    values = target_values(target, knots)
    network, parameters = interpolating_network(
        [sp.Float(k) for k in knots], [sp.Float(v) for v in values]
    )
    result = Approximation(target, (low, high), "construct", network, parameters, tuple(knots))
    return _measure(result)


def train_approximation(
    target: sp.Expr,
    interval,
    units: int,
    seed: int = 0,
    epochs: int = 4000,
    lr: float = 0.01,
    samples: int = 256,
) -> Approximation:
    """Train ``1-N:relu-1`` by full-batch Adam on ``samples`` points of ``target`` (mse loss).

    The weights start random (He initialisation, ``seed``); :func:`symnet.training.loop.train` does
    the work. The inputs' standardisation is folded into the first layer, so the result is
    a plain network of x like the constructed one.
    """
    units = _check_units(units)
    low, high = _interval(interval)
    x = np.linspace(float(low), float(high), samples)
    data = Dataset(str(target), x[:, None], target_values(target, x)[:, None], "regression")
    run = train(
        f"1-{units}:relu-1",
        data,
        loss="mse",
        optimizer="adam",
        lr=lr,
        epochs=epochs,
        seed=seed,
        test_fraction=0.0,
    )
    if run.stopped == "interrupted":  # the loop keeps Ctrl-C for `train`; a study stops
        raise KeyboardInterrupt
    W1, b1, W2, b2 = (np.asarray(p, dtype=float) for p in run.model.params)
    scaling = run.model.standardizer  # train() always fits one
    mean, scale = (0.0, 1.0) if scaling is None else (scaling.mean[0], scaling.scale[0])
    # NOTE: w (x - m)/s + b = (w/s) x + (b - w m/s): standardisation folded into the weights.
    w, b = W1[:, 0] / float(scale), b1 - W1[:, 0] * float(mean) / float(scale)
    network = build_network(f"1-{units}:relu-1", bias=True)
    unit_names, output_bias = _unit_names(network)
    parameters: dict[str, sp.Expr] = {
        name: sp.Float(w[j]) for j, (name, _, _) in enumerate(unit_names)
    }
    parameters |= {name: sp.Float(b[j]) for j, (_, name, _) in enumerate(unit_names)}
    parameters |= {name: sp.Float(W2[0, j]) for j, (_, _, name) in enumerate(unit_names)}
    parameters[output_bias] = sp.Float(b2[0])
    kinks = tuple(sorted(float(-bj / wj) for wj, bj in zip(w, b) if wj != 0))
    training = {
        "epochs": run.epochs,
        "optimizer": "adam",
        "lr": lr,
        "samples": samples,
        "seed": seed,
        "final_loss": run.train_loss,
        "seconds": run.seconds,
        "stopped": run.stopped,
    }
    result = Approximation(
        target, (low, high), "train", network, parameters, kinks, training=training
    )
    return _measure(result)


def approximate(
    expression: str, units: int, interval: str = "-pi,pi", method: str = "construct", seed: int = 0
) -> Approximation:
    """Parse ``expression`` safely and approximate it: the command line's entry point.

    >>> approximate("abs(x)", units=2, interval="-1,1").max_error
    0.0
    """
    if method not in ("construct", "train"):
        raise SpecError(f"method must be one of 'construct', 'train'; got {method!r}")
    target = parse_expression(expression)
    if method == "construct":
        return construct_approximation(target, interval, units)
    return train_approximation(target, interval, units, seed=seed)


def error_table(target: sp.Expr, interval, units: Sequence[int] = (4, 8, 16, 32, 64)) -> list[dict]:
    """Max error of the construction for each width, and the ratio to the previous width.

    Notes
    -----
    For a target with a bounded second derivative, the interpolation error on a piece of
    width h is at most h^2/8 max|f''|: doubling the units quarters the error (ratio ~4).
    """
    rows: list[dict] = []
    for n in units:
        error = construct_approximation(target, interval, n).max_error
        ratio = rows[-1]["max_abs_error"] / error if rows and error > 0 else None
        rows.append({"hidden_units": int(n), "max_abs_error": error, "ratio": ratio})
    return rows


def error_table_text(rows: list[dict]) -> str:
    """The error table as aligned text."""
    lines = [f"{'units':>6}  {'max error':>11}  {'ratio to previous':>17}"]
    for row in rows:
        ratio = f"{row['ratio']:.2f}" if row["ratio"] is not None else "-"
        lines.append(f"{row['hidden_units']:>6}  {row['max_abs_error']:>11.4e}  {ratio:>17}")
    return "\n".join(lines)
