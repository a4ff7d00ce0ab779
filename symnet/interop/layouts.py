"""The user's layout of a network's arrays, and the mapping to symnet's.

symnet's layer-level code (:mod:`symnet.codegen.program`) takes one array per layer,
``W1, b1, W2, b2, ...`` (``K{l}`` for a conv layer), a dense ``W{l}`` shaped (out, in) and
a bias (out,), with samples as rows of ``X`` (N, features) and ``T`` (N, outputs). A
user's own code may differ in four ways, each one field of :class:`Layout`:

=============== =================================================================
``names``       ``"symnet"``: ``W1, b1, ...`` (also ``w1``, ``W_1``, and numbered by
                parameter layer: ``W1, W2`` for ``K1, W4``); ``"torch"``: a
                ``state_dict``'s ``0.weight, 0.bias, 2.weight, ...``
``weights``     ``"out_in"`` (symnet, PyTorch: ``z = W a``) or ``"in_out"``
                (``Z = X @ W``); kernels are (out, in, kh, kw) in both
``samples``     ``"rows"`` (X is (N, features)) or ``"columns"`` (X is (features, N))
``bias``        ``"vector"`` (n,), ``"column"`` (n, 1), ``"row"`` (1, n), or ``"none"``
                (the user's network has no biases: symnet's are held at 0, not compared)
=============== =================================================================

:func:`resolve_layout` takes a :class:`Layout`, a preset's name (:data:`LAYOUTS`) or
None, in which case it reads the layout off the user's parameter arrays and ``X``.
:meth:`Layout.arrays` then says, array by array, which user array is which symnet array
and how one becomes the other (:class:`ArrayMap`); its lines are printed in every
result, so the mapping is never a guess the user cannot see.

>>> from symnet.graph.spec import parse_spec
>>> spec = parse_spec("2-3:sigmoid-1:sigmoid")
>>> layout = resolve_layout(spec, None, {"W1": np.zeros((2, 3)), "b1": np.zeros(3),
...                                      "W2": np.zeros((3, 1)), "b2": np.zeros(1)})
>>> layout.weights, layout.samples, layout.arrays(spec)[0].line()
('in_out', 'rows', 'your W1 (2, 3) = symnet W1ᵀ (3, 2)')
>>> resolve_layout(spec, "torch").arrays(spec)[2].user
'2.weight'
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from symnet.exceptions import DataError, SpecError
from symnet.graph.spec import ConvSpec, DenseSpec, NetworkSpec

__all__ = ["ArrayMap", "LAYOUTS", "Layout", "lookup", "resolve_layout", "torch_prefixes"]

NAME_STYLES = ("symnet", "torch")
WEIGHT_ORDERS = ("out_in", "in_out")
SAMPLE_AXES = ("rows", "columns")
BIAS_SHAPES = ("vector", "column", "row", "none")

_SYMNET_NAME = re.compile(r"([WwKkBb])_?([0-9]{1,4})")
_TORCH_NAME = re.compile(r"(.{1,200})\.(weight|bias)")


@dataclass(frozen=True)
class ArrayMap:
    """One parameter array in both layouts: the user's name and shape, symnet's, and how
    one becomes the other (``transpose`` for a dense weight stored (in, out))."""

    user: str
    symnet: str
    user_shape: tuple[int, ...]
    symnet_shape: tuple[int, ...]
    transpose: bool

    @property
    def kind(self) -> str:
        return "bias" if self.symnet.startswith("b") else "weight"

    @property
    def layer(self) -> int:
        return int(self.symnet[1:])

    def to_symnet(self, array: np.ndarray) -> np.ndarray:
        """The user's array (of :attr:`user_shape`) in symnet's layout."""
        array = np.asarray(array, dtype=np.float64)
        return (array.T if self.transpose else array).reshape(self.symnet_shape)

    def to_user(self, array: np.ndarray) -> np.ndarray:
        """symnet's array (of :attr:`symnet_shape`) in the user's layout."""
        array = np.asarray(array, dtype=np.float64)
        return (array.T if self.transpose else array).reshape(self.user_shape)

    def symnet_index(self, index: tuple[int, ...]) -> tuple[int, ...]:
        """The index in symnet's array of the entry at ``index`` of the user's array."""
        flat = np.ravel_multi_index(index, self.user_shape)
        positions = np.arange(int(np.prod(self.symnet_shape))).reshape(self.symnet_shape)
        in_user = self.to_user(positions).astype(np.int64).ravel()
        return tuple(int(i) for i in np.unravel_index(int(in_user[flat]), self.symnet_shape))

    def line(self) -> str:
        how = "ᵀ" if self.transpose else ""
        same = self.user == self.symnet and not how and self.user_shape == self.symnet_shape
        if same:
            return f"your {self.user} {self.user_shape} = symnet {self.symnet}"
        return f"your {self.user} {self.user_shape} = symnet {self.symnet}{how} {self.symnet_shape}"


@dataclass(frozen=True)
class Layout:
    """How the user's code lays out parameters and data (see the module docstring).

    ``prefixes`` are the user's module prefixes with the ``"torch"`` style (``"0"``,
    ``"2"``, ...), one per layer with parameters; ``numbers`` the numbers the user gives
    those layers with the ``"symnet"`` style (``1, 2`` where symnet has ``K1, W4``).
    """

    names: str = "symnet"
    weights: str = "out_in"
    samples: str = "rows"
    bias: str = "vector"
    prefixes: tuple[str, ...] = ()
    numbers: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        for field, allowed in (
            ("names", NAME_STYLES),
            ("weights", WEIGHT_ORDERS),
            ("samples", SAMPLE_AXES),
            ("bias", BIAS_SHAPES),
        ):
            if getattr(self, field) not in allowed:
                choices = ", ".join(repr(a) for a in allowed)
                raise SpecError(
                    f"Layout {field} must be one of {choices}; got {getattr(self, field)!r}"
                )

    def to_dict(self) -> dict[str, str]:
        return {
            "name_style": self.names,
            "weight_order": self.weights,
            "sample_axis": self.samples,
            "bias_shape": self.bias,
        }

    def describe(self) -> str:
        """One line: the layout in words."""
        names = "PyTorch state_dict names" if self.names == "torch" else "names W1, b1, ..."
        weights = "weights (out, in)" if self.weights == "out_in" else "weights (in, out)"
        bias = {
            "vector": "biases (n,)",
            "column": "biases (n, 1)",
            "row": "biases (1, n)",
            "none": "no biases (symnet's held at 0)",
        }[self.bias]
        samples = "samples as rows" if self.samples == "rows" else "samples as columns"
        return f"{names}, {weights}, {bias}, {samples}"

    def arrays(self, spec: NetworkSpec) -> list[ArrayMap]:
        """The user's arrays in symnet's order, each mapped to its symnet array."""
        maps = []
        layers = _parameter_layers(spec)
        prefixes = self.prefixes or torch_prefixes(spec)
        numbers = self.numbers or tuple(layers)
        for k, l in enumerate(layers):
            shapes = dict(spec.parameter_shapes())
            name = f"K{l}" if f"K{l}" in shapes else f"W{l}"
            w_shape = shapes[name]
            transpose = name.startswith("W") and self.weights == "in_out"
            user_w = w_shape[::-1] if transpose else w_shape
            if self.names == "torch":
                user_names = (f"{prefixes[k]}.weight", f"{prefixes[k]}.bias")
            else:
                user_names = (f"{name[0]}{numbers[k]}", f"b{numbers[k]}")
            maps.append(ArrayMap(user_names[0], name, user_w, w_shape, transpose))
            if self.bias != "none":
                n = shapes[f"b{l}"][0]
                user_b = {"vector": (n,), "column": (n, 1), "row": (1, n)}[self.bias]
                maps.append(ArrayMap(user_names[1], f"b{l}", user_b, (n,), False))
        return maps

    def inputs_to_rows(self, spec: NetworkSpec, X: Any, what: str = "X") -> np.ndarray:
        """``X`` as symnet's (N, features) float64 rows, checked against the spec."""
        X = _numbers(X, what)
        n = spec.n_inputs
        if spec.image is not None and X.ndim == 4 and X.shape[1:] == spec.image.shape:
            X = X.reshape(len(X), -1)  # (N, C, H, W) images, rows by definition
        elif self.samples == "columns" and X.ndim == 2:
            X = X.T
        if X.ndim != 2 or X.shape[1] != n or len(X) == 0:
            axis = "(N, {n})" if self.samples == "rows" else "({n}, N)"
            raise DataError(
                f"{what} has shape {X.shape}; {spec.abbreviated} takes {axis.format(n=n)} "
                f"with samples as {self.samples} (N >= 1)"
            )
        return X

    def targets_to_rows(
        self, spec: NetworkSpec, T: Any, samples: int, what: str = "T"
    ) -> np.ndarray:
        """``T`` as (N, outputs) float64 rows; class indices (N,) become one-hot rows."""
        T = _numbers(T, what)
        m = spec.n_outputs
        if T.ndim == 1 and m == 1:
            T = T[:, None]
        elif T.ndim == 1 and m > 1 and np.all(np.round(T) == T) and np.all((T >= 0) & (m > T)):
            T = np.eye(m)[T.astype(np.int64)]  # NOTE: class indices 0..m-1, as torch's ce
        elif self.samples == "columns" and T.ndim == 2:
            T = T.T
        if T.shape != (samples, m):
            axis = f"({samples}, {m})" if self.samples == "rows" else f"({m}, {samples})"
            raise DataError(
                f"{what} has shape {T.shape}; with {samples} samples {spec.abbreviated} "
                f"needs targets shaped {axis}"
            )
        return T


