"""An ONNX file read within limits: the model, its constants, its input, its nodes' attributes.

:func:`load_onnx` checks the file's size before reading it and that it parses as an ONNX
model; :func:`graph_constants` reads every initializer and ``Constant`` node after checking
its declared size against what is left of the budget. :mod:`symnet.interop.onnx_import`
reads the graph's nodes from there.

NOTE: the file is trusted no more than a model file. Values kept in an external file
(``torch.onnx.export`` writes ``model.onnx.data`` beside ``model.onnx``) are read only from
a regular file in the ONNX file's own folder, named without any folder part, within the
bytes the tensor declares; the graph is only read, never run.

The ``onnx`` package is optional (``pip install 'symnet[onnx]'``) and imported only here.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np

from symnet.exceptions import ModelFileError, ReadError, SpecError
from symnet.files import require_regular_file
from symnet.graph.spec import quoted

__all__ = ["attributes", "graph_constants", "load_onnx", "node_name", "sample_shape"]


def node_name(node) -> str:
    """The node as messages name it: ``node '/0/Conv' (Conv)``."""
    return f"node {quoted(node.name or node.output[0], 40)} ({node.op_type[:40]})"


def attributes(node) -> dict:
    """The node's attributes as Python values (text decoded)."""
    import onnx  # optional: see load_onnx

    values = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
    return {
        k: v.decode("utf-8", "replace") if isinstance(v, bytes) else v for k, v in values.items()
    }


def load_onnx(path: str | os.PathLike[str], max_bytes: int):
    """The ONNX model in the file ``path`` (at most ``max_bytes``); one line when it is not one."""
    path = require_regular_file(path, "ONNX file", error=ModelFileError)
    size = path.stat().st_size
    if size > max_bytes:
        raise ModelFileError(f"{path} has {size} bytes, above the limit of {max_bytes} bytes")
    try:
        import onnx  # optional extra, and slow to import: only when a file is read
    except ImportError:
        raise SpecError(
            "reading ONNX files needs the onnx package: pip install 'symnet[onnx]'"
        ) from None
    try:
        with open(path, "rb") as stream:
            data = stream.read(max_bytes + 1)
    except OSError as failure:
        raise ReadError(f"cannot read ONNX file {path}: {failure.strerror}") from None
    try:
        model = onnx.load_model_from_string(data)
    except Exception:  # protobuf's DecodeError and friends: the bytes are not a model
        model = None
    if model is None or model.ir_version < 1 or not model.opset_import or not model.graph.node:
        raise ModelFileError(
            f"{path} is not an ONNX model (no graph of nodes); export one with torch.onnx.export"
        )
    return model


def _external(tensor, where: str, folder: Path, declared: int) -> bytes:
    """The ``declared`` bytes of a tensor kept in an external file beside the ONNX file."""
    info = {entry.key: entry.value for entry in tensor.external_data}
    location = info.get("location", "")
    if not location or Path(location).name != location or location in (".", ".."):
        raise ModelFileError(
            f"{where} keeps its values in {quoted(location, 40)}; symnet reads external data "
            "only from a file in the ONNX file's own folder"
        )
    path = require_regular_file(folder / location, "ONNX external data", error=ModelFileError)
    try:
        offset, length = int(info.get("offset", 0)), int(info.get("length", declared))
    except ValueError:
        raise ModelFileError(f"{where} has an offset or length that is not a number") from None
    if offset < 0 or length != declared:
        raise ModelFileError(f"{where} declares {declared} bytes but stores {length} at {offset}")
    try:
        with open(path, "rb") as stream:
            stream.seek(offset)
            data = stream.read(length)
    except OSError as failure:
        raise ReadError(f"cannot read ONNX external data {path}: {failure.strerror}") from None
    if len(data) != length:
        raise ModelFileError(f"{where}: {path.name} holds fewer than the {length} bytes declared")
    return data


def _values(tensor, folder: Path, budget: int) -> tuple[np.ndarray, int]:
    """A tensor's values and its size in bytes, checked against ``budget`` before reading."""
    import onnx  # optional: see load_onnx
    from onnx import numpy_helper

    where = f"initializer {quoted(tensor.name, 40)}"
    try:
        dtype = np.dtype(onnx.helper.tensor_dtype_to_np_dtype(tensor.data_type))
    except (KeyError, TypeError, ValueError):
        raise ModelFileError(f"{where} has data type {tensor.data_type}, not a number") from None
    declared = math.prod(int(d) for d in tensor.dims) * dtype.itemsize
    if any(d < 0 for d in tensor.dims) or declared > budget:
        raise ModelFileError(
            f"{where} declares the shape {tuple(tensor.dims)[:8]} ({declared} bytes); the "
            f"weights of a model may take {budget} bytes more at most"
        )
    try:
        if tensor.data_location == onnx.TensorProto.EXTERNAL:
            data = _external(tensor, where, folder, declared)
            shape = tuple(int(d) for d in tensor.dims)
            return np.frombuffer(data, dtype.newbyteorder("<")).reshape(shape).copy(), declared
        return numpy_helper.to_array(tensor), declared
    except (ModelFileError, ReadError):
        raise
    except Exception as error:  # a malformed tensor: its bytes do not fit its shape
        raise ModelFileError(f"{where} is malformed ({type(error).__name__})") from None


def graph_constants(model, folder: Path, max_bytes: int) -> tuple[dict[str, np.ndarray], list]:
    """The graph's constants (initializers and ``Constant`` nodes) by name, and its other nodes.

    All the constants together may take ``max_bytes``; each is checked before it is read.
    """
    graph = model.graph
    if len(graph.sparse_initializer):
        raise ModelFileError("the graph has sparse initializers, which symnet does not read")
    constants: dict[str, np.ndarray] = {}
    budget = max_bytes
    tensors = [(t.name, t) for t in graph.initializer]
    nodes = []
    for node in graph.node:
        value = next((a.t for a in node.attribute if a.name == "value"), None)
        constant = node.op_type == "Constant" and node.domain in ("", "ai.onnx")
        if constant and value is not None and len(node.output) == 1:
            tensors.append((node.output[0], value))
        else:
            nodes.append(node)
    for name, tensor in tensors:
        constants[name], used = _values(tensor, folder, budget)
        budget -= used
    return constants, nodes


def sample_shape(model) -> tuple[str, tuple[int, ...]]:
    """The graph's one input (of those that are not initializers) and one sample's shape."""
    graph = model.graph
    initial = {tensor.name for tensor in graph.initializer}
    inputs = [value for value in graph.input if value.name not in initial]
    if len(inputs) != 1:
        raise SpecError(f"the graph has {len(inputs)} inputs; symnet imports networks of one input")
    value = inputs[0]
    dims = value.type.tensor_type.shape.dim
    if len(dims) not in (2, 4):
        raise SpecError(
            f"its input {quoted(value.name, 40)} has {len(dims)} dimensions; symnet reads "
            "(N, features) or (N, C, H, W)"
        )
    shape = []
    for dim in dims[1:]:
        if not dim.HasField("dim_value") or dim.dim_value < 1:
            raise SpecError(
                f"its input {quoted(value.name, 40)} has a dimension of unknown size "
                f"({quoted(dim.dim_param or '?', 20)}); export it with a fixed sample shape"
            )
        shape.append(int(dim.dim_value))
    return value.name, tuple(shape)
