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
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import String, TextClause, event, func, insert, select, type_coerce, update
from sqlalchemy.orm import ORMExecuteState, Session

from db.errors import N_
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
    """The chain hash of one event given its predecessor's hash.

    SHA-256 (hex) of the UTF-8 JSON list ``[prev_hash, id, occurred_at, actor_id, actor_name,
    action, entity, entity_id, before, after, reason]`` as ``json.dumps(..., separators=(",",
    ":"), ensure_ascii=False)`` writes it, ``occurred_at`` in UTC without offset, with
    microseconds (``2019-08-08T01:02:03.000000``).
    """
    return _chain_hash(
        prev_hash,
        id,
        _timestamp(occurred_at),
        actor_id,
        actor_name,
        action,
        entity,
        entity_id,
        before,
        after,
        reason,
    )


_encode = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
_quote = json.encoder.encode_basestring  # what that encoder uses for a string (C version)
_int = int.__repr__  # what it uses for an int; refuses anything else (TypeError)


def _timestamp(value: dt.datetime | str) -> str:
    """``occurred_at`` as hashed. Also takes the text SQLite stores (``YYYY-MM-DD
    HH:MM:SS.ffffff``, naive UTC) without parsing it; text it cannot read is hashed as it
    is (so it never matches)."""
    if isinstance(value, str):
        if len(value) == 26 and value[10] == " ":
            return value[:10] + "T" + value[11:]
        try:
            parsed = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
        return utc_naive(parsed).isoformat(timespec="microseconds")
    return utc_naive(value).isoformat(timespec="microseconds")


def _chain_hash(
    prev_hash: str,
    id: int,
    timestamp: str,
    actor_id: int | None,
    actor_name: str,
    action: str,
    entity: str,
    entity_id: str | None,
    before: str | None,
    after: str | None,
    reason: str | None,
) -> str:
    """:func:`event_hash` with the time already in its hashed form.

    Writes the JSON by hand, byte for byte what the encoder writes for these types (ints,
    strings, None), which is about a third faster; any other type falls back to the encoder.
    """
    try:
        payload = "[%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s]" % (  # noqa: UP031
            _quote(prev_hash),
            _int(id),
            _quote(timestamp),
            "null" if actor_id is None else _int(actor_id),
            _quote(actor_name),
            _quote(action),
            _quote(entity),
            "null" if entity_id is None else _quote(entity_id),
            "null" if before is None else _quote(before),
            "null" if after is None else _quote(after),
            "null" if reason is None else _quote(reason),
        )
    except TypeError:
        payload = _encode(
            [
                prev_hash,
                id,
                timestamp,
                actor_id,
                actor_name,
                action,
                entity,
                entity_id,
                before,
                after,
                reason,
            ]
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
        .execution_options(**{_HEAD_MOVE: True})
    )
    session.expire(head)
    return event


def append_many(
    session: Session,
    events: Sequence[dict[str, Any]],
    *,
    actor_id: int | None,
    actor_name: str,
    reason: str | None = None,
    batch: int = 1000,
) -> int:
    """Append several events of one actor in the caller's transaction; the last event's id.

    Each of ``events`` holds ``action``, ``entity``, ``entity_id`` and optionally
    ``before``/``after``. The chain is the one :func:`append` writes event by event (same
    hashes), computed in one pass over the locked head and inserted in batches: a bulk
    import audits every record without one round trip per event.

    :raise RuntimeError: the head row is missing (the database was not migrated).
    """
    head = session.execute(
        select(AuditHead).where(AuditHead.id == 1).with_for_update()
    ).scalar_one_or_none()
    if head is None:
        raise RuntimeError("audit_head is missing: run `python -m db upgrade`.")
    occurred = utc_naive(dt.datetime.now(dt.UTC)).replace(tzinfo=dt.UTC)
    last_id, last_hash = head.last_id, head.last_hash
    rows: list[dict[str, Any]] = []
    for item in events:
        entity_id = item.get("entity_id")
        fields: dict[str, Any] = dict(
            id=last_id + 1,
            occurred_at=occurred,
            actor_id=actor_id,
            actor_name=actor_name,
            action=item["action"],
            entity=item["entity"],
            entity_id=None if entity_id is None else str(entity_id),
            before=canonical_json(item.get("before")),
            after=canonical_json(item.get("after")),
            reason=reason,
        )
        digest = event_hash(last_hash, **fields)
        rows.append({**fields, "prev_hash": last_hash, "hash": digest})
        last_id, last_hash = last_id + 1, digest
        if len(rows) >= batch:
            _insert_events(session, rows)
            rows = []
    if rows:
        _insert_events(session, rows)
    session.execute(
        update(AuditHead)
        .where(AuditHead.id == 1, AuditHead.last_id == head.last_id)
        .values(last_id=last_id, last_hash=last_hash)
        .execution_options(**{_HEAD_MOVE: True})
    )
    session.expire(head)
    return int(last_id)


