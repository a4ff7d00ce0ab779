"""The power of depth: the sawtooth, counted exactly, deep against shallow.

The tent map ``tent(x) = 2 ReLU(x) - 4 ReLU(x - 1/2)`` folds [0, 1] onto itself: up on
[0, 1/2], down on [1/2, 1]. Composed k times it is a sawtooth with 2^k linear pieces, and
a ReLU network computes it with k hidden layers of 2 units: ``6k + 1`` parameters. A
network with one hidden layer needs 2^k units (``3 * 2^k + 1`` parameters) for the same
function: depth buys exponentially many pieces per parameter, as the notes claim.

Everything is counted exactly. :class:`PiecewiseLinear` holds a continuous
piecewise-linear function as its breakpoints and values in :class:`fractions.Fraction`
arithmetic; :func:`network_piecewise` pushes it through a one-input ReLU network layer by
layer (a weighted sum adds slope changes; ReLU clips at the exact zero crossings), and
pieces are counted after merging neighbours with equal slopes.

>>> net, values = sawtooth_network(3)
>>> network_piecewise(net, values).pieces
8
>>> fewest_shallow_units(network_piecewise(net, values))
8
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import reduce
from math import gcd, lcm

import sympy as sp

from symnet.exceptions import SizeLimitError, SpecError
from symnet.expressivity.approximation import interpolating_network
from symnet.graph.activations import LEAKY_SLOPE
from symnet.graph.build import build_network
from symnet.graph.network import Network

__all__ = [
    "MAX_DEPTH",
    "PiecewiseLinear",
    "exact",
    "network_piecewise",
    "fewest_shallow_units",
    "sawtooth_network",
    "shallow_sawtooth_network",
    "depth_row",
    "depth_table",
    "depth_table_text",
]

MAX_DEPTH = 12  # 2^12 = 4096 pieces (and shallow units): a few seconds of exact arithmetic


def exact(value) -> Fraction:
    """A parameter value as an exact Fraction (a float converts exactly, bit for bit)."""
    if isinstance(value, (Fraction, int)):
        return Fraction(value)
    if isinstance(value, float):
        return Fraction(value)
    if isinstance(value, sp.Rational):
        return Fraction(int(value.p), int(value.q))
    if isinstance(value, sp.Float):
        return Fraction(float(value))
    raise SpecError(f"exact piece counting needs rational or float parameters; got {value!r}")


@dataclass(frozen=True)
class PiecewiseLinear:
    """A continuous piecewise-linear function on ``[xs[0], xs[-1]]``: y = ys[i] at xs[i].

    >>> f = PiecewiseLinear.identity(-1, 1).relu()
    >>> [str(x) for x in f.xs], [str(y) for y in f.ys], f.pieces, f(Fraction(1, 2))
    (['-1', '0', '1'], ['0', '0', '1'], 2, Fraction(1, 2))
    """

    xs: tuple[Fraction, ...]
    ys: tuple[Fraction, ...]

    @classmethod
    def identity(cls, low, high) -> PiecewiseLinear:
        """f(x) = x on [low, high]."""
        low, high = exact(low), exact(high)
        if not low < high:
            raise SpecError(
                f"the interval [{low}, {high}] is empty; its start must be below its end"
            )
        return cls((low, high), (low, high))

    def slopes(self) -> list[Fraction]:
        xs, ys = self.xs, self.ys
        return [(ys[i + 1] - ys[i]) / (xs[i + 1] - xs[i]) for i in range(len(xs) - 1)]

    def simplified(self) -> PiecewiseLinear:
        """The same function without breakpoints where the slope does not change."""
        slopes = self.slopes()
        keep = [0, *(i for i in range(1, len(self.xs) - 1) if slopes[i - 1] != slopes[i])]
        keep.append(len(self.xs) - 1)
        return PiecewiseLinear(tuple(self.xs[i] for i in keep), tuple(self.ys[i] for i in keep))

    @property
    def pieces(self) -> int:
        """Maximal linear pieces (neighbours with equal slopes merged)."""
        return len(self.simplified().xs) - 1

    @property
    def kinks(self) -> tuple[Fraction, ...]:
        """The interior breakpoints, where the slope changes."""
        return self.simplified().xs[1:-1]

    def __call__(self, x) -> Fraction:
        x = exact(x)
        if not self.xs[0] <= x <= self.xs[-1]:
            raise SpecError(f"x = {x} is outside [{self.xs[0]}, {self.xs[-1]}]")
        i = min(max(bisect_right(self.xs, x) - 1, 0), len(self.xs) - 2)
        x0, x1, y0, y1 = self.xs[i], self.xs[i + 1], self.ys[i], self.ys[i + 1]
        return y0 + (y1 - y0) * (x - x0) / (x1 - x0)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PiecewiseLinear):
            return NotImplemented
        a, b = self.simplified(), other.simplified()
        return a.xs == b.xs and a.ys == b.ys

    __hash__ = None  # type: ignore[assignment]

    def _clip(self, negative_slope: Fraction) -> PiecewiseLinear:
        """y -> y for y > 0, negative_slope * y otherwise; new breakpoints where y crosses 0."""
        xs, ys = [self.xs[0]], [self.ys[0]]
        for x1, y1 in zip(self.xs[1:], self.ys[1:]):
            x0, y0 = xs[-1], ys[-1]
            if (y0 < 0 < y1) or (y1 < 0 < y0):
                xs.append(x0 + (x1 - x0) * (-y0) / (y1 - y0))  # exact zero crossing
                ys.append(Fraction(0))
            xs.append(x1)
            ys.append(y1)
        ys = [y if y > 0 else negative_slope * y for y in ys]
        return PiecewiseLinear(tuple(xs), tuple(ys)).simplified()

    def relu(self) -> PiecewiseLinear:
        """ReLU(f): f where f > 0, else 0."""
        return self._clip(Fraction(0))

    def leaky_relu(self) -> PiecewiseLinear:
        """LeakyReLU(f), with symnet's slope 1/100 below 0."""
        return self._clip(exact(LEAKY_SLOPE))

    @staticmethod
    def combination(
        terms: Sequence[tuple[Fraction, PiecewiseLinear]], constant=0
    ) -> PiecewiseLinear:
        """``constant + sum(c * f)`` over functions on one interval.

        NOTE: added as slope changes, not point values: the start value and start slope
        add up, and each kink's jump is scaled and added, so the cost is linear in the
        total number of kinks however many terms there are.
        """
        low, high = terms[0][1].xs[0], terms[0][1].xs[-1]
        value, slope = exact(constant), Fraction(0)
        jumps: defaultdict[Fraction, Fraction] = defaultdict(Fraction)
        for c, f in terms:
            c = exact(c)
            if (f.xs[0], f.xs[-1]) != (low, high):
                raise SpecError("combined functions must share one interval")
            slopes = f.slopes()
            value += c * f.ys[0]
            slope += c * slopes[0]
            for x, before, after in zip(f.xs[1:-1], slopes, slopes[1:]):
                jumps[x] += c * (after - before)
        xs, ys = [low], [value]
        for x in [*sorted(k for k, jump in jumps.items() if jump != 0), high]:
            ys.append(ys[-1] + slope * (x - xs[-1]))
            xs.append(x)
            slope += jumps.get(x, 0)
        return PiecewiseLinear(tuple(xs), tuple(ys))

    def points(self) -> tuple[list[float], list[float]]:
        """Breakpoints and values as floats, for plotting."""
        return [float(x) for x in self.xs], [float(y) for y in self.ys]


