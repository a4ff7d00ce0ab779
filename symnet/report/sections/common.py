"""What every report section shares: its input, the size limits, diagrams and layer rows.

Each section function takes a :class:`ReportInput` (the spec and the reader's choices)
and returns the blocks of :mod:`symnet.report.document`. A network too large for its
scalar graph (every weight a symbol) is shown in layer-level form instead
(:func:`layer_rows`), with the reason; an expansion that would blow up says so (the
``SizeLimitError`` message) and shows the matrix form.

>>> from symnet.graph.spec import parse_spec
>>> inp = ReportInput(parse_spec("3-2-2-1"))
>>> inp.network().inputs, inp.dense
(('X1', 'X2', 'X3'), True)
>>> rows, context = layer_rows(parse_spec("3-2:relu-1"), bias=False)
>>> len(rows)
3
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import sympy as sp

from symnet.exceptions import SizeLimitError, SymnetError
from symnet.graph.activations import get_activation
from symnet.graph.build import build_network
from symnet.graph.network import Network
from symnet.graph.size import graph_edges
from symnet.graph.spec import ConvSpec, FlattenSpec, NetworkSpec, PoolSpec
from symnet.render.graphviz_io import Diagram
from symnet.report.document import Figure, Note
from symnet.report.latex import MathContext
from symnet.training.dataset import Dataset

__all__ = [
    "MAX_SCALAR_EDGES",
    "MAX_SHOWN_EQUATIONS",
    "MAX_SHOWN_SIZE",
    "MAX_SHOWN_TERMS",
    "ReportInput",
    "diagram_figure",
    "layer_rows",
    "matrix_symbol",
    "require_edges",
]

#: Largest scalar graph (edges) a report builds; larger networks are shown layer by layer.
MAX_SCALAR_EDGES = 3_000
#: Largest expression (nodes of its printed tree) a report prints in full.
MAX_SHOWN_SIZE = 300
#: Most equations of the network a report prints.
MAX_SHOWN_EQUATIONS = 40
#: Most terms of an expanded sum a report prints; the rest are counted.
MAX_SHOWN_TERMS = 24


@dataclass
class ReportInput:
    """What a report is about: the spec, the naming, and the reader's choices."""

    spec: NetworkSpec
    names: str = "seed"
    bias: bool = False
    loss: str | None = None
    wrt: str | None = None
    data: str | Dataset | None = None  # a built-in name, or a data set read from a file
    seed: int = 0
    scratch: Path = field(default_factory=lambda: Path("."))
    #: A trained model's weights (scalar name -> value; None for random ones, or when its
    #: scalar graph is too large) and its training settings (None: no model).
    weights: dict[str, float] | None = None
    trained: dict | None = None
    _network: Network | None = field(default=None, repr=False)

    def network(self) -> Network:
        """The scalar graph, without a loss (built once; sections add a loss to a copy
        with :func:`symnet.graph.build.as_network`); SizeLimitError above
        :data:`MAX_SCALAR_EDGES`."""
        require_edges(
            self.spec, self.bias, MAX_SCALAR_EDGES, "the report shows the layer-level form instead"
        )
        if self._network is None:
            self._network = build_network(self.spec, names=self.names, bias=self.bias)
        return self._network

    def context(self) -> MathContext:
        return MathContext(self.network())

    @property
    def dense(self) -> bool:
        """True for a spec of dense layers only (no image input, no conv or pooling)."""
        return self.spec.is_dense

    def dense_only(self, what: str) -> Note:
        """The note a dense-only part gives for a spec with image layers."""
        return Note(f"{what} is shown for dense specs; {self.spec} has image layers.")


def require_edges(spec: NetworkSpec, bias: bool, limit: int, hint: str) -> int:
    """The edges of the scalar graph of ``spec``; SizeLimitError (with ``hint``) above
    ``limit``, checked from the spec before anything is built."""
    edges = graph_edges(spec, bias)
    if edges > limit:
        raise SizeLimitError(
            f"the scalar graph of {spec} would have {edges:,} edges (limit {limit:,}), one "
            f"per weight and activation; {hint}"
        )
    return edges


def diagram_figure(make: Callable[[], Diagram], name: str, caption: str) -> Figure | Note:
    """A Graphviz diagram as an SVG figure, or a note when it cannot be drawn (Graphviz
    missing, or a view that does not take this spec)."""
    try:
        return Figure(name, caption, svg=make().svg())
    except SymnetError as error:
        return Note(f"The {name.replace('-', ' ')} diagram is not drawn: {error}")


def matrix_symbol(name: str) -> sp.Symbol:
    # NOTE: non-commutative, so that W a prints as a matrix product, in order.
    return sp.Symbol(name, commutative=False)


def layer_rows(spec: NetworkSpec, bias: bool) -> tuple[list, MathContext]:
    """``z^(l) = W^(l) a^(l-1) (+ b^(l))`` and ``a^(l) = f(z^(l))`` for every layer."""
    names = {"a0": "x"}
    rows = []
    for index, layer in enumerate(spec.layers, start=1):
        for stem in "WKzab":
            names[f"{stem}{index}"] = f"{stem}^{{({index})}}"
        previous, a = matrix_symbol(f"a{index - 1}"), matrix_symbol(f"a{index}")
        if isinstance(layer, FlattenSpec):
            names[f"a{index}"] = names[f"a{index - 1}"]
            continue
        if isinstance(layer, PoolSpec):
            pool = sp.Function(f"{layer.kind}pool{layer.size}")
            rows.append([a, "=", pool(sp.Symbol(f"a{index - 1}"))])
            continue
        if isinstance(layer, ConvSpec):  # each kernel slid over the maps: a dot product per pixel
            z: list = [matrix_symbol(f"K{index}"), "⋆", previous]
        else:
            z = [matrix_symbol(f"W{index}") * previous]
        z += ["+", matrix_symbol(f"b{index}")] if bias else []
        if layer.activation == "identity":
            rows.append([a, "=", *z])
            continue
        z_symbol = sp.Symbol(f"z{index}")
        if layer.activation == "softmax":  # a function of the whole layer
            f_z = sp.Function("softmax")(z_symbol)
        else:
            f_z = get_activation(layer.activation).function(z_symbol)
        rows.append([matrix_symbol(f"z{index}"), "=", *z])
        rows.append([a, "=", f_z])
    names[f"a{len(spec.layers)}"] = "y"
    return rows, MathContext(names=names)
