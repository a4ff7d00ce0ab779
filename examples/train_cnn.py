"""A small CNN on the 8x8 digits: derived conv rules, a gradient check, training, pictures.

1. The conv layer's backward rules, derived with sympy.diff on a tiny scalar graph: the
   kernel gradient is the input correlated with the upstream delta.
2. Every gradient of a tiny CNN (1x4x4-conv2@3x3+same:relu-maxpool2-3:softmax) checked
   three ways: symbolic backprop, generated NumPy code, finite differences (and PyTorch
   when it is installed).
3. 1x8x8-conv16@3x3+same:relu-maxpool2-10:softmax trained on the digits with the default
   settings (Adam, 30 epochs, batches of 64, a stratified 80/20 split, seed 0): test
   accuracy 96-99 % depending on the split (96.4 % for split seed 0, 98.9 % for 1).
4. Pictures of the learned kernels and of the feature maps of one digit.

Files go to $SYMNET_OUTPUT_DIR, default ./demo-output.
"""

from __future__ import annotations

import os
from pathlib import Path

from symnet.codegen.conv_rules import derive_conv_rule
from symnet.testing.gradients import check_gradients
from symnet.training.data import load_data
from symnet.training.loop import train
from symnet.training.plots import plot_feature_maps, plot_learned_kernels

OUTPUT = Path(os.environ.get("SYMNET_OUTPUT_DIR", "demo-output"))
CNN = "1x8x8-conv16@3x3+same:relu-maxpool2-10:softmax"


def main() -> None:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    print(derive_conv_rule(channels=1, image=(3, 3), kernels=1, kernel=(2, 2)))
    tiny = "1x4x4-conv2@3x3+same:relu-maxpool2-3:softmax"
    report = check_gradients(tiny, bias=True, symbolic="backprop", torch=False)
    print(
        f"\n{tiny}: {len(report.rows)} gradients, symbolic = compiled = finite differences "
        f"(max abs error {report.max_abs_error:.1e})"
    )
    result = train(CNN, "digits", seed=0)
    print(
        f"\n{CNN} on digits: {result.epochs} epochs in {result.seconds:.2f} s "
        f"({1000 * result.seconds / result.epochs:.0f} ms per epoch), "
        f"test accuracy {result.test_accuracy:.2%}"
    )
    kernels = plot_learned_kernels(result.model, OUTPUT / "cnn_kernels.png")
    maps = plot_feature_maps(result.model, load_data("digits").X[0], OUTPUT / "cnn_maps.png")
    print(f"Pictures: {kernels}, {maps}")


if __name__ == "__main__":
    main()
