"""Reads of inquiries: who asks about the platform (by kind of body, by region, over time),
which inquiries wait for an answer too long, one inquiry for the staff forms, and the bodies
that may ask or sign (agreements are read in :mod:`db.intercity.agreement_reads`).

Every figure is counted in the database (``GROUP BY``, ``COUNT``, correlated counts), so the
work does not grow with the number of inquiries; only aggregated rows (a few dozen) and
bounded lists reach pandas. Figures are as they stood on ``as_of``: inquiries received on or
before it, each with its status on that date (:func:`db.intercity.register.status_on`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Final

import pandas as pd
from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.orm import Session

from db import domain
from db.city.store import with_attribute
from db.intercity import common
from db.intercity.register import status_on
from db.models import (
    Inquiry,
    InquiryFollowup,
    Organization,
)

ABROAD: Final = "abroad"
"""The region code of bodies outside Korea in the regional figures."""

PERIODS: Final = ("month", "quarter")
OVERDUE_DAYS_DEFAULT: Final = 14
OVERDUE_DAYS_MAX: Final = 365


def _received_by(as_of: dt.date | None) -> list[ColumnElement[bool]]:
    return [] if as_of is None else [Inquiry.received_on <= as_of]


def _status(as_of: dt.date | None) -> ColumnElement[str]:
    return Inquiry.status if as_of is None else status_on(as_of)  # type: ignore[return-value]


def summary(*, session: Session, as_of: dt.date, overdue_days: int) -> dict[str, int]:
    """Inquiries received by ``as_of``: ``received`` (all), how many had reached each status
    by then (``answered``, ``visit_held``, ``benchmarked``: the furthest step), the bodies
    that asked (``bodies``) and ``overdue`` (unanswered for more than ``overdue_days``)."""
    status = status_on(as_of)
    limit = as_of - dt.timedelta(days=overdue_days)
    row = session.execute(
        select(
            func.count(),
            func.count(func.distinct(Inquiry.org_id)),
            *(
                func.coalesce(func.sum(case((status == s, 1), else_=0)), 0)
                for s in domain.INQUIRY_STATUSES
            ),
            func.coalesce(
                func.sum(
                    case((and_(status == "received", Inquiry.received_on < limit), 1), else_=0)
                ),
                0,
            ),
        ).where(Inquiry.received_on <= as_of)
    ).one()
    out = {"received": int(row[0]), "bodies": int(row[1])}
    for i, s in enumerate(domain.INQUIRY_STATUSES):
        out[f"now_{s}"] = int(row[2 + i])
    out["overdue"] = int(row[2 + len(domain.INQUIRY_STATUSES)])
    return out


def by_kind(*, session: Session, as_of: dt.date) -> pd.DataFrame:
    """Inquiries received by ``as_of`` per kind of asking body and status on that date.

    Columns ``kind``, ``status``, ``n``; only combinations that occur."""
    status = status_on(as_of).label("status")
    rows = session.execute(
        select(Organization.kind, status, func.count().label("n"))
        .select_from(Inquiry)
        .join(Organization, Organization.id == Inquiry.org_id)
        .where(Inquiry.received_on <= as_of)
        .group_by(Organization.kind, status)
        .order_by(Organization.kind, status)
    ).all()
    return pd.DataFrame([tuple(r) for r in rows], columns=["kind", "status", "n"]).astype(
        {"n": "int64"}
    )


def by_region(*, session: Session, as_of: dt.date) -> pd.DataFrame:
    """Inquiries received by ``as_of`` per region of the asking body (``ABROAD`` for bodies
    outside Korea), with how many bodies asked and how many had benchmarked the scheme.

    One row per region of ``domain.REGIONS`` (zero where nobody asked) and one for
    ``ABROAD``. Columns ``region``, ``inquiries``, ``bodies``, ``benchmarked``."""
    region = func.coalesce(Organization.region, ABROAD).label("region")
    rows = session.execute(
        select(
            region,
            func.count().label("inquiries"),
            func.count(func.distinct(Inquiry.org_id)).label("bodies"),
            func.coalesce(func.sum(case((status_on(as_of) == "benchmarked", 1), else_=0)), 0).label(
                "benchmarked"
            ),
        )
        .select_from(Inquiry)
        .join(Organization, Organization.id == Inquiry.org_id)
        .where(Inquiry.received_on <= as_of)
        .group_by(region)
    ).all()
    found = {r.region: (int(r.inquiries), int(r.bodies), int(r.benchmarked)) for r in rows}
    codes = [*domain.REGIONS, ABROAD]
    return pd.DataFrame(
        [(c, *found.get(c, (0, 0, 0))) for c in codes],
        columns=["region", "inquiries", "bodies", "benchmarked"],
    )


def abroad_by_country(*, session: Session, as_of: dt.date) -> pd.DataFrame:
    """Inquiries from bodies outside Korea received by ``as_of``, per country (ISO code).

    Columns ``country``, ``inquiries``."""
    rows = session.execute(
        select(Organization.country, func.count().label("inquiries"))
        .select_from(Inquiry)
        .join(Organization, Organization.id == Inquiry.org_id)
        .where(Inquiry.received_on <= as_of, Organization.region.is_(None))
        .group_by(Organization.country)
        .order_by(func.count().desc(), Organization.country)
    ).all()
    return pd.DataFrame([tuple(r) for r in rows], columns=["country", "inquiries"])


def over_time(
    *, session: Session, as_of: dt.date, period: str = "month", start: dt.date | None = None
) -> pd.DataFrame:
    """Inquiries received per month or quarter from ``start`` (default: the first
    inquiry's month) up to ``as_of``, every period present (zero when none).

    Columns ``period`` (``2019-04`` or ``2019-Q2``), ``start`` (first day), ``received``,
    ``benchmarked`` (of those received in the period, how many had benchmarked by
    ``as_of``). Counted per month in the database; quarters add up three months.

    :raise ValueError: ``period`` is not ``month`` or ``quarter``."""
    if period not in PERIODS:
        raise ValueError(f"unknown period {period!r}")
    year = func.extract("year", Inquiry.received_on)
    month = func.extract("month", Inquiry.received_on)
    conditions = [Inquiry.received_on <= as_of]
    if start is not None:
        conditions.append(Inquiry.received_on >= start)
    rows = session.execute(
        select(
            year.label("y"),
            month.label("m"),
            func.count().label("received"),
            func.coalesce(func.sum(case((status_on(as_of) == "benchmarked", 1), else_=0)), 0),
        )
        .where(*conditions)
        .group_by(year, month)
    ).all()
    counts = {(int(r[0]), int(r[1])): (int(r[2]), int(r[3])) for r in rows}
    columns = ["period", "start", "received", "benchmarked"]
    if not counts:
        return pd.DataFrame(columns=columns)
    first = min(counts) if start is None else (start.year, start.month)
    out: dict[str, list[Any]] = {}
    y, m = first
    while (y, m) <= (as_of.year, as_of.month):
        received, benchmarked = counts.get((y, m), (0, 0))
        if period == "month":
            key, day = f"{y}-{m:02d}", dt.date(y, m, 1)
        else:
            q = (m - 1) // 3 + 1
            key, day = f"{y}-Q{q}", dt.date(y, 3 * q - 2, 1)
        row = out.setdefault(key, [key, day, 0, 0])
        row[2] += received
        row[3] += benchmarked
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return pd.DataFrame(list(out.values()), columns=columns).astype(
        {"received": "int64", "benchmarked": "int64"}
    )


def overdue(
    *,
    session: Session,
    as_of: dt.date,
    days: int,
    limit: int = common.LIST_LIMIT,
    offset: int = 0,
    total: int | None = None,
) -> tuple[pd.DataFrame, int]:
    """Inquiries that on ``as_of`` had waited for an answer for more than ``days`` days
    (received before ``as_of - days``, not answered by ``as_of``), longest waiting first,
    at most ``limit`` from ``offset``; and how many there are in all (counted unless the
    caller knows it: ``total``, e.g. :func:`summary`'s ``overdue``).

    Columns ``id``, ``received_on``, ``days_waiting``, ``org_ko``, ``org_en``, ``org_kind``,
    ``region``, ``channel``, ``topic``, ``contact_name``, ``followups`` (recorded by
    ``as_of``), ``last_followup_on``.

    :raise ValueError: ``days`` outside 0..``OVERDUE_DAYS_MAX``."""
    if not 0 <= days <= OVERDUE_DAYS_MAX:
        raise ValueError(f"overdue days must be 0..{OVERDUE_DAYS_MAX}, not {days}")
    i, o, f = Inquiry, Organization, InquiryFollowup
    limit_day = as_of - dt.timedelta(days=days)
    where = [
        i.received_on < limit_day,
        status_on(as_of) == "received",
    ]
    if total is None:
        total = int(session.execute(select(func.count()).select_from(i).where(*where)).scalar_one())
    followups = (
        select(func.count())
        .where(f.inquiry_id == i.id, f.followed_on <= as_of)
        .correlate(i)
        .scalar_subquery()
    )
    last_followup = (
        select(func.max(f.followed_on))
        .where(f.inquiry_id == i.id, f.followed_on <= as_of)
        .correlate(i)
        .scalar_subquery()
    )
    rows = session.execute(
        select(
            i.id,
            i.received_on,
            o.name_ko.label("org_ko"),
            o.name_en.label("org_en"),
            o.kind.label("org_kind"),
            o.region,
            i.channel,
            i.topic,
            i.contact_name,
            followups.label("followups"),
            last_followup.label("last_followup_on"),
        )
        .join(o, o.id == i.org_id)
        .where(*where)
        .order_by(i.received_on, i.id)
        .offset(offset)
        .limit(limit)
    ).all()
    columns = [
        "id",
        "received_on",
        "org_ko",
        "org_en",
        "org_kind",
        "region",
        "channel",
        "topic",
        "contact_name",
        "followups",
        "last_followup_on",
    ]
    df = pd.DataFrame([tuple(r) for r in rows], columns=columns)
    df.insert(2, "days_waiting", [(as_of - d).days for d in df["received_on"]])
    return df, total


@dataclass(frozen=True, kw_only=True)
class InquiryForEdit(common.LastChange):
    """One inquiry as the staff forms need it: its fields, ``version`` and step dates."""

    id: int
    version: int
    org_id: int
    received_on: dt.date
    channel: str
    topic: str
    contact_name: str | None
    note: str | None
    status: str
    answered_on: dt.date | None
    visit_on: dt.date | None
    benchmarked_on: dt.date | None


def inquiry_for_edit(*, session: Session, inquiry_id: int) -> InquiryForEdit | None:
    """What the staff forms need of one inquiry: its fields, ``version``, status and step
    dates, the asking body's id, and who last changed it and when (``changed_by``,
    ``changed_at``); None when there is no such inquiry."""
    i = Inquiry
    row = session.execute(
        select(
            i.id,
            i.version,
            i.org_id,
            i.received_on,
            i.channel,
            i.topic,
            i.contact_name,
            i.note,
            i.status,
            i.answered_on,
            i.visit_on,
            i.benchmarked_on,
        ).where(i.id == inquiry_id)
    ).first()
    if row is None:
        return None
    return InquiryForEdit(**row._asdict(), **common.last_change(session, "inquiry", inquiry_id))


def organizations(*, session: Session, kinds: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Bodies of ``kinds``, by Korean name: ``id``, ``name_ko``, ``name_en``, ``kind``,
    ``region``, ``country``. By default the bodies that may ask or sign: of a kind with
    ``inquires`` in the city's profile (companies are thousands and neither ask nor sign)."""
    if kinds is None:
        kinds = with_attribute(session, "organisation_kinds", "inquires")
    o = Organization
    rows = session.execute(
        select(o.id, o.name_ko, o.name_en, o.kind, o.region, o.country)
        .where(o.kind.in_(kinds))
        .order_by(o.name_ko, o.id)
    ).all()
    return pd.DataFrame(
        [tuple(r) for r in rows], columns=["id", "name_ko", "name_en", "kind", "region", "country"]
    )
