"""The expert pool register; personal data (phone, e-mail) only for staff and auditors.

``as_of`` keeps the experts *in the pool* on that date (registered on or before, not yet
retired), exactly the definition of the overview's "experts registered" figure. Whether
the phone and e-mail columns exist at all is decided here from the acting user's roles,
so no page can show them to the mayor's office by mistake.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Final

import pandas as pd
from sqlalchemy import ColumnElement, exists, func, or_, select
from sqlalchemy.orm import Session

from db import domain, listing
from db.city.store import positions
from db.listing import AnySelect
from db.models import Expert, ExpertField, Meeting, Organization, PanelSeat
from db.policy import Actor, may_see_personal_data

PERSONAL_COLUMNS: Final = ("phone", "email")


@dataclass(frozen=True)
class ExpertFilters:
    """Which experts to list; ``None`` (or empty search) means no restriction.

    :raise ValueError: an unknown code, a period that ends before it starts, search text
        longer than ``listing.SEARCH_MAX_CHARS``.
    """

    TERMS: ClassVar[Mapping[str, str]] = {"field": "fields"}

    as_of: dt.date | None = None  # in the pool on that date
    joined_from: dt.date | None = None  # registered in the pool on or after
    joined_to: dt.date | None = None  # registered in the pool on or before
    affiliation: str | None = None
    field: str | None = None
    q: str = ""  # name (ko/en), organisation (ko/en); e-mail for those who may see it

    def __post_init__(self) -> None:
        listing.check_code("affiliation", self.affiliation, domain.AFFILIATIONS)
        listing.check_term_shapes(self)
        listing.check_period(self.joined_from, self.joined_to)
        listing.check_search(self.q)

    def conditions(self, *, personal: bool) -> list[ColumnElement[bool]]:
        e = Expert
        out: list[ColumnElement[bool]] = []
        if self.as_of is not None:
            out.append(e.registered_on <= self.as_of)
            out.append(or_(e.retired_on.is_(None), e.retired_on > self.as_of))
        if self.joined_from is not None:
            out.append(e.registered_on >= self.joined_from)
        if self.joined_to is not None:
            out.append(e.registered_on <= self.joined_to)
        if self.affiliation is not None:
            out.append(e.affiliation == self.affiliation)
        if self.field is not None:
            out.append(
                exists().where(ExpertField.expert_id == e.id, ExpertField.field == self.field)
            )
        if self.q.strip():
            columns: list[Any] = [e.name, e.name_en, Organization.name_ko, Organization.name_en]
            if personal:
                columns.append(e.email)
            out.append(listing.contains_any(self.q, columns))
        return out


SORTS: Final[dict[str, tuple[Any, ...]]] = {
    "registered_desc": (Expert.registered_on.desc(), Expert.id.desc()),
    "registered_asc": (Expert.registered_on.asc(), Expert.id.asc()),
    "name_asc": (Expert.name.asc(), Expert.id.asc()),
}
DEFAULT_SORT: Final = "registered_desc"


def _query(filters: ExpertFilters, sort: str, *, personal: bool) -> AnySelect:
    listing.check_sort(sort, SORTS)
    e = Expert
    columns: list[Any] = [
        e.id,
        e.name,
        e.name_en,
        Organization.name_ko.label("organization_ko"),
        Organization.name_en.label("organization_en"),
        e.affiliation,
        e.position,
        e.registered_on,
        e.retired_on,
    ]
    if personal:
        columns += [e.phone, e.email]
    return (
        select(*columns)
        .join(Organization, Organization.id == e.organization_id)
        .where(*filters.conditions(personal=personal))
        .order_by(*SORTS[sort])
    )


def _with_fields(session: Session, df: pd.DataFrame, ids: Any) -> pd.DataFrame:
    """Add a ``fields`` column (list of field codes, in the city's order)."""
    order = positions(session, "fields")
    found: dict[int, list[str]] = defaultdict(list)
    if not df.empty:
        rows = session.execute(
            select(ExpertField.expert_id, ExpertField.field).where(ExpertField.expert_id.in_(ids))
        ).all()
        for expert_id, field in rows:
            found[int(expert_id)].append(field)
    out = df.copy()
    position = list(out.columns).index("position") + 1
    out.insert(
        position,
        "fields",
        [sorted(found.get(int(i), []), key=order.__getitem__) for i in out["id"]],
    )
    return out


def experts_count(*, session: Session, filters: ExpertFilters, personal: bool) -> int:
    """How many experts match ``filters`` (the total of :func:`experts_page` for a reader
    who may, ``personal``, or may not see personal data: the search then also looks at
    e-mail addresses). Only a number: no personal data leaves this function. Counted on
    ``experts`` alone unless the search needs the organisation (a non-null foreign key)."""
    listing.check_terms(session, filters)
    query = select(func.count()).select_from(Expert)
    if filters.q.strip():
        query = query.join(Organization, Organization.id == Expert.organization_id)
    return int(session.execute(query.where(*filters.conditions(personal=personal))).scalar_one())


def experts_page(
    *,
    session: Session,
    actor: Actor,
    filters: ExpertFilters,
    offset: int,
    limit: int,
    sort: str = DEFAULT_SORT,
    total: int | None = None,
) -> tuple[pd.DataFrame, int]:
    """One page of the experts matching ``filters`` and how many match in all.

    Columns: id, name, name_en, organization_ko, organization_en, affiliation, position,
    fields (list of codes), registered_on, retired_on, and ``phone``, ``email`` only when
    :func:`may_see_personal_data` holds for ``actor``.

    ``total``: the count when the caller has it already (:func:`experts_count`).

    :raise ValueError: a bad window (see ``listing.check_window``) or sort order, a code
        that is not the city's.
    """
    listing.check_window(offset, limit)
    listing.check_terms(session, filters)
    personal = may_see_personal_data(actor)
    df, total = listing.fetch(
        session, _query(filters, sort, personal=personal), offset=offset, limit=limit, total=total
    )
    return _with_fields(session, df, [int(i) for i in df["id"]]), total


def experts_export(
    *, session: Session, actor: Actor, filters: ExpertFilters, sort: str = DEFAULT_SORT
) -> tuple[pd.DataFrame, int]:
    """Every expert matching ``filters`` (at most ``listing.EXPORT_LIMIT``) and how many
    match in all; the columns of :func:`experts_page` (personal data by the same rule)."""
    listing.check_terms(session, filters)
    personal = may_see_personal_data(actor)
    query = _query(filters, sort, personal=personal)
    df, total = listing.fetch(session, query, offset=0, limit=listing.EXPORT_LIMIT)
    ids = query.with_only_columns(Expert.id).order_by(None).scalar_subquery()
    return _with_fields(session, df, ids), total


PERSONAL_FIELDS: Final = frozenset({"phone", "email"})


@dataclass(frozen=True, kw_only=True)
class ExpertDetail(listing.Detail):
    """One expert with their organisation and technical fields (``fields``: codes in the
    vocabulary's order); ``phone`` and ``email`` are None and withheld for a reader who
    may not see personal data; related list ``panels`` (code, kind, held_on, method,
    is_chair, attended, recused)."""

    id: int
    name: str
    name_en: str | None
    organization_ko: str
    organization_en: str | None
    organization_kind: str
    organization_region: str | None
    affiliation: str
    position: str | None
    registered_on: dt.date
    retired_on: dt.date | None
    phone: str | None = None
    email: str | None = None
    fields: tuple[str, ...]
    panels: pd.DataFrame


def expert_detail(*, session: Session, actor: Actor, expert_id: int) -> ExpertDetail | None:
    """One expert with organisation, fields and the panels they sat on; ``phone`` and
    ``email`` only for those who may see personal data (:data:`PERSONAL_FIELDS` withheld
    otherwise). None when there is no such expert."""
    personal = may_see_personal_data(actor)
    e = Expert
    columns: list[Any] = [
        e.id,
        e.name,
        e.name_en,
        Organization.name_ko.label("organization_ko"),
        Organization.name_en.label("organization_en"),
        Organization.kind.label("organization_kind"),
        Organization.region.label("organization_region"),
        e.affiliation,
        e.position,
        e.registered_on,
        e.retired_on,
    ]
    if personal:
        columns += [e.phone, e.email]
    record = listing.one_row(
        session,
        select(*columns)
        .join(Organization, Organization.id == e.organization_id)
        .where(e.id == expert_id),
    )
    if record is None:
        return None
    order = positions(session, "fields")
    codes = session.execute(
        select(ExpertField.field).where(ExpertField.expert_id == expert_id)
    ).scalars()
    return ExpertDetail(
        **record,
        withheld=frozenset() if personal else PERSONAL_FIELDS,
        fields=tuple(sorted(codes, key=lambda c: order.get(c, len(order)))),
        panels=listing.related(
            session,
            select(
                Meeting.code,
                Meeting.kind,
                Meeting.held_on,
                PanelSeat.method,
                PanelSeat.is_chair,
                PanelSeat.attended,
                PanelSeat.recused,
            )
            .join(Meeting, Meeting.id == PanelSeat.meeting_id)
            .where(PanelSeat.expert_id == expert_id)
            .order_by(Meeting.scheduled_on, Meeting.id),
        ),
    )
