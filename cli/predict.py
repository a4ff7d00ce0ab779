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
    from symnet.training.data import load_data
    from symnet.training.loop import evaluate
    from symnet.training.modelfile import load_model

    model = load_model(model_file)
    classes = model.classes if model.task == "classification" else None
    data = load_data(data_name, task=model.task, n_samples=samples, seed=seed, classes=classes)
    loss, accuracy = evaluate(model, data)
    if model.task == "classification":
        labels = [model.classes[k] for k in model.predict_classes(data.X)]
        predictions = [int(v) if float(v).is_integer() else v for v in labels]
    else:
        predictions = model.predict(data.X).tolist()
    result = {
        "model": str(model_file),
        "spec": str(model.spec),
        "data": data.name,
        "samples": len(data),
        "loss": loss,
        "accuracy": accuracy,
        "predictions": predictions,
    }
    lines = [
        f"{model.spec} on {data.name} ({len(data)} samples): loss {loss:.6g}"
        + (f", accuracy {accuracy:.2%}" if accuracy is not None else "")
    ]
    if show:
        shown = ", ".join(str(p) for p in predictions[:show])
        lines.append(f"first predictions: {shown}{' ...' if len(predictions) > show else ''}")
    emit(ctx, text="\n".join(lines), data=result)
