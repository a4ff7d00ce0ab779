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


def _describe(values) -> str:
    shape = values.shape
    kind = "grayscale" if values.ndim == 2 else f"{shape[2]} channels"
    return f"{shape[0]}x{shape[1]} {kind}"


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
    "--display",
    type=click.Choice(["clip", "stretch", "abs"]),
    default="clip",
    show_default=True,
    help="How a picture output shows values outside 0..255 (a .npy output keeps them raw).",
)
@click.option(
    "--side-by-side",
    type=click.Path(path_type=Path, dir_okay=False),
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
    from symnet.conv.dot_product import dot_product
    from symnet.conv.filters import filter_image
    from symnet.conv.images import load_input, save_output
    from symnet.conv.images import side_by_side as save_pair
    from symnet.conv.kernels import resolve_kernel

    chosen = resolve_kernel(kernel)
    image = load_input(input, grayscale)
    result = filter_image(image, chosen, padding, stride, mode)
    source = "the sample photo" if input is None else str(input)
    lines = [
        f"input: {source} ({_describe(image)})",
        str(chosen),
        f"{mode}, padding {padding}, stride {stride} -> {_describe(result)}, "
        f"values {result.min():.6g} .. {result.max():.6g}",
    ]
    data = {
        "input": source,
        "input_shape": list(image.shape),
        "kernel": {"name": chosen.name, "matrix": chosen.numbers()},
        "mode": mode,
        "padding": padding,
        "stride": stride,
        "output_shape": list(result.shape),
        "min": float(result.min()),
        "max": float(result.max()),
        "output": None,
        "side_by_side": None,
        "pixel": None,
    }
    if position is not None:
        channels = [image] if image.ndim == 2 else [image[..., c] for c in range(image.shape[2])]
        product = dot_product(chosen, position, image.shape[:2], padding, stride, mode)
        texts = [product.text(channel) for channel in channels]
        values = [product.value(channel) for channel in channels]
        names = ["gray"] if len(channels) == 1 else ["red", "green", "blue"][: len(channels)]
        if mode == "convolve":
            lines.append("convolve: the kernel is flipped (rotated 180 degrees) before the sum")
        for name, text in zip(names, texts):
            lines += [f"output pixel ({position[0]},{position[1]}) ({name}):", text]
        data["pixel"] = {
            "row": position[0],
            "col": position[1],
            "expression": str(product.expression),
            "channels": names,
            "terms": [t.splitlines() for t in texts],
            "values": values,
        }
    if output is not None:
        data["output"] = str(save_output(output, result, display))
        how = "raw values" if output.suffix.lower() == ".npy" else f"display: {display}"
        lines.append(f"wrote {output} ({how})")
    if side_by_side is not None:
        panels = [("input", image), (f"{chosen.name} ({mode})", result)]
        captions = ["", chosen.text()]
        data["side_by_side"] = str(save_pair(panels, side_by_side, display, captions))
        lines.append(f"wrote {side_by_side}")
    emit(ctx, text="\n".join(lines), data=data)
