"""Derivation reports: the lecture, as one document generated from a network.

:func:`build_report` walks the notes for a given spec, one section per idea: the network
and its equations, the perceptron, the linearity collapse, what an activation changes,
universal approximation and depth (on request), the chain rule and cached backprop for
one parameter, the gradient check, a short training run, and convolution kernels on a
photo. The sections are the rows of the table :data:`SECTIONS` (a new section is one
module of ``symnet/report/sections/`` and one row there); each is made by the library's
own functions (:mod:`symnet.expressivity.collapse`, :mod:`symnet.calculus.derivation`,
:mod:`symnet.testing.gradients`, ...), so the report shows exactly what symnet computes.
A part that would blow up for a large network says so (the size estimate's message) and
shows the layer-level form instead.

:meth:`Report.save` writes one self-contained HTML file (MathML, inline SVG, PNG data
URIs; no script, no external resource) or GitHub Markdown with LaTeX math and its
figures in a folder beside it (``REPORT_files/``). In Jupyter a report displays itself.

>>> report = build_report("3-2-2-1", sections="network,collapse")
>>> [section.key for section in report.sections]
['network', 'collapse']
>>> "<math" in report.html(), "$$" in report.markdown()[0]
(True, True)
"""

from __future__ import annotations

import importlib.metadata
import os
import tempfile
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

from symnet.exceptions import SizeLimitError, SpecError, SymnetError, WriteError
from symnet.files import (
    check_output,
    is_stdout,
    write_bytes_atomic,
    write_error,
    write_text_atomic,
)
from symnet.graph.guards import check_report
from symnet.graph.losses import check_loss, default_loss, task_of
from symnet.graph.naming import NAMING_SCHEMES
from symnet.graph.network import Network
from symnet.graph.program import build_program
from symnet.graph.size import graph_edges
from symnet.graph.spec import NetworkSpec, parse_spec
from symnet.graph.statements import ProgramSpec
from symnet.numeric.points import leaf_values
from symnet.parse.formula_text import formulas
from symnet.render.labels import checked_title
from symnet.report.document import Block, Note, Section
from symnet.report.html import html_document, html_fragment
from symnet.report.markdown import markdown_document
from symnet.report.sections.activation import activation_section
from symnet.report.sections.approximation import approximation_section
from symnet.report.sections.backprop import backprop_section
from symnet.report.sections.collapse import collapse_section
from symnet.report.sections.common import MAX_SCALAR_EDGES, ReportInput
from symnet.report.sections.conv_layer import conv_layer_section
from symnet.report.sections.convolution import convolution_section
from symnet.report.sections.depth import depth_section
from symnet.report.sections.network import network_section
from symnet.report.sections.perceptron import perceptron_section
from symnet.report.sections.program import NOT_FOR_PROGRAMS, PROGRAM_SECTIONS, ProgramInput
from symnet.report.sections.training import training_section
from symnet.report.sections.verification import verification_section
from symnet.training.data import DATASETS, Dataset, load_data
from symnet.training.modelfile import Model
from symnet.training.trained import trained_weights

__all__ = [
    "DEFAULT_SECTIONS",
    "SECTIONS",
    "Report",
    "SectionFunction",
    "build_report",
    "check_report_path",
    "figure_folder",
    "resolve_sections",
]

#: A section: what the report is about -> the blocks of that section.
SectionFunction = Callable[[ReportInput], list[Block]]

#: key -> (title, the function that makes the section), in the order of the notes.
SECTIONS: dict[str, tuple[str, SectionFunction]] = {
    "network": ("The network and its equations", network_section),
    "perceptron": ("Perceptrons: linear and logistic regression", perceptron_section),
    "collapse": ("Stacked linear layers collapse", collapse_section),
    "activation": ("What an activation changes", activation_section),
    "approximation": ("Universal approximation", approximation_section),
    "depth": ("Why depth helps", depth_section),
    "backprop": ("The chain rule and backpropagation", backprop_section),
    "verification": ("Every gradient, checked", verification_section),
    "training": ("A short training run", training_section),
    "convolution": ("Convolution kernels", convolution_section),
    "conv_layer": ("The convolutional layer's gradient", conv_layer_section),
}
#: The sections of a report unless others are asked for: all but the two slower
#: demonstrations that do not depend on the network (approximation, depth), and the conv
#: layer's gradient, which is added for conv specs.
DEFAULT_SECTIONS = tuple(k for k in SECTIONS if k not in ("approximation", "depth", "conv_layer"))
#: File suffix -> the report format it asks for.
REPORT_SUFFIXES = {".html": "html", ".htm": "html", ".md": "markdown", ".markdown": "markdown"}
#: The report formats.
REPORT_FORMATS = ("html", "markdown")


