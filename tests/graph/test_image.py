"""The scalar graph of image specs: pixels, shared kernel weights, pooling, gradients."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from symnet.codegen.scalar import compile_network, validate_identifier
from symnet.exceptions import SizeLimitError, SpecError
from symnet.graph.build import build_network
from symnet.graph.losses import add_loss
from symnet.graph.pooling import POOLINGS, MaxPool, is_first_max
from symnet.graph.size import graph_edges
from symnet.numeric.functions import is_first_max as numpy_is_first_max
from symnet.numeric.points import point_arrays, random_point
from symnet.testing.gradients import check_gradients
from symnet.testing.torch_oracle import torch_gradients
from tests.conv_strategies import conv_specs


def test_the_seed_names_and_the_dot_products():
    net = build_network("1x4x4-conv2@3x3:relu-maxpool2-3:softmax", bias=True)
    assert net.inputs[:3] == ("X_0_0_0", "X_0_0_1", "X_0_0_2") and len(net.inputs) == 16
    X = sp.Matrix(4, 4, lambda r, q: sp.Symbol(f"X_0_{r}_{q}"))
    K = sp.Matrix(3, 3, lambda u, v: sp.Symbol(f"k2_0_{u}_{v}"))
    # Output pixel (1, 0) of kernel 2: the dot product of the kernel and the patch under it.
    patch = X[1:4, 0:3]
    expected = sum(K[u, v] * patch[u, v] for u in range(3) for v in range(3)) + sp.Symbol("bk2")
    assert net.definition("z_F2_1_0") == expected
    assert str(net.definition("F2_1_0")) == "ReLU(z_F2_1_0)"
    assert str(net.definition("P2_0_0")) == "MaxPool(F2_0_0, F2_0_1, F2_1_0, F2_1_1)"
    # The dense output reads the pooled maps in (channel, row, column) order.
    assert net.layers[-1].inputs == ("P1_0_0", "P2_0_0") and net.outputs == ("y1", "y2", "y3")
    assert net.parameters[:2] == ("k1_0_0_0", "k1_0_0_1") and "bk2" in net.parameters
    # A kernel weight is shared: one edge per output pixel, each partial the pixel it reads.
    partials = {
        head: net.graph.edges["k2_0_0_0", head]["partial"]
        for head in net.graph.successors("k2_0_0_0")
    }
    assert partials == {f"z_F2_{r}_{q}": sp.Symbol(f"X_0_{r}_{q}") for r in (0, 1) for q in (0, 1)}
    assert (
        net.latex_name("k2_0_1_2") == "k^{(2)}_{0,1,2}" and net.latex_name("bk2") == "b_{k^{(2)}}"
    )


def test_indexed_names_match_the_layer_arrays():
    net = build_network("2x3x3-conv2@2x2+same:tanh-avgpool2-flatten-2", names="indexed", bias=True)
    conv, pool, flatten, dense = net.layers
    assert conv.kernels[1][0][1][0] == "k1_1_0_1_0"  # K1[k=1, c=0, u=1, v=0]
    assert conv.biases == ("b1_0", "b1_1") and conv.sums[0] == "z1_0_0_0"
    assert pool.units == ("a2_0_0_0", "a2_1_0_0") and flatten.units == pool.units
    assert dense.weights[1] == ("w4_2_1", "w4_2_2") and net.outputs == ("a4_1", "a4_2")
    assert (
        net.definition("a2_0_0_0")
        == sp.Add(*(sp.Symbol(f"a1_0_{r}_{q}") for r in (0, 1) for q in (0, 1))) / 4
    )
    assert net.latex_name("z1_0_2_1") == "z^{(1)}_{0,2,1}"


@given(conv_specs(max_conv_layers=2), st.booleans(), st.sampled_from(["seed", "indexed"]))
@settings(max_examples=25)
def test_graph_structure_and_every_edge_partial(text, bias, names):
    """Edges as counted from the spec; each partial is sympy.diff of its head's definition."""
    net = build_network(text, names=names, bias=bias)
    assert net.graph.number_of_edges() == graph_edges(net.spec, bias)
    assert len(net.parameters) == net.spec.parameter_count(bias)
    for name in net.graph:
        validate_identifier(name)  # every name can reach generated code
        assert sp.Symbol(name) == sp.sympify(name)  # and parses back to itself
    for tail, head, data in net.graph.edges(data=True):
        definition = net.definition(head)
        assert sp.simplify(data["partial"] - sp.diff(definition, sp.Symbol(tail))) == 0


