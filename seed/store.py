"""Database side of the seed: is it empty, emptying it, and the bulk writes.

Rows carry their primary keys, so inserts are plain ``executemany`` batches through
SQLAlchemy Core with no round trip per row; everything is written in one transaction, so a
failed seed leaves the database as it was. On PostgreSQL the id sequences are moved past the
inserted ids afterwards, so the app's own inserts do not collide.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import Any

from sqlalchemy import Connection, Engine, Integer, func, insert, select, update
from sqlalchemy.orm import Session

from db import audit
from db.fairness.store import backfill
from db.migrate import downgrade, upgrade
from db.models import AuditEvent, AuditHead, Base
from seed.audit import EventLog

BATCH = 10_000
SQLITE_CACHE_KIB = 512 * 1024
Progress = Callable[[str], None]


PROFILE_TABLES = frozenset(
    {
        "city_profile",
        "field_terms",
        "sector_terms",
        "organisation_kind_terms",
        "criterion_terms",
        "regulation_versions",
    }
)
PROFILE_ACTIONS = frozenset({"city.init", "regulation.install"})
IGNORED = frozenset({"audit_head", "stored_summaries"})


def contents(engine: Engine) -> str:
    """``"empty"``; ``"profile"`` when the database holds only a city profile applied by
    ``python -m db city init`` (and its audit events); ``"data"`` otherwise."""
    with engine.connect() as conn:
        filled = {
            table.name
            for table in Base.metadata.sorted_tables
            if table.name not in IGNORED
            and conn.execute(select(1).select_from(table).limit(1)).first() is not None
        }
        if not filled:
            last = conn.execute(select(AuditHead.last_id).where(AuditHead.id == 1)).scalar()
            return "data" if last else "empty"
        if filled <= PROFILE_TABLES | {"audit_events", "record_seals"}:  # and their seals
            actions = set(conn.execute(select(AuditEvent.action).distinct()).scalars())
            if actions <= PROFILE_ACTIONS:
                return "profile"
        return "data"


def is_empty(engine: Engine) -> bool:
    """True when no table holds data and the audit chain is empty."""
    return contents(engine) == "empty"


def reset(engine: Engine) -> None:
    """Drop everything (downgrade to base, which also drops the append-only audit triggers)
    and migrate again to head."""
    downgrade(engine, "base")
    upgrade(engine)


def _batches(rows: Iterable[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    it = iter(rows)
    while batch := list(islice(it, BATCH)):
        yield batch


def write(
    engine: Engine, tables: dict[str, list[dict[str, Any]]], log: EventLog, say: Progress
) -> dict[str, int]:
    """Insert every table (in foreign-key order), then the audit chain and its head, then the
    stored fairness results of the closed meetings (computed by the app's own code).

    Returns the row count per table.
    """
    counts: dict[str, int] = {}
    with engine.begin() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:  # a big page cache while indexes grow; back to the default afterwards
            conn.exec_driver_sql(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
        for name, rows in tables.items():
            say(f"writing {name} ({len(rows):,} rows)")
            table = Base.metadata.tables[name]
            for batch in _batches(rows):
                conn.execute(insert(table), batch)
            counts[name] = len(rows)
        say(f"writing audit_events ({len(log):,} events, hash-chained)")
        last_id, last_hash = 0, None
        last_at = None
        events = Base.metadata.tables["audit_events"]
        for batch in _batches(log.chain()):
            conn.execute(insert(events), batch)
            last_id, last_hash = EventLog.head(batch)
            last_at = batch[-1]["occurred_at"]
        counts["audit_events"] = last_id
        if last_hash is not None:
            conn.execute(
                update(AuditHead)
                .where(AuditHead.id == 1)
                .values(last_id=last_id, last_hash=last_hash)
            )
        say("computing the fairness results of the closed meetings")
        closed = [r["closed_at"] for r in tables.get("meetings", []) if r.get("closed_at")]
        with Session(bind=conn) as session:  # stamped with the last close: deterministic
            counts["meeting_fairness"] = backfill(session, at=max(closed, default=None))
            session.flush()
            say("sealing the audited records (db.audit.records)")
            sealed = audit.seal_baseline(session, at=last_at)
            session.flush()
            counts["audit_events"] = audit.read_head(session)[0] if sealed else last_id
        if conn.dialect.name == "postgresql":
            _reset_sequences(conn)
        if sqlite:
            conn.exec_driver_sql("PRAGMA cache_size = -2000")
    return counts


def _reset_sequences(conn: Connection) -> None:
    """Move each table's id sequence past its largest id (PostgreSQL serial columns)."""
    for table in Base.metadata.sorted_tables:
        pk = list(table.primary_key.columns)
        if len(pk) != 1 or pk[0].name != "id" or not isinstance(pk[0].type, Integer):
            continue
        if pk[0].autoincrement is False:
            continue  # audit_events: ids are the chain's positions, not a sequence
        seq = func.pg_get_serial_sequence(table.name, "id")
        largest = select(func.max(pk[0])).scalar_subquery()
        conn.execute(
            select(func.setval(seq, func.coalesce(largest, 1), largest.is_not(None))).where(
                seq.is_not(None)
            )
        )
