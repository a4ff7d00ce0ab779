"""Derivation reports: the lecture notes as one document generated from a network.

:func:`build_report` makes the sections listed in :data:`symnet.report.build.SECTIONS`
(one module each in ``sections/``) as format-free blocks (:mod:`symnet.report.document`);
:class:`Report` writes them as HTML with MathML (:mod:`symnet.report.html`) or Markdown with
LaTeX (:mod:`symnet.report.markdown`).

>>> import symnet
>>> report = symnet.report.build_report("2-1", sections="network")
>>> isinstance(report, symnet.report.Report), [section.key for section in report.sections]
(True, ['network'])
"""

from symnet.report.build import Report, build_report

__all__ = ["Report", "build_report"]
