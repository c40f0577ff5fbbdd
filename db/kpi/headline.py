"""Headline figures of the platform as they stood on a date, computed in SQL.

Definitions (the ones the published figures of 2019-08-08 are counted by):

- *experts registered*: in the pool on ``as_of`` (registered on or before, not yet retired);
- *technologies registered*: registered on or before ``as_of`` (cumulative; a later expiry
  does not un-register a technology from the count of registrations);
- *meetings held*: held on or before ``as_of``;
- *technologies adopted*: distinct technologies with an adoption approved on or before;
- *testbeds*: technologies selected into the testbed program on or before, by their stage
  on that date;
- *inquiries*: received on or before; *agreements*: planned on or before, by status then.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.orm import Session

from db import listing
from db.models import Adoption, Agreement, Expert, Inquiry, Meeting, Technology, Testbed


@dataclass(frozen=True)
class TechFilter:
    """Narrows the technology-based figures (registered, adopted) of the overview.

    ``None`` means "all". ``local`` True keeps local technologies only, False external only.
    The figures that take it check its codes against the city's vocabularies
    (:func:`db.listing.check_terms`: ``ValueError``).
    """

    TERMS: ClassVar[Mapping[str, str]] = {"field": "fields", "sector": "sectors"}

    sector: str | None = None
    field: str | None = None
    local: bool | None = None

    def __post_init__(self) -> None:
        listing.check_term_shapes(self)

    def conditions(self) -> list[ColumnElement[bool]]:
        """WHERE conditions on :class:`Technology` for this filter."""
        out: list[ColumnElement[bool]] = []
        if self.sector is not None:
            out.append(Technology.growth_sector == self.sector)
        if self.field is not None:
            out.append(Technology.field == self.field)
        if self.local is not None:
            out.append(Technology.is_local.is_(self.local))
        return out


ALL_TECHNOLOGIES = TechFilter()


@dataclass(frozen=True)
class Headline:
    as_of: dt.date
    experts: int
    experts_by_affiliation: dict[str, int]
    technologies: int
    technologies_local: int
    meetings: int
    adopted: int
    testbeds: int
    testbeds_by_stage: dict[str, int]
    inquiries: int
    agreements: int
    agreements_by_status: dict[str, int] = field(default_factory=dict)


def experts_by_affiliation(*, session: Session, as_of: dt.date) -> dict[str, int]:
    """Experts in the pool on ``as_of``, by affiliation category."""
    rows = session.execute(
        select(Expert.affiliation, func.count())
        .where(
            Expert.registered_on <= as_of,
            or_(Expert.retired_on.is_(None), Expert.retired_on > as_of),
        )
        .group_by(Expert.affiliation)
    ).all()
    return {aff: int(n) for aff, n in rows}


def technologies_registered(
    *, session: Session, as_of: dt.date, tech: TechFilter = ALL_TECHNOLOGIES
) -> tuple[int, int]:
    """(all, local) technologies registered on or before ``as_of``."""
    listing.check_terms(session, tech)
    total, local = session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(case((Technology.is_local, 1), else_=0)), 0),
        ).where(Technology.registered_on <= as_of, *tech.conditions())
    ).one()
    return int(total), int(local)


def meetings_held(*, session: Session, as_of: dt.date) -> int:
    """Deliberation meetings held on or before ``as_of``."""
    return int(session.execute(select(func.count()).where(Meeting.held_on <= as_of)).scalar_one())


def technologies_adopted(
    *, session: Session, as_of: dt.date, tech: TechFilter = ALL_TECHNOLOGIES
) -> int:
    """Distinct technologies with an adoption approved on or before ``as_of``."""
    listing.check_terms(session, tech)
    query = select(func.count(func.distinct(Adoption.technology_id))).where(
        Adoption.status == "approved", Adoption.approved_on <= as_of
    )
    if tech.conditions():
        query = query.join(Technology, Technology.id == Adoption.technology_id).where(
            *tech.conditions()
        )
    return int(session.execute(query).scalar_one())


def testbeds_by_stage(*, session: Session, as_of: dt.date) -> dict[str, int]:
    """Testbeds selected on or before ``as_of``, by the stage they had reached then."""
    stage = case(
        (Testbed.certified_on <= as_of, "certified"),
        (Testbed.completed_on <= as_of, "completed"),
        (Testbed.started_on <= as_of, "in_progress"),
        else_="selected",
    )
    rows = session.execute(
        select(stage.label("stage"), func.count())
        .where(Testbed.selected_on <= as_of)
        .group_by(stage)
    ).all()
    return {s: int(n) for s, n in rows}


def inquiries_received(*, session: Session, as_of: dt.date) -> int:
    return int(
        session.execute(select(func.count()).where(Inquiry.received_on <= as_of)).scalar_one()
    )


def agreements_by_status(*, session: Session, as_of: dt.date) -> dict[str, int]:
    """Agreements planned on or before ``as_of``, by their status on that date."""
    status = case(
        (and_(Agreement.ends_on.is_not(None), Agreement.ends_on < as_of), "expired"),
        (Agreement.starts_on <= as_of, "active"),
        (Agreement.signed_on <= as_of, "signed"),
        else_="planned",
    )
    rows = session.execute(
        select(status.label("status"), func.count())
        .where(Agreement.planned_on <= as_of)
        .group_by(status)
    ).all()
    return {s: int(n) for s, n in rows}


def headline(*, session: Session, as_of: dt.date, tech: TechFilter = ALL_TECHNOLOGIES) -> Headline:
    """Every headline figure as it stood on ``as_of``; ``tech`` narrows the technology
    figures (registered, adopted) only."""
    by_aff = experts_by_affiliation(session=session, as_of=as_of)
    techs, local = technologies_registered(session=session, as_of=as_of, tech=tech)
    stages = testbeds_by_stage(session=session, as_of=as_of)
    agreements = agreements_by_status(session=session, as_of=as_of)
    return Headline(
        as_of=as_of,
        experts=sum(by_aff.values()),
        experts_by_affiliation=by_aff,
        technologies=techs,
        technologies_local=local,
        meetings=meetings_held(session=session, as_of=as_of),
        adopted=technologies_adopted(session=session, as_of=as_of, tech=tech),
        testbeds=sum(stages.values()),
        testbeds_by_stage=stages,
        inquiries=inquiries_received(session=session, as_of=as_of),
        agreements=sum(agreements.values()),
        agreements_by_status=agreements,
    )


NON_DATA_ACTIONS = (
    "signin.success",
    "signin.failure",
    "signin.session",
    "signout",
    "permission.denied",
)


def last_changed(*, session: Session) -> dt.datetime | None:
    """When the data last changed: the newest audit event that changed records (sign-ins,
    sign-outs and refusals change no figure and are left out); None when there is none."""
    from db.models import AuditEvent

    ts = session.execute(
        select(AuditEvent.occurred_at)
        .where(AuditEvent.action.not_in(NON_DATA_ACTIONS))
        .order_by(AuditEvent.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    if ts is not None and ts.tzinfo is None:
        ts = ts.replace(tzinfo=dt.UTC)
    return ts
