"""Code generation at two granularities, side by side, proven equal in the tests.

* :mod:`~symnet.codegen.scalar` -- the scalar graph compiled node by node.
* Layer level, each module importing only the ones above it in this list:
  :mod:`~symnet.codegen.rules` (backward rules derived on the scalar graph, stated as batch
  matrix rules), :mod:`~symnet.codegen.conv_rules` (the same for conv and pooling layers),
  :mod:`~symnet.codegen.printer` (the rules printed as NumPy),
  :mod:`~symnet.codegen.runtime` (the NumPy functions generated code calls, and its
  namespace), :mod:`~symnet.codegen.dense` and :mod:`~symnet.codegen.conv` (the lines of
  dense and image layers), :mod:`~symnet.codegen.program` (compiled training steps).
"""
