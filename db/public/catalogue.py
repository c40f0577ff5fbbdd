"""The public catalogue: registered technologies, searched, filtered and paged in SQL, one
technology by its registration number, and the whole list for the open-data files.

Published are the technologies that reached registration (status registered, expired or
withdrawn, with a registration date); submissions, screenings, reviews and rejections are
not. Of a technology only the columns below are read; of its adoptions only the approved
ones, with project and year (not the department, budget, justification or decision notes).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Final

import pandas as pd
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from db import listing
from db.models import Adoption, Organization, Technology

PUBLISHED_STATUSES: Final = ("registered", "expired", "withdrawn")
"""Statuses of a technology the public sees (its status shows whether it is still valid)."""

CATALOGUE_COLUMNS: Final = (
    "id",  # the row's key, to open it from the table (not in the files)
    "reg_no",
    "title_ko",
    "title_en",
    "owner_ko",
    "owner_en",
    "field",
    "growth_sector",
    "certification",
    "registered_on",
    "status",
    "ended_on",
    "adoptions",
)
"""The columns of a catalogue page: every one of them is published."""

EXPORT_COLUMNS: Final = (*CATALOGUE_COLUMNS[1:-1], "adoptions")
"""The columns of the open-data catalogue (``adoptions``: "project (year)" joined by "; ")."""

TECHNOLOGY_FIELDS: Final = CATALOGUE_COLUMNS[1:-1]
"""The fields of one technology's public page (besides its adoptions)."""

ADOPTION_COLUMNS: Final = ("project_name", "year")
"""The columns of a technology's public adoptions."""

YEAR_CODE_LENGTH = 4


@dataclass(frozen=True)
class CatalogueFilters:
    """Which published technologies to list; ``None`` (or empty search) means all.

    ``year``: the year of registration, as the four digits the link carries.

    :raise ValueError: a code that cannot be one, a year that is not four digits, search text
        longer than ``listing.SEARCH_MAX_CHARS``.
    """

    TERMS: ClassVar[Mapping[str, str]] = {"field": "fields", "sector": "sectors"}

    q: str = ""  # registration number, title (ko/en), owner's name (ko/en)
    field: str | None = None
    sector: str | None = None
    year: str | None = None

    def __post_init__(self) -> None:
        listing.check_term_shapes(self)
        listing.check_search(self.q)
        if self.year is not None and not (
            len(self.year) == YEAR_CODE_LENGTH and self.year.isascii() and self.year.isdigit()
        ):
            raise ValueError(f"bad year {self.year!r}")

    def conditions(self, *, in_order: bool = False) -> list[ColumnElement[bool]]:
        """WHERE conditions; ``in_order``: for a page read in the order of its sort key
        (see :func:`published`)."""
        t = Technology
        out: list[ColumnElement[bool]] = [published(in_order=in_order)]
        if self.field is not None:
            out.append(t.field == self.field)
        if self.sector is not None:
            out.append(t.growth_sector == self.sector)
        if self.year is not None:
            year = int(self.year)
            out.append(t.registered_on >= dt.date(year, 1, 1))
            out.append(t.registered_on <= dt.date(year, 12, 31))
        if self.q.strip():
            out.append(
                listing.contains_any(
                    self.q,
                    [t.reg_no, t.title_ko, t.title_en, Organization.name_ko, Organization.name_en],
                )
            )
        return out


def published(*, in_order: bool = False) -> ColumnElement[bool]:
    """The condition every public read of technologies carries.

    ``in_order``: the same rows (``status`` is never NULL), written so that the planner does
    not pick the status index: a page is then read in its order from the index of its sort
    key (``ix_technologies_registered_on``, the unique ``reg_no``) and stops after the page,
    as the technologies register's is, instead of sorting every published technology (scale
    100 on SQLite: the first page ~1.1 s -> ~18 ms). Counts keep the status index
    (covering)."""
    status = func.coalesce(Technology.status, "") if in_order else Technology.status
    return status.in_(PUBLISHED_STATUSES) & Technology.registered_on.is_not(None)


def approved_adoption() -> ColumnElement[bool]:
    return Adoption.status == "approved"


SORTS: Final[dict[str, tuple[Any, ...]]] = {
    "registered_desc": (Technology.registered_on.desc(), Technology.id.desc()),
    "registered_asc": (Technology.registered_on.asc(), Technology.id.asc()),
    "reg_no_asc": (Technology.reg_no.asc(), Technology.id.asc()),
}
DEFAULT_SORT: Final = "registered_desc"


def _published_select(*more: Any) -> listing.AnySelect:
    """The published columns of a technology (with its row id) and ``more``, its owner
    joined: the one list of what the public reads of a technology."""
    t = Technology
    return select(
        t.id,
        t.reg_no,
        t.title_ko,
        t.title_en,
        Organization.name_ko.label("owner_ko"),
        Organization.name_en.label("owner_en"),
        t.field,
        t.growth_sector,
        t.certification,
        t.registered_on,
        t.status,
        t.ended_on,
        *more,
    ).join(Organization, Organization.id == t.owner_org_id)


def _query(filters: CatalogueFilters, sort: str) -> listing.AnySelect:
    """The published columns of the matching technologies, in ``sort`` order."""
    listing.check_sort(sort, SORTS)
    return _published_select().where(*filters.conditions(in_order=True)).order_by(*SORTS[sort])


