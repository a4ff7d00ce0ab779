"""The walkthroughs of the lecture notes that ``examples/`` and ``make demo`` run.

Each demo writes its pictures into a folder and returns text to print; together they walk
the notes from the backprop walkthrough to the kernels on a photo and the full report.
They use only the library's public functions, so each shows what a user can do.

>>> print(walkthrough_text().splitlines()[0])
Gradients of the mse loss of 3-2:sigmoid-2:sigmoid-1:sigmoid (seed names, no biases)
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from symnet.calculus.derivation import derive
from symnet.calculus.derivation_format import derivation_text
from symnet.calculus.descent import descent_step, descent_text
from symnet.conv.dot_product import dot_product
from symnet.conv.filters import filter_image
from symnet.conv.images import SAMPLE_ZOOM, load_image, side_by_side
from symnet.conv.kernels import KERNELS, NOTES_KERNELS
from symnet.expressivity.approximation import (
    construct_approximation,
    error_table,
    error_table_text,
    train_approximation,
)
from symnet.expressivity.depth import (
    depth_table,
    depth_table_text,
    network_piecewise,
    sawtooth_network,
)
from symnet.expressivity.plots import (
    plot_comparison,
    plot_construction,
    plot_depth,
    plot_error_table,
)
from symnet.numeric.points import random_point
from symnet.parse import parse_expression
from symnet.render.gradient import gradient_diagram
from symnet.render.network import network_diagram
from symnet.report.build import build_report
from symnet.training.loop import train
from symnet.training.plots import plot_history

__all__ = [
    "walkthrough_text",
    "demo_diagrams",
    "demo_approximation",
    "demo_depth",
    "demo_training",
    "demo_kernels",
    "demo_report",
]


def walkthrough_text() -> str:
    """The backprop walkthrough of the notes' network 3-2:sigmoid-2:sigmoid-1:sigmoid, as text.

    The gradient of w1 (first layer) and w7 (second layer) by paths, by cached deltas and
    by ``sympy.diff``, the multiplication counts, and one gradient-descent step.
    """
    derivation = derive("3-2:sigmoid-2:sigmoid-1:sigmoid", loss="mse", wrt=("w11", "w7", "w1"))
    step = descent_step(derivation.network, random_point(derivation.network, 0), alpha=0.5)
    return derivation_text(derivation) + "\n\n" + descent_text(step)


def demo_diagrams(folder: str | os.PathLike[str]) -> list[Path]:
    """Write the notes' diagrams as SVG into ``folder`` (created if needed); return the paths.

    ``seed-network.svg``: the 3-2-2-1 network; ``seed-gradient-w1.svg``: the gradient flow
    to w1 in the 3-2:sigmoid-2:sigmoid-1:sigmoid network.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    network = network_diagram("3-2-2-1", title="The notes' 3-2-2-1 network")
    gradient = gradient_diagram("3-2:sigmoid-2:sigmoid-1:sigmoid", wrt="w1")
    return [
        network.save(folder / "seed-network.svg"),
        gradient.save(folder / "seed-gradient-w1.svg"),
    ]


def demo_approximation(folder: str | Path) -> tuple[str, list[Path]]:
    """sin(x) on [-pi, pi] with 4, 8 and 16 units, the error table and a trained network.

    Returns printable text and the paths of the pictures written in ``folder``.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    target, interval = parse_expression("sin(x)"), "-pi,pi"
    paths, lines = [], ["Universal approximation: sin(x) on [-pi, pi] as a sum of shifted ReLUs"]
    for units in (4, 8, 16):
        result = construct_approximation(target, interval, units)
        paths.append(plot_construction(result, folder / f"approx_sin_{units}_units.png"))
        lines.append(f"  {units:>2} units: max error {result.max_error:.4g}")
        if units == 4:
            lines.append("  " + result.formula_text(3))
    rows = error_table(target, interval, (4, 8, 16, 32, 64, 128))
    paths.append(plot_error_table(rows, folder / "approx_error.png", title="sin(x) on [-pi, pi]"))
    lines += ["", error_table_text(rows), ""]
    constructed = construct_approximation(target, interval, 16)
    trained = train_approximation(target, interval, 16, seed=0)
    paths.append(plot_comparison(constructed, trained, folder / "approx_trained_16_units.png"))
    lines.append(
        f"16 units: constructed max error {constructed.max_error:.4g}; trained "
        f"({trained.training['epochs']} Adam epochs from random weights) {trained.max_error:.4g}"
    )
    lines.append("Pictures: " + ", ".join(str(p) for p in paths))
    return "\n".join(lines), paths


def demo_depth(folder: str | Path, depth: int = 6) -> tuple[str, list[Path]]:
    """The depth table up to ``depth`` and its pictures in ``folder``: (text, paths)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    table = depth_table(depth)
    shown = sorted({1, 2, 3, 4, depth} & set(range(1, depth + 1)))
    functions = [(k, network_piecewise(*sawtooth_network(k))) for k in shown]
    path = plot_depth(functions, table, folder / "depth_sawtooth.png")
    text = "The power of depth: the tent map composed k times\n" + depth_table_text(table)
    return f"{text}\nPicture: {path}", [path]


