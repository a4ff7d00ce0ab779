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
leaf       a leaf of a graph program (an input or a parameter, with its value)
computed   a node of a graph program: its statement's expression
========== ===================================================================

A graph program (:mod:`symnet.graph.program`) has a :class:`~symnet.graph.statements.ProgramSpec`
as its ``spec``, no layers, its leaves as ``parameters`` and its output as ``loss_node``.

Image specs (``1x5x5-conv2@3x3:relu-maxpool2-3``) have one input node per pixel and one
z (and a) node per pixel of every feature map; see :mod:`symnet.graph.image`. The
builders of :mod:`symnet.graph.build` add the nodes and edges; a ``Network`` holds them.

Each node stores ``symbol`` (a ``sympy.Symbol`` named like the node), ``definition``
(its value in terms of its predecessors' symbols; ``None`` for leaves), ``layer``
(0 for inputs) and ``unit`` (0-based index within the layer). Each edge ``tail -> head``
stores ``partial``: the local derivative d head / d tail, an expression in node symbols.
Calculus, compilation and rendering all read these attributes; nothing else is stored.

>>> from symnet.graph.build import build_network
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

import networkx as nx
import sympy as sp

from symnet.exceptions import SpecError
from symnet.graph.guards import check_substitution
from symnet.graph.layers import Layer
from symnet.graph.naming import ConvNaming, Naming, ProgramNaming
from symnet.graph.spec import NetworkSpec
from symnet.graph.statements import ProgramSpec

__all__ = ["Network"]


class Network:
    """A network as a graph of named SymPy quantities; build one with
    :func:`symnet.graph.build.build_network`.

    ``inputs``, ``layers`` (one :data:`~symnet.graph.layers.Layer` record per layer of the
    spec) and ``outputs`` are filled in by the builders; ``loss``, ``loss_node`` and
    ``targets`` by :func:`symnet.graph.losses.add_loss`. A graph program has ``leaves``
    (its parameters) and its output as ``loss_node`` instead.
    """

    def __init__(
        self,
        spec: NetworkSpec | ProgramSpec,
        naming: Naming | ConvNaming | ProgramNaming,
        bias: bool,
    ):
        self.spec: NetworkSpec | ProgramSpec = spec
        self.naming = naming
        self.bias = bias
        self.graph = nx.DiGraph()
        self.inputs: tuple[str, ...] = ()
        self.layers: list[Layer] = []
        self.outputs: tuple[str, ...] = ()
        self.loss: str | None = None
        self.loss_node: str | None = None
        self.targets: tuple[str, ...] = ()
        self.leaves: tuple[str, ...] = ()

    # ---- construction (used by the builders and add_loss) ----
    def add_node(self, name: str, kind: str, definition=None, **attributes) -> sp.Symbol:
        """Add node ``name`` of ``kind`` with its local ``definition``; returns its symbol.

        Edges (with their ``partial``) are added by the caller.
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

    def copy(self) -> Network:
        """A network with its own graph and records; the SymPy expressions are shared.

        SymPy expressions are immutable, so sharing them is safe: changing the copy (adding
        a loss) leaves this network as it was.
        """
        twin = Network(self.spec, self.naming, self.bias)
        twin.graph = self.graph.copy()
        twin.inputs, twin.layers, twin.outputs = self.inputs, list(self.layers), self.outputs
        twin.loss, twin.loss_node, twin.targets = self.loss, self.loss_node, self.targets
        twin.leaves = self.leaves
        return twin

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
            examples = ", ".join(self.parameters[:3])
            raise SpecError(
                f"{name!r} is not a node of {self.spec}; parameters are named like {examples}"
            )
        return name

    @property
    def is_program(self) -> bool:
        """True for the graph of a graph program (:mod:`symnet.graph.program`)."""
        return isinstance(self.spec, ProgramSpec)

    @property
    def layer_naming(self) -> Naming | ConvNaming:
        """The naming scheme of a layered network; ``SpecError`` for a graph program."""
        if isinstance(self.naming, ProgramNaming):
            raise SpecError(f"{self.spec} is a graph program: its names are its own")
        return self.naming

    @property
    def layered_spec(self) -> NetworkSpec:
        """The spec of a layered network; ``SpecError`` for a graph program (no layers)."""
        if isinstance(self.spec, ProgramSpec):
            raise SpecError(f"{self.spec} is a graph program: it has no layers")
        return self.spec

    @property
    def parameters(self) -> tuple[str, ...]:
        """Every weight and bias, layer by layer, weights (row by row) before biases; a
        program's leaves, in program order."""
        return (*self.leaves, *(p for layer in self.layers for p in layer.parameters))

    def require_parameter(self, wrt: str) -> str:
        """``wrt`` when it names a weight or bias of this network; else one ``SpecError``.

        The one check of a ``wrt=`` argument: every derivation, diagram and report that
        follows one parameter asks here.

        >>> from symnet.graph.build import build_network
        >>> build_network("2-1").require_parameter("w3")
        Traceback (most recent call last):
        ...
        symnet.exceptions.SpecError: unknown wrt='w3': the parameters of 2-1 are w1, w2
        """
        if wrt not in self.graph or self.kind(wrt) not in ("weight", "bias", "leaf"):
            params = self.parameters
            shown = f"{params[0]} .. {params[-1]}" if len(params) > 2 else ", ".join(params)
            what = "leaves" if self.is_program else "parameters"
            raise SpecError(f"unknown wrt={wrt!r}: the {what} of {self.spec} are {shown}")
        return wrt

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
        """Nodes so that every node comes after the nodes it is defined from (a program's:
        its statements' order)."""
        if isinstance(self.spec, ProgramSpec):
            return [statement.name for statement in self.spec.statements]
        return list(nx.topological_sort(self.graph))

    def substituted(self, name: str) -> sp.Expr:
        """Node ``name`` with every definition substituted: a function of inputs and parameters.

        Raises ``SizeLimitError`` first when the expression would be too large to build.
        """
        check_substitution(
            self.spec,
            self.bias,
            "the substituted expression",
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
        from symnet.render.network import network_svg  # a display hook: drawn a floor above

        return network_svg(self)

    def _repr_latex_(self) -> str:
        rows = [
            rf"{self.naming.latex(name)} &= {self.latex(definition)}"
            for name, definition in self.equations()
        ]
        return r"$\begin{aligned}" + r" \\ ".join(rows) + r"\end{aligned}$"
