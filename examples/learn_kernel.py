"""Learning a kernel: gradient descent finds the notes' kernels again from filtered photos.

Shows: the gradient of the mean squared error with respect to the kernel derived with
sympy.diff on a small instance and found equal to the correlation of the input with
the upstream delta; then the notes' three kernels hidden in filtered crops of the
sample photo and recovered by preconditioned gradient descent (to ~1e-11), next to
plain gradient descent, which crawls because neighbouring pixels are correlated (the
condition number of the Hessian is in the thousands).

Files go to $SYMNET_OUTPUT_DIR (default ./demo-output): learned-<name>.png.

Run: python examples/learn_kernel.py
"""

from __future__ import annotations

import os
from pathlib import Path

from symnet.conv.kernels import NOTES_KERNELS
from symnet.conv.learning import learn_kernel, plot_fit, symbolic_gradient

OUTPUT = Path(os.environ.get("SYMNET_OUTPUT_DIR", "demo-output"))


def main() -> None:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    print(symbolic_gradient((3, 3), (2, 2)).text(), end="\n\n")
    for name in NOTES_KERNELS:
        fit = learn_kernel(name)
        print(fit.text())
        print(f"wrote {plot_fit(fit, OUTPUT / f'learned-{name}.png')}\n")
    plain = learn_kernel("sharpen", method="gd", steps=200)
    print("plain gradient descent on the same data, 200 steps:")
    print(plain.text())


if __name__ == "__main__":
    main()
