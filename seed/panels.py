"""Panel draws, attendance, conflict declarations, scores and decisions of one meeting.

The draw is reproducible from what the meeting records. The *roster* is every expert with a
field in the meeting's field group (``seed.city.City.field_groups``; everyone for adoption and
testbed meetings), in id order, registered before the draw date. With
``r = random.Random(draw_seed)``, ``r.randrange(len(roster))`` is repeated, skipping experts
who are excluded (``draw_exclusions``: same organisation as an applicant, or a declared tie
to one in the three years before the meeting), retired by the meeting date, or already
seated, until 7 are seated. ``draw_pool_size`` is the number of experts who could have been
drawn.

This is the demo history's rule, not the app's: ``db.meetings.draw`` (rule
``balanced-v1``) adds affiliation targets and seat spreading and records its candidates in
``meeting_rules``; see its docstring for why the seed keeps this cheaper rule.

Scores are generated around a planned outcome and the decision is then *computed* with
``db.meetings.scoring.evaluate`` (re-drawing the scores until they agree with the plan), so every
decision follows the rule except the one planted irregularity that says otherwise.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Mapping

from db.meetings.scoring import evaluate
from seed import texts
from seed.constants import PANEL_SIZE, QUORUM
from seed.model import Evaluation, Expert, Item, Meeting, Org, Seat, Tie
from seed.people import Roster
from seed.world import World

TIE_WINDOW = dt.timedelta(days=3 * 365)


class PanelError(RuntimeError):
    """Too few eligible experts to seat a panel (the world is inconsistent)."""


def _in_group(e: Expert, group: str, group_of: Mapping[str, str]) -> bool:
    return group == "all" or any(group_of[f] == group for f in e.fields)


def _eligible(e: Expert, group: str, m: Meeting, group_of: Mapping[str, str]) -> bool:
    return (
        e.registered_on < m.draw_on
        and (e.retired_on is None or e.retired_on > m.held_on)
        and _in_group(e, group, group_of)
    )


def exclusions(
    m: Meeting,
    group: str,
    employees: dict[int, list[Expert]],
    ties: dict[int, list[Tie]],
    group_of: Mapping[str, str],
) -> dict[int, str]:
    """Expert id -> reason, for experts who may not sit on this meeting's panel
    (``group_of``: field -> its group)."""
    out: dict[int, str] = {}
    applicants = {item.tech.owner.seq: item.tech.owner for item in m.items}
    for seq in sorted(applicants):
        for e in employees.get(seq, ()):
            if _eligible(e, group, m, group_of):
                out[e.id] = "same_organization"
        for t in ties.get(seq, ()):
            e = t.expert
            if e.id in out or not _eligible(e, group, m, group_of) or t.recorded_on > m.draw_on:
                continue
            if t.started_on <= m.held_on and (
                t.ended_on is None or t.ended_on >= m.held_on - TIE_WINDOW
            ):
                out[e.id] = "tie"
    return out


def draw(w: World, m: Meeting, roster: Roster, excluded: dict[int, str]) -> None:
    """Seat 7 experts by the documented draw and record seed, pool size and exclusions."""
    m.draw_seed = w.rng.getrandbits(62)
    n = roster.registered_before(m.draw_on)
    m.pool_size = n - roster.retired_by(m.held_on) - len(excluded)
    if m.pool_size < PANEL_SIZE:
        raise PanelError(f"only {m.pool_size} experts can sit on {m.code}")
    m.exclusions = [{"expert_id": i, "reason": excluded[i]} for i in sorted(excluded)]
    r = random.Random(m.draw_seed)
    seated: set[int] = set()
    while len(m.seats) < PANEL_SIZE:
        e = roster.members[r.randrange(n)]
        if e.id in seated or e.id in excluded or (e.retired_on and e.retired_on <= m.held_on):
            continue
        seated.add(e.id)
        m.seats.append(Seat(e, rank=len(m.seats) + 1))


def attend(w: World, m: Meeting, *, without_quorum: bool = False) -> None:
    """Attendance, conflict declarations and recusals, then the chair.

    Normally at least ``QUORUM`` members attend and may score; ``without_quorum`` plants a
    meeting where only 4 attend.
    """
    if without_quorum:
        for s in m.seats:
            s.attended = s.rank <= QUORUM - 1
    else:
        owners: list[Org | None] = [it.tech.owner for it in m.items] or [None]
        for s in m.seats:
            s.attended = w.chance(0.92)
            if s.attended and w.chance(0.045):
                owner = w.pick(owners)
                name = owner.name_ko if owner is not None else "신청 기업"
                s.recused = w.chance(0.5)
                template = w.pick(texts.CONFLICT_RECUSED if s.recused else texts.CONFLICT_KEPT)
                s.conflict_note = template.format(org=name)
        for s in m.seats:
            if len(scorers(m)) >= QUORUM:
                break
            if not s.attended:
                s.attended = True
            elif s.recused:
                s.recused = False
                s.conflict_note = None
    voters = scorers(m)
    chair = next((s for s in voters if s.expert.affiliation in ("academia", "public")), None)
    (chair or voters[0]).is_chair = True


def scorers(m: Meeting) -> list[Seat]:
    """Seats that score: attended and not recused."""
    return [s for s in m.seats if s.attended and not s.recused]


def _clamp(x: float) -> int:
    return 0 if x < 0 else 100 if x > 100 else round(x)


def _scores(w: World, n: int, plan: str) -> list[tuple[int, ...]]:
    """``n`` members' scores of the criteria of the city's rule (in its order), drawn so
    that the item passes or fails the stage that ``plan`` names."""
    rng = w.rng
    if plan == "pass":
        s1 = rng.uniform(73, 90)
        rest = s1 + rng.uniform(-4, 4)
    elif plan == "fail1":
        s1 = rng.uniform(52, 68)
        rest = s1 + rng.uniform(-2, 10)
    elif plan == "near_fail1":  # a narrow stage-1 failure (the planted decision)
        s1 = rng.uniform(64, 68)
        rest = rng.uniform(72, 78)
    else:  # fail2: the first stage suffices, the rest does not
        s1 = rng.uniform(71, 80)
        rest = rng.uniform(48, 62)
    first = set(w.city.rule.stage1)
    means = tuple(
        s1 + rng.gauss(0, 2) if c in first else rest + rng.gauss(0, 3) for c in w.city.rule.codes
    )
    out = []
    for _ in range(n):
        bias = rng.gauss(0, 4)
        out.append(tuple(_clamp(mu + bias + rng.gauss(0, 5)) for mu in means))
    return out


def _comment(w: World, scores: tuple[int, ...]) -> str:
    avg = sum(scores) / len(scores)
    band = "high" if avg >= 78 else "mid" if avg >= 66 else "low"
    return w.pick(texts.COMMENTS[band])


def score(w: World, m: Meeting, item: Item, passed: bool, *, against: bool = False) -> None:
    """Evaluations of every scoring member, and the decision the rule gives (with reason).

    ``against`` plants a decision of "passed" on scores that fail the rule.
    """
    voters = scorers(m)
    verb = texts.DECISION_VERB[m.kind]
    want_pass = passed and not against
    for _ in range(200):
        plan = "near_fail1" if against else "pass" if want_pass else w.pick(("fail1", "fail2"))
        rows = _scores(w, len(voters), plan)
        rule = w.city.rule
        outcome = evaluate([dict(zip(rule.codes, r, strict=True)) for r in rows], rule)
        if outcome.passed == want_pass:
            break
    else:  # pragma: no cover - the plans above agree with the rule almost always
        raise PanelError(f"could not generate scores for {m.code}")
    item.evaluations = [
        Evaluation(seat, r, _comment(w, r)) for seat, r in zip(voters, rows, strict=True)
    ]
    item.stage1, item.overall = outcome.stage1_mean, outcome.overall_mean
    if against:
        item.decision, template = "passed", texts.REASON_AGAINST_SCORES
    elif outcome.passed:
        item.decision, template = "passed", texts.REASON_PASSED
    else:
        item.decision = "failed"
        template = texts.REASON_FAILED_1 if outcome.failed_stage == 1 else texts.REASON_FAILED_2
    item.reason = template.format(s1=outcome.stage1_mean, ov=outcome.overall_mean, verb=verb)