#: Named layouts: ``layout="torch"`` and friends.
LAYOUTS = {
    "symnet": Layout(),
    "torch": Layout(names="torch"),
    "rows": Layout(weights="in_out", samples="rows", bias="vector"),
    "columns": Layout(weights="out_in", samples="columns", bias="column"),
}


def _numbers(values: Any, what: str) -> np.ndarray:
    try:
        array = np.asarray(values)
    except (TypeError, ValueError):
        raise DataError(f"{what} must be an array of numbers") from None
    if array.dtype.kind not in "biuf":
        raise DataError(f"{what} holds {array.dtype} values; give an array of real numbers")
    array = array.astype(np.float64)
    if not np.all(np.isfinite(array)):
        raise DataError(f"{what} holds NaN or infinite values; replace them first")
    return array


def _key(name: str) -> str:
    """A name as compared: ``W_1``, ``w1`` and ``W1`` are one name; so are ``K1`` and ``W1``."""
    return name.lower().replace("_", "").replace("k", "w") if _SYMNET_NAME.fullmatch(name) else name


def lookup(arrays: Mapping[str, Any], name: str) -> Any:
    """``arrays[name]``, the name compared as :func:`_key` does; None when absent."""
    if name in arrays:
        return arrays[name]
    wanted = _key(name)
    return next((v for k, v in arrays.items() if _key(str(k)) == wanted), None)


