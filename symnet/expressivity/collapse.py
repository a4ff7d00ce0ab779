"""The linearity collapse: why stacked linear layers are one linear function.

For a network whose layers are all linear, :func:`collapse` substitutes the layers into
the output one at a time (the notes' step-by-step expansion), expands the result into one
term per input-to-output path, collects the terms by input into *effective weights*, and
proves that those equal the entries of the product of the weight matrices
``W_L ... W_2 W_1`` (the difference expands to 0). With a non-linear activation the same
substitution stays non-linear, and :func:`collapse` finds a numeric witness instead.

>>> result = collapse("3-2-2-1")
>>> result.paths
12
>>> result.effective_weights["X1"]
w1*w11*w7 + w1*w12*w8 + w10*w12*w2 + w11*w2*w9
>>> result.identity_proven
True
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import overload

import sympy as sp

from symnet.expressivity.collapse_format import collapse_latex, collapse_text
from symnet.expressivity.linear_program import ProgramCollapse, collapse_program
from symnet.expressivity.witness import linearity_witness
from symnet.graph.build import as_network, source_spec
from symnet.graph.guards import check_collapse
from symnet.graph.network import Network
from symnet.graph.size import MAX_EXPANSION_TERMS
from symnet.graph.spec import NetworkSpec
from symnet.graph.statements import ProgramSpec

__all__ = ["Collapse", "Progress", "collapse", "path_terms", "substitution_steps"]

#: ``progress(stage, done, total)``: told how far the work has come, e.g. to show it.
Progress = Callable[[str, int, int], None]
#: Terms between two calls of ``progress`` while expanding and collecting.
_TICK = 10_000


def _silent(stage: str, done: int, total: int) -> None:
    """The progress of a caller who does not watch."""


@dataclass
class Collapse:
    """The collapse of one network (see :func:`collapse`); its printers are its methods.

    ``steps[k]`` maps each output to its expression after k substitutions; ``terms[o]``
    lists each expanded term of output ``o`` as its factors in path order (output end
    first, as the notes write ``w11 w7 w1 X1``); ``effective_weights[o][x]`` is the
    coefficient of input ``x``; ``effective_bias[o]`` the constant term.
    """

    network: Network
    steps: list[dict[str, sp.Expr]]
    linear: bool
    terms: dict[str, list[tuple[sp.Symbol, ...]]] = field(default_factory=dict)
    effective_weights: dict[str, sp.Expr] | dict[str, dict[str, sp.Expr]] = field(
        default_factory=dict
    )
    effective_bias: dict[str, sp.Expr] = field(default_factory=dict)
    matrix_product: sp.Matrix | None = None
    bias_product: sp.Matrix | None = None
    identity_proven: bool = False
    witness: dict | None = None

    @property
    def paths(self) -> int:
        """Number of source-to-output paths: one per expanded term."""
        return sum(len(terms) for terms in self.terms.values())

    def weights_of(self, output: str) -> dict[str, sp.Expr]:
        """Effective weights of one output (input name -> expression)."""
        if len(self.network.outputs) == 1:
            return self.effective_weights
        return self.effective_weights[output]

    def _repr_latex_(self) -> str:
        return "$$" + collapse_latex(self) + "$$"

    def __str__(self) -> str:
        return collapse_text(self)


def substitution_steps(network: Network, progress: Progress = _silent) -> list[dict[str, sp.Expr]]:
    """Each output's expression with one more layer substituted per step.

    Step 0 is the output layer's own definition (in the last hidden layer's names); step
    k replaces the names of layer ``L - k`` by their definitions; the last step is in the
    inputs only. Substitution keeps parentheses (no expansion), as the notes write it.
    """
    outputs = network.outputs
    current = {out: _unit_expression(network, out) for out in outputs}
    steps = [dict(current)]
    hidden = network.layers[:-1]
    for done, layer in enumerate(reversed(hidden)):
        progress("substituting layers", done, len(hidden))
        replacements = {sp.Symbol(u): _unit_expression(network, u) for u in layer.units}
        current = {out: expr.xreplace(replacements) for out, expr in current.items()}
        steps.append(dict(current))
    return steps


def _unit_expression(network: Network, unit: str) -> sp.Expr:
    """A unit's output written in the previous layer's names: f(sum), z folded in."""
    definition = network.definition(unit)
    if definition is not None and network.kind(unit) == "a":
        sums = {sp.Symbol(z): network.definition(z) for z in _layer_of(network, unit).sums}
        definition = definition.xreplace(sums)
    return definition


def _layer_of(network: Network, unit: str):
    return network.layers[network.graph.nodes[unit]["layer"] - 1]


def path_terms(network: Network, output: str) -> list[tuple[sp.Symbol, ...]]:
    """Every term of the expanded output of a linear network, one per path, in path order.

    A term's factors run from the output back to its source (an input, or a bias), e.g.
    ``(w11, w7, w1, X1)``. Units are visited in layer order and sources last, so the
    terms come out in the order the notes list them.
    """
    layer_index = network.graph.nodes[output]["layer"]
    unit = network.graph.nodes[output]["unit"]
    return list(_terms_into(network, layer_index, unit))


def _terms_into(network: Network, layer_index: int, unit: int):
    """Depth first with a stack of (layer, unit, factors so far): a loop, not a recursion,
    so that a deep chain of layers does not reach Python's recursion limit."""
    stack: list[tuple[int, int, tuple[sp.Symbol, ...]]] = [(layer_index, unit, ())]
    while stack:
        index, node, factors = stack.pop()
        if index < 0:  # a term that ends in a bias, complete
            yield factors
        elif index == 0:
            yield (*factors, sp.Symbol(network.inputs[node]))
        else:
            layer = network.layers[index - 1]
            if layer.biases:  # pushed first, so popped after every weight's terms
                stack.append((-1, node, (*factors, sp.Symbol(layer.biases[node]))))
            for source in reversed(range(len(layer.weights[node]))):
                weight = sp.Symbol(layer.weights[node][source])
                stack.append((index - 1, source, (*factors, weight)))


