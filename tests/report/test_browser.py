"""The HTML report in a real browser: headless Chromium lays out its math and figures.

Chromium is installed by ``scripts/setup.sh`` (Debian's ``chromium``) when it is missing
and the user is root; without it these tests are skipped with the reason.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from symnet.report.build import build_report

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
BROWSER = next((path for path in map(shutil.which, BROWSERS) if path), None)
pytestmark = pytest.mark.skipif(
    BROWSER is None,
    reason="no Chromium on PATH (scripts/setup.sh installs Debian's chromium when run as root; "
    "or: sudo apt-get install chromium)",
)

# Test-only: appended to a copy of the report. The report itself has no script.
MEASURE = """
<script>
(() => {
const box = (e) => { const r = e.getBoundingClientRect(); return [r.width, r.height]; };
const fraction = document.querySelector("mfrac");
const [over, under] = [...fraction.children].map((e) => e.getBoundingClientRect().top);
const blocks = [...document.querySelectorAll('math[display="block"]')];
const result = {
  math: [...document.querySelectorAll("math")].map(box),
  svg: [...document.querySelectorAll("figure > svg")].map(box),
  img: [...document.querySelectorAll("img")].map(
    (e) => [...box(e), e.complete && e.naturalWidth > 0 ? 1 : 0]),
  block_display: [...new Set(blocks.map((e) => getComputedStyle(e).display))],
  fraction_stacked: over < under,
  resources: performance.getEntriesByType("resource").map((e) => e.name),
};
const out = document.createElement("pre");
out.id = "measure";
out.textContent = JSON.stringify(result);
document.body.appendChild(out);
})();
</script>
"""


def _chromium(tmp_path: Path, *arguments: str) -> subprocess.CompletedProcess:
    profile = tmp_path / "profile"
    profile.mkdir(exist_ok=True)
    command = [
        BROWSER,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        *arguments,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> Path:
    """The seed report (default sections) as an HTML file."""
    folder = tmp_path_factory.mktemp("browser")
    report = build_report("3-2:sigmoid-2:sigmoid-1:sigmoid", names="seed")
    return report.save(folder / "report.html")


def test_screenshot_of_the_report_is_not_blank(page, tmp_path):
    from PIL import Image, ImageStat

    shot = tmp_path / "shot.png"
    result = _chromium(tmp_path, f"--screenshot={shot}", "--window-size=1200,3000", page.as_uri())
    assert shot.is_file(), result.stderr[-2000:]
    with Image.open(shot) as image:
        gray = image.convert("L")
        assert gray.size == (1200, 3000)
        assert ImageStat.Stat(gray).var[0] > 200  # text, diagrams: far from one flat colour
        dark = sum(gray.histogram()[:128]) / (gray.size[0] * gray.size[1])
        assert 0.005 < dark < 0.5


def test_math_and_figures_are_laid_out_and_nothing_is_fetched(page, tmp_path):
    text = page.read_text(encoding="utf-8")
    assert "<script" not in text
    probe = tmp_path / "probe.html"
    probe.write_text(text.replace("</body>", MEASURE + "</body>"), encoding="utf-8")
    result = _chromium(tmp_path, "--dump-dom", "--virtual-time-budget=5000", probe.as_uri())
    found = re.search(r'<pre id="measure">(.*?)</pre>', result.stdout, flags=re.S)
    assert found, result.stderr[-2000:]
    measured = json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))
    assert len(measured["math"]) == text.count("<math") > 10
    assert all(width > 0 and height > 0 for width, height in measured["math"])
    # MathML layout, not inline text: display math is "block math", fractions stack.
    assert measured["block_display"] == ["block math"]
    assert measured["fraction_stacked"]
    assert len(measured["svg"]) == text.count("<svg") == 2
    assert all(width > 100 and height > 50 for width, height in measured["svg"])
    assert len(measured["img"]) == 2  # the training curves and the kernels on the photo
    assert all(width > 100 and height > 50 and ok for width, height, ok in measured["img"])
    assert measured["resources"] == []
