"""New activations and your own formulas: GELU and a formula activation, derived, checked, trained.

Shows, in order:

1. GELU's row of the activation table: its SymPy definition z Phi(z), the derivative rule
   Phi(z) + z phi(z), and that rule equal to ``sympy.diff`` of the erf form;
2. a formula activation ``swish2 = z*sigmoid(z)`` and a formula loss ``quartic = (y-t)**4``
   named in a ``with symnet.formulas(...)`` block: the graph writes the formula into each
   unit, the derivative is ``sympy.diff`` of it, and ``check_gradients`` proves symbolic =
   compiled = finite differences (= PyTorch autograd when it is installed);
3. a 2-16:gelu-16:gelu-1:sigmoid classifier and the same with swish2, trained on moons,
   and the trained swish2 model's file keeping its formula.

Run: python examples/formula_activations.py
"""

import os
import tempfile
from pathlib import Path

import sympy as sp

import symnet
from symnet.graph.activations import elementary, get_activation

z = sp.Symbol("z", real=True)
gelu = get_activation("gelu")
print("GELU(z)  =", elementary(gelu.apply(z)))
print("GELU'(z) =", gelu.derivative(z), "   (the table's rule)")
difference = sp.simplify(elementary(gelu.derivative(z)) - sp.diff(elementary(gelu.apply(z)), z))
print("rule - sympy.diff of the erf form =", difference)
print()

with symnet.formulas(activations={"swish2": "z*sigmoid(z)"}, losses={"quartic": "(y-t)**4"}):
    net = symnet.build_network("2-2:swish2-1", names="indexed")
    print("a1_1 =", net.definition("a1_1"))
    print("da1_1/dz1_1 =", net.graph.edges["z1_1", "a1_1"]["partial"])
    report = symnet.check_gradients("2-3:swish2-1", "quartic", bias=True, seed=0)
    print(
        f"gradient check with the quartic loss: {'PASSED' if report.passed else 'FAILED'},"
        f" max abs error {report.max_abs_error:.1e}, torch: {report.torch_status}"
    )
    print()
    folder = Path(os.environ.get("SYMNET_OUTPUT_DIR") or tempfile.mkdtemp())
    for spec in ("2-16:gelu-16:gelu-1:sigmoid", "2-16:swish2-16:swish2-1:sigmoid"):
        path = folder / f"{spec.split(':')[1].split('-')[0]}_moons.npz"
        result = symnet.train(spec, "moons", seed=0, output=path, overwrite=True)
        print(f"{spec:<34} test accuracy {result.test_accuracy:.2%}")

model = symnet.load_model(folder / "swish2_moons.npz")  # outside the block: the file knows
print("the swish2 model file keeps its formula:", model.formulas)
