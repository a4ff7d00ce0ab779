"""Naming schemes: what each quantity of a network is called, in text and in LaTeX.

Two schemes:

``seed``
    The lecture notes' names. Inputs X1, X2, ...; hidden units A, B, C, ... in layer
    order; the output y (y1, y2, ... when there are several); weights w1, w2, ...
    numbered by source node, then destination node; biases b1, b2, ... in unit order;
    a unit's pre-activation (when it has an activation) is z_A, z_y, ...
``indexed``
    Textbook indices: x_i, z^(l)_j, a^(l)_j, w^(l)_{j,i}, b^(l)_j (layers from 1, units
    from 1). Text names are identifiers: ``x1``, ``z1_2``, ``a1_2``, ``w1_2_3``, ``b1_2``.

Text names are valid Python identifiers that SymPy parses back to the same symbol, so
they can reach generated code and JSON output unchanged.

>>> names = Naming.create("seed", (3, 2, 2, 1))
>>> names.weight(1, 0, 0), names.weight(1, 0, 1), names.weight(1, 1, 0)
('w1', 'w3', 'w2')
>>> names.unit(2, 1), names.unit(3, 0), names.pre_activation(3, 0)
('D', 'y', 'z_y')
>>> indexed = Naming.create("indexed", (3, 2, 1))
>>> indexed.weight(1, 1, 2), indexed.latex(indexed.weight(1, 1, 2))
('w1_2_3', 'w^{(1)}_{2,3}')
"""

from __future__ import annotations

import itertools
import string
from dataclasses import dataclass, field

from symnet.exceptions import SpecError

__all__ = ["Naming", "NAMING_SCHEMES"]

NAMING_SCHEMES = ("seed", "indexed")

# NOTE: the seed scheme skips E, I, N, O, Q and S: SymPy's parser reads them as Euler's
# number, the imaginary unit and built-in functions, so terms such as "E*w13" would not
# parse back to the same expression. It also skips L, the name of the loss node.
_SEED_LETTERS = [c for c in string.ascii_uppercase if c not in "EILNOQS"]


def _letter_names():
    """A, B, C, D, F, ..., Z, AA, AB, ... (spreadsheet-style, SymPy-safe letters)."""
    for size in itertools.count(1):
        for letters in itertools.product(_SEED_LETTERS, repeat=size):
            yield "".join(letters)


@dataclass
class Naming:
    """Names of every quantity of a dense network with the given layer ``widths``.

    Layers are numbered from 0 (the inputs); units within a layer from 0. Methods return
    text names; :meth:`latex` gives the LaTeX form of any text name.
    """

    scheme: str
    widths: tuple[int, ...]
    _latex: dict[str, str] = field(default_factory=dict, repr=False)
    _units: list[list[str]] = field(default_factory=list, repr=False)
    _weight_numbers: list[int] = field(default_factory=list, repr=False)
    _bias_numbers: list[int] = field(default_factory=list, repr=False)

    @classmethod
    def create(cls, scheme: str, widths: tuple[int, ...]) -> Naming:
        if scheme not in NAMING_SCHEMES:
            allowed = ", ".join(repr(s) for s in NAMING_SCHEMES)
            raise SpecError(f"names must be one of {allowed}; got {scheme!r}")
        naming = cls(scheme, tuple(widths))
        naming._number_everything()
        return naming

    def _number_everything(self) -> None:
        letters = _letter_names()
        last = len(self.widths) - 1
        self._units = [[self.input(i) for i in range(self.widths[0])]]
        for layer in range(1, last + 1):
            width = self.widths[layer]
            if self.scheme == "indexed":
                units = [f"a{layer}_{j + 1}" for j in range(width)]
            elif layer == last:
                units = ["y"] if width == 1 else [f"y{j + 1}" for j in range(width)]
            else:
                units = [next(letters) for _ in range(width)]
            self._units.append(units)
        # Seed weights are numbered across the whole network, layer by layer, by source
        # node then destination node: the first weight of layer l is 1 + all before it.
        counts = [a * b for a, b in zip(self.widths, self.widths[1:])]
        self._weight_numbers = [0, *itertools.accumulate(counts)]
        self._bias_numbers = [0, *itertools.accumulate(self.widths[1:])]

    # ---- text names ----
    def input(self, i: int) -> str:
        return f"X{i + 1}" if self.scheme == "seed" else f"x{i + 1}"

    def unit(self, layer: int, j: int) -> str:
        """The name of unit ``j``'s output (its activation) in ``layer``; layer 0: inputs."""
        return self._units[layer][j]

    def pre_activation(self, layer: int, j: int) -> str:
        """The name of unit ``j``'s weighted sum z (used when the unit has an activation)."""
        if self.scheme == "seed":
            return f"z_{self._units[layer][j]}"
        return f"z{layer}_{j + 1}"

    def weight(self, layer: int, j: int, i: int) -> str:
        """The weight from unit ``i`` of ``layer - 1`` to unit ``j`` of ``layer``."""
        if self.scheme == "seed":
            fan_out = self.widths[layer]
            return f"w{self._weight_numbers[layer - 1] + i * fan_out + j + 1}"
        return f"w{layer}_{j + 1}_{i + 1}"

    def bias(self, layer: int, j: int) -> str:
        if self.scheme == "seed":
            return f"b{self._bias_numbers[layer - 1] + j + 1}"
        return f"b{layer}_{j + 1}"

    # ---- LaTeX ----
    def latex(self, name: str) -> str:
        """LaTeX for a text name made by this scheme (or any other name, as SymPy prints it)."""
        if name in self._latex:
            return self._latex[name]
        text = self._latex_of(name)
        self._latex[name] = text
        return text

    def _latex_of(self, name: str) -> str:
        head, _, rest = name.partition("_")
        if self.scheme == "indexed" and head[:1] in "zawb" and head[1:].isdigit() and rest:
            indices = rest.replace("_", ",")
            return f"{head[0]}^{{({head[1:]})}}_{{{indices}}}"
        if self.scheme == "indexed" and head[:1] == "x" and head[1:].isdigit() and not rest:
            return f"x_{{{head[1:]}}}"
        if head == "z" and rest:  # seed pre-activations: z_A, z_y1
            return f"z_{{{self._latex_of(rest)}}}"
        letters = head.rstrip("0123456789")
        digits = head[len(letters) :]
        if letters and digits and not rest:  # X1, w11, b2, y1
            return f"{letters}_{{{digits}}}"
        return name
