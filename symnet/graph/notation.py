"""Printers for collapses and traces: text, LaTeX, Markdown and JSON-ready dicts.

Expressions are printed in the notes' order: weights first and by number, so
``w11 (w7 A + w9 B)`` rather than SymPy's sorted ``w11*(A*w7 + B*w9)``. JSON output
uses SymPy's own ``str`` form instead, so every string parses back with SymPy.

>>> from symnet.graph.build import build_network
>>> net = build_network("3-2-2-1")
>>> notes_text(net.definition("A"), net)
'w1 X1 + w3 X2 + w5 X3'
>>> format_number(sp.Rational(-1, 9)), format_number(sp.Float(0.25))
('-1/9', '0.25')
"""

from __future__ import annotations

import sympy as sp
from sympy.printing.latex import LatexPrinter
from sympy.printing.precedence import PRECEDENCE, precedence
from sympy.printing.str import StrPrinter

from symnet.graph.activations import ACTIVATIONS

__all__ = [
    "NotesOrder",
    "notes_text",
    "notes_latex",
    "notes_factors",
    "format_number",
    "collapse_text",
    "collapse_latex",
    "collapse_markdown",
    "collapse_dict",
    "trace_text",
    "trace_markdown",
    "trace_latex",
    "trace_dict",
]


def format_number(value) -> str:
    """A short, exact-where-possible string for a SymPy number."""
    if isinstance(value, int):
        value = sp.Integer(value)
    elif isinstance(value, float):
        value = sp.Float(value)
    if value.is_Integer or value.is_Rational:
        return str(value)
    if value.is_Number:
        return f"{float(value):.6g}"
    return str(value)


def _ranks(network) -> dict[str, int]:
    """Sort order of symbols: parameters first (w1, w2, ..., biases), then nodes in topo order."""
    order = list(network.parameters) + network.topological_order()
    ranks: dict[str, int] = {}
    for name in order:
        ranks.setdefault(name, len(ranks))
    return ranks


class NotesOrder:
    """Mixin for SymPy printers: the notes' order of factors and terms.

    Products put numbers first, then symbols by :meth:`rank` (weights by number before
    nodes: ``w1 X1``), then compound factors; a matrix product keeps its order. Sums are
    ordered by their factors' ranks and lead with a positive term (``y - t``).
    Subclasses define :meth:`rank`.
    """

    def rank(self, symbol: sp.Symbol) -> int:
        raise NotImplementedError

    def _factor_key(self, factor: sp.Basic) -> tuple:
        if factor.is_Number:
            return (-1,)
        if factor.is_Symbol:
            return (self.rank(factor), factor.name)
        symbols = sorted(self.rank(s) for s in factor.free_symbols)
        return (10**9 + 1, *symbols[:1])

    def _notes_factors(self, expr: sp.Expr) -> tuple[sp.Expr, list]:
        coeff, rest = expr.as_coeff_Mul()
        factors = list(sp.Mul.make_args(rest))
        if not rest.is_commutative:  # a matrix product keeps its order: W a, not a W
            return coeff, factors
        return coeff, sorted(factors, key=self._factor_key)

    def _term_key(self, term: sp.Expr) -> list:
        return sorted(self._factor_key(f) for f in sp.Mul.make_args(term))

    def _notes_terms(self, expr: sp.Expr) -> list:
        terms = sorted(sp.Add.make_args(expr), key=self._term_key)
        positive = next((t for t in terms if not t.could_extract_minus_sign()), None)
        if positive is not None:  # lead with a positive term: y - t, not -t + y
            terms.remove(positive)
            terms.insert(0, positive)
        return terms

    @staticmethod
    def _has_denominator(expr: sp.Expr) -> bool:
        coeff = expr.as_coeff_Mul()[0]
        negative_power = any(f.is_Pow and f.exp.is_negative for f in sp.Mul.make_args(expr))
        return negative_power or (coeff.is_Rational and not coeff.is_Integer)


class _NetworkOrder(NotesOrder):
    """NotesOrder ranked by a network: its parameters first, then its nodes in topo order."""

    def __init__(self, ranks: dict[str, int], settings=None):
        super().__init__(settings or {})
        self._ranks = ranks

    def rank(self, symbol: sp.Symbol) -> int:
        return self._ranks.get(symbol.name, 10**9)

    def _print_Add(self, expr, order=None):
        text = ""
        for index, term in enumerate(self._notes_terms(expr)):
            printed = self._print(term)
            negative = printed.startswith("-")
            if index == 0:
                text = printed
            else:
                text += (" - " if negative else " + ") + (printed[1:] if negative else printed)
        return text


class _NotesStr(_NetworkOrder, StrPrinter):
    def _print_Mul(self, expr):
        coeff, factors = self._notes_factors(expr)
        if any(f.is_Pow and f.exp.is_negative for f in factors):
            return StrPrinter._print_Mul(self, expr)
        parts = [self.parenthesize(f, PRECEDENCE["Mul"]) for f in factors]
        prefix = "-" if coeff == -1 else "" if coeff == 1 else format_number(coeff) + " "
        return prefix + " ".join(parts)


