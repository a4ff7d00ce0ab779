"""The text of an exported PyTorch module: an ordinary ``torch.nn.Sequential`` with the weights.

:func:`torch_module_lines` fills the module's template with the constants that
:mod:`symnet.training.export` prints (``LAYERS``, ``WEIGHTS``, ...). The layers map one to one:

============== ===================================================================
symnet layer   PyTorch module
============== ===================================================================
dense          ``Linear`` (weights (out, in), as symnet's ``W``); ``Flatten`` before
               the first dense layer over maps (the (channel, row, column) order is
               symnet's flatten order)
conv           ``Conv2d`` (kernels (K, C, kh, kw), as symnet's ``K``; correlation,
               as symnet's); ``+same``/``+full`` zero padding as ``padding=`` when it
               is symmetric, else a ``ZeroPad2d`` before it (an even kernel with
               ``+same`` pads one more row and column after than before)
maxpool/avgpool ``MaxPool2d(n)`` / ``AvgPool2d(n)`` (stride n, the edge rows dropped)
flatten        ``Flatten``
============== ===================================================================

The module is an ordinary ``nn.Module`` whose parameters require gradients, so it trains
on with any PyTorch optimiser, and scales out with PyTorch's own
``DistributedDataParallel`` on many GPUs or machines.
"""

from __future__ import annotations

from symnet.graph.activations import LEAKY_SLOPE

__all__ = ["TORCH_LAYERS", "torch_module_lines"]

#: Activation name -> the PyTorch module that computes it (None: nothing to add).
TORCH_LAYERS = {
    "identity": None,
    "relu": "torch.nn.ReLU()",
    "leaky_relu": f"torch.nn.LeakyReLU({float(LEAKY_SLOPE)!r})",
    "sigmoid": "torch.nn.Sigmoid()",
    "tanh": "torch.nn.Tanh()",
    "softmax": "torch.nn.Softmax(dim=1)",
}

_CLASSES = [
    "class Standardize(torch.nn.Module):",
    '    """x -> (x - mean) / scale, the scaling fitted on the training inputs."""',
    "",
    "    def __init__(self, mean, scale):",
    "        super().__init__()",
    '        self.register_buffer("mean", mean)',
    '        self.register_buffer("scale", scale)',
    "",
    "    def forward(self, x):",
    "        return (x - self.mean) / self.scale",
    "",
    "",
    "class Elementwise(torch.nn.Module):",
    '    """An activation written as a function of z (printed from its formula)."""',
    "",
    "    def __init__(self, name, function):",
    "        super().__init__()",
    "        self.name, self.function = name, function",
    "",
    "    def forward(self, z):",
    "        return self.function(z)",
    "",
    "    def extra_repr(self):",
    "        return self.name",
    "",
    "",
    "def _loaded(module, W, b, dtype):",
    '    """``module`` with its weight and bias set to the trained values."""',
    "    with torch.no_grad():",
    "        module.weight.copy_(torch.tensor(W, dtype=dtype))",
    "        module.bias.copy_(torch.tensor(b, dtype=dtype))",
    "    return module",
    "",
    "",
    "def _conv(W, b, stride, pads, dtype):",
    '    """Conv2d (with a ZeroPad2d before it when the zero padding is not symmetric)."""',
    "    top, bottom, left, right = pads",
    "    symmetric = top == bottom and left == right",
    "    shape = (len(W[0][0]), len(W[0][0][0]))",
    "    conv = torch.nn.Conv2d(len(W[0]), len(W), shape, stride=stride,",
    "                           padding=(top, left) if symmetric else 0, dtype=dtype)",
    "    conv = _loaded(conv, W, b, dtype)",
    "    if symmetric:",
    "        return [conv]",
    "    return [torch.nn.ZeroPad2d((left, right, top, bottom)), conv]",
    "",
    "",
    "def _layers(dtype, activation):",
    '    """The modules of LAYERS, in order, with the trained weights."""',
    "    modules, parameters, maps = [], iter(zip(WEIGHTS, BIASES)), IMAGE is not None",
    "    for layer, name in zip(LAYERS, ACTIVATIONS):",
    "        kind = layer[0]",
    '        if kind == "dense":',
    "            if maps:",
    "                modules.append(torch.nn.Flatten())",
    "                maps = False",
    "            W, b = next(parameters)",
    "            linear = torch.nn.Linear(len(W[0]), len(W), dtype=dtype)",
    "            modules.append(_loaded(linear, W, b, dtype))",
    '        elif kind == "conv":',
    "            modules += _conv(*next(parameters), layer[1], layer[2], dtype)",
    '        elif kind == "maxpool":',
    "            modules.append(torch.nn.MaxPool2d(layer[1]))",
    '        elif kind == "avgpool":',
    "            modules.append(torch.nn.AvgPool2d(layer[1]))",
    "        else:",
    "            modules.append(torch.nn.Flatten())",
    "            maps = False",
    "        if name in activation:",
    "            modules.append(activation[name])",
    "    return modules",
]


def torch_module_lines(header: list[str], extra: dict[str, str]) -> list[str]:
    """The PyTorch module: the header's constants, then ``build_model()``.

    ``extra`` maps the activations :data:`TORCH_LAYERS` lacks to PyTorch code in ``z``.
    """
    layers = "\n".join(
        [f"    {k!r}: {v}," for k, v in TORCH_LAYERS.items() if v]
        + [f"    {k!r}: Elementwise({k!r}, lambda z: {v})," for k, v in extra.items()]
    )
    return [
        "import torch",
        "",
        *header,
        "",
        "",
        *_CLASSES,
        "",
        "",
        "def build_model():",
        '    """A torch.nn.Sequential with the trained weights (in eval mode; .train() to train).',
        "",
        "    It takes raw inputs, one sample per row (an image model also takes (N, C, H, W)).",
        '    """',
        "    dtype = getattr(torch, DTYPE)",
        "    activation = {",
        layers,
        "    }",
        "    mean = torch.tensor(INPUT_MEAN, dtype=dtype)",
        "    scale = torch.tensor(INPUT_SCALE, dtype=dtype)",
        "    modules = [torch.nn.Flatten(), Standardize(mean, scale)]",
        "    if IMAGE is not None:",
        "        modules.append(torch.nn.Unflatten(1, tuple(IMAGE)))",
        "    modules += _layers(dtype, activation)",
        "    return torch.nn.Sequential(*modules).eval()",
        "",
        "",
        'if __name__ == "__main__":',
        "    print(build_model())",
    ]