def resolve_sections(
    sections: str | list[str] | tuple[str, ...] | None, conv: bool = False
) -> tuple[str, ...]:
    """Section keys from ``"default"``, ``"all"`` or names joined by commas, in notes order.

    ``conv``: the spec has image layers, so "default" also holds ``conv_layer``.

    >>> resolve_sections("backprop,network")
    ('network', 'backprop')
    >>> resolve_sections("default,depth")[3:6]
    ('activation', 'depth', 'backprop')
    """
    default = (*DEFAULT_SECTIONS, "conv_layer") if conv else DEFAULT_SECTIONS
    if sections is None:
        sections = "default"
    items = sections.split(",") if isinstance(sections, str) else list(sections)
    chosen: set[str] = set()
    for item in (i.strip().lower() for i in items):
        if item == "default":
            chosen.update(default)
        elif item == "all":
            chosen.update(SECTIONS)
        elif item in SECTIONS:
            chosen.add(item)
        else:
            allowed = ", ".join(SECTIONS)
            raise SpecError(
                f"unknown report section {item!r}; use default, all, or some of {allowed} "
                "joined by commas"
            )
    if not chosen:
        raise SpecError("no report section chosen; use e.g. sections='default'")
    return tuple(key for key in SECTIONS if key in chosen)


def _installed_version() -> str:
    """The version of symnet that is installed (the footer of every report)."""
    try:
        return importlib.metadata.version("symnet")
    except importlib.metadata.PackageNotFoundError:  # run from a source tree, not installed
        return "(version unknown)"


@dataclass
class Report:
    """A built report: its sections (blocks, not yet text) and what it was made from."""

    title: str
    spec: str
    sections: list[Section]
    options: dict = field(default_factory=dict)
    seconds: float = 0.0

    def meta(self) -> str:
        o = self.options
        if o.get("names") == "program":  # a graph program: no layers, names or biases
            wrt = f" · wrt {o['wrt']}" if o.get("wrt") else ""
            return f"{self.spec}{wrt} · seed {o.get('seed', 0)}"
        parts = [f"network {self.spec}", f"{o.get('names', 'seed')} names"]
        parts.append("with biases" if o.get("bias") else "no biases")
        parts += [f"{key} {o[key]}" for key in ("loss", "wrt", "data") if o.get(key)]
        return " · ".join(parts) + f" · seed {o.get('seed', 0)}"

    def footer(self) -> str:
        return f"Made by symnet {_installed_version()} in {self.seconds:.1f} s."

    def html(self) -> str:
        """The whole report as one self-contained HTML page."""
        return html_document(self.title, self.sections, self.meta(), self.footer())

    def markdown(self, folder: str | None = "report_files") -> tuple[str, dict[str, bytes]]:
        """The Markdown text, and its figure files (name -> bytes) linked under ``folder``
        (None: the figures are embedded as ``data:`` URIs and no file is returned)."""
        return markdown_document(self.title, self.sections, folder, self.meta(), self.footer())

    def save(self, path: str | Path, overwrite: bool = False, format: str | None = None) -> Path:
        """Write ``.html`` (one file) or ``.md`` (plus ``<stem>_files/``), atomically.

        ``-`` writes to standard output: Markdown (figures embedded as ``data:`` URIs)
        unless ``format="html"``. An existing report, or a figure folder holding files, is
        replaced only with ``overwrite=True``.
        """
        path = Path(path)
        kind = check_report_path(path, overwrite, format)
        if kind == "html":
            return write_text_atomic(path, self.html())
        if is_stdout(path):
            return write_text_atomic(path, self.markdown(None)[0])
        folder = figure_folder(path)
        text, files = self.markdown(folder.name)
        if files:
            try:
                folder.mkdir(exist_ok=True)
            except OSError as error:
                raise write_error(folder, error) from None
        for name, data in files.items():
            write_bytes_atomic(folder / name, data)
        return write_text_atomic(path, text)

    def _repr_html_(self) -> str:
        return html_fragment(self.title, self.sections, self.meta(), self.footer())


def figure_folder(path: str | Path) -> Path:
    """The folder of a Markdown report's figures: ``REPORT_files/`` beside ``REPORT.md``."""
    path = Path(path)
    return path.with_name(f"{path.stem}_files")


