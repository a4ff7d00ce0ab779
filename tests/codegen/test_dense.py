"""Layer-level rules: derived from the scalar graph, printed to NumPy, equal to scalar backprop."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from symnet.codegen.printer import LayerPrinter
from symnet.codegen.program import compile_layers
from symnet.codegen.rules import (
    BATCH_RULES,
    derivative_in_output,
    derive_dense_rule,
    derive_output_rule,
)
from symnet.codegen.runtime import logsumexp_columns, softmax_columns, softmax_logsumexp_columns
from symnet.codegen.scalar import compile_network
from symnet.graph.activations import ACTIVATIONS, softmax
from symnet.graph.build import build_network
from symnet.graph.losses import add_loss
from symnet.graph.spec import parse_spec
from symnet.numeric.functions import NUMPY_FUNCTIONS
from symnet.numeric.functions import NUMPY_FUNCTIONS as LOSS_NUMPY_FUNCTIONS
from tests.strategies import ELEMENTWISE, loss_for, specs

OUTPUT_PAIRS = [("mse", a) for a in (*ELEMENTWISE, "softmax")] + [
    ("bce", "sigmoid"),
    ("ce", "softmax"),
]


def _data(spec: str, loss: str, rng: np.random.Generator, batch: int = 3):
    parsed = parse_spec(spec)
    X = rng.normal(size=(batch, parsed.n_inputs))
    k = parsed.n_outputs
    if loss == "ce":
        T = np.eye(k)[rng.integers(0, k, size=batch)]
    elif loss == "bce":
        T = rng.integers(0, 2, size=(batch, 1)).astype(float)
    else:
        T = rng.normal(size=(batch, k))
    params = []
    for a, b in zip(parsed.widths, parsed.widths[1:]):
        params += [rng.normal(size=(b, a)), rng.normal(size=b)]
    return X, T, params


def _by_name(net, params):
    """The matrices' entries under the scalar graph's parameter names."""
    values = {}
    for layer, W, b in zip(net.layers, params[0::2], params[1::2]):
        for j, row in enumerate(layer.weights):
            for i, name in enumerate(row):
                values[name] = W[j, i]
            values[layer.biases[j]] = b[j]
    return values


# ---- derivation ------------------------------------------------------------------------------


@pytest.mark.parametrize("activation", ELEMENTWISE)
def test_dense_rule_is_derived_from_the_scalar_template(activation):
    rule = derive_dense_rule(activation)
    assert rule.holds, str(rule)
    assert rule.matrix_rule.startswith("dL/dW = delta a^T")


@pytest.mark.parametrize("loss, activation", OUTPUT_PAIRS)
def test_output_rule_is_derived_from_the_loss(loss, activation):
    rule = derive_output_rule(loss, activation)
    assert rule.holds, str(rule)


def test_a_wrong_rule_would_be_caught():
    # The check compares real expressions: an output rule that forgets f'(z) fails.
    from symnet.codegen.rules import simplifies_to_zero

    z, t = sp.symbols("z t")
    derived = sp.diff((ACTIVATIONS["tanh"].apply(z) - t) ** 2 / 2, z)
    assert not simplifies_to_zero(derived - (ACTIVATIONS["tanh"].apply(z) - t))


@pytest.mark.parametrize("activation", ELEMENTWISE)
def test_derivative_in_output_is_the_table_derivative(activation):
    z, a = sp.symbols("z a")
    row = ACTIVATIONS[activation]
    written = derivative_in_output(activation).xreplace({a: row.apply(z)})
    assert sp.simplify(written - row.derivative(z)) == 0


def test_batch_weight_rule_is_the_mean_of_per_sample_outer_products():
    # Delta A^T with columns delta_s / N and a_s equals (1/N) sum_s delta_s a_s^T (N = 2).
    d = sp.Matrix(2, 2, sp.symbols("d1:5"))
    a = sp.Matrix(3, 2, sp.symbols("a1:7"))
    per_sample = sum((d[:, s] * a[:, s].T for s in range(2)), sp.zeros(2, 3)) / 2
    sizes = {
        sp.Symbol(k, integer=True, positive=True): v for k, v in (("N", 2), ("n", 3), ("m", 2))
    }
    rule = BATCH_RULES["dW"].subs(sizes)
    rule = rule.subs({sp.MatrixSymbol("Delta", 2, 2): d / 2, sp.MatrixSymbol("A", 3, 2): a}).doit()
    assert sp.simplify(sp.Matrix(rule.as_explicit()) - per_sample) == sp.zeros(2, 3)


def test_softmax_is_shift_invariant_so_the_column_form_may_subtract_the_maximum():
    z1, z2, c = sp.symbols("z1 z2 c")
    shifted = softmax(z1 - c, z1 - c, z2 - c).rewrite(sp.exp)
    assert sp.simplify(shifted - softmax(z1, z1, z2).rewrite(sp.exp)) == 0


def test_column_softmax_and_logsumexp_match_the_tables():
    Z = np.random.default_rng(0).normal(size=(4, 5)) * 30
    columns = list(Z)  # the table functions take one array per unit
    expected = np.array([NUMPY_FUNCTIONS["softmax"](z, *columns) for z in columns])
    assert np.allclose(softmax_columns(Z), expected, rtol=1e-13, atol=0)
    assert np.allclose(
        logsumexp_columns(Z), LOSS_NUMPY_FUNCTIONS["logsumexp"](*columns), rtol=1e-13
    )
    assert np.array_equal(softmax_columns(np.array([[1000.0], [-1000.0]])), [[1.0], [0.0]])
    Y, lse = softmax_logsumexp_columns(Z)
    assert np.allclose(Y, expected, rtol=1e-13) and np.allclose(
        lse, logsumexp_columns(Z), rtol=1e-14
    )


def test_printer_prints_the_rules_as_numpy():
    printer = LayerPrinter({"Fprime": sp.Function("step")(sp.Symbol("Z1"))})
    assert printer.doprint(BATCH_RULES["Z"]) == "W @ A + b[:, None]"
    assert printer.doprint(BATCH_RULES["db"]) == "Delta.sum(axis=1)"
    assert printer.doprint(BATCH_RULES["Delta_prev"]) == "(W.T @ Delta) * step(Z1)"


@pytest.mark.parametrize("activation", ELEMENTWISE)
def test_generated_code_calls_the_table_functions(activation):
    program = compile_layers(f"2-3:{activation}-1", "mse")
    head = ACTIVATIONS[activation].apply(sp.Symbol("Z1"))
    if activation != "identity":
        assert f"A1 = {LayerPrinter().doprint(head)}" in program.source
    assert "Delta1 = " in program.source and "dW1 = Delta1 @ A0.T" in program.source


# ---- the generated code equals the scalar graph's gradients -----------------------------------


@settings(max_examples=25)
@given(spec=specs(max_layers=3, max_width=3), which=st.integers(0, 5), seed=st.integers(0, 2**16))
def test_layer_code_equals_scalar_backprop_weight_by_weight(spec, which, seed):
    loss = loss_for(spec, which)
    X, T, params = _data(spec, loss, np.random.default_rng(seed))
    net = add_loss(build_network(spec, names="indexed", bias=True), loss)
    scalar_loss, scalar = compile_network(net).loss_and_gradients(X, T, _by_name(net, params))
    layer_loss, grads = compile_layers(spec, loss).step(X, T, params)
    assert layer_loss == pytest.approx(scalar_loss, rel=1e-12, abs=1e-12)
    layered = _by_name(net, grads)
    for name, value in scalar.items():
        assert layered[name] == pytest.approx(value, rel=1e-9, abs=1e-12), name


@pytest.mark.parametrize(
    "spec, loss",
    [
        ("2-2:tanh-3:softmax", "ce"),
        ("2-2:sigmoid-1:sigmoid", "bce"),
        ("1-2:leaky_relu-2:softmax", "mse"),
    ],
)
def test_layer_code_equals_sympy_diff_of_the_substituted_loss(spec, loss):
    net = add_loss(build_network(spec, names="indexed", bias=True), loss)
    X, T, params = _data(spec, loss, np.random.default_rng(1), batch=1)
    total = net.substituted(net.loss_node)
    values = {sp.Symbol(x): v for x, v in zip(net.inputs, X[0])}
    values.update({sp.Symbol(t): v for t, v in zip(net.targets, T[0])})
    values.update({sp.Symbol(p): v for p, v in _by_name(net, params).items()})
    _, grads = compile_layers(spec, loss).step(X, T, params)
    for name, value in _by_name(net, grads).items():
        exact = sp.diff(total, sp.Symbol(name)).subs(values).rewrite(sp.exp).evalf()
        assert value == pytest.approx(float(exact), rel=1e-9, abs=1e-12), name


def test_layer_code_matches_finite_differences_on_a_digits_sized_layer():
    spec, loss = "64-8:relu-10:softmax", "ce"
    X, T, params = _data(spec, loss, np.random.default_rng(2), batch=5)
    program = compile_layers(spec, loss)
    _, grads = program.step(X, T, params)
    eps = 1e-6
    for k, index in ((0, (3, 17)), (1, (5,)), (2, (9, 2)), (3, (0,))):
        plus = [p.copy() for p in params]
        minus = [p.copy() for p in params]
        plus[k][index] += eps
        minus[k][index] -= eps
        numeric = (program.step(X, T, plus)[0] - program.step(X, T, minus)[0]) / (2 * eps)
        # NOTE: logits of order 10 here; rounding error of the difference is ~1e-16 |L| / eps.
        assert grads[k][index] == pytest.approx(numeric, rel=1e-6, abs=1e-7)


def test_layer_code_matches_pytorch_autograd():
    torch = pytest.importorskip("torch")
    spec = "2-16:relu-16:relu-1:sigmoid"
    X, T, params = _data(spec, "bce", np.random.default_rng(3), batch=50)
    loss, grads = compile_layers(spec, "bce").step(X, T, params)
    tensors = [torch.tensor(p, requires_grad=True) for p in params]
    a = torch.tensor(X)
    for W, b in zip(tensors[0:4:2], tensors[1:4:2]):
        a = torch.relu(a @ W.T + b)
    z = a @ tensors[4].T + tensors[5]
    value = torch.nn.functional.binary_cross_entropy_with_logits(z, torch.tensor(T))
    value.backward()
    assert float(loss) == pytest.approx(value.item(), rel=1e-12)
    for g, t in zip(grads, tensors):
        assert np.allclose(g, t.grad.numpy(), rtol=1e-10, atol=1e-14)


def test_float32_in_float32_out():
    spec = "4-5:tanh-3:softmax"
    X, T, params = _data(spec, "ce", np.random.default_rng(4))
    loss64, grads64 = compile_layers(spec, "ce").step(X, T, params)
    f32 = [p.astype(np.float32) for p in params]
    loss32, grads32 = compile_layers(spec, "ce").step(
        X.astype(np.float32), T.astype(np.float32), f32
    )
    assert all(g.dtype == np.float32 for g in grads32)
    assert all(np.allclose(a, b, rtol=1e-4, atol=1e-5) for a, b in zip(grads32, grads64))
    assert float(loss32) == pytest.approx(float(loss64), rel=1e-5)


def test_forward_and_evaluate_agree_with_the_step():
    spec = "3-4:leaky_relu-2:sigmoid"
    X, T, params = _data(spec, "mse", np.random.default_rng(5), batch=4)
    program = compile_layers(spec, "mse")
    loss, Y = program.evaluate(X, T, params)
    assert loss == program.step(X, T, params)[0]
    assert np.array_equal(Y, program.forward(X, params)) and Y.shape == (4, 2)


def test_an_unfit_loss_is_refused():
    from symnet.exceptions import SpecError

    with pytest.raises(SpecError, match="bce' needs a 1:sigmoid"):
        compile_layers("2-3:relu-2", "bce")
