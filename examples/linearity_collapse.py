"""The linearity collapse of the notes' 3-2-2-1 network, and what ReLU changes.

Shows, as the lecture notes do: y = w11 C + w12 D substituted layer by layer, the
12-term expansion (one term per input-to-output path), the effective weights proven
equal to the entries of W3 W2 W1; then a ReLU network whose collapse fails, with a
numeric witness, and the notes' trace 5 -> (w = -1) -> ReLU(-5) = 0.

Run: python examples/linearity_collapse.py
"""

from symnet import collapse, trace

linear = collapse("3-2-2-1", names="seed")
print(linear)
print()
print(collapse("3-2:relu-1", names="seed"))
print()
print(trace("1-1:relu", inputs=[5], weights={"w1": -1}))
