"""The ORM layer of the append-only audit log (SQLite and PostgreSQL).

Through any SQLAlchemy session, an audit event or the head can be neither changed nor
deleted: not through the unit of work (a loaded row modified or deleted), not through an
ORM bulk UPDATE/DELETE, not through raw SQL run on the session. Only ``db.audit.append``
moves the head. Each refusal happens before anything reaches the database, and the chain
still verifies afterwards.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Engine, delete, select, text, update
from sqlalchemy.orm import Session

from db import audit
from db.audit import AppendOnlyViolation
from db.models import AuditEvent, AuditHead
from db.session import read_session, write_session


def _append(engine: Engine, n: int) -> None:
    with write_session(engine) as s:
        for i in range(n):
            audit.append(
                s,
                actor_id=None,
                actor_name="system",
                action="test.event",
                entity="test",
                entity_id=i,
                after={"n": i},
                reason=f"reason {i}",
            )


def _snapshot(engine: Engine) -> list[tuple[Any, ...]]:
    with read_session(engine) as s:
        rows = s.execute(
            select(AuditEvent.id, AuditEvent.reason, AuditEvent.hash).order_by(AuditEvent.id)
        ).all()
        head = s.execute(select(AuditHead.last_id, AuditHead.last_hash)).one()
    return [tuple(r) for r in rows] + [tuple(head)]


def _change_loaded_event(s: Session) -> None:
    event = s.execute(select(AuditEvent).where(AuditEvent.id == 2)).scalar_one()
    event.reason = "rewritten"
    s.flush()


def _delete_loaded_event(s: Session) -> None:
    s.delete(s.execute(select(AuditEvent).where(AuditEvent.id == 2)).scalar_one())
    s.flush()


def _change_loaded_head(s: Session) -> None:
    head = s.get(AuditHead, 1)
    assert head is not None
    head.last_hash = "0" * 64
    s.flush()


def _delete_loaded_head(s: Session) -> None:
    head = s.get(AuditHead, 1)
    s.delete(head)
    s.flush()


TAMPERING: dict[str, Callable[[Session], Any]] = {
    "change a loaded event": _change_loaded_event,
    "delete a loaded event": _delete_loaded_event,
    "change the loaded head": _change_loaded_head,
    "delete the loaded head": _delete_loaded_head,
    "bulk update of events": lambda s: s.execute(
        update(AuditEvent).where(AuditEvent.id == 2).values(reason="rewritten")
    ),
    "bulk update of every event": lambda s: s.execute(update(AuditEvent).values(reason="x")),
    "bulk delete of events": lambda s: s.execute(delete(AuditEvent).where(AuditEvent.id > 1)),
    "bulk update of the head": lambda s: s.execute(update(AuditHead).values(last_id=1)),
    "bulk delete of the head": lambda s: s.execute(delete(AuditHead)),
    "table update of events": lambda s: s.execute(
        update(AuditEvent.__table__).values(reason="x")  # type: ignore[arg-type]
    ),
    "raw UPDATE on the session": lambda s: s.execute(
        text("UPDATE audit_events SET reason = 'x' WHERE id = 2")
    ),
    "raw DELETE on the session": lambda s: s.execute(text("delete from  audit_events")),
    "raw UPDATE of the head": lambda s: s.execute(text('UPDATE "audit_head" SET last_id = 1')),
}


@pytest.mark.parametrize("how", list(TAMPERING))
def test_the_orm_refuses_to_change_or_delete_audit_rows(migrated_engine: Engine, how: str) -> None:
    _append(migrated_engine, 3)
    before = _snapshot(migrated_engine)
    with pytest.raises(AppendOnlyViolation), write_session(migrated_engine) as s:
        TAMPERING[how](s)
    assert _snapshot(migrated_engine) == before
    with read_session(migrated_engine) as s:
        result = audit.verify(s)
    assert result.ok and result.checked == 3


def test_append_still_moves_the_head_and_reads_are_untouched(migrated_engine: Engine) -> None:
    _append(migrated_engine, 2)
    with read_session(migrated_engine) as s:
        loaded = s.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars().all()
        assert [e.reason for e in loaded] == ["reason 0", "reason 1"]
        s.flush()  # loaded, unchanged rows are fine
    _append(migrated_engine, 1)
    with read_session(migrated_engine) as s:
        assert audit.read_head(s)[0] == 3
        assert audit.verify(s).ok
