"""Report sections on the network itself, and what every section shares.

Each section function takes a :class:`ReportInput` (the spec and the reader's choices)
and returns the blocks of :mod:`symnet.report.document`. A network too large for its
scalar graph (every weight a symbol) is shown in layer-level form instead, with the
reason; an expansion that would blow up says so (the ``SizeLimitError`` message) and
shows the matrix form.

>>> blocks = network_section(ReportInput(parse_spec("3-2-2-1")))
>>> [type(block).__name__ for block in blocks]
['Paragraph', 'Figure', 'Paragraph', 'Equations']
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import sympy as sp

from symnet.exceptions import SizeLimitError, SymnetError
from symnet.graph.activations import ACTIVATIONS
from symnet.graph.build import build_network
from symnet.graph.network import Network
from symnet.graph.size import graph_edges
from symnet.graph.spec import NetworkSpec, parse_spec  # noqa: F401 - parse_spec: the doctest
from symnet.report.document import Code, Equations, Figure, Note, Paragraph
from symnet.report.latex import MathContext

__all__ = [
    "MAX_SCALAR_EDGES",
    "MAX_SHOWN_EQUATIONS",
    "MAX_SHOWN_SIZE",
    "MAX_SHOWN_TERMS",
    "ReportInput",
    "diagram_figure",
    "layer_rows",
    "matrix_symbol",
    "network_section",
    "perceptron_section",
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
    data: str | None = None
    seed: int = 0
    scratch: Path = field(default_factory=lambda: Path("."))
    _network: Network | None = field(default=None, repr=False)

    def network(self) -> Network:
        """The scalar graph (built once); SizeLimitError above :data:`MAX_SCALAR_EDGES`."""
        require_edges(
            self.spec, self.bias, MAX_SCALAR_EDGES, "the report shows the layer-level form instead"
        )
        if self._network is None:
            self._network = build_network(self.spec, names=self.names, bias=self.bias)
        return self._network

    def fresh_network(self) -> Network:
        """A new scalar graph (for work that attaches a loss to it)."""
        self.network()
        return build_network(self.spec, names=self.names, bias=self.bias)

    def context(self) -> MathContext:
        return MathContext(self.network())

    @property
    def dense(self) -> bool:
        """True for a spec of dense layers only (no image input, no conv or pooling)."""
        return getattr(self.spec, "is_dense", True)

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


def diagram_figure(make, name: str, caption: str) -> Figure | Note:
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
        kind = type(layer).__name__
        if kind == "FlattenSpec":
            names[f"a{index}"] = names[f"a{index - 1}"]
            continue
        if kind == "PoolSpec":
            pool = sp.Function(f"{layer.kind}pool{layer.size}")
            rows.append([a, "=", pool(sp.Symbol(f"a{index - 1}"))])
            continue
        if kind == "ConvSpec":  # each kernel slid over the maps: a dot product per pixel
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
            f_z = ACTIVATIONS[layer.activation].function(z_symbol)
        rows.append([matrix_symbol(f"z{index}"), "=", *z])
        rows.append([a, "=", f_z])
    names[f"a{len(spec.layers)}"] = "y"
    return rows, MathContext(names=names)


def _describe_image(spec: NetworkSpec, bias: bool) -> str:
    shapes = " → ".join("x".join(map(str, shape)) for shape in spec.shapes)
    return (
        f" takes a {spec.shapes[0][0]}-channel {spec.shapes[0][1]}x{spec.shapes[0][2]} image; "
        f"layer by layer its shapes are {shapes}: {spec.parameter_count(bias):,} parameters."
    )


def _describe(spec: NetworkSpec, bias: bool) -> str:
    if not getattr(spec, "is_dense", True):
        return _describe_image(spec, bias)

    def count(n: int, what: str) -> str:
        return f"{n:,} {what}" + ("" if n == 1 else "es" if what.endswith("s") else "s")

    weights = spec.parameter_count(False)
    biases = spec.parameter_count(True) - weights
    hidden = spec.layers[:-1]
    layers = count(len(hidden), "hidden layer")
    if hidden:
        widths = ", ".join(str(layer.width) for layer in hidden)
        layers += f" (width{'s' if len(hidden) > 1 else ''} {widths})"
    parameters = count(weights, "weight") + (f" and {count(biases, 'bias')}" if bias else "")
    return (
        f" takes {count(spec.n_inputs, 'input')} and has {layers} and "
        f"{count(spec.n_outputs, 'output')}: {parameters}{'' if bias else ', no biases'}."
    )


def network_section(inp: ReportInput) -> list:
    """The spec in words, the network diagram and every unit's equation."""
    from symnet.render.network import network_diagram

    spec = inp.spec
    blocks = [Paragraph([Code(str(spec)), _describe(spec, inp.bias)])]
    blocks.append(
        diagram_figure(
            lambda: network_diagram(spec, names=inp.names, bias=inp.bias),
            "network",
            f"The network {spec}: one circle per unit, one edge per weight.",
        )
    )
    try:
        net = inp.network()
    except SizeLimitError as error:
        rows, context = layer_rows(spec, inp.bias)
        return blocks + [Note(str(error)), Equations(rows, context)]
    intro = "Each unit takes a weighted sum z of the layer before it"
    intro += " plus its bias" if inp.bias else ""
    intro += " and, when it has an activation f, outputs f(z). Layer by layer:"
    equations = net.equations()
    rows = [[sp.Symbol(name), "=", d] for name, d in equations[:MAX_SHOWN_EQUATIONS]]
    blocks += [Paragraph([intro]), Equations(rows, inp.context())]
    if len(equations) > MAX_SHOWN_EQUATIONS:
        blocks.append(Note(f"{len(equations) - MAX_SHOWN_EQUATIONS} more equations not shown."))
    return blocks


