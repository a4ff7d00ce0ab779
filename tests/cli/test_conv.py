"""``symnet kernels``, ``symnet convolve`` and ``symnet learn-kernel`` through click."""

from __future__ import annotations

import json

import numpy as np
import pytest
import scipy.signal
from PIL import Image

from symnet.conv.images import load_image


def one_line_error(result, code: int) -> str:
    assert result.exit_code == code, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert "Traceback" not in result.output
    return lines[0]


def test_kernels_lists_the_library(run_cli):
    result = run_cli(["kernels"])
    assert result.exit_code == 0
    for name in [
        "outline",
        "blur",
        "sharpen",
        "identity",
        "box",
        "gaussian3",
        "gaussian5",
        "sobel_x",
        "sobel_y",
        "laplacian",
        "emboss",
    ]:
        assert f"{name} (" in result.stdout
    assert "1/9  1/9  1/9" in result.stdout


def kernel_matrices(result) -> dict:
    """Kernel name -> matrix, from the ``kernels`` list of ``symnet kernels --json``."""
    return {entry["name"]: entry["matrix"] for entry in json.loads(result.stdout)["kernels"]}


def test_kernels_json_lists_names_and_numbers(run_cli):
    data = kernel_matrices(run_cli(["kernels", "--json"]))
    assert data["outline"] == [[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]]
    assert data["sharpen"] == [[0, -1, 0], [-1, 5, -1], [0, -1, 0]]
    assert data["blur"] == [[1 / 9] * 3] * 3
    chosen = kernel_matrices(run_cli(["kernels", "emboss", "1/2,1;0,2", "--format", "json"]))
    assert list(chosen) == ["emboss", "1/2,1;0,2"] and chosen["1/2,1;0,2"] == [[0.5, 1], [0, 2]]


def test_a_literal_may_start_with_a_minus_sign(run_cli):
    data = json.loads(run_cli(["kernels", "-1,2;3,4", "--json"]).stdout)
    assert data == {"kernels": [{"name": "-1,2;3,4", "matrix": [[-1, 2], [3, 4]]}]}
    result = run_cli(["learn-kernel", "-1,2;3,4", "--json"])
    assert json.loads(result.stdout)["max_abs_error"] < 1e-3
    assert "unknown kernel" in one_line_error(run_cli(["kernels", "--jsn"]), 2)


def test_kernels_flip(run_cli):
    [data] = json.loads(run_cli(["kernels", "sobel_x", "--flip", "--json"]).stdout)["kernels"]
    assert data["name"] == "sobel_x"
    assert data["flipped"] == [row[::-1] for row in data["matrix"][::-1]]
    text = run_cli(["kernels", "blur", "--flip"]).stdout
    assert "cross-correlation" in text and "same image" in text


@pytest.mark.parametrize("bad", ["1,2;3", "1/0", "eval(1)", "1,,2"])
def test_kernels_bad_literal(run_cli, bad):
    assert "kernel" in one_line_error(run_cli(["kernels", bad]), 2)


def test_convolve_npy_output_is_raw_and_equals_scipy(run_cli, tmp_path):
    out = tmp_path / "out.npy"
    result = run_cli(
        [
            "convolve",
            "--kernel",
            "sharpen",
            "--grayscale",
            "-o",
            str(out),
            "--pixel",
            "100,120",
            "--json",
        ]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    values = np.load(out, allow_pickle=False)
    photo = load_image(grayscale=True)
    expected = scipy.signal.correlate2d(
        photo, np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0]]), mode="same"
    )
    np.testing.assert_allclose(values, expected, atol=1e-9)
    assert values.min() < 0 or values.max() > 255  # raw: nothing clipped
    assert data["output_shape"] == [600, 512] and data["output_file"] == str(out)
    assert data["pixel"]["values"] == [pytest.approx(values[100, 120])]
    assert data["kernel"] == {"name": "sharpen", "matrix": [[0, -1, 0], [-1, 5, -1], [0, -1, 0]]}


def test_convolve_text_shows_the_dot_product(run_cli):
    result = run_cli(["convolve", "--kernel", "blur", "--grayscale", "--pixel", "0,0"])
    assert result.exit_code == 0, result.output
    assert "y[0,0] = (1/9)*(0) + (1/9)*(0) + (1/9)*(0)" in result.stdout  # zero padding
    photo = load_image(grayscale=True)
    assert f"{photo[:2, :2].sum() / 9:.6g}" in result.stdout


