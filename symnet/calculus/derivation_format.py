"""Printers for a :class:`~symnet.calculus.derivation.Derivation`: text, LaTeX, Markdown and JSON.

Each printer is a pure function of the derivation. Text follows the notes: each path's
factors in Leibniz form, loss end first (``dL/dy * dy/dz_y * dz_y/dw11``), then their
expressions; the backprop sweep lists each delta once and names the cached deltas it
reuses. JSON strings are SymPy's ``str`` form, so every expression parses back.

>>> from symnet.calculus.derivation import derive
>>> d = derive("3-2-2-1", wrt="w1")
>>> print(derivation_text(d).splitlines()[0])
Gradients of the mse loss of 3-2-2-1 (seed names, no biases)
>>> derivation_dict(d)["parameters"][0]["paths"]
[['dL/dy', 'dy/dC', 'dC/dA', 'dA/dw1'], ['dL/dy', 'dy/dD', 'dD/dA', 'dA/dw1']]
"""

from __future__ import annotations

import sympy as sp

from symnet.calculus.backprop import delta_latex, delta_name, latex
from symnet.calculus.chainrule import leibniz_latex, loss_node
from symnet.calculus.derivation import Derivation
from symnet.graph.losses import BATCH_REDUCTION, describe_loss

__all__ = [
    "derivation_text",
    "derivation_latex",
    "derivation_markdown",
    "derivation_dict",
    "tree_size",
    "MAX_SHOWN_SIZE",
]

#: Expressions with more nodes than this (as a printed tree) are summarised, not printed.
MAX_SHOWN_SIZE = 400


def tree_size(expr: sp.Basic, memo: dict | None = None) -> int:
    """Nodes of ``expr`` printed as a tree, counted over its shared DAG (linear time)."""
    memo = {} if memo is None else memo
    stack = [expr]
    while stack:
        node = stack[-1]
        if node in memo:  # pushed twice through two parents
            stack.pop()
            continue
        pending = [a for a in node.args if a not in memo]
        if pending:
            stack.extend(pending)
            continue
        stack.pop()
        memo[node] = 1 + sum(memo[a] for a in node.args)
    return memo[expr]


def _str(expr: sp.Expr) -> str:
    # NOTE: SymPy's default printing sorts the terms of every sum, which is slow for the
    # 64-term deltas of wide layers; the stored order prints faster and parses back equal.
    return sp.sstr(expr, order="none")


def _shown(expr: sp.Expr | None, memo: dict | None = None) -> str | None:
    """``str(expr)``, or None when it is absent or too big to print (``memo``: see tree_size)."""
    if expr is None or tree_size(expr, memo) > MAX_SHOWN_SIZE:
        return None
    return _str(expr)


def _wrapped(expr: sp.Expr) -> str:
    return f"({_str(expr)})" if expr.is_Add else _str(expr)


def _header(d: Derivation) -> list[str]:
    net = d.network
    if net.is_program:
        end = loss_node(net)
        equations = "; ".join(f"{name} = {_str(e)}" for name, e in net.equations())
        return [f"Gradients of {end}, the output of {net.spec}", f"Program: {equations}."]
    names = f"{net.naming.scheme} names, {'biases' if net.bias else 'no biases'}"
    return [
        f"Gradients of the {d.loss} loss of {net.spec} ({names})",
        f"Loss: {describe_loss(d.loss)}; {BATCH_REDUCTION}.",
    ]


def _readers(d: Derivation) -> dict[str, int]:
    """Node -> how many deltas and gradients read its cached delta (the reuse of the cache)."""
    reading = set(d.deltas) | set(d.wrt)
    return {
        node: sum(1 for p in d.network.graph.predecessors(node) if p in reading)
        for node in d.deltas
    }


def _values_lines(d: Derivation) -> list[str]:
    """A program at its leaves' values: the output's value and every leaf's gradient."""
    if d.values is None or d.numbers is None:
        return []
    end = loss_node(d.network)
    point = ", ".join(f"{leaf} = {d.values[leaf]:.6g}" for leaf in d.network.leaves)
    gradients = ", ".join(f"d{end}/d{leaf} = {d.numbers[leaf]:.4f}" for leaf in d.wrt)
    return ["", f"At {point}: {end} = {d.value:.4f}; {gradients}."]


