"""The kernel library and the custom-kernel parser."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from symnet.conv.kernels import (
    KERNELS,
    MAX_KERNEL_SIZE,
    NOTES_KERNELS,
    kernel_from_array,
    load_kernel_file,
    parse_kernel,
    resolve_kernel,
)
from symnet.exceptions import ParseError, SpecError


def test_the_notes_kernels_exactly():
    assert NOTES_KERNELS == ("outline", "blur", "sharpen")
    assert KERNELS["outline"].matrix.tolist() == [[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]]
    assert KERNELS["sharpen"].matrix.tolist() == [[0, -1, 0], [-1, 5, -1], [0, -1, 0]]
    blur = KERNELS["blur"].matrix
    assert all(w == sp.Rational(1, 9) and isinstance(w, sp.Rational) for w in blur)
    assert "1/9" in KERNELS["blur"].text()


@pytest.mark.parametrize("name", ["blur", "box", "gaussian3", "gaussian5", "identity", "sharpen"])
def test_smoothing_kernels_keep_a_flat_image(name):
    assert sum(KERNELS[name].matrix) == 1  # exact: a constant image stays that constant


@pytest.mark.parametrize("name", ["outline", "sobel_x", "sobel_y", "laplacian"])
def test_edge_kernels_answer_zero_on_a_flat_image(name):
    assert sum(KERNELS[name].matrix) == 0


def test_library_relations():
    assert KERNELS["sobel_y"].matrix == KERNELS["sobel_x"].matrix.T
    gaussian5 = KERNELS["gaussian5"].matrix
    row = sp.Matrix([[1, 4, 6, 4, 1]]) / 16
    assert gaussian5 == row.T * row  # separable binomial weights
    assert {k.shape for k in KERNELS.values()} == {(3, 3), (5, 5)}


def test_literal_forms_agree():
    sharpen = KERNELS["sharpen"].matrix
    for text in [
        "0,-1,0;-1,5,-1;0,-1,0",
        " 0 -1 0 ; -1 5 -1 ; 0 -1 0 ",
        "0,-1,0\n-1,5,-1\n0,-1,0\n",
        "[[0,-1,0],[-1,5,-1],[0,-1,0]]",
        "+0,-1.0,0;-1,5e0,-1;0,-1,.0",
    ]:
        assert parse_kernel(text).matrix == sharpen, text


def test_numbers_are_exact():
    kernel = parse_kernel("1/9, 0.1, -2.5e-1; 3, -1/3, 1e2")
    assert kernel.matrix.tolist() == [
        [sp.Rational(1, 9), sp.Rational(1, 10), sp.Rational(-1, 4)],
        [3, sp.Rational(-1, 3), 100],
    ]
    assert kernel.numbers() == [[1 / 9, 0.1, -0.25], [3, -1 / 3, 100]]
    assert isinstance(kernel.numbers()[1][0], int)


def test_even_and_rectangular_sizes():
    assert parse_kernel("1,2,3,4;5,6,7,8").shape == (2, 4)
    assert parse_kernel("7").shape == (1, 1)
    big = ";".join([",".join(["1"] * MAX_KERNEL_SIZE)] * MAX_KERNEL_SIZE)
    assert parse_kernel(big).shape == (MAX_KERNEL_SIZE, MAX_KERNEL_SIZE)


fractions = st.builds(sp.Rational, st.integers(-50, 50), st.integers(1, 12))


@given(st.integers(1, 5), st.integers(1, 5), st.data())
def test_a_written_kernel_reads_back_exactly(rows, cols, data):
    matrix = [[data.draw(fractions) for _ in range(cols)] for _ in range(rows)]
    text = ";".join(",".join(str(w) for w in row) for row in matrix)
    assert parse_kernel(text).matrix.tolist() == matrix
    as_json = json.dumps([[str(w) for w in row] for row in matrix])
    assert parse_kernel(as_json).matrix.tolist() == matrix


BAD_LITERALS = [
    "1,2;3",
    "",
    ";;",
    "1,,2",
    "a,b",
    "1/0",
    "__import__('os').system('true')",
    "2**3",
    "1e5000",
    "nan",
    "inf",
    "1e7",
    "0x10",
    "1/2/3",
    "[[1, NaN]]",
    "[[1, true]]",
    "[[1, [2]]]",
    "[1, 2]",
    "[[1, 2]",
    ";".join(["1"] * (MAX_KERNEL_SIZE + 1)),
]


@pytest.mark.parametrize("text", BAD_LITERALS)
def test_bad_literals_get_one_line_errors(text):
    with pytest.raises(ParseError) as caught:
        parse_kernel(text)
    assert "\n" not in str(caught.value)


def test_json_files(tmp_path):
    plain = tmp_path / "k.json"
    plain.write_text("[[0, -1, 0], [-1, 5, -1], [0, -1, 0]]")
    assert load_kernel_file(plain).matrix == KERNELS["sharpen"].matrix
    assert load_kernel_file(plain).name == "k"
    named = tmp_path / "named.json"
    named.write_text(json.dumps({"name": "avg", "kernel": [["1/4", 0.25], [0.25, 0.25]]}))
    kernel = resolve_kernel(str(named))
    assert kernel.name == "avg" and all(w == sp.Rational(1, 4) for w in kernel.matrix)
    text = tmp_path / "k.txt"
    text.write_text("1 2\n3 4\n")
    assert resolve_kernel(str(text)).matrix.tolist() == [[1, 2], [3, 4]]


@pytest.mark.parametrize(
    "content",
    [
        '{"kernel": [[1]], "code": "x"}',
        '{"weights": [[1]]}',
        '{"name": 3, "kernel": [[1]]}',
        "[[1, Infinity]]",
        "not json",
        '[[1, "1/x"]]',
    ],
)
def test_bad_json_files(tmp_path, content):
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(ParseError) as caught:
        load_kernel_file(path)
    assert "\n" not in str(caught.value)


def test_unreadable_kernel_files(tmp_path):
    binary = tmp_path / "k.json"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(ParseError, match="cannot read"):
        load_kernel_file(binary)
    with pytest.raises(SpecError, match="does not exist"):
        resolve_kernel(str(tmp_path / "missing.json"))


def test_resolve_names_and_errors():
    assert resolve_kernel("OUTLINE") is KERNELS["outline"]
    assert resolve_kernel("Sobel-X") is KERNELS["sobel_x"]
    assert resolve_kernel("sharper") is KERNELS["sharpen"]
    assert resolve_kernel("1,2;3,4").shape == (2, 2)
    with pytest.raises(SpecError) as caught:
        resolve_kernel("gaussian_blur")
    message = str(caught.value)
    assert "outline" in message and "sharpen" in message and "literal" in message


def test_flip_and_arrays():
    emboss = KERNELS["emboss"]
    assert emboss.flipped().flipped().matrix == emboss.matrix
    assert np.array_equal(emboss.flipped().array(), emboss.array()[::-1, ::-1])
    assert kernel_from_array(np.array([[0.5, 2]])).matrix.tolist() == [[sp.Rational(1, 2), 2]]
    with pytest.raises(ParseError):
        kernel_from_array(np.ones((2, 2, 2)))


# --- Literals before file names; numbers measured before conversion (issue 12) -----------


def test_a_31x31_literal_is_never_taken_for_a_file_name():
    """1,921 characters: longer than a file name may be ("File name too long" once)."""
    literal = ";".join([",".join(["1"] * MAX_KERNEL_SIZE)] * MAX_KERNEL_SIZE)
    assert resolve_kernel(literal).shape == (MAX_KERNEL_SIZE, MAX_KERNEL_SIZE)


@pytest.mark.parametrize(
    "text", ["[[" + "9" * 5000 + "]]", "[[1, 0." + "1" * 5000 + "]]", "[[1e999]]"]
)
def test_json_numbers_are_measured_before_conversion(text, tmp_path):
    with pytest.raises(ParseError, match="JSON number") as caught:
        parse_kernel(text)
    assert "\n" not in str(caught.value)
    path = tmp_path / "k.json"
    path.write_text(text)
    with pytest.raises(ParseError, match="JSON number"):
        resolve_kernel(str(path))


def test_a_kernel_file_must_be_a_regular_file(tmp_path):
    fifo = tmp_path / "k.json"
    os.mkfifo(fifo)
    with pytest.raises(ParseError, match="not a regular file"):
        resolve_kernel(str(fifo))
    with pytest.raises(SpecError, match="does not exist"):
        resolve_kernel("k" * 5000 + ".json")
