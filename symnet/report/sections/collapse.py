"""The report section on the linearity collapse: stacked linear layers are one linear map.

:func:`collapse_section` drops the activations of the spec (same widths) and runs
:func:`~symnet.expressivity.collapse.collapse` on what is left: each output with one layer
substituted per step, the expansion into one term per input-to-output path (in path order,
as the notes write ``w11 w7 w1 X1``), the effective weights collected by input, and the
matrix identity with the explicit weight matrices. The Markdown form of the steps is
:func:`symnet.expressivity.collapse_format.collapse_latex`. An expansion above
:data:`MAX_REPORT_TERMS` is refused with its size and shown as the matrix product instead.

>>> from symnet.graph.spec import parse_spec
>>> str(linear_version(parse_spec("3-2:relu-1:sigmoid")))
'3-2-1'
"""

from __future__ import annotations

import sympy as sp

from symnet.calculus.derivation_format import tree_size
from symnet.exceptions import SizeLimitError
from symnet.expressivity.collapse import Collapse, collapse
from symnet.expressivity.collapse_format import collapse_latex
from symnet.graph.size import approximately, expansion_terms, require_at_most
from symnet.graph.spec import DenseSpec, NetworkSpec
from symnet.report.document import Block, Code, Equations, Inline, Note, Paragraph
from symnet.report.latex import MathContext, Partial, Words
from symnet.report.sections.common import (
    MAX_SHOWN_SIZE,
    MAX_SHOWN_TERMS,
    ReportInput,
    layer_rows,
    matrix_symbol,
)

__all__ = ["MAX_REPORT_TERMS", "collapse_section", "linear_version"]

#: Largest expansion (terms, all outputs) a report carries out and proves.
MAX_REPORT_TERMS = 400


def linear_version(spec: NetworkSpec) -> NetworkSpec:
    """The same widths with every activation dropped (dense specs)."""
    return NetworkSpec(spec.n_inputs, tuple(DenseSpec(width) for width in spec.widths[1:]))


def collapse_section(inp: ReportInput) -> list[Block]:
    """The notes' collapse on the spec without its activations, step by step."""
    if not inp.dense:
        return _conv_blocks(inp)
    linear = linear_version(inp.spec)
    blocks: list[Block] = [_intro(inp.spec, linear)]
    try:
        require_at_most(
            expansion_terms(linear, inp.bias) * linear.n_outputs,
            MAX_REPORT_TERMS,
            f"expanding {linear}",
            f"the report shows the matrix form; symnet collapse {linear} expands it in full",
        )
        result = collapse(linear, names=inp.names, bias=inp.bias)
    except SizeLimitError as error:
        return blocks + _matrix_form(linear, inp.bias, error)
    context = MathContext(result.network)
    rows, full = _step_rows(result)
    blocks.append(Equations(rows, context, latex=collapse_latex(result) if full else None))
    blocks += _effective_weights(result, context)
    blocks += _matrix_identity(result, context)
    return blocks


def _conv_blocks(inp: ReportInput) -> list[Block]:
    return [
        inp.dense_only("The collapse"),
        Paragraph(
            [
                "A conv layer is linear too: each output pixel is a dot product of "
                "the kernel with a patch, so without activations a stack of conv "
                "layers is also one linear map of the image."
            ]
        ),
    ]


def _intro(spec: NetworkSpec, linear: NetworkSpec) -> Paragraph:
    intro = (
        " is linear: every layer is a weighted sum."
        if linear == spec
        else (" with its activations dropped is " + str(linear) + ", a stack of weighted sums.")
    )
    return Paragraph([Code(str(spec)), intro, " Substituting one layer per step:"])


def _matrix_form(linear: NetworkSpec, bias: bool, error: SizeLimitError) -> list[Block]:
    """Why the expansion is not carried out, and the layer rows it would substitute."""
    rows, context = layer_rows(linear, bias)
    terms = expansion_terms(linear, bias)
    counted = f"{terms:,}" if terms < 10**15 else f"~{approximately(terms)}"  # any size
    return [
        Note(str(error)),
        Equations(rows, context),
        Paragraph(
            [
                "Substituted, y = W^(L) ⋯ W^(1) x (plus the biases carried through): "
                f"{counted} terms per output, one per "
                "input-to-output path, and still one linear function."
            ]
        ),
    ]


