"""Real CSV files through ``train``, ``predict`` and ``report``: iris, wine and diabetes as
they are published, the CSV options, and a table of bad files each refused in one line."""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from symnet.exceptions import DataError, SpecError
from tests.csv_files import write_diabetes, write_iris, write_wine


def _json(result) -> dict:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_iris_as_published_trains_and_predicts_with_class_names(run_cli, tmp_path):
    iris, model = write_iris(tmp_path / "iris.csv"), tmp_path / "iris.npz"
    trained = run_cli(["train", "4-8:relu-3:softmax", "--data", str(iris), "-o", str(model)])
    assert trained.exit_code == 0, trained.output
    assert trained.stdout.startswith("Read iris.csv: 150 rows, a header row, delimiter ','")
    assert "classes setosa versicolor virginica" in trained.stdout
    summary = _json(run_cli(["train", "4-8:relu-3:softmax", "--data", str(iris), "--json"]))
    assert summary["classes"] == ["setosa", "versicolor", "virginica"]
    assert summary["n_train"] + summary["n_test"] == 150 and summary["test_accuracy"] >= 0.85
    assert summary["csv"]["target"] == ["species"] and summary["split_seed"] == 0

    text = run_cli(["predict", str(model), "--data", str(iris)])
    assert text.exit_code == 0, text.output
    first, shown = text.stdout.splitlines()
    assert "(test split: 30 of 150)" in first
    names = shown.removeprefix("first predictions: ").removesuffix(" ...").split(", ")
    assert len(names) == 10 and set(names) <= {"setosa", "versicolor", "virginica"}

    found = _json(run_cli(["predict", str(model), "--data", str(iris), "--json"]))
    assert (found["split"], found["samples"]) == ("test", 30)
    assert found["accuracy"] == summary["test_accuracy"]  # the figure train reported
    assert found["classes"] == ["setosa", "versicolor", "virginica"]
    probabilities = np.array(found["probabilities"])
    assert probabilities.shape == (30, 3) and np.allclose(probabilities.sum(axis=1), 1.0)
    assert [found["classes"][k] for k in probabilities.argmax(axis=1)] == found["predictions"]
    every = _json(run_cli(["predict", str(model), "--data", str(iris), "--split", "all", "--json"]))
    assert (every["split"], every["samples"]) == ("all", 150)


def test_wine_with_the_class_first(run_cli, tmp_path):
    wine, model = write_wine(tmp_path / "wine.csv"), tmp_path / "wine.npz"
    args = ["train", "13-16:relu-3:softmax", "--data", str(wine), "--target", "0"]
    summary = _json(run_cli([*args, "-o", str(model), "--json"]))
    assert summary["classes"] == [1, 2, 3] and summary["csv"]["header"] is False
    assert summary["n_train"] + summary["n_test"] == 178 and summary["test_accuracy"] >= 0.9
    # NOTE under test: predict reads the file as training did: the class in column 0.
    found = _json(run_cli(["predict", str(model), "--data", str(wine), "--json"]))
    assert found["split"] == "test" and set(found["predictions"]) <= {1, 2, 3}
    assert found["accuracy"] == summary["test_accuracy"]


def test_diabetes_with_a_target_on_a_header_row_reports_r2(run_cli, tmp_path):
    diabetes = write_diabetes(tmp_path / "diabetes.tsv")
    args = ["train", "10-16:relu-1", "--data", str(diabetes), "--target", "Y"]
    summary = _json(run_cli([*args, "--json"]))
    assert summary["n_train"] + summary["n_test"] == 442 and summary["loss"] == "mse"
    assert summary["test_r2"] > 0.3 and summary["train_r2"] > summary["test_r2"] - 0.3
    assert summary["test_mse"] == pytest.approx(2 * summary["test_loss"])  # one output
    assert summary["train_accuracy"] is None and summary["classes"] == []
    text = run_cli(args).stdout
    assert "delimiter '\\t', target Y, 10 features" in text
    assert "  test:  MSE " in text and " R² " in text and "half the squared error" in text
    numbered = write_diabetes(tmp_path / "numbered.csv", header=[str(k) for k in range(11)])
    again = _json(run_cli(["train", "10-16:relu-1", "--data", str(numbered), "--json"]))
    assert again["n_train"] + again["n_test"] == 442 and again["csv"]["header"] is True


def test_several_targets_dropped_columns_and_missing_rows(run_cli, tmp_path):
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, size=(80, 2))
    rows = [f"{k},{a:.6f},{b:.6f},{a + b:.6f},{a - b:.6f}" for k, (a, b) in enumerate(X)]
    rows[5] = "5,0.1,,0.1,0.1"  # a gap
    path = tmp_path / "sums.csv"
    path.write_text(",a,b,u,v\n" + "\n".join(rows) + "\n", encoding="utf-8")
    args = ["train", "2-8:tanh-2", "--data", str(path), "--target", "u", "--target", "v"]
    refused = run_cli([*args, "--drop", "0"])
    assert refused.exit_code == DataError.exit_code
    assert "line 7, column 'b' (index 2): missing value" in refused.stderr
    assert "--drop-missing" in refused.stderr
    summary = _json(run_cli([*args, "--drop", "0", "--drop-missing", "--json", "--epochs", "300"]))
    assert summary["csv"]["skipped_rows"] == 1 and summary["n_train"] + summary["n_test"] == 79
    assert summary["csv"]["target"] == ["u", "v"] and summary["test_r2"] > 0.9


