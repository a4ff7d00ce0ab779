"""Three derivations of every parameter's gradient, and the proof that they agree.

For each parameter w of a network with a loss:

(a) **chain rule over paths** -- dL/dw is the sum over every path from w to L of the
    product of the edge partials (:mod:`symnet.calculus.chainrule`);
(b) **backprop** -- one reverse sweep caches delta_n = dL/dn once per node; dL/dw is the
    delta of the node w feeds times one local partial (:mod:`symnet.calculus.backprop`);
(c) **direct** -- ``sympy.diff`` of the loss with every definition substituted.

:func:`derive` computes all three (refusing (a) and (c) with a reason when they would be
too large) and proves (a) = (b) = (c): symbolically on small networks (the differences
expand to 0) and numerically at a random point on larger ones. Print the result with
:mod:`symnet.calculus.derivation_format`.

>>> d = derive("3-2:sigmoid-2:sigmoid-1:sigmoid", wrt="w1")
>>> d.parameters["w1"].factors[0]
['dL/dy', 'dy/dz_y', 'dz_y/dC', 'dC/dz_C', 'dz_C/dA', 'dA/dz_A', 'dz_A/dw1']
>>> d.parameters["w1"].backprop, d.parameters["w1"].reuses
(X1*delta_z_A, ('delta_z_A',))
>>> d.multiplications, d.proof.method, d.proof.holds
((92, 23), 'symbolic', True)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

from symnet.calculus import backprop, chainrule
from symnet.calculus.backprop import backprop_values
from symnet.calculus.proofs import Proof, prove
from symnet.exceptions import SizeLimitError, SpecError
from symnet.graph.build import as_network, source_spec
from symnet.graph.guards import check_derivation
from symnet.graph.network import Network
from symnet.graph.size import MAX_SUBSTITUTED_SIZE, require_at_most, substituted_size
from symnet.graph.statements import ProgramSpec
from symnet.graph.statements import substituted_size as program_size
from symnet.numeric.forward import forward_values
from symnet.numeric.points import leaf_values

__all__ = [
    "ParameterGradient",
    "Derivation",
    "derive",
    "loss_substituted_size",
    "direct_gradients",
    "SYMBOLIC_PROOF_SIZE",
    "MAX_DIRECT_SIZE",
    "MAX_DIRECT_WORK",
]

#: Largest substituted loss (leaves) for which (b) is also written in node symbols, so that
#: the proof can be symbolic.
SYMBOLIC_PROOF_SIZE = 400
# NOTE: sympy.diff of a substituted loss takes ~0.2 ms per leaf for a first-layer weight
# here, so these limits keep route (c) within seconds.
#: Largest substituted loss (leaves) that ``sympy.diff`` is asked to differentiate.
MAX_DIRECT_SIZE = 10_000
#: Most (substituted-loss leaves x parameters) that ``sympy.diff`` is asked to walk.
MAX_DIRECT_WORK = 50_000


@dataclass
class ParameterGradient:
    """The three derivations of dL/d``name``; a route that was refused is None."""

    name: str
    feeds: str
    backprop: sp.Expr  # (b): delta symbol of `feeds` times the local partial
    expanded: sp.Expr | None  # (b) in node symbols only (small networks; else None)
    reuses: tuple[str, ...]
    paths: list[tuple[str, ...]] | None = None  # (a): node names, the parameter first
    factors: list[list[str]] | None = None  # (a): Leibniz factors of each path, loss end first
    products: list[sp.Expr] | None = None  # (a): the product of each path's partials
    chain_rule: sp.Expr | None = None  # (a): the sum of the products
    direct: sp.Expr | None = None  # (c): sympy.diff of the substituted loss


@dataclass
class Derivation:
    """Everything :func:`derive` found for one network and loss."""

    network: Network
    loss: str
    wrt: tuple[str, ...]
    deltas: dict[str, sp.Expr]  # the cached sweep, loss first, the deltas `wrt` needs
    parameters: dict[str, ParameterGradient]
    multiplications: tuple[int, int]
    users: dict[str, tuple[str, ...]]
    refused: dict[str, str] = field(default_factory=dict)
    proof: Proof | None = None
    # A graph program at its leaves' values: every node's value and each leaf's gradient.
    values: dict[str, float] | None = None
    numbers: dict[str, float] | None = None

    @property
    def value(self) -> float | None:
        """The output's value at the leaves' values (a graph program; else None)."""
        return None if self.values is None else self.values[chainrule.loss_node(self.network)]


def loss_substituted_size(network: Network) -> int:
    """Estimated leaves of the loss with every definition substituted (:mod:`symnet.graph.size`)."""
    spec = network.spec
    if isinstance(spec, ProgramSpec):
        return program_size(spec)
    one = substituted_size(spec, network.bias)  # a softmax output holds its layer's n + 1 sums
    n = spec.n_outputs
    if network.loss == "mse":
        return n * (one + 2)
    logit = one // (n + 1) if spec.layers[-1].activation == "softmax" else one  # bce, ce
    return 2 * n * (logit + 1)


def direct_gradients(network: Network, wrt: tuple[str, ...]) -> dict[str, sp.Expr]:
    """(c): ``sympy.diff`` of the fully substituted loss for each of ``wrt`` (size-guarded)."""
    size = loss_substituted_size(network)
    what = f"sympy.diff of the substituted loss of {network.spec.abbreviated}"
    hint = "use the backprop deltas, which need no substitution, or a smaller network"
    require_at_most(size, min(MAX_DIRECT_SIZE, MAX_SUBSTITUTED_SIZE), what, hint, "leaves")
    work = size * len(wrt)
    require_at_most(work, MAX_DIRECT_WORK, what + " for every parameter", hint, "leaves")
    loss = network.substituted(chainrule.loss_node(network))
    return {p: sp.diff(loss, sp.Symbol(p)) for p in wrt}


def _select(network: Network, wrt: str | tuple[str, ...]) -> tuple[str, ...]:
    if isinstance(wrt, str):
        wrt = network.parameters if wrt == "all" else (wrt,)
    for name in wrt:
        try:
            network.require_parameter(name)
        except SpecError as error:
            raise SpecError(f"{error}; or use wrt='all'") from None
    return tuple(wrt)


def _needed_deltas(network: Network, wrt, deltas) -> dict[str, sp.Expr]:
    """The deltas on some path from ``wrt`` to the loss, in sweep order."""
    needed: set[str] = set()
    frontier = list(wrt)
    while frontier:
        for successor in network.graph.successors(frontier.pop()):
            if successor in deltas and successor not in needed:
                needed.add(successor)
                frontier.append(successor)
    return {n: d for n, d in deltas.items() if n in needed}


def derive(
    network: Network | str,
    loss: str | None = None,
    wrt: str | tuple[str, ...] = "all",
    names: str = "seed",
    bias: bool = False,
    prove_equal: bool = True,
    seed: int = 0,
) -> Derivation:
    """Derive dL/dw for ``wrt`` (a parameter name, a tuple of them, or ``"all"``) three ways.

    Parameters
    ----------
    network : Network, str or ProgramSpec
        A network, a spec string or a graph program. A network without a loss is not
        changed: the derivation's own ``network`` is a copy with the loss. A program is
        differentiated at its output; when each of its leaves has a value, the derivation
        also holds every node's value and each leaf's gradient there.
    loss : {"mse", "bce", "ce"}, optional
        Default: :func:`symnet.graph.losses.default_loss` (ce for a softmax output, else mse).
    names, bias
        Used when ``network`` is a spec string.
    prove_equal : bool
        Check (a) = (b) = (c) (see :func:`symnet.calculus.proofs.prove`).
    seed : int
        The random point of the numeric proof.

    Raises
    ------
    SpecError
        A bad spec, loss or parameter name.
    SizeLimitError
        Before anything is built, for a scalar graph above
        :data:`symnet.graph.guards.MAX_DERIVE_EDGES` edges.
    """
    spec, names, bias = source_spec(network, names, bias)
    check_derivation(spec, bias)  # before anything is built
    network = as_network(network, names=names, bias=bias, loss=loss, need_loss=True)
    loss_name = "" if network.is_program else network.loss
    if loss_name is None:  # as_network(..., need_loss=True) gives every network a loss
        raise SpecError(f"{network} has no loss; pass loss='mse', 'bce' or 'ce'")
    wrt = _select(network, wrt)
    deltas = backprop.cached_deltas(network)
    grads = backprop.gradients(network, deltas)
    # The node-symbol form of (b) is only needed by the symbolic proof of small networks.
    small = loss_substituted_size(network) <= SYMBOLIC_PROOF_SIZE
    expanded = backprop.expanded_deltas(network, deltas) if small else {}
    reused = backprop.reuses(network, deltas)
    counts = chainrule.path_counts(network)
    parameters = {}
    for p in wrt:
        feeds = next(iter(network.graph.successors(p)), p)  # a program's leaf may feed none
        parameters[p] = ParameterGradient(p, feeds, grads[p], expanded.get(p), reused[p])
    derivation = Derivation(
        network,
        loss_name,
        wrt,
        _needed_deltas(network, wrt, deltas),
        parameters,
        backprop.multiplication_counts(network),
        backprop.delta_users(network),
    )
    _add_chain_rule(derivation, counts)
    try:
        for p, gradient in direct_gradients(network, wrt).items():
            parameters[p].direct = gradient
    except SizeLimitError as error:
        derivation.refused["sympy.diff"] = str(error)
    if prove_equal:
        derivation.proof = prove(derivation, seed=seed)
    if isinstance(network.spec, ProgramSpec) and len(network.spec.values) == len(network.leaves):
        _at_leaves(derivation)
    return derivation


def _at_leaves(derivation: Derivation) -> None:
    """A program's values and gradients at its leaves' values, by the numeric sweep."""
    network = derivation.network
    point = {leaf: float(value) for leaf, value in leaf_values(network).items()}
    derivation.values = forward_values(network, point)
    deltas = backprop_values(network, derivation.values)
    derivation.numbers = {leaf: deltas.get(leaf, 0.0) for leaf in network.leaves}


def _add_chain_rule(derivation: Derivation, counts: dict[str, int]) -> None:
    """Route (a) for every derived parameter, or the reason it is refused."""
    network = derivation.network
    try:
        chainrule.require_paths(network, derivation.wrt, counts=counts)
        for p, record in derivation.parameters.items():
            record.paths = chainrule.chain_rule_paths(network, p, counts=counts)
            record.factors = [chainrule.leibniz_factors(network, q) for q in record.paths]
            record.products = [chainrule.path_product(network, q) for q in record.paths]
            record.chain_rule = sp.Add(*record.products)
    except SizeLimitError as error:
        derivation.refused["chain rule"] = str(error)
