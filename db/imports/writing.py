"""Applying a checked plan in the caller's transaction, with its audit events.

New records are inserted in batches (``INSERT ... RETURNING`` in parameter order), changed
ones one compare-and-set each (``UPDATE ... WHERE id = :id AND version = :seen``, bumping
``version``), so a record edited in the app between the check and the write makes the
whole import fail and roll back. Every added or changed record gets its own audit event and
the import one more (file name, SHA-256, counts); events are chained in one pass over the
locked head row, the same hashes :func:`db.audit.append` would write one by one. Both
statements return every column of the record they write, from which its seal is computed
(:func:`db.audit.records.entries_of_rows`) instead of reading the record back.

A confirmed historical migration (``db.imports.historical``) writes its plan the same way,
with its own actions (``technology.migrated``, ``technology.migration_updated``, and
``import_migration.confirmed`` for the whole) and a ``migrated_records`` row per record it
created or changed, naming the migration.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, insert, update
from sqlalchemy.orm import Session

from db import audit, clock
from db.audit import records
from db.errors import N_, Conflict
from db.fairness.store import refresh_for_experts, refresh_for_technologies
from db.imports.checking import MODELS, Change, Plan, Record
from db.models import ExpertField, ExpertTie, MigratedRecord
from db.policy import Actor

BATCH = 1000
CHANGED_UNDER_US = N_(
    "A record in the file was changed by someone else while the import ran (row {row}). "
    "Nothing was imported; check the file again."
)


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if not k.startswith("_")}


class _Events:
    """Audit events collected during the write, appended in one pass at the end."""

    def __init__(self, actor: Actor, reason: str) -> None:
        self.actor = actor
        self.reason = reason
        self.items: list[dict[str, Any]] = []

    def add(self, action: str, entity: str, entity_id: Any, before: Any, after: Any) -> None:
        self.items.append(
            {
                "action": action,
                "entity": entity,
                "entity_id": entity_id,
                "before": before,
                "after": after,
            }
        )

    def flush(self, session: Session, known: Sequence[records.SealEntry]) -> int:
        """Append every collected event to the chain (``known``: the seals of the records
        written, from the rows the writes returned); the id of the last one."""
        return audit.append_many(
            session,
            self.items,
            actor_id=self.actor.id,
            actor_name=self.actor.username,
            reason=self.reason,
            known=known,
        )


def _new_row(plan: Plan, record: Record, actor: Actor, now: dt.datetime) -> dict[str, Any]:
    reg = plan.register.key
    values = {**record.defaults, **record.values}
    if reg in ("organizations", "experts"):
        values["created_at"] = now
    if reg == "technologies":
        values["created_by_id"] = actor.id
    return values


@dataclass(frozen=True)
class ImportSummary:
    """What an import did: the register and file (name, SHA-256), how many records it added,
    updated and left unchanged, the file's rows (and blank rows skipped), and the id of the
    ``import.completed`` audit event."""

    register: str
    file: str
    sha256: str
    added: int
    updated: int
    unchanged: int
    rows: int
    blank_rows: int
    event_id: int


def apply(
    session: Session,
    actor: Actor,
    plan: Plan,
    *,
    filename: str,
    sha256: str,
    progress: Callable[[float, str], None] | None = None,
    migration_id: int | None = None,
    extra: dict[str, Any] | None = None,
) -> ImportSummary:
    """Write ``plan`` (its report must be empty); what it did, with the import event's id.

    ``migration_id``: the confirmed historical migration this is (its records are marked and
    its events named after it); ``extra``: more to record in the last event.
    """
    assert plan.report.ok
    reg = plan.register.key
    model = MODELS[reg]
    entity = plan.register.entity
    if migration_id is None:
        added, updated = f"{entity}.imported", f"{entity}.import_updated"
        reason = f"import {filename} sha256:{sha256[:16]}"
    else:
        added, updated = f"{entity}.migrated", f"{entity}.migration_updated"
        reason = f"historical migration {migration_id}: {filename} sha256:{sha256[:16]}"
    events = _Events(actor, reason)
    seals: list[records.SealEntry] = []
    marks: list[dict[str, Any]] = []
    now = clock.now_utc()
    total = max(len(plan.add) + len(plan.update), 1)
    done = 0
    table = model.__table__.name
    kind = records.SEALED[entity]
    position = model.__table__.c.keys().index("id")
    for start in range(0, len(plan.add), BATCH):
        batch = plan.add[start : start + BATCH]
        rows = [_new_row(plan, r, actor, now) for r in batch]
        written = _insert_returning(session, model, rows)
        ids = [int(w[position]) for w in written]
        extra_fields: list[dict[str, Any]] = []
        extra_ties: list[dict[str, Any]] = []
        for record, new_id, row in zip(batch, ids, rows, strict=True):
            after = {k: v for k, v in row.items() if k != "created_at"}
            if reg == "experts":
                if record.fields:
                    extra_fields += [
                        {"expert_id": new_id, "field": f} for f in sorted(record.fields)
                    ]
                    after["fields"] = sorted(record.fields)
                if record.ties:
                    extra_ties += [_tie(new_id, t) for t in record.ties]
                    after["ties_added"] = [list(t) for t in record.ties]
            events.add(added, entity, new_id, None, after)
            marks.append({"entity": entity, "entity_id": new_id, "action": "added"})
        _insert(session, ExpertField, extra_fields)
        _insert(session, ExpertTie, extra_ties)
        seals += records.entries_of_rows(table, written, _children(kind, extra_fields))
        done += len(batch)
        if progress:
            progress(0.9 * done / total, "write")
    for change in plan.update:
        seals += _update(session, model, reg, change, actor, now)
        events.add(updated, entity, change.id, change.before, _jsonable(change.after))
        marks.append({"entity": entity, "entity_id": change.id, "action": "updated"})
        done += 1
        if progress and done % 500 == 0:
            progress(0.9 * done / total, "write")
    # Inputs of closed meetings' stored fairness results: recompute the meetings concerned.
    if reg == "experts":
        refresh_for_experts(
            session,
            [c.id for c in plan.update if c.after.keys() & {"organization_id", "affiliation"}]
            + [c.id for c in plan.update if c.new_ties],
        )
    elif reg == "technologies":
        refresh_for_technologies(session, [c.id for c in plan.update if "owner_org_id" in c.after])
    summary = ImportSummary(
        register=reg,
        file=filename,
        sha256=sha256,
        added=len(plan.add),
        updated=len(plan.update),
        unchanged=plan.unchanged,
        rows=plan.rows,
        blank_rows=plan.blank_rows,
        event_id=0,
    )
    counts = {k: v for k, v in dataclasses.asdict(summary).items() if k != "event_id"}
    if migration_id is None:
        events.add("import.completed", "import", sha256, None, {**counts, **(extra or {})})
    else:
        _insert(session, MigratedRecord, [{"migration_id": migration_id, **m} for m in marks])
        last = {**counts, **(extra or {}), "migration": migration_id, "status": "confirmed"}
        events.add(
            "import_migration.confirmed",
            "import_migration",
            migration_id,
            {"status": "pending"},
            last,
        )
    event_id = events.flush(session, seals)
    if progress:
        progress(1.0, "write")
    return dataclasses.replace(summary, event_id=event_id)


def _insert_returning(session: Session, model: Any, rows: list[dict[str, Any]]) -> list[Any]:
    """Insert ``rows`` (all with the same keys) and return the new records as the database
    holds them, in order: every column, in the table's order (their seals are computed from
    them, byte for byte what a read would give).

    On PostgreSQL through psycopg's ``executemany(..., returning=True)``: the statement is
    parsed once and the rows pipelined, several times faster for a large import than
    SQLAlchemy's multi-row VALUES (whose long statements psycopg parses anew for each page);
    the values pass through the columns' result processors as a read's would.
    """
    conn = session.connection()
    table = model.__table__
    if conn.dialect.name != "postgresql" or not rows:
        result = session.execute(
            insert(model).returning(*table.c, sort_by_parameter_order=True), rows
        )
        return list(result.all())
    keys = list(rows[0])
    assert all(list(r) == keys for r in rows), "rows of one batch share their columns"
    # The driver gets the rows as they are: add the model's Python-side defaults itself.
    defaults = {}
    for column in table.c:
        if column.key not in keys and column.default is not None:
            assert column.default.is_scalar, column.key
            defaults[column.key] = column.default.arg
    if defaults:
        rows = [{**r, **defaults} for r in rows]
        keys = list(rows[0])
    statement = insert(table).returning(*table.c)
    sql = str(statement.compile(dialect=conn.dialect, column_keys=keys))
    raw = conn.connection.driver_connection
    assert raw is not None
    out: list[Any] = []
    with raw.cursor() as cursor:
        cursor.executemany(sql, rows, returning=True)
        while True:
            out.append(cursor.fetchone())
            if not cursor.nextset():
                break
        assert cursor.description is not None
        processors = [
            c.type._cached_result_processor(conn.dialect, d.type_code)
            for c, d in zip(table.c, cursor.description, strict=True)
        ]
    if any(processors):
        out = [
            tuple(v if p is None else p(v) for p, v in zip(processors, r, strict=True)) for r in out
        ]
    return out


def _children(kind: records.Sealed, rows: list[dict[str, Any]]) -> dict[int, list[str]] | None:
    """An expert's fields written with it, as its seal holds them (by expert id)."""
    if kind.child is None:
        return None
    _name, parent, key, _value = kind.child
    return records.child_labels(kind, [(r[parent], r[key]) for r in rows])


