"""From a spec to a :class:`~symnet.graph.network.Network`: the table of layer builders.

:data:`BUILDERS` maps each kind of layer spec to the function that adds its nodes and
edges; :func:`build_network` walks the spec through it, layer by layer. A new kind of layer
is one builder module and one row here. :func:`as_network` is the one way every feature
accepts "a spec or a network": it builds a spec, and never changes a network it is given
(a loss that must be added goes on a copy).

>>> net = build_network("3-2-2-1", names="seed")
>>> net.definition("A")
X1*w1 + X2*w3 + X3*w5
>>> with_loss = as_network(net, loss="mse")
>>> with_loss.loss, net.loss
('mse', None)
"""

from __future__ import annotations

from collections.abc import Callable

from symnet.exceptions import SpecError
from symnet.graph.dense import add_dense_layer
from symnet.graph.image import add_conv_layer, add_flatten_layer, add_pixels, add_pool_layer
from symnet.graph.layers import Layer
from symnet.graph.losses import add_loss, default_loss
from symnet.graph.naming import naming_for
from symnet.graph.network import Network
from symnet.graph.program import build_program
from symnet.graph.size import MAX_CONV_GRAPH_EDGES, MAX_GRAPH_EDGES, graph_edges, require_at_most
from symnet.graph.spec import ConvSpec, DenseSpec, FlattenSpec, NetworkSpec, PoolSpec, parse_spec
from symnet.graph.statements import ProgramSpec

__all__ = ["BUILDERS", "build_network", "as_network", "Source", "source_spec"]

#: Layer spec kind -> builder(network, index, layer_spec, in_shape, out_shape, previous units).
BUILDERS: dict[type, Callable[..., Layer]] = {
    DenseSpec: add_dense_layer,
    ConvSpec: add_conv_layer,
    PoolSpec: add_pool_layer,
    FlattenSpec: add_flatten_layer,
}


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
    what = f"the scalar graph of {spec.abbreviated}"
    require_at_most(graph_edges(spec, bias), limit, what, hint, "edges")
    network = Network(spec, naming, bias)
    if spec.image is None:
        network.inputs = tuple(naming.unit(0, i) for i in range(spec.n_inputs))
        for i, name in enumerate(network.inputs):
            network.add_node(name, "input", layer=0, unit=i)
    else:
        network.inputs = add_pixels(network)
    previous = network.inputs
    for index, layer_spec in enumerate(spec.layers, start=1):
        shape, out_shape = spec.shapes[index - 1], spec.shapes[index]
        built = BUILDERS[type(layer_spec)](network, index, layer_spec, shape, out_shape, previous)
        network.layers.append(built)
        previous = built.units
    network.outputs = previous
    return network


#: What every feature accepts: a built network, a spec string, a parsed spec or program.
Source = Network | str | NetworkSpec | ProgramSpec


def source_spec(
    source: Source, names: str, bias: bool
) -> tuple[NetworkSpec | ProgramSpec, str, bool]:
    """(spec, naming scheme, bias) of ``source``, without building anything.

    A network brings its own scheme and bias; a spec takes ``names`` and ``bias``; a
    graph program has its own names and no biases. Size checks read the spec first, so a
    huge network is refused before it is built.

    >>> source_spec("3-2-2-1", "indexed", True)[1:]
    ('indexed', True)
    """
    if isinstance(source, Network):
        return source.spec, source.naming.scheme, source.bias
    if isinstance(source, ProgramSpec):
        return source, "program", False
    if isinstance(source, str | NetworkSpec):
        return parse_spec(source), names, bias
    raise SpecError(
        f"expected a network spec such as '2-3:tanh-1', a graph program or a Network; "
        f"got {type(source).__name__}"
    )


def as_network(
    source: Source,
    *,
    names: str = "seed",
    bias: bool = False,
    loss: str | None = None,
    need_loss: bool = False,
) -> Network:
    """The network of ``source`` (a spec is built with ``names`` and ``bias``).

    Parameters
    ----------
    loss : {"mse", "bce", "ce"}, optional
        The loss the result must have; a network given with another loss is refused.
    need_loss : bool
        The result must have a loss: ``loss``, else the network's own, else
        :func:`symnet.graph.losses.default_loss`.

    Notes
    -----
    A ``Network`` that is passed in is never changed: when a loss has to be added, it is
    added to a copy (sharing the immutable SymPy expressions). A graph program has no loss
    to add: its output is what is differentiated.
    """
    if isinstance(source, ProgramSpec):
        source = build_program(source)
    if isinstance(source, Network) and source.is_program:
        if loss is not None:
            raise SpecError(
                f"{source.spec} is differentiated at its output {source.loss_node!r}; a loss "
                "is for layered networks: leave loss= out, or write the loss in the program"
            )
        return source
    if isinstance(source, Network):
        network = source
    else:
        network = build_network(parse_spec(source), names=names, bias=bias)
    spec = network.layered_spec
    wanted = loss or network.loss or (default_loss(spec) if need_loss else None)
    if network.loss is not None:
        if wanted != network.loss:
            raise SpecError(
                f"the network already has the loss {network.loss!r}, not {wanted!r}; "
                "pass loss=None or a network without a loss"
            )
        return network
    if wanted is None:
        return network
    return add_loss(network.copy() if network is source else network, wanted)