def _parameter_layers(spec: NetworkSpec) -> list[int]:
    """The (1-based) indices of the layers that have parameters: dense and conv."""
    return [
        l for l, layer in enumerate(spec.layers, start=1) if isinstance(layer, DenseSpec | ConvSpec)
    ]


def torch_prefixes(spec: NetworkSpec) -> tuple[str, ...]:
    """The ``nn.Sequential`` index of each layer with parameters, one module per layer and
    one per activation other than the identity (``Linear, Sigmoid, Linear`` -> "0", "2")."""
    prefixes, position = [], 0
    for layer in spec.layers:
        if isinstance(layer, DenseSpec | ConvSpec):
            prefixes.append(str(position))
        position += 1
        if getattr(layer, "activation", "identity") != "identity":
            position += 1
    return tuple(prefixes)


def resolve_layout(
    spec: NetworkSpec,
    layout: Layout | str | None,
    params: Mapping[str, Any] | None = None,
    X: Any = None,
) -> Layout:
    """The layout in use: ``layout`` itself, a preset of :data:`LAYOUTS`, or (None) the one
    read off ``params`` (names, weight shapes, bias shapes) and ``X`` (the sample axis)."""
    if isinstance(layout, Layout):
        return layout
    if isinstance(layout, str):
        if layout not in LAYOUTS:
            allowed = ", ".join(repr(name) for name in LAYOUTS)
            raise SpecError(f"layout must be one of {allowed} or a Layout; got {layout!r}")
        return LAYOUTS[layout]
    if layout is not None:
        raise SpecError(f"layout must be a Layout, a name or None; got {type(layout).__name__}")
    found = Layout() if params is None else _read_layout(spec, params)
    return replace(found, samples=_sample_axis(spec, X, found))


