"""Lost-edit protection, one mechanism for every edited record: technologies, testbeds,
adoptions, experts, inquiries and agreements; and what an edit form starts from.

Each of those rows has a ``version`` that every write to it increments. An edit form carries
the version its editor opened (:func:`edit_snapshot`, :func:`current_version`); the write

1. locks the row and checks the version (:func:`check_seen`), so an edit made on an old
   version is refused before anything is validated or written;
2. keeps only the fields that really change (:func:`changes_of`; none: "nothing changed");
3. writes them with a compare-and-set on that version, ``UPDATE ... WHERE id = :id AND
   version = :seen`` (:func:`save_edit`), increments it, and appends one ``<entity>.edit``
   audit event with the changed fields before and after.

If anyone saved the record in between, nothing is written and :class:`StaleEdit` names who
saved it last and when (in KST). Status steps that compare-and-set on the status the user saw
(an inquiry's step, an agreement link) lose with the same refusal (:func:`stale_edit`).

This module imports only the core (:mod:`db.recording`, :mod:`db.policy`), so every domain
can use it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.orm import Session

from db import clock, policy, recording
from db.city.store import positions
from db.errors import N_, Conflict, DomainError, ValidationFailed
from db.models import Adoption, Expert, ExpertField, ExpertTie, Technology, Testbed
from db.policy import STAFF, Actor

NOTHING_CHANGED = N_("Nothing was changed, so nothing was saved.")
VERSION_MISSING = N_("The form did not say which version of the record it edits; reload it.")
NOT_EDITABLE = N_(
    "This record's lifecycle has ended, so it can no longer be edited. Nothing was saved."
)


class StaleEdit(Conflict):
    """The record was saved by someone else after the editor opened it (its ``version``
    moved on, or the status the editor saw changed). Nothing is overwritten."""

    message = N_(
        "{by} saved this record at {at}, after you opened it. Nothing was saved: reload the "
        "record to see their changes, then make your edit again."
    )


def stale_edit(session: Session, entity: str, entity_id: int) -> StaleEdit:
    """The refusal of an edit made on an old version: who saved the record last, and when
    (its newest audit event that is not a refusal)."""
    ev = recording.last_change(session, entity, entity_id)
    if ev is None:  # pragma: no cover - every write leaves an event
        return StaleEdit(by="-", at="-")
    who = recording.display_name(session, ev.actor_id, ev.actor_name)
    return StaleEdit(by=who, at=clock.city_time_text(ev.occurred_at))


def check_version(version: Any, errors: dict[str, str]) -> int:
    """The version an edit form carries (the one its editor saw); a problem under
    ``version`` in ``errors`` (and 0) when it is not a positive integer."""
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        errors["version"] = VERSION_MISSING
        return 0
    return version


def check_seen(session: Session, row: Any, entity: str, version: Any) -> int:
    """``version`` (the one the editor opened) once it is known to be ``row``'s current one;
    ``row`` is locked by the caller (``with_for_update``).

    :raise ValidationFailed: ``version`` is missing or not a positive integer.
    :raise StaleEdit: the row has moved on since (names who saved it and when).
    """
    errors: dict[str, str] = {}
    seen = check_version(version, errors)
    if errors:
        raise ValidationFailed(errors)
    if row.version != seen:
        raise stale_edit(session, entity, row.id)
    return seen


def changes_of(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of ``after`` whose value differs from ``before``.

    :raise DomainError: nothing changed (:data:`NOTHING_CHANGED`).
    """
    changes = {k: v for k, v in after.items() if before[k] != v}
    if not changes:
        raise DomainError(NOTHING_CHANGED)
    return changes


def compare_and_set(
    session: Session,
    model: Any,
    entity: str,
    record_id: int,
    seen: int,
    values: Mapping[str, Any],
    *,
    where: Collection[ColumnElement[bool]] = (),
) -> int:
    """``UPDATE model SET values, version = seen + 1 WHERE id = record_id AND version = seen``
    (and ``where``: e.g. the status the user saw); return the new version.

    :raise StaleEdit: the row is no longer at ``seen`` (nothing written).
    """
    statement = (
        update(model)
        .where(model.id == record_id, model.version == seen, *where)
        .values(version=seen + 1, **values)
    )
    if not recording.compare_and_set(session, statement):  # pragma: no cover - row is locked
        raise stale_edit(session, entity, record_id)
    return seen + 1


