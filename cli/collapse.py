"""``symnet collapse``: the linearity collapse of a network, step by step."""

from __future__ import annotations

import click

from symnet.cli.options import (
    bias_option,
    emit,
    format_option,
    formula_option,
    names_option,
)
from symnet.cli.sources import program_options, read_source


@click.command()
@click.argument("spec")
@formula_option
@names_option
@bias_option
@click.option(
    "--max-terms",
    type=click.IntRange(min=1),
    default=20_000,
    show_default=True,
    help="Refuse expansions with more terms than this (and substitution steps with more "
    "than 5 symbols per term). Long work shows its progress on a terminal; Ctrl-C stops it.",
)
@program_options
@format_option("text", "latex", "markdown")
@click.pass_context
def collapse(ctx, spec, names, bias, max_terms, at, result, format):
    """Expand SPEC layer by layer and collapse it into effective weights.

    For an all-linear network, shows each substitution step, the full expansion (one term
    per input-to-output path), the effective weights, and proves they are the entries of
    the weight-matrix product. With an activation, shows why the collapse fails. SPEC may
    be a graph program (a file, or text with '='): a linear one collapses into one linear
    function of its leaves; another is refused, naming its first non-linear statement.

    \b
    Examples:
      symnet collapse 3-2-2-1 --names seed
      symnet collapse 3-2-2-1 --bias --format latex
      symnet collapse 3-2:relu-1 --json
    """
    from symnet.cli.progress import progress_line
    from symnet.graph.guards import check_collapse

    spec = read_source(spec, at, result)
    check_collapse(spec, bias, max_terms)  # refuse before importing SymPy
    from symnet.expressivity.collapse import collapse as collapse_network
    from symnet.expressivity.collapse_format import (
        collapse_dict,
        collapse_latex,
        collapse_markdown,
        collapse_text,
    )
    from symnet.expressivity.linear_program import (
        ProgramCollapse,
        program_collapse_dict,
        program_collapse_latex,
        program_collapse_markdown,
        program_collapse_text,
    )

    with progress_line("collapse", show=format != "json") as progress:
        collapsed = collapse_network(
            spec, names=names, bias=bias, max_terms=max_terms, progress=progress
        )
    printers = {"text": collapse_text, "latex": collapse_latex, "markdown": collapse_markdown}
    to_dict = collapse_dict
    if isinstance(collapsed, ProgramCollapse):
        printers = {
            "text": program_collapse_text,
            "latex": program_collapse_latex,
            "markdown": program_collapse_markdown,
        }
        to_dict = program_collapse_dict
    if format == "json":
        emit(ctx, data=to_dict(collapsed))
    else:
        emit(ctx, text=printers[format](collapsed))
