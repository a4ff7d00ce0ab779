"""Random points: values for a network's inputs, parameters and targets, from a seed.

Every random number symnet puts on a graph comes from :func:`random_point`. What is drawn,
from which distribution and in which order is a row of the table :data:`SCHEMES`, one per
use, so that the same seed always gives the same numbers:

============ ============================================================================
scheme       draws (in this order)
============ ============================================================================
derivation   inputs and parameters uniform in [-1, 1]; targets that fit the loss
trace        parameters uniform in [-1, 1], rounded to two decimals (a readable trace)
diagram      inputs uniform in [-1, 1]; weights N(0, 1/fan_in), biases N(0, 0.1^2)
check        weights N(0, 1/fan_in), biases N(0, 1/4); standard normal inputs; targets
program      a graph program's leaves uniform in [-1, 1], rounded to two decimals
============ ============================================================================

NOTE: weights drawn with scale 1/sqrt(fan_in) keep every z of order one, so tanh and
sigmoid are neither saturated nor linear. Targets fit the loss: one-hot for ce, in [0, 1]
(one sample) or 0/1 (a batch) for bce, uniform in [-1, 1] (one sample) or standard normal
(a batch) for mse. With ``batch``, inputs and targets are ``(batch,)`` arrays, one per
name, drawn row by row as a ``(batch, n)`` matrix.

>>> from symnet.graph.build import as_network
>>> net = as_network("2-1:sigmoid", loss="bce")
>>> point = random_point(net, seed=0)
>>> sorted(point)
['X1', 'X2', 't', 'w1', 'w2']
>>> point == random_point(net, seed=0), random_point(net, 0, "check", batch=3)["X1"].shape
(True, (3,))
"""

from __future__ import annotations

from collections.abc import Callable
from typing import overload

import numpy as np

from symnet.exceptions import SpecError
from symnet.graph.network import Network
from symnet.seeds import random_generator

__all__ = ["SCHEMES", "random_point", "point_arrays", "leaf_values"]

Values = dict[str, float | np.ndarray]


def _uniform_inputs(rng: np.random.Generator, network: Network, batch: int | None) -> Values:
    draws = rng.uniform(
        -1, 1, len(network.inputs) if batch is None else (batch, len(network.inputs))
    )
    return _by_name(network.inputs, draws, batch)


def _normal_inputs(rng: np.random.Generator, network: Network, batch: int | None) -> Values:
    draws = rng.normal(size=len(network.inputs) if batch is None else (batch, len(network.inputs)))
    return _by_name(network.inputs, draws, batch)


def _uniform_parameters(decimals: int | None = None) -> Callable[..., Values]:
    def draw(rng: np.random.Generator, network: Network, batch: int | None) -> Values:
        draws = rng.uniform(-1, 1, len(network.parameters))
        if decimals is not None:
            draws = np.round(draws, decimals)
        return {p: float(d) for p, d in zip(network.parameters, draws)}

    return draw


def _fan_in_parameters(bias_scale: float) -> Callable[..., Values]:
    def draw(rng: np.random.Generator, network: Network, batch: int | None) -> Values:
        values: Values = {}
        for layer in network.layers:
            scale = 1.0 / np.sqrt(len(layer.inputs))
            for row in layer.weights:
                values.update(zip(row, map(float, rng.normal(0.0, scale, len(row)))))
            biases = layer.biases or ()
            values.update(zip(biases, map(float, rng.normal(0.0, bias_scale, len(biases)))))
        return values

    return draw


def _program_leaves(rng: np.random.Generator, network: Network, batch: int | None) -> Values:
    draws = np.round(rng.uniform(-1, 1, len(network.leaves)), 2)
    return {leaf: float(value) for leaf, value in zip(network.leaves, draws)}


def _targets(rng: np.random.Generator, network: Network, batch: int | None) -> Values:
    n, loss = len(network.targets), network.loss
    if n == 0:
        return {}
    if batch is None:
        if loss == "ce":
            hot = int(rng.integers(n))
            draws = np.array([float(k == hot) for k in range(n)])
        else:
            draws = rng.uniform(0, 1, n) if loss == "bce" else rng.uniform(-1, 1, n)
    elif loss == "ce":
        draws = np.eye(n)[rng.integers(0, n, size=batch)]
    elif loss == "bce":
        draws = rng.integers(0, 2, size=(batch, n)).astype(np.float64)
    else:
        draws = rng.normal(size=(batch, n))
    return _by_name(network.targets, draws, batch)


