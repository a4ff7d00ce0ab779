"""The edge where DOT text meets Graphviz: run ``dot`` and write diagram files.

Everything else in symnet's rendering is pure text (:mod:`symnet.render.dot`,
:mod:`symnet.render.network`); only this module runs the ``dot`` program, through the
``graphviz`` package. Files are written atomically (a temporary file in the same folder,
then :func:`os.replace`), so an interrupted render never leaves half a file.

When ``dot`` is missing, :func:`save_diagram` still writes the DOT source beside the
requested file (``net.svg`` -> ``net.dot``) and raises a one-line :class:`RenderError`
naming the install command. The path ``-`` is standard output, for the text formats (DOT,
SVG); PNG and PDF are refused there.

>>> output_format("net.svg"), output_format("NET.PDF"), output_format("net.gv"), output_format("-")
('svg', 'pdf', 'dot', 'dot')
"""

from __future__ import annotations

import os
import re
import signal
from pathlib import Path

from symnet.exceptions import RenderError, SpecError
from symnet.files import check_output, is_stdout, write_bytes_atomic

__all__ = [
    "Diagram",
    "FORMATS",
    "INSTALL_HINT",
    "GraphvizMissingError",
    "browser_svg",
    "check_diagram_output",
    "output_format",
    "render_bytes",
    "save_diagram",
]

#: File suffix -> Graphviz output format ("dot" means the DOT text itself).
FORMATS = {".dot": "dot", ".gv": "dot", ".svg": "svg", ".png": "png", ".pdf": "pdf"}
INSTALL_HINT = "install Graphviz (sudo apt-get install graphviz, or brew install graphviz)"


class GraphvizMissingError(RenderError):
    """Graphviz's ``dot`` program is not installed (or not on ``PATH``)."""


def output_format(path: str | os.PathLike[str]) -> str:
    """The format a diagram file gets from its suffix (``-``: DOT); SpecError for another."""
    if is_stdout(path):
        return "dot"
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        allowed = ", ".join(FORMATS)
        raise SpecError(
            f"cannot tell the diagram format of {str(path)!r}: its suffix must be one of {allowed}"
        )
    return FORMATS[suffix]


def check_diagram_output(path: str | os.PathLike[str], format: str | None = None) -> str:
    """The format ``path`` will be written in; refused before anything is drawn when the
    path cannot be written (:func:`symnet.files.check_output`) or is ``-`` for PNG or PDF.

    >>> check_diagram_output("-", "svg")
    'svg'
    """
    format = format or output_format(path)
    if format not in FORMATS.values():
        allowed = ", ".join(sorted(set(FORMATS.values())))
        raise SpecError(f"format must be one of {allowed}; got {format!r}")
    check_output(path, binary=format in ("png", "pdf"))
    return format


def render_bytes(source: str, format: str) -> bytes:
    """Run ``dot -T<format>`` on ``source`` and return what it prints.

    Raises
    ------
    RenderError
        Graphviz is not installed, or ``dot`` rejected the input.
    """
    if format not in ("svg", "png", "pdf"):
        raise SpecError(f"format must be one of 'svg', 'png', 'pdf'; got {format!r}")
    import graphviz  # the edge: imported only when a picture is actually drawn

    try:
        drawn = graphviz.pipe("dot", format, source.encode("utf-8"), quiet=True)
    except graphviz.ExecutableNotFound:
        message = f"Graphviz's 'dot' program was not found; {INSTALL_HINT}"
        raise GraphvizMissingError(message) from None
    except graphviz.CalledProcessError as error:
        if error.returncode == -signal.SIGINT:  # Ctrl-C reached dot first: not dot's fault
            raise KeyboardInterrupt from None
        detail = " ".join((error.stderr or b"").decode("utf-8", "replace").split())[:300]
        raise RenderError(f"Graphviz's dot failed ({detail or 'no message'})") from None
    return browser_svg(drawn) if format == "svg" else drawn


_SHIFTED_TEXT = re.compile(rb'<text ([^>]*?)baseline-shift="(sub|super)"([^>]*)>')
_FONT_SIZE = re.compile(rb'font-size="([0-9.]+)"')