_APPLY = {
    "identity": lambda f: f,
    "relu": PiecewiseLinear.relu,
    "leaky_relu": PiecewiseLinear.leaky_relu,
}


def network_piecewise(network: Network, parameters: dict, interval=(0, 1)) -> PiecewiseLinear:
    """The exact function computed by a one-input, one-output network on ``interval``.

    ``parameters`` maps every parameter name to a rational (or float) value. Only
    piecewise-linear activations (identity, relu, leaky_relu) are allowed.
    """
    if len(network.inputs) != 1 or len(network.outputs) != 1:
        raise SpecError(
            f"exact pieces need one input and one output; {network.spec} has "
            f"{len(network.inputs)} and {len(network.outputs)}"
        )
    missing = [name for name in network.parameters if name not in parameters]
    if missing:
        raise SpecError(f"no value given for the parameter(s) {', '.join(missing[:5])}")
    value = {name: exact(parameters[name]) for name in network.parameters}
    current = [PiecewiseLinear.identity(*interval)]
    for layer in network.layers:
        if layer.activation not in _APPLY:
            raise SpecError(
                f"exact pieces need identity, relu or leaky_relu layers; layer "
                f"{layer.index} is {layer.activation}"
            )
        following = []
        for j, row in enumerate(layer.weights):
            bias = value[layer.biases[j]] if layer.biases else 0
            z = PiecewiseLinear.combination([(value[w], f) for w, f in zip(row, current)], bias)
            following.append(_APPLY[layer.activation](z))
        current = following
    return current[0]


