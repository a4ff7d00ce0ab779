"""``symnet derive``: every gradient by paths, by cached backprop deltas and by sympy.diff."""

from __future__ import annotations

import click

from symnet.cli.options import (
    NOTES_SPEC,
    bias_option,
    emit,
    format_option,
    formula_option,
    loss_option,
    names_option,
    seed_option,
)
from symnet.cli.sources import program_options, read_source


@click.command()
@click.argument("spec", required=False, default=NOTES_SPEC)
@formula_option
@loss_option
@click.option(
    "--wrt",
    default="all",
    show_default=True,
    help="The parameter to differentiate with respect to (e.g. w1), or 'all'.",
)
@names_option
@bias_option
@click.option(
    "--prove/--no-prove",
    default=True,
    show_default=True,
    help="Check that the three derivations agree (symbolically when small, else numerically).",
)
@seed_option
@program_options
@format_option("text", "latex", "markdown")
@click.pass_context
def derive(ctx, spec, loss, wrt, names, bias, prove, seed, at, result, format):
    """Derive dL/dw for SPEC three ways and show backprop's cached deltas.

    (a) the chain rule: a sum over every path from w to the loss L of the product of the
    edge partials, in Leibniz form (dL/dy * dy/dz_y * dz_y/dw11); (b) backprop: one
    reverse sweep computing each delta_n = dL/dn once, so dL/dw = delta * one local
    partial, reusing cached deltas; (c) sympy.diff of the fully substituted loss. Then the
    multiplications each route needs, and a proof that (a) = (b) = (c). Paths and full
    substitution are refused with a hint when too large; backprop never is. SPEC defaults
    to the notes' 3-2:sigmoid-2:sigmoid-1:sigmoid. The loss is per sample; a batch's loss
    is the mean. JSON: per parameter its `paths` (Leibniz factors), `gradient` (in delta
    symbols, each defined under `deltas`) and `reuses`; totals `multiplications_naive`
    and `multiplications_cached`.

    SPEC may be a graph program (a file, or text with '='): its output is differentiated
    with respect to its leaves, at their values (--at, or --seed for random ones); JSON
    adds `output`, `value` and `gradients` (leaf -> number).

    \b
    Examples:
      symnet derive 3-2:sigmoid-2:sigmoid-1:sigmoid --names seed --wrt w1
      symnet derive 2-3:tanh-1:sigmoid --loss bce --bias --format markdown
      symnet derive 64-64:relu-64:relu-10:softmax --json
      symnet derive "a = -4.0; b = 2.0; c = a*b + b**3; c += relu(a + b)" --json
      symnet derive "x, w: leaf; y = tanh(w*x)" --at x=0.5,w=-1
    """
    from click.core import ParameterSource

    from symnet.graph.guards import check_derivation

    explicit = ctx.get_parameter_source("seed") is ParameterSource.COMMANDLINE
    spec = read_source(spec, at, result, seed if explicit else None, need_values=True)
    check_derivation(spec, bias)  # refuse a network too large before importing SymPy
    from symnet.calculus.derivation import derive as derive_gradients
    from symnet.calculus.derivation_format import (
        derivation_dict,
        derivation_latex,
        derivation_markdown,
        derivation_text,
    )
    from symnet.exceptions import VerificationError

    result = derive_gradients(
        spec, loss=loss, wrt=wrt, names=names, bias=bias, prove_equal=prove, seed=seed
    )
    if result.proof is not None and not result.proof.holds:
        raise VerificationError("the derivations disagree: " + "; ".join(result.proof.failures[:3]))
    printers = {"text": derivation_text, "latex": derivation_latex, "markdown": derivation_markdown}
    if format == "json":
        emit(ctx, data=derivation_dict(result))
    else:
        emit(ctx, text=printers[format](result))
