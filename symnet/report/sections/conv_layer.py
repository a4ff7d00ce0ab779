"""The report section on a convolutional layer's gradient (conv specs).

:func:`conv_layer_section` shows the backward rules of the spec's conv and pooling layers,
derived by :mod:`symnet.codegen.conv_rules` on a small scalar instance of each.

>>> from symnet.graph.spec import parse_spec
>>> from symnet.report.sections.common import ReportInput
>>> [type(block).__name__ for block in conv_layer_section(ReportInput(parse_spec("2-1")))]
['Note']
"""

from __future__ import annotations

from symnet.codegen.conv_rules import derive_conv_rule, derive_pool_rule
from symnet.graph.spec import ConvSpec, PoolSpec
from symnet.report.document import Block, Code, Note, Paragraph, Preformatted
from symnet.report.sections.common import ReportInput

__all__ = ["conv_layer_section"]


def conv_layer_section(inp: ReportInput) -> list[Block]:
    """The backward rules of the spec's conv and pooling layers, derived by sympy.diff."""
    if inp.dense:
        return [Note(f"The conv layer's gradient is shown for conv specs; {inp.spec} is dense.")]
    lines = []
    for shape, layer in zip(inp.spec.shapes, inp.spec.layers):
        if isinstance(layer, ConvSpec):
            kh, kw = layer.kernel_shape
            image = (kh + layer.stride, kw + layer.stride)  # the smallest with 2x2 outputs
            rule = derive_conv_rule(shape[0], image, 1, (kh, kw), layer.stride, layer.padding)
        elif isinstance(layer, PoolSpec):
            rule = derive_pool_rule(layer.kind, layer.size)
        else:
            continue
        lines.append(str(rule))
    return [
        Paragraph(
            [
                "A conv layer's weights are shared: one kernel weight meets every window, so its "
                "gradient sums over the output pixels. The rules of each layer of ",
                Code(str(inp.spec)),
                ", derived by sympy.diff on a small scalar instance and checked entry by entry "
                "(the correlation of the input with the deltas; pooling sends each delta back to "
                "the window it came from):",
            ]
        ),
        Preformatted("\n\n".join(lines)),
    ]