def fewest_shallow_units(function: PiecewiseLinear) -> int:
    """The fewest units of a one-hidden-layer ReLU network (no skip link) equal to ``function``.

    Notes
    -----
    A unit ``v ReLU(w x + b)`` has at most one kink, so a network with m units has at most
    m kinks: m + 1 pieces. With m kinks in the open interval, m + 1 units always suffice
    (the interpolating construction: one unit at the left end, one per kink). m units
    suffice exactly when every unit sits on its own kink and the slope of the first piece,
    ``s_0 = -sum(jumps of the units that face left, w < 0)``, can be matched: when some
    subset of the slope jumps sums to ``-s_0``. This is decided exactly (a subset-sum over
    the jumps divided by their common divisor). For the k-fold sawtooth the jumps are
    ``+-2^(k+1)`` and ``-s_0 = -2^k`` is no multiple of ``2^(k+1)``: it needs 2^k units.
    """
    simple = function.simplified()
    slopes, m = simple.slopes(), len(simple.xs) - 2
    jumps = [b - a for a, b in zip(slopes, slopes[1:])]
    target = -slopes[0]
    denominator = reduce(lcm, (q.denominator for q in [*jumps, target]), 1)
    whole = [int(j * denominator) for j in jumps]
    goal = int(target * denominator)
    divisor = reduce(gcd, whole, 0)
    if divisor == 0:  # no kinks: a constant needs no unit, a sloped line one
        return 0 if goal == 0 else 1
    if goal % divisor:
        return m + 1
    reachable = {0}
    for jump in (j // divisor for j in whole):
        reachable |= {s + jump for s in reachable}
        if len(reachable) > 1_000_000:
            raise SizeLimitError(
                f"deciding the fewest units for {m} kinks would need too many "
                "subset sums; the answer is m or m + 1 units"
            )
    return m if goal // divisor in reachable else m + 1


def sawtooth_network(k: int, names: str = "indexed") -> tuple[Network, dict[str, sp.Rational]]:
    """The tent map composed ``k`` times: k hidden layers of 2 ReLU units, exact weights.

    Notes
    -----
    Layer 1 computes ``ReLU(x)`` and ``ReLU(x - 1/2)``; each later layer computes
    ``ReLU(t)`` and ``ReLU(t - 1/2)`` of ``t = 2 h_1 - 4 h_2`` (the tent of the layer
    below); the output is ``2 h_1 - 4 h_2`` of the last layer. On [0, 1],
    ``tent(x) = 2 ReLU(x) - 4 ReLU(x - 1/2)`` is 2x up to 1/2 and 2 - 2x after.
    """
    k = _check_depth(k)
    network = build_network("1-" + "-".join(["2:relu"] * k) + "-1", names=names, bias=True)
    half = sp.Rational(1, 2)
    values: dict[str, sp.Rational] = {}
    for layer in network.layers:
        fold = (sp.S.One,) if layer.index == 1 else (sp.Integer(2), sp.Integer(-4))
        for j, (row, bias) in enumerate(zip(layer.weights, layer.biases or ())):
            values.update(zip(row, fold))
            values[bias] = -half if j == 1 else sp.S.Zero
    return network, values


def shallow_sawtooth_network(k: int) -> tuple[Network, dict[str, sp.Rational]]:
    """One hidden layer of 2^k units interpolating the sawtooth at its 2^k + 1 breakpoints.

    The sawtooth is 0 at even multiples of 2^-k and 1 at odd ones (tent^k folds each
    piece onto [0, 1]), so this is built from that fact alone, not from the deep network.
    """
    k = _check_depth(k)
    n = 2**k
    return interpolating_network(
        [sp.Rational(i, n) for i in range(n + 1)], [i % 2 for i in range(n + 1)]
    )


def _check_depth(k: int) -> int:
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= MAX_DEPTH:
        raise SpecError(f"the depth K must be a whole number from 1 to {MAX_DEPTH}; got {k!r}")
    return k


def depth_row(k: int, check_shallow: bool = True) -> dict:
    """Depth, parameters and pieces of the k-fold sawtooth, deep and shallow.

    With ``check_shallow`` the 2^k-unit shallow network is built and checked to equal
    the deep one exactly on [0, 1] (``shallow_equal``).
    """
    deep, values = sawtooth_network(k)
    function = network_piecewise(deep, values)
    pieces = function.pieces
    row = {
        "depth": k,
        "hidden_units": 2 * k,
        "parameter_count": deep.layered_spec.parameter_count(bias=True),
        "pieces": pieces,
        "shallow_units_lower_bound": pieces - 1,
        "shallow_units_needed": fewest_shallow_units(function),
        "shallow_parameter_count": 3 * 2**k + 1,
    }
    if check_shallow:
        shallow, shallow_values = shallow_sawtooth_network(k)
        row["shallow_parameter_count"] = shallow.layered_spec.parameter_count(bias=True)
        row["shallow_equal"] = network_piecewise(shallow, shallow_values) == function
    return row


def depth_table(depth: int, check_shallow: bool = True) -> list[dict]:
    """:func:`depth_row` for k = 1..depth."""
    return [depth_row(k, check_shallow) for k in range(1, _check_depth(depth) + 1)]


#: How :func:`depth_table_text` shows whether the shallow network was checked equal.
SHALLOW_EQUAL: dict[bool | None, str] = {True: "yes", False: "NO"}


def depth_table_text(table: list[dict]) -> str:
    """The table, aligned, with what each column means."""
    lines = ["depth k  params   pieces  shallow units  shallow params  equal"]
    for row in table:
        equal = SHALLOW_EQUAL.get(row.get("shallow_equal"), "-")
        lines.append(
            f"{row['depth']:>7}  {row['parameter_count']:>6}  {row['pieces']:>7}  "
            f"{row['shallow_units_needed']:>13}  {row['shallow_parameter_count']:>14}  {equal:>5}"
        )
    lines += [
        "",
        "deep: k hidden layers of 2 ReLU units (6k + 1 parameters). shallow: the fewest units",
        "of one hidden layer giving the same function (m units give at most m + 1 pieces, and",
        "2^k - 1 units cannot match the first slope), built by interpolation and checked equal.",
    ]
    return "\n".join(lines)
