"""from_onnx: ONNX files (torch.onnx.export's and hand-built ones) read into symnet models."""

from __future__ import annotations

import numpy as np
import pytest

from symnet.exceptions import ModelFileError, ReadError, SpecError
from symnet.interop.onnx_import import SUPPORTED_OPS, from_onnx, read_onnx
from tests.onnx_files import write_onnx

onnx = pytest.importorskip("onnx")
helper, numpy_helper, TensorProto = onnx.helper, onnx.numpy_helper, onnx.TensorProto


def _forward(X):
    """The hand-built network of :func:`tests.onnx_files.dense_graph` (Relu), in NumPy."""
    W1, b1 = np.arange(6.0).reshape(3, 2) / 10 - 0.2, np.array([0.1, -0.2, 0.3])
    a = np.maximum(X @ W1.T + b1, 0)
    return 1 / (1 + np.exp(-(a @ np.array([[0.5, -1.0, 0.25]]).T + 0.05)))


def test_a_hand_built_onnx_file_imports_to_its_function(tmp_path):
    imported = read_onnx(write_onnx(tmp_path))
    model = imported.model
    assert str(model.spec) == "2-3:relu-1:sigmoid" and model.loss == "bce"
    assert imported.parameters == {"W1": "W1", "b1": "b1", "W2": "W2", "b2": "b2"}
    X = np.random.default_rng(0).normal(size=(6, 2))
    np.testing.assert_allclose(model.predict(X), _forward(X), rtol=0, atol=1e-15)


