"""Loss functions as nodes of the network graph: targets t and one loss node L.

:func:`add_loss` appends to a :class:`~symnet.graph.network.Network` one ``target`` node per
output (``t`` for a single output in the seed scheme, else ``t1 .. tn``) and one ``loss``
node (``L``) whose definition is the per-sample loss and whose in-edges carry the local
partials, so that the chain rule, backprop and ``sympy.diff`` all start from the same node.

==== ============================== ======================================================
name output layer                   per-sample loss L (edges into L come from)
==== ============================== ======================================================
mse  any                            1/2 sum_k (y_k - t_k)^2            (the outputs y_k)
bce  1:sigmoid                      softplus(z_y) - t z_y              (the logit z_y)
ce   n:softmax                      logsumexp(z_1..z_n) - sum_k t_k z_k (the logits z_k)
mae  any                            sum_k |y_k - t_k|                  (the outputs y_k)
huber any                           sum_k huber(y_k - t_k) (delta 1)   (the outputs y_k)
NAME any                            sum_k l(y_k, t_k), a formula of the current scope
==== ============================== ======================================================

A formula loss ``l(y, t)`` (:func:`symnet.graph.registry.formula_scope`; from text,
``symnet.formulas(losses={"logcosh": "log(cosh(y - t))"})``) is written into the loss node
as it is, and differentiated by ``sympy.diff`` like every other loss.

>>> from symnet.graph.build import build_network
>>> net = add_loss(build_network("2-1:sigmoid"), "bce")
>>> net.definition("L")
-t*z_y + softplus(z_y)
>>> net.graph.edges["z_y", "L"]["partial"]
-t + sigmoid(z_y)
>>> add_loss(build_network("2-2"), "mse").definition("L")
(-t1 + y1)**2/2 + (-t2 + y2)**2/2

Notes
-----
Each loss is per sample; the loss of a batch is the **mean** over its samples, so batch
gradients are the mean of the per-sample gradients derived here.
"""

from __future__ import annotations

import sympy as sp

from symnet.exceptions import SpecError
from symnet.graph.functions import DefinedFunction, SymnetFunction, absolute, softmax, softplus
from symnet.graph.network import Network
from symnet.graph.registry import LOSS_NAMES, current_formulas
from symnet.graph.spec import NetworkSpec

__all__ = [
    "LOSSES",
    "LOSS_FORMULAS",
    "BATCH_REDUCTION",
    "add_loss",
    "default_loss",
    "task_of",
    "check_loss",
    "softplus",
    "logsumexp",
    "huber",
    "unit_clip",
    "per_output_loss",
    "loss_key",
    "describe_loss",
]

LOSSES = LOSS_NAMES  # ("mse", "bce", "ce", "mae", "huber"), listed without SymPy in the registry

# NOTE: mse carries the factor 1/2 so that dL/dy = y - t, as in most course notes; it is
# summed (not averaged) over the outputs of one sample.
LOSS_FORMULAS = {
    "mse": "L = 1/2 sum_k (y_k - t_k)^2 (squared error per sample, halved)",
    "bce": "L = softplus(z_y) - t z_y = -t log(y) - (1 - t) log(1 - y), y = sigmoid(z_y)",
    "ce": "L = logsumexp(z_1..z_n) - sum_k t_k z_k = -sum_k t_k log softmax_k (sum_k t_k = 1)",
    "mae": "L = sum_k |y_k - t_k| (absolute error per sample; d|r|/dr = sign(r), sign(0) = 0)",
    "huber": "L = sum_k huber(y_k - t_k), huber(r) = r^2/2 if |r| <= 1 else |r| - 1/2 (delta 1)",
}

# NOTE: the loss of a batch is the mean of the per-sample losses.
BATCH_REDUCTION = "batch loss = mean of the per-sample losses over the batch"


class logsumexp(SymnetFunction):  # noqa: N801
    """logsumexp(z_1, ..., z_n) = log(exp(z_1) + ... + exp(z_n)); d/dz_k is softmax_k.

    >>> a, b = sp.symbols("a b")
    >>> sp.diff(logsumexp(a, b), b)
    softmax(b, a, b)
    """

    def fdiff(self, argindex=1):
        return softmax(self.args[argindex - 1], *self.args)

    def _eval_rewrite_as_log(self, *args, **kwargs):
        return sp.log(sp.Add(*(sp.exp(z) for z in args)))

    def _eval_evalf(self, prec):
        return self.rewrite(sp.log)._eval_evalf(prec)

    def _eval_rewrite_as_elementary(self, *args, **kwargs):
        return self.rewrite(sp.log)

    def _latex_body(self, printer):
        inner = ", ".join(printer._print(z) for z in self.args)
        return rf"\operatorname{{logsumexp}}\left({inner}\right)"


