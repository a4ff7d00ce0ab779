"""``symnet learn-kernel``: recover a hidden kernel from filtered images by gradient descent."""

from __future__ import annotations

from pathlib import Path

import click

from symnet.cli.options import emit, format_option, seed_option


@click.command("learn-kernel", context_settings={"ignore_unknown_options": True})
@click.argument("kernel", default="sharpen")
@click.option(
    "--image",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Image to crop the training pairs from. [default: the sample photo]",
)
@click.option(
    "--steps",
    type=click.IntRange(0, 100_000),
    default=40,
    show_default=True,
    help="Gradient descent steps.",
)
@click.option(
    "--method",
    type=click.Choice(["preconditioned", "gd", "adam"]),
    default="preconditioned",
    show_default=True,
    help="preconditioned: steps scaled by the inverse Hessian; gd: plain steps; adam: Adam.",
)
@click.option(
    "--step",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="Step size / learning rate. [default: 0.5, best constant, 0.01]",
)
@click.option(
    "--crops",
    type=click.IntRange(1, 1000),
    default=16,
    show_default=True,
    help="Number of random crops (training pairs).",
)
@click.option(
    "--crop-size",
    type=click.IntRange(4, 512),
    default=32,
    show_default=True,
    help="Side of each square crop, in pixels.",
)
@seed_option
@click.option(
    "--plot",
    type=click.Path(path_type=Path),
    default=None,
    help="Write a PNG: hidden and learned kernels and the loss curve.",
)
@format_option("text")
@click.pass_context
def learn_kernel(ctx, kernel, image, steps, method, step, crops, crop_size, seed, plot, format):
    """Hide KERNEL in filtered crops of a photo, then learn it back from the pairs.

    KERNEL is a library name or a literal (default: sharpen). The crops are grayscale,
    scaled to [0, 1]; the loss is the mean squared error, and its gradient with respect
    to the kernel is the correlation of the input with the upstream delta.

    \b
    Examples:
      symnet learn-kernel outline
      symnet learn-kernel "1/9,1/9,1/9;1/9,1/9,1/9;1/9,1/9,1/9" --json
      symnet learn-kernel sharpen --method adam --steps 500
    """
    from symnet.conv.learning import learn_kernel as learn
    from symnet.conv.learning import plot_fit, training_pairs_text
    from symnet.files import check_picture

    if plot is not None:
        check_picture(plot, "plot")  # before the work
    fit = learn(kernel, image, steps, method, step, seed, crops, crop_size)
    if plot is not None:
        plot_fit(fit, plot)
    data = fit.as_dict()
    data["plot_file"] = None if plot is None else str(plot)
    lines = [training_pairs_text(image, crops, crop_size), fit.text()]
    if plot is not None:
        lines.append(f"wrote {plot}")
    emit(ctx, text="\n".join(lines), data=data)
