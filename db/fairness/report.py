"""The fairness report across meetings, for auditors.

For the meetings scheduled in a period: panel composition against the pool, seats per expert
(concentration), experts who sat many times for the same applicant, and a list of *flags*,
each pointing to its meeting (and item or expert). A flag is raised for:

``decision_against_scores``
    an item passed or failed although ``db.meetings.scoring.evaluate`` (with the meeting's
    pass marks) gives the other result;
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

**Stored results.** A closed meeting's record never changes, so its own flags (every kind
above but the two across meetings, repeats and concentration) and its panel's seats per
affiliation are computed once, in the transaction that closes it, and stored in
``meeting_fairness`` (:mod:`db.fairness.store`; a write that changes one of
their inputs, an expert's organization, affiliation or ties or a technology's owner,
recomputes the rows concerned). :func:`fairness_report` reads those rows for the closed
meetings of the period, computes the other meetings (scheduled, held, or closed without a
row of the current :data:`RULES_VERSION`) live with the same functions, and derives the
flags across meetings and the per-expert figures with aggregates in SQL, loading the seats
only of the experts that can be flagged or listed. ``fairness_report(..., live=True)``
computes everything from the records, as before (the reference the tests compare with).

**Stored report.** The page reads the whole report through ``db.summaries.fairness``: stored
per (period, data version) by its first reader and decoded by the next ones (the same report
for every auditor), so a cold page at scale 100 reads one row instead of computing the live
part and the seat counts again.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy import and_, exists, func, or_, select, true
from sqlalchemy.orm import Session

from db import clock, domain
from db.meetings.draw import RULE, Candidate, PoolExpert, Tie, conflict_reason, select_seats
from db.meetings.scoring import DEFAULT_THRESHOLDS, Thresholds, evaluate
from db.models import (
    AgendaItem,
    AuditEvent,
    Evaluation,
    Expert,
    ExpertTie,
    Meeting,
    MeetingFairness,
    MeetingRules,
    Organization,
    PanelSeat,
    Technology,
)
from db.policy import AUDITORS, Actor, require_role
from db.recording import text_of, yes

REPEAT_MEETINGS = 3
CONCENTRATION_SEATS = 4
CONCENTRATION_DAYS = 365
# The version of the rules a stored row was computed with: change it whenever a flag's rule
# changes, and rows of another version are no longer used (their meetings are computed live
# until a migration calls ``db.fairness.store.backfill`` to recompute them). The whole report
# is also stored per (period, data version) by ``db.summaries.fairness``: a change of any
# rule (or of the report's fields) must also bump that summary's name
# (``deliberation.fairness/N``) or have the migration empty ``stored_summaries``.
RULES_VERSION = 1

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
ACROSS_MEETINGS = ("repeated_panelist_for_applicant", "seat_concentration")
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
# A flag as computed: kind, meeting id, item position, expert id, applicant id, what, count.
Flag = tuple[str, int, int | None, int | None, int | None, str | None, int | None]
CHUNK = 500  # ids per IN (...) list


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
    *, session: Session, actor: Actor, period: Period = (None, None), live: bool = False
) -> FairnessReport:
    """The fairness report for meetings scheduled in ``period`` (inclusive; ``None`` ends
    are open): closed meetings from their stored results, the others computed live
    (``live=True``: everything computed from the records).

    :raise PermissionDenied: the actor is not an auditor.
    :raise ValueError: the period ends before it starts.
    """
    require_role(actor, AUDITORS, "fairness.read", "meeting")
    start, end = period
    if start and end and start > end:
        raise ValueError("period ends before it starts")
    if live:
        return _live_report(session, start, end)
    return _stored_report(session, start, end)


def _in_period(start: dt.date | None, end: dt.date | None) -> list[Any]:
    conditions = []
    if start is not None:
        conditions.append(Meeting.scheduled_on >= start)
    if end is not None:
        conditions.append(Meeting.scheduled_on <= end)
    return conditions


# --- loading ----------------------------------------------------------------------------------


@dataclass
class _Data:
    meetings: pd.DataFrame
    seats: pd.DataFrame
    items: pd.DataFrame
    scores: dict[int, tuple[int, dict[str, int]]]  # item id -> members who scored, sums
    scored_by: dict[int, set[int]]  # item id -> seat ids that scored
    seat_expert: dict[int, int]  # seat id that scored -> its expert
    thresholds: dict[int, Thresholds]
    experts: dict[int, tuple[str, str | None, str, int]]  # name, name_en, affiliation, org
    orgs: dict[int, tuple[str, str]]
    rules_in: Any = None  # the condition on MeetingRules.meeting_id for the meetings
    _rows: dict[int, tuple[str, dt.date]] | None = field(default=None, repr=False)

    def meeting_rows(self) -> dict[int, tuple[str, dt.date]]:
        """Code and date of each meeting by id (built once, not once per flag)."""
        if self._rows is None:
            self._rows = {
                int(i): (c, d)
                for i, c, d in zip(
                    self.meetings["id"], self.meetings["code"], self.meetings["scheduled_on"],
                    strict=True,
                )
            }  # fmt: skip
        return self._rows


MEETING_COLUMNS = (
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
SEAT_COLUMNS = (
    PanelSeat.id.label("seat_id"),
    PanelSeat.meeting_id,
    PanelSeat.expert_id,
    PanelSeat.method,
    PanelSeat.attended,
    PanelSeat.recused,
    PanelSeat.conflict_declared,
    PanelSeat.conflict_note,
)
ITEM_COLUMNS = (
    AgendaItem.id.label("item_id"),
    AgendaItem.meeting_id,
    AgendaItem.position,
    AgendaItem.decision,
    AgendaItem.decision_reason,
    Technology.owner_org_id.label("applicant_id"),
)


def _frame(session: Session, query: Any) -> pd.DataFrame:
    rows = session.execute(query).all()
    return pd.DataFrame([tuple(r) for r in rows], columns=list(query.selected_columns.keys()))


def _chunks(ids: Iterable[int]) -> Iterator[list[int]]:
    values = sorted({int(i) for i in ids})
    for at in range(0, len(values), CHUNK):
        yield values[at : at + CHUNK]


def _frames(
    session: Session, make: Any, ids: Iterable[int], columns: Sequence[Any]
) -> pd.DataFrame:
    """``make(chunk)`` for every chunk of ``ids``, concatenated (empty: the columns)."""
    parts = [_frame(session, make(chunk)) for chunk in _chunks(ids)]
    parts = [p for p in parts if not p.empty]
    if not parts:
        return pd.DataFrame(columns=[c.key for c in columns])
    return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]


def _load(session: Session, conditions: Sequence[Any]) -> _Data:
    """Everything the meetings' own flags need, for the meetings matching ``conditions``
    (conditions on ``Meeting``; none: every meeting)."""
    meetings = _frame(
        session,
        select(*MEETING_COLUMNS).where(*conditions).order_by(Meeting.scheduled_on, Meeting.id),
    )
    # The meetings as a subquery (a list of every id would be one bound parameter per
    # meeting: 15,000 at scale 100). ``meeting_id IN (SELECT ...)`` lets the database read
    # the rows by the meeting_id / agenda_item_id indexes; a join with the condition on the
    # meeting scanned every seat and score of the history.
    ids = select(Meeting.id).where(*conditions)
    seat_in = PanelSeat.meeting_id.in_(ids) if conditions else true()
    item_in = AgendaItem.meeting_id.in_(ids) if conditions else true()
    score_in = (
        Evaluation.agenda_item_id.in_(select(AgendaItem.id).where(item_in))
        if conditions
        else true()
    )
    rules_in = MeetingRules.meeting_id.in_(ids) if conditions else true()
    seats = _frame(session, select(*SEAT_COLUMNS).where(seat_in).order_by(PanelSeat.id))
    items = _frame(
        session,
        select(*ITEM_COLUMNS)
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
    seat_expert: dict[int, int] = {}
    for item_id, seat_id, expert_id in session.execute(
        select(Evaluation.agenda_item_id, Evaluation.seat_id, PanelSeat.expert_id)
        .join(PanelSeat, PanelSeat.id == Evaluation.seat_id)
        .where(score_in)
    ):
        scored_by[int(item_id)].add(int(seat_id))
        seat_expert[int(seat_id)] = int(expert_id)
    thresholds = {
        int(m): Thresholds(float(a), float(b))
        for m, a, b in session.execute(
            select(
                MeetingRules.meeting_id, MeetingRules.stage1_pass, MeetingRules.overall_pass
            ).where(rules_in)
        )
    }
    experts, orgs = _names(
        session,
        experts=select(PanelSeat.expert_id).where(seat_in),
        orgs=select(Technology.owner_org_id)
        .join(AgendaItem, AgendaItem.technology_id == Technology.id)
        .where(item_in)
        .distinct(),
    )
    return _Data(
        meetings, seats, items, scores, scored_by, seat_expert, thresholds, experts, orgs, rules_in
    )


def _names(
    session: Session, *, experts: Any, orgs: Any
) -> tuple[dict[int, tuple[str, str | None, str, int]], dict[int, tuple[str, str]]]:
    """Experts (name, English name, affiliation, organization) whose id is in ``experts``, and
    organizations (Korean, English name) in ``orgs`` or the experts' (each a subquery or a
    collection of ids)."""
    people: dict[int, tuple[str, str | None, str, int]] = {}
    columns = (Expert.id, Expert.name, Expert.name_en, Expert.affiliation, Expert.organization_id)
    for part in _id_parts(experts):
        for i, n, ne, a, o in session.execute(select(*columns).where(Expert.id.in_(part))):
            people[int(i)] = (n, ne, a, int(o))
    wanted = {v[3] for v in people.values()}
    if _is_query(orgs):
        wanted |= {int(o) for o in session.execute(orgs).scalars()}
    else:
        wanted |= {int(o) for o in orgs}
    places: dict[int, tuple[str, str]] = {}
    for part in _chunks(wanted):
        for i, ko, en in session.execute(
            select(Organization.id, Organization.name_ko, Organization.name_en).where(
                Organization.id.in_(part)
            )
        ):
            places[int(i)] = (ko, en)
    return people, places


def _is_query(value: Any) -> bool:
    return hasattr(value, "selected_columns")


def _id_parts(ids: Any) -> Iterator[Any]:
    """A subquery as it is, or a collection of ids in chunks."""
    if _is_query(ids):
        yield ids
    else:
        yield from _chunks(ids)


# --- one meeting's own flags ----------------------------------------------------------------


def _flag(
    kind: str,
    meeting_id: int,
    *,
    position: int | None = None,
    expert_id: int | None = None,
    applicant_id: int | None = None,
    what: str | None = None,
    count: int | None = None,
) -> Flag:
    return (kind, int(meeting_id), position, expert_id, applicant_id, what, count)


def _meeting_flags(session: Session, data: _Data) -> list[Flag]:
    """The flags each meeting raises by itself (every kind but the two across meetings)."""
    flags: list[Flag] = []
    _decisions(data, flags)
    _records(data, flags)
    _conflicts(session, data, flags)
    _replays(session, data, flags)
    return flags


def _voters(data: _Data) -> dict[int, set[int]]:
    out: dict[int, set[int]] = defaultdict(set)
    for r in data.seats.itertuples(index=False):
        if yes(r.attended) and not yes(r.recused):
            out[int(r.meeting_id)].add(int(r.seat_id))
    return out


def _decisions(data: _Data, flags: list[Flag]) -> None:
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
            flags.append(_flag("decision_against_scores", meeting, position=int(r.position)))
        if len(voters.get(meeting, ())) < int(quorum[meeting]):
            without_quorum.add(meeting)
    for meeting in sorted(without_quorum):
        flags.append(_flag("decided_without_quorum", meeting, count=len(voters.get(meeting, ()))))


def _mean_row(scored: tuple[int, dict[str, int]] | None) -> list[dict[str, float]]:
    """One row of criterion means standing for the members' scores of an item: the rule's
    means over it are the means over all members (sum / count, the same division), so the
    decision it implies is the same; no scores, no rows."""
    if scored is None:
        return []
    n, sums = scored
    return [{c: sums[c] / n for c in domain.CRITERIA}]


def _records(data: _Data, flags: list[Flag]) -> None:
    for r in data.items.itertuples(index=False):
        if r.decision != "pending" and not text_of(r.decision_reason):
            flags.append(
                _flag("missing_reason", int(r.meeting_id), position=int(r.position),
                      what="decision")
            )  # fmt: skip
    for r in data.seats.itertuples(index=False):
        if (yes(r.conflict_declared) or yes(r.recused)) and not text_of(r.conflict_note):
            flags.append(
                _flag("missing_reason", int(r.meeting_id), expert_id=int(r.expert_id),
                      what="declaration")
            )  # fmt: skip
    for r in data.meetings.itertuples(index=False):
        if r.status == "closed" and not text_of(r.minutes):
            flags.append(_flag("missing_reason", int(r.id), what="minutes"))
    voters = _voters(data)
    for r in data.items.itertuples(index=False):
        bad = [
            s
            for s in data.scored_by.get(int(r.item_id), ())
            if s not in voters.get(int(r.meeting_id), set())
        ]
        for s in bad:
            flags.append(
                _flag("ineligible_scores", int(r.meeting_id), position=int(r.position),
                      expert_id=data.seat_expert.get(s))
            )  # fmt: skip
    seated: dict[int, set[int]] = defaultdict(set)  # meeting -> experts holding a seat
    for r in data.seats.itertuples(index=False):
        seated[int(r.meeting_id)].add(int(r.expert_id))
    for r in data.meetings.itertuples(index=False):
        excluded = {int(x["expert_id"]) for x in json.loads(text_of(r.draw_exclusions) or "[]")}
        if not excluded:
            continue
        for expert_id in sorted(excluded & seated.get(int(r.id), set())):
            flags.append(_flag("seated_despite_exclusion", int(r.id), expert_id=expert_id))


def _unexplained_seats(session: Session, data: _Data, flags: list[Flag]) -> None:
    others = data.seats[data.seats["method"] != "random_draw"]
    if others.empty:
        return
    explained: set[int] = set()
    for part in _chunks(others["seat_id"]):
        explained |= {
            int(entity_id)
            for entity_id, reason in session.execute(
                select(AuditEvent.entity_id, AuditEvent.reason).where(
                    AuditEvent.entity == "panel_seat",
                    AuditEvent.entity_id.in_([str(i) for i in part]),
                    AuditEvent.action.in_(("panel_seat.draw", "panel_seat.appoint")),
                )
            )
            if entity_id is not None and reason and reason.strip()
        }
    for r in others.itertuples(index=False):
        if int(r.seat_id) not in explained:
            flags.append(
                _flag("missing_reason", int(r.meeting_id), expert_id=int(r.expert_id),
                      what="seat")
            )  # fmt: skip


def _conflicts(session: Session, data: _Data, flags: list[Flag]) -> None:
    _unexplained_seats(session, data, flags)
    if data.seats.empty:
        return
    applicants: dict[int, set[int]] = defaultdict(set)
    for r in data.items.itertuples(index=False):
        applicants[int(r.meeting_id)].add(int(r.applicant_id))
    all_applicants = sorted(set().union(*applicants.values())) if applicants else []
    ties: dict[int, list[Tie]] = defaultdict(list)
    for part in _chunks(all_applicants):
        for expert_id, org, started, ended in session.execute(
            select(
                ExpertTie.expert_id,
                ExpertTie.organization_id,
                ExpertTie.started_on,
                ExpertTie.ended_on,
            ).where(ExpertTie.organization_id.in_(part))
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
                _flag("conflict_not_recused", meeting, expert_id=int(r.expert_id),
                      applicant_id=min(hits))
            )  # fmt: skip
        for item in by_item.get(meeting, ()) if hits else ():
            if item.applicant_id in hits and int(r.seat_id) in data.scored_by.get(
                int(item.item_id), ()
            ):
                flags.append(
                    _flag("ineligible_scores", meeting, position=int(item.position),
                          expert_id=int(r.expert_id))
                )  # fmt: skip


def _replays(session: Session, data: _Data, flags: list[Flag]) -> None:
    if data.meetings.empty:
        return
    drawn_by_meeting: dict[int, list[int]] = defaultdict(list)
    for r in data.seats.itertuples(index=False):
        if r.method == "random_draw":
            drawn_by_meeting[int(r.meeting_id)].append(int(r.expert_id))
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
        drawn = drawn_by_meeting.get(int(meeting_id), [])
        try:
            _t, seats = select_seats(
                pool,
                size=int(size or 0),
                seed=int(seed or 0),
                field_matched=all(c.field_match for c in pool),
            )
            same = sorted(drawn) == sorted(s.expert_id for s in seats)
        except ValueError:
            same = False
        if not same:
            flags.append(_flag("draw_not_reproducible", int(meeting_id)))


def _panel_counts(data: _Data) -> dict[int, dict[str, int]]:
    """Seats per meeting by the members' affiliation (``""``: all seats)."""
    out: dict[int, dict[str, int]] = {
        int(m): {"": 0, **dict.fromkeys(domain.AFFILIATIONS, 0)} for m in data.meetings["id"]
    }
    for r in data.seats.itertuples(index=False):
        counts = out.setdefault(int(r.meeting_id), {"": 0})
        counts[""] += 1
        expert = data.experts.get(int(r.expert_id))
        if expert is not None:
            counts[expert[2]] = counts.get(expert[2], 0) + 1
    return out


