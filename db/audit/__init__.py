# Over 500 lines on purpose: append, the append-only guards and the chain check (with its
# parallel ranges) are one mechanism; docs/audit-chain.md.
"""The tamper-evident audit trail: append-only, hash-chained events.

Each event's ``hash`` is SHA-256 over the previous event's hash and the event's own fields
in a canonical form, so changing, deleting, inserting or reordering any event breaks the
chain from that point on. Appends are serialised through the single ``audit_head`` row
(``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite writers already hold the database lock),
and happen in the caller's transaction, so a state change and its event commit together.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import selectors
import subprocess
import sys
from collections.abc import Callable, Generator, Sequence
from contextlib import closing, suppress
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, TextClause, event, func, insert, select, update
from sqlalchemy.orm import ORMExecuteState, Session

from db import clock
from db.audit import chain, records
from db.audit.chain import GENESIS_HASH
from db.audit.chain import chain_hash as _chain_hash
from db.audit.chain import timestamp as _timestamp
from db.errors import N_
from db.models import AuditEvent, AuditHead

SYSTEM_ACTOR = "system"
log = logging.getLogger(__name__)


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
    seal: str | None = None,
) -> str:
    """The chain hash of one event given its predecessor's hash (the hash itself lives in
    :mod:`db.audit.chain`, which verification processes import without SQLAlchemy).

    SHA-256 (hex) of the UTF-8 JSON list ``[prev_hash, id, occurred_at, actor_id, actor_name,
    action, entity, entity_id, before, after, reason]`` as ``json.dumps(..., separators=(",",
    ":"), ensure_ascii=False)`` writes it, ``occurred_at`` in UTC without offset, with
    microseconds (``2019-08-08T01:02:03.000000``); an event that sealed records adds
    ``seal`` as a twelfth item (:mod:`db.audit.records`).
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
        seal,
    )


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
    also_seal: Sequence[records.SealEntry] = (),
) -> AuditEvent:
    """Append one event in the caller's transaction and return it.

    An event about an audited kind of record also seals that record's state as it is now
    (:mod:`db.audit.records`): call it after the write, as every write does. ``also_seal``:
    more seals this event carries (the baseline of :func:`seal_baseline`).

    :raise RuntimeError: the head row is missing (the database was not migrated).
    """
    head = session.execute(
        select(AuditHead).where(AuditHead.id == 1).with_for_update()
    ).scalar_one_or_none()
    if head is None:
        raise RuntimeError("audit_head is missing: run `python -m db upgrade`.")
    kind = records.kind_of(entity, action, after)
    seals = [*records.seals_for(session, [(kind, entity_id)]), *also_seal]
    if seals and not also_seal:  # the first seal of a database carries every record's
        seals = _with_baseline(session, seals)
    occurred = clock.as_utc(at or clock.now_utc())
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
        seal=records.seal_digest(seals) if seals else None,
    )
    digest = event_hash(head.last_hash, **fields)
    event = AuditEvent(prev_hash=head.last_hash, hash=digest, **fields)
    session.add(event)
    session.flush()
    records.store_seals(session, event.id, seals)
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
    known: Sequence[records.SealEntry] = (),
) -> int:
    """Append several events of one actor in the caller's transaction; the last event's id.

    Each of ``events`` holds ``action``, ``entity``, ``entity_id`` and optionally
    ``before``/``after``. The chain is the one :func:`append` writes event by event (same
    hashes), computed in one pass over the locked head and inserted in batches: a bulk
    import audits every record without one round trip per event. ``known``: seals of
    records the caller computed from the rows its write returned
    (:func:`records.entries_of_rows`), which are then not read back.

    :raise RuntimeError: the head row is missing (the database was not migrated).
    """
    head = session.execute(
        select(AuditHead).where(AuditHead.id == 1).with_for_update()
    ).scalar_one_or_none()
    if head is None:
        raise RuntimeError("audit_head is missing: run `python -m db upgrade`.")
    occurred = clock.now_utc()
    last_id, last_hash = head.last_id, head.last_hash
    rows: list[dict[str, Any]] = []
    seal_rows: list[records.SealRow] = []
    kinds = [records.kind_of(i["entity"], i["action"], i.get("after")) for i in events]
    states, baseline = _states_of(session, kinds, [i.get("entity_id") for i in events], known)
    for item, kind_name in zip(events, kinds, strict=True):
        entity_id = item.get("entity_id")
        kind = records.SEALED.get(kind_name)
        own = None if kind is None or entity_id is None else (kind.table, _int_or_none(entity_id))
        seals = [states[own]] if own in states else []
        if seals and baseline:
            seals = baseline + seals
            baseline = []
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
            seal=records.seal_digest(seals) if seals else None,
        )
        digest = event_hash(last_hash, **fields)
        rows.append({**fields, "prev_hash": last_hash, "hash": digest})
        if seals:
            seal_rows += records.seal_rows(last_id + 1, seals)
        last_id, last_hash = last_id + 1, digest
        if len(rows) >= batch:
            _insert_events(session, rows)
            rows = []
    if rows:
        _insert_events(session, rows)
    records.insert_seal_rows(session, seal_rows)
    session.execute(
        update(AuditHead)
        .where(AuditHead.id == 1, AuditHead.last_id == head.last_id)
        .values(last_id=last_id, last_hash=last_hash)
        .execution_options(**{_HEAD_MOVE: True})
    )
    session.expire(head)
    return int(last_id)


