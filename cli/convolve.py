"""``symnet convolve``: filter an image with a kernel; show one pixel as its dot product."""

from __future__ import annotations

import re
from pathlib import Path

import click

from symnet.cli.options import emit, format_option, output_option


def _pixel(text: str | None) -> tuple[int, int] | None:
    if text is None:
        return None
    match = re.fullmatch(r"\s*(\d{1,9})\s*,\s*(\d{1,9})\s*", text)
    if not match:
        raise click.BadParameter(f"{text!r} is not ROW,COL such as 10,20", param_hint="--pixel")
    return int(match.group(1)), int(match.group(2))


@click.command()
@click.argument("input", required=False, type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--kernel",
    "-k",
    default="outline",
    show_default=True,
    metavar="NAME|FILE|LITERAL",
    help="A library name (symnet kernels), a .json file, or rows such as '0,-1,0;-1,5,-1;0,-1,0'.",
)
@click.option(
    "--padding",
    type=click.Choice(["valid", "same", "full"]),
    default="same",
    show_default=True,
    help="Zero padding: valid (none), same (output as large as the input), full.",
)
@click.option("--stride", type=click.IntRange(1, 10_000), default=1, show_default=True)
@click.option(
    "--mode",
    type=click.Choice(["correlate", "convolve"]),
    default="correlate",
    show_default=True,
    help="correlate: what CNNs compute; convolve: flip the kernel first (true convolution).",
)
@click.option("--grayscale", is_flag=True, help="Read the image as grayscale.")
@output_option
@click.option(
    "--force", is_flag=True, help="Replace an existing .npy output (pictures are redrawn)."
)
@click.option(
    "--display",
    type=click.Choice(["clip", "stretch", "abs"]),
    default="clip",
    show_default=True,
    help="How a picture output shows values outside 0..255 (a .npy output keeps them raw).",
)
@click.option(
    "--side-by-side",
    type=click.Path(path_type=Path),
    default=None,
    help="Also write a PNG with the input and the output side by side.",
)
@click.option(
    "--pixel",
    metavar="ROW,COL",
    default=None,
    help="Print this output pixel written as its dot product with the actual numbers.",
)
@format_option("text")
@click.pass_context
def convolve(
    ctx,
    input,
    kernel,
    padding,
    stride,
    mode,
    grayscale,
    output,
    force,
    display,
    side_by_side,
    pixel,
    format,
):
    """Filter INPUT (an image, or a 2-D .npy array; default: a sample photo) with a kernel.

    Each output pixel is the dot product of the kernel with the image patch under it.
    Colour images are filtered channel by channel. A .png/.jpg output is scaled for
    display (--display); a .npy output holds the raw values.

    \b
    Examples:
      symnet convolve --kernel sharpen -o sharp.png --side-by-side compare.png
      symnet convolve photo.jpg --kernel "0,-1,0;-1,5,-1;0,-1,0" --grayscale -o out.npy
      symnet convolve --kernel outline --grayscale --pixel 200,250
    """
    position = _pixel(pixel)
    from symnet.conv.filtering import filter_file

    run = filter_file(
        input,
        kernel,
        padding,
        stride,
        mode,
        grayscale,
        position=position,
        output=output,
        display=display,
        pair=side_by_side,
        overwrite=force,
    )
    emit(ctx, text=run.text(), data=run.to_dict())