def test_the_split_seed_moves_the_split_and_not_the_weights(run_cli, tmp_path):
    path = write_iris(tmp_path / "iris.csv")
    args = ["train", "4-8:relu-3:softmax", "--data", str(path), "--epochs", "1", "--json"]
    first = _json(run_cli(args))
    other = _json(run_cli([*args, "--split-seed", "7"]))
    assert (first["seed"], first["split_seed"], other["seed"], other["split_seed"]) == (0, 0, 0, 7)
    assert first["data_sha256"] == other["data_sha256"]
    assert first["train_loss"] != other["train_loss"]  # another training part
    assert run_cli([*args, "--split-seed", "-1"]).exit_code == 2


def test_a_byte_order_mark_does_not_cost_the_first_row(run_cli, tmp_path):
    plain, marked = tmp_path / "plain.csv", tmp_path / "marked.csv"
    text = "".join(f"{k % 7},{(k * 3) % 5},{k % 2}\n" for k in range(40))
    plain.write_text(text, encoding="utf-8")
    marked.write_text("\ufeff" + text, encoding="utf-8")
    model = tmp_path / "m.npz"
    run_cli(
        ["train", "2-4:tanh-1:sigmoid", "--data", str(plain), "--epochs", "5", "-o", str(model)]
    )
    for path in (plain, marked):
        found = _json(
            run_cli(["predict", str(model), "--data", str(path), "--split", "all", "--json"])
        )
        assert found["samples"] == 40


# ---- bad CSV files: one line, the right exit code, fast, nothing written -------------------------

BAD_FILES = [
    ("empty", b"", [], DataError, "is empty"),
    ("not-utf8", b"1,2,0\n\xff\xfe,3,1\n", [], DataError, "is not UTF-8 text"),
    ("ragged", b"1,2,0\n3,4\n", [], DataError, "line 2 has 2 cells but line 1 has 3"),
    ("nan", b"1,2,0\n3,NaN,1\n", [], DataError, "line 2, column index 1: missing value ('NaN')"),
    ("missing", b"x,y,c\n1,2,0\n3,,1\n", [], DataError, "line 3, column 'y' (index 1): missing"),
    ("inf", b"1,2,0\n3,-inf,1\n", [], DataError, "-inf is not a finite number"),
    ("huge", b"1,2,0\n3,1e308,1\n", [], DataError, "1e308 is too large to train on"),
    ("text", b"1,2,0\n3,abc,1\n", [], DataError, "'abc' is not a number; features must"),
    ("labels", b"x,y,t\n1,2,high\n3,4,low\n", ["regression"], DataError, "'high' is not a number"),
    ("one-class", b"1,2,a\n3,4,a\n", [], DataError, "has a single class (a)"),
    ("header-only", b"x,y,c\n", [], DataError, "has a header row but no data rows"),
    ("binary", b"1,2,0\n\x00\x00\x00\n", [], DataError, "holds NUL bytes"),
    ("fifo", None, [], DataError, "is not a regular file"),
    ("folder", "folder", [], DataError, "it is a folder; give a file"),
    ("no-column", b"x,y,c\n1,2,0\n", ["--target", "z"], SpecError, "--target z is not a column"),
    ("two-targets", b"1,2,0\n", ["--target", "0", "--target", "1"], SpecError, "one target"),
]


def _bad_file(tmp_path: Path, name: str, content) -> Path:
    path = tmp_path / f"{name}.csv"
    if content is None:
        os.mkfifo(path)

        # NOTE: a reader that opened the FIFO would wait for a writer; this one ends the
        # wait after 5 s, so a regression fails the test instead of hanging it.
        def release():
            time.sleep(5)
            with contextlib.suppress(OSError):  # no reader waiting: fails at once, fine
                os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))

        threading.Thread(target=release, daemon=True).start()
    elif content == "folder":
        path.mkdir()
    else:
        path.write_bytes(content)
    return path


@pytest.mark.parametrize("command", ["train", "report"])
@pytest.mark.parametrize(
    "name, content, extra, error, message", BAD_FILES, ids=[case[0] for case in BAD_FILES]
)
def test_a_bad_csv_file_is_refused_in_one_line(
    run_cli, tmp_path, command, name, content, extra, error, message
):
    spec = "2-4:tanh-1" if extra == ["regression"] else "2-4:tanh-1:sigmoid"
    extra = [] if extra == ["regression"] else extra
    data = _bad_file(tmp_path, name, content)
    output = tmp_path / ("model.npz" if command == "train" else "report.html")
    before = sorted(os.listdir(tmp_path))
    began = time.perf_counter()
    result = run_cli([command, spec, "--data", str(data), "-o", str(output), *extra])
    seconds = time.perf_counter() - began
    assert result.exit_code == error.exit_code, result.output
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output and result.stdout == ""
    assert sorted(os.listdir(tmp_path)) == before and not output.exists()
    assert seconds < 2.0


def test_predict_refuses_a_bad_file_and_a_label_the_model_never_saw(run_cli, tmp_path):
    iris, model = write_iris(tmp_path / "iris.csv"), tmp_path / "iris.npz"
    run_cli(["train", "4-8:relu-3:softmax", "--data", str(iris), "--epochs", "5", "-o", str(model)])
    ragged = _bad_file(tmp_path, "ragged", b"1,2,3,4,setosa\n1,2\n")
    result = run_cli(["predict", str(model), "--data", str(ragged)])
    assert result.exit_code == DataError.exit_code and "line 2 has 2 cells" in result.stderr
    other = tmp_path / "other.csv"
    other.write_text("a,b,c,d,kind\n1,2,3,4,rose\n", encoding="utf-8")
    result = run_cli(["predict", str(model), "--data", str(other), "--target", "kind"])
    assert "labels rose that the model never saw (setosa, versicolor, virginica)" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    renamed = run_cli(["predict", str(model), "--data", str(other)])  # the model's target
    assert renamed.exit_code == SpecError.exit_code
    assert "--target species is not a column of other.csv" in renamed.stderr
