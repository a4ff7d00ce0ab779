"""``symnet import``: read an ONNX file into a symnet model file."""

from __future__ import annotations

from pathlib import Path

import click

from symnet.cli.options import emit, format_option


@click.command("import")
@click.argument("onnx_file", metavar="FILE.onnx", type=click.Path(dir_okay=False))
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    required=True,
    help="The model file to write (MODEL.npz).",
)
@click.option(
    "--loss",
    default=None,
    metavar="NAME",
    help="The model's loss: mse, bce (1:sigmoid output) or ce (softmax output). "
    "[default: as symnet train picks for the output layer]",
)
@click.option("--force", is_flag=True, help="Replace an existing file.")
@format_option("text")
@click.pass_context
def import_model(ctx, onnx_file, output, loss, force, format):
    """Read FILE.onnx (a chain of layers) into the model file MODEL.npz.

    Reads Gemm, MatMul+Add, Conv, MaxPool, AveragePool, Flatten/Reshape and the activations
    symnet knows, as torch.onnx.export writes them for an nn.Sequential; any other op is
    refused, naming its node. The model file is an ordinary one: trace, predict, export or
    train it further. Needs the onnx package (pip install 'symnet[onnx]').

    \b
    Examples:
      symnet import net.onnx -o net.npz
      symnet predict net.npz --data digits
      symnet export net.npz --to jax -o net_jax.py
    """
    from symnet.interop.onnx_import import read_onnx
    from symnet.training.modelfile import refuse_to_replace, save_model

    refuse_to_replace(output, force)  # before the file is read
    imported = read_onnx(onnx_file, loss)
    model = imported.model
    path = save_model(model, output, overwrite=force)
    names = ", ".join(f"{mine} = {theirs}" for mine, theirs in imported.parameters.items())
    emit(
        ctx,
        text=f"Wrote {path}: {model.spec} (loss {model.loss}, {model.dtype}) from {onnx_file}\n"
        f"  {names}",
        data={
            "onnx_file": str(onnx_file),
            "output_file": str(path),
            "spec": str(model.spec),
            "loss": model.loss,
            "dtype": model.dtype,
            "source_names": imported.parameters,
        },
    )
