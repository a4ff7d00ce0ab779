"""``symnet render --view conv``: the notes' convolutional layer, from kernels or a conv SPEC."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import sympy as sp

from symnet.conv.dot_product import dot_product


def render_json(run_cli, *args: str) -> dict:
    result = run_cli(["render", "--view", "conv", *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_default_is_the_notes_three_kernels_on_a_6x6_image(run_cli):
    data = render_json(run_cli)
    # input, 3 kernels, 3 maps and the dot-product note; 2 edges per kernel and the note's.
    assert (data["nodes"], data["edges"]) == (8, 7)
    assert data["image_shape"] == [6, 6] and data["padding"] == "valid"
    assert "outline" in data["dot"] and "1/9" in data["dot"] and "sharpen" in data["dot"]


def test_kernels_shape_position_padding_and_stride(run_cli):
    args = ["--kernel", "sharpen", "--kernel", "0,1;1,0", "--image-shape", "5x5"]
    result = run_cli(["render", "--view", "conv", *args])
    assert result.exit_code == 2 and "same shape" in result.stderr  # 3x3 and 2x2 together
    data = render_json(run_cli, "--kernel", "sharpen", "--image-shape", "5x7", "--position", "1,2")
    assert (data["nodes"], data["edges"]) == (4, 3) and data["image_shape"] == [5, 7]
    # The note writes output pixel (1,2) as its dot product; its patch starts at p_{1,2}.
    expected = dot_product("sharpen", (1, 2), (5, 7)).expression
    assert "p<SUB>1,2</SUB>" in data["dot"] and "y[1,2]" in data["dot"]
    assert expected.coeff(sp.Symbol("p_{2,3}")) == 5  # the centre of sharpen's window
    strided = render_json(run_cli, "--padding", "same", "--stride", "2", "--position", "2,2")
    assert (strided["padding"], strided["stride"]) == ("same", 2)
    assert "padding same, stride 2" in strided["dot"]


def test_a_conv_spec_gives_kernel_count_shape_and_image(run_cli):
    notes = render_json(run_cli, "1x7x7-conv2@3x3+same:relu-maxpool2-3:softmax")
    assert (notes["nodes"], notes["image_shape"], notes["padding"]) == (6, [7, 7], "same")
    assert "outline" in notes["dot"] and "blur" in notes["dot"]  # up to three 3x3 kernels
    spec = "1x8x8-conv4@2x2:relu-maxpool2-10:softmax"
    data = render_json(run_cli, spec, "--seed", "1")
    assert data["nodes"] == 2 * 4 + 2 and data["image_shape"] == [8, 8]
    assert "random" in data["dot"] and spec in data["dot"]
    assert render_json(run_cli, spec, "--seed", "1")["dot"] == data["dot"]
    assert render_json(run_cli, spec, "--seed", "2")["dot"] != data["dot"]
    many = render_json(run_cli, "2x6x6-conv12@3x3-2")  # at most 8 kernels are drawn
    assert many["nodes"] == 2 * 8 + 2 and "kernels 1..8 of 12" in many["dot"]
    assert "input channel 0 of 2" in many["dot"]


def test_the_expression_view_draws_a_tiny_conv_network(run_cli):
    args = ["render", "1x3x3-conv1@2x2:relu-maxpool2-1", "--view", "expression", "--json"]
    result = run_cli(args)
    assert result.exit_code == 0, result.output
    assert "MaxPool" in json.loads(result.stdout)["dot"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--kernel", "blur"], "--kernel applies to --view conv"),
        (["--view", "conv", "3-2-1"], "--view conv takes a conv SPEC"),
        (["1x8x8-conv2@3x3-10"], "draw a conv SPEC with --view conv"),
        ([], "--view network needs a SPEC"),
        (["--view", "conv", "1x8x8-conv2@3x3-10", "--padding", "same"], "--padding comes from"),
        (["--view", "conv", "1x8x8-conv2@3x3-10", "--kernel", "blur"], "--kernel comes from"),
        (["--view", "conv", "--image-shape", "6by6"], "HxW"),
        (["--view", "conv", "--position", "9,9"], "outside the 4x4 output"),
        (["--view", "conv", "--wrt", "w1"], "--wrt applies to"),
        (["--view", "conv", "1x8x8-maxpool2-10"], "has no conv layer"),
    ],
)
def test_usage_errors_are_one_line_with_exit_code_2(run_cli, args, message):
    result = run_cli(["render", *args])
    assert result.exit_code == 2, result.output
    assert len(result.stderr.splitlines()) == 1 and message in result.stderr


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
def test_writes_an_svg(run_cli, tmp_path: Path):
    out = tmp_path / "conv.svg"
    result = run_cli(["render", "--view", "conv", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert result.stdout == f"Wrote {out} (8 nodes, 7 edges).\n"
    assert out.read_text(encoding="utf-8").lstrip().startswith(("<?xml", "<svg"))
