"""Printers for a :class:`~symnet.expressivity.collapse.Collapse`: text, LaTeX, Markdown, JSON.

Each printer is a pure function of the result. Text and LaTeX follow the notes' order
(:mod:`symnet.graph.notation`); the JSON dict holds SymPy ``str`` forms, so every
expression parses back.

>>> from symnet.expressivity.collapse import collapse
>>> print(collapse_text(collapse("3-2-2-1")).splitlines()[0])
Network 3-2-2-1 (names: seed, no biases)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import sympy as sp

from symnet.graph.notation import describe, notes_latex, notes_text

if TYPE_CHECKING:  # for type checkers: the collapse module imports this one
    from symnet.expressivity.collapse import Collapse

__all__ = ["collapse_text", "collapse_latex", "collapse_markdown", "collapse_dict"]


def _term_text(factors) -> str:
    return " ".join(str(f) for f in factors)


def _coefficient_groups(result: Collapse, out: str):
    """Path-ordered terms of ``out`` grouped by their source (input or bias)."""
    groups: dict[str, list] = {x: [] for x in result.network.inputs}
    constant: list = []
    for factors in result.terms[out]:
        source = str(factors[-1])
        groups.get(source, constant).append(factors)
    return groups, constant


def collapse_text(result: Collapse) -> str:
    network = result.network
    lines = [f"Network {describe(network)}"]
    lines += ["", "Layer by layer:"]
    lines += [f"  {name} = {notes_text(d, network)}" for name, d in network.equations()]
    lines += ["", "Step by step, one layer substituted per step:"]
    for out in network.outputs:
        lines.append(f"  {out} = {notes_text(result.steps[0][out], network)}")
        pad = " " * (len(out) + 3)
        lines += [f"{pad}= {notes_text(step[out], network)}" for step in result.steps[1:]]
    if not result.linear:
        return "\n".join(lines + [""] + _nonlinear_text(result))
    lines += ["", f"Fully expanded: {result.paths} terms, one per path from a source to an output:"]
    for out in network.outputs:
        lines.append(f"  {out} = " + " + ".join(_term_text(f) for f in result.terms[out]))
    lines += ["", "Collected by input (effective weights):"]
    for out in network.outputs:
        groups, constant = _coefficient_groups(result, out)
        for x, terms in groups.items():
            lines.append(f"  {out}: {x} <- " + " + ".join(_term_text(f[:-1]) for f in terms))
        if constant:
            lines.append(f"  {out}: bias <- " + " + ".join(_term_text(f) for f in constant))
    count = len(network.layers)
    chain = " ".join(f"W{layer}" for layer in range(count, 0, -1))
    verdict = "proven (each difference expands to 0)" if result.identity_proven else "NOT proven"
    lines += ["", f"Matrix identity: the effective weights are the entries of {chain}: {verdict}."]
    product = result.matrix_product.tolist() if result.matrix_product is not None else []
    lines.append(f"  {chain} = {sp.sstr(product)}")
    lines += [
        "",
        "So the network is one linear function of its inputs: no hidden layer adds power.",
    ]
    return "\n".join(lines)


def _nonlinear_text(result: Collapse) -> list[str]:
    network = result.network
    kinds = sorted({layer.activation for layer in network.layers} - {"identity"})
    lines = [
        f"The expression stays non-linear ({', '.join(kinds)} does not distribute over a sum),",
        "so the layers do not collapse into one linear function.",
    ]
    witness = result.witness
    if witness:
        weights = ", ".join(f"{k}={v}" for k, v in witness["weights"].items())
        u, v = witness["u"], witness["v"]
        total = witness["f_u"] + witness["f_v"]
        lines += [
            f"Witness ({witness['output']}) at {weights}:",
            f"  u = {u}, v = {v}: f(u) = {witness['f_u']:.6g}, f(v) = {witness['f_v']:.6g}, "
            f"f(u + v) = {witness['f_u_plus_v']:.6g} != f(u) + f(v) = {total:.6g}",
            f"  and f(u + v) + f(0) != f(u) + f(v) (f(0) = {witness['f_zero']:.6g}), "
            "so no linear layer, with or without a bias, matches it.",
        ]
    return lines


def collapse_latex(result: Collapse) -> str:
    """The collapse as one LaTeX ``aligned`` block (no surrounding ``$$``)."""
    network = result.network
    rows = []
    for out in network.outputs:
        name = network.naming.latex(out)
        rows.append(rf"{name} &= {notes_latex(result.steps[0][out], network)}")
        rows += [rf"&= {notes_latex(step[out], network)}" for step in result.steps[1:]]
        if result.linear:
            expanded = " + ".join(
                " ".join(network.naming.latex(str(f)) for f in factors)
                for factors in result.terms[out]
            )
            rows.append(rf"&= {expanded}")
    return r"\begin{aligned}" + r" \\ ".join(rows) + r"\end{aligned}"


def collapse_markdown(result: Collapse) -> str:
    network = result.network
    parts = [f"## Linearity collapse of `{network.spec}`", ""]
    parts += [
        "Step by step, one layer substituted per step:",
        "",
        "$$",
        collapse_latex(result),
        "$$",
        "",
    ]
    if result.linear:
        chain = " ".join(f"W_{{{layer}}}" for layer in range(len(network.layers), 0, -1))
        parts += [f"{result.paths} terms, one per path. Effective weights:", ""]
        for out in network.outputs:
            for x, weight in result.weights_of(out).items():
                parts.append(
                    f"- ${network.naming.latex(out)}$, ${network.naming.latex(x)}$: "
                    f"${notes_latex(weight, network)}$"
                )
        verdict = "proven" if result.identity_proven else "**not** proven"
        parts += [
            "",
            f"They are the entries of ${chain}$ ({verdict}: each difference expands to 0).",
        ]
    else:
        parts += ["", *_nonlinear_text(result)]
    return "\n".join(parts) + "\n"


def collapse_dict(result: Collapse) -> dict:
    network = result.network
    data = {
        "spec": str(network.spec),
        "names": network.naming.scheme,
        "bias": network.bias,
        "linear": result.linear,
        "output_names": list(network.outputs),
        "steps": [f"{out} = {step[out]}" for step in result.steps for out in network.outputs],
        "path_count": result.paths,
        "terms": [str(sp.Mul(*f)) for out in network.outputs for f in result.terms.get(out, [])],
        "effective_weights": {},
    }
    if result.linear:
        data["terms_by_output"] = {
            out: [str(sp.Mul(*f)) for f in result.terms[out]] for out in network.outputs
        }
        if len(network.outputs) == 1:
            data["effective_weights"] = {x: str(w) for x, w in result.effective_weights.items()}
        else:
            data["effective_weights"] = {
                out: {x: str(w) for x, w in weights.items()}
                for out, weights in result.effective_weights.items()
            }
        if network.bias:
            data["effective_bias"] = {out: str(b) for out, b in result.effective_bias.items()}
        product = result.matrix_product.tolist() if result.matrix_product is not None else []
        data["matrix_product"] = [[str(e) for e in row] for row in product]
        data["identity_proven"] = result.identity_proven
    else:
        data["witness"] = result.witness
    return data
