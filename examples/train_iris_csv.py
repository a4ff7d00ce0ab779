"""Train on a real CSV file whose classes are names, then predict with those names.

1. Writes iris.csv as iris is usually published: a header row, four measurements, and
   the species *name* last (setosa, versicolor, virginica), from scikit-learn's bundled
   copy of the data.
2. Trains 4-8:relu-3:softmax on it, exactly as ``symnet train 4-8:relu-3:softmax --data
   iris.csv -o iris.npz`` does: the header is detected, the species names become
   classes 0, 1, 2, and the split is stratified (10 of each species held out).
3. Loads the model file back (the class names are kept in it) and predicts the held-out
   flowers: each prediction is a species name, with its class probabilities.

Files go to $SYMNET_OUTPUT_DIR, default ./demo-output.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from sklearn.datasets import load_iris

from symnet.training.evaluation import predict_data
from symnet.training.loop import train
from symnet.training.modelfile import load_model

OUTPUT = Path(os.environ.get("SYMNET_OUTPUT_DIR", "demo-output"))
COLUMNS = ["sepal_length", "sepal_width", "petal_length", "petal_width", "species"]


def write_iris(path: Path) -> Path:
    """iris as published: a header row and the species name in the last column."""
    bunch = load_iris()
    rows = [",".join(COLUMNS)]
    for x, k in zip(bunch.data, bunch.target):
        rows.append(",".join([*(f"{v:g}" for v in x), str(bunch.target_names[k])]))
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def main() -> None:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    data = write_iris(OUTPUT / "iris.csv")
    print("".join(data.read_text().splitlines(keepends=True)[:3]), end="...\n\n")
    result = train("4-8:relu-3:softmax", data, seed=0, output=OUTPUT / "iris.npz", overwrite=True)
    print(result.text(), end="\n\n")

    model = load_model(OUTPUT / "iris.npz")
    found = predict_data(model, data)  # the model's own file: only the held-out flowers
    print(found.text(show=5))
    probabilities = np.asarray(found.probabilities)
    for name, row in list(zip(found.predictions, probabilities))[:5]:
        chances = ", ".join(f"{c} {p:.0%}" for c, p in zip(model.classes, row))
        print(f"  {name:<10}  ({chances})")
    assert set(found.predictions) <= set(model.classes) == {"setosa", "versicolor", "virginica"}
    assert found.accuracy == result.test_accuracy


if __name__ == "__main__":
    main()
