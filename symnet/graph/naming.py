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

Image specs (:class:`ConvNaming`) add names for pixels, kernel weights and feature maps.
NOTE: array positions (channel c, row r, column q, kernel tap u, v) count from 0, as in
NumPy and :mod:`symnet.conv.filters`; layers count from 1 and, in the seed scheme, kernels too,
as the notes' "Kernel 1 ... Kernel K".

==================== ============================= =====================================
quantity             seed                          indexed
==================== ============================= =====================================
input pixel          ``X_c_r_q``                   ``x_c_r_q``
kernel weight        ``k{n}_c_u_v`` (kernel n,     ``k{l}_k_c_u_v`` (layer l, kernel k)
                     numbered across the network)
kernel bias          ``bk{n}``                     ``b{l}_k``
conv output pixel    ``F{n}_r_q`` (feature map n), ``a{l}_k_r_q``, ``z{l}_k_r_q``
                     its sum ``z_F{n}_r_q``
pooled pixel         ``P{n}_r_q`` (pooled maps     ``a{l}_c_r_q``
                     numbered across the network)
dense layers         as for a dense spec (A, B, .., y; w, b numbered over dense layers only)
==================== ============================= =====================================

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
import re
import string
from dataclasses import dataclass, field

import sympy as sp

from symnet.exceptions import SpecError
from symnet.graph.spec import ConvSpec, DenseSpec, NetworkSpec, PoolSpec

__all__ = ["Naming", "ConvNaming", "ProgramNaming", "NAMING_SCHEMES", "naming_for"]

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


# ``z_`` (a seed sum), letters, an optional number, then "_"-separated indices: k1_0_1_2.
_INDEXED_NAME = re.compile(r"(z_)?([A-Za-z]+)([0-9]*)((?:_[0-9]+)+)")


