# Over 500 lines on purpose: the reads behind the inquiries and agreements pages, short
# queries sharing one period filter; splitting inquiries from agreements is noted on the
# restructure issue.
"""Reads of inter-city work: who asks about the platform (by kind of body, by region, over
time), which inquiries wait for an answer too long, and agreements with what they produced.

Every figure is counted in the database (``GROUP BY``, ``COUNT``, correlated counts), so the
work does not grow with the number of inquiries; only aggregated rows (a few dozen) and
bounded lists reach pandas. Figures are as they stood on ``as_of``: inquiries received on or
before it, each with its status on that date (:func:`db.intercity.register.status_on`);
agreements planned on or before it, with their status on that date (the overview's rule).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Final

import pandas as pd
from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.orm import Session

from db import clock, domain
from db.city.store import with_attribute
from db.intercity.register import status_on
from db.models import (
    Adoption,
    Agreement,
    AuditEvent,
    Inquiry,
    InquiryFollowup,
    Organization,
    Technology,
    Testbed,
    User,
)

ABROAD: Final = "abroad"
"""The region code of bodies outside Korea in the regional figures."""

PERIODS: Final = ("month", "quarter")
OVERDUE_DAYS_DEFAULT: Final = 14
OVERDUE_DAYS_MAX: Final = 365
LIST_LIMIT: Final = 1000
"""The most rows a list (overdue inquiries, link candidates) returns; the count is exact."""


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
    limit: int = LIST_LIMIT,
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
class LastChange:
    """Who (display name, else account name) last wrote the record, and when (None for a
    record no audited write touched)."""

    changed_by: str | None = None
    changed_at: dt.datetime | None = None


@dataclass(frozen=True, kw_only=True)
class InquiryForEdit(LastChange):
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
    return InquiryForEdit(**row._asdict(), **_last_change(session, "inquiry", inquiry_id))


def _last_change(session: Session, entity: str, entity_id: int) -> dict[str, Any]:
    """Who (display name, else account name) last wrote the record, and when."""
    event = session.execute(
        select(
            func.coalesce(User.display_name, AuditEvent.actor_name).label("who"),
            AuditEvent.occurred_at,
        )
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(
            AuditEvent.entity == entity,
            AuditEvent.entity_id == str(entity_id),
            AuditEvent.action != "permission.denied",
        )
        .order_by(AuditEvent.id.desc())
        .limit(1)
    ).first()
    if event is None:
        return {"changed_by": None, "changed_at": None}
    return {"changed_by": event.who, "changed_at": event.occurred_at}


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


# --- agreements -----------------------------------------------------------------------------


def agreement_status_on(day: dt.date) -> ColumnElement[str]:
    """An agreement's status on ``day`` from its dates (as the overview counts it)."""
    a = Agreement
    return case(
        (and_(a.ends_on.is_not(None), a.ends_on < day), "expired"),
        (a.starts_on <= day, "active"),
        (a.signed_on <= day, "signed"),
        else_="planned",
    )


AGREEMENT_COLUMNS: Final = (
    "id",
    "partner_ko",
    "partner_en",
    "partner_kind",
    "region",
    "country",
    "kind",
    "title_ko",
    "title_en",
    "scope",
    "status",
    "status_then",
    "planned_on",
    "signed_on",
    "starts_on",
    "ends_on",
    "adoptions",
    "adopted",
    "testbeds",
)


def _check_agreement_filters(status: str | None, kind: str | None) -> None:
    if status is not None and status not in domain.AGREEMENT_STATUSES:
        raise ValueError(f"unknown status {status!r}")
    if kind is not None and kind not in domain.AGREEMENT_KINDS:
        raise ValueError(f"unknown kind {kind!r}")


def _agreement_filters(
    as_of: dt.date | None, status: str | None, kind: str | None
) -> list[ColumnElement[bool]]:
    a = Agreement
    status_then = agreement_status_on(as_of if as_of is not None else clock.city_today())
    where: list[ColumnElement[bool]] = []
    if as_of is not None:
        where.append(a.planned_on <= as_of)
    if status is not None:
        where.append(status_then == status)
    if kind is not None:
        where.append(a.kind == kind)
    return where


def _products_by_agreement(day: dt.date | None) -> tuple[Any, Any]:
    """What each agreement produced (by ``day``): one grouped pass over adoptions
    (``agreement_id``, ``n`` linked and not rejected, ``approved``) and one over testbeds
    (``agreement_id``, ``n``); agreement_id has no index, so correlated counts would scan
    them once per agreement."""
    linked = Adoption.status != "rejected"
    approved = Adoption.status == "approved"
    if day is not None:
        linked = and_(linked, Adoption.proposed_on <= day)
        approved = and_(approved, Adoption.approved_on <= day)
    adoptions = (
        select(
            Adoption.agreement_id.label("agreement_id"),
            func.sum(case((linked, 1), else_=0)).label("n"),
            func.sum(case((approved, 1), else_=0)).label("approved"),
        )
        .where(Adoption.agreement_id.is_not(None))
        .group_by(Adoption.agreement_id)
        .subquery()
    )
    tested = Testbed.status != "rejected"
    if day is not None:
        tested = and_(tested, Testbed.applied_on <= day)
    testbeds = (
        select(
            Testbed.agreement_id.label("agreement_id"),
            func.sum(case((tested, 1), else_=0)).label("n"),
        )
        .where(Testbed.agreement_id.is_not(None))
        .group_by(Testbed.agreement_id)
        .subquery()
    )
    return adoptions, testbeds