def _insert_events(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert event rows. On PostgreSQL through psycopg's own ``executemany`` (the statement
    is parsed once and the rows pipelined), which for thousands of rows is much faster than
    SQLAlchemy's multi-row VALUES, whose long statements psycopg parses anew each time."""
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        statement = str(insert(AuditEvent).compile(dialect=conn.dialect))
        conn.exec_driver_sql(statement, rows)
    else:
        session.execute(insert(AuditEvent), rows)


# --- The ORM layer of "append-only" -------------------------------------------------------
# The database refuses UPDATE/DELETE on audit_events (triggers); the chain detects what
# slips past. These listeners refuse the same through any ORM session, before anything
# reaches the database: an AuditEvent or AuditHead changed or deleted through the unit of
# work, and an UPDATE/DELETE statement on either table run through a session. The one
# exception is the head move in :func:`append` above, which marks its statement.

AUDIT_TABLES = frozenset({"audit_events", "audit_head"})
_HEAD_MOVE = "ntp_audit_head_move"
_RAW_WRITE = re.compile(
    r"^\s*(?:UPDATE|DELETE\s+FROM|TRUNCATE(?:\s+TABLE)?)\s+(?:ONLY\s+)?\W?audit_(?:events|head)\b",
    re.IGNORECASE,
)


class AppendOnlyViolation(RuntimeError):
    """Code tried to change or delete an audit record through the ORM (a programming
    error: audit events are only ever appended, by :func:`append`)."""


@event.listens_for(Session, "before_flush")
def _refuse_changed_audit_rows(session: Session, _context: Any, _instances: Any) -> None:
    """:raise AppendOnlyViolation: a loaded audit event or the head was modified or deleted."""
    for obj in session.deleted:
        if isinstance(obj, (AuditEvent, AuditHead)):
            raise AppendOnlyViolation(f"audit records cannot be deleted ({obj.__tablename__})")
    for obj in session.dirty:
        if isinstance(obj, (AuditEvent, AuditHead)) and session.is_modified(obj):
            raise AppendOnlyViolation(f"audit records cannot be changed ({obj.__tablename__})")


@event.listens_for(Session, "do_orm_execute")
def _refuse_audit_statements(state: ORMExecuteState) -> None:
    """:raise AppendOnlyViolation: an UPDATE or DELETE of audit_events/audit_head (other
    than :func:`append`'s head move) is executed through a session."""
    statement = state.statement
    if isinstance(statement, TextClause):
        if _RAW_WRITE.match(statement.text):
            raise AppendOnlyViolation("audit records cannot be changed or deleted")
        return
    if not (state.is_update or state.is_delete):
        return
    table = getattr(statement, "table", None)
    name = getattr(table, "name", None)
    if name not in AUDIT_TABLES:
        return
    if name == "audit_head" and state.is_update and state.execution_options.get(_HEAD_MOVE):
        return
    raise AppendOnlyViolation(f"audit records cannot be changed or deleted ({name})")


# What :func:`verify` can find wrong with an event (English templates, marked for the UI's
# catalogue; ``VerifyResult.problem`` holds the English sentence for the command line).
MISSING = N_("the event is missing (the next event found is {found})")
OUT_OF_SEQUENCE = N_("an event numbered {found} is out of sequence")
MISSING_AT_END = N_("the event is missing: the chain ends before the recorded head (event {head})")
PREV_MISMATCH = N_("its previous-hash field does not match the hash of the event before it")
CONTENT_MISMATCH = N_("its content does not match its hash")
HEAD_MISMATCH = N_("its hash does not match the recorded head hash")
BEYOND_HEAD = N_("it lies beyond the recorded head (event {head}), which was not updated")
EXPORTED_HEAD_NOT_FOUND = N_(
    "the exported head hash is not in the chain: the tail was truncated or rewritten"
)


@dataclass(frozen=True)
class VerifyResult:
    """Outcome of :func:`verify`: ``ok`` and either the head or the first bad event.

    ``last_good_id``/``head_hash``: the chain is intact from event 1 up to that event, whose
    hash is ``head_hash`` (``GENESIS_HASH`` when none is). ``problem`` is an English sentence;
    ``problem_template`` and ``problem_params`` let a UI translate it.
    """

    ok: bool
    checked: int
    last_good_id: int
    head_hash: str
    first_bad_id: int | None = None
    problem: str | None = None
    problem_template: str | None = None
    problem_params: dict[str, int] = field(default_factory=dict)


_COLUMNS = (
    AuditEvent.id,
    AuditEvent.occurred_at,
    AuditEvent.actor_id,
    AuditEvent.actor_name,
    AuditEvent.action,
    AuditEvent.entity,
    AuditEvent.entity_id,
    AuditEvent.before,
    AuditEvent.after,
    AuditEvent.reason,
    AuditEvent.prev_hash,
    AuditEvent.hash,
)


