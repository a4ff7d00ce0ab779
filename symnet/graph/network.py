"""The network as a graph of named SymPy quantities: the object every feature walks.

A :class:`Network` wraps a ``networkx.DiGraph``. Each node is a named quantity:

========== ===================================================================
kind       what it is
========== ===================================================================
input      an input x_i (a leaf)
weight     a weight w (a leaf, a parameter)
bias       a bias b (a leaf, a parameter)
z          a weighted sum ``sum_i w_ji a_i (+ b_j)``; for a linear unit it *is* the
           unit's output and carries the unit's name (A, B, y, ...)
a          an activation ``f(z)`` of a unit with a non-linear activation
pool       a pooled pixel of an image spec: the max or the mean of its window
========== ===================================================================

Image specs (``1x5x5-conv2@3x3:relu-maxpool2-3``) have one input node per pixel and one
z (and a) node per pixel of every feature map; see :mod:`symnet.graph.image`.

Each node stores ``symbol`` (a ``sympy.Symbol`` named like the node), ``definition``
(its value in terms of its predecessors' symbols; ``None`` for leaves), ``layer``
(0 for inputs) and ``unit`` (0-based index within the layer). Each edge ``tail -> head``
stores ``partial``: the local derivative d head / d tail, an expression in node symbols.
Calculus, compilation and rendering all read these attributes; nothing else is stored.

>>> net = build_network("3-2-2-1", names="seed")
>>> net.definition("A")
X1*w1 + X2*w3 + X3*w5
>>> net.definition("y")
C*w11 + D*w12
>>> net.graph.edges["w7", "C"]["partial"]
A
>>> net.graph.number_of_nodes(), net.graph.number_of_edges()
(20, 24)
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import sympy as sp
from sympy.core.mul import _args_sortkey

from symnet.graph.activations import get_activation
from symnet.graph.naming import ConvNaming, Naming, naming_for
from symnet.graph.size import MAX_CONV_GRAPH_EDGES, MAX_GRAPH_EDGES, graph_edges, require_at_most
from symnet.graph.spec import NetworkSpec, parse_spec

__all__ = ["Network", "Layer", "build_network"]


@dataclass(frozen=True)
class Layer:
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


def _product(weight: sp.Symbol, value: sp.Symbol) -> sp.Expr:
    """weight * value, built directly in SymPy's canonical argument order.

    Equal to ``weight * value``; it skips ``Mul.flatten``, which dominates the build time
    of wide layers.
    """
    return sp.Mul._from_args(sorted((weight, value), key=_args_sortkey))


def _sum(terms: list[sp.Expr]) -> sp.Expr:
    """The sum of distinct products, built directly in SymPy's canonical order (= ``Add``)."""
    if len(terms) == 1:
        return terms[0]
    return sp.Add._from_args(sorted(terms, key=_args_sortkey))