def _tie(expert_id: int, tie: Sequence[Any]) -> dict[str, Any]:
    org_id, kind, started_on, ended_on = tie
    return {
        "expert_id": expert_id,
        "organization_id": org_id,
        "kind": kind,
        "started_on": started_on,
        "ended_on": ended_on,
    }


def _insert(session: Session, model: Any, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), BATCH):
        session.execute(insert(model), rows[start : start + BATCH])


def _update(
    session: Session, model: Any, reg: str, change: Change, actor: Actor, now: dt.datetime
) -> list[records.SealEntry]:
    """Write ``change`` as a compare-and-set; the record's seal from the row the UPDATE
    returns (none for an expert whose fields are left as they were: read back instead).

    :raise Conflict: the record was changed since the file was checked.
    """
    values = {k: v for k, v in change.after.items() if k not in ("fields", "ties_added")}
    table = model.__table__
    stmt = update(model).where(model.id == change.id)
    if change.version is not None:
        stmt = stmt.where(model.version == change.version)
        values["version"] = change.version + 1
    if reg in ("technologies", "experts"):
        values["updated_at"] = now
    if reg == "technologies":
        values["updated_by_id"] = actor.id
    row = session.execute(stmt.values(**values).returning(*table.c)).first()
    if row is None:
        raise Conflict(CHANGED_UNDER_US, row=change.record.row)
    kind = records.BY_TABLE[table.name]
    children: dict[int, list[str]] | None = None
    if change.fields is not None:
        session.execute(delete(ExpertField).where(ExpertField.expert_id == change.id))
        fields = [{"expert_id": change.id, "field": f} for f in sorted(change.fields)]
        _insert(session, ExpertField, fields)
        children = _children(kind, fields) or {change.id: []}
    _insert(session, ExpertTie, [_tie(change.id, t) for t in change.new_ties])
    if kind.child is not None and children is None:
        return []
    return records.entries_of_rows(table.name, [row], children)
