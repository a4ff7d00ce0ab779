"""Random graph programs: symbolic = compiled = finite differences (= PyTorch) for every leaf.

Hypothesis writes random DAGs of the grammar's operations over a few leaves, as program
text, and checks every leaf's gradient by every route of ``check_gradients`` at random
leaf values, kept away from the kinks (ReLU, abs, max, min) and from overflow. The
derivative of the micrograd example is also pinned to the numbers every student checks.
"""

from __future__ import annotations

import math

import pytest
import sympy as sp
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from symnet.calculus.derivation import derive
from symnet.graph.program import build_program
from symnet.numeric.forward import forward_values
from symnet.parse import parse_expression
from symnet.parse.program import parse_program
from symnet.testing.gradients import check_gradients, torch_version
from tests.parse.test_program import MICROGRAD

#: operation -> (its text over the operands {0}, {1}; the kink's argument, or None).
OPERATIONS = {
    "add": ("{0} + {1}", None),
    "sub": ("{0} - 2*{1}", None),
    "mul": ("{0} * {1}", None),
    "div": ("{0} / (1 + {1}**2)", None),
    "square": ("{0}**2 / 4", None),
    "sin": ("sin({0})", None),
    "cos": ("cos({1}) * {0}", None),
    "tanh": ("tanh({0} + {1})", None),
    "sigmoid": ("sigmoid({0})", None),
    "exp": ("exp(tanh({0}))", None),
    "log": ("log(1 + {0}**2)", None),
    "sqrt": ("sqrt(1 + {0}**2)", None),
    "gelu": ("gelu({0})", None),
    "silu": ("silu({0}) - {1}", None),
    "softplus": ("softplus({0})", None),
    "mish": ("mish({0})", None),
    "elu": ("elu({0})", "{0}"),
    "relu": ("relu({0})", "{0}"),
    "abs": ("abs({0}) * {1}", "{0}"),
    "max": ("max({0}, {1})", "{0} - {1}"),
    "min": ("min({0}, {1})", "{0} - {1}"),
}
#: How far from a kink the point must be (finite differences step 1e-6 either side).
KINK_DISTANCE = 1e-3


@st.composite
def programs(draw):
    """(program text, its kinks as expressions over node names)."""
    leaves = [f"x{k}" for k in range(draw(st.integers(1, 3)))]
    values = draw(st.lists(st.floats(-1.5, 1.5), min_size=len(leaves), max_size=len(leaves)))
    lines = [f"{leaf} = {value!r}" for leaf, value in zip(leaves, values)]
    names, kinks = list(leaves), []
    for k in range(draw(st.integers(1, 6))):
        template, kink = OPERATIONS[draw(st.sampled_from(sorted(OPERATIONS)))]
        operands = [draw(st.sampled_from(names)), draw(st.sampled_from(names))]
        name = f"v{k}"
        lines.append(f"{name} = {template.format(*operands)}")
        if kink is not None:
            kinks.append(kink.format(*operands))
        names.append(name)
    # NOTE: the output reads the last node and, so that no leaf is left out, every leaf.
    lines.append(f"out = {names[-1]} + " + " + ".join(f"{leaf}/10" for leaf in leaves))
    return "\n".join(lines), kinks


def _away_from_kinks_and_overflow(text: str, kinks: list[str]) -> None:
    network = build_program(parse_program(text))
    values = forward_values(network, {k: float(v) for k, v in network.spec.values.items()})
    assume(all(math.isfinite(v) and abs(v) < 1e3 for v in values.values()))
    numbers = {sp.Symbol(name): value for name, value in values.items()}
    for kink in kinks:
        at = parse_expression(kink, list(values)).xreplace(numbers)
        assume(abs(float(at)) > KINK_DISTANCE)


@settings(max_examples=30, deadline=None)
@given(programs())
def test_random_programs_agree_by_every_route(program):
    text, kinks = program
    _away_from_kinks_and_overflow(text, kinks)
    report = check_gradients(parse_program(text), raise_on_failure=False)
    assert report.passed, (text, report.to_text())
    if torch_version() is not None:
        assert all(row.torch is not None for row in report.rows)


def test_micrograd_gives_the_numbers_every_student_checks():
    d = derive(parse_program(MICROGRAD))
    assert d.proof is not None and d.proof.holds and d.proof.method == "symbolic"
    assert d.value is not None and d.numbers is not None
    assert round(d.value, 4) == 24.7041
    assert (round(d.numbers["a"], 4), round(d.numbers["b"], 4)) == (138.8338, 645.5773)


@pytest.mark.skipif(torch_version() is None, reason="the PyTorch route needs PyTorch")
def test_the_torch_route_of_micrograd_is_torch_s_own_number():
    report = check_gradients(parse_program(MICROGRAD), torch=True)
    torch_values = {row.name: row.torch for row in report.rows}
    assert torch_values["a"] == pytest.approx(138.8338, abs=1e-4)
    assert torch_values["b"] == pytest.approx(645.5773, abs=1e-4)


def test_a_name_the_generated_code_reserves_is_renamed_not_refused():
    report = check_gradients(parse_program("e = 0.5; sum = e * sin(e); max_ = sum**2"))
    assert report.passed and [row.name for row in report.rows] == ["e"]