def agreement_counts(
    *,
    session: Session,
    as_of: dt.date | None = None,
    status: str | None = None,
    kind: str | None = None,
) -> dict[str, int]:
    """The agreements :func:`agreements` lists for these filters, counted in the database:
    ``total``, one count per status on ``as_of`` (else today; every status of
    ``domain.AGREEMENT_STATUSES``, zero when none) and ``produced`` (adoptions and testbeds
    linked to them, as :func:`agreements` counts them).

    :raise ValueError: unknown status or kind."""
    _check_agreement_filters(status, kind)
    a = Agreement
    status_then = agreement_status_on(as_of if as_of is not None else clock.city_today())
    adoptions, testbeds = _products_by_agreement(as_of)
    row = session.execute(
        select(
            func.count(),
            *(
                func.coalesce(func.sum(case((status_then == s, 1), else_=0)), 0)
                for s in domain.AGREEMENT_STATUSES
            ),
            func.coalesce(func.sum(func.coalesce(adoptions.c.n, 0)), 0),
            func.coalesce(func.sum(func.coalesce(testbeds.c.n, 0)), 0),
        )
        .select_from(a)
        .outerjoin(adoptions, adoptions.c.agreement_id == a.id)
        .outerjoin(testbeds, testbeds.c.agreement_id == a.id)
        .where(*_agreement_filters(as_of, status, kind))
    ).one()
    out = {"total": int(row[0])}
    for i, s in enumerate(domain.AGREEMENT_STATUSES):
        out[s] = int(row[1 + i])
    n = len(domain.AGREEMENT_STATUSES)
    out["produced"] = int(row[1 + n]) + int(row[2 + n])
    return out


def agreements(
    *,
    session: Session,
    as_of: dt.date | None = None,
    status: str | None = None,
    kind: str | None = None,
    offset: int = 0,
    limit: int | None = None,
    agreement_id: int | None = None,
) -> pd.DataFrame:
    """Agreements (planned on or before ``as_of`` when given) with partner, scope, dates,
    stored ``status`` and ``status_then`` (from the dates, on ``as_of``, else today), and
    what each produced: ``adoptions`` linked (any status but rejected), ``adopted`` (of
    those, approved by ``as_of``), ``testbeds`` linked (not rejected). Newest plan first,
    ``limit`` rows from ``offset`` (all when ``limit`` is None). ``status`` filters on
    ``status_then``; ``kind`` on the agreement's kind; ``agreement_id`` reads that one.

    :raise ValueError: unknown status or kind."""
    _check_agreement_filters(status, kind)
    a, o = Agreement, Organization
    day = as_of
    adoptions, testbeds = _products_by_agreement(day)

    # Today's status by the same date rule when no date is given, so an agreement whose
    # term ran out since its last edit reads as expired (as on the overview).
    status_then = agreement_status_on(day if day is not None else clock.city_today())
    query = (
        select(
            a.id,
            o.name_ko.label("partner_ko"),
            o.name_en.label("partner_en"),
            o.kind.label("partner_kind"),
            o.region,
            o.country,
            a.kind,
            a.title_ko,
            a.title_en,
            a.scope,
            a.status,
            status_then.label("status_then"),
            a.planned_on,
            a.signed_on,
            a.starts_on,
            a.ends_on,
            func.coalesce(adoptions.c.n, 0).label("adoptions"),
            func.coalesce(adoptions.c.approved, 0).label("adopted"),
            func.coalesce(testbeds.c.n, 0).label("testbeds"),
        )
        .join(o, o.id == a.partner_org_id)
        .outerjoin(adoptions, adoptions.c.agreement_id == a.id)
        .outerjoin(testbeds, testbeds.c.agreement_id == a.id)
        .where(*_agreement_filters(day, status, kind))
        .order_by(a.planned_on.desc(), a.id.desc())
    )
    if agreement_id is not None:
        query = query.where(a.id == agreement_id)
    if offset:
        query = query.offset(offset)
    if limit is not None:
        query = query.limit(limit)
    rows = session.execute(query).all()
    return pd.DataFrame([tuple(r) for r in rows], columns=list(AGREEMENT_COLUMNS)).astype(
        {"adoptions": "int64", "adopted": "int64", "testbeds": "int64"}
    )