def check_report_path(path: str | Path, overwrite: bool = False, format: str | None = None) -> str:
    """The report format (``"html"`` or ``"markdown"``) that ``path`` (and ``format``) ask for.

    ``format`` overrides the suffix; ``-`` (standard output) is Markdown unless
    ``format="html"``. SpecError for another suffix or format, or for an existing report
    or a figure folder holding files without ``overwrite``; WriteError for a path that
    cannot be written (:func:`symnet.files.check_output`).
    """
    path = Path(path)
    if format is not None and format not in REPORT_FORMATS:
        raise SpecError(f"format must be one of {', '.join(REPORT_FORMATS)}; got {format!r}")
    kind = format or ("markdown" if is_stdout(path) else REPORT_SUFFIXES.get(path.suffix.lower()))
    if kind is None:
        raise SpecError(
            f"a report file must end in .html or .md; got {path.name!r} (e.g. path='report.html')"
        )
    check_output(path, overwrite)
    if kind == "markdown" and not is_stdout(path):
        folder = figure_folder(path)
        if folder.exists() and not folder.is_dir():
            raise WriteError(
                f"cannot write the figures of {path}: {folder} exists and is not a folder; "
                "choose another report name"
            )
        if folder.is_dir() and any(folder.iterdir()) and not overwrite:
            raise SpecError(
                f"{folder} already holds files (the figures of {path} would replace some); "
                "pass overwrite=True to replace them, or choose another report name"
            )
    return kind


def _check_options(
    spec: NetworkSpec, names: str, loss: str | None, data: str | None, csv_options: dict | None
) -> str | Dataset | None:
    """Refuse a bad option before any section is made (one SpecError naming it), and a
    data file that training would refuse (one DataError); returns the data to train on:
    a built-in name, or the data set read from a file."""
    if names not in NAMING_SCHEMES:
        raise SpecError(f"names must be one of {', '.join(NAMING_SCHEMES)}; got {names!r}")
    if loss is not None:
        check_loss(spec, loss)
    if data is None or data in DATASETS:
        return data
    if not os.path.exists(data):  # NOTE: False, not an error, for a name too long
        raise SpecError(
            f"unknown data set {data!r}; use one of {', '.join(DATASETS)} or a FILE.csv"
        )
    # NOTE: read now, so a CSV file that train refuses (empty, not UTF-8, ragged, NaN,
    # labels the task cannot use, a FIFO) is refused before any work, in one line.
    task = task_of(spec, loss or default_loss(spec, training=True))
    return load_data(data, task=task, csv_options=csv_options)


def _scope(model: Model | None) -> AbstractContextManager:
    """The formula scope of a model's formula activations and losses (none without one)."""
    return nullcontext() if model is None else formulas(**model.formulas)


def _trained_input(inp: ReportInput, model: Model | None) -> None:
    """A trained model's weights (when its scalar graph fits a report) and settings."""
    if model is None:
        return
    inp.trained = dict(model.training)
    if graph_edges(model.spec, True) <= MAX_SCALAR_EDGES:
        inp.weights = trained_weights(model, inp.names)


def _check_wrt(inp: ReportInput) -> None:
    """``wrt`` must name a parameter of the network (with its biases, if any)."""
    if inp.wrt is None:
        return
    try:
        network = inp.network()
    except SizeLimitError:
        return  # a layer-level report has no single weight to follow
    network.require_parameter(inp.wrt)


