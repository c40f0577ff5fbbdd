"""Reads of agreements with partners: their counts and rows as they stood on a day (planned
on or before it, with their status on that date: the overview's rule), one agreement with
what it produced, and the records a product may link to. Counted in the database; only
bounded rows reach pandas.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Final

import pandas as pd
from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.orm import Session

from db import clock, domain
from db.intercity import common
from db.models import (
    Adoption,
    Agreement,
    Organization,
    Technology,
    Testbed,
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
class AgreementForEdit(common.LastChange):
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
    return AgreementForEdit(
        **row._asdict(), **common.last_change(session, "agreement", agreement_id)
    )


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
    *, session: Session, agreement_id: int, kind: str, limit: int = common.LIST_LIMIT
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
