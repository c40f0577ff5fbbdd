"""The rules of one regulation version, and the one check of them (pure: no database).

A regulation version holds these rules as JSON; :func:`parse_rules` reads them back and
refuses what no regulation may say (a quorum under 3, a pass mark outside 0-100, ...), naming
each key. The same function checks a draft in the app, a profile file's first version and a
stored version, so a rule cannot be bent on one path and not on another.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from db.domain import MEETING_KINDS
from db.errors import N_, DomainError

MIN_QUORUM = 3
SUBSTITUTE_RULES = ("draw",)
# A normal import may create technologies only in a status that precedes every decision.
IMPORTABLE_STATUSES = ("submitted",)

KEYS = (
    "quorum",
    "pass_marks",
    "weights",
    "conflict_window_years",
    "panel_size",
    "affiliation_cap",
    "max_appointed",
    "max_seats_per_expert",
    "seat_period_days",
    "substitutes",
    "import_statuses",
)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a key: a message template (``N_``) and its parameters."""

    key: str
    message: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def text(self) -> str:
        """In English (command line, logs); the UI translates ``message`` itself."""
        return f"{self.key}: {self.message.format(**self.params)}"


class RulesInvalid(DomainError):
    """Rules that no regulation may hold; ``problems`` names every key."""

    message = N_("The regulation's rules are not valid: {details}. Nothing was saved.")

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__(details="; ".join(p.text() for p in problems))


UNKNOWN_KEY = N_("unknown key")
MISSING = N_("missing")
BETWEEN = N_("must be from {low} to {high}")
WHOLE_NUMBER = N_("must be a whole number")
NUMBER = N_("must be a number")
ONE_OF = N_("must be one of: {values}")


@dataclass(frozen=True)
class Rules:
    """What a meeting and an import may do under one regulation version."""

    quorum: Mapping[str, int]  # members present who may vote, per meeting kind
    pass_marks: Mapping[int, float]  # per criterion stage (1, 2)
    weights: Mapping[str, float]  # per criterion code
    conflict_window_years: int
    panel_size: int
    affiliation_cap: Fraction  # the largest share of the seats one affiliation may hold
    max_appointed: int  # seats staff may fill by hand, per meeting
    max_seats_per_expert: int  # within seat_period_days
    seat_period_days: int
    substitutes: str = "draw"
    import_statuses: tuple[str, ...] = IMPORTABLE_STATUSES
    stages: Mapping[str, int] = field(default_factory=dict)  # criterion -> stage (profile)

    def cap_seats(self, size: int) -> int:
        """The most seats one affiliation may hold on a panel of ``size`` (at least 1)."""
        return max(1, int(size * self.affiliation_cap))

    def criteria(self, stage: int | None = None) -> tuple[str, ...]:
        """The criteria (of ``stage``), in the profile's order."""
        return tuple(c for c, s in self.stages.items() if stage is None or s == stage)

    def as_json(self) -> str:
        """The rules as stored (keys sorted, so equal rules are equal text)."""
        return json.dumps(
            {
                "quorum": dict(self.quorum),
                "pass_marks": {str(k): v for k, v in self.pass_marks.items()},
                "weights": dict(self.weights),
                "conflict_window_years": self.conflict_window_years,
                "panel_size": self.panel_size,
                "affiliation_cap": str(self.affiliation_cap),
                "max_appointed": self.max_appointed,
                "max_seats_per_expert": self.max_seats_per_expert,
                "seat_period_days": self.seat_period_days,
                "substitutes": self.substitutes,
                "import_statuses": list(self.import_statuses),
            },
            sort_keys=True,
            ensure_ascii=False,
        )


def _int(raw: Any, key: str, low: int, high: int, problems: list[Problem]) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int):
        problems.append(Problem(key, WHOLE_NUMBER))
        return low
    if not low <= raw <= high:
        problems.append(Problem(key, BETWEEN, {"low": low, "high": high}))
    return raw


def _number(raw: Any, key: str, low: float, high: float, problems: list[Problem]) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        problems.append(Problem(key, NUMBER))
        return low
    if not low <= float(raw) <= high:
        problems.append(Problem(key, BETWEEN, {"low": f"{low:g}", "high": f"{high:g}"}))
    return float(raw)


def _fraction(raw: Any, key: str, problems: list[Problem]) -> Fraction:
    try:
        value = Fraction(str(raw)) if not isinstance(raw, bool) else Fraction(-1)
    except (ValueError, ZeroDivisionError):
        value = Fraction(-1)
    if not 0 < value <= 1:
        problems.append(Problem(key, N_("must be a share above 0 and at most 1, such as 1/2")))
        return Fraction(1, 2)
    return value