@overload
def collapse(
    spec: ProgramSpec,
    names: str = ...,
    bias: bool = ...,
    max_terms: int = ...,
    seed: int = ...,
    progress: Progress | None = ...,
) -> ProgramCollapse: ...


@overload
def collapse(
    spec: str | NetworkSpec | Network,
    names: str = ...,
    bias: bool = ...,
    max_terms: int = ...,
    seed: int = ...,
    progress: Progress | None = ...,
) -> Collapse: ...


def collapse(
    spec: str | NetworkSpec | ProgramSpec | Network,
    names: str = "seed",
    bias: bool = False,
    max_terms: int = MAX_EXPANSION_TERMS,
    seed: int = 0,
    progress: Progress | None = None,
) -> Collapse | ProgramCollapse:
    """Collapse a network: substitution steps, expansion, effective weights, matrix identity.

    Parameters
    ----------
    spec : str, NetworkSpec, ProgramSpec or Network
        e.g. ``"3-2-2-1"`` (a ``Network`` is used as it is). A graph program is collapsed
        by :func:`symnet.expressivity.linear_program.collapse_program` (a
        :class:`~symnet.expressivity.linear_program.ProgramCollapse`; a program that is
        not linear is refused in one line naming the statement that is not).
    names, bias
        Passed to :func:`symnet.graph.network.build_network`.
    max_terms : int
        Refuse (``SizeLimitError``) when the expansion would have more terms than this
        (or the substitution steps more leaves than a few per term); the estimates are
        made from the spec before anything is built
        (:func:`symnet.graph.guards.check_collapse`).
    seed : int
        Seed for the search of a non-linearity witness (non-linear networks only).
    progress : callable, optional
        ``progress(stage, done, total)``, called as the work goes on (a large
        ``max_terms`` can take minutes), e.g. to show a progress line.

    Notes
    -----
    For linear layers ``a^(l) = W_l a^(l-1) + b_l``, so
    ``y = W_L ... W_1 x + (W_L ... W_2 b_1 + ... + W_L b_{L-1} + b_L)``: the effective
    weights are the entries of the matrix product, and each expanded term is one path.
    """
    parsed, names, bias = source_spec(spec, names, bias)
    if isinstance(parsed, ProgramSpec):
        return collapse_program(spec if isinstance(spec, Network) else parsed, max_terms)
    terms = check_collapse(parsed, bias, max_terms)
    progress = progress or _silent
    progress("building the scalar graph", 0, 1)
    network = as_network(spec, names=names, bias=bias)
    steps = substitution_steps(network, progress)
    if not parsed.is_linear:
        return Collapse(network, steps, linear=False, witness=linearity_witness(network, seed))
    result = Collapse(network, steps, linear=True)
    for out in network.outputs:
        result.terms[out] = []
        for factors in path_terms(network, out):
            if len(result.terms[out]) % _TICK == 0:
                progress("expanding", result.paths, terms)
            result.terms[out].append(factors)
    _effective_weights(result, progress)
    _prove_matrix_identity(result, progress)
    return result


def _effective_weights(result: Collapse, progress: Progress) -> None:
    network = result.network
    per_output = {}
    done, total = 0, result.paths
    for out in network.outputs:
        # NOTE: summed once per input at the end; adding term by term is quadratic in SymPy.
        collected: dict[str, list] = {x: [] for x in network.inputs}
        constant = []
        for factors in result.terms[out]:
            if done % _TICK == 0:
                progress("collecting by input", done, total)
            done += 1
            source = str(factors[-1])
            if source in collected:
                collected[source].append(sp.Mul(*factors[:-1]))
            else:
                constant.append(sp.Mul(*factors))
        per_output[out] = {x: sp.Add(*products) for x, products in collected.items()}
        if network.bias:
            result.effective_bias[out] = sp.Add(*constant)
    single = len(network.outputs) == 1
    result.effective_weights = per_output[network.outputs[0]] if single else per_output


def _prove_matrix_identity(result: Collapse, progress: Progress = _silent) -> None:
    """Check W_L...W_1 (and the bias chain) against the collected terms and the last step."""
    network = result.network
    product = network.weight_matrix(1)
    offset = network.bias_vector(1)
    for layer in range(2, len(network.layers) + 1):
        weights = network.weight_matrix(layer)
        product = weights * product
        offset = weights * offset + network.bias_vector(layer)
    result.matrix_product = product
    result.bias_product = offset if network.bias else None
    inputs = sp.Matrix(network.input_symbols)
    proven = True
    for row, out in enumerate(network.outputs):
        progress("proving the matrix identity", row, len(network.outputs))
        weights = result.weights_of(out)
        for col, x in enumerate(network.inputs):
            proven &= sp.expand(weights[x] - product[row, col]) == 0
        if network.bias:
            proven &= sp.expand(result.effective_bias[out] - offset[row]) == 0
        # The expanded terms, summed, are also the fully substituted output.
        substituted = result.steps[-1][out]
        proven &= sp.expand(substituted - sp.Add(*(sp.Mul(*f) for f in result.terms[out]))) == 0
        proven &= sp.expand(substituted - (product * inputs + offset)[row]) == 0
    result.identity_proven = bool(proven)