def _step_rows(result: Collapse) -> tuple[list, bool]:
    """Each output after every substitution step, then expanded; and whether all is shown."""
    rows = []
    full = True
    for out in result.network.outputs:
        for step, expressions in enumerate(result.steps):
            expr = expressions[out]
            if tree_size(expr) > MAX_SHOWN_SIZE:
                full = False
                rows.append(["=", Words(f"(step {step}: {tree_size(expr)} symbols, not shown)")])
                continue
            rows.append([sp.Symbol(out), "=", expr] if step == 0 else ["=", expr])
        terms = result.terms[out]
        full = full and len(terms) <= MAX_SHOWN_TERMS
        rows += _expanded_rows(terms)
    return rows, full


def _term(factors) -> sp.Expr:
    # NOTE: factors in path order, output end first, as the notes write w11 w7 w1 X1.
    return sp.Mul(*(matrix_symbol(f.name) for f in factors))


def _expanded_rows(terms: list, per_row: int = 4) -> list:
    """The expanded sum, ``per_row`` terms a row, at most :data:`MAX_SHOWN_TERMS` shown."""
    shown = [_term(factors) for factors in terms[:MAX_SHOWN_TERMS]]
    rows = []
    for start in range(0, len(shown), per_row):
        row: list = ["="] if start == 0 else []
        for index, term in enumerate(shown[start : start + per_row], start=start):
            row += ["+", term] if index else [term]
        rows.append(row)
    if len(terms) > len(shown):
        rows[-1] += ["+", Words(f"… {len(terms) - len(shown)} more terms")]
    return rows


def _effective_weights(result: Collapse, context: MathContext) -> list[Block]:
    """∂y/∂x for every output and input: a sum of products, one per path."""
    weight_rows = []
    for out in result.network.outputs:
        for x, terms in _by_source(result, out).items():
            weight_rows.append([Partial(out, x), "=", _sum(terms)])
    return [
        Paragraph(
            [
                f"Expanded, that is {result.paths} terms, one per path from an input to an "
                "output. Collected by input, each coefficient (an effective weight) is a sum "
                "of products:"
            ]
        ),
        Equations(weight_rows[:MAX_SHOWN_TERMS], context),
    ]


def _by_source(result: Collapse, out: str) -> dict[str, list]:
    """Each input's path terms into ``out`` without the input itself (path order)."""
    groups: dict[str, list] = {x: [] for x in result.network.inputs}
    for factors in result.terms[out]:
        if str(factors[-1]) in groups:
            groups[str(factors[-1])].append(factors[:-1])
    return groups


def _sum(terms: list) -> sp.Expr:
    return sp.Add(*(_term(factors) for factors in terms))


def _matrix_identity(result: Collapse, context: MathContext) -> list[Block]:
    net = result.network
    count = len(net.layers)
    verdict = "proven: each difference expands to 0" if result.identity_proven else "NOT proven"
    words = [
        "Multiplied out, the product of the weight matrices ",
        Inline([_matrix_symbol_product(count)], MathContext(names=_w_names(count))),
        f" has exactly these entries ({verdict}). So {net.spec} is one linear function of "
        "its inputs, however many linear layers are stacked: hidden layers without "
        "activations add no power.",
    ]
    if sum(net.layered_spec.widths) > 12 or max(net.layered_spec.widths) > 4:
        return [Paragraph(words)]
    matrices = [sp.ImmutableMatrix(net.weight_matrix(n)) for n in range(count, 0, -1)]
    names = MathContext(net, names=_w_names(count))
    row = [_matrix_symbol_product(count), "=", sp.MatMul(*matrices, evaluate=False)]
    return [Paragraph(words), Equations([row], names)]


def _w_names(count: int) -> dict[str, str]:
    return {f"W{n}": f"W_{{{n}}}" for n in range(1, count + 1)}


def _matrix_symbol_product(count: int) -> sp.Expr:
    return sp.Mul(*(matrix_symbol(f"W{n}") for n in range(count, 0, -1)))