class unit_clip(DefinedFunction):  # noqa: N801
    """r clipped to [-1, 1]: the derivative of :class:`huber` (continuous: huber is C^1)."""

    latex = r"\operatorname{clip}_{[-1,1]}"
    definition = staticmethod(lambda r: sp.Max(-1, sp.Min(1, r)))
    rule = staticmethod(lambda r: sp.Heaviside(1 - absolute(r), 1))


class huber(DefinedFunction):  # noqa: N801
    """huber(r) = r^2 / 2 for |r| <= 1, else |r| - 1/2 (delta 1, as PyTorch's huber_loss).

    >>> r = sp.Symbol("r")
    >>> sp.diff(huber(r), r), huber(3).evalf(3)
    (unit_clip(r), 2.50)
    """

    latex = r"\operatorname{huber}"
    definition = staticmethod(
        lambda r: sp.Piecewise((r**2 / 2, r**2 <= 1), (sp.Max(r, -r) - sp.S.Half, True))
    )
    rule = staticmethod(lambda r: unit_clip(r))


def per_output_loss(loss: str) -> sp.Expr | None:
    """The loss of one output, l(y, t), for a loss summed over outputs; None for bce and ce.

    A formula loss of the current scope (:func:`symnet.graph.registry.formula_scope`) is
    its expression in y and t, with ``abs`` the real absolute value.

    >>> per_output_loss("mse"), per_output_loss("mae"), per_output_loss("ce")
    ((-t + y)**2/2, absolute(-t + y), None)
    """
    y, t = sp.symbols("y t")
    built_in = {
        "mse": sp.Rational(1, 2) * (y - t) ** 2,
        "mae": absolute(y - t),
        "huber": huber(y - t),
    }
    if loss in built_in:
        return built_in[loss]
    formula = current_formulas().losses.get(loss)
    return None if formula is None else formula.expr


def describe_loss(loss: str) -> str:
    """The loss's formula in words: :data:`LOSS_FORMULAS`, or a formula loss's own text.

    >>> describe_loss("mae")[:22]
    'L = sum_k |y_k - t_k| '
    """
    if loss in LOSS_FORMULAS:
        return LOSS_FORMULAS[loss]
    formula = current_formulas().losses.get(loss)
    text = "?" if formula is None else " ".join(formula.text.split())
    return f"L = sum_k l(y_k, t_k), l(y, t) = {text} (a formula loss, summed over outputs)"


def loss_key(loss: str) -> tuple:
    """What identifies the loss ``loss`` now: its name, and its formula if it has one."""
    formula = current_formulas().losses.get(loss)
    return (loss,) if formula is None else formula.key


def default_loss(spec: NetworkSpec, training: bool = False) -> str:
    """The loss used when none is named; the one owner of that choice.

    For a derivation (``training=False``): ``ce`` for a softmax output, else ``mse``. For
    training: also ``bce`` for a 1:sigmoid output.

    NOTE: a derivation of a 1:sigmoid output keeps mse by default, as in the notes'
    squared-error example (ask for ``bce`` explicitly); a classifier is trained with bce,
    whose gradient does not vanish when the sigmoid saturates.

    >>> from symnet.graph.spec import parse_spec
    >>> spec = parse_spec("2-4:relu-1:sigmoid")
    >>> default_loss(spec), default_loss(spec, training=True)
    ('mse', 'bce')
    """
    last = spec.output_layer
    if last.activation == "softmax":
        return "ce"
    if training and (last.width, last.activation) == (1, "sigmoid"):
        return "bce"
    return "mse"


def task_of(spec: NetworkSpec, loss: str) -> str:
    """``"regression"`` for the mse loss on a linear output, else ``"classification"``.

    >>> from symnet.graph.spec import parse_spec
    >>> task_of(parse_spec("1-8:tanh-1"), "mse"), task_of(parse_spec("2-3:softmax"), "ce")
    ('regression', 'classification')
    """
    linear = spec.output_layer.activation == "identity"
    return "regression" if loss not in ("bce", "ce") and linear else "classification"


