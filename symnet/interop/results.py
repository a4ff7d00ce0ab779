"""The result of checking a user's gradients: one record per parameter array, and a verdict.

:class:`BackpropReport` is what :func:`symnet.interop.backprop_check.check_backprop`
returns; ``to_text()`` is ``symnet verify --grads``'s report and ``to_dict()`` its JSON
(keys in README's vocabulary: ``max_abs_error``, ``passed``, ``parameters``, ...).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from symnet.testing.results import CheckedRows

__all__ = ["BackpropReport", "ParameterCheck", "WrongEntry"]


@dataclass(frozen=True)
class WrongEntry:
    """The first entry of a parameter's gradient (row-major, in the user's layout) that is
    off: where it is in both layouts, the two values and the formula it should equal."""

    index: tuple[int, ...]
    symnet_index: tuple[int, ...]
    yours: float
    expected: float
    scalar: str | None
    formula: str
    deltas: tuple[str, ...]
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": list(self.index),
            "symnet_index": list(self.symnet_index),
            "yours": self.yours,
            "expected": self.expected,
            "scalar": self.scalar,
            "formula": self.formula,
            "deltas_used": list(self.deltas),
        }


@dataclass(frozen=True)
class ParameterCheck:
    """One parameter array: the user's name and shape, symnet's, the errors and the verdict.

    ``abs_error`` is the largest |yours - symnet's| over the entries, ``rel_error`` the
    largest of |yours - symnet's| / max(|symnet's|, atol); ``diagnosis`` says what the
    error most likely is (None when the check passed or nothing simple fits).
    """

    name: str
    symnet_name: str
    layer: int
    kind: str
    shape: tuple[int, ...]
    abs_error: float
    rel_error: float
    passed: bool
    first_wrong: WrongEntry | None = None
    diagnosis: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "symnet_name": self.symnet_name,
            "layer": self.layer,
            "kind": self.kind,
            "shape": list(self.shape),
            "abs_error": self.abs_error,
            "rel_error": self.rel_error,
            "passed": self.passed,
            "first_wrong": None if self.first_wrong is None else self.first_wrong.to_dict(),
            "diagnosis": self.diagnosis,
        }


@dataclass(frozen=True, eq=False)
class BackpropReport(CheckedRows):
    """What :func:`check_backprop` compared and found; ``to_dict()`` is the CLI's JSON."""

    spec: str
    loss: str
    loss_formula: str
    model: str | None
    batch: int
    atol: float
    rtol: float
    layout: dict[str, str]
    layout_text: str
    mapping: tuple[str, ...]
    loss_value: float
    rows: tuple[ParameterCheck, ...] = ()
    notes: tuple[str, ...] = field(default=())

    @property
    def failures(self) -> tuple[ParameterCheck, ...]:
        return tuple(row for row in self.rows if not row.passed)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "spec": self.spec,
            "loss": self.loss,
            "loss_formula": self.loss_formula,
            "batch_size": self.batch,
            "dtype": "float64",
            "atol": self.atol,
            "rtol": self.rtol,
            "layout": self.layout,
            "mapping": list(self.mapping),
            "loss_value": self.loss_value,
            "parameters": [row.to_dict() for row in self.rows],
            "max_abs_error": self.max_abs_error,
            "max_rel_error": self.max_rel_error,
            "passed": self.passed,
        }
        if self.model is not None:
            data["model"] = self.model
        return data

    def failure_message(self) -> str:
        """One line naming the first failing parameter and what is wrong ('' when passed)."""
        if self.passed:
            return ""
        first = self.failures[0]
        more = len(self.failures) - 1
        where = ""
        if first.first_wrong is not None:
            entry = first.first_wrong
            at = ",".join(str(i) for i in entry.index)
            where = f"; {first.name}[{at}] is {entry.yours:.9g}, symnet's {entry.expected:.9g}"
        return (
            f"your gradient of {first.name} (layer {first.layer} {first.kind}) is wrong: "
            f"{first.diagnosis or 'no simple slip explains it'}{where}"
            + (f" ({more} more parameter(s) wrong)" if more else "")
        )

    def to_text(self) -> str:
        source = f"model {self.model} ({self.spec})" if self.model else self.spec
        lines = [
            f"your backprop against symnet's derivation: {source}, loss {self.loss}, "
            f"{self.batch} sample(s), float64",
            f"loss: {self.loss_formula}; the batch loss is the mean over the samples",
            f"layout: {self.layout_text}",
            *(f"  {line}" for line in self.mapping),
            *self.notes,
            f"batch loss = {self.loss_value:.10g}",
            "",
        ]
        width = max((len(row.name) for row in self.rows), default=4)
        for row in self.rows:
            verdict = "ok" if row.passed else "WRONG"
            lines.append(
                f"{row.name.ljust(width)}  {str(row.shape).ljust(10)} max abs error "
                f"{row.abs_error:.2e}  rel {row.rel_error:.2e}  {verdict}"
            )
            if row.passed:
                continue
            lines.append(f"    diagnosis: {row.diagnosis or 'no simple slip explains it'}")
            if row.first_wrong is not None:
                entry = row.first_wrong
                at = ",".join(str(i) for i in entry.index)
                lines.append(
                    f"    first wrong entry {row.name}[{at}]: yours {entry.yours:.9g}, "
                    f"symnet's {entry.expected:.9g}"
                )
                lines.append(f"    {entry.text}")
        verdict = "PASSED" if self.passed else f"WRONG in {len(self.failures)} parameter(s)"
        lines += [
            "",
            f"max abs error {self.max_abs_error:.2e}, max rel error {self.max_rel_error:.2e} "
            f"(atol {self.atol:g}, rtol {self.rtol:g}): {verdict}",
        ]
        return "\n".join(lines)
