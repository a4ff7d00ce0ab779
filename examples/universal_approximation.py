"""Universal approximation: sin(x) on [-pi, pi] as a sum of shifted ReLUs, built and trained.

Shows the notes' "add up functions" picture as a real network 1-N:relu-1 whose weights are
set by interpolation at N + 1 knots: its formula, the max error for 4, 8 and 16 units, the
error table as N doubles (it falls about 4x per doubling), and the same width trained by
gradient descent from random weights, compared with the construction.

Writes into $SYMNET_OUTPUT_DIR (default ``demo-output/``):

* ``approx_sin_4_units.png`` (and 8, 16) - top: sin(x), the network and its knots;
  bottom: each unit's term c ReLU(x - k), the functions that are added up;
* ``approx_error.png`` - max error against N on log-log axes, with the N^-2 reference;
* ``approx_trained_16_units.png`` - constructed against trained, and their errors.

Run: python examples/universal_approximation.py
"""

from __future__ import annotations

import os
from pathlib import Path

from symnet.demos import demo_approximation

folder = Path(os.environ.get("SYMNET_OUTPUT_DIR", "demo-output"))
text, pictures = demo_approximation(folder)
print(text)
