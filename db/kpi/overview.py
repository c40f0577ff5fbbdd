"""The overview's trends, pipeline and breakdowns, computed in SQL as of a date.

Everything here groups and counts in the database (month keys, CASE stages, medians by
ORDER BY ... LIMIT/OFFSET) and returns small DataFrames or dicts; no table is loaded whole.
SQLite and PostgreSQL differ only in two expressions (month key, days between two dates),
chosen by :func:`_dialect`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import ColumnElement, Date, case, cast, func, literal, select, union_all
from sqlalchemy.orm import Session

from db import listing
from db.kpi.headline import ALL_TECHNOLOGIES, TechFilter
from db.models import Adoption, AuditEvent, Expert, Inquiry, Meeting, Technology

SERIES = ("registrations", "meetings", "adoptions", "inquiries", "experts")
PIPELINE_STAGES = ("submitted", "screening", "under_review", "registered", "adopted")
DURATION_STAGES = ("screening", "review", "decision", "adoption")
ENTITIES = (
    "expert",
    "technology",
    "meeting",
    "adoption",
    "testbed",
    "inquiry",
    "agreement",
)


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _month(session: Session, column: Any) -> ColumnElement[str]:
    if _dialect(session) == "postgresql":
        return func.to_char(column, "YYYY-MM")
    return func.strftime("%Y-%m", column)


def _days(session: Session, start: Any, end: Any) -> ColumnElement[float]:
    """Days from ``start`` to ``end`` (both dates)."""
    if _dialect(session) == "postgresql":
        return cast(end, Date) - cast(start, Date)  # type: ignore[return-value]
    return func.julianday(end) - func.julianday(start)


def month_start(day: dt.date, months_back: int = 0) -> dt.date:
    """First day of the month ``months_back`` months before ``day``'s month."""
    index = day.year * 12 + (day.month - 1) - months_back
    return dt.date(index // 12, index % 12 + 1, 1)


def months_between(start: dt.date, end: dt.date) -> list[str]:
    """``YYYY-MM`` keys from ``start``'s month to ``end``'s month, inclusive."""
    keys = []
    current = month_start(start)
    while current <= end:
        keys.append(current.strftime("%Y-%m"))
        current = month_start(current, -1)
    return keys


def monthly_counts(
    *,
    session: Session,
    start: dt.date,
    end: dt.date,
    tech: TechFilter = ALL_TECHNOLOGIES,
) -> pd.DataFrame:
    """Events per month between ``start`` and ``end`` (inclusive), one row per month and
    series (``SERIES``), zero-filled. ``tech`` narrows registrations and adoptions."""
    listing.check_terms(session, tech)
    parts = []

    def add(name: str, column: Any, *conditions: Any, join_tech: bool = False) -> None:
        key = _month(session, column)
        query = select(literal(name).label("series"), key.label("month"), func.count())
        if join_tech:
            query = query.join(Technology, Technology.id == Adoption.technology_id)
        parts.append(query.where(column >= start, column <= end, *conditions).group_by(key))

    add("registrations", Technology.registered_on, *tech.conditions())
    add("meetings", Meeting.held_on)
    add(
        "adoptions",
        Adoption.approved_on,
        Adoption.status == "approved",
        *tech.conditions(),
        join_tech=bool(tech.conditions()),
    )
    add("inquiries", Inquiry.received_on)
    add("experts", Expert.registered_on)
    rows = session.execute(union_all(*parts)).all()
    found = {(series, month): int(n) for series, month, n in rows}
    months = months_between(start, end)
    return pd.DataFrame(
        [{"month": m, "series": s, "count": found.get((s, m), 0)} for s in SERIES for m in months]
    )


def pipeline(
    *, session: Session, as_of: dt.date, tech: TechFilter = ALL_TECHNOLOGIES
) -> dict[str, int]:
    """How many technologies stood at each stage on ``as_of`` (``PIPELINE_STAGES``).

    ``registered`` counts technologies registered and not (yet) adopted; ``adopted`` those
    with an approved adoption; rejected ones are left out of the pipeline.
    """
    listing.check_terms(session, tech)
    adopted = (
        select(Adoption.technology_id)
        .where(Adoption.status == "approved", Adoption.approved_on <= as_of)
        .scalar_subquery()
    )
    decided = case(
        (Technology.registered_on <= as_of, "registered"),
        (Technology.rejected_on <= as_of, "rejected"),
        (Technology.review_on <= as_of, "under_review"),
        (Technology.screening_on <= as_of, "screening"),
        else_="submitted",
    )
    stage = case((Technology.id.in_(adopted), "adopted"), else_=decided)
    rows = session.execute(
        select(stage.label("stage"), func.count())
        .where(Technology.submitted_on <= as_of, *tech.conditions())
        .group_by(stage)
    ).all()
    counts = {s: 0 for s in PIPELINE_STAGES}
    counts.update({s: int(n) for s, n in rows if s in counts})
    return counts


def _median(
    session: Session, expr: Any, *conditions: Any, joins: Sequence[Any] = ()
) -> float | None:
    """Median of ``expr`` (a whole number of days) over the rows meeting ``conditions``.

    The database returns how many rows have each value (one GROUP BY: a few hundred distinct
    day counts, whatever the number of rows) and the middle is found in that histogram;
    this reads the rows once, where counting them and then ordering them up to the middle
    read them twice and sorted them.
    """
    d = expr.label("d")
    query = select(d, func.count())
    for target, on in joins:
        query = query.join(target, on)
    rows = session.execute(
        query.where(*conditions, expr.is_not(None)).group_by(expr).order_by(expr)
    ).all()
    n = sum(int(c) for _, c in rows)
    if not n:
        return None
    # 0-based positions of the middle value(s) in the sorted list.
    wanted = [(n - 1) // 2, n // 2] if n % 2 == 0 else [(n - 1) // 2]
    middle: list[float] = []
    seen = 0
    for value, count in rows:
        end = seen + int(count)
        middle.extend(float(value) for w in wanted if seen <= w < end)
        seen = end
        if len(middle) == len(wanted):
            break
    return round(sum(middle) / len(middle), 1)


def stage_durations(
    *, session: Session, as_of: dt.date, tech: TechFilter = ALL_TECHNOLOGIES
) -> dict[str, float | None]:
    """Median days each stage took, over transitions completed on or before ``as_of``:
    submission to screening, screening to review, review to decision (registered or
    rejected), registration to first approved adoption."""
    listing.check_terms(session, tech)
    t = Technology
    cond = tech.conditions()
    decision_on = func.coalesce(t.registered_on, t.rejected_on)
    first_adoption = (
        select(Adoption.technology_id, func.min(Adoption.approved_on).label("approved_on"))
        .where(Adoption.status == "approved", Adoption.approved_on <= as_of)
        .group_by(Adoption.technology_id)
        .subquery()
    )
    return {
        "screening": _median(
            session, _days(session, t.submitted_on, t.screening_on), t.screening_on <= as_of, *cond
        ),
        "review": _median(
            session, _days(session, t.screening_on, t.review_on), t.review_on <= as_of, *cond
        ),
        "decision": _median(
            session,
            _days(session, t.review_on, decision_on),
            decision_on <= as_of,
            t.review_on.is_not(None),
            *cond,
        ),
        "adoption": _median(
            session,
            _days(session, t.registered_on, first_adoption.c.approved_on),
            t.registered_on.is_not(None),
            *cond,
            joins=[(first_adoption, first_adoption.c.technology_id == t.id)],
        ),
    }


@dataclass(frozen=True)
class Breakdown:
    """Registered and adopted technologies on a date, by one attribute."""

    by: str
    frame: pd.DataFrame  # columns: code, registered, adopted, registered_local, adopted_local


def breakdown(
    *, session: Session, as_of: dt.date, by: str, tech: TechFilter = ALL_TECHNOLOGIES
) -> Breakdown:
    """Technologies registered and adopted on or before ``as_of`` grouped by ``by``
    (``growth_sector`` or ``field``), with the local part of each."""
    listing.check_terms(session, tech)
    column = {"growth_sector": Technology.growth_sector, "field": Technology.field}[by]
    adopted = (
        select(Adoption.technology_id)
        .where(Adoption.status == "approved", Adoption.approved_on <= as_of)
        .scalar_subquery()
    )
    is_adopted = Technology.id.in_(adopted)
    one_if = lambda cond: func.sum(case((cond, 1), else_=0))  # noqa: E731
    rows = session.execute(
        select(
            column.label("code"),
            func.count().label("registered"),
            one_if(is_adopted).label("adopted"),
            one_if(Technology.is_local).label("registered_local"),
            one_if(is_adopted & Technology.is_local).label("adopted_local"),
        )
        .where(Technology.registered_on <= as_of, *tech.conditions())
        .group_by(column)
        .order_by(column)
    ).all()
    frame = pd.DataFrame(
        [dict(r._mapping) for r in rows],
        columns=["code", "registered", "adopted", "registered_local", "adopted_local"],
    )
    for c in frame.columns[1:]:
        frame[c] = frame[c].astype(int)
    return Breakdown(by=by, frame=frame)


def last_changed_by_entity(*, session: Session) -> dict[str, dt.datetime]:
    """When each kind of record last changed (newest audit event per entity, in UTC).

    Walks the chain backwards per entity (primary key order), which stops at the first
    match; entities without any event are left out.
    """
    out: dict[str, dt.datetime] = {}
    for entity in ENTITIES:
        ts = session.execute(
            select(AuditEvent.occurred_at)
            .where(AuditEvent.entity == entity)
            .order_by(AuditEvent.id.desc())
            .limit(1)
        ).scalar_one_or_none()
        if ts is not None:
            out[entity] = ts if ts.tzinfo else ts.replace(tzinfo=dt.UTC)
    return out


def records_behind(
    *, session: Session, figure: str, as_of: dt.date, limit: int = 500
) -> pd.DataFrame:
    """The records behind the figures that have no register page yet (meetings held,
    testbeds, agreements), as they stood on ``as_of``; at most ``limit`` rows, newest first.
    """
    from db.models import Agreement, Organization, Testbed

    if figure == "meetings":
        query = (
            select(Meeting.code, Meeting.kind, Meeting.title, Meeting.held_on)
            .where(Meeting.held_on <= as_of)
            .order_by(Meeting.held_on.desc(), Meeting.id.desc())
        )
    elif figure == "testbeds":
        stage = case(
            (Testbed.certified_on <= as_of, "certified"),
            (Testbed.completed_on <= as_of, "completed"),
            (Testbed.started_on <= as_of, "in_progress"),
            else_="selected",
        )
        query = (
            select(
                Technology.reg_no,
                Technology.title_ko,
                Technology.title_en,
                Testbed.selected_on,
                stage.label("stage"),
                Testbed.site,
            )
            .join(Technology, Technology.id == Testbed.technology_id)
            .where(Testbed.selected_on <= as_of)
            .order_by(Testbed.selected_on.desc(), Testbed.id.desc())
        )
    elif figure == "agreements":
        status = case(
            (Agreement.ends_on < as_of, "expired"),
            (Agreement.starts_on <= as_of, "active"),
            (Agreement.signed_on <= as_of, "signed"),
            else_="planned",
        )
        query = (
            select(
                Organization.name_ko,
                Organization.name_en,
                Agreement.kind,
                Agreement.title_ko,
                Agreement.title_en,
                Agreement.planned_on,
                status.label("status"),
            )
            .join(Organization, Organization.id == Agreement.partner_org_id)
            .where(Agreement.planned_on <= as_of)
            .order_by(Agreement.planned_on.desc(), Agreement.id.desc())
        )
    else:
        raise ValueError(f"no record list for figure {figure!r}")
    rows = session.execute(query.limit(limit)).all()
    return pd.DataFrame(
        [dict(r._mapping) for r in rows], columns=list(query.selected_columns.keys())
    )
