"""``symnet predict``: run a saved model on a data set and report its accuracy or loss."""

from __future__ import annotations

import click

from symnet.cli.options import (
    SEED,
    csv_options,
    emit,
    format_option,
)
from symnet.cli.sources import layered_only


@click.command()
@click.argument(
    "model_file",
    metavar="MODEL.npz",
    type=click.Path(dir_okay=False),
    callback=layered_only("predict", "its value is its trace: symnet trace PROGRAM"),
)
@click.option(
    "--data",
    "data_name",
    required=True,
    metavar="NAME|FILE.csv",
    help="A built-in data set or a CSV file with the model's features and target column "
    "(read as the model's training CSV was, unless --target/--drop say otherwise).",
)
@csv_options
@click.option(
    "--split",
    type=click.Choice(["test", "train", "all"]),
    default=None,
    help="Which samples to score: the training run's held-out test split, its training "
    "split, or all. [default: test for the data the model was trained on, else all]",
)
@click.option(
    "--samples",
    type=click.IntRange(4, 10_000_000),
    default=None,
    help="Samples in a generated data set. [default: the model's own set's size, else 1000]",
)
@click.option(
    "--seed",
    type=SEED,
    default=None,
    help="Seed of a generated data set. [default: the model's seed for its own data set, else 0]",
)
@click.option(
    "--show",
    type=click.IntRange(min=0),
    default=10,
    show_default=True,
    help="Predictions listed in the text output.",
)
@format_option("text")
@click.pass_context
def predict(
    ctx,
    model_file,
    data_name,
    target,
    drop,
    header,
    drop_missing,
    split,
    samples,
    seed,
    show,
    format,
):
    """Predict with MODEL.npz on a data set; print the predictions and the accuracy or loss.

    The model file is checked (format, spec, shapes, SHA-256 of every array) before use.
    On the very data it was trained on (the same built-in set, or a CSV file with the same
    contents) only the held-out test split is scored, so the figure is the one train
    reported; --split all scores every sample. Class predictions are the class labels,
    names included; --json adds the class probabilities (softmax or 1:sigmoid outputs).

    \b
    Examples:
      symnet train 2-16:relu-16:relu-1:sigmoid --data moons -o moons.npz
      symnet predict moons.npz --data moons --json
      symnet predict moons.npz --data moons --seed 1 --split all
      symnet predict iris.npz --data iris.csv --show 5
    """
    from symnet.training.evaluation import predict_data
    from symnet.training.modelfile import load_model

    model = load_model(model_file)
    read = dict(target=target or None, drop=drop, header=header, drop_missing=drop_missing)
    found = predict_data(
        model, data_name, n_samples=samples, seed=seed, split=split, csv_options=read
    )
    emit(ctx, text=found.text(show), data={"model": str(model_file), **found.to_dict()})