# --- across meetings ------------------------------------------------------------------------


def _repeats(data: _Data, flags: list[Flag]) -> pd.DataFrame:
    applicants: dict[int, set[int]] = defaultdict(set)
    for r in data.items.itertuples(index=False):
        applicants[int(r.meeting_id)].add(int(r.applicant_id))
    shared: dict[tuple[int, int], list[int]] = defaultdict(list)
    for r in data.seats.itertuples(index=False):
        for org in applicants.get(int(r.meeting_id), ()):
            shared[(int(r.expert_id), org)].append(int(r.meeting_id))
    codes = {m: row[0] for m, row in data.meeting_rows().items()}
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


def _concentration(data: _Data, flags: list[Flag]) -> None:
    dates = {m: row[1] for m, row in data.meeting_rows().items()}
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
            flags.append(_flag("seat_concentration", m, expert_id=expert_id, count=n))


# --- the report's frames --------------------------------------------------------------------


@dataclass(frozen=True)
class _Lookup:
    meetings: dict[int, tuple[str, dt.date]]
    experts: dict[int, tuple[str, str | None, str, int]]
    orgs: dict[int, tuple[str, str]]


def _flags_frame(flags: list[Flag], names: _Lookup) -> pd.DataFrame:
    rows = []
    for kind, meeting_id, position, expert_id, applicant_id, what, count in flags:
        code, day = names.meetings[meeting_id]
        expert = names.experts.get(expert_id) if expert_id is not None else None
        org = names.orgs.get(applicant_id) if applicant_id is not None else None
        rows.append(
            (kind, meeting_id, code, day, position, expert_id,
             expert[0] if expert else None, expert[1] if expert else None,
             org[0] if org else None, org[1] if org else None, what, count, applicant_id)
        )  # fmt: skip
    frame = pd.DataFrame(rows, columns=[*FLAG_COLUMNS, "applicant_id"])
    for col in ("item_position", "expert_id", "count"):
        frame[col] = frame[col].astype("Int64")
    if frame.empty:
        return frame.drop(columns="applicant_id")
    # A total order (kind, date, meeting, item, what, expert, applicant), so the list does
    # not depend on the order the flags were found in.
    frame["order"] = frame["kind"].map({k: i for i, k in enumerate(FLAG_KINDS)})
    return (
        frame.sort_values(
            ["order", "scheduled_on", "code", "item_position", "what", "expert_id", "applicant_id"]
        )
        .drop(columns=["order", "applicant_id"])
        .drop_duplicates()
        .reset_index(drop=True)
    )


