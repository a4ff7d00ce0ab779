"""``symnet derive``: every gradient by paths, by cached backprop deltas and by sympy.diff."""

from __future__ import annotations

import click

from symnet.cli.options import (
    NOTES_SPEC,
    bias_option,
    emit,
    format_option,
    loss_option,
    names_option,
    seed_option,
)


@click.command()
@click.argument("spec", required=False, default=NOTES_SPEC)
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
@format_option("text", "latex", "markdown")
@click.pass_context
def derive(ctx, spec, loss, wrt, names, bias, prove, seed, format):
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

    \b
    Examples:
      symnet derive 3-2:sigmoid-2:sigmoid-1:sigmoid --names seed --wrt w1
      symnet derive 2-3:tanh-1:sigmoid --loss bce --bias --format markdown
      symnet derive 64-64:relu-64:relu-10:softmax --json
    """
    from symnet.graph.guards import check_derivation

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
