"""The result of a gradient check: one row per parameter, every route's value, a verdict.

:class:`GradientReport` is what :func:`symnet.testing.gradients.check_gradients` returns; its
``to_dict()`` is ``symnet verify --json`` and its ``to_text()`` the command's table.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

__all__ = ["CheckedRows", "GradientRow", "GradientReport"]

_COLUMNS = ("param", "layer", "kind", "row", "col", "value", "symbolic", "compiled", "finite diff")


@dataclass(frozen=True)
class GradientRow:
    """One parameter's gradient by every route; ``torch`` is None when not run.

    ``layer`` counts from 1; ``row`` is the destination unit and ``col`` the source unit
    (0-based; None for a bias).
    """

    name: str
    layer: int
    kind: str
    row: int
    col: int | None
    value: float
    symbolic: float
    compiled: float
    finite_difference: float
    torch: float | None
    abs_error: float
    rel_error: float
    passed: bool

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        if self.col is None:
            del data["col"]
        if self.torch is None:
            del data["torch"]
        return data


class CheckedRows:
    """The verdict over ``rows`` (each with ``abs_error``, ``rel_error`` and ``passed``).

    Shared by every report that checks gradients row by row, so "passed" and the worst
    errors mean the same thing in each.
    """

    rows: tuple[Any, ...]

    @property
    def max_abs_error(self) -> float:
        return max((row.abs_error for row in self.rows), default=0.0)

    @property
    def max_rel_error(self) -> float:
        return max((row.rel_error for row in self.rows), default=0.0)

    @property
    def passed(self) -> bool:
        return all(row.passed for row in self.rows)


@dataclass(frozen=True, eq=False)
class GradientReport(CheckedRows):
    """What :func:`check_gradients` used and found; ``to_dict()`` is the CLI's JSON."""

    spec: str
    loss: str | None  # None: a graph program, differentiated at its output
    names: str
    bias: bool
    seed: int
    batch: int
    eps: float
    atol: float
    rtol: float
    symbolic_route: str
    symbolic_note: str
    torch_status: str
    inputs: np.ndarray = field(repr=False)
    targets: np.ndarray = field(repr=False)
    loss_value: float = 0.0
    rows: tuple[GradientRow, ...] = ()

    @property
    def failures(self) -> tuple[GradientRow, ...]:
        return tuple(row for row in self.rows if not row.passed)

    def to_dict(self) -> dict[str, Any]:
        settings = ("spec", "loss", "names", "bias", "seed", "batch", "eps", "atol", "rtol")
        keys = {"batch": "batch_size"}  # the JSON vocabulary's name (README), as in train
        return {
            **{keys.get(name, name): getattr(self, name) for name in settings},
            "dtype": "float64",
            "symbolic_route": self.symbolic_route,
            "symbolic_note": self.symbolic_note,
            "torch_status": self.torch_status,
            "input_batch": self.inputs.tolist(),
            "target_batch": self.targets.tolist(),
            # NOTE: a graph program's output is no loss: its value may be negative.
            ("loss_value" if self.loss is not None else "value"): self.loss_value,
            "parameters": [row.to_dict() for row in self.rows],
            "max_abs_error": self.max_abs_error,
            "max_rel_error": self.max_rel_error,
            "passed": self.passed,
        }

    @property
    def _loss_words(self) -> str:
        return "at its output" if self.loss is None else f"loss {self.loss}"

    def failure_message(self) -> str:
        """One line naming the worst failing parameter and its values ('' when passed)."""
        if self.passed:
            return ""
        worst = max(self.failures, key=lambda r: r.abs_error)
        where = f"layer {worst.layer} {worst.kind} row {worst.row}"
        where += "" if worst.col is None else f" col {worst.col}"
        values = (
            f"symbolic {worst.symbolic:.9g}, compiled {worst.compiled:.9g}, "
            f"finite difference {worst.finite_difference:.9g}"
        )
        values += "" if worst.torch is None else f", torch {worst.torch:.9g}"
        more = len(self.failures) - 1
        return (
            f"gradient check of {self.spec} ({self._loss_words}) failed for {worst.name} "
            f"({where}): {values}; |error| {worst.abs_error:.3g} exceeds atol {self.atol:g} + "
            f"rtol {self.rtol:g} * |symbolic|"
            + (f" ({more} more parameter(s) failed)" if more else "")
            + "; a derivative rule disagrees with its function (or a ReLU kink lies within "
            "eps of the point: try another seed)"
        )

    def to_text(self) -> str:
        with_torch = any(row.torch is not None for row in self.rows)
        head = [*_COLUMNS, *(["torch"] if with_torch else [])]
        table = [[*head, "abs error", "ok"]]
        for r in self.rows:
            numbers: list[float | None] = [r.value, r.symbolic, r.compiled, r.finite_difference]
            numbers += [r.torch] if with_torch else []
            position = [
                r.name,
                str(r.layer),
                r.kind,
                str(r.row),
                "" if r.col is None else str(r.col),
            ]
            verdict = [f"{r.abs_error:.1e}", "yes" if r.passed else "NO"]
            table.append([*position, *(f"{x: .6e}" for x in numbers), *verdict])
        widths = [max(len(line[k]) for line in table) for k in range(len(table[0]))]
        lines = [
            f"gradient check of {self.spec} (names {self.names}, bias {self.bias}), "
            f"{self._loss_words}, batch {self.batch}, seed {self.seed}, float64",
            f"symbolic: {self.symbolic_route} ({self.symbolic_note}); torch: {self.torch_status}",
            f"batch loss = {self.loss_value:.10g}",
            "",
            *("  ".join(cell.ljust(w) for cell, w in zip(line, widths)).rstrip() for line in table),
            "",
            f"max abs error {self.max_abs_error:.2e}, max rel error {self.max_rel_error:.2e} "
            f"(atol {self.atol:g}, rtol {self.rtol:g}, finite-difference step {self.eps:g}): "
            + ("PASSED" if self.passed else f"FAILED for {len(self.failures)} parameter(s)"),
        ]
        return "\n".join(lines)
