"""The tamper-evident audit trail: append-only, hash-chained events.

Each event's ``hash`` is SHA-256 over the previous event's hash and the event's own fields
in a canonical form, so changing, deleting, inserting or reordering any event breaks the
chain from that point on. Appends are serialised through the single ``audit_head`` row
(``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite writers already hold the database lock),
and happen in the caller's transaction, so a state change and its event commit together.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from db.models import AuditEvent, AuditHead

GENESIS_HASH = "0" * 64
SYSTEM_ACTOR = "system"


def canonical_json(value: Any) -> str | None:
    """Stable JSON (sorted keys, no spaces, ISO dates) or ``None`` for ``None``."""
    if value is None:
        return None
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_jsonable
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def utc_naive(ts: dt.datetime) -> dt.datetime:
    """UTC without tzinfo: SQLite gives naive UTC back, PostgreSQL aware; hash the same."""
    if ts.tzinfo is not None:
        ts = ts.astimezone(dt.UTC).replace(tzinfo=None)
    return ts


def event_hash(
    prev_hash: str,
    *,
    id: int,
    occurred_at: dt.datetime,
    actor_id: int | None,
    actor_name: str,
    action: str,
    entity: str,
    entity_id: str | None,
    before: str | None,
    after: str | None,
    reason: str | None,
) -> str:
    """The chain hash of one event given its predecessor's hash."""
    payload = json.dumps(
        [
            prev_hash,
            id,
            utc_naive(occurred_at).isoformat(timespec="microseconds"),
            actor_id,
            actor_name,
            action,
            entity,
            entity_id,
            before,
            after,
            reason,
        ],
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def ensure_head(session: Session) -> None:
    """Create the head row of an empty chain (migrations do this; seed and tests reuse it)."""
    if session.get(AuditHead, 1) is None:
        session.add(AuditHead(id=1, last_id=0, last_hash=GENESIS_HASH))
        session.flush()


def append(
    session: Session,
    *,
    actor_id: int | None,
    actor_name: str,
    action: str,
    entity: str,
    entity_id: str | int | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str | None = None,
    at: dt.datetime | None = None,
) -> AuditEvent:
    """Append one event in the caller's transaction and return it.

    :raise RuntimeError: the head row is missing (the database was not migrated).
    """
    head = session.execute(
        select(AuditHead).where(AuditHead.id == 1).with_for_update()
    ).scalar_one_or_none()
    if head is None:
        raise RuntimeError("audit_head is missing: run `python -m db upgrade`.")
    occurred = utc_naive(at or dt.datetime.now(dt.UTC)).replace(tzinfo=dt.UTC)
    fields: dict[str, Any] = dict(
        id=head.last_id + 1,
        occurred_at=occurred,
        actor_id=actor_id,
        actor_name=actor_name,
        action=action,
        entity=entity,
        entity_id=None if entity_id is None else str(entity_id),
        before=canonical_json(before),
        after=canonical_json(after),
        reason=reason,
    )
    digest = event_hash(head.last_hash, **fields)
    event = AuditEvent(prev_hash=head.last_hash, hash=digest, **fields)
    session.add(event)
    session.flush()
    session.execute(
        update(AuditHead)
        .where(AuditHead.id == 1, AuditHead.last_id == head.last_id)
        .values(last_id=event.id, last_hash=digest)
    )
    session.expire(head)
    return event


@dataclass(frozen=True)
class VerifyResult:
    """Outcome of :func:`verify`: ``ok`` and either the head or the first bad event."""

    ok: bool
    checked: int
    last_good_id: int
    head_hash: str
    first_bad_id: int | None = None
    problem: str | None = None


def _rows(session: Session, batch: int) -> Iterator[AuditEvent]:
    last = 0
    while True:
        chunk = (
            session.execute(
                select(AuditEvent).where(AuditEvent.id > last).order_by(AuditEvent.id).limit(batch)
            )
            .scalars()
            .all()
        )
        if not chunk:
            return
        yield from chunk
        last = chunk[-1].id
        session.expunge_all()


def verify(
    session: Session, *, expected_head: str | None = None, batch: int = 20_000
) -> VerifyResult:
    """Recompute the chain from the first event; report the first event that does not match.

    ``expected_head`` (a head hash exported earlier) also detects a truncated tail.
    """
    prev = GENESIS_HASH
    expected_id = 1
    checked = 0
    seen_expected = expected_head is None
    for ev in _rows(session, batch):
        problem = None
        if ev.id != expected_id:
            problem = f"event {expected_id} is missing (next is {ev.id})"
        elif ev.prev_hash != prev:
            problem = "prev_hash does not match the previous event"
        else:
            recomputed = event_hash(
                prev,
                id=ev.id,
                occurred_at=ev.occurred_at,
                actor_id=ev.actor_id,
                actor_name=ev.actor_name,
                action=ev.action,
                entity=ev.entity,
                entity_id=ev.entity_id,
                before=ev.before,
                after=ev.after,
                reason=ev.reason,
            )
            if recomputed != ev.hash:
                problem = "content does not match its hash"
        if problem:
            return VerifyResult(False, checked, expected_id - 1, prev, expected_id, problem)
        prev = ev.hash
        seen_expected = seen_expected or ev.hash == expected_head
        expected_id += 1
        checked += 1
    head = session.get(AuditHead, 1)
    if head is not None and (head.last_id != checked or head.last_hash != prev):
        return VerifyResult(
            False, checked, checked, prev, checked + 1, "the chain ends before the recorded head"
        )
    if not seen_expected:
        return VerifyResult(
            False, checked, checked, prev, checked + 1, "the exported head hash is not in the chain"
        )
    return VerifyResult(True, checked, checked, prev)
