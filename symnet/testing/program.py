"""The routes of a graph program's gradient check that a layered network's do not need.

:func:`symnet.testing.gradients.check_gradients` checks a program at its leaves' values
(those it gives, ``at=``, and random ones from ``seed`` for the rest), a batch of one, by
the same routes as a network:

1. **symbolic**: ``sympy.diff`` of the output with every statement substituted (SymPy's
   own rules, through :func:`symnet.graph.activations.elementary`), or the cached backprop
   deltas when that is too large;
2. **compiled**: the generated backprop code of :mod:`symnet.codegen.scalar`;
3. **finite differences**: central differences of the compiled forward pass;
4. **torch**: the program's statements evaluated one by one with torch's own functions
   (:func:`symnet.codegen.frameworks.framework_function`) and differentiated by torch
   autograd, when PyTorch is installed: nothing of symnet's derivatives is used.

Here are the two pieces of their own: the program renamed for the generated code
(:func:`compilable`), and the torch route (:func:`program_torch_gradients`).

>>> from symnet.parse.program import parse_program
>>> spec, renamed = compilable(parse_program("e = 2; sum = e * e"))
>>> spec.output, renamed
('sum_', {'e_': 'e', 'sum_': 'sum'})
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import sympy as sp

from symnet.codegen.frameworks import framework_function
from symnet.codegen.scalar import validate_identifier
from symnet.exceptions import SpecError
from symnet.graph.statements import ProgramSpec

__all__ = ["program_torch_gradients", "compilable"]


def compilable(spec: ProgramSpec) -> tuple[ProgramSpec, dict[str, str]]:
    """``spec`` with every name the generated code cannot use renamed (``e`` -> ``e_``),
    and the map new name -> old name (empty, and ``spec`` itself, when none needs it).

    A program may name a value ``e`` or ``sum``, which the generated NumPy code reads as a
    constant or a function; the renamed program computes the same numbers.
    """
    names = {statement.name for statement in spec.statements}
    renamed: dict[str, str] = {}
    for name in sorted(names):
        try:
            validate_identifier(name)
        except SpecError:
            new = name + "_"
            while new in names or new in renamed.values():
                new += "_"
            renamed[name] = new
    if not renamed:
        return spec, {}
    symbols = {sp.Symbol(old): sp.Symbol(new) for old, new in renamed.items()}
    statements = tuple(
        dataclasses.replace(
            s,
            name=renamed.get(s.name, s.name),
            expression=None if s.is_leaf else s.expression.xreplace(symbols),
        )
        for s in spec.statements
    )
    output = renamed.get(spec.output, spec.output)
    return ProgramSpec(statements, output), {new: old for old, new in renamed.items()}


def program_torch_gradients(spec: ProgramSpec, values: Mapping[str, float]) -> dict[str, float]:
    """Each leaf's gradient by torch autograd of the program's statements run in torch.

    Notes
    -----
    Every statement's expression (what the whitelist parser read) is compiled on its own
    with torch's functions (``torch.relu``, ``torch.nn.functional.gelu``, ``torch.maximum``
    ...) and evaluated in program order on float64 tensors; ``backward()`` of the output
    gives the gradients. NOTE: at a kink torch takes its own one-sided derivatives (ReLU'(0)
    = 0 as symnet; at a tie ``torch.maximum`` splits the gradient, 1/2 each, as
    SymPy's ``Heaviside(0)``).
    """
    import torch  # optional, and slow to import: only when a gradient is asked for

    tensors = {
        leaf: torch.tensor(float(values[leaf]), dtype=torch.float64, requires_grad=True)
        for leaf in spec.leaves
    }
    computed = dict(tensors)
    for statement in spec.statements:
        if statement.is_leaf:
            continue
        function = framework_function(statement.expression, statement.uses, "torch")
        value = function(*(computed[name] for name in statement.uses))
        computed[statement.name] = torch.as_tensor(value, dtype=torch.float64)
    output = computed[spec.output]
    if output.requires_grad:
        output.backward()
    return {
        leaf: 0.0 if tensor.grad is None else float(tensor.grad) for leaf, tensor in tensors.items()
    }