def parse_rules(raw: Mapping[str, Any], criteria: Mapping[str, int]) -> Rules:
    """The rules in ``raw`` (a parsed TOML table or stored JSON), checked.

    ``criteria`` maps each criterion code of the city's profile to its stage: every criterion
    needs a weight and every stage a pass mark.

    :raise RulesInvalid: every problem, by key.
    """
    problems: list[Problem] = []
    unknown = sorted(set(raw) - set(KEYS))
    problems += [Problem(k, UNKNOWN_KEY) for k in unknown]
    problems += [Problem(k, MISSING) for k in KEYS[:9] if k not in raw]
    if problems:
        raise RulesInvalid(problems)
    panel = _int(raw["panel_size"], "panel_size", MIN_QUORUM, 30, problems)
    quorum_raw = raw["quorum"]
    quorum: dict[str, int] = {}
    if not isinstance(quorum_raw, Mapping):
        problems.append(Problem("quorum", N_("a table of meeting kinds")))
    else:
        for kind in sorted(set(quorum_raw) - set(MEETING_KINDS)):
            problems.append(Problem(f"quorum.{kind}", N_("unknown meeting kind")))
        for kind in MEETING_KINDS:
            if kind not in quorum_raw:
                problems.append(Problem(f"quorum.{kind}", MISSING))
                continue
            quorum[kind] = _int(quorum_raw[kind], f"quorum.{kind}", MIN_QUORUM, 30, problems)
            if quorum[kind] > panel:
                problems.append(Problem(f"quorum.{kind}", N_("more than the panel's seats")))
    stages = sorted(set(criteria.values()))
    marks_raw = raw["pass_marks"]
    marks: dict[int, float] = {}
    if not isinstance(marks_raw, Mapping):
        problems.append(Problem("pass_marks", N_("a table of stages")))
    else:
        given = {str(k): v for k, v in marks_raw.items()}
        for key in sorted(set(given) - {str(s) for s in stages}):
            problems.append(Problem(f"pass_marks.{key}", N_("no criterion has this stage")))
        for stage in stages:
            if str(stage) not in given:
                problems.append(Problem(f"pass_marks.{stage}", MISSING))
                continue
            marks[stage] = _number(given[str(stage)], f"pass_marks.{stage}", 0, 100, problems)
    weights_raw = raw["weights"]
    weights: dict[str, float] = {}
    if not isinstance(weights_raw, Mapping):
        problems.append(Problem("weights", N_("a table of criteria")))
    else:
        for code in sorted(set(weights_raw) - set(criteria)):
            problems.append(Problem(f"weights.{code}", N_("not a criterion of the city's profile")))
        for code in criteria:
            if code not in weights_raw:
                problems.append(Problem(f"weights.{code}", MISSING))
                continue
            weights[code] = _number(weights_raw[code], f"weights.{code}", 0.01, 100, problems)
    window = _int(raw["conflict_window_years"], "conflict_window_years", 0, 30, problems)
    cap = _fraction(raw["affiliation_cap"], "affiliation_cap", problems)
    appointed = _int(raw["max_appointed"], "max_appointed", 0, panel, problems)
    seats = _int(raw["max_seats_per_expert"], "max_seats_per_expert", 1, 1000, problems)
    period = _int(raw["seat_period_days"], "seat_period_days", 1, 3660, problems)
    substitutes = raw.get("substitutes", "draw")
    if substitutes not in SUBSTITUTE_RULES:
        problems.append(Problem("substitutes", ONE_OF, {"values": ", ".join(SUBSTITUTE_RULES)}))
    statuses = raw.get("import_statuses", list(IMPORTABLE_STATUSES))
    if (
        not isinstance(statuses, list | tuple)
        or not statuses
        or not set(statuses) <= set(IMPORTABLE_STATUSES)
    ):
        problems.append(
            Problem("import_statuses", ONE_OF, {"values": ", ".join(IMPORTABLE_STATUSES)})
        )
        statuses = list(IMPORTABLE_STATUSES)
    if problems:
        raise RulesInvalid(problems)
    return Rules(
        quorum=quorum,
        pass_marks=marks,
        weights=weights,
        conflict_window_years=window,
        panel_size=panel,
        affiliation_cap=cap,
        max_appointed=appointed,
        max_seats_per_expert=seats,
        seat_period_days=period,
        substitutes=str(substitutes),
        import_statuses=tuple(statuses),
        stages=dict(criteria),
    )


def rules_from_json(text: str, criteria: Mapping[str, int]) -> Rules:
    """Stored rules read back (checked again: a stored row edited by hand is refused)."""
    return parse_rules(json.loads(text), criteria)


def differences(a: Rules, b: Rules) -> list[tuple[str, Any, Any]]:
    """``(key, in a, in b)`` for every rule that differs, in the order of :data:`KEYS`."""
    left, right = json.loads(a.as_json()), json.loads(b.as_json())
    out: list[tuple[str, Any, Any]] = []
    for key in KEYS:
        x, y = left.get(key), right.get(key)
        if isinstance(x, dict) and isinstance(y, dict):
            out += [
                (f"{key}.{k}", x.get(k), y.get(k)) for k in _ordered(x, y) if x.get(k) != y.get(k)
            ]
        elif x != y:
            out.append((key, x, y))
    return out


def _ordered(x: Mapping[str, Any], y: Mapping[str, Any]) -> Iterable[str]:
    seen = dict.fromkeys(list(x) + list(y))
    return list(seen)