def _delta_terms(d: Derivation, node: str) -> tuple[str, list[str]]:
    """'delta_z_C * dz_C/dA + ...' and the cached deltas it reuses."""
    end = loss_node(d.network)
    terms, reused = [], []
    for s in d.network.graph.successors(node):
        if s == end:
            terms.append(f"d{s}/d{node}")
        elif s in d.deltas:
            terms.append(f"{delta_name(s)} * d{s}/d{node}")
            reused.append(delta_name(s))
    return " + ".join(terms), reused


def _sweep_lines(d: Derivation) -> list[str]:
    end = loss_node(d.network)
    width = max((len(delta_name(n)) for n in d.deltas), default=0)
    lines = [f"  {delta_name(end):<{width}} = 1"]
    readers = _readers(d) if d.network.is_program else {}
    for node, delta in d.deltas.items():
        if node == end:
            continue
        form, reused = _delta_terms(d, node)
        note = f"   [{', '.join(reused)} already computed]" if reused else ""
        if readers.get(node, 0) > 1:
            note += f"   (cached: read {readers[node]} times)"
        lines.append(f"  {delta_name(node):<{width}} = {form} = {_str(delta)}{note}")
    return lines


def _path_lines(d: Derivation, name: str) -> list[str]:
    r = d.parameters[name]
    if r.paths is None or r.factors is None:  # both are set, or neither (refused)
        return ["  (a) chain rule: refused (see below)"]
    lines = [f"  (a) chain rule: {len(r.paths)} path(s) from {name} to {loss_node(d.network)}"]
    edges = d.network.graph.edges
    for path, factors in zip(r.paths, r.factors):
        loss_first = [edges[path[i], path[i + 1]]["partial"] for i in range(len(path) - 2, -1, -1)]
        lines.append("      " + " -> ".join(path))
        lines.append("        " + " * ".join(factors))
        lines.append("        = " + " * ".join(_wrapped(v) for v in loss_first))
    return lines


def _parameter_lines(d: Derivation, name: str) -> list[str]:
    r = d.parameters[name]
    dL = f"d{loss_node(d.network)}/d{name}"  # noqa: N806 - the notes' dL/dw
    lines = [dL, *_path_lines(d, name)]
    others = [p for p in d.users.get(r.feeds, ()) if p != name]
    shared = ""
    if others:
        more = " ..." if len(others) > 6 else ""
        shared = f"; also read by {', '.join(others[:6])}{more}"
    form = _delta_terms(d, name)[0] or "0"
    lines.append(f"  (b) backprop: {dL} = {form} = {_str(r.backprop)}")
    reused = ", ".join(r.reuses) or "no delta"
    lines.append(f"      reuses {reused} (cached, computed once in the sweep{shared})")
    if r.direct is None:
        lines.append("  (c) sympy.diff: refused (see below)")
    else:
        direct = _shown(r.direct) or f"<{tree_size(r.direct)} nodes, not shown>"
        lines.append(f"  (c) sympy.diff: {dL} = {direct}")
    return lines


def _proof_line(d: Derivation) -> str:
    p = d.proof
    if p is None:
        return "Proof: not requested."
    routes = " = ".join(p.routes)
    if p.method == "symbolic":
        how = "symbolically: every difference expands to 0"
    else:
        how = f"numerically at a random point, max relative difference {p.max_difference:.1e}"
    verdict = "holds" if p.holds else "FAILS: " + "; ".join(p.failures)
    checked = f"{len(p.checked)} parameter(s)"
    return f"Proof ({checked}): {routes} {how}: {verdict}."


def derivation_text(d: Derivation) -> str:
    """The derivation as plain text in the notes' notation."""
    sweep = f"Backprop: one reverse sweep from {loss_node(d.network)}, each delta computed once:"
    lines = _header(d) + ["", sweep]
    lines += _sweep_lines(d)
    for name in d.wrt:
        lines += [""] + _parameter_lines(d, name)
    naive, cached = d.multiplications
    lines += [
        "",
        f"Multiplications for every gradient: {naive} by the paths, {cached} with the cache.",
    ]
    lines += [f"Refused {route}: {why}" for route, why in d.refused.items()]
    lines.append(_proof_line(d))
    return "\n".join(lines + _values_lines(d))


