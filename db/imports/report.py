"""What a check finds: problems with their row, column, value and rule, capped, with a total.

Rows are numbered as a person sees them in Excel: the header is row 1, the first data row is
row 2. Rules are English templates marked with ``N_`` (the UI translates them with their
``params``); ``db/`` never translates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MAX_PROBLEMS = 200  # listed in full; the total is always counted
VALUE_CHARS = 60  # a value is shown truncated to this many characters


def truncate(value: object, limit: int = VALUE_CHARS) -> str:
    """``value`` as text of at most ``limit`` characters (an ellipsis marks a cut)."""
    text = "" if value is None else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class Problem:
    """One broken rule. ``row``/``column`` are ``None`` for a problem with the whole file."""

    row: int | None
    column: str | None
    value: str
    rule: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class Report:
    """Problems in file order; keeps the first :data:`MAX_PROBLEMS`, counts them all."""

    problems: list[Problem] = field(default_factory=list)
    total: int = 0
    limit: int = MAX_PROBLEMS

    def add(
        self,
        row: int | None,
        column: str | None,
        value: object,
        rule: str,
        **params: Any,
    ) -> None:
        self.total += 1
        if len(self.problems) < self.limit:
            self.problems.append(Problem(row, column, truncate(value), rule, params))

    @property
    def ok(self) -> bool:
        return self.total == 0

    def sort(self) -> None:
        """File order: by row (whole-file problems first), then as found."""
        self.problems.sort(key=lambda p: -1 if p.row is None else p.row)
