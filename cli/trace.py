"""``symnet trace``: evaluate a network at given inputs, every unit's numbers shown."""

from __future__ import annotations

import click

from symnet.cli.options import (
    SEED,
    bias_option,
    emit,
    format_option,
    formula_option,
    names_option,
)
from symnet.cli.sources import program_options, read_model, read_source


@click.command()
@click.argument("spec")
@formula_option
@click.option(
    "--weights",
    "-w",
    multiple=True,
    metavar="NAME=VALUE",
    help="A parameter value (repeat, or comma-separate), e.g. -w w1=-1.",
)
@click.option("--seed", type=SEED, default=None, help="Random weights in [-1, 1] from this seed.")
@click.option(
    "--inputs", metavar="V1,V2,...", help="One value per input (required for a layered spec)."
)
@names_option
@bias_option
@program_options
@format_option("text", "latex", "markdown")
@click.pass_context
def trace(ctx, spec, weights, seed, inputs, names, bias, at, result, format):
    """Evaluate SPEC at --inputs, showing each unit's formula, z and activation.

    Give every weight with --weights NAME=VALUE, or --seed N for random ones. Values may
    be integers, decimals or fractions such as 1/9. SPEC may be a graph program (a file,
    or text with '='): it is evaluated statement by statement at its leaves' values
    (--at, or --seed for random ones). SPEC may be a trained model file (MODEL.npz): it
    is traced at its weights, --inputs raw and scaled as symnet predict scales them.

    \b
    Examples:
      symnet trace 1-1:relu --weights w1=-1 --inputs 5     # the notes: ReLU(-5) = 0
      symnet trace 3-2:sigmoid-1:sigmoid --seed 0 --inputs 1,2,3 --json
      symnet trace "a = -4.0; b = 2.0; c = a + b; d = a*b + b**3; e = c - d"
      symnet trace moons.npz --inputs 0.5,-0.2    # a trained model: its weights, scaled inputs
    """
    from symnet.graph.guards import check_trace

    model = read_model(spec)
    if model is not None:
        return _trace_model(ctx, model, inputs, weights, seed, names, format)
    spec = read_source(spec, at, result, seed, need_values=True)
    if isinstance(spec, str) and inputs is None:
        raise click.UsageError("give --inputs, one value per input of the network.")
    if not isinstance(spec, str) and (inputs is not None or weights):
        raise click.UsageError("a graph program has no --inputs or --weights: give --at.")
    check_trace(spec, bias)  # refuse a network too large before importing SymPy
    from symnet.numeric.trace import trace as trace_network
    from symnet.numeric.trace_format import trace_dict, trace_latex, trace_markdown, trace_text
    from symnet.parse import parse_assignments, parse_literal

    if weights and seed is not None:
        raise click.UsageError("give either --weights or --seed, not both")
    values = [parse_literal(v, "input") for v in inputs.split(",")] if inputs else None
    assigned = parse_assignments(weights) if weights else None
    result = trace_network(spec, values, weights=assigned, seed=seed, names=names, bias=bias)
    printers = {"text": trace_text, "latex": trace_latex, "markdown": trace_markdown}
    if format == "json":
        emit(ctx, data=trace_dict(result))
    else:
        emit(ctx, text=printers[format](result))


def _trace_model(ctx, model, inputs, weights, seed, names, format):
    """A trained model traced at its weights, the inputs scaled as ``predict`` scales them."""
    from symnet.graph.guards import check_trace

    if weights or seed is not None:
        raise click.UsageError("a model file has its own weights: give no --weights or --seed.")
    if inputs is None:
        raise click.UsageError("give --inputs, one raw value per feature of the model.")
    check_trace(model.spec, True)  # refuse a model too large before building its graph
    from symnet.numeric.trace import trace as trace_network
    from symnet.numeric.trace_format import trace_dict, trace_latex, trace_markdown, trace_text
    from symnet.parse import parse_literal
    from symnet.parse.formula_text import formulas
    from symnet.training.trained import trained_inputs, trained_weights

    raw = [float(parse_literal(v, "input")) for v in inputs.split(",")]
    with formulas(**model.formulas):
        values = trained_inputs(model, raw)
        assigned = trained_weights(model, names)
        result = trace_network(model.spec, values, weights=assigned, names=names, bias=True)
    printers = {"text": trace_text, "latex": trace_latex, "markdown": trace_markdown}
    if format == "json":
        emit(ctx, data=trace_dict(result))
    else:
        emit(ctx, text=printers[format](result))
