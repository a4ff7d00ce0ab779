"""The report section on perceptrons: linear and logistic regression as one-layer networks.

>>> from symnet.graph.spec import parse_spec
>>> blocks = perceptron_section(ReportInput(parse_spec("3-2-2-1")))
>>> [type(block).__name__ for block in blocks]
['Paragraph', 'Equations', 'Paragraph', 'Equations']
"""

from __future__ import annotations

import sympy as sp

from symnet.exceptions import SizeLimitError
from symnet.expressivity.perceptron import perceptron
from symnet.graph.activations import ACTIVATIONS
from symnet.report.document import Block, Code, Equations, Paragraph
from symnet.report.latex import MathContext
from symnet.report.sections.common import ReportInput

__all__ = ["perceptron_section"]


def _perceptron_rows(n_inputs: int) -> tuple[list, MathContext]:
    """``y = w1 x1 + ... + b`` and ``y = σ(w1 x1 + ... + b)``, as the notes write them."""
    rows = []
    for logistic in (False, True):
        net = perceptron(n_inputs, logistic)
        # The notes write lower-case inputs and one bias b.
        renamed = {sp.Symbol(x): sp.Symbol(x.lower()) for x in net.inputs}
        (bias,) = net.layers[0].biases or ()
        renamed[sp.Symbol(bias)] = sp.Symbol("b")
        z = net.definition(net.layers[0].sums[0])
        assert z is not None  # a weighted sum is always defined
        z = z.xreplace(renamed)
        rows.append([sp.Symbol("y"), "=", ACTIVATIONS["sigmoid"].function(z) if logistic else z])
    return rows, MathContext(perceptron(n_inputs, False))


def perceptron_section(inp: ReportInput) -> list[Block]:
    """Linear and logistic regression as one-layer networks; each unit is a perceptron."""
    n = inp.spec.n_inputs if inp.dense and inp.spec.n_inputs <= 6 else 3
    rows, context = _perceptron_rows(n)
    blocks: list[Block] = [
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