def _sample_axis(spec: NetworkSpec, X: Any, layout: Layout) -> str:
    shape: tuple[int, ...] = tuple(np.shape(X)) if X is not None else ()
    n = spec.n_inputs
    if len(shape) != 2 or shape[0] == shape[1]:  # images, or both readings fit
        return "columns" if layout.bias == "column" else "rows"
    if shape[1] == n:
        return "rows"
    return "columns" if shape[0] == n else "rows"  # "rows" names the expected shape


def _read_layout(spec: NetworkSpec, params: Mapping[str, Any]) -> Layout:
    """The layout of the user's ``params`` (names, then shapes)."""
    names = [str(name) for name in params]
    layers = _parameter_layers(spec)
    if names and all(_TORCH_NAME.fullmatch(name) for name in names):
        prefixes = list(dict.fromkeys(_TORCH_NAME.fullmatch(n).group(1) for n in names))  # type: ignore[union-attr]
        prefixes.sort(key=lambda p: [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", p)])
        base = Layout(names="torch", prefixes=tuple(prefixes))
        count = len(prefixes)
    else:
        bad = [name for name in names if not _SYMNET_NAME.fullmatch(name)]
        if bad:
            raise DataError(
                f"params has an array named {bad[0][:60]!r}; name them W1, b1, W2, b2, ... "
                "(K1 for a conv layer) or as a PyTorch state_dict (0.weight, 0.bias, ...)"
            )
        numbers = sorted({int(_SYMNET_NAME.fullmatch(n).group(2)) for n in names})  # type: ignore[union-attr]
        base = Layout(numbers=tuple(numbers) if numbers != layers else ())
        count = len(numbers)
    if count != len(layers):
        raise DataError(
            f"params holds {count} layer(s) of parameters; {spec.abbreviated} has "
            f"{len(layers)}: {', '.join(n for n, _ in spec.parameter_shapes())}"
        )
    return _read_shapes(spec, params, base)


def _read_shapes(spec: NetworkSpec, params: Mapping[str, Any], base: Layout) -> Layout:
    """``base`` with the weight order and bias shape read off the arrays' shapes."""
    expected = {_key(m.user): m for m in base.arrays(spec)}
    given = {_key(str(name)): np.shape(array) for name, array in params.items()}
    orders, biases = set(), set()
    for key, m in expected.items():
        if m.kind == "bias":
            shape = given.get(key)
            n = m.symnet_shape[0]
            kinds = {(n,): "vector", (n, 1): "column", (1, n): "row", None: "none"}
            if shape not in kinds:
                raise DataError(f"params[{m.user!r}] has shape {shape}; a bias of {n} is (n,)")
            biases.add(kinds[shape] if n > 1 or shape in ((1,), None) else "column|row")
            continue
        if key not in given:
            raise DataError(f"params has no array {m.user!r} ({m.symnet}, shape {m.symnet_shape})")
        shape, own = given[key], m.symnet_shape
        dense = m.symnet.startswith("W")
        if dense and own[0] != own[1] and shape in (own, own[::-1]):
            orders.add("out_in" if shape == own else "in_out")
        elif shape != own and not (dense and shape == own[::-1]):
            also = f" or {own[::-1]} (in, out)" if dense else ""
            raise DataError(
                f"params[{m.user!r}] has shape {shape}; {m.symnet} of {spec.abbreviated} is "
                f"{own} (out, in){also}"
            )
    if len(orders) > 1:
        raise DataError("params mixes weights stored (out, in) and (in, out); use one order")
    return _with_order_and_bias(base, orders, biases)


def _with_order_and_bias(base: Layout, orders: set[str], biases: set[str]) -> Layout:
    """``base`` with the weight order and bias shape found (each given by some array)."""
    definite = biases - {"column|row"}
    if len(definite) > 1:
        raise DataError(f"params mixes bias shapes ({', '.join(sorted(definite))}); use one")
    # NOTE: square weights only: a (1, n) bias is the X @ W + b layout, else symnet's.
    default = "in_out" if definite == {"row"} else "out_in"
    weights = orders.pop() if orders else default
    if definite:
        bias = definite.pop()
    elif biases:  # every bias has one unit: (1, 1) is a column and a row
        bias = "column" if weights == "out_in" else "row"
    else:
        bias = "vector"
    return replace(base, weights=weights, bias=bias)
