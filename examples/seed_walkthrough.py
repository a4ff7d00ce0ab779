"""The lecture notes, run end to end on their worked example (what `make demo` shows).

1. Perceptrons: linear and logistic regression as one-layer networks.
2. The 3-2-2-1 network without biases: layer by layer, the step-by-step substitution,
   the 12-term expansion, the effective weights = W3 W2 W1.
3. What ReLU changes: the collapse fails, with a numeric witness; the notes' trace
   5 -> (w = -1) -> ReLU(-5) = 0.
4. Backpropagation on 3-2:sigmoid-2:sigmoid-1:sigmoid with squared error: the chain rule
   over paths, the cached deltas reused, sympy.diff, and one gradient-descent step.
5. Diagrams: the seed network and the gradient flow for w1 (SVG).

Files (diagrams, plots, reports) go to $SYMNET_OUTPUT_DIR, default ./demo-output.
"""

from __future__ import annotations

import os
from pathlib import Path

from symnet import collapse, trace
from symnet.derivation import walkthrough_text
from symnet.perceptron import perceptron_formula
from symnet.render import demo_diagrams

OUTPUT = Path(os.environ.get("SYMNET_OUTPUT_DIR", "demo-output"))


def section(title: str) -> None:
    print(f"\n{'=' * 78}\n{title}\n{'=' * 78}")


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

    section("4. Backpropagation: the chain rule with cached deltas (dynamic programming)")
    print(walkthrough_text())

    section("5. Diagrams")
    for path in demo_diagrams(OUTPUT):
        print(f"wrote {path}")

    print(f"\nFiles written to {OUTPUT.resolve()}")


if __name__ == "__main__":
    main()