def _by_name(names: tuple[str, ...], draws: np.ndarray, batch: int | None) -> Values:
    if batch is None:
        return {name: float(value) for name, value in zip(names, draws)}
    return {name: np.ascontiguousarray(draws[:, k]) for k, name in enumerate(names)}


#: Scheme -> what it draws, in order (see the module docstring).
SCHEMES: dict[str, tuple[Callable[..., Values], ...]] = {
    "derivation": (_uniform_inputs, _uniform_parameters(), _targets),
    "trace": (_uniform_parameters(decimals=2),),
    "diagram": (_uniform_inputs, _fan_in_parameters(bias_scale=0.1)),
    "check": (_fan_in_parameters(bias_scale=0.5), _normal_inputs, _targets),
    "program": (_program_leaves,),
}


@overload
def random_point(
    network: Network,
    seed: int | np.random.Generator = 0,
    scheme: str = "derivation",
    batch: None = None,
) -> dict[str, float]: ...


@overload
def random_point(
    network: Network,
    seed: int | np.random.Generator = 0,
    scheme: str = "derivation",
    *,
    batch: int,
) -> Values: ...


def random_point(
    network: Network,
    seed: int | np.random.Generator = 0,
    scheme: str = "derivation",
    batch: int | None = None,
) -> dict[str, float] | Values:
    """Random values for the leaves of ``network`` drawn as ``scheme`` says (see SCHEMES).

    Parameters
    ----------
    seed : int or numpy.random.Generator
        The same seed gives the same values.
    scheme : {"derivation", "trace", "diagram", "check"}
    batch : int, optional
        Draw ``batch`` samples: inputs and targets become ``(batch,)`` arrays.

    Returns
    -------
    dict
        Leaf name -> value: floats, and ``(batch,)`` arrays for inputs and targets.
    """
    if scheme not in SCHEMES:
        raise SpecError(f"scheme must be one of {', '.join(map(repr, SCHEMES))}; got {scheme!r}")
    if batch is not None and (
        isinstance(batch, bool) or not isinstance(batch, int | np.integer) or batch < 1
    ):
        raise SpecError(f"batch must be a whole number >= 1; got {batch!r}")
    rng = random_generator(seed)
    point: Values = {}
    for draw in SCHEMES[scheme]:
        point.update(draw(rng, network, batch))
    return point


def point_arrays(
    network: Network, point: Values
) -> tuple[np.ndarray, np.ndarray, dict[str, float]]:
    """A batched point as arrays: inputs ``(B, n_inputs)``, targets ``(B, n_targets)`` (one
    column per name, ``(B, 0)`` without a loss) and the parameters by name."""
    inputs = np.column_stack([point[x] for x in network.inputs])
    columns = [point[t] for t in network.targets]
    targets = np.column_stack(columns) if columns else np.empty((len(inputs), 0))
    return inputs, targets, {p: float(point[p]) for p in network.parameters}


def leaf_values(network: Network, seed: int | np.random.Generator | None = None) -> dict:
    """The values of a graph program's leaves: its own (or ``at=``), the rest drawn from
    ``seed`` (the "program" scheme); a leaf left without a value is a ``SpecError``.

    Values are SymPy numbers where the program gives them (exact, for a trace), floats
    where they are drawn.

    >>> from symnet.parse.program import parse_program
    >>> from symnet.graph.program import build_program
    >>> net = build_program(parse_program("x: leaf; w = 2; y = w*x"))
    >>> leaf_values(net, seed=0)
    {'x': 0.27, 'w': 2}
    >>> leaf_values(net)
    Traceback (most recent call last):
    ...
    symnet.exceptions.SpecError: the leaf x of program y(x, w) has no value: give one with at= ...
    """
    given = {leaf: network.graph.nodes[leaf].get("value") for leaf in network.leaves}
    missing = [leaf for leaf, value in given.items() if value is None]
    if missing and seed is None:
        names = ", ".join(missing[:6]) + (", ..." if len(missing) > 6 else "")
        plural = "leaves" if len(missing) > 1 else "leaf"
        verb = "have" if len(missing) > 1 else "has"
        raise SpecError(
            f"the {plural} {names} of {network.spec} {verb} no value: give one with at= "
            f"(e.g. at='{missing[0]}=0.5') or random ones with seed="
        )
    drawn = random_point(network, seed, "program") if missing and seed is not None else {}
    return {leaf: drawn[leaf] if value is None else value for leaf, value in given.items()}
