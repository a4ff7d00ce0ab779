"""The notes' three kernels (outline, blur, sharpen) applied to a real photo.

Shows: the kernel library with exact weights (blur is nine 1/9), one output pixel written
as the dot product of the kernel with the image patch under it (first with pixel
symbols p_{r,c}, then with the photo's numbers), the flip that separates true
convolution from the cross-correlation CNNs compute, and one side-by-side picture of
the photo and the three filtered images. Also draws the convolutional-layer diagram
(input -> 3 kernels -> 3 feature maps, one window highlighted) as DOT text, and as SVG
when Graphviz is installed.

Files go to $SYMNET_OUTPUT_DIR (default ./demo-output): kernels-on-photo.png,
conv-layer.dot (and conv-layer.svg).

Run: python examples/kernels_on_photo.py
"""

from __future__ import annotations

import os
from pathlib import Path

from symnet.conv.dot_product import dot_product, flip_explanation
from symnet.conv.kernels import KERNELS, NOTES_KERNELS
from symnet.demos import demo_kernels
from symnet.exceptions import RenderError
from symnet.render.conv import conv_layer_diagram

OUTPUT = Path(os.environ.get("SYMNET_OUTPUT_DIR", "demo-output"))


def main() -> None:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    for name in NOTES_KERNELS:
        print(KERNELS[name], end="\n\n")
    print("Each output pixel is the dot product of the kernel with the patch under it:")
    print(dot_product("sharpen", (0, 0)).text(), end="\n\n")
    print(flip_explanation("sobel_x"), end="\n\n")
    print(demo_kernels(OUTPUT), end="\n\n")
    diagram = conv_layer_diagram(list(NOTES_KERNELS), (7, 7), (2, 3), padding="same")
    print(f"conv layer diagram: {diagram!r}; wrote {diagram.save(OUTPUT / 'conv-layer.dot')}")
    try:
        print(f"wrote {diagram.save(OUTPUT / 'conv-layer.svg')}")
    except RenderError as error:
        print(f"(no SVG: {error})")


if __name__ == "__main__":
    main()