@dataclass
class ConvNaming:
    """Names of every quantity of an image spec (see the table in the module docstring).

    Layer indices are those of ``spec.layers`` (from 1; 0 is the input). The dense
    layers' methods (:meth:`unit`, :meth:`pre_activation`, :meth:`weight`, :meth:`bias`)
    take the same arguments as :class:`Naming`'s.

    >>> from symnet.graph.spec import parse_spec
    >>> names = ConvNaming.create("seed", parse_spec("1x4x4-conv2@3x3:relu-maxpool2-3"))
    >>> names.pixel(0, 0, 1, 2), names.kernel_weight(1, 1, 0, 2, 2), names.kernel_bias(1, 1)
    ('X_0_1_2', 'k2_0_2_2', 'bk2')
    >>> names.pixel(1, 1, 0, 1), names.pixel_sum(1, 1, 0, 1), names.pixel(2, 0, 0, 0)
    ('F2_0_1', 'z_F2_0_1', 'P1_0_0')
    >>> names.weight(3, 2, 1), names.unit(3, 0), names.latex("k2_0_2_2")
    ('w6', 'y1', 'k^{(2)}_{0,2,2}')
    """

    scheme: str
    spec: NetworkSpec
    _dense: Naming = field(repr=False)
    _first_dense: int = field(repr=False)
    _offsets: dict[int, int] = field(default_factory=dict, repr=False)
    _latex: dict[str, str] = field(default_factory=dict, repr=False)

    @classmethod
    def create(cls, scheme: str, spec: NetworkSpec) -> ConvNaming:
        first = next(l for l, layer in enumerate(spec.layers, 1) if isinstance(layer, DenseSpec))
        tail = [spec.shapes[first - 1], *spec.shapes[first:]]
        widths = tuple(_count(shape) for shape in tail)
        naming = cls(scheme, spec, Naming.create(scheme, widths), first)
        counters = {ConvSpec: 0, PoolSpec: 0}  # kernels and pooled maps, across the network
        for l, (layer, shape) in enumerate(zip(spec.layers, spec.shapes[1:]), start=1):
            if type(layer) in counters:
                naming._offsets[l] = counters[type(layer)]
                counters[type(layer)] += shape[0]
        return naming

    # ---- image layers ----
    def pixel(self, layer: int, c: int, r: int, q: int) -> str:
        """The value at (c, r, q) of ``layer``'s output maps (layer 0: the input image)."""
        if layer == 0:
            return f"{'X' if self.scheme == 'seed' else 'x'}_{c}_{r}_{q}"
        if self.scheme == "indexed":
            return f"a{layer}_{c}_{r}_{q}"
        letter = "F" if isinstance(self.spec.layers[layer - 1], ConvSpec) else "P"
        return f"{letter}{self._offsets[layer] + c + 1}_{r}_{q}"

    def pixel_sum(self, layer: int, c: int, r: int, q: int) -> str:
        """The weighted sum z of a conv layer's output pixel (when it has an activation)."""
        if self.scheme == "indexed":
            return f"z{layer}_{c}_{r}_{q}"
        return f"z_{self.pixel(layer, c, r, q)}"

    def kernel_weight(self, layer: int, k: int, c: int, u: int, v: int) -> str:
        """Weight (u, v) on input channel c of kernel k (from 0) of conv ``layer``."""
        if self.scheme == "indexed":
            return f"k{layer}_{k}_{c}_{u}_{v}"
        return f"k{self._offsets[layer] + k + 1}_{c}_{u}_{v}"

    def kernel_bias(self, layer: int, k: int) -> str:
        if self.scheme == "indexed":
            return f"b{layer}_{k}"
        return f"bk{self._offsets[layer] + k + 1}"

    # ---- dense layers (the tail after the image layers) ----
    def _tail(self, layer: int) -> int:
        return layer - self._first_dense + 1

    def unit(self, layer: int, j: int) -> str:
        if self.scheme == "indexed":
            return f"a{layer}_{j + 1}"
        return self._dense.unit(self._tail(layer), j)

    def pre_activation(self, layer: int, j: int) -> str:
        if self.scheme == "indexed":
            return f"z{layer}_{j + 1}"
        return self._dense.pre_activation(self._tail(layer), j)

    def weight(self, layer: int, j: int, i: int) -> str:
        if self.scheme == "indexed":
            return f"w{layer}_{j + 1}_{i + 1}"
        return self._dense.weight(self._tail(layer), j, i)

    def bias(self, layer: int, j: int) -> str:
        if self.scheme == "indexed":
            return f"b{layer}_{j + 1}"
        return self._dense.bias(self._tail(layer), j)

    # ---- LaTeX ----
    def latex(self, name: str) -> str:
        """LaTeX for a name made by this scheme: ``F1_0_2`` -> ``F^{(1)}_{0,2}``."""
        if name not in self._latex:
            self._latex[name] = self._latex_of(name)
        return self._latex[name]

    def _latex_of(self, name: str) -> str:
        match = _INDEXED_NAME.fullmatch(name)
        if match:
            z, letters, number, indices = match.groups()
            text = letters + (f"^{{({number})}}" if number else "")
            text += f"_{{{indices[1:].replace('_', ',')}}}"
            return f"z_{{{text}}}" if z else text
        if name.startswith("bk") and name[2:].isdigit():
            return f"b_{{k^{{({name[2:]})}}}}"
        return self._dense.latex(name)


class ProgramNaming:
    r"""The names of a program are its own; LaTeX as SymPy writes a symbol of that name.

    >>> ProgramNaming().latex("c_2"), ProgramNaming().latex("w1"), ProgramNaming().latex("alpha")
    ('c_{2}', 'w_{1}', '\\alpha')
    """

    scheme = "program"

    def __init__(self) -> None:
        self._latex: dict[str, str] = {}

    def latex(self, name: str) -> str:
        if name not in self._latex:
            self._latex[name] = sp.latex(sp.Symbol(name))
        return self._latex[name]


def _count(shape: tuple[int, ...]) -> int:
    total = 1
    for n in shape:
        total *= n
    return total


def naming_for(spec: NetworkSpec, scheme: str) -> Naming | ConvNaming:
    """The naming of ``spec``: :class:`Naming` for a dense spec, :class:`ConvNaming` else."""
    if spec.is_dense:
        return Naming.create(scheme, spec.widths)
    if scheme not in NAMING_SCHEMES:
        allowed = ", ".join(repr(s) for s in NAMING_SCHEMES)
        raise SpecError(f"names must be one of {allowed}; got {scheme!r}")
    return ConvNaming.create(scheme, spec)
