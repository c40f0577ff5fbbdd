"""A city's registration-number pattern, such as ``AB-{year}-{seq:03}`` (pure).

``{year}`` is the year of submission, ``{seq}`` the number within the year (or within all
time, when the pattern has no ``{year}``), zero-padded to the width after the colon. The
rest is literal text. The pattern both makes numbers and reads them back, so the next number
is found from the numbers given so far.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from db.errors import N_, DomainError

_PLACEHOLDER = re.compile(r"\{([a-z]+)(?::0?([1-9]))?\}")
LITERAL = re.compile(r"^[A-Za-z0-9 _./\-]*$")


class PatternInvalid(DomainError):
    message = N_(
        "{pattern} is not a number pattern: it needs {{seq}} once (e.g. {{seq:03}}), may have "
        "{{year}} once, and otherwise letters, digits, spaces and - _ . /"
    )


@dataclass(frozen=True)
class NumberPattern:
    pattern: str

    def __post_init__(self) -> None:
        names = [m.group(1) for m in _PLACEHOLDER.finditer(self.pattern)]
        literal = _PLACEHOLDER.sub("", self.pattern)
        if (
            names.count("seq") != 1
            or names.count("year") > 1
            or set(names) - {"seq", "year"}
            or not LITERAL.match(literal)
            or "{" in literal
            or "}" in literal
            or len(self.pattern) > 40
        ):
            raise PatternInvalid(pattern=self.pattern)

    @property
    def width(self) -> int:
        m = next(m for m in _PLACEHOLDER.finditer(self.pattern) if m.group(1) == "seq")
        return int(m.group(2) or 1)

    def format(self, year: int, seq: int) -> str:
        """The number ``seq`` of ``year``."""

        def fill(m: re.Match[str]) -> str:
            return f"{year:04d}" if m.group(1) == "year" else f"{seq:0{self.width}d}"

        return _PLACEHOLDER.sub(fill, self.pattern)

    def shape(self) -> str:
        """The pattern as a person reads it, e.g. ``AB-YYYY-NNN`` (YYYY the year, one N per
        digit of the number)."""

        def fill(m: re.Match[str]) -> str:
            return "YYYY" if m.group(1) == "year" else "N" * self.width

        return _PLACEHOLDER.sub(fill, self.pattern)

    def regex(self) -> re.Pattern[str]:
        """Matches this pattern's numbers; groups ``year`` (if any) and ``seq``."""
        out, pos = [], 0
        for m in _PLACEHOLDER.finditer(self.pattern):
            out.append(re.escape(self.pattern[pos : m.start()]))
            out.append(r"(?P<year>\d{4})" if m.group(1) == "year" else r"(?P<seq>\d+)")
            pos = m.end()
        out.append(re.escape(self.pattern[pos:]))
        return re.compile("^" + "".join(out) + "$")

    def prefix(self, year: int) -> str:
        """The literal text before ``{seq}`` for ``year`` (to narrow a database search)."""
        seq = next(m for m in _PLACEHOLDER.finditer(self.pattern) if m.group(1) == "seq")
        head = self.pattern[: seq.start()]
        return _PLACEHOLDER.sub(f"{year:04d}", head)

    def parse(self, number: str) -> tuple[int | None, int] | None:
        """``(year, seq)`` of a number of this pattern (year None without ``{year}``)."""
        m = self.regex().match(number)
        if m is None:
            return None
        year = m.groupdict().get("year")
        return (int(year) if year else None, int(m.group("seq")))

    def has_year(self) -> bool:
        return any(m.group(1) == "year" for m in _PLACEHOLDER.finditer(self.pattern))
