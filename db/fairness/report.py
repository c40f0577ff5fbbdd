# Over 500 lines on purpose: the report across meetings (composition, concentration, repeated
# panelists, the flags of a period) reads one period's records together; each meeting's own
# results are live.py.
"""The fairness report across meetings, for auditors.

For the meetings scheduled in a period: panel composition against the pool, seats per expert
(concentration), experts who sat many times for the same applicant, and a list of *flags*,
each pointing to its meeting (and item or expert). The flags each meeting raises by itself
(decisions against the scores or without quorum, missing reasons, ineligible scores,
conflicts not recused, seats despite an exclusion, draws that do not replay, exceptional
settings, seats filled by hand) are computed by :mod:`db.fairness.live`; this module adds the
two across meetings:

``repeated_panelist_for_applicant``
    an expert who sat on :data:`REPEAT_MEETINGS` or more meetings of the period that had an
    item of the same applicant (one flag per meeting);
``seat_concentration``
    an expert holding :data:`CONCENTRATION_SEATS` or more seats on meetings within
    :data:`CONCENTRATION_DAYS` days (one flag per meeting of such a run).

Thresholds were chosen on the demo history: with random draws no expert reaches 4 seats in
365 days nor 3 meetings with the same applicant, except where an irregularity was planted.

**Stored results.** A closed meeting's record never changes, so its own flags and its
panel's seats per affiliation are computed once, in the transaction that closes it, and
stored in ``meeting_fairness`` (:mod:`db.fairness.store`; a write that changes one of their
inputs, an expert's organization, affiliation or ties or a technology's owner, recomputes the
rows concerned). :func:`fairness_report` reads those rows for the closed meetings of the
period, computes the other meetings (scheduled, held, or closed without a row of the current
:data:`~db.fairness.live.RULES_VERSION`) live with the same functions, and derives the flags
across meetings and the per-expert figures with aggregates in SQL, loading the seats only of
the experts that can be flagged or listed. ``fairness_report(..., live=True)`` computes
everything from the records, as before (the reference the tests compare with).

**Stored report.** The page reads the whole report through ``db.summaries.fairness``: stored
per (period, data version) by its first reader and decoded by the next ones (the same report
for every auditor), so a cold page at scale 100 reads one row instead of computing the live
part and the seat counts again.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import and_, exists, func, or_, select, true
from sqlalchemy.orm import Session

from db import domain
from db.fairness.live import (
    FLAG_KINDS,
    ITEM_COLUMNS,
    MEETING_COLUMNS,
    RULES_VERSION,
    SEAT_COLUMNS,
    Data,
    Flag,
    chunks,
    flag,
    frames,
    load,
    meeting_flags,
    names,
    panel_counts,
    stored_flags,
)
from db.models import (
    AgendaItem,
    Expert,
    Meeting,
    MeetingFairness,
    PanelSeat,
    Technology,
)
from db.policy import AUDITORS, Actor, require_role

__all__ = ["RULES_VERSION", "FairnessReport", "fairness_report", "stored_flags"]

REPEAT_MEETINGS = 3
CONCENTRATION_SEATS = 4
CONCENTRATION_DAYS = 365
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


# --- across meetings ------------------------------------------------------------------------


def _repeats(data: Data, flags: list[Flag]) -> pd.DataFrame:
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
                flag(
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


def _concentration(data: Data, flags: list[Flag]) -> None:
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
            flags.append(flag("seat_concentration", m, expert_id=expert_id, count=n))


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


def _top_experts(data: Data, seats_per: pd.Series) -> pd.DataFrame:
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
    data = load(session, _in_period(start, end))
    flags = meeting_flags(session, data)
    repeated = _repeats(data, flags)
    _concentration(data, flags)
    counts = panel_counts(data)
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
    data = load(session, [*in_period, ~current])
    flags = meeting_flags(session, data)
    counts = panel_counts(data)
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
                flag(kind, m, position=position, expert_id=expert_id,
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
    names = _flagnames(session, flags, data, some)
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


def _load_experts(session: Session, seat_in: Any, experts: set[int]) -> Data:
    """The seats of the period held by ``experts``, with their meetings and items."""
    seats = frames(
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
    meetings = frames(
        session,
        lambda part: select(*MEETING_COLUMNS).where(Meeting.id.in_(part)),
        meeting_ids,
        MEETING_COLUMNS,
    )
    items = frames(
        session,
        lambda part: (
            select(*ITEM_COLUMNS)
            .join(Technology, Technology.id == AgendaItem.technology_id)
            .where(AgendaItem.meeting_id.in_(part))
        ),
        meeting_ids,
        ITEM_COLUMNS,
    )
    people, places = names(session, experts=experts, orgs={int(o) for o in items["applicant_id"]})
    return Data(meetings, seats, items, {}, {}, {}, {}, people, places)


def _flagnames(session: Session, flags: list[Flag], *known: Data) -> _Lookup:
    """Codes, dates and names for every meeting, expert and applicant the flags name."""
    meetings: dict[int, tuple[str, dt.date]] = {}
    people: dict[int, tuple[str, str | None, str, int]] = {}
    places: dict[int, tuple[str, str]] = {}
    for data in known:
        meetings.update(data.meeting_rows())
        people.update(data.experts)
        places.update(data.orgs)
    missing_meetings = {f[1] for f in flags} - meetings.keys()
    for part in chunks(missing_meetings):
        for i, code, day in session.execute(
            select(Meeting.id, Meeting.code, Meeting.scheduled_on).where(Meeting.id.in_(part))
        ):
            meetings[int(i)] = (code, day)
    missing_people = {f[3] for f in flags if f[3] is not None} - people.keys()
    missing_places = {f[4] for f in flags if f[4] is not None} - places.keys()
    if missing_people or missing_places:
        more_people, more_places = names(session, experts=missing_people, orgs=missing_places)
        people.update(more_people)
        places.update(more_places)
    return _Lookup(meetings, people, places)
