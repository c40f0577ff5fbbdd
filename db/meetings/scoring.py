"""The deliberation scoring rule: one function, used to record decisions and to check them.

Two stages, as the platform's regulation describes them: a technology must first show what
the stage-1 criteria weigh (the weighted mean of the panel's means of those criteria at or
above the stage-1 pass mark); only then are the others weighed (stage 2: the weighted mean of
all criteria at or above the stage-2 pass mark). The criteria, their stages and weights, and
the pass marks are the regulation's (:meth:`Thresholds.from_rules`); a meeting recorded
without a version is weighed by the city's criteria, unweighted
(:func:`db.meetings.common.unregulated_rule`). Nothing here names a criterion or a pass mark:
they are the city's data. Scores are 0-100
per criterion; each criterion's mean is over the members who scored (recused members never
score).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from db.regulation.rules import Rules

Criterion = tuple[str, float, int]
"""A criterion of the rule: its code, weight and stage."""


@dataclass(frozen=True)
class Thresholds:
    """The scoring rule one meeting decides by: the pass mark of the first stage and of the
    whole, and each criterion's weight and stage (in the city's order)."""

    stage1_pass: float
    overall_pass: float
    criteria: tuple[Criterion, ...]

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(c for c, _w, _s in self.criteria)

    @property
    def stage1(self) -> tuple[str, ...]:
        """The criteria of the first stage."""
        first = min(s for _c, _w, s in self.criteria)
        return tuple(c for c, _w, s in self.criteria if s == first)

    @classmethod
    def from_rules(cls, rules: Rules) -> Thresholds:
        """The rule of a regulation version: its criteria (weights, stages) and the pass marks
        of its first and last stage."""
        stages = sorted(rules.pass_marks)
        return cls(
            stage1_pass=float(rules.pass_marks[stages[0]]),
            overall_pass=float(rules.pass_marks[stages[-1]]),
            criteria=tuple(
                (c, float(w), int(rules.stages.get(c, stages[-1])))
                for c, w in rules.weights.items()
            ),
        )


@dataclass(frozen=True)
class Outcome:
    """The aggregate of a set of evaluations and the decision the rule implies."""

    members: int
    stage1_mean: float
    overall_mean: float
    criterion_means: dict[str, float]
    passed: bool
    failed_stage: int | None  # 1 or 2 when not passed, None when passed or no scores


def _weighted(means: Mapping[str, float], criteria: Sequence[Criterion]) -> float:
    return sum(w * means[c] for c, w, _s in criteria) / sum(w for _c, w, _s in criteria)


def evaluate(evaluations: Sequence[Mapping[str, float]], thresholds: Thresholds) -> Outcome:
    """Aggregate per-member criterion scores (code -> score) and apply the two-stage rule.

    With no evaluations the outcome is not passed, with ``failed_stage`` None.
    """
    n = len(evaluations)
    codes = thresholds.codes
    if n == 0:
        return Outcome(0, 0.0, 0.0, {c: 0.0 for c in codes}, False, None)
    means = {c: sum(float(e[c]) for e in evaluations) / n for c in codes}
    first = set(thresholds.stage1)
    stage1 = _weighted(means, [k for k in thresholds.criteria if k[0] in first])
    overall = _weighted(means, thresholds.criteria)
    if stage1 < thresholds.stage1_pass:
        return Outcome(n, round(stage1, 2), round(overall, 2), means, False, 1)
    if overall < thresholds.overall_pass:
        return Outcome(n, round(stage1, 2), round(overall, 2), means, False, 2)
    return Outcome(n, round(stage1, 2), round(overall, 2), means, True, None)
