"""``symnet export``: write a trained model as a standalone PyTorch or JAX module."""

from __future__ import annotations

from pathlib import Path

import click

from symnet.cli.options import emit, format_option, writes_to_stdout


@click.command()
@click.argument("model_file", metavar="MODEL.npz", type=click.Path(dir_okay=False))
@click.option(
    "--to",
    "framework",
    type=click.Choice(["torch", "jax"]),
    required=True,
    help="The framework of the written module.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    required=True,
    help="The Python file to write (FILE.py; - prints it).",
)
@click.option("--force", is_flag=True, help="Replace an existing file.")
@format_option("text")
@click.pass_context
def export(ctx, model_file, framework, output, force, format):
    """Write MODEL.npz as a Python module that rebuilds it in PyTorch or JAX.

    The module embeds the trained weights and the input scaling; it needs only torch
    (build_model()) or jax (predict(PARAMS, x)).

    \b
    Examples:
      symnet train 2-16:relu-16:relu-1:sigmoid --data moons -o moons.npz
      symnet export moons.npz --to torch -o moons_torch.py
    """
    from symnet.training.export import ENTRY_POINTS, check_export, write_export
    from symnet.training.modelfile import load_model

    writes_to_stdout(output, format)  # --json with -o - is refused before any work
    check_export(framework, output, force)
    model = load_model(model_file)
    path = write_export(model, framework, output, overwrite=force)
    if writes_to_stdout(output, format):
        return
    entry = ENTRY_POINTS[framework]
    emit(
        ctx,
        text=f"Wrote {path}: {model.spec} in {framework}; use {entry}",
        data={
            "output_file": str(path),
            "framework": framework,
            "spec": str(model.spec),
            "entry": entry,
        },
    )