class _NotesLatex(_NetworkOrder, LatexPrinter):
    def _print_Mul(self, expr):
        coeff, factors = self._notes_factors(expr)
        if any(f.is_Pow and f.exp.is_negative for f in factors):
            return LatexPrinter._print_Mul(self, expr)
        parts = []
        for f in factors:
            printed = self._print(f)
            parts.append(
                rf"\left({printed}\right)" if precedence(f) < PRECEDENCE["Mul"] else printed
            )
        prefix = "-" if coeff == -1 else "" if coeff == 1 else self._print(coeff) + " "
        return prefix + " ".join(parts)


def notes_text(expr, network) -> str:
    """``expr`` as plain text in the notes' order (``w11 (w7 A + w9 B)``)."""
    return _NotesStr(_ranks(network)).doprint(expr)


def notes_factors(expr, network) -> list[list]:
    """The terms of a sum, each as its factors, in the order :func:`notes_text` prints them."""
    printer = _NotesStr(_ranks(network))
    terms = sorted(sp.Add.make_args(expr), key=printer._term_key)
    return [sorted(sp.Mul.make_args(term), key=printer._factor_key) for term in terms]


def notes_latex(expr, network) -> str:
    """``expr`` as LaTeX in the notes' order and the network's naming scheme."""
    names = {s: network.naming.latex(s.name) for s in expr.free_symbols}
    return _NotesLatex(_ranks(network), {"symbol_names": names}).doprint(expr)


# ---- collapse ----


def _describe(network) -> str:
    biases = "with biases" if network.bias else "no biases"
    return f"{network.spec} (names: {network.naming.scheme}, {biases})"


def _term_text(factors) -> str:
    return " ".join(str(f) for f in factors)


def _coefficient_groups(result, out):
    """Path-ordered terms of ``out`` grouped by their source (input or bias)."""
    groups: dict[str, list] = {x: [] for x in result.network.inputs}
    constant = []
    for factors in result.terms[out]:
        source = str(factors[-1])
        groups.get(source, constant).append(factors)
    return groups, constant


def collapse_text(result) -> str:
    network = result.network
    lines = [f"Network {_describe(network)}"]
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
    lines.append(f"  {chain} = {sp.sstr(result.matrix_product.tolist())}")
    lines += [
        "",
        "So the network is one linear function of its inputs: no hidden layer adds power.",
    ]
    return "\n".join(lines)


def _nonlinear_text(result) -> list[str]:
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


def collapse_latex(result) -> str:
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


def collapse_markdown(result) -> str:
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


def collapse_dict(result) -> dict:
    network = result.network
    data = {
        "spec": str(network.spec),
        "names": network.naming.scheme,
        "bias": network.bias,
        "linear": result.linear,
        "outputs": list(network.outputs),
        "steps": [f"{out} = {step[out]}" for step in result.steps for out in network.outputs],
        "paths": result.paths,
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
        data["matrix_product"] = [[str(e) for e in row] for row in result.matrix_product.tolist()]
        data["identity_proven"] = result.identity_proven
    else:
        data["witness"] = result.witness
    return data


# ---- trace ----


def trace_text(result) -> str:
    network = result.network
    inputs = ", ".join(f"{k} = {format_number(v)}" for k, v in result.inputs.items())
    lines = [f"Trace of {_describe(network)} at {inputs}"]
    for row in result.rows:
        formula = notes_text(row.formula, network)
        z = format_number(row.z)
        if row.activation == "identity":
            lines.append(f"  layer {row.layer}: {row.name} = {formula} = {row.numbers} = {z}")
        else:
            f = network.definition(row.name).func.__name__
            a = format_number(row.a)
            lines.append(f"  layer {row.layer}: {row.z_name} = {formula} = {row.numbers} = {z}")
            indent = " " * len(f"  layer {row.layer}:")
            lines.append(f"{indent} {row.name} = {f}({row.z_name}) = {f}({z}) = {a}")
    outputs = ", ".join(f"{k} = {format_number(v)}" for k, v in result.outputs.items())
    lines.append(f"Output: {outputs}")
    return "\n".join(lines)


def trace_latex(result) -> str:
    network = result.network
    rows = []
    for row in result.rows:
        z_name = network.naming.latex(row.z_name)
        rows.append(rf"{z_name} &= {notes_latex(row.formula, network)} = {format_number(row.z)}")
        if row.activation != "identity":
            f = ACTIVATIONS[row.activation].latex_name
            a_name = network.naming.latex(row.name)
            rows.append(rf"{a_name} &= {f}\left({z_name}\right) = {format_number(row.a)}")
    return r"\begin{aligned}" + r" \\ ".join(rows) + r"\end{aligned}"


def trace_markdown(result) -> str:
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


def trace_dict(result) -> dict:
    def number(value):
        return int(value) if value.is_Integer else float(value)

    return {
        "spec": str(result.network.spec),
        "inputs": {k: number(v) for k, v in result.inputs.items()},
        "parameters": {k: number(v) for k, v in result.parameters.items()},
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
