"""The lecture notes as one document: the derivation report of the notes' network.

Writes the full report of 3-2:sigmoid-2:sigmoid-1:sigmoid (every section: the network
and its equations, the perceptron, the linearity collapse with the matrix identity, what
ReLU changes, universal approximation, depth, the chain rule and backprop's cached
deltas for w1, every gradient checked four ways, a short training run, the kernels on a
photo) as one self-contained HTML page (MathML, inline SVG; it opens offline) and as
GitHub Markdown with its figures beside it. Then a second, smaller report of a wide
network, where the parts that would blow up say so and show the layer-level form.

Files go to $SYMNET_OUTPUT_DIR, default ./demo-output.
"""

from __future__ import annotations

import os
from pathlib import Path

from symnet.demos import demo_report
from symnet.report.build import build_report

OUTPUT = Path(os.environ.get("SYMNET_OUTPUT_DIR", "demo-output"))


def main() -> None:
    html_path, md_path = demo_report(OUTPUT)
    print(f"wrote {html_path} (open it in a browser, offline) and {md_path}")

    wide = build_report("64-32:relu-10:softmax", sections="network,collapse,backprop")
    for section in wide.sections:
        print(f"  {section.title}: {len(section.blocks)} blocks in {section.seconds:.2f} s")
    path = wide.save(OUTPUT / "wide-report.html", overwrite=True)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
