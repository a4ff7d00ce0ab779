"""The sections of a report, one module per idea of the notes.

Each module holds one section function (``ReportInput`` -> blocks); what they share is in
:mod:`symnet.report.sections.common`, and the table that names and orders them is
:data:`symnet.report.build.SECTIONS`.
"""
