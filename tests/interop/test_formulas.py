"""The formula an entry of a gradient should equal: the scalar derivation or the layer rule."""

from __future__ import annotations

import numpy as np
import sympy as sp
from hypothesis import given, settings

from symnet.calculus.backprop import gradients
from symnet.graph.spec import parse_spec
from symnet.interop.formulas import EntryFormulas, pretty
from tests.strategies import loss_for, specs


@settings(max_examples=20)
@given(spec=specs(max_layers=2, max_width=3))
def test_every_entry_names_its_weight_and_its_backprop_gradient(spec):
    loss = loss_for(spec, 0)
    book = EntryFormulas(parse_spec(spec), loss)
    assert book.network is not None
    expected = gradients(book.network)
    for array, grid in book.grids.items():
        for index in zip(*(axis.ravel() for axis in np.indices(grid.shape))):
            entry = book.formula(array, tuple(int(i) for i in index))
            assert entry.scalar == grid[index]
            assert entry.expression == sp.sstr(expected[entry.scalar])
            assert entry.text.startswith(f"dL/d{array}[")


def test_a_network_too_large_for_the_scalar_graph_gets_the_layer_rule():
    book = EntryFormulas(parse_spec("64-64:relu-64:relu-10:softmax"), "ce")
    assert book.network is None
    entry = book.formula("W2", (5, 7))
    assert entry.scalar is None
    assert entry.text == (
        "dL/dW2[5,7] = mean over samples of δ2[5]·a1[7];  δ2 = dL/dz2 = (W3ᵀ δ3) ⊙ f′(z2), f = relu"
    )
    conv = EntryFormulas(parse_spec("1x8x8-conv2@3x3/2:relu-maxpool2-3:softmax"), "ce", False)
    assert "δ1[1,r,q]·x[0,2r+2,2q+0]" in conv.formula("K1", (1, 0, 2, 0)).text
    assert "(what layer 2 sends back)" in conv.formula("b1", (1,)).text


def test_pretty_prints_deltas_and_products():
    assert pretty("delta_z_A*(1 - sigmoid(z_A))**2") == "δ_z_A·(1 - sigmoid(z_A))^2"
