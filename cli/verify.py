"""``symnet verify``: check every gradient of a network by independent routes."""

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
@seed_option
@click.option(
    "--batch",
    type=click.IntRange(min=1, max=10_000),
    default=4,
    show_default=True,
    help="Number of random input rows; gradients are batch means.",
)
@names_option
@bias_option
@click.option("--eps", type=float, default=1e-6, show_default=True, help="Finite-difference step.")
@click.option("--atol", type=float, default=1e-5, show_default=True, help="Absolute tolerance.")
@click.option("--rtol", type=float, default=1e-3, show_default=True, help="Relative tolerance.")
@click.option(
    "--symbolic",
    type=click.Choice(["auto", "diff", "backprop"]),
    default="auto",
    show_default=True,
    help="Reference: sympy.diff of the substituted loss, the backprop expressions, or "
    "auto (diff when small enough).",
)
@click.option(
    "--torch/--no-torch",
    "use_torch",
    default=None,
    help="Cross-check with PyTorch autograd. [default: when PyTorch is installed]",
)
@format_option("text")
@click.pass_context
def verify(ctx, spec, loss, seed, batch, names, bias, eps, atol, rtol, symbolic, use_torch, format):
    """Check dL/dw of SPEC for every weight and bias by independent routes.

    At random float64 weights, inputs and targets drawn from --seed (one-hot targets for
    ce, 0/1 for bce, normals for mse), each gradient is computed (1) symbolically, by
    sympy.diff of the fully substituted loss when that is small enough, else from the
    backprop expressions; (2) by the compiled NumPy backprop code; (3) by central finite
    differences of the compiled loss; (4) by PyTorch autograd when it is installed. The
    batch loss is the mean over the batch. A route passes when |route - symbolic| <=
    atol + rtol |symbolic| (torch.autograd.gradcheck's defaults). Exit code 1 when any
    parameter fails. JSON: `input_batch`, `target_batch`, `loss_value`, `parameters`
    (per parameter: name, layer, kind, row, col, value, symbolic, compiled,
    finite_difference, torch), `max_abs_error`, `max_rel_error`, `passed`.

    \b
    Examples:
      symnet verify 3-2-2-1
      symnet verify 2-3:relu-1:sigmoid --loss bce --bias
      symnet verify 4-8:tanh-8:relu-3:softmax --loss ce --json
    """
    from symnet.graph.guards import check_gradient_check

    check_gradient_check(spec, bias)  # refuse a network too large before importing SymPy
    from symnet.exceptions import VerificationError
    from symnet.testing.gradients import check_gradients

    report = check_gradients(
        spec,
        loss,
        names=names,
        bias=bias,
        seed=seed,
        batch=batch,
        eps=eps,
        atol=atol,
        rtol=rtol,
        torch=use_torch,
        symbolic=symbolic,
        raise_on_failure=False,
    )
    emit(ctx, text=report.to_text(), data=report.to_dict())
    if not report.passed:
        raise VerificationError(report.failure_message())
