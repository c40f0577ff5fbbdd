"""Historical migrations: a city's history brought in from a file, by two people.

A normal import may not set statuses past ``submitted``, date anything before today, or
move a registered or adopted technology to another owner (``db.imports.checking.Allowed``).
A city that starts on the platform with years of records brings them in as a *historical
migration* instead:

1. an administrator checks the file under the migration's rules
   (``check_file(..., mode=MIGRATION)``) and submits it (:func:`submit_migration`): the
   file is checked again and stored with its SHA-256 and the check's report as a *pending*
   migration; nothing is written to the registers;
2. a second person, another administrator or an approver, confirms it
   (:func:`confirm_migration`): the stored file is checked once more and written in that
   one transaction, every record it creates or changes marked in ``migrated_records``; or
   declines it (:func:`decline_migration`, with a comment). The submitter can never confirm
   their own (four eyes: refused and audited). A migration is decided once: the decision
   is a compare-and-set on ``pending``, so of two people deciding at once one wins and the
   other is told who and when.

Every step is an audit event (``import_migration.submit``, ``.confirmed`` with the counts,
``.decline``; each record written is ``<entity>.migrated``/``<entity>.migration_updated``).
Administrators, approvers and auditors read the migrations and the records each one wrote
(:func:`list_migrations`, :func:`migrated_records`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from db import clock, policy, recording
from db.audit import canonical_json
from db.errors import N_, DomainError, NotFound, ValidationFailed
from db.experts.register import PERSONAL_COLUMNS
from db.imports import CheckResult, halves, valid_plan
from db.imports.checking import MIGRATION
from db.imports.columns import CODES_ONLY, REGISTERS, Vocabulary, norm_header
from db.imports.writing import ImportSummary, apply
from db.models import (
    Expert,
    ImportMigration,
    Inquiry,
    MigratedRecord,
    Organization,
    Technology,
)
from db.policy import MIGRATION_CONFIRMERS, MIGRATION_READERS, MIGRATORS, Actor

Progress = Callable[[float, str], None]
ENTITY = "import_migration"
DECISION_ACTIONS = ("import_migration.confirmed", "import_migration.decline")

NOTHING_TO_MIGRATE = N_(
    "Every record of this file is already in the register as the file has it, so there is "
    "nothing to migrate. Nothing was submitted."
)
ALREADY_PENDING = N_(
    "This file is already waiting for confirmation as migration {migration}. Nothing was submitted."
)
FILE_DAMAGED = N_(
    "The stored file of this migration no longer matches its SHA-256, so it was not "
    "written. Decline it and submit the file again."
)
CHANGED_SINCE_SUBMITTED = N_(
    "The register changed since this migration was submitted: it would now add {add} and "
    "update {update} records instead of {add_before} and {update_before}. Nothing was "
    "written; decline it and submit the file again."
)


@dataclass(frozen=True)
class Migration:
    """A historical migration as people read it (the file's bytes stay in the database)."""

    id: int
    version: int
    register: str
    filename: str
    sha256: str
    size: int
    status: str  # pending | confirmed | declined
    submitted_by_id: int | None
    submitted_by: str  # display name
    submitted_at: dt.datetime
    decided_by: str | None
    decided_at: dt.datetime | None
    decision_comment: str | None
    records: int | None  # written, once confirmed
    event_id: int | None  # the confirmation's audit event
    report: dict[str, Any] = field(default_factory=dict)  # the check's counts and preview

    @property
    def to_add(self) -> int:
        return int(self.report.get("to_add", 0))

    @property
    def to_update(self) -> int:
        return int(self.report.get("to_update", 0))


@dataclass(frozen=True)
class MigratedEntry:
    """One record a confirmed migration created (``added``) or changed (``updated``)."""

    entity: str
    entity_id: int
    action: str
    label: str  # registration number and title, name, organization and topic


def _report(result: CheckResult) -> dict[str, Any]:
    """What the check found, as stored with the migration."""
    return {
        "rows": result.rows,
        "blank_rows": result.blank_rows,
        "to_add": result.to_add,
        "to_update": result.to_update,
        "unchanged": result.unchanged,
        "format": result.format,
        "encoding": result.encoding,
        "delimiter": result.delimiter,
        "headers": result.headers,
        "preview": result.preview,
    }


def _report_for(actor: Actor, register: str, text: str) -> dict[str, Any]:
    """The stored report; its preview without experts' phone numbers and e-mail addresses
    for someone who may not see personal data (an approver who is not staff)."""
    report: dict[str, Any] = json.loads(text)
    if register == "experts" and not policy.may_see_personal_data(actor):
        index = REGISTERS[register].header_index()
        for row in report.get("preview", []):
            row["cells"] = {
                header: value
                for header, value in row["cells"].items()
                if getattr(index.get(norm_header(header)), "key", None) not in PERSONAL_COLUMNS
            }
    return report


def _migration(session: Session, row: ImportMigration, actor: Actor) -> Migration:
    decided = None
    if row.decided_by_name is not None:
        decided = recording.display_name(session, row.decided_by_id, row.decided_by_name)
    return Migration(
        id=row.id,
        version=row.version,
        register=row.register,
        filename=row.filename,
        sha256=row.sha256,
        size=row.size,
        status=row.status,
        submitted_by_id=row.submitted_by_id,
        submitted_by=recording.display_name(session, row.submitted_by_id, row.submitted_by_name),
        submitted_at=clock.as_utc(row.submitted_at),
        decided_by=decided,
        decided_at=clock.as_utc(row.decided_at) if row.decided_at else None,
        decision_comment=row.decision_comment,
        records=row.records,
        event_id=row.event_id,
        report=_report_for(actor, row.register, row.report),
    )


def submit_migration(
    *,
    session: Session,
    actor: Actor,
    register: str,
    filename: str,
    data: bytes,
    vocabulary: Vocabulary = CODES_ONLY,
    progress: Progress | None = None,
) -> Migration:
    """Check ``data`` as a historical migration into ``register`` and store it, pending a
    second person's confirmation; nothing is written to the register.

    :raise PermissionDenied: the actor is not an administrator.
    :raise NotFound: ``register`` is not one of the importable registers.
    :raise ImportRefused: the file has problems (``.result`` lists them); nothing stored.
    :raise DomainError: nothing to migrate; the same file is already pending.
    """
    policy.require(actor, MIGRATORS, action="import_migration.submit", entity=ENTITY)
    reg = REGISTERS.get(register)
    if reg is None:
        raise NotFound()
    result, _plan = valid_plan(session, reg, filename, data, vocabulary, progress, MIGRATION)
    if result.to_add + result.to_update == 0:
        raise DomainError(NOTHING_TO_MIGRATE)
    pending = session.execute(
        select(ImportMigration.id).where(
            ImportMigration.status == "pending",
            ImportMigration.register == reg.key,
            ImportMigration.sha256 == result.sha256,
        )
    ).scalar()
    if pending is not None:
        raise DomainError(ALREADY_PENDING, migration=pending)
    now = clock.now_utc()
    report = _report(result)
    row = ImportMigration(
        register=reg.key,
        filename=filename[:255],
        sha256=result.sha256,
        size=len(data),
        content=data,
        report=canonical_json(report) or "{}",
        status="pending",
        submitted_by_id=actor.id,
        submitted_by_name=actor.username,
        submitted_at=now,
    )
    session.add(row)
    session.flush()
    counts = {k: report[k] for k in ("rows", "to_add", "to_update", "unchanged")}
    recording.record(
        session,
        actor,
        "import_migration.submit",
        ENTITY,
        row.id,
        after={
            "register": reg.key,
            "file": row.filename,
            "sha256": row.sha256,
            "size": row.size,
            "status": "pending",
            **counts,
        },
        at=now,
    )
    return _migration(session, row, actor)


def _pending(session: Session, actor: Actor, migration_id: int, action: str) -> ImportMigration:
    """The migration, locked, still pending (PostgreSQL: ``FOR UPDATE``).

    :raise PermissionDenied: the actor may not decide migrations.
    :raise NotFound: no such migration.
    :raise Conflict: someone decided it already (who, when).
    """
    policy.require(
        actor, MIGRATION_CONFIRMERS, action=action, entity=ENTITY, entity_id=migration_id
    )
    row = session.get(ImportMigration, migration_id, populate_existing=True, with_for_update=True)
    if row is None:
        raise NotFound()
    if row.status != "pending":
        raise _decided(session, migration_id)
    return row


def _decided(session: Session, migration_id: int) -> DomainError:
    event = recording.last_event(session, ENTITY, migration_id, DECISION_ACTIONS)
    return recording.conflict_from(session, event) if event else recording.not_waiting()


def _close(session: Session, row: ImportMigration, status: str, values: dict[str, Any]) -> None:
    """Compare-and-set the migration from pending to ``status``.

    :raise Conflict: someone decided it first.
    """
    if not recording.compare_and_set(
        session,
        update(ImportMigration)
        .where(
            ImportMigration.id == row.id,
            ImportMigration.status == "pending",
            ImportMigration.version == row.version,
        )
        .values(status=status, version=row.version + 1, **values),
    ):
        raise _decided(session, row.id)


def confirm_migration(
    *,
    session: Session,
    actor: Actor,
    migration_id: int,
    vocabulary: Vocabulary = CODES_ONLY,
    progress: Progress | None = None,
) -> ImportSummary:
    """Confirm a pending migration: check its stored file again and write it, all records
    or none, in the caller's transaction. Returns what it wrote (as ``import_file`` does).

    :raise PermissionDenied: the actor is neither an administrator nor an approver, or
        submitted it (:class:`~db.policy.OwnMigration`; four eyes).
    :raise NotFound: no such migration.
    :raise Conflict: someone decided it first.
    :raise ImportRefused: the file has problems now (the register changed); nothing written.
    :raise DomainError: the stored file was damaged, or the register changed so that the
        file would now write something else than was submitted; nothing written.
    """
    action = "import_migration.confirm"
    row = _pending(session, actor, migration_id, action)
    if actor.id is None or actor.id == row.submitted_by_id:
        raise policy.refuse(
            policy.OwnMigration, actor, action, ENTITY, migration_id, "four eyes: submitter"
        )
    if hashlib.sha256(row.content).hexdigest() != row.sha256:
        raise DomainError(FILE_DAMAGED)
    now = clock.now_utc()
    _close(
        session,
        row,
        "confirmed",
        {"decided_by_id": actor.id, "decided_by_name": actor.username, "decided_at": now},
    )
    checking, writing = halves(progress)
    reg = REGISTERS[row.register]
    result, plan = valid_plan(
        session, reg, row.filename, row.content, vocabulary, checking, MIGRATION
    )
    submitted = json.loads(row.report)
    if (result.to_add, result.to_update) != (submitted["to_add"], submitted["to_update"]):
        raise DomainError(
            CHANGED_SINCE_SUBMITTED,
            add=result.to_add,
            update=result.to_update,
            add_before=submitted["to_add"],
            update_before=submitted["to_update"],
        )
    summary = apply(
        session,
        actor,
        plan,
        filename=row.filename,
        sha256=row.sha256,
        progress=writing,
        migration_id=row.id,
        extra={"submitted_by": row.submitted_by_name, "confirmed_by": actor.username},
    )
    session.execute(
        update(ImportMigration)
        .where(ImportMigration.id == row.id)
        .values(records=summary.added + summary.updated, event_id=summary.event_id)
        .execution_options(synchronize_session=False)
    )
    return summary


def decline_migration(*, session: Session, actor: Actor, migration_id: int, comment: str) -> None:
    """Decline a pending migration with a comment (its submitter may withdraw it so too);
    nothing is written to the register.

    :raise PermissionDenied: the actor is neither an administrator nor an approver.
    :raise NotFound: no such migration.
    :raise ValidationFailed: no comment (``comment``).
    :raise Conflict: someone decided it first.
    """
    action = "import_migration.decline"
    row = _pending(session, actor, migration_id, action)
    errors: dict[str, str] = {}
    text = recording.clean_comment(comment, errors)
    if errors:
        raise ValidationFailed(errors)
    now = clock.now_utc()
    _close(
        session,
        row,
        "declined",
        {
            "decided_by_id": actor.id,
            "decided_by_name": actor.username,
            "decided_at": now,
            "decision_comment": text,
        },
    )
    recording.record(
        session,
        actor,
        action,
        ENTITY,
        row.id,
        before={"status": "pending"},
        after={"status": "declined", "file": row.filename, "sha256": row.sha256},
        reason=text,
        at=now,
    )


def list_migrations(
    *, session: Session, actor: Actor, status: str | None = None, limit: int = 200
) -> list[Migration]:
    """The migrations, newest first (``status``: only those), at most ``limit``.

    :raise PermissionDenied: the actor is not an administrator, approver or auditor.
    """
    policy.require(actor, MIGRATION_READERS, action="import_migration.read", entity=ENTITY)
    query = select(ImportMigration).order_by(ImportMigration.id.desc()).limit(limit)
    if status is not None:
        query = query.where(ImportMigration.status == status)
    return [_migration(session, row, actor) for row in session.execute(query).scalars()]


def migration_count(*, session: Session, actor: Actor, status: str = "pending") -> int:
    """How many migrations have ``status`` (the pending ones: waiting for a second person).

    :raise PermissionDenied: the actor is not an administrator, approver or auditor.
    """
    policy.require(actor, MIGRATION_READERS, action="import_migration.read", entity=ENTITY)
    return int(
        session.execute(
            select(func.count())
            .select_from(ImportMigration)
            .where(ImportMigration.status == status)
        ).scalar_one()
    )


LABELS: dict[str, tuple[Any, Any]] = {
    "technology": (Technology, lambda r: f"{r.reg_no} {r.title_ko}"),
    "expert": (Expert, lambda r: r.name),
    "organization": (Organization, lambda r: r.name_ko),
    "inquiry": (Inquiry, lambda r: f"{r.received_on.isoformat()} {r.topic}"),
}


def migrated_records(
    *, session: Session, actor: Actor, migration_id: int, limit: int = 1000
) -> list[MigratedEntry]:
    """The records migration ``migration_id`` created or changed (at most ``limit``), in
    the order of their ids.

    :raise PermissionDenied: the actor is not an administrator, approver or auditor.
    """
    policy.require(
        actor,
        MIGRATION_READERS,
        action="import_migration.read",
        entity=ENTITY,
        entity_id=migration_id,
    )
    marks = (
        session.execute(
            select(MigratedRecord)
            .where(MigratedRecord.migration_id == migration_id)
            .order_by(MigratedRecord.entity, MigratedRecord.entity_id)
            .limit(limit)
        )
        .scalars()
        .all()
    )
    out = []
    for entity in sorted({m.entity for m in marks}):
        model, label = LABELS[entity]
        ids = [m.entity_id for m in marks if m.entity == entity]
        rows = {r.id: r for r in session.execute(select(model).where(model.id.in_(ids))).scalars()}
        out += [
            MigratedEntry(
                m.entity,
                m.entity_id,
                m.action,
                label(rows[m.entity_id]) if m.entity_id in rows else "",
            )
            for m in marks
            if m.entity == entity
        ]
    return out