def _adoption_counts(session: Session, ids: list[int]) -> dict[int, int]:
    """How many approved adoptions each of ``ids`` (one page) has, from
    ``ix_adoptions_technology_status``: counted for the page's rows only, not for every
    match before the page is cut."""
    if not ids:
        return {}
    rows = session.execute(
        select(Adoption.technology_id, func.count())
        .where(Adoption.technology_id.in_(ids), approved_adoption())
        .group_by(Adoption.technology_id)
    ).all()
    return {int(tech_id): int(n) for tech_id, n in rows}


def catalogue_page(
    *,
    session: Session,
    filters: CatalogueFilters,
    offset: int,
    limit: int,
    sort: str = DEFAULT_SORT,
) -> tuple[pd.DataFrame, int]:
    """One page of the published technologies matching ``filters`` and how many match.

    Columns: :data:`CATALOGUE_COLUMNS` (``adoptions``: how many approved adoptions).

    :raise ValueError: a bad window or sort order, a code that is not the city's.
    """
    listing.check_window(offset, limit)
    listing.check_terms(session, filters)
    total = catalogue_count(session=session, filters=filters)
    df, total = listing.fetch(
        session, _query(filters, sort), offset=offset, limit=limit, total=total
    )
    counts = _adoption_counts(session, [int(i) for i in df["id"]])
    df["adoptions"] = pd.Series([counts.get(int(i), 0) for i in df["id"]], dtype="int64")
    return df, total


def catalogue_count(*, session: Session, filters: CatalogueFilters) -> int:
    """How many published technologies match ``filters``: counted on ``technologies`` alone
    (from its status index) unless the search reads the owner's name; every technology has
    exactly one owner, so the join changes no count."""
    query = select(func.count()).select_from(Technology)
    if filters.q.strip():
        query = query.join(Organization, Organization.id == Technology.owner_org_id)
    return int(session.execute(query.where(*filters.conditions())).scalar_one())


def catalogue_export(
    *, session: Session, filters: CatalogueFilters, sort: str = DEFAULT_SORT
) -> tuple[pd.DataFrame, int]:
    """Every published technology matching ``filters`` (at most ``listing.EXPORT_LIMIT``) and
    how many match; columns :data:`EXPORT_COLUMNS`, the adoptions as "project (year)"
    joined by "; " (the approved ones, oldest first)."""
    listing.check_terms(session, filters)
    total = catalogue_count(session=session, filters=filters)
    df, total = listing.fetch(
        session, _query(filters, sort), offset=0, limit=listing.EXPORT_LIMIT, total=total
    )
    ids = [int(i) for i in df["id"]]
    projects: dict[int, list[str]] = {}
    if ids:
        rows = session.execute(
            select(Adoption.technology_id, Adoption.project_name, Adoption.year)
            .join(Technology, Technology.id == Adoption.technology_id)
            .join(Organization, Organization.id == Technology.owner_org_id)
            .where(approved_adoption(), *filters.conditions())
            .order_by(Adoption.technology_id, Adoption.year, Adoption.id)
        ).all()
        for tech_id, project, year in rows:
            projects.setdefault(int(tech_id), []).append(f"{project} ({year})")
    out = df.drop(columns=["id"])
    out["adoptions"] = ["; ".join(projects.get(i, [])) for i in ids]
    return out[list(EXPORT_COLUMNS)], total


def catalogue_years(*, session: Session) -> tuple[int, ...]:
    """The years in which published technologies were registered, newest first."""
    first, last = session.execute(
        select(func.min(Technology.registered_on), func.max(Technology.registered_on)).where(
            published()
        )
    ).one()
    if first is None or last is None:
        return ()
    return tuple(range(last.year, first.year - 1, -1))


@dataclass(frozen=True, kw_only=True)
class PublicTechnology(listing.Detail):
    """One published technology as its public page shows it; ``adoptions``: the approved
    adoptions into city projects (:data:`ADOPTION_COLUMNS`), oldest first."""

    reg_no: str
    title_ko: str
    title_en: str | None
    owner_ko: str
    owner_en: str | None
    field: str
    growth_sector: str
    certification: str
    registered_on: dt.date
    status: str
    ended_on: dt.date | None
    adoptions: pd.DataFrame


def public_technology(*, session: Session, reg_no: str) -> PublicTechnology | None:
    """The published technology with registration number ``reg_no``; None when there is
    none, or it was never registered (a submission, one under review, a rejection: the
    same answer, so the public cannot tell them apart)."""
    t = Technology
    if not reg_no or len(reg_no) > t.reg_no.type.length:
        return None
    record = listing.one_row(session, _published_select().where(t.reg_no == reg_no, published()))
    if record is None:
        return None
    tech_id = record.pop("id")
    adoptions = listing.related(
        session,
        select(Adoption.project_name, Adoption.year)
        .where(Adoption.technology_id == tech_id, approved_adoption())
        .order_by(Adoption.year, Adoption.id),
    )
    return PublicTechnology(**record, adoptions=adoptions)


def reg_no_of(*, session: Session, tech_id: int) -> str | None:
    """The registration number of the published technology ``tech_id`` (a row of the
    catalogue), None when it is not published."""
    return session.execute(
        select(Technology.reg_no).where(Technology.id == tech_id, published())
    ).scalar_one_or_none()
