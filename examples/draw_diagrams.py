"""Draw the notes' diagrams with Graphviz: the network, an expression DAG, the gradient flow.

Writes into $SYMNET_OUTPUT_DIR (default ``demo-output/``):

* ``seed-network.svg`` - the 3-2-2-1 network of the notes: X1..X3 -> A, B -> C, D -> y,
  one edge per weight w1..w12;
* ``seed-network-values.svg`` - a sigmoid version with random weights: blue edges are
  positive, red negative, and wider edges are larger;
* ``seed-output-dag.svg`` and ``seed-output-tree.svg`` - the output y as an expression:
  the DAG draws A's weighted sum once although both C and D use it, the tree twice;
* ``seed-gradient-w1.svg`` - backpropagation in the 3-2:sigmoid-2:sigmoid-1:sigmoid
  network: each node's cached delta, each edge's local partial, and in red the two
  chain-rule paths from w1 to the loss (through sigma(A), then sigma(C) or sigma(D)).

Without Graphviz installed, the DOT text of each diagram is written instead (``.dot``).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from symnet.demos import demo_diagrams
from symnet.render.expression import expression_diagram
from symnet.render.network import network_diagram

folder = Path(os.environ.get("SYMNET_OUTPUT_DIR", "demo-output"))
folder.mkdir(parents=True, exist_ok=True)
suffix = ".svg" if shutil.which("dot") else ".dot"

drawings = {
    "seed-network-values": network_diagram(
        "3-2:sigmoid-2:sigmoid-1:sigmoid", seed=0, title="Random weights (seed 0)"
    ),
    "seed-output-dag": expression_diagram("3-2-2-1"),
    "seed-output-tree": expression_diagram("3-2-2-1", share=False),
}
written = demo_diagrams(folder) if suffix == ".svg" else []
for name, drawing in drawings.items():
    written.append(drawing.save(folder / f"{name}{suffix}"))
if suffix == ".dot":
    written.append(network_diagram("3-2-2-1").save(folder / "seed-network.dot"))

dag, tree = drawings["seed-output-dag"], drawings["seed-output-tree"]
print(f"y as a tree: {tree.nodes} nodes; as a DAG: {dag.nodes} nodes (shared parts drawn once)")
for path in written:
    print(f"wrote {path}")
if suffix == ".dot":
    print(
        "Graphviz's dot is not installed: wrote DOT text; install it with apt-get install graphviz"
    )