def _latex_rows(d: Derivation) -> list[str]:
    net = d.network
    end = loss_node(net)
    rows = [rf"{delta_latex(net, end)} &= 1"]
    rows += [rf"{delta_latex(net, n)} &= {latex(net, e)}" for n, e in d.deltas.items() if n != end]
    for name in d.wrt:
        r = d.parameters[name]
        lhs = rf"\frac{{\partial {net.naming.latex(end)}}}{{\partial {net.naming.latex(name)}}}"
        if r.paths is not None:
            paths = " + ".join(leibniz_latex(net, p) for p in r.paths) or "0"
            rows.append(rf"{lhs} &= {paths}")
        rows.append(rf"{lhs} &= {latex(net, r.backprop)}")
        if _shown(r.direct) is not None:
            rows.append(rf"&= {latex(net, r.direct)}")
    return rows


def derivation_latex(d: Derivation) -> str:
    """The sweep and each gradient as one LaTeX ``aligned`` block."""
    return "\\begin{aligned}\n" + " \\\\\n".join(_latex_rows(d)) + "\n\\end{aligned}"


def derivation_markdown(d: Derivation) -> str:
    """Markdown with LaTeX math: header, the sweep, each gradient, counts and the proof."""
    head = _header(d)
    naive, cached = d.multiplications
    lines = [f"## {head[0]}", "", head[1], "", "$$", derivation_latex(d), "$$", ""]
    lines += ["| route | multiplications |", "|---|---|"]
    lines += [f"| chain rule over paths | {naive} |", f"| backprop with cached deltas | {cached} |"]
    lines += [""] + [f"- refused {route}: {why}" for route, why in d.refused.items()]
    lines.append(_proof_line(d))
    return "\n".join(lines + _values_lines(d))


def derivation_dict(d: Derivation) -> dict:
    """A JSON-ready dict; expressions are SymPy ``str`` forms (None when refused or too big)."""
    net = d.network
    deltas = []
    for node, delta in d.deltas.items():
        reused = sorted(s.name for s in delta.free_symbols if s.name.startswith("delta_"))
        deltas.append(
            {"node": node, "name": delta_name(node), "expression": _str(delta), "reuses": reused}
        )
    parameters = []
    memo: dict = {}  # one tree-size memo: the gradients share their subexpressions
    for name in d.wrt:
        r = d.parameters[name]
        parameters.append(
            {
                "name": name,
                "feeds": r.feeds,
                "paths": r.factors,
                "path_nodes": [list(p) for p in r.paths] if r.paths is not None else None,
                "gradient": _str(r.backprop),
                "reuses": list(r.reuses),
                "chain_rule": _shown(r.chain_rule, memo),
                "direct": _shown(r.direct, memo),
            }
        )
    naive, cached = d.multiplications
    proof = d.proof
    program = net.is_program
    return {
        "spec": str(net.spec),
        **(_program_dict(d) if program else {}),
        "names": net.naming.scheme,
        "bias": net.bias,
        "loss": None if program else d.loss,
        "loss_formula": None if program else describe_loss(d.loss),
        "batch": None if program else BATCH_REDUCTION,
        "loss_node": loss_node(net),
        "deltas": deltas,
        "parameters": parameters,
        "multiplications_naive": naive,
        "multiplications_cached": cached,
        "refused": d.refused,
        "proof": None
        if proof is None
        else {
            "method": proof.method,
            "routes": list(proof.routes),
            "checked": list(proof.checked),
            "holds": proof.holds,
            "max_difference": proof.max_difference,
            "failures": list(proof.failures),
        },
    }


def _program_dict(d: Derivation) -> dict:
    """A program's statements, its output and, at its leaves' values, ``value`` (the
    output's) and ``gradients`` (leaf -> number; both None when a leaf has no value)."""
    net = d.network
    return {
        "program": [_statement_record(net, node) for node in net.topological_order()],
        "output": loss_node(net),
        "leaves": list(net.leaves),
        "at": None if d.values is None else {leaf: d.values[leaf] for leaf in net.leaves},
        "value": d.value,
        "gradients": d.numbers,
    }


def _statement_record(net, node: str) -> dict:
    """A program's node: its expression, or a leaf's value (None when it has none)."""
    definition = net.definition(node)
    if definition is not None:
        return {"name": node, "expression": _str(definition)}
    value = net.graph.nodes[node]["value"]
    return {"name": node, "value": None if value is None else float(value)}
