"""Printers for a :class:`~symnet.numeric.trace.Trace`: text, LaTeX, Markdown and JSON.

Each printer is a pure function of the trace; every unit with its formula, the numbers
substituted into it, z and a.

>>> from symnet.numeric.trace import trace
>>> print(trace_text(trace("1-1:relu", inputs=[5], weights={"w1": -1})))
Trace of 1-1:relu (names: seed, no biases) at X1 = 5
  layer 1: z_y = w1 X1 = (-1)(5) = -5
           y = ReLU(z_y) = ReLU(-5) = 0
Output: y = 0
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from symnet.graph.activations import get_activation
from symnet.graph.notation import describe, format_number, notes_latex, notes_text

if TYPE_CHECKING:  # for type checkers: the trace module imports this one
    from symnet.numeric.trace import Trace

__all__ = ["trace_text", "trace_latex", "trace_markdown", "trace_dict"]


def trace_text(result: Trace) -> str:
    network = result.network
    inputs = ", ".join(f"{k} = {format_number(v)}" for k, v in result.inputs.items())
    program = network.is_program
    lines = [f"Trace of {network.spec if program else describe(network)} at {inputs}"]
    step = "statement" if program else "layer"  # a program's row is one statement
    for row in result.rows:
        formula = notes_text(row.formula, network)
        z = format_number(row.z)
        if row.activation == "identity":
            lines.append(f"  {step} {row.layer}: {row.name} = {formula} = {row.numbers} = {z}")
        else:
            head = network.definition(row.name)  # ReLU(z), sigmoid(z); a formula's own text
            f = type(head).__name__ if getattr(head, "is_Function", False) else row.activation
            a = format_number(row.a)
            lines.append(f"  layer {row.layer}: {row.z_name} = {formula} = {row.numbers} = {z}")
            indent = " " * len(f"  layer {row.layer}:")
            lines.append(f"{indent} {row.name} = {f}({row.z_name}) = {f}({z}) = {a}")
    outputs = ", ".join(f"{k} = {format_number(v)}" for k, v in result.outputs.items())
    lines.append(f"Output: {outputs}")
    return "\n".join(lines)


def trace_latex(result: Trace) -> str:
    network = result.network
    rows = []
    for row in result.rows:
        z_name = network.naming.latex(row.z_name)
        rows.append(rf"{z_name} &= {notes_latex(row.formula, network)} = {format_number(row.z)}")
        if row.activation != "identity":
            f = get_activation(row.activation).latex_name
            a_name = network.naming.latex(row.name)
            rows.append(rf"{a_name} &= {f}\left({z_name}\right) = {format_number(row.a)}")
    return r"\begin{aligned}" + r" \\ ".join(rows) + r"\end{aligned}"


def trace_markdown(result: Trace) -> str:
    lines = [
        f"## Trace of `{result.network.spec}`",
        "",
        "| unit | formula | numbers | z | a |",
        "|---|---|---|---|---|",
    ]
    for row in result.rows:
        lines.append(
            f"| {row.name} | `{notes_text(row.formula, result.network)}` | `{row.numbers}` | "
            f"{format_number(row.z)} | {format_number(row.a)} |"
        )
    return "\n".join(lines) + "\n"


def trace_dict(result: Trace) -> dict:
    def number(value):
        return int(value) if value.is_Integer else float(value)

    program = result.network.is_program
    return {
        "spec": str(result.network.spec),
        **({"output": result.network.loss_node} if program else {}),
        "inputs": {k: number(v) for k, v in result.inputs.items()},
        "parameters": [{"name": k, "value": number(v)} for k, v in result.parameters.items()],
        "units": [
            {
                "layer": row.layer,
                "name": row.name,
                "pre_activation": row.z_name,
                "formula": str(row.formula),
                "numbers": row.numbers,
                "z": number(row.z),
                "activation": row.activation,
                "a": number(row.a),
            }
            for row in result.rows
        ],
        "outputs": {k: number(v) for k, v in result.outputs.items()},
    }
