"""``symnet verify``: check every gradient of a network by independent routes."""

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
from symnet.cli.sources import program_options, read_model, read_source, refuse_program


def saved_gradient_options(command):
    """``--params``, ``--grads``, ``--inputs``, ``--targets``: the user's own saved arrays."""
    files = [
        (
            "--grads",
            "G.npz",
            "Your gradients, one array per parameter (W1, b1, ... or "
            "PyTorch's 0.weight, 0.bias, ...), checked against symnet's derivation.",
        ),
        (
            "--params",
            "P.npz",
            "The parameters your gradients were computed at (with a "
            "model file: overrides its weights).",
        ),
        ("--inputs", "X.npy", "The inputs your gradients were computed on."),
        ("--targets", "T.npy", "The targets your gradients were computed on."),
    ]
    for flag, metavar, text in reversed(files):
        path = click.Path(dir_okay=False, path_type=str)
        command = click.option(flag, metavar=metavar, type=path, default=None, help=text)(command)
    return command


@click.command()
@click.argument("spec", required=False, default=NOTES_SPEC)
@formula_option
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
@program_options
@saved_gradient_options
@format_option("text")
@click.pass_context
def verify(
    ctx,
    spec,
    loss,
    seed,
    batch,
    names,
    bias,
    eps,
    atol,
    rtol,
    symbolic,
    use_torch,
    at,
    result,
    grads,
    params,
    inputs,
    targets,
    format,
):
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

    SPEC may be a graph program (a file, or text with '='): every leaf's gradient is
    checked at the leaves' values (--at; --seed draws the missing ones), its torch route
    the program's statements run with torch's functions.

    SPEC may be a trained model file (MODEL.npz): its spec with biases and its loss are
    checked at its trained weights (inputs and targets still from --seed); JSON adds
    `weights: "trained"`.

    With --grads, your own backprop is checked instead: the gradients you saved (an .npz
    of W1, b1, ... or PyTorch's 0.weight, 0.bias, ...), computed on --inputs and
    --targets (.npy) at --params (an .npz; a model file from symnet train -o brings its
    spec, loss and weights instead), against symnet's at the same point. Your layout
    (weights (in, out), samples as columns, ...) is read off your arrays and stated. Per
    parameter: the largest errors, the first wrong entry with the formula it should
    equal, and a diagnosis where a usual slip fits (transposed, scaled by N or -1, a
    wrong activation derivative, ...). Arrays are never unpickled.

    \b
    Examples:
      symnet verify 3-2-2-1
      symnet verify 2-3:relu-1:sigmoid --loss bce --bias
      symnet verify 4-8:tanh-8:relu-3:softmax --loss ce --json
      symnet verify "x, w: leaf; y = gelu(w*x) + max(x, w)**2" --seed 3
      symnet verify model.npz --grads G.npz --inputs X.npy --targets T.npy
      symnet verify 2-3:sigmoid-1:sigmoid --loss bce --params P.npz --grads G.npz \\
          --inputs X.npy --targets T.npy --json
    """
    if any(path is not None for path in (grads, params, inputs, targets)):
        refuse_program(spec, "checking saved gradients", "give a spec or a model file")
        from symnet.exceptions import VerificationError
        from symnet.interop.saved import check_saved_gradients

        saved = check_saved_gradients(
            spec, grads, inputs, targets, params, loss, atol=atol, rtol=rtol
        )
        emit(ctx, text=saved.to_text(), data=saved.to_dict())
        if not saved.passed:
            raise VerificationError(saved.failure_message())
        return
    from symnet.graph.guards import check_gradient_check

    model = read_model(spec)
    if model is not None:  # its spec with biases and its loss, checked at its weights
        spec, bias, loss = str(model.spec), True, model.loss
    spec = read_source(spec, at, result, seed)
    check_gradient_check(spec, bias)  # refuse a network too large before importing SymPy
    from symnet.exceptions import VerificationError
    from symnet.testing.gradients import check_gradients

    weights = None if model is None else _trained_weights(model, names)
    with _scope(model):
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
            weights=weights,
        )
    text, data = report.to_text(), report.to_dict()
    if model is not None:
        text = f"At the trained weights of the model (inputs and targets from --seed):\n{text}"
        data["weights"] = "trained"
    emit(ctx, text=text, data=data)
    if not report.passed:
        raise VerificationError(report.failure_message())


def _trained_weights(model, names: str) -> dict[str, float]:
    from symnet.training.trained import trained_weights  # NumPy and SymPy: after the guard

    with _scope(model):
        return trained_weights(model, names)


def _scope(model):
    """The formula scope of a model's formula activations and losses (none without one)."""
    from contextlib import nullcontext  # cheap; kept with the one caller

    from symnet.parse.formula_text import formulas

    return nullcontext() if model is None else formulas(**model.formulas)