def _int_or_none(value: Any) -> int | None:
    return int(value) if str(value).isdigit() else None


Key = tuple[str, int | None]


def _states_of(
    session: Session,
    kinds: Sequence[str],
    ids: Sequence[Any],
    known: Sequence[records.SealEntry] = (),
) -> tuple[dict[Key, records.SealEntry], list[records.SealEntry]]:
    """The seals of the audited records among ``(kinds[i], ids[i])``, each read once (those
    in ``known`` not at all), and the baseline (every other audited record's seal) when no
    record was ever sealed."""
    wanted = [(k, i) for k, i in zip(kinds, ids, strict=True) if k in records.SEALED]
    if not wanted:
        return {}, []
    given: dict[Key, records.SealEntry] = {(e.table, e.record_id): e for e in known}
    at = [(records.SEALED[k].table, _int_or_none(i)) for k, i in wanted]
    if records.any_sealed(session):
        unknown = [w for w, key in zip(wanted, at, strict=True) if key not in given]
        read = records.seals_for(session, unknown)
        return {**given, **{(e.table, e.record_id): e for e in read}}, []
    keys = set(at)
    by_table: dict[str, list[records.SealEntry]] = {}
    for e in known:
        by_table.setdefault(e.table, []).append(e)
    states = {key: e for key, e in given.items() if key in keys}  # the rest: read below
    baseline = [e for key, e in given.items() if key not in keys]
    parts = records.baseline_seals(session, BASELINE_CHUNK, known=by_table, with_known=False)
    for part in parts:
        for e in part:
            key = (e.table, e.record_id)
            if key in keys:
                states[key] = e
            else:
                baseline.append(e)
    gone = [w for w, key in zip(wanted, at, strict=True) if key not in states]
    states.update({(e.table, e.record_id): e for e in records.seals_for(session, gone)})
    return states, baseline


BASELINE_CHUNK = 5_000


def _with_baseline(session: Session, seals: list[records.SealEntry]) -> list[records.SealEntry]:
    """``seals``, and every other audited record's if no record was ever sealed (a database
    upgraded to migration 0013 but not yet through ``python -m db upgrade``'s baseline): the
    first audited write seals what the database held."""
    mine = {(e.table, e.record_id) for e in seals}
    rest = [
        e
        for part in records.baseline_seals(session, BASELINE_CHUNK)
        for e in part
        if (e.table, e.record_id) not in mine
    ]
    return rest + seals


