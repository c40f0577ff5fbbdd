"""A publication against today's recomputation, and the records that changed its figures.

:func:`compare` recomputes the figures for the publication's date and filters and pairs each
with the published value. When a figure differs, the records behind it are found in the
audit trail: events recorded after the publication's own event (the chain's order, the same
on every database) on the kind of record the figure counts, whose record is dated on or
before the as-of date (registered, held, approved, selected, received, planned): back-dated
imports, corrections and historical migrations; and the corrections that moved a record's
date from on or before the as-of date to after it (the event's ``before`` holds the old
date), which take a record out of a figure. Each is named as the audit trail names it
(a technology's registration number, a meeting's code), with who and when.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, cast, select
from sqlalchemy.orm import Session

from db import policy
from db.audit.describe import actor_names, record_names
from db.kpi.headline import TechFilter
from db.models import (
    Adoption,
    Agreement,
    AuditEvent,
    Expert,
    Inquiry,
    Meeting,
    Technology,
    Testbed,
)
from db.policy import PUBLICATION_READERS, Actor
from db.publications.frozen import FIGURE_ENTITIES, FIGURE_KEYS, Publication
from db.publications.publish import compute

CHANGED_MAX = 500  # records listed per kind (a publication is compared a page at a time)

# The kind of record each figure counts, and the date that puts a record in the figure.
_DATED: dict[str, tuple[Any, Any]] = {
    "expert": (Expert, Expert.registered_on),
    "technology": (Technology, Technology.registered_on),
    "meeting": (Meeting, Meeting.held_on),
    "adoption": (Adoption, Adoption.approved_on),
    "testbed": (Testbed, Testbed.selected_on),
    "inquiry": (Inquiry, Inquiry.received_on),
    "agreement": (Agreement, Agreement.planned_on),
}


@dataclass(frozen=True)
class FigureRow:
    """One figure (``experts``, ``experts.public``...): as published and as recomputed."""

    key: str
    published: int
    now: int

    @property
    def differs(self) -> bool:
        return self.published != self.now

    @property
    def headline(self) -> bool:
        """A headline figure (not one of its splits)."""
        return "." not in self.key


@dataclass(frozen=True)
class ChangedRecord:
    """An audited change, after the publication, to a record its figures count."""

    event_id: int
    occurred_at: dt.datetime
    actor: str
    action: str
    entity: str
    entity_id: str
    number: str
    detail_ko: str
    detail_en: str
    reason: str
    figure: str  # the headline figure (a FIGURE_KEYS key) that counts the record


@dataclass(frozen=True)
class Comparison:
    publication: Publication
    rows: list[FigureRow]
    changed: list[ChangedRecord]

    @property
    def differing(self) -> list[FigureRow]:
        return [r for r in self.rows if r.differs]

    @property
    def differs(self) -> bool:
        return bool(self.differing)

    @property
    def intact(self) -> bool:
        return self.publication.intact


def _order(key: str) -> tuple[int, str]:
    head = key.split(".", 1)[0]
    return (FIGURE_KEYS.index(head) if head in FIGURE_KEYS else len(FIGURE_KEYS), key)


def compare(*, session: Session, actor: Actor, publication: Publication) -> Comparison:
    """The publication's figures against the same figures recomputed now, and the records
    changed since that account for a difference.

    :raise PermissionDenied: the actor may not read publications.
    """
    policy.require_role(actor, PUBLICATION_READERS, "publication.compare", "publication")
    now = compute(session=session, as_of=publication.as_of, tech=publication.tech)
    keys = sorted(set(publication.figures) | set(now), key=_order)
    rows = [FigureRow(k, publication.figures.get(k, 0), now.get(k, 0)) for k in keys]
    figures = []
    for row in rows:
        head = row.key.split(".", 1)[0]
        if row.differs and head in FIGURE_ENTITIES and head not in figures:
            figures.append(head)
    changed = changed_records(session, publication, figures) if figures else []
    return Comparison(publication, rows, changed)


def _after_event(session: Session, publication: Publication) -> Any:
    """The condition "recorded after the publication": after its own audit event, or after
    its time when that event cannot be found."""
    own = session.execute(
        select(AuditEvent.id)
        .where(
            AuditEvent.entity == "publication",
            AuditEvent.entity_id == str(publication.id),
            AuditEvent.action == "publication.publish",
        )
        .order_by(AuditEvent.id)
        .limit(1)
    ).scalar_one_or_none()
    if own is not None:
        return AuditEvent.id > own
    return AuditEvent.occurred_at > publication.published_at


def _dated_ids(entity: str, as_of: dt.date, tech: TechFilter) -> Any:
    """The ids (as the audit trail's text) of the records of ``entity`` dated on or before
    ``as_of`` (technologies and adoptions narrowed by the publication's filters)."""
    model, day = _DATED[entity]
    query = select(cast(model.id, String)).where(day <= as_of)
    if entity == "technology":
        query = query.where(*tech.conditions())
    elif entity == "adoption" and tech.conditions():
        query = query.join(Technology, Technology.id == Adoption.technology_id).where(
            *tech.conditions()
        )
    return query


def _moved_out(session: Session, after: Any, entity: str, as_of: dt.date) -> list[AuditEvent]:
    """Corrections after the publication whose old date (the event's ``before``) was on or
    before ``as_of``: the record counted then, and may not now."""
    column = _DATED[entity][1].key
    candidates = session.execute(
        select(AuditEvent)
        .where(
            after,
            AuditEvent.entity == entity,
            AuditEvent.before.like('%"' + column + '":"%'),
        )
        .order_by(AuditEvent.id)
        .limit(CHANGED_MAX)
    ).scalars()
    out = []
    for e in candidates:
        try:
            day = dt.date.fromisoformat(str(json.loads(e.before or "{}")[column])[:10])
        except (ValueError, KeyError, TypeError):
            continue
        if day <= as_of:
            out.append(e)
    return out


def changed_records(
    session: Session, publication: Publication, figures: list[str]
) -> list[ChangedRecord]:
    """The audited changes after ``publication`` to the records ``figures`` count (each
    figure's kind of record, dated on or before the as-of date), oldest first."""
    after = _after_event(session, publication)
    events: list[tuple[str, AuditEvent]] = []
    for figure in figures:
        entity = FIGURE_ENTITIES[figure]
        found = list(
            session.execute(
                select(AuditEvent)
                .where(
                    after,
                    AuditEvent.entity == entity,
                    AuditEvent.entity_id.in_(
                        _dated_ids(entity, publication.as_of, publication.tech)
                    ),
                )
                .order_by(AuditEvent.id)
                .limit(CHANGED_MAX)
            ).scalars()
        )
        seen = {e.id for e in found}
        found += [
            e for e in _moved_out(session, after, entity, publication.as_of) if e.id not in seen
        ]
        events += [(figure, e) for e in found]
    events.sort(key=lambda fe: fe[1].id)
    names = record_names(session, ((e.entity, e.entity_id) for _, e in events))
    actors = actor_names(session, (e.actor_id for _, e in events))
    out = []
    for figure, e in events:
        name = names.get((e.entity, str(e.entity_id)))
        who = actors.get(e.actor_id) if e.actor_id is not None else None
        occurred = e.occurred_at if e.occurred_at.tzinfo else e.occurred_at.replace(tzinfo=dt.UTC)
        out.append(
            ChangedRecord(
                event_id=e.id,
                occurred_at=occurred,
                actor=(who.display_name if who and who.display_name else e.actor_name),
                action=e.action,
                entity=e.entity,
                entity_id=str(e.entity_id),
                number=name.number if name else str(e.entity_id),
                detail_ko=name.detail_ko if name else "",
                detail_en=name.detail_en if name else "",
                reason=e.reason or "",
                figure=figure,
            )
        )
    return out
