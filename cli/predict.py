"""``symnet predict``: run a saved model on a data set and report its accuracy or loss."""

from __future__ import annotations

import click

from symnet.cli.options import emit, format_option, seed_option


@click.command()
@click.argument("model_file", metavar="MODEL.npz", type=click.Path(dir_okay=False))
@click.option(
    "--data",
    "data_name",
    required=True,
    metavar="NAME|FILE.csv",
    help="A built-in data set or a CSV file with the model's features (label last).",
)
@click.option(
    "--samples",
    type=click.IntRange(4, 10_000_000),
    default=None,
    help="Samples in a generated data set.",
)
@seed_option
@click.option(
    "--show",
    type=click.IntRange(min=0),
    default=10,
    show_default=True,
    help="Predictions listed in the text output.",
)
@format_option("text")
@click.pass_context
def predict(ctx, model_file, data_name, samples, seed, show, format):
    """Predict with MODEL.npz on a data set; print the predictions and the accuracy or loss.

    The model file is checked (format, spec, shapes, SHA-256 of every array) before use.

    \b
    Examples:
      symnet train 2-16:relu-16:relu-1:sigmoid --data moons -o moons.npz
      symnet predict moons.npz --data moons --seed 1 --json
    """
    from symnet.training.evaluation import predict_data
    from symnet.training.modelfile import load_model

    model = load_model(model_file)
    found = predict_data(model, data_name, n_samples=samples, seed=seed)
    emit(ctx, text=found.text(show), data={"model": str(model_file), **found.to_dict()})