def check_loss(spec: NetworkSpec, loss: str) -> None:
    """Raise ``SpecError`` unless ``loss`` is known and fits the output layer of ``spec``."""
    if loss not in LOSSES and loss not in current_formulas().losses:
        allowed = ", ".join(repr(name) for name in (*LOSSES, *current_formulas().losses))
        raise SpecError(
            f"loss must be one of {allowed} or a formula in y and t (loss='NAME=EXPR'); "
            f"got {str(loss)[:60]!r}"
        )
    output = spec.output_layer
    if loss == "bce" and (output.width, output.activation) != (1, "sigmoid"):
        raise SpecError(
            f"loss='bce' needs a 1:sigmoid output layer; got {output}; "
            "end the spec with 1:sigmoid or use loss='mse'"
        )
    if loss == "ce" and output.activation != "softmax":
        raise SpecError(
            f"loss='ce' needs a softmax output layer (e.g. 3:softmax); got {output}; "
            "end the spec with N:softmax or use loss='mse'"
        )


def _target_names(network: Network) -> tuple[str, ...]:
    n = len(network.outputs)
    if network.naming.scheme == "seed" and n == 1:
        return ("t",)
    return tuple(f"t{k + 1}" for k in range(n))


def _loss_definition(network: Network, loss: str, targets: tuple[sp.Symbol, ...]):
    """(definition of L, the nodes its edges come from)."""
    last = network.layers[-1]
    per_output = per_output_loss(loss)
    if per_output is not None:  # mse, mae, huber, a formula: sum_k l(y_k, t_k)
        y, t = sp.symbols("y t")
        ys = [sp.Symbol(name) for name in network.outputs]
        terms = [per_output.xreplace({y: yk, t: tk}) for yk, tk in zip(ys, targets)]
        return sp.Add(*terms), network.outputs
    logits = [sp.Symbol(z) for z in last.sums]
    if loss == "bce":
        # NOTE: written from the logit, never as -t log(sigmoid(z)): softplus is stable at
        # |z| = 1000 and dL/dz = sigmoid(z) - t needs no division by y (1 - y).
        return softplus(logits[0]) - targets[0] * logits[0], last.sums
    # NOTE: ce from the logits: logsumexp(z) - sum t_k z_k equals -sum t_k log softmax_k
    # when the targets sum to 1 (one-hot), and dL/dz_k = softmax_k - t_k.
    cross = sp.Add(*(t * z for t, z in zip(targets, logits)))
    return logsumexp(*logits) - cross, last.sums


def add_loss(network: Network, loss: str) -> Network:
    """Add target nodes and the loss node to ``network`` (in place) and return it.

    Parameters
    ----------
    network : Network
        A network without a loss yet; it is **mutated**: its graph gains the target nodes
        (kind ``"target"``) and the loss node (kind ``"loss"``), and the attributes
        ``loss`` (the loss name), ``loss_node`` (the loss node's name, ``"L"``) and
        ``targets`` (the target node names, one per output) are set.
    loss : {"mse", "bce", "ce", "mae", "huber"} or a formula's name
        See the module docstring for each definition; ``bce`` needs a 1:sigmoid output,
        ``ce`` a softmax output; a formula loss of the current scope is summed over outputs.

    Returns
    -------
    Network
        The same object, for chaining.

    Raises
    ------
    SpecError
        An unknown loss, one that does not fit the output layer, or a second loss.

    >>> from symnet.graph.build import build_network
    >>> net = add_loss(build_network("2-3:softmax", names="indexed"), "ce")
    >>> net.targets, net.loss_node, sorted(net.graph.predecessors("L"))
    (('t1', 't2', 't3'), 'L', ['t1', 't2', 't3', 'z1_1', 'z1_2', 'z1_3'])
    """
    check_loss(network.layered_spec, loss)
    if network.loss is not None:
        raise SpecError(
            f"this network already has the loss {network.loss!r}; build a new network "
            "to use another loss"
        )
    name = "L"  # no naming scheme gives a unit this name
    output_layer = len(network.layers)
    targets = _target_names(network)
    target_symbols = []
    for k, target in enumerate(targets):
        target_symbols.append(network.add_node(target, "target", layer=output_layer, unit=k))
    definition, sources = _loss_definition(network, loss, tuple(target_symbols))
    network.add_node(name, "loss", definition, layer=output_layer + 1, unit=0, loss=loss)
    for source in (*sources, *targets):
        partial = sp.diff(definition, sp.Symbol(source))
        network.graph.add_edge(source, name, partial=partial)
    network.loss = loss
    network.loss_node = name
    network.targets = targets
    return network
