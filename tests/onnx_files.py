"""Small ONNX files built with onnx.helper, for the import tests (no torch needed)."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def dense_graph(
    op: str = "Relu", W=None, b=None, huge: bool = False, attributes: dict | None = None
) -> bytes:
    """A 2-3-1 network ``Gemm(transB=1), <op>, Gemm, Sigmoid`` as the bytes of an ONNX file.

    ``op`` is the middle node's op (an unsupported one for the bad-input tests); ``huge``
    declares a first weight of 10^6 x 10^6 float64 values while storing 6.
    """
    from onnx import TensorProto, helper, numpy_helper

    W1 = np.arange(6.0).reshape(3, 2) / 10 - 0.2 if W is None else np.asarray(W, float)
    b1 = np.array([0.1, -0.2, 0.3]) if b is None else np.asarray(b, float)
    W2, b2 = np.array([[0.5, -1.0, 0.25]]), np.array([0.05])
    weights = [numpy_helper.from_array(a, name) for a, name in ((W1, "W1"), (b1, "b1"))]
    weights += [numpy_helper.from_array(W2, "W2"), numpy_helper.from_array(b2, "b2")]
    if huge:
        del weights[0].dims[:]
        weights[0].dims.extend([10**6, 10**6])
    nodes = [
        helper.make_node("Gemm", ["x", "W1", "b1"], ["z1"], name="gemm1", transB=1),
        helper.make_node(op, ["z1"], ["a1"], name="act1", **(attributes or {})),
        helper.make_node("Gemm", ["a1", "W2", "b2"], ["z2"], name="gemm2", transB=1),
        helper.make_node("Sigmoid", ["z2"], ["y"], name="out"),
    ]
    graph = helper.make_graph(
        nodes,
        "dense",
        [helper.make_tensor_value_info("x", TensorProto.DOUBLE, ["N", 2])],
        [helper.make_tensor_value_info("y", TensorProto.DOUBLE, ["N", 1])],
        weights,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    return model.SerializeToString()


def write_onnx(folder: Path, name: str = "net.onnx", **options) -> Path:
    """:func:`dense_graph` written to ``folder / name``."""
    path = folder / name
    path.write_bytes(dense_graph(**options))
    return path