def build_report(
    spec: str | NetworkSpec | ProgramSpec | Network,
    *,
    names: str = "seed",
    bias: bool = False,
    loss: str | None = None,
    wrt: str | None = None,
    data: str | None = None,
    sections: str | list[str] | tuple[str, ...] | None = None,
    title: str | None = None,
    seed: int = 0,
    csv_options: dict | None = None,
    model: Model | None = None,
) -> Report:
    """Make every chosen section of the report of ``spec``.

    Parameters
    ----------
    spec : str, NetworkSpec, ProgramSpec or Network
        e.g. ``"3-2:sigmoid-2:sigmoid-1:sigmoid"``, or a graph program (or its network):
        its report has the sections that apply to any computation (its graph, its trace,
        the chain rule and backprop, the check, at its leaves' values: random ones from
        ``seed`` for those without) and says which others do not.
    names, bias
        Naming scheme (``"seed"`` or ``"indexed"``) and whether units have biases.
    loss : {"mse", "bce", "ce"}, optional
        Default: mse (ce for softmax) for the derivation, bce/ce/mse for training
        (:func:`symnet.graph.losses.default_loss`).
    wrt : str, optional
        The parameter whose gradient is derived (default: the first weight).
    data : str, optional
        The training data (a name in :data:`symnet.training.data.DATASETS` or a CSV file).
    sections : str or list, optional
        ``"default"``, ``"all"`` or keys of :data:`SECTIONS` joined by commas.
    title : str, optional
        Shown as given (escaped); default ``"Derivation report: SPEC"``.
    seed : int
        Random weights of the trace, the gradient check and the training run.
    csv_options : dict, optional
        How a CSV ``data`` file is read (``target``, ``drop``, ``header``,
        ``drop_missing``: :func:`symnet.training.csvfile.load_csv`).
    model : Model, optional
        A trained model (:func:`symnet.training.modelfile.load_model`): the report of its
        spec with biases and its loss, its trace, diagram and check at its weights, and
        its training settings instead of a new run (``spec`` and ``loss`` are ignored).

    A network too deep for a report, or whose training run would not fit in memory, is
    refused (``SizeLimitError``) before any section is made
    (:func:`symnet.graph.guards.check_report`).
    """
    start = time.perf_counter()
    if model is not None:
        spec, bias, loss = model.spec, True, model.loss
    if isinstance(spec, Network):
        spec = spec.spec
    if isinstance(spec, ProgramSpec):
        if loss is not None or data is not None:
            what = "loss=" if loss is not None else "data="
            raise SpecError(f"{what} is for layered networks; a program's report has no {what}")
        keys = resolve_sections(sections)
        check_report(spec, bias, keys)  # before any section is made
        return _program_report(spec, keys, title, wrt, seed, start)
    spec = parse_spec(spec)
    keys = resolve_sections(sections, conv=not spec.is_dense)
    check_report(spec, bias, keys)  # before any section is made
    source = _check_options(spec, names, loss, data, csv_options)
    given = checked_title(title) if title else None
    default = "Report of the trained model" if model is not None else "Derivation report"
    title = " ".join(given.split()) if given else f"{default}: {spec}"
    made = []
    with tempfile.TemporaryDirectory(prefix="symnet-report-") as scratch, _scope(model):
        inp = ReportInput(spec, names, bias, loss, wrt, source, seed, Path(scratch))
        _trained_input(inp, model)
        _check_wrt(inp)  # before any section: the same network serves them all
        for key in keys:
            heading, make_section = SECTIONS[key]
            began = time.perf_counter()
            try:
                blocks = make_section(inp)
            except SymnetError as error:  # e.g. Graphviz or the sample photo missing
                blocks = [Note(f"This section could not be made: {error}")]
            made.append(Section(key, heading, blocks, time.perf_counter() - began))
    options = {"names": names, "bias": bias, "loss": loss, "wrt": wrt, "data": data, "seed": seed}
    return Report(title, str(spec), made, options, time.perf_counter() - start)


def _program_report(
    spec: ProgramSpec, keys: tuple[str, ...], title: str | None, wrt: str | None, seed: int, start
) -> Report:
    """The report of a graph program: the sections that apply, and a note on the others."""
    drawn = leaf_values(build_program(spec), seed)  # the leaves without a value: from seed
    spec = spec.with_values({leaf: drawn[leaf] for leaf in spec.leaves})
    given = checked_title(title) if title else None
    title = " ".join(given.split()) if given else f"Derivation report: {spec}"
    inp = ProgramInput(spec, wrt, seed)
    if wrt is not None:
        inp.network().require_parameter(wrt)
    made = []
    for key in keys:
        for own_key, heading, make_section in PROGRAM_SECTIONS.get(key, ()):
            began = time.perf_counter()
            try:
                blocks = make_section(inp)
            except SymnetError as error:  # e.g. Graphviz missing
                blocks = [Note(f"This section could not be made: {error}")]
            made.append(Section(own_key, heading, blocks, time.perf_counter() - began))
    skipped = [key for key in keys if key not in PROGRAM_SECTIONS]
    if skipped:
        notes: list[Block] = [
            Note(f"{SECTIONS[key][0]}: not for a program: {NOT_FOR_PROGRAMS[key]}.")
            for key in skipped
        ]
        made.append(Section("not_applicable", "What does not apply to a program", notes))
    options = {"names": "program", "bias": False, "wrt": wrt, "seed": seed}
    return Report(title, str(spec), made, options, time.perf_counter() - start)
