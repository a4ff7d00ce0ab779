"""Read an ONNX file into a symnet model: :func:`from_onnx` (``symnet import FILE.onnx``).

The graph is read as one path from its input to its output, node by node, each node (or
a few nodes that together compute one activation) becoming one
:class:`~symnet.interop.assembly.Step`: ``Gemm``, ``MatMul`` (+ ``Add`` of a bias),
``Conv``, ``MaxPool``, ``AveragePool``, ``Flatten``, ``Reshape`` to (N, features),
``Identity`` and the activations of symnet's table (``Relu``, ``LeakyRelu``, ``Sigmoid``,
``Tanh``, ``Softmax``, ``Elu``, ``Selu``, ``Softplus``, ``Gelu``, ``Mish``), with the forms
``torch.onnx.export`` writes for some of them: SiLU as ``x * Sigmoid(x)``, Mish as
``x * Tanh(Softplus(x))``, Softplus as ``Where(x > threshold, x, Softplus(x))``. Any other
op is refused in one line naming the node and its op. The file itself (its size, its
constants, external data) is read by :mod:`symnet.interop.onnx_file`.

NOTE: ONNX stores attributes such as LeakyRelu's alpha as float32: the slope is read as
its shortest float32 decimal (0.20000000298 -> 0.2), the slope the exporter was given.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from symnet.exceptions import SpecError, SymnetError
from symnet.graph.functions import SELU_ALPHA, SELU_SCALE
from symnet.graph.registry import ACTIVATION_NAMES
from symnet.graph.spec import quoted
from symnet.interop.assembly import Imported, Step, activation_name, assemble, padding_name
from symnet.interop.onnx_file import attributes, graph_constants, load_onnx, node_name, sample_shape
from symnet.training.modelcheck import MAX_MODEL_BYTES
from symnet.training.modelfile import Model

__all__ = ["SUPPORTED_OPS", "from_onnx", "read_onnx"]


def _exactly(node, expected: dict, what: str) -> None:
    """Refuse ``node`` when an attribute differs from ``expected`` (its value symnet holds)."""
    found = attributes(node)
    for key, value in expected.items():
        if key in found and found[key] != value:
            raise SpecError(f"{node_name(node)} has {key}={found[key]}; symnet reads {what}")


def _leaky(node) -> str:
    alpha = attributes(node).get("alpha", 0.01)
    return activation_name(f"leaky_relu{str(np.float32(alpha))}", node_name(node))


def _selu(node) -> str:
    found = attributes(node)
    for key, value in (("alpha", SELU_ALPHA), ("gamma", SELU_SCALE)):
        if key in found and not math.isclose(found[key], float(value), rel_tol=1e-6):
            raise SpecError(f"{node_name(node)} has {key}={found[key]}; symnet's selu has {value}")
    return "selu"


def _checked(name: str, expected: dict, what: str) -> Callable:
    def read(node) -> str:
        _exactly(node, expected, what)
        return name

    return read


def _gelu(node) -> str:
    return "gelu_tanh" if attributes(node).get("approximate", "none") == "tanh" else "gelu"


#: ONNX activation op -> (symnet's base name, the reader of its canonical name).
_ACTIVATION_OPS: dict[str, tuple[str, Callable]] = {
    "Relu": ("relu", lambda node: "relu"),
    "LeakyRelu": ("leaky_relu", _leaky),
    "Sigmoid": ("sigmoid", lambda node: "sigmoid"),
    "Tanh": ("tanh", lambda node: "tanh"),
    "Softmax": ("softmax", lambda node: _softmax(node)),
    "Elu": ("elu", _checked("elu", {"alpha": 1.0}, "elu with alpha=1")),
    "Selu": ("selu", _selu),
    "Softplus": ("softplus", lambda node: "softplus"),
    "Gelu": ("gelu", _gelu),
    "Mish": ("mish", lambda node: "mish"),
}


def _softmax(node) -> str:
    axis = attributes(node).get("axis", -1)
    if axis not in (1, -1):
        raise SpecError(
            f"{node_name(node)} has axis={axis}; symnet takes softmax over the features"
        )
    return "softmax"


class _Graph:
    """The nodes of an ONNX graph, its constants and who consumes which tensor."""

    def __init__(self, model, folder: Path, max_bytes: int) -> None:
        self.constants, self.nodes = graph_constants(model, folder, max_bytes)
        self.consumers: dict[str, list] = {}
        for node in self.nodes:
            for name in dict.fromkeys(node.input):
                self.consumers.setdefault(name, []).append(node)
        self.used: set[int] = set()

    def constant(self, node, index: int, optional: bool = False) -> np.ndarray | None:
        """The constant that is input ``index`` of ``node`` (None if absent and ``optional``)."""
        if index >= len(node.input) or not node.input[index]:
            if optional:
                return None
            raise SpecError(f"{node_name(node)} lacks its input {index + 1}")
        if node.input[index] not in self.constants:
            raise SpecError(
                f"{node_name(node)} takes a computed tensor as its input {index + 1}; symnet "
                "imports weights stored in the file (initializers or Constant nodes)"
            )
        return self.constants[node.input[index]]

    def only_consumer(self, name: str):
        users = self.consumers.get(name, [])
        return users[0] if len(users) == 1 else None


def _gemm(g: _Graph, node) -> tuple[Step, str]:
    """Gemm: Y = alpha A B' + beta C, with B' = B (out, in) when transB=1, else B transposed."""
    found = attributes(node)
    if found.get("transA", 0):
        raise SpecError(f"{node_name(node)} has transA=1; symnet reads Gemm on (N, features) rows")
    B, C = g.constant(node, 1), g.constant(node, 2, optional=True)
    assert B is not None
    W = B if found.get("transB", 0) else B.T
    W = W * found["alpha"] if found.get("alpha", 1.0) != 1.0 else W
    bias = None
    if C is not None:
        C = C * found["beta"] if found.get("beta", 1.0) != 1.0 else C
        bias = np.broadcast_to(C, (1, W.shape[0])).reshape(-1) if C.size in (1, W.shape[0]) else C
    names = tuple(node.input[1:3])
    return Step("dense", node_name(node), W, bias, names, module=node.name), node.output[0]


def _matmul(g: _Graph, node) -> tuple[Step, str]:
    """MatMul by a weight (in, out), then an optional Add of a bias (out,)."""
    B = g.constant(node, 1)
    assert B is not None
    if B.ndim != 2:
        raise SpecError(
            f"{node_name(node)} multiplies by a {B.ndim}-d tensor; symnet reads a matrix"
        )
    output, bias = node.output[0], None
    names: tuple[str, ...] = (node.input[1],)
    add = g.only_consumer(output)
    if add is not None and add.op_type == "Add":
        other = [name for name in add.input if name != output]
        if len(other) == 1 and other[0] in g.constants:
            bias, names, output = g.constants[other[0]], (node.input[1], other[0]), add.output[0]
            g.used.add(id(add))
    return Step("dense", node_name(node), B.T, bias, names, module=node.name), output


def _pads(node, found: dict, kernel: tuple[int, int], stride: int) -> tuple:
    """A Conv's zero padding ((top, bottom), (left, right)), from ``pads`` or ``auto_pad``.

    NOTE: with stride 1, ``SAME_UPPER`` pads k - 1 in all, the extra one at the end, as
    symnet's ``same``; ``SAME_LOWER`` puts it at the start.
    """
    auto = found.get("auto_pad", "NOTSET")
    if auto in ("SAME_UPPER", "SAME_LOWER") and stride == 1:
        halves = [((k - 1) // 2, k - 1 - (k - 1) // 2) for k in kernel]
        return tuple(pair[::-1] if auto == "SAME_LOWER" else pair for pair in halves)
    if auto not in ("NOTSET", "VALID"):
        raise SpecError(f"{node_name(node)} has auto_pad={auto} with stride {stride}; give pads")
    top, left, bottom, right = found.get("pads", [0, 0, 0, 0]) if auto == "NOTSET" else [0] * 4
    return ((top, bottom), (left, right))


def _conv(g: _Graph, node) -> tuple[Step, str]:
    W, B = g.constant(node, 1), g.constant(node, 2, optional=True)
    assert W is not None
    found = attributes(node)
    if W.ndim != 4 or found.get("group", 1) != 1 or set(found.get("dilations", [1])) != {1}:
        raise SpecError(f"{node_name(node)} is not a 2-d convolution with group=1 and dilation 1")
    strides = list(found.get("strides", [1, 1]))
    if len(set(strides)) != 1:
        raise SpecError(f"{node_name(node)} has strides {strides}; symnet takes one stride")
    kernel = (int(W.shape[2]), int(W.shape[3]))
    padding = padding_name(kernel, _pads(node, found, kernel, strides[0]), node_name(node))
    names = tuple(node.input[1:3])
    step = Step("conv", node_name(node), W, B, names, int(strides[0]), padding, module=node.name)
    return step, node.output[0]


def _pool(g: _Graph, node) -> tuple[Step, str]:
    found = attributes(node)
    kernel = list(found.get("kernel_shape", []))
    strides = list(found.get("strides", [1] * len(kernel)))
    plain = not any(found.get("pads", [0])) and not found.get("ceil_mode", 0)
    plain = plain and set(found.get("dilations", [1])) == {1}
    used_indices = len(node.output) > 1 and bool(node.output[1])
    if len(kernel) != 2 or len(set(kernel)) != 1 or strides != kernel or not plain or used_indices:
        raise SpecError(
            f"{node_name(node)} has kernel {kernel} and strides {strides}; symnet pools square "
            "windows with strides = window, no padding, no ceil_mode"
        )
    kind = "max" if node.op_type == "MaxPool" else "avg"
    return Step(
        "pool", node_name(node), pool=kind, size=int(kernel[0]), module=node.name
    ), node.output[0]


def _flatten(g: _Graph, node) -> tuple[Step, str]:
    if attributes(node).get("axis", 1) != 1:
        raise SpecError(f"{node_name(node)} flattens from another axis than 1")
    return Step("flatten", node_name(node), module=node.name), node.output[0]


def _reshape(g: _Graph, node) -> tuple[Step, str]:
    shape = g.constant(node, 1)
    assert shape is not None
    if shape.ndim != 1 or len(shape) != 2 or shape[1] == 0:
        raise SpecError(
            f"{node_name(node)} reshapes to {shape.tolist()}; symnet reads (N, -1) only"
        )
    return Step("flatten", node_name(node), size=int(shape[1]), module=node.name), node.output[0]


def _activation(g: _Graph, node) -> tuple[Step, str]:
    name = activation_name(_ACTIVATION_OPS[node.op_type][1](node), node_name(node))
    return Step("activation", node_name(node), activation=name, module=node.name), node.output[0]


_READERS: dict[str, Callable[[_Graph, Any], tuple[Step, str]]] = {
    "Gemm": _gemm,
    "MatMul": _matmul,
    "Conv": _conv,
    "MaxPool": _pool,
    "AveragePool": _pool,
    "Flatten": _flatten,
    "Reshape": _reshape,
    "Identity": lambda g, node: (Step("identity", node_name(node)), node.output[0]),
    **{op: _activation for op, (base, _) in _ACTIVATION_OPS.items() if base in ACTIVATION_NAMES},
}

#: The ops :func:`from_onnx` reads (MatMul with an Add of its bias), for messages.
SUPPORTED_OPS = (
    *("MatMul+Add" if op == "MatMul" else op for op in _READERS),
    "x*Sigmoid(x) (SiLU)",
    "x*Tanh(Softplus(x)) (Mish)",
)


def _silu_or_mish(g: _Graph, current: str, ops: dict) -> tuple[str, list, Any] | None:
    """SiLU as ``Mul(x, Sigmoid(x))``; Mish as ``Mul(x, Tanh(Softplus(x)))``."""
    if set(ops) == {"Sigmoid", "Mul"}:
        name, inner = "silu", [ops["Sigmoid"]]
    elif set(ops) == {"Softplus", "Mul"}:
        tanh = g.only_consumer(ops["Softplus"].output[0])
        if tanh is None or tanh.op_type != "Tanh":
            return None
        name, inner = "mish", [ops["Softplus"], tanh]
    else:
        return None
    mul = ops["Mul"]
    if sorted(mul.input) != sorted([current, inner[-1].output[0]]):
        return None
    return name, [*inner, mul], mul


def _softplus_threshold(g: _Graph, current: str, ops: dict) -> tuple[str, list, Any] | None:
    """Softplus as ``Where(Greater(x, threshold), x, Softplus(x))`` (torch's dynamo export)."""
    if set(ops) != {"Softplus", "Greater", "Where"}:
        return None
    softplus, greater, where = ops["Softplus"], ops["Greater"], ops["Where"]
    if list(where.input) != [greater.output[0], current, softplus.output[0]]:
        return None
    if greater.input[0] != current or greater.input[1] not in g.constants:
        return None
    return "softplus", [softplus, greater, where], where


def _composite(g: _Graph, current: str, users: list) -> tuple[Step, str] | None:
    """The activation computed by several nodes that read ``current``, if one matches."""
    ops = {node.op_type: node for node in users}
    if len(ops) != len(users) or any(node.domain not in ("", "ai.onnx") for node in users):
        return None
    found = _silu_or_mish(g, current, ops) or _softplus_threshold(g, current, ops)
    if found is None or found[0] not in ACTIVATION_NAMES:
        return None
    name, nodes, last = found
    g.used.update(id(node) for node in nodes)
    where = f"{node_name(users[0])} and the nodes after it ({name})"
    return Step("activation", where, activation=name, module=users[0].name), last.output[0]


def _next(g: _Graph, current: str, users: list) -> tuple[Step, str]:
    """The step that reads ``current`` and the tensor it gives."""
    if len(users) == 1 and users[0].input and users[0].input[0] == current:
        node = users[0]
        reader = _READERS.get(node.op_type) if node.domain in ("", "ai.onnx") else None
        if reader is None:
            raise SpecError(
                f"{node_name(node)} is not supported; symnet imports {', '.join(SUPPORTED_OPS)}"
            )
        g.used.add(id(node))
        return reader(g, node)
    found = _composite(g, current, users)
    if found is None:
        odd = next((n for n in users if n.op_type not in _READERS), users[0])
        raise SpecError(
            f"{node_name(odd)} is not supported where it is (the graph branches after "
            f"{quoted(current, 40)}); symnet imports a chain of {', '.join(SUPPORTED_OPS)}"
        )
    return found


def _steps(g: _Graph, model, start: str) -> list[Step]:
    """The steps along the one path from the input ``start`` to the graph's output."""
    steps, current = [], start
    while g.consumers.get(current):
        users = g.consumers[current]
        if any(id(node) in g.used for node in users):
            raise SpecError(f"{node_name(users[0])} loops back; symnet imports a chain of layers")
        step, current = _next(g, current, users)
        steps.append(step)
    outputs = [value.name for value in model.graph.output]
    if outputs != [current]:
        shown = ", ".join(quoted(name, 40) for name in outputs[:3])
        raise SpecError(
            f"the path from the input ends at {quoted(current, 40)}, not at the graph's output "
            f"({shown}); symnet imports a chain of layers with one output"
        )
    unused = [node for node in g.nodes if id(node) not in g.used]
    if unused:
        raise SpecError(f"{node_name(unused[0])} is not on the path from the input to the output")
    return steps


def read_onnx(
    path: str | os.PathLike[str], loss: str | None = None, max_bytes: int = MAX_MODEL_BYTES
) -> Imported:
    """:func:`from_onnx`, with the mapping from symnet's names to the file's initializers.

    ``max_bytes`` bounds the file's size and its weights' declared size (256 MiB).
    """
    model = load_onnx(path, max_bytes)
    try:
        g = _Graph(model, Path(path).parent, max_bytes)
        name, shape = sample_shape(model)
        return assemble(_steps(g, model, name), shape, loss, "onnx")
    except SymnetError as error:
        raise type(error)(f"cannot import {path}: {error}") from None


def from_onnx(path: str | os.PathLike[str], loss: str | None = None) -> Model:
    """A symnet model with the architecture and weights of the ONNX file ``path``.

    The graph must be one chain of the ops :data:`SUPPORTED_OPS` names (what
    ``torch.onnx.export`` writes for an ``nn.Sequential`` that ``from_torch`` reads).
    ``loss`` defaults to the one ``symnet train`` picks for the output layer. Bad input is
    one line: ModelFileError for a file that is not ONNX or is too large, SpecError or
    ModelFileError naming the node for an op or attribute symnet does not read.
    """
    return read_onnx(path, loss).model