def save_edit(
    session: Session,
    actor: Actor,
    model: Any,
    entity: str,
    record_id: int,
    seen: int,
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    *,
    reason: str | None = None,
    recorded_only: Collection[str] = (),
    where: Collection[ColumnElement[bool]] = (),
) -> int:
    """Write the fields of ``after`` that differ from ``before`` with a compare-and-set on
    version ``seen`` and append one ``<entity>.edit`` audit event (the changed fields before
    and after, ``reason`` as its reason); return the new version (``seen + 1``).

    The row's ``updated_at`` and ``updated_by_id`` are stamped where the model has them.
    ``recorded_only``: keys of ``after`` that the audit event records but that are not
    columns of the row (an expert's fields and ties, written by the caller). ``where``: more
    conditions of the compare-and-set (e.g. the status the editor saw); when one fails the
    edit is refused as stale too.

    :raise DomainError: nothing changed.
    :raise StaleEdit: the row is no longer at ``seen`` (nothing written).
    """
    changes = changes_of(before, after)
    now = clock.now_utc()
    values = {k: v for k, v in changes.items() if k not in recorded_only}
    if hasattr(model, "updated_at"):
        values["updated_at"] = now
    if hasattr(model, "updated_by_id"):
        values["updated_by_id"] = actor.id
    compare_and_set(session, model, entity, record_id, seen, values, where=where)
    recording.record(
        session,
        actor,
        f"{entity}.edit",
        entity,
        record_id,
        before={k: before[k] for k in changes},
        after=changes,
        reason=reason or None,
        at=now,
    )
    return seen + 1


# --- What an edit form starts from ----------------------------------------------------------


def current_version(session: Session, model: Any, record_id: int) -> int | None:
    """The version of a record now (for an edit form to carry), or None if it is gone."""
    value = session.execute(select(model.version).where(model.id == record_id)).scalar()
    return None if value is None else int(value)


@dataclass(frozen=True, kw_only=True)
class Snapshot:
    """A record as an edit form starts from: its editable fields (subclasses) and the
    ``version`` the edit will carry."""

    id: int
    version: int


@dataclass(frozen=True, kw_only=True)
class AdoptionSnapshot(Snapshot):
    technology_id: int
    project_name: str
    department: str
    budget_krw: int
    year: int
    justification: str
    status: str


@dataclass(frozen=True, kw_only=True)
class TechnologySnapshot(Snapshot):
    title_ko: str
    title_en: str | None
    summary: str | None
    field: str
    growth_sector: str
    certification: str
    status: str
    reg_no: str
    owner_org_id: int


@dataclass(frozen=True, kw_only=True)
class TestbedSnapshot(Snapshot):
    site: str | None
    status: str
    technology_id: int


@dataclass(frozen=True)
class DeclaredTie:
    """An expert's declared tie to an organization, as stored."""

    organization_id: int
    kind: str
    started_on: dt.date | None
    ended_on: dt.date | None
    note: str | None


@dataclass(frozen=True, kw_only=True)
class ExpertSnapshot(Snapshot):
    """An expert with their technical fields (codes in the vocabulary's order) and ties."""

    name: str
    name_en: str | None
    organization_id: int
    affiliation: str
    position: str | None
    phone: str | None
    email: str | None
    registered_on: dt.date
    retired_on: dt.date | None
    fields: tuple[str, ...]
    ties: tuple[DeclaredTie, ...]


SNAPSHOTS: dict[str, tuple[Any, type[Snapshot]]] = {
    "adoption": (Adoption, AdoptionSnapshot),
    "technology": (Technology, TechnologySnapshot),
    "testbed": (Testbed, TestbedSnapshot),
    "expert": (Expert, ExpertSnapshot),
}
"""The model and the snapshot type of each record kind with edits."""


def edit_snapshot(
    *, session: Session, actor: Actor, entity: str, record_id: int
) -> Snapshot | None:
    """A record as an edit form starts from (:data:`SNAPSHOTS`): its editable fields and
    its ``version`` (the version the edit will carry), read now and uncached; experts with
    their field codes and declared ties. None when there is no such record.

    :raise PermissionDenied: the actor is not staff.
    :raise ValueError: an entity without edits.
    """
    policy.require_role(actor, STAFF, f"{entity}.edit", entity, record_id)
    if entity not in SNAPSHOTS:
        raise ValueError(f"no edits for {entity!r}")
    model, kind = SNAPSHOTS[entity]
    extra = ("fields", "ties")
    names = [f.name for f in dataclasses.fields(kind) if f.name not in extra]
    columns = [getattr(model, c) for c in names]
    row = session.execute(select(*columns).where(model.id == record_id)).first()
    if row is None:
        return None
    if kind is not ExpertSnapshot:
        return kind(**row._asdict())
    order = positions(session, "fields")
    codes = session.execute(
        select(ExpertField.field).where(ExpertField.expert_id == record_id)
    ).scalars()
    ties = session.execute(
        select(
            ExpertTie.organization_id,
            ExpertTie.kind,
            ExpertTie.started_on,
            ExpertTie.ended_on,
            ExpertTie.note,
        )
        .where(ExpertTie.expert_id == record_id)
        .order_by(ExpertTie.started_on, ExpertTie.id)
    ).all()
    return ExpertSnapshot(
        **row._asdict(),
        fields=tuple(sorted(codes, key=lambda c: order.get(c, len(order)))),
        ties=tuple(DeclaredTie(*t) for t in ties),
    )