def browser_svg(svg: bytes) -> bytes:
    """Graphviz's SVG with sub- and superscripts that browsers show lowered and raised.

    Graphviz marks them with ``baseline-shift``, which Chromium and Firefox ignore (``z_A``
    shows as "z A"); a ``dy`` shift and a smaller font mean the same everywhere.

    >>> browser_svg(b'<text x="1" baseline-shift="sub" font-size="14.00">A</text>')
    b'<text dy="4.2" x="1" font-size="10.50">A</text>'
    """

    def shifted(match: re.Match[bytes]) -> bytes:
        attributes = match.group(1) + match.group(3).lstrip()
        size = _FONT_SIZE.search(attributes)
        points = float(size.group(1)) if size else 14.0
        dy = 0.3 * points if match.group(2) == b"sub" else -0.4 * points
        attributes = _FONT_SIZE.sub(f'font-size="{0.75 * points:.2f}"'.encode(), attributes)
        return b"<text " + f'dy="{dy:g}" '.encode() + attributes.rstrip() + b">"

    return _SHIFTED_TEXT.sub(shifted, svg)


def save_diagram(source: str, path: str | os.PathLike[str], format: str | None = None) -> Path:
    """Write DOT ``source`` to ``path`` as DOT text, SVG, PNG or PDF (from the suffix).

    Parameters
    ----------
    source : str
        DOT text (from :mod:`symnet.render.network`).
    path : path-like
        The file to write (a picture: an existing one is replaced); its suffix picks the
        format unless ``format`` is given. ``-`` writes DOT or SVG to standard output.
    format : {"dot", "svg", "png", "pdf"}, optional

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    RenderError
        Graphviz is missing (the ``.dot`` file beside ``path`` is written first) or failed.
    WriteError
        The file cannot be written (a full device, a read-only folder...).
    """
    path = Path(path)
    format = check_diagram_output(path, format)
    if format == "dot":
        return write_bytes_atomic(path, source.encode("utf-8"))
    try:
        data = render_bytes(source, format)
    except GraphvizMissingError:
        if is_stdout(path):
            raise
        dot_path = write_bytes_atomic(path.with_suffix(".dot"), source.encode("utf-8"))
        raise GraphvizMissingError(
            f"Graphviz's 'dot' program was not found, so {path} was not drawn; the DOT source "
            f"is in {dot_path}: {INSTALL_HINT}, then run: dot -T{format} {dot_path} -o {path}"
        ) from None
    return write_bytes_atomic(path, data)


class Diagram:
    """A drawn graph: its DOT text and what it shows; displays itself in Jupyter as SVG.

    Attributes
    ----------
    source : str
        The DOT text (pure, from :mod:`symnet.render.network`).
    view : str
        The name of the view in :data:`symnet.render.views.VIEWS`.
    nodes, edges : int
        How many nodes and edges the drawing has (``<g class="node">`` / ``"edge"`` in SVG).
    summarised : bool
        True when a large network was drawn one box per layer.
    settings : dict
        What a view chose that its caller did not give (the conv view's geometry).
    """

    def __init__(self, source: str, view: str, nodes: int, edges: int, summarised: bool = False):
        self.source = source
        self.view = view
        self.nodes = nodes
        self.edges = edges
        self.summarised = summarised
        self.settings: dict = {}

    def svg(self) -> str:
        """The diagram as SVG text (runs Graphviz; RenderError when it is missing)."""
        return render_bytes(self.source, "svg").decode("utf-8")

    def save(self, path: str | os.PathLike[str], format: str | None = None) -> Path:
        """Write the diagram to ``path`` (.dot, .svg, .png or .pdf); see :func:`save_diagram`."""
        return save_diagram(self.source, path, format)

    def _repr_svg_(self) -> str | None:
        # None lets Jupyter fall back to the text form when Graphviz is missing.
        try:
            return self.svg()
        except RenderError:
            return None

    def __str__(self) -> str:
        return self.source

    def __repr__(self) -> str:
        kind = ", summarised" if self.summarised else ""
        return f"<Diagram {self.view}: {self.nodes} nodes, {self.edges} edges{kind}>"