def seal_baseline(
    session: Session,
    *,
    at: dt.datetime | None = None,
    known: dict[str, Sequence[records.SealEntry]] | None = None,
) -> int:
    """Seal every audited record once, when none was ever sealed (the seed's records, or a
    database that held records before migration 0013): ``records.seal`` events by the system,
    :data:`BASELINE_CHUNK` records each. ``known``: seals computed from the rows a write
    returned, by table (the seed's), which are not read back. Returns how many records were
    sealed (0 once any seal exists: a record inserted by hand later is never sealed by this).
    """
    sealed = 0
    for part in records.baseline_seals(session, BASELINE_CHUNK, known=known):
        append(
            session,
            actor_id=None,
            actor_name=SYSTEM_ACTOR,
            action="records.seal",
            entity="records",
            entity_id=None,
            after={"records": len(part), "tables": sorted({e.table for e in part})},
            reason="baseline: records held before they were sealed",
            at=at,
            also_seal=part,
        )
        sealed += len(part)
    return sealed


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
    ``problem_template`` and ``problem_params`` let a UI translate it. ``processes``: how
    many processes recomputed the hashes.
    """

    ok: bool
    checked: int
    last_good_id: int
    head_hash: str
    first_bad_id: int | None = None
    problem: str | None = None
    problem_template: str | None = None
    problem_params: dict[str, int] = field(default_factory=dict)
    processes: int = 1


_PROBLEMS = {
    chain.MISSING: MISSING,
    chain.OUT_OF_SEQUENCE: OUT_OF_SEQUENCE,
    chain.PREV_MISMATCH: PREV_MISMATCH,
    chain.CONTENT_MISMATCH: CONTENT_MISMATCH,
}

# A chain is checked by several processes when each gets at least this many events (below
# that, starting them costs more than it saves), by at most one per available core.
EVENTS_PER_PROCESS = 100_000
MAX_PROCESSES = 8
MIN_SHARED_RANGE = 1_000  # smallest range handed to a process (unless ``batch`` is smaller)


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
    processes: int | None = None,
) -> VerifyResult:
    """Recompute the chain from the first event; report the first event that does not match.

    Checks every event up to the head recorded when the check starts (so events appended
    meanwhile do not raise a false alarm): ids contiguous from 1, each ``prev_hash`` equal to
    its predecessor's hash, each hash equal to the hash recomputed from the stored content,
    the last one equal to the recorded head; then that no event lies beyond the (re-read)
    head. ``expected_head`` (a head hash exported earlier) also detects a truncated or
    rewritten tail. ``progress(checked, total)`` is called after each range of ``batch``
    events.

    The events are read in ranges of ``batch`` ids with a plain DBAPI cursor (no ORM
    objects, the time as text), so memory stays flat. ``processes`` (default: one per core,
    when each gets at least :data:`EVENTS_PER_PROCESS` events) check ranges at the same time,
    each in its own connection (:mod:`db.audit.chain`); every range is checked in full
    (ids, links, hashes) and the ranges' boundaries are joined here, so the first bad event
    reported is the one a check from the first event onwards reaches first. An in-memory
    SQLite database, or processes that fail to start, are checked in this process.

    :raise RuntimeError: the head row is missing (the database was not migrated).
    """
    head_id, head_hash = read_head(session)
    conn = session.connection()
    config = _worker_config(conn)
    count = _process_count(processes, head_id, config)
    if count > 1:  # a few ranges per process, so that they finish together
        batch = min(batch, max(MIN_SHARED_RANGE, -(-head_id // (count * 4))))
    # The first range has no lower bound (a forged event numbered 0 or below is found there),
    # also when the chain is empty.
    ranges = [(lo, min(lo + batch, head_id)) for lo in range(0, max(head_id, 1), batch)]
    count = min(count, len(ranges))
    if count > 1 and config is not None:
        try:
            spans = _parallel_spans(config, ranges, count, expected_head, progress, head_id)
            result = _join(session, spans, head_id, head_hash, expected_head, progress)
            return replace(result, processes=count)
        except WorkerFailed as exc:
            log.warning("audit verification in %d processes failed (%s); checking here", count, exc)
    dbapi = conn.connection.dbapi_connection
    spans = _local_spans(dbapi, conn.dialect.name, ranges, expected_head, progress, head_id)
    return _join(session, spans, head_id, head_hash, expected_head, progress)


def _join(
    session: Session,
    spans: Generator[chain.Span, None, None],
    head_id: int,
    head_hash: str,
    expected_head: str | None,
    progress: Callable[[int, int], None] | None,
) -> VerifyResult:
    """The verdict over the ranges' results, taken in id order: the first range that
    does not link to the one before it, holds a bad event or runs out of events."""
    prev = GENESIS_HASH
    checked = 0
    seen_expected = expected_head is None
    with closing(spans):
        for span in spans:
            if span.first_prev is not None and span.first_prev != prev:
                return _broken(checked, checked, prev, span.start, PREV_MISMATCH)
            if span.end >= span.start:
                prev, checked = str(span.last_hash), span.end
            seen_expected = seen_expected or span.seen
            if span.bad_id is not None:
                template = _PROBLEMS[str(span.problem)]
                return _broken(checked, checked, prev, span.bad_id, template, **(span.params or {}))
            if span.end < span.hi:  # the range ran out: the next event is missing
                found = session.execute(
                    select(func.min(AuditEvent.id)).where(
                        AuditEvent.id > span.end, AuditEvent.id <= head_id
                    )
                ).scalar()
                if found is None:
                    return _broken(
                        checked, checked, prev, checked + 1, MISSING_AT_END, head=head_id
                    )
                return _broken(checked, checked, prev, checked + 1, MISSING, found=int(found))
    if progress is not None:
        progress(checked, head_id)
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


def _local_spans(
    dbapi: Any,
    dialect: str,
    ranges: Sequence[tuple[int, int]],
    expected_head: str | None,
    progress: Callable[[int, int], None] | None,
    total: int,
) -> Generator[chain.Span, None, None]:
    """The ranges checked one after the other in this process and transaction, each from
    the hash the previous one ended with."""
    prev = GENESIS_HASH
    done = 0
    for lo, hi in ranges:
        span = chain.check_range(dbapi, dialect, lo, hi, prev, expected_head)
        done += span.checked
        if progress is not None:
            progress(done, total)
        yield span
        prev = str(span.last_hash)


class WorkerFailed(RuntimeError):
    """A verification process could not start, connect or read (the check then runs in the
    calling process)."""


def _worker_config(conn: Connection) -> dict[str, Any] | None:
    """How a verification process connects to this database (:func:`db.audit.chain.connect`),
    or ``None`` when it cannot (an in-memory or URI-named SQLite database, another driver)."""
    url = conn.engine.url
    backend = url.get_backend_name()
    if backend == "sqlite":
        path = url.database
        if not path or path == ":memory:" or path.startswith("file:") or url.query:
            return None
        path = os.path.abspath(path)
        return {"dialect": "sqlite", "path": path} if os.path.isfile(path) else None
    if backend == "postgresql" and url.get_driver_name() == "psycopg":
        args, params = conn.dialect.create_connect_args(url)
        if args:
            return None
        plain = {k: v for k, v in params.items() if isinstance(v, (str, int, float, bool))}
        plain.setdefault("connect_timeout", 5)
        return {"dialect": "postgresql", "params": plain}
    return None


def _process_count(requested: int | None, head_id: int, config: dict[str, Any] | None) -> int:
    if config is None:
        return 1
    if requested is None:
        try:
            cores = len(os.sched_getaffinity(0))
        except AttributeError:  # not on Linux
            cores = os.cpu_count() or 1
        requested = min(cores, MAX_PROCESSES, head_id // EVENTS_PER_PROCESS)
    return max(1, requested)


WORKER = str(Path(__file__).resolve().with_name("chain.py"))
"""The verification process: :mod:`db.audit.chain` run as a file, not with ``-m``, which
would first import this package (SQLAlchemy, the models) and start every process slower."""


def _parallel_spans(
    config: dict[str, Any],
    ranges: Sequence[tuple[int, int]],
    count: int,
    expected_head: str | None,
    progress: Callable[[int, int], None] | None,
    total: int,
) -> Generator[chain.Span, None, None]:
    """The ranges checked by ``count`` processes (:data:`WORKER`), each given
    the next range when it finishes one; yielded in id order. No range after the first one
    with a bad event (or one that runs out of events) is handed out, and the processes still
    working on such ranges are stopped when the generator closes.

    :raise WorkerFailed: a process did not start, connect or read.
    """
    root = str(Path(__file__).resolve().parents[2])
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    procs: list[subprocess.Popen[bytes]] = []
    busy: dict[subprocess.Popen[bytes], int] = {}
    selector = selectors.DefaultSelector()
    results: dict[int, chain.Span] = {}
    handed = 0
    limit = len(ranges)

    def hand_out(proc: subprocess.Popen[bytes]) -> None:
        nonlocal handed
        if handed >= limit:
            return
        lo, hi = ranges[handed]
        prev = GENESIS_HASH if lo <= 0 else None
        task = {"lo": lo, "hi": hi, "prev": prev, "expected_head": expected_head}
        assert proc.stdin is not None
        try:
            proc.stdin.write(json.dumps(task).encode() + b"\n")
            proc.stdin.flush()
        except OSError as exc:  # it died: its stdout says so next
            raise WorkerFailed(f"a verification process stopped ({exc})") from exc
        busy[proc] = handed
        handed += 1

    try:
        for _ in range(count):
            try:
                proc = subprocess.Popen(  # noqa: S603 - this package's own chain.py
                    [sys.executable, "-P", WORKER],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    env=env,
                )
            except OSError as exc:
                raise WorkerFailed(f"cannot start a verification process ({exc})") from exc
            procs.append(proc)
            assert proc.stdin is not None and proc.stdout is not None
            proc.stdin.write(json.dumps(config).encode() + b"\n")
            selector.register(proc.stdout, selectors.EVENT_READ, proc)
            hand_out(proc)
        pending = {proc: b"" for proc in procs}
        done = 0
        yielded = 0
        while yielded < limit:
            if yielded in results:
                yield results.pop(yielded)
                yielded += 1
                continue
            for key, _events in selector.select():
                proc = key.data
                chunk = os.read(key.fd, 1 << 16)
                if not chunk:
                    raise WorkerFailed(f"a verification process ended (exit {proc.wait()})")
                pending[proc] += chunk
                while b"\n" in pending[proc]:
                    line, pending[proc] = pending[proc].split(b"\n", 1)
                    message = json.loads(line)
                    if "error" in message:
                        raise WorkerFailed(message["error"])
                    index = busy.pop(proc)
                    span = chain.Span(**message)
                    results[index] = span
                    if span.bad_id is not None or span.end < span.hi:
                        limit = min(limit, index + 1)
                    done += span.checked
                    if progress is not None:
                        progress(min(done, total), total)
                    hand_out(proc)
    finally:
        selector.close()
        for proc in procs:
            with suppress(OSError):
                assert proc.stdin is not None
                proc.stdin.close()  # an idle process ends at the end of its input
            if proc in busy:
                proc.kill()  # checking a range after the first bad event: not needed
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            if proc.stdout is not None:
                proc.stdout.close()


def _hash_of(session: Session, event_id: int) -> str:
    if event_id <= 0:
        return GENESIS_HASH
    return str(
        session.execute(select(AuditEvent.hash).where(AuditEvent.id == event_id)).scalar_one()
    )
