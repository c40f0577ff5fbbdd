"""The deliberation scoring rule: one function, used to record decisions and to check them.

Two stages, as the platform's regulation describes them: a technology must first show
novelty and progressiveness (stage 1: the panel's mean of those two criteria at or above
``stage1_pass``); only then are field applicability, economy and diffusion weighed (stage 2:
the mean of all five criteria at or above ``overall_pass``). Scores are 0-100 per criterion;
the aggregate is the mean over the members who scored (recused members never score).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from db.domain import CRITERIA

STAGE1 = ("novelty", "progressiveness")


@dataclass(frozen=True)
class Thresholds:
    stage1_pass: float = 70.0
    overall_pass: float = 70.0


DEFAULT_THRESHOLDS = Thresholds()


@dataclass(frozen=True)
class Outcome:
    """The aggregate of a set of evaluations and the decision the rule implies."""

    members: int
    stage1_mean: float
    overall_mean: float
    criterion_means: dict[str, float]
    passed: bool
    failed_stage: int | None  # 1 or 2 when not passed, None when passed or no scores


def evaluate(
    evaluations: Sequence[Mapping[str, int]], thresholds: Thresholds = DEFAULT_THRESHOLDS
) -> Outcome:
    """Aggregate per-member criterion scores and apply the two-stage rule.

    With no evaluations the outcome is not passed, with ``failed_stage`` None.
    """
    n = len(evaluations)
    if n == 0:
        return Outcome(0, 0.0, 0.0, {c: 0.0 for c in CRITERIA}, False, None)
    means = {c: sum(float(e[c]) for e in evaluations) / n for c in CRITERIA}
    stage1 = sum(means[c] for c in STAGE1) / len(STAGE1)
    overall = sum(means.values()) / len(CRITERIA)
    if stage1 < thresholds.stage1_pass:
        return Outcome(n, round(stage1, 2), round(overall, 2), means, False, 1)
    if overall < thresholds.overall_pass:
        return Outcome(n, round(stage1, 2), round(overall, 2), means, False, 2)
    return Outcome(n, round(stage1, 2), round(overall, 2), means, True, None)
