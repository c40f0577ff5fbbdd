"""The technologies register: filtered, searched, sorted pages, exports and one record.

``as_of`` keeps the technologies *registered on or before* that date, exactly the
definition of the overview's "technologies registered" figure (``db.kpi.headline``): a
later expiry or withdrawal does not take a technology out of it. With ``as_of`` the
status filter means the status *on that date* (column ``status_then``), so
``as_of=2019-08-08&status=registered`` still counts a technology that expired later.
Without any date filter the register lists every technology, including those still under
review or rejected.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Final

import pandas as pd
from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import Session

from db import domain, listing
from db.listing import AnySelect
from db.models import Adoption, AgendaItem, Meeting, Organization, Technology, Testbed


@dataclass(frozen=True)
class TechnologyFilters:
    """Which technologies to list; ``None`` (or empty search) means no restriction.

    :raise ValueError: an unknown code, a period that ends before it starts, search text
        longer than ``listing.SEARCH_MAX_CHARS``.
    """

    TERMS: ClassVar[Mapping[str, str]] = {"field": "fields", "sector": "sectors"}

    as_of: dt.date | None = None  # registered on or before
    registered_from: dt.date | None = None
    registered_to: dt.date | None = None
    local: bool | None = None  # True: local firms only; False: external only
    field: str | None = None
    sector: str | None = None
    status: str | None = None  # on ``as_of`` when it is set, else the current status
    q: str = ""  # registration number, title (ko/en), owner's name (ko/en)

    def __post_init__(self) -> None:
        listing.check_term_shapes(self)
        listing.check_code("status", self.status, domain.TECH_STATUSES)
        listing.check_period(self.registered_from, self.registered_to)
        listing.check_search(self.q)

    def conditions(self) -> list[ColumnElement[bool]]:
        t = Technology
        out: list[ColumnElement[bool]] = []
        if self.as_of is not None:
            out.append(t.registered_on <= self.as_of)
        if self.registered_from is not None:
            out.append(t.registered_on >= self.registered_from)
        if self.registered_to is not None:
            out.append(t.registered_on <= self.registered_to)
        if self.local is not None:
            out.append(t.is_local.is_(self.local))
        if self.field is not None:
            out.append(t.field == self.field)
        if self.sector is not None:
            out.append(t.growth_sector == self.sector)
        if self.status is not None:
            status = t.status if self.as_of is None else status_on(self.as_of)
            out.append(status == self.status)
        if self.q.strip():
            out.append(
                listing.contains_any(
                    self.q,
                    [t.reg_no, t.title_ko, t.title_en, Organization.name_ko, Organization.name_en],
                )
            )
        return out


def status_on(day: dt.date) -> ColumnElement[str]:
    """The lifecycle status a technology had on ``day``, from its dates (``submitted``
    for one not yet screened; its current status once it expired or was withdrawn)."""
    t = Technology
    return case(
        (t.ended_on <= day, t.status),
        (t.registered_on <= day, "registered"),
        (t.rejected_on <= day, "rejected"),
        (t.review_on <= day, "under_review"),
        (t.screening_on <= day, "screening"),
        else_="submitted",
    )


SORTS: Final[dict[str, tuple[Any, ...]]] = {
    "registered_desc": (Technology.registered_on.desc().nulls_last(), Technology.id.desc()),
    "registered_asc": (Technology.registered_on.asc().nulls_last(), Technology.id.asc()),
    "reg_no_asc": (Technology.reg_no.asc(), Technology.id.asc()),
    "reg_no_desc": (Technology.reg_no.desc(), Technology.id.desc()),
    "submitted_desc": (Technology.submitted_on.desc(), Technology.id.desc()),
}
DEFAULT_SORT: Final = "registered_desc"
# The same orders when a filter on the registration date leaves out technologies without
# one: no NULLS LAST, so that PostgreSQL reads the first page from the registered_on index
# (scanned backwards for the newest first) instead of sorting every match (scale 100: the
# default page as of today 156 -> ~1 ms). Same rows: no NULL to place.
REGISTERED_SORTS: Final[dict[str, tuple[Any, ...]]] = {
    "registered_desc": (Technology.registered_on.desc(), Technology.id.desc()),
    "registered_asc": (Technology.registered_on.asc(), Technology.id.asc()),
}


def _query(filters: TechnologyFilters, sort: str) -> AnySelect:
    listing.check_sort(sort, SORTS)
    t = Technology
    columns: list[Any] = [
        t.id,
        t.reg_no,
        t.title_ko,
        t.title_en,
        Organization.name_ko.label("owner_ko"),
        Organization.name_en.label("owner_en"),
        t.is_local,
        t.field,
        t.growth_sector,
        t.certification,
        t.status,
    ]
    if filters.as_of is not None:
        columns.append(status_on(filters.as_of).label("status_then"))
    columns += [t.submitted_on, t.registered_on, t.ended_on]
    return (
        select(*columns)
        .join(Organization, Organization.id == t.owner_org_id)
        .where(*filters.conditions())
        .order_by(*_order(filters, sort))
    )


def _order(filters: TechnologyFilters, sort: str) -> tuple[Any, ...]:
    """``SORTS[sort]``, without NULLS LAST when every match has a registration date."""
    registered = (filters.as_of, filters.registered_from, filters.registered_to)
    if sort in REGISTERED_SORTS and any(d is not None for d in registered):
        return REGISTERED_SORTS[sort]
    return SORTS[sort]


def technologies_count(*, session: Session, filters: TechnologyFilters) -> int:
    """How many technologies match ``filters`` (the total of :func:`technologies_page`).

    Counted on ``technologies`` alone unless the search needs the owner's name: every
    technology has exactly one owner (``owner_org_id`` is a non-null foreign key), so the
    join changes no count.
    """
    listing.check_terms(session, filters)
    query = select(func.count()).select_from(Technology)
    if filters.q.strip():
        query = query.join(Organization, Organization.id == Technology.owner_org_id)
    return int(session.execute(query.where(*filters.conditions())).scalar_one())


def technologies_page(
    *,
    session: Session,
    filters: TechnologyFilters,
    offset: int,
    limit: int,
    sort: str = DEFAULT_SORT,
    total: int | None = None,
) -> tuple[pd.DataFrame, int]:
    """One page of the technologies matching ``filters`` and how many match in all.

    Columns: id, reg_no, title_ko, title_en, owner_ko, owner_en, is_local, field,
    growth_sector, certification, status, status_then (the status on ``as_of``, only when
    it is set), submitted_on, registered_on, ended_on.

    ``total``: the count when the caller has it already (:func:`technologies_count`).

    :raise ValueError: a bad window (see ``listing.check_window``) or sort order, a code
        that is not the city's.
    """
    listing.check_window(offset, limit)
    listing.check_terms(session, filters)
    return listing.fetch(session, _query(filters, sort), offset=offset, limit=limit, total=total)


def technologies_export(
    *, session: Session, filters: TechnologyFilters, sort: str = DEFAULT_SORT
) -> tuple[pd.DataFrame, int]:
    """Every technology matching ``filters`` (at most ``listing.EXPORT_LIMIT``) and how many
    match in all; the columns of :func:`technologies_page`."""
    listing.check_terms(session, filters)
    return listing.fetch(session, _query(filters, sort), offset=0, limit=listing.EXPORT_LIMIT)


@dataclass(frozen=True, kw_only=True)
class TechnologyDetail(listing.Detail):
    """One technology with its owner and lifecycle dates; related lists: ``reviews`` (code,
    kind, held_on, decision, decision_reason), ``adoptions`` (id, project_name, department,
    year, status, approved_on), ``testbeds`` (site, status, applied_on, selected_on,
    completed_on, certification)."""

    id: int
    reg_no: str
    title_ko: str
    title_en: str | None
    summary: str | None
    owner_ko: str
    owner_en: str | None
    owner_kind: str
    owner_region: str | None
    is_local: bool
    field: str
    growth_sector: str
    certification: str
    status: str
    submitted_on: dt.date | None
    screening_on: dt.date | None
    review_on: dt.date | None
    registered_on: dt.date | None
    rejected_on: dt.date | None
    ended_on: dt.date | None
    reviews: pd.DataFrame
    adoptions: pd.DataFrame
    testbeds: pd.DataFrame


def technology_detail(*, session: Session, tech_id: int) -> TechnologyDetail | None:
    """One technology with its owner, lifecycle dates, the meetings that reviewed it, its
    adoptions and testbeds; None when there is no technology ``tech_id``."""
    t = Technology
    record = listing.one_row(
        session,
        select(
            t.id,
            t.reg_no,
            t.title_ko,
            t.title_en,
            t.summary,
            Organization.name_ko.label("owner_ko"),
            Organization.name_en.label("owner_en"),
            Organization.kind.label("owner_kind"),
            Organization.region.label("owner_region"),
            t.is_local,
            t.field,
            t.growth_sector,
            t.certification,
            t.status,
            t.submitted_on,
            t.screening_on,
            t.review_on,
            t.registered_on,
            t.rejected_on,
            t.ended_on,
        )
        .join(Organization, Organization.id == t.owner_org_id)
        .where(t.id == tech_id),
    )
    if record is None:
        return None
    return TechnologyDetail(
        **record,
        reviews=listing.related(
            session,
            select(
                Meeting.code,
                Meeting.kind,
                Meeting.held_on,
                AgendaItem.decision,
                AgendaItem.decision_reason,
            )
            .join(Meeting, Meeting.id == AgendaItem.meeting_id)
            .where(AgendaItem.technology_id == tech_id)
            .order_by(Meeting.scheduled_on, Meeting.id),
        ),
        adoptions=listing.related(
            session,
            select(
                Adoption.id,
                Adoption.project_name,
                Adoption.department,
                Adoption.year,
                Adoption.status,
                Adoption.approved_on,
            )
            .where(Adoption.technology_id == tech_id)
            .order_by(Adoption.proposed_on, Adoption.id),
        ),
        testbeds=listing.related(
            session,
            select(
                Testbed.site,
                Testbed.status,
                Testbed.applied_on,
                Testbed.selected_on,
                Testbed.completed_on,
                Testbed.certification,
            )
            .where(Testbed.technology_id == tech_id)
            .order_by(Testbed.applied_on, Testbed.id),
        ),
    )
