"""``symnet kernels``: the convolution kernels of the notes and the rest of the library."""

from __future__ import annotations

import click

from symnet.cli.options import emit, format_option


@click.command(context_settings={"ignore_unknown_options": True})
@click.argument("kernel", nargs=-1)
@click.option(
    "--flip",
    is_flag=True,
    help="Also show each kernel flipped, and why true convolution differs from the "
    "cross-correlation that CNNs compute.",
)
@format_option("text")
@click.pass_context
def kernels(ctx, kernel, flip, format):
    """List the kernel library, or show the KERNELs given (names, literals or files).

    A literal lists rows separated by ';' and numbers by ','; fractions such as 1/9
    stay exact. A .json file holds a list of rows (or {"name": ..., "kernel": [...]}).
    The JSON output lists each kernel as its name and matrix of numbers (and, with
    --flip, the flipped matrix).

    \b
    Examples:
      symnet kernels
      symnet kernels outline blur sharpen --json
      symnet kernels "0,-1,0;-1,5,-1;0,-1,0" --flip
    """
    from symnet.conv.dot_product import flip_explanation
    from symnet.conv.kernels import KERNELS, resolve_kernel

    chosen = {name: resolve_kernel(name) for name in kernel} if kernel else dict(KERNELS)
    if format == "json":
        listed = []
        for name, k in chosen.items():
            entry = {"name": name, "matrix": k.numbers()}
            listed.append(entry | ({"flipped": k.flipped().numbers()} if flip else {}))
        emit(ctx, data={"kernels": listed})
        return
    blocks = [flip_explanation(k) if flip else str(k) for k in chosen.values()]
    emit(ctx, text="\n\n".join(blocks))
