"""The fairness report across meetings, for auditors.

For the meetings scheduled in a period: panel composition against the pool, seats per expert
(concentration), experts who sat many times for the same applicant, and a list of *flags*,
each pointing to its meeting (and item or expert). A flag is raised for:

``decision_against_scores``
    an item passed or failed although ``db.scoring.evaluate`` (with the meeting's pass marks)
    gives the other result;
``decided_without_quorum``
    a meeting that passed or failed items with fewer members present and not recused than
    its quorum;
``repeated_panelist_for_applicant``
    an expert who sat on :data:`REPEAT_MEETINGS` or more meetings of the period that had an
    item of the same applicant (one flag per meeting);
``seat_concentration``
    an expert holding :data:`CONCENTRATION_SEATS` or more seats on meetings within
    :data:`CONCENTRATION_DAYS` days (one flag per meeting of such a run);
``missing_reason``
    a decision without its reason, a declaration of interest or recusal without its note, a
    seat not filled by the draw (substitute, appointed) without a recorded reason, or a
    closed meeting without minutes (``what`` says which);
``ineligible_scores``
    scores recorded for a member absent, recused, or with a conflict with that item's
    applicant;
``conflict_not_recused``
    a member with a conflict by the draw's rule (same organization as an applicant, or a tie
    within three years) who did not recuse;
``seated_despite_exclusion``
    a member the draw had excluded;
``draw_not_reproducible``
    a draw made by the app's rule whose recorded seed and candidates replay to another panel.

Thresholds were chosen on the demo history: with random draws no expert reaches 4 seats in
365 days nor 3 meetings with the same applicant, except where an irregularity was planted.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import and_, func, or_, select, true
from sqlalchemy.orm import Session

from db import domain
from db.deliberation.common import AUDITOR_ROLES, require_read, text_of, yes
from db.deliberation.draw import RULE, Candidate, PoolExpert, Tie, conflict_reason, select_seats
from db.models import (
    AgendaItem,
    AuditEvent,
    Evaluation,
    Expert,
    ExpertTie,
    Meeting,
    MeetingRules,
    Organization,
    PanelSeat,
    Technology,
)
from db.permissions import Actor
from db.scoring import DEFAULT_THRESHOLDS, Thresholds, evaluate

REPEAT_MEETINGS = 3
CONCENTRATION_SEATS = 4
CONCENTRATION_DAYS = 365

FLAG_KINDS = (
    "decision_against_scores",
    "decided_without_quorum",
    "repeated_panelist_for_applicant",
    "seat_concentration",
    "missing_reason",
    "ineligible_scores",
    "conflict_not_recused",
    "seated_despite_exclusion",
    "draw_not_reproducible",
)
FLAG_COLUMNS = [
    "kind",
    "meeting_id",
    "code",
    "scheduled_on",
    "item_position",
    "expert_id",
    "expert_name",
    "expert_name_en",
    "applicant_ko",
    "applicant_en",
    "what",
    "count",
]

Period = tuple[dt.date | None, dt.date | None]


@dataclass(frozen=True)
class FairnessReport:
    period: Period
    meetings: int
    meetings_held: int
    seats: int
    composition: pd.DataFrame  # affiliation, pool, pool_share, seats, seat_share
    seat_distribution: pd.DataFrame  # seats, experts (experts with that many seats)
    top_experts: pd.DataFrame  # most-seated experts
    repeated: pd.DataFrame  # expert x applicant with the meetings they shared
    one_sided_panels: pd.DataFrame  # panels where one affiliation holds a majority
    top_decile_share: float  # share of seats held by the most-seated tenth of seated experts
    flags: pd.DataFrame  # FLAG_COLUMNS


def fairness_report(
    *, session: Session, actor: Actor, period: Period = (None, None)
) -> FairnessReport:
    """The fairness report for meetings scheduled in ``period`` (inclusive; ``None`` ends
    are open).

    :raise PermissionDenied: the actor is not an auditor.
    :raise ValueError: the period ends before it starts.
    """
    require_read(actor, AUDITOR_ROLES, action="fairness.read")
    start, end = period
    if start and end and start > end:
        raise ValueError("period ends before it starts")
    data = _load(session, start, end)
    flags: list[dict[str, Any]] = []
    _decisions(data, flags)
    repeated = _repeats(data, flags)
    _concentration(data, flags)
    _records(data, flags)
    _conflicts(session, data, flags)
    _replays(session, data, flags)
    frame = pd.DataFrame(flags, columns=FLAG_COLUMNS)
    for col in ("item_position", "expert_id", "count"):
        frame[col] = frame[col].astype("Int64")
    if not frame.empty:
        frame["order"] = frame["kind"].map({k: i for i, k in enumerate(FLAG_KINDS)})
        frame = (
            frame.sort_values(["order", "scheduled_on", "code", "item_position"])
            .drop(columns="order")
            .drop_duplicates()
            .reset_index(drop=True)
        )
    composition = _composition(session, data, end)
    seats_per = data.seats.groupby("expert_id").size() if not data.seats.empty else pd.Series()
    distribution = (
        seats_per.value_counts().sort_index().rename_axis("seats").reset_index(name="experts")
        if not seats_per.empty
        else pd.DataFrame(columns=["seats", "experts"])
    )
    ranked = sorted((int(v) for v in seats_per.tolist()), reverse=True)
    decile = ranked[: max(1, len(ranked) // 10)] if ranked else []
    return FairnessReport(
        period=(start, end),
        meetings=len(data.meetings),
        meetings_held=int((data.meetings["status"] != "scheduled").sum()),
        seats=len(data.seats),
        composition=composition,
        seat_distribution=distribution,
        top_experts=_top_experts(data, seats_per),
        repeated=repeated,
        one_sided_panels=_one_sided(data),
        top_decile_share=(sum(decile) / sum(ranked)) if ranked else 0.0,
        flags=frame,
    )


@dataclass
class _Data:
    meetings: pd.DataFrame
    seats: pd.DataFrame
    items: pd.DataFrame
    scores: dict[int, tuple[int, dict[str, int]]]  # item id -> members who scored, sums
    scored_by: dict[int, set[int]]  # item id -> seat ids that scored
    thresholds: dict[int, Thresholds]
    experts: dict[int, tuple[str, str | None, str, int]]  # name, name_en, affiliation, org
    orgs: dict[int, tuple[str, str]]
    rules_in: Any = None  # the condition on MeetingRules.meeting_id for the period


def _frame(session: Session, query: Any) -> pd.DataFrame:
    rows = session.execute(query).all()
    return pd.DataFrame([tuple(r) for r in rows], columns=list(query.selected_columns.keys()))


def _load(session: Session, start: dt.date | None, end: dt.date | None) -> _Data:
    in_period = []
    if start is not None:
        in_period.append(Meeting.scheduled_on >= start)
    if end is not None:
        in_period.append(Meeting.scheduled_on <= end)
    meetings = _frame(
        session,
        select(
            Meeting.id,
            Meeting.code,
            Meeting.kind,
            Meeting.status,
            Meeting.scheduled_on,
            Meeting.held_on,
            Meeting.quorum,
            Meeting.minutes,
            Meeting.draw_seed,
            Meeting.draw_exclusions,
        )
        .where(*in_period)
        .order_by(Meeting.scheduled_on, Meeting.id),
    )
    # The meetings of the period as a subquery (a list of every id would be one bound
    # parameter per meeting: 15,000 at scale 100). ``meeting_id IN (SELECT ...)`` lets the
    # database read the period's rows by the meeting_id / agenda_item_id indexes; a join
    # with the condition on the meeting scanned every seat and score of the history.
    period_ids = select(Meeting.id).where(*in_period)
    seat_in = PanelSeat.meeting_id.in_(period_ids) if in_period else true()
    item_in = AgendaItem.meeting_id.in_(period_ids) if in_period else true()
    score_in = (
        Evaluation.agenda_item_id.in_(select(AgendaItem.id).where(item_in)) if in_period else true()
    )
    rules_in = MeetingRules.meeting_id.in_(period_ids) if in_period else true()
    seats = _frame(
        session,
        select(
            PanelSeat.id.label("seat_id"),
            PanelSeat.meeting_id,
            PanelSeat.expert_id,
            PanelSeat.method,
            PanelSeat.attended,
            PanelSeat.recused,
            PanelSeat.conflict_declared,
            PanelSeat.conflict_note,
        )
        .where(seat_in)
        .order_by(PanelSeat.id),
    )
    items = _frame(
        session,
        select(
            AgendaItem.id.label("item_id"),
            AgendaItem.meeting_id,
            AgendaItem.position,
            AgendaItem.decision,
            AgendaItem.decision_reason,
            Technology.owner_org_id.label("applicant_id"),
        )
        .join(Technology, Technology.id == AgendaItem.technology_id)
        .where(item_in)
        .order_by(AgendaItem.meeting_id, AgendaItem.position),
    )
    # Per item, how many members scored and the sum of each criterion (all the two-stage
    # rule needs: its means are sum / count), aggregated in the database.
    scores: dict[int, tuple[int, dict[str, int]]] = {}
    for row in session.execute(
        select(
            Evaluation.agenda_item_id,
            func.count(),
            *(func.sum(getattr(Evaluation, c)) for c in domain.CRITERIA),
        )
        .where(score_in)
        .group_by(Evaluation.agenda_item_id)
    ):
        sums = dict(zip(domain.CRITERIA, (int(v) for v in row[2:]), strict=True))
        scores[int(row[0])] = (int(row[1]), sums)
    scored_by: dict[int, set[int]] = defaultdict(set)
    for item_id, seat_id in session.execute(
        select(Evaluation.agenda_item_id, Evaluation.seat_id).where(score_in)
    ):
        scored_by[int(item_id)].add(int(seat_id))
    thresholds = {
        int(m): Thresholds(float(a), float(b))
        for m, a, b in session.execute(
            select(
                MeetingRules.meeting_id, MeetingRules.stage1_pass, MeetingRules.overall_pass
            ).where(rules_in)
        )
    }
    expert_ids = sorted({int(x) for x in seats["expert_id"]})
    experts = {
        int(i): (n, ne, a, int(o))
        for i, n, ne, a, o in session.execute(
            select(
                Expert.id, Expert.name, Expert.name_en, Expert.affiliation, Expert.organization_id
            ).where(Expert.id.in_(expert_ids))
        )
    }
    org_ids = sorted({int(x) for x in items["applicant_id"]} | {v[3] for v in experts.values()})
    orgs = {
        int(i): (ko, en)
        for i, ko, en in session.execute(
            select(Organization.id, Organization.name_ko, Organization.name_en).where(
                Organization.id.in_(org_ids)
            )
        )
    }
    return _Data(meetings, seats, items, scores, scored_by, thresholds, experts, orgs, rules_in)


def _meeting_rows(data: _Data) -> dict[int, dict[str, Any]]:
    """Code and date of each meeting by id (built once per report, not once per flag)."""
    rows = data.__dict__.get("_meeting_rows")
    if rows is None:
        rows = {
            int(i): {"code": c, "scheduled_on": d}
            for i, c, d in zip(
                data.meetings["id"], data.meetings["code"], data.meetings["scheduled_on"],
                strict=True,
            )
        }  # fmt: skip
        data.__dict__["_meeting_rows"] = rows
    return rows


def _flag(
    data: _Data,
    kind: str,
    meeting_id: int,
    *,
    position: int | None = None,
    expert_id: int | None = None,
    applicant_id: int | None = None,
    what: str | None = None,
    count: int | None = None,
) -> dict[str, Any]:
    m = _meeting_rows(data)[int(meeting_id)]
    expert = data.experts.get(expert_id) if expert_id is not None else None
    org = data.orgs.get(applicant_id) if applicant_id is not None else None
    return {
        "kind": kind,
        "meeting_id": int(meeting_id),
        "code": m["code"],
        "scheduled_on": m["scheduled_on"],
        "item_position": position,
        "expert_id": expert_id,
        "expert_name": expert[0] if expert else None,
        "expert_name_en": expert[1] if expert else None,
        "applicant_ko": org[0] if org else None,
        "applicant_en": org[1] if org else None,
        "what": what,
        "count": count,
    }


def _voters(data: _Data) -> dict[int, set[int]]:
    out: dict[int, set[int]] = defaultdict(set)
    for r in data.seats.itertuples(index=False):
        if yes(r.attended) and not yes(r.recused):
            out[int(r.meeting_id)].add(int(r.seat_id))
    return out


def _decisions(data: _Data, flags: list[dict[str, Any]]) -> None:
    voters = _voters(data)
    quorum = dict(zip(data.meetings["id"], data.meetings["quorum"], strict=True))
    without_quorum: set[int] = set()
    for r in data.items.itertuples(index=False):
        item, meeting = int(r.item_id), int(r.meeting_id)
        if r.decision not in ("passed", "failed"):
            continue
        marks = data.thresholds.get(meeting, DEFAULT_THRESHOLDS)
        outcome = evaluate(_mean_row(data.scores.get(item)), marks)  # type: ignore[arg-type]
        if outcome.passed != (r.decision == "passed"):
            flags.append(_flag(data, "decision_against_scores", meeting, position=int(r.position)))
        if len(voters.get(meeting, ())) < int(quorum[meeting]):
            without_quorum.add(meeting)
    for meeting in sorted(without_quorum):
        flags.append(
            _flag(data, "decided_without_quorum", meeting, count=len(voters.get(meeting, ())))
        )


def _mean_row(scored: tuple[int, dict[str, int]] | None) -> list[dict[str, float]]:
    """One row of criterion means standing for the members' scores of an item: the rule's
    means over it are the means over all members (sum / count, the same division), so the
    decision it implies is the same; no scores, no rows."""
    if scored is None:
        return []
    n, sums = scored
    return [{c: sums[c] / n for c in domain.CRITERIA}]


def _repeats(data: _Data, flags: list[dict[str, Any]]) -> pd.DataFrame:
    applicants: dict[int, set[int]] = defaultdict(set)
    for r in data.items.itertuples(index=False):
        applicants[int(r.meeting_id)].add(int(r.applicant_id))
    shared: dict[tuple[int, int], list[int]] = defaultdict(list)
    for r in data.seats.itertuples(index=False):
        for org in applicants.get(int(r.meeting_id), ()):
            shared[(int(r.expert_id), org)].append(int(r.meeting_id))
    codes = dict(zip(data.meetings["id"], data.meetings["code"], strict=True))
    rows = []
    # Only pairs that met often enough are reported: pick them before sorting (at scale 100
    # there are about a million expert-applicant pairs, almost all met once).
    repeated = [(pair, ms) for pair, ms in shared.items() if len(ms) >= REPEAT_MEETINGS]
    for (expert_id, org), meetings in sorted(repeated):
        name = data.experts.get(expert_id, ("?", None, "", 0))
        org_name = data.orgs.get(org, ("?", "?"))
        rows.append(
            (expert_id, name[0], name[1], org, org_name[0], org_name[1], len(meetings),
             ", ".join(codes[m] for m in meetings))
        )  # fmt: skip
        for m in meetings:
            flags.append(
                _flag(
                    data,
                    "repeated_panelist_for_applicant",
                    m,
                    expert_id=expert_id,
                    applicant_id=org,
                    count=len(meetings),
                )
            )
    columns = [
        "expert_id", "expert_name", "expert_name_en", "applicant_id", "applicant_ko",
        "applicant_en", "meetings", "codes",
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


def _concentration(data: _Data, flags: list[dict[str, Any]]) -> None:
    dates = dict(zip(data.meetings["id"], data.meetings["scheduled_on"], strict=True))
    by_expert: dict[int, list[tuple[dt.date, int]]] = defaultdict(list)
    for r in data.seats.itertuples(index=False):
        by_expert[int(r.expert_id)].append((dates[int(r.meeting_id)], int(r.meeting_id)))
    window = dt.timedelta(days=CONCENTRATION_DAYS)
    for expert_id, seats in sorted(by_expert.items()):
        seats.sort()
        flagged: dict[int, int] = {}
        for i, (day, _m) in enumerate(seats):
            run = [m for d, m in seats[i:] if d < day + window]
            if len(run) >= CONCENTRATION_SEATS:
                for m in run:
                    flagged[m] = max(flagged.get(m, 0), len(run))
        for m, n in flagged.items():
            flags.append(_flag(data, "seat_concentration", m, expert_id=expert_id, count=n))


def _records(data: _Data, flags: list[dict[str, Any]]) -> None:
    for r in data.items.itertuples(index=False):
        if r.decision != "pending" and not text_of(r.decision_reason):
            flags.append(
                _flag(data, "missing_reason", int(r.meeting_id), position=int(r.position),
                      what="decision")
            )  # fmt: skip
    for r in data.seats.itertuples(index=False):
        if (yes(r.conflict_declared) or yes(r.recused)) and not text_of(r.conflict_note):
            flags.append(
                _flag(data, "missing_reason", int(r.meeting_id), expert_id=int(r.expert_id),
                      what="declaration")
            )  # fmt: skip
    for r in data.meetings.itertuples(index=False):
        if r.status == "closed" and not text_of(r.minutes):
            flags.append(_flag(data, "missing_reason", int(r.id), what="minutes"))
    voters = _voters(data)
    seat_of = {int(r.seat_id): r for r in data.seats.itertuples(index=False)}
    for r in data.items.itertuples(index=False):
        bad = [
            s
            for s in data.scored_by.get(int(r.item_id), ())
            if s not in voters.get(int(r.meeting_id), set())
        ]
        for s in bad:
            flags.append(
                _flag(data, "ineligible_scores", int(r.meeting_id), position=int(r.position),
                      expert_id=int(seat_of[s].expert_id) if s in seat_of else None)
            )  # fmt: skip
    seated: dict[int, set[int]] = defaultdict(set)  # meeting -> experts holding a seat
    for r in data.seats.itertuples(index=False):
        seated[int(r.meeting_id)].add(int(r.expert_id))
    for r in data.meetings.itertuples(index=False):
        excluded = {int(x["expert_id"]) for x in json.loads(text_of(r.draw_exclusions) or "[]")}
        if not excluded:
            continue
        for expert_id in sorted(excluded & seated.get(int(r.id), set())):
            flags.append(_flag(data, "seated_despite_exclusion", int(r.id), expert_id=expert_id))


def _unexplained_seats(session: Session, data: _Data, flags: list[dict[str, Any]]) -> None:
    others = data.seats[data.seats["method"] != "random_draw"]
    if others.empty:
        return
    explained = {
        int(entity_id)
        for entity_id, reason in session.execute(
            select(AuditEvent.entity_id, AuditEvent.reason).where(
                AuditEvent.entity == "panel_seat",
                AuditEvent.entity_id.in_([str(int(i)) for i in others["seat_id"]]),
                AuditEvent.action.in_(("panel_seat.draw", "panel_seat.appoint")),
            )
        )
        if entity_id is not None and reason and reason.strip()
    }
    for r in others.itertuples(index=False):
        if int(r.seat_id) not in explained:
            flags.append(
                _flag(data, "missing_reason", int(r.meeting_id), expert_id=int(r.expert_id),
                      what="seat")
            )  # fmt: skip


def _conflicts(session: Session, data: _Data, flags: list[dict[str, Any]]) -> None:
    _unexplained_seats(session, data, flags)
    if data.seats.empty:
        return
    applicants: dict[int, set[int]] = defaultdict(set)
    for r in data.items.itertuples(index=False):
        applicants[int(r.meeting_id)].add(int(r.applicant_id))
    all_applicants = sorted(set().union(*applicants.values())) if applicants else []
    ties: dict[int, list[Tie]] = defaultdict(list)
    if all_applicants:
        for expert_id, org, started, ended in session.execute(
            select(
                ExpertTie.expert_id,
                ExpertTie.organization_id,
                ExpertTie.started_on,
                ExpertTie.ended_on,
            ).where(ExpertTie.organization_id.in_(all_applicants))
        ):
            ties[int(expert_id)].append(Tie(int(org), started, ended))
    on = {
        int(i): (h if h is not None else s)
        for i, h, s in zip(
            data.meetings["id"], data.meetings["held_on"], data.meetings["scheduled_on"],
            strict=True,
        )
    }  # fmt: skip
    by_item = defaultdict(list)
    for r in data.items.itertuples(index=False):
        by_item[int(r.meeting_id)].append(r)
    # A conflict needs the expert's organization or a tie's to be an applicant's: only those
    # applicants are checked by the rule (most seats have none, and skip it).
    related = {
        eid: {e[3]} | {t.organization_id for t in ties.get(eid, ())}
        for eid, e in data.experts.items()
    }
    for r in data.seats.itertuples(index=False):
        meeting = int(r.meeting_id)
        expert = data.experts.get(int(r.expert_id))
        if expert is None:
            continue
        possible = applicants.get(meeting, set()) & related[int(r.expert_id)]
        if not possible:
            continue
        candidate = PoolExpert(
            int(r.expert_id), expert[3], expert[2], ties=tuple(ties.get(int(r.expert_id), ()))
        )
        hits = {a for a in possible if conflict_reason(candidate, {a}, on[meeting])}
        if hits and not yes(r.recused):
            flags.append(
                _flag(data, "conflict_not_recused", meeting, expert_id=int(r.expert_id),
                      applicant_id=min(hits))
            )  # fmt: skip
        for item in by_item.get(meeting, ()) if hits else ():
            if item.applicant_id in hits and int(r.seat_id) in data.scored_by.get(
                int(item.item_id), ()
            ):
                flags.append(
                    _flag(data, "ineligible_scores", meeting, position=int(item.position),
                          expert_id=int(r.expert_id))
                )  # fmt: skip


def _replays(session: Session, data: _Data, flags: list[dict[str, Any]]) -> None:
    if data.meetings.empty:
        return
    for meeting_id, seed, size, candidates in session.execute(
        select(
            MeetingRules.meeting_id,
            Meeting.draw_seed,
            MeetingRules.draw_size,
            MeetingRules.draw_candidates,
        )
        .join(Meeting, Meeting.id == MeetingRules.meeting_id)
        .where(
            data.rules_in if data.rules_in is not None else true(),
            MeetingRules.draw_rule == RULE,
            and_(Meeting.draw_seed.is_not(None), MeetingRules.draw_size.is_not(None)),
        )
    ):
        pool = [Candidate(*c) for c in json.loads(candidates or "[]")]
        drawn = data.seats[
            (data.seats["meeting_id"] == meeting_id) & (data.seats["method"] == "random_draw")
        ]
        try:
            _t, seats = select_seats(
                pool,
                size=int(size or 0),
                seed=int(seed or 0),
                field_matched=all(c.field_match for c in pool),
            )
            same = sorted(int(x) for x in drawn["expert_id"]) == sorted(s.expert_id for s in seats)
        except ValueError:
            same = False
        if not same:
            flags.append(_flag(data, "draw_not_reproducible", int(meeting_id)))


def _composition(session: Session, data: _Data, end: dt.date | None) -> pd.DataFrame:
    on = end or dt.date.max
    pool: dict[str, int] = {
        str(a): int(n)
        for a, n in session.execute(
            select(Expert.affiliation, func.count())
            .where(
                Expert.registered_on <= on,
                or_(Expert.retired_on.is_(None), Expert.retired_on > on),
            )
            .group_by(Expert.affiliation)
        )
    }
    seats: dict[str, int] = defaultdict(int)
    for expert_id in data.seats["expert_id"]:
        expert = data.experts.get(int(expert_id))
        if expert is not None:
            seats[expert[2]] += 1
    pool_total = sum(pool.values()) or 1
    seat_total = sum(seats.values()) or 1
    rows = [
        (a, int(pool.get(a, 0)), pool.get(a, 0) / pool_total, seats.get(a, 0),
         seats.get(a, 0) / seat_total)
        for a in domain.AFFILIATIONS
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=["affiliation", "pool", "pool_share", "seats", "seat_share"])


def _top_experts(data: _Data, seats_per: pd.Series) -> pd.DataFrame:
    columns = ["expert_id", "expert_name", "expert_name_en", "affiliation", "organization_ko",
               "organization_en", "seats", "codes"]  # fmt: skip
    if seats_per.empty:
        return pd.DataFrame(columns=columns)
    codes = dict(zip(data.meetings["id"], data.meetings["code"], strict=True))
    meetings_of: dict[int, list[str]] = defaultdict(list)
    for r in data.seats.itertuples(index=False):
        meetings_of[int(r.expert_id)].append(codes[int(r.meeting_id)])
    top = seats_per.sort_values(ascending=False, kind="stable").head(15)
    rows = []
    for expert_id, n in top.items():
        e = data.experts.get(int(expert_id), ("?", None, "other", 0))
        org = data.orgs.get(e[3], ("", ""))
        rows.append(
            (int(expert_id), e[0], e[1], e[2], org[0], org[1], int(n),
             ", ".join(meetings_of[int(expert_id)]))
        )  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


def _one_sided(data: _Data) -> pd.DataFrame:
    columns = ["meeting_id", "code", "scheduled_on", "affiliation", "seats", "panel"]
    if data.seats.empty:
        return pd.DataFrame(columns=columns)
    aff = data.seats["expert_id"].map(lambda i: data.experts.get(int(i), ("", None, "other"))[2])
    counts = data.seats.assign(affiliation=aff).groupby(["meeting_id", "affiliation"]).size()
    sizes = data.seats.groupby("meeting_id").size()
    info = data.meetings.set_index("id")
    rows = [
        (int(m), info.at[m, "code"], info.at[m, "scheduled_on"], a, int(n), int(sizes[m]))
        for (m, a), n in counts.items()
        if n * 2 > sizes[m]
    ]
    df = pd.DataFrame(rows, columns=columns)
    return df.sort_values(["seats", "scheduled_on"], ascending=[False, True]).reset_index(drop=True)
