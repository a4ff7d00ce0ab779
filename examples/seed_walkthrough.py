"""The lecture notes, run end to end on their worked example (what `make demo` shows).

1. Perceptrons: linear and logistic regression as one-layer networks.
2. The 3-2-2-1 network without biases: layer by layer, the step-by-step substitution,
   the 12-term expansion, the effective weights = W3 W2 W1.
3. What ReLU changes: the collapse fails, with a numeric witness; the notes' trace
   5 -> (w = -1) -> ReLU(-5) = 0.
4. Universal approximation: sin(x) on [-pi, pi] as a sum of 4, 8 and 16 shifted ReLUs;
   depth: the sawtooth's 2^k pieces from 6k + 1 parameters.
5. Backpropagation on 3-2:sigmoid-2:sigmoid-1:sigmoid with squared error: the chain rule
   over paths, the cached deltas reused, sympy.diff, and one gradient-descent step.
6. Diagrams: the seed network and the gradient flow for w1 (SVG).
7. Gradient descent for real: a moons classifier trained, with its curve.
8. Convolution: the outline, blur and sharpen kernels on a photo; one pixel as a dot product.
9. The whole walkthrough as one derivation report (HTML that opens offline, and Markdown).

Files (diagrams, plots, pictures) go to $SYMNET_OUTPUT_DIR, default ./demo-output.
"""

from __future__ import annotations

import os
from pathlib import Path

from symnet import collapse, trace
from symnet.demos import (
    demo_approximation,
    demo_depth,
    demo_diagrams,
    demo_kernels,
    demo_report,
    demo_training,
    walkthrough_text,
)
from symnet.expressivity.perceptron import perceptron_formula

OUTPUT = Path(os.environ.get("SYMNET_OUTPUT_DIR", "demo-output"))


def section(title: str) -> None:
    print(f"\n{'=' * 78}\n{title}\n{'=' * 78}")


def show_files(paths) -> None:
    for path in paths:
        print(f"wrote {path}")


def main() -> None:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    section("1. Perceptrons: linear and logistic regression are one-layer networks")
    print(perceptron_formula(3))
    print(perceptron_formula(3, logistic=True))

    section("2. The 3-2-2-1 network: stacked linear layers collapse into one")
    print(collapse("3-2-2-1", names="seed"))

    section("3. Add a non-linearity: ReLU breaks the collapse")
    print(collapse("3-2:relu-1", names="seed"))
    print()
    print(trace("1-1:relu", inputs=[5], weights={"w1": -1}))

    section("4. Universal approximation, and why depth helps")
    text, paths = demo_approximation(OUTPUT)
    print(text)
    show_files(paths)
    text, paths = demo_depth(OUTPUT, depth=6)
    print(text)
    show_files(paths)

    section("5. Backpropagation: the chain rule with cached deltas (dynamic programming)")
    print(walkthrough_text())

    section("6. Diagrams")
    show_files(demo_diagrams(OUTPUT))

    section("7. Gradient descent on real data: moons, 2-16:relu-16:relu-1:sigmoid")
    text, path = demo_training(OUTPUT)
    print(text)
    show_files([path])

    section("8. Convolution: the notes' three kernels on a photo")
    print(demo_kernels(OUTPUT))

    section("9. The whole lecture as one document")
    html_path, markdown_path = demo_report(OUTPUT)
    print(f"wrote {html_path} (one file, opens offline) and {markdown_path}")

    print(f"\nFiles written to {OUTPUT.resolve()}")


if __name__ == "__main__":
    main()
