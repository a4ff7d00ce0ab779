"""The formula one entry of a gradient array should equal, from symnet's derivation.

When a user's gradient is wrong, the report shows what the right entry is made of. On a
network small enough for the scalar graph (:data:`MAX_FORMULA_EDGES`), that is the
backprop derivation of the entry's own weight: the delta of the node it feeds times one
local partial, and the definitions of the cached deltas it uses, loss end last
(``dL/dW1[2,0] = dL/dw3 = X1·δ_z_C``, ``δ_z_C = δ_C·(1 − σ(z_C))·σ(z_C)``, ...).
On a larger network it is the layer-level rule of :mod:`symnet.codegen.rules`
(``dL/dW2[j,i] = mean over samples of δ2[j]·a1[i]``, ``δ2 = dL/dz2``). Either way the
batch gradient is the mean over the samples, as the batch loss is the mean loss.

>>> from symnet.graph.spec import parse_spec
>>> book = EntryFormulas(parse_spec("2-3:sigmoid-1:sigmoid"), "bce")
>>> entry = book.formula("W1", (2, 0))
>>> entry.scalar, entry.expression, entry.deltas[0]
('w3', 'X1*delta_z_C', 'delta_z_C = delta_C*(1 - sigmoid(z_C))*sigmoid(z_C)')
>>> layer_level = EntryFormulas(parse_spec("2-3:sigmoid-1:sigmoid"), "bce", scalar=False)
>>> layer_level.formula("W2", (0, 1)).text
'dL/dW2[0,1] = mean over samples of δ2[0]·a1[1];  δ2 = dL/dz2 = y − t (bce: from the logit)'
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sympy as sp

from symnet.calculus.backprop import cached_deltas, gradients
from symnet.codegen.layout import parameter_grids
from symnet.graph.build import as_network
from symnet.graph.network import Network
from symnet.graph.size import graph_edges
from symnet.graph.spec import ConvSpec, DenseSpec, NetworkSpec

__all__ = ["EntryFormula", "EntryFormulas", "MAX_FORMULA_EDGES", "pretty"]

# NOTE: the scalar graph and its backprop sweep take ~1 s for 1,000 edges on a busy
# two-core machine and grow faster than the edges (~25 s at 5,000).
#: The largest scalar graph (edges) whose derivation gives an entry's formula; larger
#: networks get the layer-level rule.
MAX_FORMULA_EDGES = 2_000

#: Delta definitions shown after an entry's formula (the nearest first).
SHOWN_DELTAS = 4
_SHOWN_CHARACTERS = 160


def pretty(text: str) -> str:
    """SymPy text as the report prints it: δ for ``delta_``, · for ``*``, ^ for ``**``.

    >>> pretty("X1*delta_z_A**2")
    'X1·δ_z_A^2'
    """
    text = text.replace("**", "^").replace("*", "·")
    return re.sub(r"\bdelta_", "δ_", text)


def _short(text: str) -> str:
    return text if len(text) <= _SHOWN_CHARACTERS else text[: _SHOWN_CHARACTERS - 1] + "…"


@dataclass(frozen=True)
class EntryFormula:
    """What one gradient entry should equal: its scalar parameter's name (None on the
    layer-level form), its gradient as SymPy text, the deltas it uses, and a line of text."""

    scalar: str | None
    expression: str
    deltas: tuple[str, ...]
    text: str


class EntryFormulas:
    """The formulas of every gradient entry of ``spec`` with ``loss`` (one derivation, kept).

    ``scalar=None`` uses the scalar graph when the network is small enough, True requires
    it, False always gives the layer-level form. The scalar graph and its backprop
    derivation are built when first asked for (a check that passes never needs them).
    """

    def __init__(self, spec: NetworkSpec, loss: str, scalar: bool | None = None):
        self.spec, self.loss = spec, loss
        small = graph_edges(spec, True, loss) <= MAX_FORMULA_EDGES
        self.uses_graph = bool(scalar or (scalar is None and small))
        self._network: Network | None = None

    @property
    def network(self) -> Network | None:
        """The scalar graph with its loss (seed names, biases), or None on the layer form."""
        if self._network is None and self.uses_graph:
            network = as_network(self.spec, names="seed", bias=True, loss=self.loss, need_loss=True)
            self._deltas = cached_deltas(network)
            self._gradients = gradients(network, self._deltas)
            self.grids = dict(parameter_grids(network))
            self._network = network
        return self._network

    def formula(self, array: str, index: tuple[int, ...]) -> EntryFormula:
        """The formula of entry ``index`` of symnet's gradient array ``array``."""
        where = f"dL/d{array}[{','.join(str(i) for i in index)}]"
        if self.network is None:
            return self._layer_level(array, index, where)
        name = str(self.grids[array][index])
        gradient = self._gradients[name]
        deltas = self._used_deltas(gradient)
        text = f"{where} = dL/d{name} = {pretty(sp.sstr(gradient))} (mean over samples)"
        if deltas:
            text += ";  " + ";  ".join(pretty(d) for d in deltas)
        return EntryFormula(name, sp.sstr(gradient), deltas, text)

    def _used_deltas(self, gradient: sp.Expr) -> tuple[str, ...]:
        """The definitions of the deltas ``gradient`` uses, breadth first, a few."""
        shown: list[str] = []
        seen: set[sp.Symbol] = set()
        queue = sorted((s for s in gradient.free_symbols if s.name.startswith("delta_")), key=str)
        while queue and len(shown) < SHOWN_DELTAS:
            symbol = queue.pop(0)
            if symbol in seen:
                continue
            seen.add(symbol)
            definition = self._deltas[symbol.name.removeprefix("delta_")]
            shown.append(_short(f"{symbol.name} = {sp.sstr(definition, order='none')}"))
            more = (s for s in definition.free_symbols if s.name.startswith("delta_"))
            queue.extend(sorted(more, key=str))
        return tuple(shown)

    def _layer_level(self, array: str, index: tuple[int, ...], where: str) -> EntryFormula:
        l = int(array[1:])
        below = "x" if l == 1 else f"a{l - 1}"
        if array.startswith("b"):
            body = f"mean over samples of δ{l}[{index[0]}]"
            if isinstance(self.spec.layers[l - 1], ConvSpec):
                body = f"mean over samples of Σ_(r,q) δ{l}[{index[0]},r,q]"
        elif array.startswith("K"):
            k, c, u, v = index
            s = getattr(self.spec.layers[l - 1], "stride", 1)
            body = (
                f"mean over samples of Σ_(r,q) δ{l}[{k},r,q]·{below}[{c},{s}r+{u},{s}q+{v}] "
                "(the input zero-padded as the layer pads it)"
            )
        else:
            body = f"mean over samples of δ{l}[{index[0]}]·{below}[{index[1]}]"
        text = f"{where} = {body};  δ{l} = dL/dz{l} = {self._delta_rule(l)}"
        return EntryFormula(None, body, (), text)

    def _delta_rule(self, l: int) -> str:
        """The layer-level rule of δ_l in words (:mod:`symnet.codegen.rules`)."""
        layer = self.spec.layers[l - 1]
        if l < len(self.spec.layers):
            above = self.spec.layers[l]
            if isinstance(above, DenseSpec):
                upstream = f"(W{l + 1}ᵀ δ{l + 1})"
            else:
                upstream = f"(what layer {l + 1} sends back)"
            return f"{upstream} ⊙ f′(z{l}), f = {layer.activation}"
        if self.loss == "ce" or self.loss == "bce":
            return f"y − t ({self.loss}: from the logit)"
        return f"dL/dy ⊙ f′(z{l}), f = {layer.activation}"
