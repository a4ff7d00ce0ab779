"""The text of an exported JAX module: a pure ``predict(params, x)`` and its ``PARAMS``.

:func:`jax_module_lines` fills the module's template with the constants that
:mod:`symnet.training.export` prints (``LAYERS``, ``WEIGHTS``, ...). Dense layers are
``a @ W.T + b``; conv layers are ``jax.lax.conv_general_dilated`` (a correlation, as
symnet's, kernels (K, C, kh, kw), the zero padding of ``+same``/``+full`` given as
(before, after) per axis) at ``Precision.HIGHEST``; pooling crops the edge rows and
columns no window covers and takes each n x n window's max or mean, as symnet does.

NOTE: JAX computes in float32 unless 64-bit mode is on, and silently casts float64
arrays down. A float64 model's module therefore turns it on when imported,
``jax.config.update("jax_enable_x64", True)`` (a process-wide JAX setting, which is what
keeps the weights and the predictions identical to symnet's); a float32 model's module
leaves the setting alone and computes in float32, as the model was trained.
"""

from __future__ import annotations

from symnet.graph.activations import LEAKY_SLOPE

__all__ = ["JAX_FUNCTIONS", "jax_module_lines"]

#: Activation name -> JAX code in ``z``.
JAX_FUNCTIONS = {
    "identity": "z",
    "relu": "jnp.maximum(z, 0)",
    "leaky_relu": f"jnp.where(z > 0, z, {float(LEAKY_SLOPE)!r} * z)",
    "sigmoid": "jax.nn.sigmoid(z)",
    "tanh": "jnp.tanh(z)",
    "softmax": "jax.nn.softmax(z, axis=-1)",
}

_FUNCTIONS = [
    "def make_params():",
    '    """(mean, scale, [(W, b), ...]) as jax arrays of DTYPE (W: dense weights or kernels)."""',
    "    layers = [(jnp.asarray(W, dtype=DTYPE), jnp.asarray(b, dtype=DTYPE))",
    "              for W, b in zip(WEIGHTS, BIASES)]",
    "    mean = jnp.asarray(INPUT_MEAN, dtype=DTYPE)",
    "    return mean, jnp.asarray(INPUT_SCALE, dtype=DTYPE), layers",
    "",
    "",
    "def _pool(a, n, kind):",
    '    """Each n x n window (stride n) of the maps a (N, C, H, W): its max or mean."""',
    "    N, C, H, W = a.shape",
    "    R, Q = H // n, W // n",
    "    blocks = a[:, :, : R * n, : Q * n].reshape(N, C, R, n, Q, n)",
    '    return blocks.max(axis=(3, 5)) if kind == "maxpool" else blocks.mean(axis=(3, 5))',
    "",
    "",
    "def _conv(a, K, b, stride, pads):",
    '    """The correlation of the maps a (N, C, H, W) with the kernels K (K, C, kh, kw), + b."""',
    "    top, bottom, left, right = pads",
    "    z = jax.lax.conv_general_dilated(",
    "        a, K, (stride, stride), ((top, bottom), (left, right)),",
    '        dimension_numbers=("NCHW", "OIHW", "NCHW"),',
    "        precision=jax.lax.Precision.HIGHEST,",
    "    )",
    "    return z + b[:, None, None]",
    "",
    "",
    "def predict(params, x):",
    '    """The outputs for raw inputs x, one sample per row (an image model: or (N, C, H, W))."""',
    "    mean, scale, layers = params",
    "    x = jnp.asarray(x, dtype=DTYPE)",
    "    a = (x.reshape(x.shape[0], -1) - mean) / scale",
    "    if IMAGE is not None:",
    "        a = a.reshape((a.shape[0], *IMAGE))",
    "    parameters = iter(layers)",
    "    for layer, name in zip(LAYERS, ACTIVATIONS):",
    "        kind = layer[0]",
    '        if kind == "dense":',
    "            W, b = next(parameters)",
    "            z = a.reshape(a.shape[0], -1) @ W.T + b",
    '        elif kind == "conv":',
    "            z = _conv(a, *next(parameters), layer[1], layer[2])",
    '        elif kind == "flatten":',
    "            z = a.reshape(a.shape[0], -1)",
    "        else:",
    "            z = _pool(a, layer[1], kind)",
    "        a = _activation(name, z)",
    "    return a",
]


def jax_module_lines(header: list[str], extra: dict[str, str]) -> list[str]:
    """The JAX module: the header's constants, then ``predict(params, x)`` and ``PARAMS``.

    ``extra`` maps the activations :data:`JAX_FUNCTIONS` lacks to JAX code in ``z``.
    """
    cases = "\n".join(
        f"    if name == {k!r}:\n        return {v}" for k, v in {**JAX_FUNCTIONS, **extra}.items()
    )
    return [
        "import jax",
        "import jax.numpy as jnp",
        "",
        *header,
        "",
        'if DTYPE == "float64":',
        "    # JAX computes in float32 unless 64-bit mode is on (a process-wide setting);",
        "    # on, the weights and predictions are float64, identical to symnet's.",
        '    jax.config.update("jax_enable_x64", True)',
        "",
        "",
        "def _activation(name, z):",
        cases,
        '    raise ValueError(f"unknown activation {name!r}")',
        "",
        "",
        *_FUNCTIONS,
        "",
        "",
        "PARAMS = make_params()",
        "",
        "",
        'if __name__ == "__main__":',
        "    print(SPEC, ACTIVATIONS)",
    ]
