"""``symnet depth``: the sawtooth, deep against shallow, with its pieces counted exactly."""

from __future__ import annotations

from pathlib import Path

import click

from symnet.cli.options import emit, format_option


@click.command()
@click.argument("k", type=int)
@click.option(
    "--plot",
    type=click.Path(path_type=Path),
    default=None,
    help="Draw sawtooth curves and the parameter counts to a .png or .svg.",
)
@click.option(
    "--check/--no-check",
    default=True,
    show_default=True,
    help="Build each shallow network and check it equals the deep one exactly.",
)
@format_option("text")
@click.pass_context
def depth(ctx, k, plot, check, format):
    """Compose the tent map K times: a ReLU network K layers deep, 2 units wide.

    Counts its linear pieces exactly (2^K, with rational breakpoints) and compares the
    parameters with the smallest one-hidden-layer network computing the same function
    (2^K units), for every depth from 1 to K.

    \b
    Examples:
      symnet depth 6
      symnet depth 10 --json
      symnet depth 5 --plot sawtooth.png
    """
    from symnet.expressivity.studies import depth_study

    study = depth_study(k, check, plot)
    emit(ctx, text=study.text, data=study.data)
