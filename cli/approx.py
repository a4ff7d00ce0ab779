"""``symnet approx``: approximate a function of x with one hidden layer of ReLU units."""

from __future__ import annotations

from pathlib import Path

import click

from symnet.cli.options import emit, format_option, seed_option


@click.command()
@click.argument("expression")
@click.option(
    "--units",
    "-n",
    type=int,
    default=16,
    show_default=True,
    help="Hidden ReLU units N (the network is 1-N:relu-1 with biases).",
)
@click.option(
    "--interval",
    default="-pi,pi",
    show_default=True,
    help="The interval A,B; each end may use pi and e (e.g. '0,2*pi').",
)
@click.option(
    "--method",
    type=click.Choice(["construct", "train"]),
    default="construct",
    show_default=True,
    help="construct: interpolate at N + 1 knots; train: gradient descent from random weights.",
)
@click.option(
    "--table",
    is_flag=True,
    help="Also print the construction's max error as the units double up to N.",
)
@click.option(
    "--plot",
    type=click.Path(path_type=Path),
    default=None,
    help="Draw the terms and their sum (construct) or both methods (train) to a .png or .svg.",
)
@seed_option
@format_option("text")
@click.pass_context
def approx(ctx, expression, units, interval, method, table, plot, seed, format):
    """Approximate EXPRESSION, a function of x, by a sum of N shifted ReLUs.

    EXPRESSION may use numbers, x, + - * / **, parentheses, sin cos tan exp log sqrt
    abs tanh sigmoid relu, pi and e; it is read by a whitelist parser, never evaluated.
    The max error is measured on a fine grid; for a smooth target it falls about 4x each
    time N doubles.

    \b
    Examples:
      symnet approx "sin(x)" --units 16 --interval=-pi,pi
      symnet approx "sin(x)" --units 16 --interval -3.14159,3.14159 --json
      symnet approx "x**2" --units 8 --interval 0,1 --method train --plot fit.png
    """
    from symnet.expressivity.studies import approximation_study

    study = approximation_study(expression, units, interval, method, table, plot, seed)
    emit(ctx, text=study.text, data=study.data)