@dataclass(frozen=True, kw_only=True)
class AgreementForEdit(LastChange):
    """One agreement as the staff forms need it: every column, ``version``, the partner's
    id and names."""

    id: int
    version: int
    partner_org_id: int
    partner_ko: str
    partner_en: str | None
    kind: str
    title_ko: str
    title_en: str
    scope: str | None
    status: str
    planned_on: dt.date
    signed_on: dt.date | None
    starts_on: dt.date | None
    ends_on: dt.date | None


def agreement_detail(*, session: Session, agreement_id: int) -> AgreementForEdit | None:
    """One agreement for the staff form: every column, ``version``, partner id and names,
    who last changed it and when; None when there is no such agreement."""
    a, o = Agreement, Organization
    row = session.execute(
        select(
            a.id,
            a.version,
            a.partner_org_id,
            o.name_ko.label("partner_ko"),
            o.name_en.label("partner_en"),
            a.kind,
            a.title_ko,
            a.title_en,
            a.scope,
            a.status,
            a.planned_on,
            a.signed_on,
            a.starts_on,
            a.ends_on,
        )
        .join(o, o.id == a.partner_org_id)
        .where(a.id == agreement_id)
    ).first()
    if row is None:
        return None
    return AgreementForEdit(**row._asdict(), **_last_change(session, "agreement", agreement_id))


def agreement_products(*, session: Session, agreement_id: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """What an agreement produced: its linked adoptions (``id``, ``reg_no``, ``title_ko``,
    ``title_en``, ``project_name``, ``department``, ``year``, ``status``, ``proposed_on``,
    ``approved_on``) and testbeds (``id``, ``reg_no``, ``title_ko``, ``title_en``,
    ``site``, ``status``, ``applied_on``, ``certified_on``, ``certification``)."""
    t = Technology
    adoptions = session.execute(
        select(
            Adoption.id,
            t.reg_no,
            t.title_ko,
            t.title_en,
            Adoption.project_name,
            Adoption.department,
            Adoption.year,
            Adoption.status,
            Adoption.proposed_on,
            Adoption.approved_on,
        )
        .join(t, t.id == Adoption.technology_id)
        .where(Adoption.agreement_id == agreement_id)
        .order_by(Adoption.proposed_on, Adoption.id)
    ).all()
    testbeds = session.execute(
        select(
            Testbed.id,
            t.reg_no,
            t.title_ko,
            t.title_en,
            Testbed.site,
            Testbed.status,
            Testbed.applied_on,
            Testbed.certified_on,
            Testbed.certification,
        )
        .join(t, t.id == Testbed.technology_id)
        .where(Testbed.agreement_id == agreement_id)
        .order_by(Testbed.applied_on, Testbed.id)
    ).all()
    return (
        pd.DataFrame(
            [tuple(r) for r in adoptions],
            columns=[
                "id",
                "reg_no",
                "title_ko",
                "title_en",
                "project_name",
                "department",
                "year",
                "status",
                "proposed_on",
                "approved_on",
            ],
        ),
        pd.DataFrame(
            [tuple(r) for r in testbeds],
            columns=[
                "id",
                "reg_no",
                "title_ko",
                "title_en",
                "site",
                "status",
                "applied_on",
                "certified_on",
                "certification",
            ],
        ),
    )


def link_candidates(
    *, session: Session, agreement_id: int, kind: str, limit: int = LIST_LIMIT
) -> pd.DataFrame:
    """Adoptions or testbeds (``kind``) that could be linked to the agreement: not linked to
    any agreement, not rejected, begun (proposed or applied) during its term; newest first,
    at most ``limit``. Empty when the agreement is not signed. Columns ``id``, ``reg_no``,
    ``title_ko``, ``title_en``, ``subject`` (project or site), ``began_on``, ``status``.

    :raise ValueError: ``kind`` is not adoption or testbed."""
    if kind not in ("adoption", "testbed"):
        raise ValueError(f"unknown kind {kind!r}")
    columns = ["id", "reg_no", "title_ko", "title_en", "subject", "began_on", "status"]
    term = session.execute(
        select(Agreement.signed_on, Agreement.ends_on).where(Agreement.id == agreement_id)
    ).first()
    if term is None or term.signed_on is None:
        return pd.DataFrame(columns=columns)
    model: Any = Adoption if kind == "adoption" else Testbed
    began = model.proposed_on if kind == "adoption" else model.applied_on
    subject = model.project_name if kind == "adoption" else model.site
    conditions = [
        model.agreement_id.is_(None),
        model.status != "rejected",
        began >= term.signed_on,
    ]
    if term.ends_on is not None:
        conditions.append(began <= term.ends_on)
    t = Technology
    rows = session.execute(
        select(
            model.id,
            t.reg_no,
            t.title_ko,
            t.title_en,
            subject.label("subject"),
            began.label("began_on"),
            model.status,
        )
        .join(t, t.id == model.technology_id)
        .where(*conditions)
        .order_by(began.desc(), model.id.desc())
        .limit(limit)
    ).all()
    return pd.DataFrame([tuple(r) for r in rows], columns=columns)