class Network:
    """A dense network as a graph of named SymPy quantities. Build with :func:`build_network`."""

    def __init__(self, spec: NetworkSpec, naming: Naming | ConvNaming, bias: bool):
        self.spec = spec
        self.naming = naming
        self.bias = bias
        self.graph = nx.DiGraph()
        self.layers: list[Layer] = []
        # Set by symnet.graph.losses.add_loss: the loss name, its node and the target nodes.
        self.loss: str | None = None
        self.loss_node: str | None = None
        self.targets: tuple[str, ...] = ()
        if not spec.is_dense:  # pixels, conv, pooling and flatten layers, then dense ones
            from symnet.graph.image import add_image_layers

            add_image_layers(self)
            return
        self.inputs = tuple(naming.unit(0, i) for i in range(spec.n_inputs))
        for i, name in enumerate(self.inputs):
            self.add_node(name, "input", layer=0, unit=i)
        previous = self.inputs
        for index, layer_spec in enumerate(spec.layers, start=1):
            layer = self._add_dense_layer(index, layer_spec.width, layer_spec.activation, previous)
            self.layers.append(layer)
            previous = layer.units
        self.outputs = previous

    # ---- construction ----
    def add_node(self, name: str, kind: str, definition=None, **attributes) -> sp.Symbol:
        """Add node ``name`` of ``kind`` with its local ``definition``; returns its symbol.

        Edges (with their ``partial``) are added by the caller. Used by the builders of
        layers and losses.
        """
        symbol = sp.Symbol(name)
        self.graph.add_node(
            name,
            kind=kind,
            symbol=symbol,
            definition=definition,
            latex=self.naming.latex(name),
            **attributes,
        )
        return symbol

    def _add_dense_layer(self, index, width, activation, previous) -> Layer:
        rule = get_activation(activation)
        linear = activation == "identity"
        weights, biases, sums, units = [], [], [], []
        for j in range(width):
            unit = self.naming.unit(index, j)
            row = [self.naming.weight(index, j, i) for i in range(len(previous))]
            for i, w in enumerate(row):
                self.add_node(w, "weight", layer=index, unit=j, source=i)
            terms = [_product(sp.Symbol(w), sp.Symbol(a)) for w, a in zip(row, previous)]
            if self.bias:
                b = self.naming.bias(index, j)
                self.add_node(b, "bias", layer=index, unit=j)
                terms.append(sp.Symbol(b))
                biases.append(b)
            z = unit if linear else self.naming.pre_activation(index, j)
            self.add_node(z, "z", _sum(terms), layer=index, unit=j, activation=activation)
            # NOTE: the partials of a weighted sum are read off its terms (d z/d w_ji = a_i,
            # d z/d a_i = w_ji, d z/d b_j = 1); tests check them against sympy.diff.
            for w, a in zip(row, previous):
                self.graph.add_edge(w, z, partial=sp.Symbol(a))
                self.graph.add_edge(a, z, partial=sp.Symbol(w))
            if self.bias:
                self.graph.add_edge(biases[-1], z, partial=sp.S.One)
            weights.append(tuple(row))
            sums.append(z)
            units.append(unit)
        if not linear:
            z_symbols = tuple(sp.Symbol(z) for z in sums)
            for j, (z, unit) in enumerate(zip(sums, units)):
                definition = rule.apply(z_symbols[j], z_symbols)
                self.add_node(unit, "a", definition, layer=index, unit=j, activation=activation)
                feeding = sums if rule.vector else (z,)
                for source in feeding:
                    if rule.vector:
                        partial = sp.diff(definition, sp.Symbol(source))
                    else:
                        partial = rule.derivative(sp.Symbol(source))
                    self.graph.add_edge(source, unit, partial=partial)
        return Layer(
            index,
            activation,
            tuple(previous),
            tuple(weights),
            tuple(biases) if self.bias else None,
            tuple(sums),
            tuple(units),
        )

    # ---- reading ----
    def symbol(self, name: str) -> sp.Symbol:
        """The SymPy symbol of node ``name``."""
        return self.graph.nodes[self._known(name)]["symbol"]

    def definition(self, name: str) -> sp.Expr | None:
        """The local definition of node ``name`` in its predecessors' symbols (None: a leaf)."""
        return self.graph.nodes[self._known(name)]["definition"]

    def kind(self, name: str) -> str:
        return self.graph.nodes[self._known(name)]["kind"]

    def latex_name(self, name: str) -> str:
        return self.graph.nodes[self._known(name)]["latex"]

    def _known(self, name: str) -> str:
        if name not in self.graph:
            from symnet.exceptions import SpecError

            examples = ", ".join(self.parameters[:3])
            raise SpecError(
                f"{name!r} is not a node of {self.spec}; parameters are named like {examples}"
            )
        return name

    @property
    def parameters(self) -> tuple[str, ...]:
        """Every weight and bias, layer by layer, weights (row by row) before biases."""
        return tuple(p for layer in self.layers for p in layer.parameters)

    @property
    def parameter_symbols(self) -> tuple[sp.Symbol, ...]:
        return tuple(sp.Symbol(p) for p in self.parameters)

    @property
    def input_symbols(self) -> tuple[sp.Symbol, ...]:
        return tuple(sp.Symbol(x) for x in self.inputs)

    def weight_matrix(self, layer: int) -> sp.Matrix:
        """W of ``layer`` (from 1): shape (width, previous width); row j feeds unit j."""
        rows = self.layers[layer - 1].weights
        return sp.Matrix([[sp.Symbol(w) for w in row] for row in rows])

    def bias_vector(self, layer: int) -> sp.Matrix:
        """b of ``layer`` (from 1) as a column; zeros when the network has no biases."""
        biases = self.layers[layer - 1].biases
        width = self.layers[layer - 1].width
        return sp.Matrix([sp.Symbol(b) for b in biases]) if biases else sp.zeros(width, 1)

    def topological_order(self) -> list[str]:
        """Nodes so that every node comes after the nodes it is defined from."""
        return list(nx.topological_sort(self.graph))

    def substituted(self, name: str) -> sp.Expr:
        """Node ``name`` with every definition substituted: a function of inputs and parameters.

        Raises ``SizeLimitError`` first when the expression would be too large to build.
        """
        from symnet.graph.size import MAX_SUBSTITUTED_SIZE, substituted_size

        require_at_most(
            substituted_size(self.spec, self.bias),
            MAX_SUBSTITUTED_SIZE,
            f"the substituted expression of {self.spec}",
            "use the layer-by-layer form (no full substitution) or a smaller network",
        )
        values: dict[sp.Symbol, sp.Expr] = {}
        for node in self.topological_order():
            definition = self.graph.nodes[node]["definition"]
            if definition is not None:
                values[sp.Symbol(node)] = definition.xreplace(values)
            if node == name:
                return values.get(sp.Symbol(node), sp.Symbol(node))
        return sp.Symbol(self._known(name))

    # ---- printing ----
    def latex(self, expr) -> str:
        """LaTeX for an expression over this network's symbols, in its naming scheme."""
        names = {sp.Symbol(n): self.naming.latex(n) for n in map(str, expr.free_symbols)}
        return sp.latex(expr, symbol_names=names)

    def equations(self) -> list[tuple[str, sp.Expr]]:
        """(name, definition) for every defined node, in topological order."""
        return [
            (node, self.graph.nodes[node]["definition"])
            for node in self.topological_order()
            if self.graph.nodes[node]["definition"] is not None
        ]

    def __repr__(self) -> str:
        return f"Network({str(self.spec)!r}, names={self.naming.scheme!r}, bias={self.bias})"

    def __str__(self) -> str:
        return "\n".join(f"{name} = {definition}" for name, definition in self.equations())

    def _repr_svg_(self) -> str | None:
        """The network diagram for Jupyter (None when Graphviz's ``dot`` is missing)."""
        from symnet.render.network import network_svg

        return network_svg(self)

    def _repr_latex_(self) -> str:
        rows = [
            rf"{self.naming.latex(name)} &= {self.latex(definition)}"
            for name, definition in self.equations()
        ]
        return r"$\begin{aligned}" + r" \\ ".join(rows) + r"\end{aligned}$"


