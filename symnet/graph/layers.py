"""The node names of each built layer: what the builders record and every walk reads.

A :class:`~symnet.graph.network.Network` keeps one record per layer of its spec, in order.
All four kinds share the fields a walk over layers reads (``index``, ``activation``,
``inputs``, ``weights``, ``biases``, ``sums``, ``units``, ``parameters``, ``width``), so
code that treats every layer alike needs no ``isinstance``; code that needs a kind's own
fields (a conv layer's ``kernels``, a pooling layer's ``size``) checks the kind first.

>>> from symnet.graph.build import build_network
>>> [type(layer).__name__ for layer in build_network("1x4x4-conv1@3x3-maxpool2-2").layers]
['ConvLayer', 'PoolLayer', 'DenseLayer']
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

__all__ = ["DenseLayer", "ConvLayer", "PoolLayer", "FlattenLayer", "Layer"]


@dataclass(frozen=True)
class DenseLayer:
    """The node names of one dense layer (``index`` from 1).

    ``weights[j][i]`` is the weight from unit i of the previous layer to unit j;
    ``sums[j]`` the weighted sum z_j; ``units[j]`` the unit's output (the same node as
    ``sums[j]`` when the activation is ``identity``); ``biases`` is None without biases.
    """

    index: int
    activation: str
    inputs: tuple[str, ...]
    weights: tuple[tuple[str, ...], ...]
    biases: tuple[str, ...] | None
    sums: tuple[str, ...]
    units: tuple[str, ...]

    @property
    def width(self) -> int:
        return len(self.units)

    @property
    def parameters(self) -> tuple[str, ...]:
        flat = tuple(w for row in self.weights for w in row)
        return flat + (self.biases or ())


@dataclass(frozen=True)
class ConvLayer:
    """The node names of one conv layer: ``kernels[k][c][u][v]``, pixels in (k, r, q) order."""

    index: int
    activation: str
    inputs: tuple[str, ...]
    kernels: tuple[tuple[tuple[tuple[str, ...], ...], ...], ...]
    biases: tuple[str, ...] | None
    sums: tuple[str, ...]
    units: tuple[str, ...]
    in_shape: tuple[int, int, int]
    out_shape: tuple[int, int, int]
    stride: int
    padding: str

    @property
    def weights(self) -> tuple[tuple[str, ...], ...]:
        """Row k: kernel k's weights in (c, u, v) order (as the rows of a dense layer)."""
        return tuple(
            tuple(itertools.chain.from_iterable(itertools.chain(*k))) for k in self.kernels
        )

    @property
    def width(self) -> int:
        return len(self.units)

    @property
    def parameters(self) -> tuple[str, ...]:
        return tuple(w for row in self.weights for w in row) + (self.biases or ())


@dataclass(frozen=True)
class PoolLayer:
    """The node names of a pooling layer (no parameters): ``kind`` is ``max`` or ``avg``."""

    index: int
    kind: str
    size: int
    inputs: tuple[str, ...]
    units: tuple[str, ...]
    in_shape: tuple[int, ...]
    out_shape: tuple[int, ...]
    activation: str = "identity"
    weights: tuple[tuple[str, ...], ...] = ()
    biases: tuple[str, ...] | None = None
    parameters: tuple[str, ...] = ()

    @property
    def sums(self) -> tuple[str, ...]:
        return self.units

    @property
    def width(self) -> int:
        return len(self.units)


@dataclass(frozen=True)
class FlattenLayer(PoolLayer):
    """A flatten layer: its units *are* its inputs, in (channel, row, column) order."""


Layer = DenseLayer | ConvLayer | PoolLayer | FlattenLayer