def _perceptron_rows(n_inputs: int) -> tuple[list, MathContext]:
    from symnet.expressivity.perceptron import perceptron

    rows = []
    for logistic in (False, True):
        net = perceptron(n_inputs, logistic)
        # The notes write lower-case inputs and one bias b.
        renamed = {sp.Symbol(x): sp.Symbol(x.lower()) for x in net.inputs}
        renamed[sp.Symbol(net.layers[0].biases[0])] = sp.Symbol("b")
        z = net.definition(net.layers[0].sums[0]).xreplace(renamed)
        rows.append([sp.Symbol("y"), "=", ACTIVATIONS["sigmoid"].function(z) if logistic else z])
    return rows, MathContext(perceptron(n_inputs, False))


def perceptron_section(inp: ReportInput) -> list:
    """Linear and logistic regression as one-layer networks; each unit is a perceptron."""
    n = inp.spec.n_inputs if inp.dense and inp.spec.n_inputs <= 6 else 3
    rows, context = _perceptron_rows(n)
    blocks = [
        Paragraph(
            [
                "Linear regression and logistic regression are the smallest networks: "
                "one layer, one unit, a weighted sum of the inputs plus a bias, passed "
                "through the sigmoid for logistic regression. The notes call this unit a "
                "perceptron."
            ]
        ),
        Equations(rows, context),
    ]
    if not inp.dense:
        return blocks
    try:
        net = inp.network()
    except SizeLimitError:
        return blocks
    first = net.layers[0]
    unit, z = first.units[0], first.sums[0]
    rows = [[sp.Symbol(unit), "=", net.definition(unit)]]
    if unit != z:
        rows.append([sp.Symbol(z), "=", net.definition(z)])
    words = f"A network is layers of perceptrons, each output feeding the next. Unit {unit} of "
    return blocks + [
        Paragraph([words, Code(str(inp.spec)), " is one:"]),
        Equations(rows, inp.context()),
    ]
