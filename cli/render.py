"""``symnet render``: draw a network, an expression DAG, the gradient flow or a conv layer."""

from __future__ import annotations

import re

import click

from symnet.cli.options import (
    bias_option,
    emit,
    format_option,
    formula_option,
    loss_formula,
    names_option,
    output_option,
    seed_option,
    writes_to_stdout,
)
from symnet.cli.sources import program_options, read_model, read_source

VIEWS = ("network", "expression", "gradient", "conv")  # symnet.render.views.VIEWS
PADDINGS = ("valid", "same", "full")  # symnet.graph.shapes.PADDINGS


#: Flag -> the views that use it (the others refuse it).
VIEW_FLAGS = {
    "--wrt": ("gradient", "expression"),
    "--node": ("expression",),
    "--loss": ("gradient", "expression"),
    "--values": ("network",),
    "--depth": ("expression",),
    "--tree": ("expression",),
    "--kernel": ("conv",),
    "--image-shape": ("conv",),
    "--position": ("conv",),
    "--padding": ("conv",),
    "--stride": ("conv",),
    "--mode": ("conv",),
}
#: Flag -> the command's parameter holding it.
FLAG_NAMES = {flag: flag[2:].replace("-", "_") for flag in VIEW_FLAGS} | {"--kernel": "kernels"}


def _only_for(view: str, allowed: dict[str, tuple[str, ...]], given: dict[str, bool]) -> None:
    """A usage error for an option that the chosen view does not use."""
    for option, used in given.items():
        views = allowed[option]
        if used and view not in views:
            raise click.UsageError(f"{option} applies to --view {' or '.join(views)}, not {view}.")


def _pair(text: str | None, pattern: str, example: str, option: str) -> tuple[int, int] | None:
    """Two whole numbers from ``text`` such as '6x6' or '1,2' (None when not given)."""
    if text is None:
        return None
    match = re.fullmatch(rf"\s*(\d{{1,6}})\s*{pattern}\s*(\d{{1,6}})\s*", text)
    if not match:
        raise click.BadParameter(f"{text!r} is not of the form {example}", param_hint=option)
    return int(match.group(1)), int(match.group(2))


@click.command()
@click.argument("spec", required=False)
@formula_option
@click.option(
    "--view",
    type=click.Choice(VIEWS),
    default="network",
    show_default=True,
    help="network: units and weights; expression: an expression as a DAG; "
    "gradient: backprop deltas and partials; conv: a convolutional layer (SPEC optional).",
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
    default=None,
    metavar="NAME|NAME=EXPR",
    callback=loss_formula,
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
@click.option(
    "--kernel",
    "kernels",
    multiple=True,
    metavar="NAME|FILE|LITERAL",
    help="conv: a kernel (repeatable) [default: outline, blur, sharpen].",
)
@click.option("--image-shape", metavar="HxW", default=None, help="conv: image size [default: 6x6].")
@click.option(
    "--position", metavar="R,C", default=None, help="conv: the output pixel shown [default: 0,0]."
)
@click.option(
    "--padding", type=click.Choice(PADDINGS), default=None, help="conv: [default: valid]."
)
@click.option("--stride", type=click.IntRange(1, 1000), default=None, help="conv: [default: 1].")
@click.option(
    "--mode",
    type=click.Choice(["correlate", "convolve"]),
    default=None,
    help="conv: correlate (what CNNs do) or convolve (flip the kernels) [default: correlate].",
)
@output_option
@click.option(
    "--to",
    "to",
    type=click.Choice(["dot", "svg", "png", "pdf"]),
    default=None,
    help="The diagram format [default: from the -o suffix; dot for -o -].",
)
@program_options
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
    kernels,
    image_shape,
    position,
    padding,
    stride,
    mode,
    output,
    to,
    at,
    result,
    format,
):
    """Draw SPEC with Graphviz into -o FILE (.svg, .png, .pdf or .dot).

    Without -o, print the DOT text; -o - prints DOT or, with --to svg, SVG. An existing
    FILE is redrawn. If Graphviz's dot is missing, the .dot file is still written beside
    FILE and the error names the install command.

    --view conv draws the notes' convolutional layer: the image, K kernels and K feature
    maps, with one output pixel's window and dot product. Without SPEC it draws --kernel
    (default: the notes' outline, blur and sharpen); with a conv SPEC, its first conv
    layer (3x3 layers of up to 3 kernels use the notes' kernels, others random numbers
    from --seed).

    SPEC may be a trained model file (MODEL.npz from symnet train -o): --view network
    draws its trained weights on the edges, as --values draws random ones.

    SPEC may be a graph program (a file, or text with '='): --view network draws its
    computation graph (with values when its leaves have them, or --at), gradient its
    backprop (--wrt a leaf), expression its output.

    \b
    Examples:
      symnet render 3-2-2-1 --names seed -o net.svg
      symnet render 3-2:sigmoid-2:sigmoid-1:sigmoid --view gradient --wrt w1 -o grad.svg
      symnet render 3-2-2-1 --view expression --tree -o y.png
      symnet render 3-2:relu-1:sigmoid --values --seed 1 --bias -o weights.pdf
      symnet render 3-2-2-1 --json
      symnet render 3-2-2-1 --to svg -o -
      symnet render --view conv --kernel sharpen --image-shape 5x5 --position 1,2
      symnet render "x = 2; w = -1; y = relu(w*x) + x" --view gradient --wrt w -o grad.svg
    """
    given = ctx.params
    _only_for(view, VIEW_FLAGS, {flag: _given(given[name]) for flag, name in FLAG_NAMES.items()})
    from symnet.render.graphviz_io import check_diagram_output

    to_stdout = writes_to_stdout(output, format)
    if output is None and to not in (None, "dot"):
        raise click.UsageError(f"--to {to} needs -o FILE (or -o - for svg).")
    chosen = check_diagram_output(output, to) if output is not None else "dot"  # before drawing
    model = None if spec is None else read_model(spec)
    if model is not None:  # a trained model: its spec, with biases, drawn at its weights
        spec, given["bias"], bias = str(model.spec), True, True
    spec = None if spec is None else read_source(spec, at, result)
    parsed = _checked_spec(view, spec)
    if parsed is not None:  # refuse a drawing too large before importing SymPy
        from symnet.graph.guards import check_diagram

        most = None if depth is not None else max_nodes  # --depth alone cuts by depth
        sizes = dict(max_units=max_units, max_edges=max_edges, max_nodes=most)
        check_diagram(parsed, view, bias=bias, **sizes)
    from symnet.render.views import diagram

    options = _options(given) if model is None else _model_options(model, given)
    with _scope(model):
        drawing = diagram(parsed if view == "conv" else spec, view, title=title, **options)
    if output is not None:
        drawing.save(output, chosen)
    if to_stdout:
        return
    data = {
        "view": view,
        "output_file": None if output is None else str(output),
        "format": chosen,
        "nodes": drawing.nodes,
        "edges": drawing.edges,
        "summarised": drawing.summarised,
        **{key: list(v) if isinstance(v, tuple) else v for key, v in drawing.settings.items()},
    }
    if output is None:
        data["dot"] = drawing.source
        text = drawing.source.rstrip("\n")
    else:
        shape = ", one box per layer" if drawing.summarised else ""
        text = f"Wrote {output} ({drawing.nodes} nodes, {drawing.edges} edges{shape})."
    emit(ctx, text=text, data=data)