def demo_training(folder: str | Path, epochs: int = 300) -> tuple[str, Path]:
    """A short moons run (2-16:relu-16:relu-1:sigmoid) with its curves saved in ``folder``.

    Returns a one-paragraph summary and the path of the picture.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    result = train("2-16:relu-16:relu-1:sigmoid", "moons", epochs=epochs, seed=0)
    if result.stopped == "interrupted":  # train keeps what it learned; a demo stops with Ctrl-C
        raise KeyboardInterrupt
    picture = plot_history(result, folder / "training_moons.png")
    summary = (
        f"Trained 2-16:relu-16:relu-1:sigmoid on moons (n = 1,000, noise 0.1) for "
        f"{result.epochs} full-batch Adam epochs in {result.seconds:.2f} s: "
        f"train accuracy {result.train_accuracy:.1%}, test accuracy {result.test_accuracy:.1%}. "
        f"Curves: {picture}"
    )
    return summary, picture


def demo_kernels(folder: str | os.PathLike[str]) -> str:
    """Apply the notes' three kernels to the sample photo; save one side-by-side picture.

    Writes ``kernels-on-photo.png`` in ``folder`` (created if needed) and returns text:
    where the picture is, and one output pixel written as its dot product with the
    photo's actual numbers.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    photo = load_image(grayscale=True)
    kernels = [KERNELS[name] for name in NOTES_KERNELS]
    filtered = [filter_image(photo, kernel, padding="same") for kernel in kernels]
    # The pixel the outline kernel answers most strongly inside the enlarged crop: an edge.
    zoom = SAMPLE_ZOOM
    crop = filtered[0][zoom[0] : zoom[1], zoom[2] : zoom[3]]
    row, col = (int(n) for n in np.unravel_index(np.argmax(crop), crop.shape))
    row, col = row + zoom[0], col + zoom[2]
    panels = [("original", photo)] + [(k.name, f) for k, f in zip(kernels, filtered)]
    captions = ["grace_hopper.jpg (grayscale)"] + [k.text() for k in kernels]
    title = "Each new pixel is the dot product of the kernel with the image patch under it"
    path = folder / "kernels-on-photo.png"
    side_by_side(panels, path, captions=captions, title=title, zoom=zoom, mark=(row, col))
    product = dot_product(kernels[0], (row, col), photo.shape, padding="same")
    return "\n".join(
        [
            f"wrote {path}: the sample photo filtered with the notes' outline, blur and sharpen "
            "kernels (cross-correlation, zero padding 'same'; second row enlarged)",
            f"outline at output pixel ({row},{col}) (circled), the kernel dotted with the photo:",
            product.text(photo),
        ]
    )


def demo_report(folder: str | Path) -> tuple[Path, Path]:
    """The full report of the notes' network 3-2:sigmoid-2:sigmoid-1:sigmoid, every section,
    as ``seed-report.html`` and ``seed-report.md`` (with ``seed-report_files/``) in ``folder``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    report = build_report(
        "3-2:sigmoid-2:sigmoid-1:sigmoid",
        names="seed",
        sections="all",
        title="The lecture notes, derived: 3-2:sigmoid-2:sigmoid-1:sigmoid",
    )
    html_path = report.save(folder / "seed-report.html", overwrite=True)
    md_path = report.save(folder / "seed-report.md", overwrite=True)
    return html_path, md_path
