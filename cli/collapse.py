"""``symnet collapse``: the linearity collapse of a network, step by step."""

from __future__ import annotations

import click

from symnet.cli.options import bias_option, emit, format_option, names_option


@click.command()
@click.argument("spec")
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
@format_option("text", "latex", "markdown")
@click.pass_context
def collapse(ctx, spec, names, bias, max_terms, format):
    """Expand SPEC layer by layer and collapse it into effective weights.

    For an all-linear network, shows each substitution step, the full expansion (one term
    per input-to-output path), the effective weights, and proves they are the entries of
    the weight-matrix product. With an activation, shows why the collapse fails.

    \b
    Examples:
      symnet collapse 3-2-2-1 --names seed
      symnet collapse 3-2-2-1 --bias --format latex
      symnet collapse 3-2:relu-1 --json
    """
    from symnet.cli.progress import progress_line
    from symnet.graph.guards import check_collapse

    check_collapse(spec, bias, max_terms)  # refuse before importing SymPy
    from symnet.expressivity.collapse import collapse as collapse_network
    from symnet.expressivity.collapse_format import (
        collapse_dict,
        collapse_latex,
        collapse_markdown,
        collapse_text,
    )

    with progress_line("collapse", show=format != "json") as progress:
        result = collapse_network(
            spec, names=names, bias=bias, max_terms=max_terms, progress=progress
        )
    printers = {"text": collapse_text, "latex": collapse_latex, "markdown": collapse_markdown}
    if format == "json":
        emit(ctx, data=collapse_dict(result))
    else:
        emit(ctx, text=printers[format](result))
