"""From a graph program to a :class:`~symnet.graph.network.Network`: any scalar computation.

A program (:class:`~symnet.graph.statements.ProgramSpec`, read from text by
:func:`symnet.parse.program.parse_program`) is a list of assignments. Each becomes one
node: a leaf (kind ``leaf``: a name given a number, or declared) or a node of kind
``computed`` whose local definition is the statement's expression over earlier names.
Each name an expression reads is an edge, carrying its local partial
``d head / d tail = sympy.diff(definition, tail)``. The output plays the loss node's role,
and the leaves the parameters', so the chain rule over paths, backprop's cached deltas,
the compiled code, the diagrams and the report walk a program as they walk a network.

>>> import sympy as sp
>>> from symnet.graph.statements import ProgramSpec, Statement
>>> a, b = sp.symbols("a b")
>>> spec = ProgramSpec(
...     (Statement("a", None, 2), Statement("b", None, 3), Statement("c", a * b + b)), "c"
... )
>>> net = build_program(spec)
>>> net.parameters, net.loss_node, net.graph.edges["b", "c"]["partial"]
(('a', 'b'), 'c', a + 1)
"""

from __future__ import annotations

import sympy as sp

from symnet.exceptions import SpecError
from symnet.graph.guards import check_program
from symnet.graph.naming import ProgramNaming
from symnet.graph.network import Network
from symnet.graph.statements import ProgramSpec

__all__ = ["build_program", "LEAF", "COMPUTED"]

#: The node kinds of a program's graph.
LEAF, COMPUTED = "leaf", "computed"


def build_program(spec: ProgramSpec) -> Network:
    """The graph of ``spec``: one node per statement, one edge per name an expression reads.

    Raises
    ------
    SizeLimitError
        Above :data:`~symnet.graph.statements.MAX_PROGRAM_STATEMENTS` nodes or
        :data:`~symnet.graph.statements.MAX_PROGRAM_EDGES` edges, before anything is built.
    SpecError
        An expression reading a name that is not defined before it.
    """
    check_program(spec)
    network = Network(spec, ProgramNaming(), bias=False)
    for index, statement in enumerate(spec.statements):
        if statement.is_leaf:
            network.add_node(statement.name, LEAF, layer=0, unit=index, value=statement.value)
            continue
        for tail in statement.uses:
            if tail not in network.graph:
                raise SpecError(
                    f"{statement.name} reads {tail!r}, which is not defined before it in {spec}"
                )
        network.add_node(
            statement.name, COMPUTED, statement.expression, layer=statement.line, unit=index
        )
        for tail in statement.uses:
            partial = sp.diff(statement.expression, sp.Symbol(tail))
            network.graph.add_edge(tail, statement.name, partial=partial)
    if spec.output not in network.graph:
        raise SpecError(f"the output {spec.output!r} is not a name of {spec}")
    network.leaves = spec.leaves
    network.outputs = (spec.output,)
    network.loss_node = spec.output
    return network