def build_network(spec: str | NetworkSpec, names: str = "seed", bias: bool = False) -> Network:
    """Build the scalar graph of a network.

    Parameters
    ----------
    spec : str or NetworkSpec
        Layer widths and activations, e.g. ``"3-2-2-1"`` or ``"2-16:relu-1:sigmoid"``, or
        a tiny image spec such as ``"1x5x5-conv2@3x3:relu-maxpool2-3"``.
    names : {"seed", "indexed"}
        The naming scheme (see :mod:`symnet.graph.naming`).
    bias : bool
        Give every unit a bias (the notes' example has none).

    Raises
    ------
    SpecError
        A bad spec or scheme.
    SizeLimitError
        A network whose scalar graph would be too large (use the layer-level form); for
        image specs the limit is :data:`symnet.graph.size.MAX_CONV_GRAPH_EDGES`.

    >>> net = build_network("2-1:sigmoid", bias=True)
    >>> net.definition("y"), net.definition("z_y")
    (sigmoid(z_y), X1*w1 + X2*w2 + b1)
    """
    spec = parse_spec(spec)
    naming = naming_for(spec, names)
    if spec.is_dense:
        limit, hint = MAX_GRAPH_EDGES, "use the layer-level form (symnet train)"
    else:
        limit, hint = (
            MAX_CONV_GRAPH_EDGES,
            (
                "the scalar graph is for tiny images such as 1x5x5-conv2@3x3-maxpool2-2; "
                "use the layer-level form (symnet train, symnet.codegen.program.compile_layers)"
            ),
        )
    require_at_most(graph_edges(spec, bias), limit, f"the scalar graph of {spec}", hint)
    return Network(spec, naming, bias)
