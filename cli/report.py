"""``symnet report``: the lecture notes as one document generated from a network."""

from __future__ import annotations

import click

from symnet.cli.options import (
    bias_option,
    csv_options,
    emit,
    format_option,
    formula_option,
    loss_formula,
    names_option,
    output_option,
    seed_option,
    writes_to_stdout,
)
from symnet.cli.sources import program_options, read_model, read_source

#: The notes' backprop example, used when no spec is given.
DEFAULT_SPEC = "3-2:sigmoid-2:sigmoid-1:sigmoid"


@click.command()
@click.argument("spec", required=False, default=DEFAULT_SPEC)
@formula_option
@names_option
@bias_option
@click.option(
    "--loss",
    default=None,
    metavar="NAME|NAME=EXPR",
    callback=loss_formula,
    help="Loss of the derivation and the training run. [default: mse (ce for a softmax "
    "output) for the derivation; bce, ce or mse for training]",
)
@click.option("--wrt", default=None, help="The parameter whose gradient is derived (e.g. w1).")
@click.option(
    "--data",
    default=None,
    help="Training data: a built-in name (moons, xor, circles, spirals, digits, sin, ...) "
    "or a FILE.csv. [default: moons for 2 inputs, else a generated set of the right width]",
)
@csv_options
@click.option(
    "--sections",
    default="default",
    show_default=True,
    help="default, all, or names joined by commas: network, perceptron, collapse, "
    "activation, approximation, depth, backprop, verification, training, convolution, "
    "conv_layer (conv specs).",
)
@click.option("--title", default=None, help="The report's title (shown as given).")
@output_option
@click.option(
    "--to",
    "to",
    type=click.Choice(["html", "markdown"]),
    default=None,
    help="The report format [default: from the -o suffix; markdown for -o -].",
)
@click.option(
    "--force", is_flag=True, help="Replace an existing report file (and its figures' folder)."
)
@seed_option
@program_options
@format_option("text")
@click.pass_context
def report(
    ctx,
    spec,
    names,
    bias,
    loss,
    wrt,
    data,
    sections,
    title,
    output,
    to,
    force,
    seed,
    format,
    target,
    drop,
    header,
    drop_missing,
    at,
    result,
):
    """Write the derivation report of SPEC: the lecture, generated from the network.

    One document that follows the notes for SPEC: the network and its equations with its
    diagram; the perceptron; the linearity collapse step by step with the matrix identity;
    what an activation changes (ReLU and the network's own, with traces); universal
    approximation and depth (--sections all); the chain rule and backprop's cached deltas
    for one parameter with the gradient-flow diagram; every gradient checked by independent
    routes; a short training run with its curves; the convolution kernels on a photo. A
    part too large for the network says so and shows the layer-level form instead.

    -o REPORT.html writes one self-contained page (MathML, inline SVG, embedded pictures;
    no script, nothing fetched: it opens offline). -o REPORT.md writes GitHub Markdown
    with $...$ math and its figures in REPORT_files/ beside it. -o - prints the report
    (Markdown with its figures embedded, or --to html). SPEC defaults to the
    notes' 3-2:sigmoid-2:sigmoid-1:sigmoid. JSON: the file written, its sections and the
    time taken.

    SPEC may be a graph program (a file, or text with '='): the report has its graph and
    equations, its trace, the chain rule and backprop, and the check, at its leaves'
    values (--at; --seed draws the missing ones), and says which sections do not apply.

    SPEC may be a trained model file (MODEL.npz): the report of its spec with biases and
    its loss, its diagram, trace and check at its trained weights, and its training
    settings instead of a new run.

    \b
    Examples:
      symnet report 3-2:sigmoid-2:sigmoid-1:sigmoid --names seed -o report.html
      symnet report 2-8:relu-1:sigmoid --sections all --title "Moons" -o moons.md
      symnet report 784-128:relu-10:softmax --sections network,backprop -o big.html
      symnet report "x, w1, b1, w2: leaf; h = relu(w1*x + b1); y = x + w2*h" --seed 1 -o res.html
      symnet report moons.npz -o moons.html     # a trained model, at its weights
    """
    from symnet.graph.guards import check_report

    model = read_model(spec)
    if model is not None:  # its spec with biases; build_report takes its loss and weights
        spec, bias = str(model.spec), True
    spec = read_source(spec, at, result)
    check_report(spec, bias, sections)  # refuse a network too large before importing SymPy
    from symnet.report.build import build_report, check_report_path

    if output is None:
        raise click.UsageError("give the report file: -o REPORT.html or -o REPORT.md")
    to_stdout = writes_to_stdout(output, format)
    check_report_path(output, overwrite=force, format=to)  # refuse before the work, not after
    made = build_report(
        spec,
        names=names,
        bias=bias,
        loss=loss,
        wrt=wrt,
        data=data,
        sections=sections,
        title=title,
        seed=seed,
        csv_options=dict(
            target=target or None, drop=drop, header=header, drop_missing=drop_missing
        ),
        model=model,
    )
    path = made.save(output, overwrite=force, format=to)
    if to_stdout:
        return
    keys = [section.key for section in made.sections]
    emit(
        ctx,
        text=f"wrote {path}: {len(keys)} sections ({', '.join(keys)}) in {made.seconds:.1f} s",
        data={
            "output_file": str(path),
            "spec": made.spec,
            "title": made.title,
            "sections": keys,
            "seconds": made.seconds,
        },
    )