def _composition_frame(pool: dict[str, int], seats: dict[str, int]) -> pd.DataFrame:
    pool_total = sum(pool.values()) or 1
    seat_total = sum(seats.values()) or 1
    rows = [
        (a, int(pool.get(a, 0)), pool.get(a, 0) / pool_total, seats.get(a, 0),
         seats.get(a, 0) / seat_total)
        for a in domain.AFFILIATIONS
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=["affiliation", "pool", "pool_share", "seats", "seat_share"])


def _pool(session: Session, end: dt.date | None) -> dict[str, int]:
    on = end or dt.date.max
    return {
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


def _distribution(seats_per: pd.Series) -> pd.DataFrame:
    if seats_per.empty:
        return pd.DataFrame(columns=["seats", "experts"])
    return seats_per.value_counts().sort_index().rename_axis("seats").reset_index(name="experts")


def _decile_share(seats_per: pd.Series) -> float:
    ranked = sorted((int(v) for v in seats_per.tolist()), reverse=True)
    decile = ranked[: max(1, len(ranked) // 10)] if ranked else []
    return (sum(decile) / sum(ranked)) if ranked else 0.0


def _top_experts(data: _Data, seats_per: pd.Series) -> pd.DataFrame:
    columns = ["expert_id", "expert_name", "expert_name_en", "affiliation", "organization_ko",
               "organization_en", "seats", "codes"]  # fmt: skip
    if seats_per.empty:
        return pd.DataFrame(columns=columns)
    codes = {m: row[0] for m, row in data.meeting_rows().items()}
    meetings_of: dict[int, list[str]] = defaultdict(list)
    for r in data.seats.itertuples(index=False):
        meetings_of[int(r.expert_id)].append(codes[int(r.meeting_id)])
    rows = []
    for expert_id, n in _top(seats_per).items():
        e = data.experts.get(int(expert_id), ("?", None, "other", 0))
        org = data.orgs.get(e[3], ("", ""))
        rows.append(
            (int(expert_id), e[0], e[1], e[2], org[0], org[1], int(n),
             ", ".join(meetings_of[int(expert_id)]))
        )  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


def _top(seats_per: pd.Series) -> pd.Series:
    return seats_per.sort_values(ascending=False, kind="stable").head(15)


def _one_sided_frame(
    panels: Iterable[tuple[int, str, dt.date, dict[str, int]]], any_seats: bool
) -> pd.DataFrame:
    """Panels (meeting id, code, date, seats by affiliation with ``""`` the total) where one
    affiliation holds a majority."""
    columns = ["meeting_id", "code", "scheduled_on", "affiliation", "seats", "panel"]
    if not any_seats:
        return pd.DataFrame(columns=columns)
    rows = [
        (int(m), code, day, a, int(n), int(counts[""]))
        for m, code, day, counts in sorted(panels, key=lambda p: p[0])
        for a, n in sorted(counts.items())
        if a and n * 2 > counts[""]
    ]
    df = pd.DataFrame(rows, columns=columns)
    return df.sort_values(["seats", "scheduled_on"], ascending=[False, True]).reset_index(drop=True)


# --- the report computed from the records (the reference) -----------------------------------


def _live_report(session: Session, start: dt.date | None, end: dt.date | None) -> FairnessReport:
    data = _load(session, _in_period(start, end))
    flags = _meeting_flags(session, data)
    repeated = _repeats(data, flags)
    _concentration(data, flags)
    counts = _panel_counts(data)
    rows = data.meeting_rows()
    seats_per = (
        data.seats.groupby("expert_id").size() if not data.seats.empty else pd.Series(dtype="int64")
    )
    affiliation_seats = {a: sum(c.get(a, 0) for c in counts.values()) for a in domain.AFFILIATIONS}
    return FairnessReport(
        period=(start, end),
        meetings=len(data.meetings),
        meetings_held=int((data.meetings["status"] != "scheduled").sum()),
        seats=len(data.seats),
        composition=_composition_frame(_pool(session, end), affiliation_seats),
        seat_distribution=_distribution(seats_per),
        top_experts=_top_experts(data, seats_per),
        repeated=repeated,
        one_sided_panels=_one_sided_frame(
            ((m, *rows[m], c) for m, c in counts.items() if c[""]), not data.seats.empty
        ),
        top_decile_share=_decile_share(seats_per),
        flags=_flags_frame(flags, _Lookup(rows, data.experts, data.orgs)),
    )


# --- the report from the stored results -----------------------------------------------------

AFFILIATION_SEATS = {a: getattr(MeetingFairness, f"seats_{a}") for a in domain.AFFILIATIONS}


def stored_flags(text: str) -> list[tuple[Any, ...]]:
    """A stored row's flags: ``[kind, position, expert id, applicant id, what, count]``."""
    return [tuple(f) for f in json.loads(text)]


def _stored_report(session: Session, start: dt.date | None, end: dt.date | None) -> FairnessReport:
    in_period = _in_period(start, end)
    ids = select(Meeting.id).where(*in_period)
    seat_in = PanelSeat.meeting_id.in_(ids) if in_period else true()
    meetings, held = session.execute(
        select(func.count(), func.count().filter(Meeting.status != "scheduled"))
        .select_from(Meeting)
        .where(*in_period)
    ).one()
    current = and_(
        Meeting.status == "closed",
        exists().where(
            MeetingFairness.meeting_id == Meeting.id, MeetingFairness.version == RULES_VERSION
        ),
    )
    stored = (
        select(MeetingFairness)
        .join(Meeting, Meeting.id == MeetingFairness.meeting_id)
        .where(*in_period, Meeting.status == "closed", MeetingFairness.version == RULES_VERSION)
        .subquery()
    )
    # The meetings without a current stored row (scheduled, held, or closed by other means
    # than the app) are computed live, exactly as the live report computes them.
    data = _load(session, [*in_period, ~current])
    flags = _meeting_flags(session, data)
    counts = _panel_counts(data)
    panels = [(m, *data.meeting_rows()[m], c) for m, c in counts.items() if c[""]]
    # The closed meetings: sums, flags and one-sided panels from their stored rows.
    sums = session.execute(
        select(
            func.coalesce(func.sum(stored.c.seats), 0),
            *(func.coalesce(func.sum(stored.c[f"seats_{a}"]), 0) for a in domain.AFFILIATIONS),
        )
    ).one()
    seat_total = int(sums[0]) + sum(c[""] for c in counts.values())
    affiliation_seats = {
        a: int(n) + sum(c.get(a, 0) for c in counts.values())
        for a, n in zip(domain.AFFILIATIONS, sums[1:], strict=True)
    }
    majority = or_(*(stored.c[f"seats_{a}"] * 2 > stored.c.seats for a in domain.AFFILIATIONS))
    for row in session.execute(
        select(stored, Meeting.code, Meeting.scheduled_on)
        .join(Meeting, Meeting.id == stored.c.meeting_id)
        .where(or_(stored.c.flag_count > 0, majority))
    ).mappings():
        m = int(row["meeting_id"])
        for kind, position, expert_id, applicant_id, what, count in (
            stored_flags(row["flags"]) if row["flag_count"] else ()
        ):
            flags.append(
                _flag(kind, m, position=position, expert_id=expert_id,
                      applicant_id=applicant_id, what=what, count=count)
            )  # fmt: skip
        by_affiliation = {a: int(row[f"seats_{a}"]) for a in domain.AFFILIATIONS}
        if any(n * 2 > row["seats"] for n in by_affiliation.values()):
            panels.append(
                (m, row["code"], row["scheduled_on"], {"": int(row["seats"]), **by_affiliation})
            )
    # Across meetings: seats per expert in SQL; then the seats of the experts who can be
    # flagged (3 seats or more: repeats need 3 meetings, concentration 4 seats) or listed
    # (the 15 most seated), with the applicants of their meetings.
    distribution, top, chosen = _seat_counts(session, seat_in, ids if in_period else None)
    some = _load_experts(session, seat_in, chosen | set(top.index))
    repeated = _repeats(some, flags)
    _concentration(some, flags)
    names = _flag_names(session, flags, data, some)
    return FairnessReport(
        period=(start, end),
        meetings=int(meetings),
        meetings_held=int(held),
        seats=seat_total,
        composition=_composition_frame(_pool(session, end), affiliation_seats),
        seat_distribution=distribution,
        top_experts=_top_experts(some, top),
        repeated=repeated,
        one_sided_panels=_one_sided_frame(panels, seat_total > 0),
        top_decile_share=_decile_from(distribution),
        flags=_flags_frame(flags, names),
    )


def _seat_counts(
    session: Session, seat_in: Any, ids: Any
) -> tuple[pd.DataFrame, pd.Series, set[int]]:
    """From the seats per expert, counted in SQL: the distribution (seats, experts), the 15
    most seated experts (a series of seats by expert id, most first, then by id) and the
    experts who may be flagged across meetings: those with 3 seats or more when they are
    few (a short period); otherwise those with 4 seats or more (concentration) and those who
    met one applicant 3 times, counted in SQL (repeats)."""
    per = (
        select(PanelSeat.expert_id, func.count().label("n"))
        .where(seat_in)
        .group_by(PanelSeat.expert_id)
        .subquery()
    )
    rows = session.execute(select(per.c.n, func.count()).group_by(per.c.n).order_by(per.c.n)).all()
    if not rows:
        return _distribution(pd.Series(dtype="int64")), pd.Series(dtype="int64"), set()
    distribution = pd.DataFrame(
        {"seats": [int(n) for n, _e in rows], "experts": [int(e) for _n, e in rows]},
        dtype="int64",
    )
    top_rows = session.execute(
        select(per.c.expert_id, per.c.n).order_by(per.c.n.desc(), per.c.expert_id).limit(15)
    ).all()
    top = pd.Series(
        [int(n) for _e, n in top_rows],
        index=pd.Index([int(e) for e, _n in top_rows], name="expert_id"),
        dtype="int64",
    )
    least = min(REPEAT_MEETINGS, CONCENTRATION_SEATS)
    if int(distribution.loc[distribution["seats"] >= least, "experts"].sum()) <= MANY_EXPERTS:
        chosen = select(per.c.expert_id).where(per.c.n >= least)
        return distribution, top, {int(e) for e in session.execute(chosen).scalars()}
    experts = {
        int(e)
        for e in session.execute(
            select(per.c.expert_id).where(per.c.n >= CONCENTRATION_SEATS)
        ).scalars()
    }
    return distribution, top, experts | _repeating_experts(session, seat_in, ids)


MANY_EXPERTS = 1_000  # above this many with 3+ seats, repeats are counted in SQL first


def _repeating_experts(session: Session, seat_in: Any, ids: Any) -> set[int]:
    """Experts who sat on :data:`REPEAT_MEETINGS` or more meetings of the period with an item
    of the same applicant (counted in SQL)."""
    item_in = AgendaItem.meeting_id.in_(ids) if ids is not None else true()
    pairs = (
        select(AgendaItem.meeting_id, Technology.owner_org_id)
        .join(Technology, Technology.id == AgendaItem.technology_id)
        .where(item_in)
        .distinct()
        .subquery()
    )
    return {
        int(e)
        for e in session.execute(
            select(PanelSeat.expert_id)
            .join(pairs, pairs.c.meeting_id == PanelSeat.meeting_id)
            .where(seat_in)
            .group_by(PanelSeat.expert_id, pairs.c.owner_org_id)
            .having(func.count() >= REPEAT_MEETINGS)
        ).scalars()
    }


def _decile_from(distribution: pd.DataFrame) -> float:
    """:func:`_decile_share` from the distribution of seats per expert."""
    pairs = sorted(
        zip(distribution["seats"].astype(int), distribution["experts"].astype(int), strict=True),
        reverse=True,
    )
    experts = sum(e for _s, e in pairs)
    if not experts:
        return 0.0
    left, top = max(1, experts // 10), 0
    for seats, n in pairs:
        take = min(left, n)
        top += take * seats
        left -= take
        if not left:
            break
    return top / sum(s * e for s, e in pairs)


def _load_experts(session: Session, seat_in: Any, experts: set[int]) -> _Data:
    """The seats of the period held by ``experts``, with their meetings and items."""
    seats = _frames(
        session,
        lambda part: (
            select(*SEAT_COLUMNS)
            .where(seat_in, PanelSeat.expert_id.in_(part))
            .order_by(PanelSeat.id)
        ),
        experts,
        SEAT_COLUMNS,
    )
    if not seats.empty:
        seats = seats.sort_values("seat_id").reset_index(drop=True)
    meeting_ids = {int(m) for m in seats["meeting_id"]}
    meetings = _frames(
        session,
        lambda part: select(*MEETING_COLUMNS).where(Meeting.id.in_(part)),
        meeting_ids,
        MEETING_COLUMNS,
    )
    items = _frames(
        session,
        lambda part: (
            select(*ITEM_COLUMNS)
            .join(Technology, Technology.id == AgendaItem.technology_id)
            .where(AgendaItem.meeting_id.in_(part))
        ),
        meeting_ids,
        ITEM_COLUMNS,
    )
    people, places = _names(session, experts=experts, orgs={int(o) for o in items["applicant_id"]})
    return _Data(meetings, seats, items, {}, {}, {}, {}, people, places)


def _flag_names(session: Session, flags: list[Flag], *known: _Data) -> _Lookup:
    """Codes, dates and names for every meeting, expert and applicant the flags name."""
    meetings: dict[int, tuple[str, dt.date]] = {}
    people: dict[int, tuple[str, str | None, str, int]] = {}
    places: dict[int, tuple[str, str]] = {}
    for data in known:
        meetings.update(data.meeting_rows())
        people.update(data.experts)
        places.update(data.orgs)
    missing_meetings = {f[1] for f in flags} - meetings.keys()
    for part in _chunks(missing_meetings):
        for i, code, day in session.execute(
            select(Meeting.id, Meeting.code, Meeting.scheduled_on).where(Meeting.id.in_(part))
        ):
            meetings[int(i)] = (code, day)
    missing_people = {f[3] for f in flags if f[3] is not None} - people.keys()
    missing_places = {f[4] for f in flags if f[4] is not None} - places.keys()
    if missing_people or missing_places:
        more_people, more_places = _names(session, experts=missing_people, orgs=missing_places)
        people.update(more_people)
        places.update(more_places)
    return _Lookup(meetings, people, places)


# --- what is stored for a closed meeting ----------------------------------------------------


def meeting_results(
    session: Session, conditions: Sequence[Any], *, at: dt.datetime | None = None
) -> list[dict[str, Any]]:
    """The rows of ``meeting_fairness`` for the meetings matching ``conditions`` (conditions
    on ``Meeting``): each meeting's own flags and its seats per affiliation, computed by the
    same functions as the live report; ``computed_at`` is ``at`` (default: now)."""
    data = _load(session, conditions)
    by_meeting: dict[int, list[list[Any]]] = defaultdict(list)
    for kind, meeting, position, expert_id, applicant_id, what, count in _meeting_flags(
        session, data
    ):
        flag = [kind, position, expert_id, applicant_id, what, count]
        if flag not in by_meeting[meeting]:
            by_meeting[meeting].append(flag)
    order = {k: i for i, k in enumerate(FLAG_KINDS)}
    now = at or clock.now_utc()
    rows = []
    for meeting, counts in _panel_counts(data).items():
        flags = sorted(
            by_meeting.get(meeting, []),
            key=lambda f: (order[f[0]], *(("" if v is None else str(v).zfill(12)) for v in f[1:])),
        )
        rows.append(
            {
                "meeting_id": meeting,
                "version": RULES_VERSION,
                "seats": counts[""],
                **{f"seats_{a}": counts.get(a, 0) for a in domain.AFFILIATIONS},
                "flag_count": len(flags),
                "flags": json.dumps(flags, ensure_ascii=False, separators=(",", ":")),
                "computed_at": now,
            }
        )
    return rows
