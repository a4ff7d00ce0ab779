"""``symnet render``: draw a network, an expression DAG or the gradient flow with Graphviz."""

from __future__ import annotations

import click

from symnet.cli.options import (
    bias_option,
    emit,
    format_option,
    names_option,
    output_option,
    seed_option,
)

VIEWS = ("network", "expression", "gradient")
LOSSES = ("mse", "bce", "ce")  # symnet.losses.LOSSES, repeated so --help imports nothing


def _only_for(view: str, allowed: dict[str, tuple[str, ...]], given: dict[str, bool]) -> None:
    """A usage error for an option that the chosen view does not use."""
    for option, used in given.items():
        views = allowed[option]
        if used and view not in views:
            raise click.UsageError(f"{option} applies to --view {' or '.join(views)}, not {view}.")


@click.command()
@click.argument("spec")
@click.option(
    "--view",
    type=click.Choice(VIEWS),
    default="network",
    show_default=True,
    help="network: units and weights; expression: an expression as a DAG; "
    "gradient: backprop deltas and partials.",
)
@click.option(
    "--wrt",
    metavar="NAME",
    default=None,
    help="gradient: highlight the chain-rule paths to this parameter; "
    "expression: draw the derivative by NAME.",
)
@click.option(
    "--node",
    metavar="NAME",
    default=None,
    help="expression: the node to draw (default: the loss with --loss, else the output).",
)
@names_option
@bias_option
@click.option(
    "--loss",
    type=click.Choice(LOSSES),
    default=None,
    help="Loss for the gradient view (default: ce for softmax outputs, else mse) "
    "or for drawing L in the expression view.",
)
@click.option("--values", is_flag=True, help="network: draw random numeric weights (see --seed).")
@seed_option
@click.option("--title", default=None, help="Title drawn above the diagram (drawn literally).")
@click.option(
    "--max-units",
    type=click.IntRange(min=1),
    default=40,
    show_default=True,
    help="Above this many units, draw one box per layer.",
)
@click.option(
    "--max-edges",
    type=click.IntRange(min=1),
    default=200,
    show_default=True,
    help="Above this many weights and biases, draw one box per layer.",
)
@click.option(
    "--depth",
    type=click.IntRange(min=0),
    default=None,
    help="expression: draw down to this depth; deeper parts become '…' boxes.",
)
@click.option(
    "--tree",
    is_flag=True,
    help="expression: repeat shared subexpressions (a tree) instead of a DAG.",
)
@click.option(
    "--max-nodes",
    type=click.IntRange(min=1),
    default=120,
    show_default=True,
    help="expression: without --depth, cut the drawing to about this many nodes.",
)
@output_option
@format_option("text")
@click.pass_context
def render(
    ctx,
    spec,
    view,
    wrt,
    node,
    names,
    bias,
    loss,
    values,
    seed,
    title,
    max_units,
    max_edges,
    depth,
    tree,
    max_nodes,
    output,
    format,
):
    """Draw SPEC with Graphviz into -o FILE (.svg, .png, .pdf or .dot).

    Without -o, print the DOT text. If Graphviz's dot is missing, the .dot file is still
    written beside FILE and the error names the install command.

    \b
    Examples:
      symnet render 3-2-2-1 --names seed -o net.svg
      symnet render 3-2:sigmoid-2:sigmoid-1:sigmoid --view gradient --wrt w1 -o grad.svg
      symnet render 3-2-2-1 --view expression --tree -o y.png
      symnet render 3-2:relu-1:sigmoid --values --seed 1 --bias -o weights.pdf
      symnet render 3-2-2-1 --json
    """
    _only_for(
        view,
        {
            "--wrt": ("gradient", "expression"),
            "--node": ("expression",),
            "--loss": ("gradient", "expression"),
            "--values": ("network",),
            "--depth": ("expression",),
            "--tree": ("expression",),
        },
        {
            "--wrt": wrt is not None,
            "--node": node is not None,
            "--loss": loss is not None,
            "--values": values,
            "--depth": depth is not None,
            "--tree": tree,
        },
    )
    from symnet.graphviz_io import output_format

    chosen = output_format(output) if output is not None else "dot"  # check before drawing
    from symnet.render import diagram

    if view == "network":
        drawing = diagram(
            spec,
            "network",
            names=names,
            bias=bias,
            title=title,
            seed=seed if values else None,
            max_units=max_units,
            max_edges=max_edges,
        )
    elif view == "expression":
        drawing = diagram(
            spec,
            "expression",
            node=node,
            names=names,
            bias=bias,
            loss=loss,
            wrt=wrt,
            share=not tree,
            max_depth=depth,
            max_nodes=max_nodes,
            title=title,
        )
    else:
        drawing = diagram(
            spec,
            "gradient",
            wrt=wrt,
            loss=loss,
            names=names,
            bias=bias,
            title=title,
            max_units=max_units,
            max_edges=max_edges,
        )
    if output is not None:
        drawing.save(output)
    data = {
        "view": view,
        "output": None if output is None else str(output),
        "format": chosen,
        "nodes": drawing.nodes,
        "edges": drawing.edges,
        "summarised": drawing.summarised,
    }
    if output is None:
        data["dot"] = drawing.source
        text = drawing.source.rstrip("\n")
    else:
        shape = ", one box per layer" if drawing.summarised else ""
        text = f"Wrote {output} ({drawing.nodes} nodes, {drawing.edges} edges{shape})."
    emit(ctx, text=text, data=data)