def _save(tmp_path, nodes, weights, shape=(2,), name="net.onnx", external=False):
    graph = helper.make_graph(
        nodes,
        "g",
        [helper.make_tensor_value_info("x", TensorProto.DOUBLE, ["N", *shape])],
        [helper.make_tensor_value_info(nodes[-1].output[0], TensorProto.DOUBLE, ["N", 1])],
        [numpy_helper.from_array(np.asarray(a, dtype=np.float64), n) for n, a in weights.items()],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    path = tmp_path / name
    onnx.save_model(model, str(path), save_as_external_data=external, size_threshold=0)
    return path


W = np.array([[0.3, -0.7], [1.1, 0.2]])


def test_matmul_add_reshape_and_the_silu_and_softplus_forms(tmp_path):
    """MatMul holds (in, out); SiLU as x*Sigmoid(x); Softplus as Where(x > 20, x, ...)."""
    nodes = [
        helper.make_node("Reshape", ["x", "shape"], ["r"]),
        helper.make_node("MatMul", ["r", "Win"], ["m"]),
        helper.make_node("Add", ["m", "b"], ["z"]),
        helper.make_node("Sigmoid", ["z"], ["s"]),
        helper.make_node("Mul", ["z", "s"], ["a"]),
        helper.make_node("Gemm", ["a", "W2", "b2"], ["z2"], transB=1),
        helper.make_node("Softplus", ["z2"], ["p"]),
        helper.make_node("Greater", ["z2", "twenty"], ["big"]),
        helper.make_node("Where", ["big", "z2", "p"], ["a2"]),
        helper.make_node("Gemm", ["a2", "W3"], ["y"], transB=1),
    ]
    weights = {"shape": np.array([-1, 2]), "Win": W.T, "b": [0.5, -0.5], "W2": W, "b2": [0.0, 1]}
    weights["twenty"], weights["W3"] = np.array(20.0), [[1.0, -2.0]]
    weights["shape"] = weights["shape"].astype(np.int64)
    path = tmp_path / "net.onnx"
    graph = helper.make_graph(
        nodes,
        "g",
        [helper.make_tensor_value_info("x", TensorProto.DOUBLE, ["N", 2])],
        [helper.make_tensor_value_info("y", TensorProto.DOUBLE, ["N", 1])],
        [numpy_helper.from_array(np.asarray(a, dtype=np.float64), n) for n, a in weights.items()],
    )
    onnx.save_model(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)
    model = from_onnx(path)
    assert str(model.spec) == "2-2:silu-2:softplus-1"
    X = np.random.default_rng(1).normal(size=(5, 2))
    z = X @ W.T + [0.5, -0.5]  # MatMul by W.T, stored (in, out)
    a = z / (1 + np.exp(-z))
    z2 = a @ W.T + [0, 1]
    expected = np.log1p(np.exp(z2)) @ np.array([[1.0], [-2.0]])
    np.testing.assert_allclose(model.predict(X), expected, rtol=0, atol=1e-14)


def test_weights_kept_in_an_external_file_beside_it_are_read(tmp_path):
    nodes = [helper.make_node("Gemm", ["x", "W", "b"], ["y"], transB=1)]
    path = _save(tmp_path, nodes, {"W": [[2.0, -1.0]], "b": [0.5]}, external=True)
    assert len(list(tmp_path.iterdir())) == 2  # the .onnx and its data file
    model = from_onnx(path)
    np.testing.assert_allclose(model.predict([[1.0, 3.0]]), [[-0.5]])


def test_external_data_outside_the_files_folder_is_refused(tmp_path):
    nodes = [helper.make_node("Gemm", ["x", "W", "b"], ["y"], transB=1)]
    path = _save(tmp_path, nodes, {"W": [[2.0, -1.0]], "b": [0.5]}, external=True)
    model = onnx.load_model(str(path), load_external_data=False)
    for entry in model.graph.initializer[0].external_data:
        if entry.key == "location":
            entry.value = "../../etc/passwd"
    path.write_bytes(model.SerializeToString())
    with pytest.raises(ModelFileError, match=r"symnet reads external data only from a file in"):
        from_onnx(path)


REFUSED = {
    "an op symnet does not read": (
        {"op": "HardSigmoid"},
        SpecError,
        r"cannot import .*net.onnx: node 'act1' \(HardSigmoid\) is not supported; symnet "
        r"imports Gemm, MatMul\+Add, Conv",
    ),
    "elu alpha": (
        {"op": "Elu", "attributes": {"alpha": 0.5}},
        SpecError,
        r"node 'act1' \(Elu\) has alpha=0.5; symnet reads elu with alpha=1",
    ),
    "a weight of 10^12 values": (
        {"huge": True},
        ModelFileError,
        r"initializer 'W1' declares the shape \(1000000, 1000000\) \(8000000000000 bytes\)",
    ),
}


@pytest.mark.parametrize("case", REFUSED)
def test_what_symnet_cannot_read_is_refused_in_one_line(tmp_path, case):
    options, error, message = REFUSED[case]
    with pytest.raises(error, match=message) as caught:
        from_onnx(write_onnx(tmp_path, **options))
    assert "\n" not in str(caught.value)


def test_a_file_that_is_not_onnx_is_refused(tmp_path):
    for name, data in (("text.onnx", b"hello\n"), ("noise.onnx", bytes(range(256)) * 4)):
        (tmp_path / name).write_bytes(data)
        with pytest.raises(ModelFileError, match=rf"{name} is not an ONNX model \(no graph"):
            from_onnx(tmp_path / name)
    with pytest.raises(ReadError, match="no such file"):
        from_onnx(tmp_path / "missing.onnx")


def test_a_file_above_the_size_limit_is_refused_before_it_is_read(tmp_path):
    path = write_onnx(tmp_path)
    with pytest.raises(ModelFileError, match=r"net.onnx has \d+ bytes, above the limit of 100"):
        read_onnx(path, max_bytes=100)


def test_a_graph_that_branches_or_has_two_inputs_is_refused(tmp_path):
    nodes = [
        helper.make_node("Gemm", ["x", "W", "b"], ["z"], transB=1),
        helper.make_node("Relu", ["z"], ["r"]),
        helper.make_node("Tanh", ["z"], ["t"]),
        helper.make_node("Add", ["r", "t"], ["y"]),
    ]
    path = _save(tmp_path, nodes, {"W": [[2.0, -1.0]], "b": [0.5]})
    with pytest.raises(SpecError, match=r"the graph branches after 'z'"):
        from_onnx(path)
    assert "MatMul+Add" in SUPPORTED_OPS
