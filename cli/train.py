"""``symnet train``: train a network on a data set with the generated layer-level code."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from symnet.cli import CommandLineInterruptError
from symnet.cli.options import (
    SEED,
    csv_options,
    emit,
    flag_language,
    format_option,
    formula_option,
    loss_formula,
    output_option,
    seed_option,
)
from symnet.cli.sources import layered_only

CNN_EXAMPLE = "1x8x8-conv16@3x3+same:relu-maxpool2-10:softmax"
DATA_HELP = (
    "A built-in data set (xor, moons, circles, spirals, digits; regression: sin, cubic, abs, "
    "gaussian) or a CSV file (comma, semicolon or tab): numeric features and a target column "
    "(the last unless --target), class labels as numbers or names, an optional header row."
)


@click.command()
@click.argument("spec", callback=layered_only("training", "derive, trace or verify it instead"))
@formula_option
@click.option("--data", "data_name", required=True, metavar="NAME|FILE.csv", help=DATA_HELP)
@csv_options
@click.option(
    "--loss",
    default=None,
    metavar="NAME|NAME=EXPR",
    callback=loss_formula,
    help="Loss (default: bce for a 1:sigmoid output, ce for softmax, else mse).",
)
@click.option(
    "--optimizer",
    type=click.Choice(["sgd", "momentum", "adam"]),
    default=None,
    help="Update rule (default per data set: adam).",
)
@click.option("--lr", type=float, default=None, help="Learning rate (default per data set).")
@click.option(
    "--epochs", type=click.IntRange(min=1), default=None, help="Passes over the training set."
)
@click.option(
    "--batch-size",
    type=click.IntRange(min=1),
    default=None,
    help="Mini-batch size (default per data set; full batch for the 2-D sets).",
)
@seed_option
@click.option(
    "--split-seed",
    type=SEED,
    default=None,
    help="Seed of the train/test split (stratified for classification). [default: --seed]",
)
@click.option(
    "--test-fraction",
    type=click.FloatRange(0, 1, max_open=True),
    default=0.2,
    show_default=True,
    help="Share of the samples kept for testing.",
)
@click.option(
    "--dtype", type=click.Choice(["float64", "float32"]), default="float64", show_default=True
)
@click.option(
    "--samples",
    type=click.IntRange(4, 10_000_000),
    default=None,
    help="Samples in a generated data set (default 1000; 200 for regression).",
)
@output_option
@click.option("--force", is_flag=True, help="Replace an existing model file.")
@click.option(
    "--plot",
    type=click.Path(path_type=Path),
    default=None,
    help="Save the loss and accuracy curves (.png or .svg).",
)
@click.option(
    "--plot-kernels",
    type=click.Path(path_type=Path),
    default=None,
    help="Conv specs: save a picture of the learned kernels (.png or .svg).",
)
@click.option(
    "--plot-maps",
    type=click.Path(path_type=Path),
    default=None,
    help="Conv specs: save the feature maps of the first sample (.png or .svg).",
)
@click.option("--show-code", is_flag=True, help="Print the generated training step first.")
@format_option("text")
@click.pass_context
def train(
    ctx,
    spec,
    data_name,
    loss,
    optimizer,
    lr,
    epochs,
    batch_size,
    seed,
    test_fraction,
    dtype,
    samples,
    output,
    force,
    plot,
    plot_kernels,
    plot_maps,
    show_code,
    format,
    split_seed,
    target,
    drop,
    header,
    drop_missing,
):
    """Train SPEC on a data set; optionally save the model (-o) and its curves (--plot).

    Inputs are standardised (fitted on the training part), weights start from He (relu)
    or Glorot (others) initialisation, and each step runs code generated from the
    layer-level backprop rules (see --show-code). Ctrl-C stops cleanly and still saves.

    \b
    Examples:
      symnet train 2-16:relu-16:relu-1:sigmoid --data moons --seed 0 --json
      symnet train 64-64:relu-10:softmax --data digits -o digits.npz --plot digits.png
      symnet train 1-16:tanh-1 --data sin --optimizer momentum --lr 0.05
      symnet train 1x8x8-conv16@3x3+same:relu-maxpool2-10:softmax --data digits --json
      symnet train 4-8:relu-3:softmax --data iris.csv -o iris.npz
      symnet train 13-16:relu-3:softmax --data wine.csv --target 0 --no-header
      symnet train 10-16:relu-1 --data diabetes.tsv --target Y --drop-missing

    A CSV file's class labels may be names (setosa, virginica): the model keeps them and
    predict prints them. Regression reports the MSE and R² beside the mse loss.

    Conv specs start with an image CxHxW and may use the layers
    convK@KHxKW[/S][+same|+full][:ACT], maxpoolN, avgpoolN and flatten before the dense
    layers; each data row is read as an image, pixels in (channel, row, column) order
    (digits rows are 1x8x8 images).
    """
    from symnet.graph.guards import check_training

    check_training(spec, 1, dtype)  # refuse before importing NumPy and SymPy
    from symnet.codegen.program import compile_layers
    from symnet.exceptions import SymnetError
    from symnet.graph.spec import parse_spec
    from symnet.training.loop import check_training_options, prepare_training, training_settings
    from symnet.training.loop import train as run_training
    from symnet.training.plots import check_pictures, save_pictures

    parsed = parse_spec(spec)
    if parsed.is_dense and (plot_kernels or plot_maps):
        option = "--plot-kernels" if plot_kernels else "--plot-maps"
        raise click.UsageError(f"{option} needs a conv spec such as {CNN_EXAMPLE}; got {spec}.")
    check_pictures(history=plot, kernels=plot_kernels, maps=plot_maps)  # before the work
    check_training_options(optimizer, lr, epochs, batch_size)
    read = dict(target=target or None, drop=drop, header=header, drop_missing=drop_missing)
    parsed, loss, data = prepare_training(
        parsed,
        data_name,
        loss=loss,
        n_samples=samples,
        seed=seed,
        output=output,
        overwrite=force,
        csv_options=read,
    )
    if show_code and format != "json":
        click.echo(compile_layers(parsed, loss).source)
    options = dict(
        loss=loss,
        optimizer=optimizer,
        lr=lr,
        epochs=epochs,
        batch_size=batch_size,
        seed=seed,
        split_seed=split_seed,
        test_fraction=test_fraction,
        dtype=dtype,
        output=output,
        overwrite=force,
    )
    if format != "json" and sys.stderr.isatty():
        total = training_settings(data, epochs=epochs)["epochs"]
        with click.progressbar(
            length=total, label="training", file=sys.stderr, update_min_steps=max(1, total // 100)
        ) as bar:
            result = run_training(
                parsed, data, callback=lambda epoch, value: bar.update(1), **options
            )
    else:
        result = run_training(parsed, data, **options)
    save_pictures(result, data.X[0], history=plot, kernels=plot_kernels, maps=plot_maps)
    summary = result.summary()
    summary["message"] = flag_language(summary["message"])  # the library names parameters
    emit(ctx, text=result.text(), data=summary)
    if result.stopped == "interrupted":
        raise CommandLineInterruptError(summary["message"])  # exit code 130
    if result.stopped == "diverged":
        raise SymnetError(result.message)