def test_convolve_colour_png_and_side_by_side(run_cli, tmp_path):
    out, pair = tmp_path / "out.png", tmp_path / "pair.png"
    result = run_cli(
        [
            "convolve",
            "--kernel",
            "outline",
            "-o",
            str(out),
            "--side-by-side",
            str(pair),
            "--pixel",
            "5,5",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "(red)" in result.stdout and "(blue)" in result.stdout
    with Image.open(out) as picture:
        assert picture.size == (512, 600) and picture.mode == "RGB"
    with Image.open(pair) as picture:
        assert picture.format == "PNG"


def test_convolve_npy_input_stride_and_flip(run_cli, tmp_path):
    image = np.random.default_rng(0).normal(size=(9, 11))
    np.save(tmp_path / "in.npy", image)
    outputs = {}
    for mode in ["correlate", "convolve"]:
        out = tmp_path / f"{mode}.npy"
        result = run_cli(
            [
                "convolve",
                str(tmp_path / "in.npy"),
                "--kernel",
                "sobel_x",
                "--padding",
                "full",
                "--stride",
                "2",
                "--mode",
                mode,
                "-o",
                str(out),
            ]
        )
        assert result.exit_code == 0, result.output
        outputs[mode] = np.load(out)
    kernel = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]])
    np.testing.assert_allclose(
        outputs["convolve"], scipy.signal.convolve2d(image, kernel, "full")[::2, ::2], atol=1e-12
    )
    np.testing.assert_allclose(outputs["convolve"], -outputs["correlate"], atol=1e-12)


def test_convolve_kernel_from_a_file(run_cli, tmp_path):
    path = tmp_path / "k.json"
    path.write_text(json.dumps({"name": "mine", "kernel": [[1, 2], [3, 4]]}))
    data = json.loads(run_cli(["convolve", "--kernel", str(path), "--json"]).stdout)
    assert data["kernel"]["name"] == "mine" and data["output_shape"] == [600, 512, 3]


def test_convolve_errors(run_cli, tmp_path):
    np.save(tmp_path / "cube.npy", np.zeros((2, 2, 2)))
    np.save(tmp_path / "objects.npy", np.array([None, 1], dtype=object), allow_pickle=True)
    (tmp_path / "fake.png").write_text("not an image")
    assert "2-D" in one_line_error(run_cli(["convolve", str(tmp_path / "cube.npy")]), 2)
    assert "Python objects" in one_line_error(
        run_cli(["convolve", str(tmp_path / "objects.npy")]), 2
    )
    assert "not an image" in one_line_error(run_cli(["convolve", str(tmp_path / "fake.png")]), 2)
    assert "ROW,COL" in one_line_error(run_cli(["convolve", "--pixel", "a,b"]), 2)
    assert "outside" in one_line_error(run_cli(["convolve", "--pixel", "600,0"]), 2)
    assert "unknown kernel" in one_line_error(run_cli(["convolve", "--kernel", "nope"]), 2)
    assert "does not exist" in one_line_error(
        run_cli(["convolve", "-o", str(tmp_path / "no" / "x.png")]), 1
    )
    assert "suffix" in one_line_error(run_cli(["convolve", "-o", str(tmp_path / "x.bmp")]), 2)
    one_line_error(run_cli(["convolve", "--padding", "circular"]), 2)


def test_learn_kernel_json(run_cli):
    result = run_cli(["learn-kernel", "outline", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["kernel"] == {
        "name": "outline",
        "matrix": [[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]],
    }
    assert np.allclose(data["learned"], data["kernel"]["matrix"], atol=1e-3)
    assert data["max_abs_error"] < 1e-3


def test_learn_kernel_text_literal_and_plot(run_cli, tmp_path):
    plot = tmp_path / "fit.png"
    result = run_cli(["learn-kernel", "0,1;1,0", "--steps", "30", "--plot", str(plot)])
    assert result.exit_code == 0, result.output
    assert "learned kernel" in result.stdout and "delta" in result.stdout
    assert plot.is_file()


def test_learn_kernel_errors(run_cli):
    one_line_error(run_cli(["learn-kernel", "blur", "--method", "newton"]), 2)
    one_line_error(run_cli(["learn-kernel", "x+y"]), 2)
    one_line_error(run_cli(["learn-kernel", "blur", "--steps", "-3"]), 2)


@pytest.mark.parametrize("command", ["kernels", "convolve", "learn-kernel"])
def test_help_shows_examples(run_cli, command):
    result = run_cli([command, "--help"])
    assert result.exit_code == 0 and f"symnet {command}" in result.stdout
