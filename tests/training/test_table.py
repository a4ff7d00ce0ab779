"""A CSV file's cells: encoding, byte-order mark, delimiter, header row, even rows, columns."""

from __future__ import annotations

import os
import re

import pytest

from symnet.exceptions import DataError, ReadError, SpecError
from symnet.training.table import is_number, read_table


def _file(tmp_path, text, name="data.csv"):
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return path


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_the_delimiter_is_sniffed(tmp_path, delimiter):
    text = "\n".join(delimiter.join(row) for row in [["a", "b", "c"], ["1", "2", "x"]]) + "\n"
    table = read_table(_file(tmp_path, text))
    assert table.delimiter == delimiter
    assert table.header == ("a", "b", "c") and table.rows == [(2, ["1", "2", "x"])]


def test_a_byte_order_mark_is_not_part_of_the_first_cell(tmp_path):
    # NOTE under test: "\ufeff1" is not a number, so the first row used to pass for a header.
    table = read_table(_file(tmp_path, "\ufeff1,2,0\r\n3,4,1\r\n"))
    assert table.header is None and [cells for _, cells in table.rows] == [
        ["1", "2", "0"],
        ["3", "4", "1"],
    ]
    named = read_table(_file(tmp_path, "\ufeffx,y\n1,2\n", "named.csv"))
    assert named.header == ("x", "y")


def test_a_semicolon_file_with_decimal_commas_is_split_on_semicolons(tmp_path):
    table = read_table(_file(tmp_path, "a;b;c\n1,5;2,5;x\n3,5;4,5;y\n"))
    assert table.delimiter == ";" and table.rows[0][1] == ["1,5", "2,5", "x"]


@pytest.mark.parametrize(
    "first, header",
    [
        ("sepal_length,sepal_width,species", True),  # names: a header
        (",a,b", True),  # a pandas index column has no name
        ("0,1,2", True),  # pandas' header for a frame without column names
        (",0,1", True),  # ... with its index column
        ("1,2,3", True),  # R and spreadsheets count from 1
        ("5.1,3.5,setosa", False),  # a data row with a name in it
        ("0,2,1", False),  # numbers, not the positions in order
        ("0.0,1.0,2.0", False),  # written as decimals: data
    ],
)
def test_a_header_row_is_detected(tmp_path, first, header):
    table = read_table(_file(tmp_path, f"{first}\n4,5,6\n"))
    assert (table.header is not None) is header
    assert len(table.rows) == (1 if header else 2)


def test_two_numbers_are_data_and_header_forces_the_choice(tmp_path):
    path = _file(tmp_path, "0,1\n4,5\n")
    assert read_table(path).header is None and len(read_table(path).rows) == 2
    assert read_table(path, header=True).header == ("0", "1")
    assert read_table(_file(tmp_path, "0,1,2\n4,5,6\n", "d.csv"), header=False).header is None


def test_blank_lines_are_skipped_and_line_numbers_kept(tmp_path):
    table = read_table(_file(tmp_path, "x,y\n\n1,2\n  \n3,4\n"))
    assert [line for line, _ in table.rows] == [3, 5]


@pytest.mark.parametrize(
    "content, message",
    [
        ("", "is empty"),
        ("\n \n", "is empty"),
        ("x,y,label\n", "has a header row but no data rows"),
        ("1,2,0\n3,4\n", "line 2 has 2 cells but line 1 has 3"),
        ("a,b,c\n\n1,2\n", "line 3 has 2 cells but line 1 has 3"),
        ("1\n2\n", "has 1 column"),
        (b"1,2\xff,0\n", "is not UTF-8 text (byte 0xff at offset 3); save it as UTF-8"),
        (b"1,2,0\n\x00\x01,3,4\n", "holds NUL bytes"),
    ],
)
def test_unreadable_files_give_one_line(tmp_path, content, message):
    with pytest.raises(DataError, match=re.escape(message)) as caught:
        read_table(_file(tmp_path, content))
    assert "\n" not in str(caught.value)


def test_only_regular_files_are_read(tmp_path):
    with pytest.raises(ReadError, match="no such file"):
        read_table(tmp_path / "absent.csv")
    with pytest.raises(DataError, match="is a folder"):
        read_table(tmp_path)
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)  # NOTE under test: opening it would wait for a writer forever
    with pytest.raises(DataError, match="not a regular file"):
        read_table(fifo)


def test_columns_by_name_index_or_negative_index(tmp_path):
    table = read_table(_file(tmp_path, "id,x,y\n1,2,3\n"))
    assert [table.column(key, "target") for key in ("y", "0", 1, -1, "-3")] == [2, 0, 1, 2, 0]
    assert table.where(2, 1) == f"{table.path} line 2, column 'x' (index 1)"
    with pytest.raises(
        SpecError, match=r"target='z' is not a column of data.csv \(its columns are id, x, y\)"
    ):
        table.column("z", "target")
    with pytest.raises(SpecError, match="drop=3 is out of range: data.csv has 3 columns"):
        table.column(3, "drop")
    plain = read_table(_file(tmp_path, "1,2\n3,4\n", "plain.csv"))
    assert plain.where(1, 0).endswith("line 1, column index 0")
    with pytest.raises(SpecError, match="it has no header row"):
        plain.column("y", "target")
    twice = read_table(_file(tmp_path, "a,a,b\n1,2,3\n", "twice.csv"))
    with pytest.raises(SpecError, match="names 2 columns; give its index"):
        twice.column("a", "target")


def test_is_number():
    assert all(map(is_number, ["1", "-2.5e3", "nan", "inf", "1_000"]))
    assert not any(map(is_number, ["", "x", "1,5", "0x10"]))


def test_a_file_above_the_size_limit_is_refused_before_it_is_read(tmp_path, monkeypatch):
    import symnet.training.table as table  # to lower the limit for this test

    monkeypatch.setattr(table, "MAX_BYTES", 10)
    with pytest.raises(DataError, match="symnet reads CSV files up to 0 MiB"):
        read_table(_file(tmp_path, "1,2,3\n4,5,6\n"))
