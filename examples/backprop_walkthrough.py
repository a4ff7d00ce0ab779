"""Backpropagation as dynamic programming on the notes' network 3-2:sigmoid-2:sigmoid-1:sigmoid.

Shows, for the squared-error loss L = 1/2 (y - t)^2:

* the gradient of w11 (into the output), w7 (one layer back) and w1 (first layer) by
  the chain rule over paths, each factor in Leibniz form (dL/dy * dy/dz_y * ...);
* the backprop sweep: each delta computed once, and which cached deltas every later
  gradient reuses ("delta_z_C, delta_z_D already computed");
* how many multiplications each route needs, with and without the cache;
* the proof that paths, backprop and sympy.diff give the same gradient;
* one gradient-descent step W <- W - alpha dL/dW with the loss before and after.

It also writes the derivation as Markdown with LaTeX to backprop_walkthrough.md in
$SYMNET_OUTPUT_DIR (default: demo-output/).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from symnet.calculus.derivation import derive
from symnet.calculus.derivation_format import derivation_markdown
from symnet.demos import walkthrough_text


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to a temporary file beside ``path``, then move it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, encoding="utf-8") as f:
        f.write(text)
    os.replace(f.name, path)


def main() -> None:
    print(walkthrough_text())
    derivation = derive("3-2:sigmoid-2:sigmoid-1:sigmoid", loss="mse", wrt=("w11", "w7", "w1"))
    output = Path(os.environ.get("SYMNET_OUTPUT_DIR", "demo-output")) / "backprop_walkthrough.md"
    write_atomically(output, derivation_markdown(derivation) + "\n")
    print(f"\nWrote {output}")


if __name__ == "__main__":
    main()
