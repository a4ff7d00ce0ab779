"""Gradient checking: independent routes to every gradient must agree.

``symnet.testing.check_gradients`` is public: symnet's own tests use it, and so can yours.

>>> from symnet.testing import check_gradients
>>> check_gradients("2-2:tanh-1", loss="mse", torch=False).passed
True
"""

from symnet.testing.gradients import check_gradients
from symnet.testing.results import GradientReport, GradientRow

__all__ = ["check_gradients", "GradientReport", "GradientRow"]
