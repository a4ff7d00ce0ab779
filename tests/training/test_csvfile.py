"""CSV files as data sets: targets, dropped columns, class names, missing values, real data."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from symnet.exceptions import DataError, SpecError
from symnet.training.csvfile import MAX_MAGNITUDE, describe_csv, load_csv
from tests.csv_files import write_diabetes, write_iris, write_wine


def _csv(tmp_path, text, name="data.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_header_and_numeric_labels(tmp_path):
    data = load_csv(_csv(tmp_path, "a,b,label\n1,2,5\n3,4,7\n\n5,6,5\n"))
    assert data.X.tolist() == [[1, 2], [3, 4], [5, 6]]
    assert data.y.tolist() == [0, 1, 0] and data.classes == (5.0, 7.0)


def test_numeric_labels_are_ordered_as_numbers_and_names_as_text(tmp_path):
    assert load_csv(_csv(tmp_path, "1,10\n2,9\n3,10\n")).classes == (9.0, 10.0)
    data = load_csv(_csv(tmp_path, "1,b\n2,a\n3,10\n", "named.csv"))
    assert data.classes == ("10", "a", "b") and data.y.tolist() == [2, 1, 0]


def test_regression_without_a_header_and_several_targets(tmp_path):
    data = load_csv(_csv(tmp_path, "1,2.5\n-3,1e-3\n"), task="regression")
    assert data.X.tolist() == [[1], [-3]] and data.y.tolist() == [[2.5], [0.001]]
    two = load_csv(
        _csv(tmp_path, "x,u,v\n1,2,3\n4,5,6\n", "two.csv"), "regression", target=["v", "u"]
    )
    assert two.X.tolist() == [[1], [4]] and two.y.tolist() == [[3, 2], [6, 5]]
    assert two.csv["target"] == ["v", "u"]


def test_target_first_and_a_dropped_index_column(tmp_path):
    text = ",kind,x,y\n0,a,1,2\n1,b,3,4\n2,a,5,6\n"  # pandas' to_csv() with its index
    data = load_csv(_csv(tmp_path, text), target="kind", drop=[0])
    assert data.X.tolist() == [[1, 2], [3, 4], [5, 6]] and data.classes == ("a", "b")
    assert data.csv == {
        "file": "data.csv",
        "delimiter": ",",
        "header": True,
        "rows": 3,
        "skipped_rows": 0,
        "target": ["kind"],
        "drop": [""],
        "features": 2,
    }


def test_bad_column_choices_are_usage_errors(tmp_path):
    path = _csv(tmp_path, "a,b,c\n1,2,x\n3,4,y\n")
    with pytest.raises(SpecError, match="a classifier has one target column; got 2"):
        load_csv(path, target=["a", "b"])
    with pytest.raises(SpecError, match="column 'c' is both a target and dropped"):
        load_csv(path, drop=["c"])
    with pytest.raises(SpecError, match="no feature column left"):
        load_csv(path, drop=["a", "b"])
    with pytest.raises(SpecError, match="task must be"):
        load_csv(path, task="ranking")


@pytest.mark.parametrize(
    "text, options, message",
    [
        ("1,2,0\n3,abc,1\n", {}, "line 2, column index 1: 'abc' is not a number; features must"),
        ("1,2,0\n3,abc,1\n", {}, "leave the column out with drop=1"),
        ("a,b\n1,2\n", {"header": False}, "line 1, column index 0: 'a' is not a number; if line 1"),
        ("x,b\n1,2\n3,\n", {}, "line 3, column 'b' (index 1): missing value ('')"),
        (
            "1,NA,0\n3,4,1\n",
            {},
            "line 1, column index 1: missing value ('NA'); fill it in, or pass",
        ),
        ("1,nan,0\n3,4,1\n", {}, "missing value ('nan')"),
        ("1,?,0\n3,4,1\n", {}, "missing value ('?')"),
        ("1,2,0\n3,4,\n", {}, "line 2, column index 2: missing value ('')"),
        ("1,2,0\n3,inf,1\n", {}, "line 2, column index 1: inf is not a finite number"),
        ("1,1e308,0\n3,4,1\n", {}, "1e308 is too large to train on (above 1e+100"),
        ("1,2,1\n3,4,1\n", {}, "has a single class (1) in its target column"),
        ("1,2,a\n3,4,a\n", {}, "has a single class (a)"),
        ("1,2,0.5\n3,4,1\n", {}, "class label 0.5 is not a whole number"),
    ],
)
def test_bad_cells_name_their_line_and_column(tmp_path, text, options, message):
    with pytest.raises(DataError) as caught:
        load_csv(_csv(tmp_path, text), **options)
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_string_targets_in_a_regression(tmp_path):
    with pytest.raises(DataError, match="'setosa' is not a number; a regression target must"):
        load_csv(_csv(tmp_path, "x,species\n1,setosa\n"), task="regression")


def test_drop_missing_skips_the_rows_with_a_gap(tmp_path):
    text = "id,x,y,label\n1,1,2,a\n,3,NA,b\n3,5,6,\n4,7,8,b\n"
    data = load_csv(_csv(tmp_path, text), drop=["id"], drop_missing=True)
    assert data.X.tolist() == [[1, 2], [7, 8]] and data.classes == ("a", "b")
    assert data.csv["skipped_rows"] == 2  # the id column is dropped: its gap does not count
    assert "skipped 2 rows with missing values" in describe_csv(data.csv)
    with pytest.raises(DataError, match="every row has a missing value"):
        load_csv(_csv(tmp_path, "x,y\n1,\n,a\n", "gaps.csv"), drop_missing=True)


def test_labels_follow_a_models_classes(tmp_path):
    path = _csv(tmp_path, "1,7\n2,7\n3,2\n")
    data = load_csv(path, classes=(2.0, 5.0, 7.0))  # one or two classes are fine here
    assert data.y.tolist() == [2, 2, 0] and data.classes == (2.0, 5.0, 7.0)
    with pytest.raises(DataError, match=r"has labels 2 that the model never saw \(5, 7\)"):
        load_csv(path, classes=(5.0, 7.0))
    named = _csv(tmp_path, "1,virginica\n2,setosa\n", "named.csv")
    assert load_csv(named, classes=("setosa", "virginica")).y.tolist() == [1, 0]
    with pytest.raises(DataError, match="labels virginica that the model never saw"):
        load_csv(named, classes=("setosa", "versicolor"))


def test_describe_says_how_the_file_was_read(tmp_path):
    data = load_csv(_csv(tmp_path, "1;0\n2;1\n"), classes=None)
    assert describe_csv(data.csv, data.classes) == (
        "data.csv: 2 rows, no header row, delimiter ';', target index 1, 1 feature, classes 0 1"
    )


# ---- properties ------------------------------------------------------------------------------

finite = st.floats(-MAX_MAGNITUDE, MAX_MAGNITUDE, allow_nan=False, allow_subnormal=False)


@given(
    values=st.integers(2, 4).flatmap(
        lambda width: st.lists(
            st.lists(finite, min_size=width, max_size=width), min_size=1, max_size=6
        )
    ),
    delimiter=st.sampled_from([",", ";", "\t"]),
    header=st.booleans(),
    bom=st.booleans(),
    newline=st.sampled_from(["\n", "\r\n"]),
)
def test_numbers_written_any_way_are_read_back_exactly(
    tmp_path_factory, values, delimiter, header, bom, newline
):
    width = len(values[0])
    lines = [delimiter.join(f"c{k}" for k in range(width))] if header else []
    lines += [delimiter.join(repr(v) for v in row) for row in values]
    path = tmp_path_factory.mktemp("csv") / "numbers.csv"
    path.write_text(("\ufeff" if bom else "") + newline.join(lines) + newline, encoding="utf-8")
    data = load_csv(path, task="regression")
    assert data.X.tolist() == [row[:-1] for row in values]
    assert data.y.tolist() == [row[-1:] for row in values]
    assert data.csv["header"] is header and data.csv["delimiter"] == delimiter


@given(
    labels=st.lists(st.sampled_from(["setosa", "versicolor", "virginica", "b c", "é"]), min_size=2)
)
def test_class_names_map_to_indices_and_back(tmp_path_factory, labels):
    path = tmp_path_factory.mktemp("csv") / "names.csv"
    path.write_text("".join(f"{k},{label}\n" for k, label in enumerate(labels)), encoding="utf-8")
    if len(set(labels)) < 2:
        with pytest.raises(DataError, match="single class"):
            load_csv(path)
        return
    data = load_csv(path)
    assert data.classes == tuple(sorted(set(labels)))
    assert [data.classes[k] for k in data.y] == labels


# ---- real data sets, laid out as published ----------------------------------------------------


def test_iris_as_published(tmp_path):
    data = load_csv(write_iris(tmp_path / "iris.csv"))
    assert data.X.shape == (150, 4) and data.classes == ("setosa", "versicolor", "virginica")
    assert np.bincount(data.y).tolist() == [50, 50, 50]
    with_bom = load_csv(write_iris(tmp_path / "bom.csv", delimiter=";", bom=True))
    assert np.array_equal(with_bom.X, data.X) and with_bom.csv["delimiter"] == ";"


def test_wine_with_the_class_first(tmp_path):
    data = load_csv(write_wine(tmp_path / "wine.data"), target=0)
    assert data.X.shape == (178, 13) and data.classes == (1.0, 2.0, 3.0)
    assert data.csv["header"] is False and data.csv["target"] == [0]


def test_diabetes_has_442_rows_under_any_header(tmp_path):
    named = load_csv(write_diabetes(tmp_path / "diabetes.tsv"), task="regression", target="Y")
    assert named.X.shape == (442, 10) and named.y.shape == (442, 1)
    # NOTE under test: the column numbers pandas writes as a header are a header, not a row.
    numbered = write_diabetes(tmp_path / "numbered.tsv", header=[str(k) for k in range(11)])
    data = load_csv(numbered, task="regression")
    assert len(data) == 442 and np.array_equal(data.X, named.X)
    assert len(load_csv(numbered, task="regression", header=False)) == 443  # as asked