def test_max_pooling_function_its_derivative_and_ties():
    a, b, c = sp.symbols("a b c")
    assert sp.diff(MaxPool(a, b, c), b) == is_first_max(1, a, b, c)
    assert MaxPool(1, 3, 2) == 3 and is_first_max(1, 1, 3, 2) == 1 and is_first_max(0, 1, 3, 2) == 0
    # NOTE under test: a tie gives the whole gradient to the first largest entry.
    assert [is_first_max(k, 2, 5, 5) for k in range(3)] == [0, 1, 0]
    window = (np.array([2.0, 5.0]), np.array([5.0, 5.0]), np.array([5.0, 1.0]))
    assert [numpy_is_first_max(k, *window).tolist() for k in range(3)] == [
        [0.0, 1.0],
        [1.0, 0.0],
        [0.0, 0.0],
    ]
    # The elementary form is SymPy's own Piecewise; its derivative needs no symnet rule.
    piecewise = MaxPool(a, b).rewrite("elementary")
    assert piecewise.subs({a: 1, b: 4}) == 4 and sp.diff(piecewise, a).subs({a: 5, b: 4}) == 1
    assert POOLINGS["avg"].rule((a, b, c), 0) == sp.Rational(1, 3)


def test_compiled_forward_is_the_convolution_numpy_computes():
    from symnet.conv.filters import conv2d

    net = build_network("2x4x5-conv3@2x3/2+same-maxpool2-1", names="indexed", bias=True)
    compiled = compile_network(net)
    x, _, params = point_arrays(net, random_point(net, 0, "check", batch=3))
    values = compiled.forward(x, params)
    conv = net.layers[0]
    kernels = np.vectorize(params.get, otypes=[float])(np.array(conv.kernels, dtype=object))
    biases = np.array([params[b] for b in conv.biases])
    z = conv2d(x.reshape(3, 2, 4, 5), kernels, "same", 2) + biases[:, None, None]
    scalar = np.stack([values[name] for name in conv.units], axis=1).reshape(z.shape)
    np.testing.assert_allclose(scalar, z, rtol=1e-12, atol=1e-12)
    pooled = np.stack([values[name] for name in net.layers[1].units], axis=1)
    np.testing.assert_allclose(pooled, z[:, :, :2, :2].max(axis=(2, 3)).reshape(3, -1))


@pytest.mark.parametrize(
    ("spec", "loss"),
    [
        ("1x3x3-conv1@2x2:relu-maxpool2-1", "mse"),
        ("1x4x3-conv1@2x2/2+same:tanh-avgpool2-2:softmax", "ce"),
        ("2x3x3-conv1@2x2:sigmoid-maxpool2-1:sigmoid", "bce"),
    ],
)
def test_sympy_diff_of_the_whole_loss_agrees(spec, loss):
    report = check_gradients(spec, loss, bias=True, symbolic="diff", torch=False, seed=1)
    assert report.passed and report.symbolic_route == "sympy.diff"


@given(conv_specs(), st.booleans(), st.integers(0, 2**16))
@settings(max_examples=30)
def test_random_conv_specs_pass_check_gradients(text, bias, seed):
    """Cached backprop deltas (symbolic) = generated code = finite differences."""
    report = check_gradients(
        text, bias=bias, seed=seed, symbolic="backprop", torch=False, raise_on_failure=False
    )
    assert report.passed, report.failure_message()


@given(conv_specs(), st.booleans(), st.integers(0, 2**16))
@settings(max_examples=20)
def test_random_conv_specs_agree_with_torch(text, bias, seed):
    pytest.importorskip("torch")

    net = add_loss(build_network(text, bias=bias), "ce" if "softmax" in text else "mse")
    rng = np.random.default_rng(seed)
    inputs, targets, params = point_arrays(net, random_point(net, rng, "check", batch=3))
    _, compiled = compile_network(net).loss_and_gradients(inputs, targets, params)
    by_torch = torch_gradients(net, inputs, targets, params)
    for name, value in compiled.items():
        assert by_torch[name] == pytest.approx(value, rel=1e-9, abs=1e-12), name


def test_big_images_are_refused_with_a_hint():
    with pytest.raises(SizeLimitError, match="layer-level form"):
        build_network("1x8x8-conv16@3x3+same:relu-maxpool2-10:softmax")
    build_network("1x5x5-conv2@3x3-maxpool2-2")  # tiny images are fine
    with pytest.raises(SpecError, match="names must be one of"):
        build_network("1x5x5-conv2@3x3-2", names="greek")