def _rows(session: Session, upto: int, batch: int) -> Iterator[tuple[Any, ...]]:
    """Every event with ``id <= upto`` by id, as plain tuples, in keyset batches.

    Core rows, not ORM objects; on SQLite the time comes as the stored text (parsing two
    million timestamps only to print them again costs a third of the time). The first batch
    has no lower bound, so a forged event numbered 0 or below is seen too.
    """
    conn = session.connection()
    columns: list[Any] = list(_COLUMNS)
    if conn.dialect.name == "sqlite":
        columns[1] = type_coerce(AuditEvent.occurred_at, String).label("occurred_at")
    last: int | None = None
    while True:
        query = select(*columns).where(AuditEvent.id <= upto)
        if last is not None:
            query = query.where(AuditEvent.id > last)
        chunk = cast(
            Sequence[tuple[Any, ...]],
            conn.execute(query.order_by(AuditEvent.id).limit(batch)).all(),
        )
        if not chunk:
            return
        yield from chunk
        last = chunk[-1][0]
        if last >= upto:
            return


def read_head(session: Session) -> tuple[int, str]:
    """The recorded head: (last id, last hash); ``(0, GENESIS_HASH)`` for an empty chain.

    :raise RuntimeError: the head row is missing (the database was not migrated).
    """
    row = session.execute(
        select(AuditHead.last_id, AuditHead.last_hash).where(AuditHead.id == 1)
    ).one_or_none()
    if row is None:
        raise RuntimeError("audit_head is missing: run `python -m db upgrade`.")
    return int(row[0]), str(row[1])


def _broken(
    checked: int, last_good: int, head_hash: str, bad: int, template: str, **params: int
) -> VerifyResult:
    return VerifyResult(
        ok=False,
        checked=checked,
        last_good_id=last_good,
        head_hash=head_hash,
        first_bad_id=bad,
        problem=template.format(**params),
        problem_template=template,
        problem_params=params,
    )


def verify(
    session: Session,
    *,
    expected_head: str | None = None,
    batch: int = 50_000,
    progress: Callable[[int, int], None] | None = None,
) -> VerifyResult:
    """Recompute the chain from the first event; report the first event that does not match.

    Checks every event up to the head recorded when the check starts (so events appended
    meanwhile do not raise a false alarm): ids contiguous from 1, each ``prev_hash`` equal to
    its predecessor's hash, each hash equal to the hash recomputed from the content, the last
    one equal to the recorded head; then that no event lies beyond the (re-read) head.
    ``expected_head`` (a head hash exported earlier) also detects a truncated or rewritten
    tail. ``progress(checked, total)`` is called after each batch. Reads plain rows in keyset
    batches (no ORM objects), so memory stays flat and 1M events take seconds.

    :raise RuntimeError: the head row is missing (the database was not migrated).
    """
    head_id, head_hash = read_head(session)
    prev = GENESIS_HASH
    expected_id = 1
    seen_expected = expected_head is None
    for n, row in enumerate(_rows(session, head_id, batch), start=1):
        (id_, occurred, actor_id, actor_name, action, entity, entity_id, before, after,
         reason, prev_hash, digest) = row  # fmt: skip
        if id_ != expected_id:
            if id_ > expected_id:
                return _broken(n - 1, expected_id - 1, prev, expected_id, MISSING, found=id_)
            return _broken(n - 1, expected_id - 1, prev, id_, OUT_OF_SEQUENCE, found=id_)
        if prev_hash != prev:
            return _broken(n - 1, expected_id - 1, prev, id_, PREV_MISMATCH)
        recomputed = _chain_hash(
            prev, id_, _timestamp(occurred), actor_id, actor_name, action, entity, entity_id,
            before, after, reason,
        )  # fmt: skip
        if recomputed != digest:
            return _broken(n - 1, expected_id - 1, prev, id_, CONTENT_MISMATCH)
        if not seen_expected and digest == expected_head:
            seen_expected = True
        prev = digest
        expected_id += 1
        if progress is not None and n % batch == 0:
            progress(n, head_id)
    checked = expected_id - 1
    if progress is not None:
        progress(checked, head_id)
    if checked < head_id:
        return _broken(checked, checked, prev, checked + 1, MISSING_AT_END, head=head_id)
    if head_id and prev != head_hash:
        return _broken(checked, checked - 1, _hash_of(session, checked - 1), checked, HEAD_MISMATCH)
    # Appends commit the event and the head together: read the last id first, the head after,
    # so an event beyond the head that was read is one whose append did not update it.
    last_id = session.execute(select(func.max(AuditEvent.id))).scalar_one() or 0
    now_head, _hash = read_head(session)
    if last_id > now_head:
        return _broken(checked, checked, prev, now_head + 1, BEYOND_HEAD, head=now_head)
    if not seen_expected:
        return _broken(checked, checked, prev, checked + 1, EXPORTED_HEAD_NOT_FOUND)
    return VerifyResult(True, checked, checked, prev)


def _hash_of(session: Session, event_id: int) -> str:
    if event_id <= 0:
        return GENESIS_HASH
    return str(
        session.execute(select(AuditEvent.hash).where(AuditEvent.id == event_id)).scalar_one()
    )
