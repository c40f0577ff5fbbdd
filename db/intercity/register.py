"""The inquiries register: other governments and bodies asking about the platform.

``as_of`` keeps the inquiries *received on or before* that date, the definition of the
overview's "inter-city inquiries" figure; with it, the status filter means the status on
that date (column ``status_then``, from the answer, visit and benchmarking dates).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Final

import pandas as pd
from sqlalchemy import ColumnElement, case, select
from sqlalchemy.orm import Session

from db import domain, listing
from db.listing import AnySelect
from db.models import Inquiry, InquiryFollowup, Organization


@dataclass(frozen=True)
class InquiryFilters:
    """Which inquiries to list; ``None`` (or empty search) means no restriction.

    :raise ValueError: an unknown code, a period that ends before it starts, search text
        longer than ``listing.SEARCH_MAX_CHARS``.
    """

    TERMS: ClassVar[Mapping[str, str]] = {"org_kind": "organisation_kinds"}

    as_of: dt.date | None = None  # received on or before
    received_from: dt.date | None = None
    received_to: dt.date | None = None
    org_kind: str | None = None
    region: str | None = None  # of the asking body (foreign bodies have none)
    status: str | None = None  # on ``as_of`` when it is set, else the current status
    channel: str | None = None
    q: str = ""  # topic, body's name (ko/en), contact

    def __post_init__(self) -> None:
        listing.check_term_shapes(self)
        listing.check_code("region", self.region, domain.REGIONS)
        listing.check_code("status", self.status, domain.INQUIRY_STATUSES)
        listing.check_code("channel", self.channel, domain.INQUIRY_CHANNELS)
        listing.check_period(self.received_from, self.received_to)
        listing.check_search(self.q)

    def conditions(self) -> list[ColumnElement[bool]]:
        i, o = Inquiry, Organization
        out: list[ColumnElement[bool]] = []
        if self.as_of is not None:
            out.append(i.received_on <= self.as_of)
        if self.received_from is not None:
            out.append(i.received_on >= self.received_from)
        if self.received_to is not None:
            out.append(i.received_on <= self.received_to)
        if self.org_kind is not None:
            out.append(o.kind == self.org_kind)
        if self.region is not None:
            out.append(o.region == self.region)
        if self.status is not None:
            status = i.status if self.as_of is None else status_on(self.as_of)
            out.append(status == self.status)
        if self.channel is not None:
            out.append(i.channel == self.channel)
        if self.q.strip():
            out.append(
                listing.contains_any(self.q, [i.topic, i.contact_name, o.name_ko, o.name_en])
            )
        return out


def status_on(day: dt.date) -> ColumnElement[str]:
    """The status an inquiry had on ``day``, from its dates."""
    i = Inquiry
    return case(
        (i.benchmarked_on <= day, "benchmarked"),
        (i.visit_on <= day, "visit_held"),
        (i.answered_on <= day, "answered"),
        else_="received",
    )


SORTS: Final[dict[str, tuple[Any, ...]]] = {
    "received_desc": (Inquiry.received_on.desc(), Inquiry.id.desc()),
    "received_asc": (Inquiry.received_on.asc(), Inquiry.id.asc()),
}
DEFAULT_SORT: Final = "received_desc"


def _query(filters: InquiryFilters, sort: str) -> AnySelect:
    listing.check_sort(sort, SORTS)
    i, o = Inquiry, Organization
    columns: list[Any] = [
        i.id,
        i.received_on,
        o.name_ko.label("org_ko"),
        o.name_en.label("org_en"),
        o.kind.label("org_kind"),
        o.region,
        i.channel,
        i.topic,
        i.contact_name,
        i.status,
    ]
    if filters.as_of is not None:
        columns.append(status_on(filters.as_of).label("status_then"))
    columns += [i.answered_on, i.visit_on, i.benchmarked_on]
    return (
        select(*columns)
        .join(o, o.id == i.org_id)
        .where(*filters.conditions())
        .order_by(*SORTS[sort])
    )


def inquiries_page(
    *,
    session: Session,
    filters: InquiryFilters,
    offset: int,
    limit: int,
    sort: str = DEFAULT_SORT,
) -> tuple[pd.DataFrame, int]:
    """One page of the inquiries matching ``filters`` and how many match in all.

    Columns: id, received_on, org_ko, org_en, org_kind, region, channel, topic,
    contact_name, status, status_then (the status on ``as_of``, only when it is set),
    answered_on, visit_on, benchmarked_on.

    :raise ValueError: a bad window (see ``listing.check_window``) or sort order, a code
        that is not the city's.
    """
    listing.check_window(offset, limit)
    listing.check_terms(session, filters)
    return listing.fetch(session, _query(filters, sort), offset=offset, limit=limit)


def inquiries_export(
    *, session: Session, filters: InquiryFilters, sort: str = DEFAULT_SORT
) -> tuple[pd.DataFrame, int]:
    """Every inquiry matching ``filters`` (at most ``listing.EXPORT_LIMIT``) and how many
    match in all; the columns of :func:`inquiries_page`."""
    listing.check_terms(session, filters)
    return listing.fetch(session, _query(filters, sort), offset=0, limit=listing.EXPORT_LIMIT)


@dataclass(frozen=True, kw_only=True)
class InquiryDetail(listing.Detail):
    """One inquiry with the asking body and its step dates; related list ``followups``
    (followed_on, note)."""

    id: int
    received_on: dt.date
    org_ko: str
    org_en: str | None
    org_kind: str
    region: str | None
    country: str | None
    channel: str
    topic: str
    contact_name: str | None
    status: str
    answered_on: dt.date | None
    visit_on: dt.date | None
    benchmarked_on: dt.date | None
    note: str | None
    followups: pd.DataFrame


def inquiry_detail(*, session: Session, inquiry_id: int) -> InquiryDetail | None:
    """One inquiry with the asking body, its dates, note and follow-ups; None when there is
    no such inquiry."""
    i, o = Inquiry, Organization
    record = listing.one_row(
        session,
        select(
            i.id,
            i.received_on,
            o.name_ko.label("org_ko"),
            o.name_en.label("org_en"),
            o.kind.label("org_kind"),
            o.region,
            o.country,
            i.channel,
            i.topic,
            i.contact_name,
            i.status,
            i.answered_on,
            i.visit_on,
            i.benchmarked_on,
            i.note,
        )
        .join(o, o.id == i.org_id)
        .where(i.id == inquiry_id),
    )
    if record is None:
        return None
    return InquiryDetail(
        **record,
        followups=listing.related(
            session,
            select(InquiryFollowup.followed_on, InquiryFollowup.note)
            .where(InquiryFollowup.inquiry_id == inquiry_id)
            .order_by(InquiryFollowup.followed_on, InquiryFollowup.id),
        ),
    )
