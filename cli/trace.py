"""``symnet trace``: evaluate a network at given inputs, every unit's numbers shown."""

from __future__ import annotations

import click

from symnet.cli.options import SEED, bias_option, emit, format_option, names_option


@click.command()
@click.argument("spec")
@click.option(
    "--weights",
    "-w",
    multiple=True,
    metavar="NAME=VALUE",
    help="A parameter value (repeat, or comma-separate), e.g. -w w1=-1.",
)
@click.option("--seed", type=SEED, default=None, help="Random weights in [-1, 1] from this seed.")
@click.option("--inputs", required=True, metavar="V1,V2,...", help="One value per input.")
@names_option
@bias_option
@format_option("text", "latex", "markdown")
@click.pass_context
def trace(ctx, spec, weights, seed, inputs, names, bias, format):
    """Evaluate SPEC at --inputs, showing each unit's formula, z and activation.

    Give every weight with --weights NAME=VALUE, or --seed N for random ones. Values may
    be integers, decimals or fractions such as 1/9.

    \b
    Examples:
      symnet trace 1-1:relu --weights w1=-1 --inputs 5     # the notes: ReLU(-5) = 0
      symnet trace 3-2:sigmoid-1:sigmoid --seed 0 --inputs 1,2,3 --json
    """
    from symnet.graph.guards import check_trace

    check_trace(spec, bias)  # refuse a network too large before importing SymPy
    from symnet.numeric.trace import trace as trace_network
    from symnet.numeric.trace_format import trace_dict, trace_latex, trace_markdown, trace_text
    from symnet.parse import parse_assignments, parse_literal

    if weights and seed is not None:
        raise click.UsageError("give either --weights or --seed, not both")
    values = [parse_literal(v, "input") for v in inputs.split(",")]
    assigned = parse_assignments(weights) if weights else None
    result = trace_network(spec, values, weights=assigned, seed=seed, names=names, bias=bias)
    printers = {"text": trace_text, "latex": trace_latex, "markdown": trace_markdown}
    if format == "json":
        emit(ctx, data=trace_dict(result))
    else:
        emit(ctx, text=printers[format](result))
