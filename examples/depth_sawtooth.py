"""The power of depth: the tent map composed k times, deep against shallow, counted exactly.

A ReLU network k layers deep and 2 units wide computes the k-fold tent map, a sawtooth
with 2^k linear pieces, using 6k + 1 parameters. The pieces are counted exactly (rational
breakpoints); the smallest one-hidden-layer network for the same function needs 2^k
units (3 * 2^k + 1 parameters), and that network is built and checked equal to the deep
one. Also shows, for one small case, the exact breakpoints and the SymPy formula.

Writes ``depth_sawtooth.png`` (sawtooth curves and parameter counts) into
$SYMNET_OUTPUT_DIR (default ``demo-output/``).

Run: python examples/depth_sawtooth.py
"""

from __future__ import annotations

import os
from pathlib import Path

from symnet.demos import demo_depth
from symnet.expressivity.depth import network_piecewise, sawtooth_network

folder = Path(os.environ.get("SYMNET_OUTPUT_DIR", "demo-output"))
text, pictures = demo_depth(folder, depth=6)
print(text)

network, values = sawtooth_network(2)
function = network_piecewise(network, values)
print()
print(f"k = 2: the network {network.spec} has breakpoints", [str(x) for x in function.xs])
print("       with values", [str(y) for y in function.ys])
