"""What an activation changes: a concrete witness that a network is not linear.

A linear map satisfies f(u + v) = f(u) + f(v); an affine map (a linear layer with a
bias) satisfies f(u + v) + f(0) = f(u) + f(v). :func:`linearity_witness` searches small
integer weights and inputs until the network breaks the affine identity (so no single
linear layer, with or without bias, can match it), and returns the numbers.

>>> from symnet.graph.build import build_network
>>> witness = linearity_witness(build_network("1-1:relu"))
>>> witness["f_u"] + witness["f_v"] != witness["f_u_plus_v"]
True
"""

from __future__ import annotations

import sympy as sp

from symnet.graph.network import Network
from symnet.numeric.forward import forward_values
from symnet.seeds import random_generator

__all__ = ["linearity_witness"]


def linearity_witness(network: Network, seed: int = 0, tries: int = 200) -> dict | None:
    """Weights and inputs u, v at which the first output breaks f(u+v) + f(0) = f(u) + f(v).

    Returns a dict with ``weights`` (name -> int), ``u``, ``v`` (input lists), the values
    ``f_u``, ``f_v``, ``f_u_plus_v``, ``f_zero`` (floats), and ``additivity_gap`` =
    f(u+v) - f(u) - f(v); or None when no witness turned up (a linear network).
    """
    rng = random_generator(seed)
    output = network.outputs[0]
    n_inputs = len(network.inputs)
    for _ in range(tries):
        weights = {p: int(rng.choice([-3, -2, -1, 1, 2, 3])) for p in network.parameters}
        u = [int(x) for x in rng.integers(-3, 4, n_inputs)]
        v = [int(x) for x in rng.integers(-3, 4, n_inputs)]
        uv = [a + b for a, b in zip(u, v)]
        values = [
            float(
                sp.N(
                    forward_values(
                        network, {**dict(zip(network.inputs, x)), **weights}, exact=True
                    )[output]
                )
            )
            for x in (u, v, uv, [0] * n_inputs)
        ]
        f_u, f_v, f_uv, f_zero = values
        if abs(f_uv + f_zero - f_u - f_v) > 1e-9:
            return {
                "output": output,
                "weights": weights,
                "u": u,
                "v": v,
                "f_u": f_u,
                "f_v": f_v,
                "f_u_plus_v": f_uv,
                "f_zero": f_zero,
                "additivity_gap": f_uv - f_u - f_v,
            }
    return None
