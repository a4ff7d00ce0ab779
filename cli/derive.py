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
from symnet.cli.sources import program_options, read_model, read_source


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
@click.option(
    "--inputs", metavar="V1,V2,...", help="A model file: one raw value per feature of the sample."
)
@click.option("--targets", metavar="T1,T2,...", help="A model file: one target value per output.")
@program_options
@format_option("text", "latex", "markdown")
@click.pass_context
def derive(ctx, spec, loss, wrt, names, bias, prove, seed, inputs, targets, at, result, format):
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

    SPEC may be a trained model file (MODEL.npz): its spec with biases and its loss are
    derived, and the gradients are evaluated at its weights for the sample --inputs (raw,
    scaled as predict does) and --targets; JSON adds `trained` (inputs, targets, loss,
    gradients).

    \b
    Examples:
      symnet derive 3-2:sigmoid-2:sigmoid-1:sigmoid --names seed --wrt w1
      symnet derive 2-3:tanh-1:sigmoid --loss bce --bias --format markdown
      symnet derive 64-64:relu-64:relu-10:softmax --json
      symnet derive "a = -4.0; b = 2.0; c = a*b + b**3; c += relu(a + b)" --json
      symnet derive "x, w: leaf; y = tanh(w*x)" --at x=0.5,w=-1
      symnet derive moons.npz --wrt w1 --inputs 0.5,-0.2 --targets 1   # a trained model
    """
    from click.core import ParameterSource

    from symnet.graph.guards import check_derivation

    explicit = ctx.get_parameter_source("seed") is ParameterSource.COMMANDLINE
    model = read_model(spec)
    if model is not None:  # its spec with biases and its loss; its weights below
        spec, bias, loss = str(model.spec), True, model.loss
    elif inputs is not None or targets is not None:
        raise click.UsageError("--inputs and --targets are for a model file (MODEL.npz).")
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

    with _scope(model):
        result = derive_gradients(
            spec, loss=loss, wrt=wrt, names=names, bias=bias, prove_equal=prove, seed=seed
        )
        trained = None if model is None else _at_sample(result, model, inputs, targets)
    if result.proof is not None and not result.proof.holds:
        raise VerificationError("the derivations disagree: " + "; ".join(result.proof.failures[:3]))
    printers = {"text": derivation_text, "latex": derivation_latex, "markdown": derivation_markdown}
    if format == "json":
        extra = {} if trained is None else {"trained": trained.to_dict()}
        emit(ctx, data={**derivation_dict(result), **extra})
    else:
        text, end = printers[format](result), str(result.network.loss_node)
        emit(ctx, text=text if trained is None else f"{text}\n\n{trained.text(end)}")


def _at_sample(result, model, inputs, targets):
    """The gradients of a derivation at a model's trained weights for one sample."""
    from symnet.parse import parse_literal
    from symnet.training.trained import trained_gradient

    if inputs is None or targets is None:
        raise click.UsageError(
            "a model file needs --inputs and --targets: the sample to derive at."
        )
    raw = [float(parse_literal(v, "input")) for v in inputs.split(",")]
    wanted = [float(parse_literal(v, "target")) for v in targets.split(",")]
    return trained_gradient(result.network, model, raw, wanted, result.wrt)


def _scope(model):
    """The formula scope of a model's formula activations and losses (none without one)."""
    from contextlib import nullcontext  # cheap; kept with the one caller

    from symnet.parse.formula_text import formulas

    return nullcontext() if model is None else formulas(**model.formulas)
