"""Every diagram symnet draws, by name: the one table of views.

Each view is a function returning a :class:`~symnet.render.graphviz_io.Diagram`; the table
:data:`VIEWS` names them, and :func:`diagram` draws any of them. A new view is one module
of ``symnet/render/`` and one row here.

>>> diagram("3-2-2-1").view, diagram("3-2-2-1", "gradient", wrt="w1").view
('network', 'gradient')
>>> sorted(VIEWS)
['conv', 'expression', 'gradient', 'network']
"""

from __future__ import annotations

from collections.abc import Callable

from symnet.exceptions import SpecError
from symnet.render.conv import conv_view
from symnet.render.expression import expression_diagram
from symnet.render.gradient import gradient_diagram
from symnet.render.graphviz_io import Diagram
from symnet.render.labels import checked_title
from symnet.render.network import network_diagram

__all__ = ["VIEWS", "diagram"]

#: View name -> the function that draws it (its first argument: what to draw).
VIEWS: dict[str, Callable[..., Diagram]] = {
    "network": network_diagram,  # units and weights (one box per layer when large)
    "expression": expression_diagram,  # an expression as a DAG or a tree
    "gradient": gradient_diagram,  # backprop: deltas on nodes, partials on edges
    "conv": conv_view,  # a convolutional layer: image, kernels, feature maps
}


def diagram(spec=None, view: str = "network", **options) -> Diagram:
    """Draw ``spec`` (a spec, a Network, or for ``expression`` a SymPy expression) as ``view``.

    ``options`` are those of the view's function (see :data:`VIEWS`).
    """
    if view not in VIEWS:
        raise SpecError(f"view must be one of {', '.join(map(repr, VIEWS))}; got {view!r}")
    if "title" in options:
        options["title"] = checked_title(options["title"])
    return VIEWS[view](spec, **options)
