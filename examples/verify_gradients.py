"""Check every gradient of a few networks by independent routes, and see a wrong rule caught.

For each network, at random float64 weights, inputs and targets, every parameter's
batch-mean gradient is computed by sympy.diff of the substituted loss (or the backprop
expressions for larger networks), by the compiled NumPy backprop code, by central finite
differences and, when PyTorch is installed, by torch autograd. The first network's full
table is printed, then one summary line per network. Last, tanh's derivative rule is
replaced by a wrong one (1 - tanh instead of 1 - tanh^2) and the checker names the
parameters whose gradient it breaks.

Run: python examples/verify_gradients.py
"""

import sympy as sp

from symnet.graph.activations import ACTIVATIONS, Activation
from symnet.testing.gradients import check_gradients

CASES = [
    ("3-2:sigmoid-2:sigmoid-1:sigmoid", "mse", False),  # the notes' backprop example
    ("3-2-2-1", "mse", False),  # the notes' linear network
    ("2-3:relu-1:sigmoid", "bce", True),
    ("2-4:leaky_relu-3:softmax", "ce", True),
    ("4-8:tanh-8:relu-3:softmax", "ce", False),
]

for position, (spec, loss, bias) in enumerate(CASES):
    report = check_gradients(spec, loss, bias=bias, seed=0)
    if position == 0:
        print(report.to_text())
        print()
    verdict = "PASSED" if report.passed else "FAILED"
    print(
        f"{spec:<32} {loss:<4} bias={str(bias):<5} {len(report.rows):>3} parameters  "
        f"symbolic={report.symbolic_route:<10} max abs error {report.max_abs_error:.1e}  {verdict}"
    )

print()
print("With a wrong derivative rule for tanh, d/dz tanh(z) = 1 - tanh(z):")
correct = ACTIVATIONS["tanh"]
ACTIVATIONS["tanh"] = Activation("tanh", correct.function, lambda z: 1 - sp.tanh(z), r"\tanh")
try:
    report = check_gradients("2-2:tanh-1", "mse", seed=0, raise_on_failure=False)
finally:
    ACTIVATIONS["tanh"] = correct
print(report.failure_message())
for row in report.failures:
    print(
        f"  {row.name}: symbolic {row.symbolic:.6f}  compiled {row.compiled:.6f}  "
        f"finite difference {row.finite_difference:.6f}"
    )
