"""Any scalar computation as a graph: micrograd's README example, built from Python.

A graph program is a list of assignments; symnet turns it into the same graph of SymPy
expressions as a layered network, so the chain rule over paths, backprop's cached deltas,
sympy.diff and the four-way gradient check all apply to it. This script

1. builds micrograd's first example with the Python builder (``symnet.Program``): every
   student checks by hand that g = 24.7041, dg/da = 138.8338 and dg/db = 645.5773;
2. derives those gradients three ways (paths, cached deltas, sympy.diff) and checks them by
   symbolic, compiled, finite-difference and (when installed) PyTorch routes;
3. runs every program in examples/programs/ (a single neuron with its own loss, a softmax
   attention score, a residual unit) the same way.

Run: python examples/graph_programs.py
"""

from pathlib import Path

import symnet

# 1. micrograd's README example, statement by statement. `let` returns the node's name: a
# second value of c is the node c_2, a third c_3, in text, LaTeX and diagrams alike.
g = symnet.Program()
g.leaf("a", -4.0)
g.leaf("b", 2.0)
g.let("c", "a + b")
g.let("d", "a*b + b**3")
g.let("c", "c + c + 1")
g.let("c", "c + 1 + c + (-a)")
g.let("d", "d + d*2 + relu(b + a)")
g.let("d", "d + 3*d + relu(b - a)")
g.let("e", "c - d")
g.let("f", "e**2")
g.let("g", "f/2.0")
g.let("g", "g + 10.0/f")
network = g.network()

# 2. Three derivations and their proof, then the numbers at the leaves' values.
derivation = symnet.derive(network)
assert derivation.proof is not None and derivation.proof.holds
value, gradients = derivation.value, derivation.numbers
assert value is not None and gradients is not None
print(f"g = {value:.4f}, dg/da = {gradients['a']:.4f}, dg/db = {gradients['b']:.4f}")
assert (round(value, 4), round(gradients["a"], 4), round(gradients["b"], 4)) == (
    24.7041,
    138.8338,
    645.5773,
)
record = derivation.parameters["a"]
print(f"dg/da: {len(record.paths or [])} chain-rule paths; backprop reads {record.reuses}")
report = symnet.check_gradients(network)
print(f"gradient check ({report.torch_status}): {'PASSED' if report.passed else 'FAILED'}")

# 3. The example programs: each derived, its proof shown, and its gradients checked.
folder = Path(__file__).resolve().parent / "programs"
for path in sorted(folder.glob("*.txt")):
    program = symnet.Program(path.read_text(encoding="utf-8"))
    spec = program.spec()
    if len(spec.values) < len(spec.leaves):  # declared leaves: give them values
        spec = program.spec(at={leaf: 0.5 + k / 10 for k, leaf in enumerate(spec.leaves)})
    derived = symnet.derive(spec)
    checked = symnet.check_gradients(spec)
    numbers = ", ".join(
        f"d{spec.output}/d{k} = {v:.4g}" for k, v in (derived.numbers or {}).items()
    )
    print(f"{path.name}: {spec.output} = {derived.value:.6g}; {numbers}")
    assert derived.proof is not None and derived.proof.holds and checked.passed