def _model_options(model, given: dict) -> dict:
    """The view's options for a trained model: --view network draws its weights on the
    edges (as --values does random ones), unless the model is drawn one box per layer."""
    from symnet.render.network import draws_every_unit

    options = _options(given)
    if given["values"]:
        raise click.UsageError("a model file is drawn at its own weights: give no --values.")
    sizes = (given["max_units"], given["max_edges"])
    if given["view"] == "network" and draws_every_unit(model.spec, True, *sizes):
        from symnet.training.trained import trained_weights

        with _scope(model):
            options["values"] = trained_weights(model, given["names"])
    return options


def _scope(model):
    """The formula scope of a model's formula activations and losses (none without one)."""
    from contextlib import nullcontext

    from symnet.parse.formula_text import formulas

    return nullcontext() if model is None else formulas(**model.formulas)


def _given(value) -> bool:
    return bool(value) if isinstance(value, bool | tuple) else value is not None


def _checked_spec(view: str, spec):
    """SPEC parsed, when the view takes it (conv: optional and image; others: required); a
    graph program as it is (every view but conv draws one)."""
    from symnet.graph.spec import parse_spec

    if spec is not None and not isinstance(spec, str):  # a graph program
        if view == "conv":
            raise click.UsageError(f"--view conv draws a conv SPEC's layer, not {spec}.")
        return spec
    parsed = None if spec is None else parse_spec(spec)
    if parsed is None and view != "conv":
        raise click.UsageError(f"--view {view} needs a SPEC such as 3-2-2-1.")
    if parsed is not None and view != "expression" and parsed.is_dense == (view == "conv"):
        wanted = (
            "a conv SPEC such as 1x6x6-conv2@3x3-2 (or none)"
            if view == "conv"
            else ("a dense SPEC such as 3-2-2-1; draw a conv SPEC with --view conv")
        )
        raise click.UsageError(f"--view {view} takes {wanted}; got {parsed.abbreviated}.")
    return parsed


def _options(p: dict) -> dict:
    """The keyword arguments of the chosen view's function, from the command's flags."""
    view = p["view"]
    if view == "conv":
        return dict(
            kernels=tuple(p["kernels"]),
            image_shape=_pair(p["image_shape"], "[xX]", "HxW such as 6x6", "--image-shape"),
            position=_pair(p["position"], ",", "ROW,COL such as 1,2", "--position") or (0, 0),
            padding=p["padding"],
            stride=p["stride"],
            mode=p["mode"],
            seed=p["seed"],
        )
    common = dict(names=p["names"], bias=p["bias"])
    sizes = dict(max_units=p["max_units"], max_edges=p["max_edges"])
    if view == "network":
        return dict(common, seed=p["seed"] if p["values"] else None, **sizes)
    if view == "expression":
        return dict(
            common,
            node=p["node"],
            loss=p["loss"],
            wrt=p["wrt"],
            share=not p["tree"],
            max_depth=p["depth"],
            max_nodes=p["max_nodes"],
        )
    return dict(common, wrt=p["wrt"], loss=p["loss"], **sizes)
