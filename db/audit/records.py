"""Record seals: the audited records themselves made tamper-evident, not only the log.

Every audit event about a record of an audited kind (:data:`SEALED`) seals that record's
state as the write left it: a SHA-256 digest over every column (with an evaluation's scores
and an expert's fields, which are written with them) and a short digest per field, stored in
``record_seals`` with the event's id. The event's ``seal`` column, part of its chain hash,
is the SHA-256 over its seals, so a seal cannot be changed without breaking the chain.

:func:`verify_records` then compares every audited table with the newest seal of each
record: a record changed, inserted or deleted outside the audited writes (a direct SQL
statement) is reported with its table, id and the fields that differ. Everything is read
in id order with plain cursors and merged, so memory stays flat however large the tables.

This is the idea of SQL Server's ledger tables (each table's state verified against its
ledger), kept within what SQLite and PostgreSQL both offer. See docs/audit-chain.md.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import groupby
from typing import Any

from sqlalchemy import Table, func, insert, select
from sqlalchemy.orm import Session

from db.clock import utc_naive
from db.models import Base, RecordSeal

FIELD_DIGEST_CHARS = 12


@dataclass(frozen=True)
class Sealed:
    """An audited kind: its table, and a child table whose rows belong to the record
    (``child``: table, the column naming the parent, the column naming the child row, the
    column holding its value; ``None`` for a set of codes)."""

    table: str
    child: tuple[str, str, str, str | None] | None = None


SEALED: dict[str, Sealed] = {
    "technology": Sealed("technologies"),
    "adoption": Sealed("adoptions"),
    "testbed": Sealed("testbeds"),
    "meeting": Sealed("meetings"),
    "agenda_item": Sealed("agenda_items"),
    "panel_seat": Sealed("panel_seats"),
    "evaluation": Sealed(
        "evaluations", ("evaluation_scores", "evaluation_id", "criterion", "score")
    ),
    "expert": Sealed("experts", ("expert_fields", "expert_id", "field", None)),
    "organization": Sealed("organizations"),
    "inquiry": Sealed("inquiries"),
    "inquiry_followup": Sealed("inquiry_followups"),
    "agreement": Sealed("agreements"),
    "regulation_version": Sealed("regulation_versions"),
    "contract": Sealed("contracts"),
    "adoption_evaluation": Sealed("adoption_evaluations"),
    "sale": Sealed("testbed_sales"),
    "application": Sealed(
        "applications", ("application_attachments", "application_id", "id", "sha256")
    ),
}
"""The audited kinds of record (the event's ``entity``, see :func:`kind_of`) and their
tables. Not sealed: accounts, sign-in throttles, sessions and the mail outbox, which sign-ins
and the mailer change without an audit event of their own."""
BY_TABLE = {s.table: s for s in SEALED.values()}
ENTITY_OF = {s.table: entity for entity, s in SEALED.items()}

OUTCOME_EVALUATION = "adoption_evaluation"


def kind_of(entity: str, action: str, after: Any) -> str:
    """The kind of record an event is about. Its ``entity``, except that the outcomes'
    evaluation of an adoption (``db.outcomes``) and a panel member's scores share the entity
    ``evaluation``: the outcomes' one is :data:`OUTCOME_EVALUATION` (its ``evaluation.edit``,
    or an ``after`` that names the adoption)."""
    if entity != "evaluation":
        return entity
    if action == "evaluation.edit":
        return OUTCOME_EVALUATION
    if isinstance(after, str) and after:
        try:
            after = json.loads(after)
        except ValueError:
            return entity
    return OUTCOME_EVALUATION if isinstance(after, dict) and "adoption_id" in after else entity


# --- A record's digest ----------------------------------------------------------------------


def _text(value: Any) -> str:
    """A column value as sealed: the same text for the same value on every read."""
    if value is None:
        return "\x00"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return utc_naive(value).isoformat(timespec="microseconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (bytes, memoryview)):
        return "sha256:" + hashlib.sha256(bytes(value)).hexdigest()
    return str(value)


def _fields(table: Table, row: Sequence[Any], children: Iterable[Sequence[Any]]) -> dict[str, str]:
    out = {c.name: _text(v) for c, v in zip(table.columns, row, strict=True)}
    for child in children:
        out[f"{child[0]}"] = _text(child[1]) if len(child) > 1 else "true"
    return out


def digest_of(fields: dict[str, str]) -> tuple[str, dict[str, str]]:
    """The record's digest (SHA-256 over every name and value) and a short digest per field."""
    whole = hashlib.sha256()
    short: dict[str, str] = {}
    for name in sorted(fields):
        item = f"{name}\x1f{fields[name]}\x1e".encode()
        whole.update(item)
        short[name] = hashlib.sha256(item).hexdigest()[:FIELD_DIGEST_CHARS]
    return whole.hexdigest(), short


def _table(name: str) -> Table:
    return Base.metadata.tables[name]


def _child_query(sealed: Sealed, ids: Sequence[int] | None = None) -> Any:
    assert sealed.child is not None
    name, parent, key, value = sealed.child
    child = _table(name)
    cols = [child.c[parent], child.c[key]] + ([child.c[value]] if value else [])
    query = select(*cols).order_by(child.c[parent], child.c[key])
    if ids is not None:
        query = query.where(child.c[parent].in_(ids))
    return query


def _child_label(sealed: Sealed, row: Sequence[Any]) -> tuple[Any, ...]:
    """(name, value) of a child row: ``score:novelty``/92, ``field:roads``."""
    assert sealed.child is not None
    prefix = "score" if sealed.child[3] else "field"
    return (f"{prefix}:{row[1]}", *row[2:])


def current_states(
    session: Session, sealed: Sealed, ids: Sequence[int]
) -> dict[int, tuple[str, dict[str, str]]]:
    """The digests of records ``ids`` as they are now (missing ones left out)."""
    table = _table(sealed.table)
    rows = session.execute(select(table).where(table.c.id.in_(ids))).all()
    children: dict[int, list[tuple[Any, ...]]] = {}
    if sealed.child is not None:
        for r in session.execute(_child_query(sealed, ids)).all():
            children.setdefault(int(r[0]), []).append(_child_label(sealed, r))
    out = {}
    for row in rows:
        rid = int(row.id)
        out[rid] = digest_of(_fields(table, tuple(row), children.get(rid, ())))
    return out


# --- Sealing --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SealEntry:
    table: str
    record_id: int
    digest: str | None  # None: the record is gone
    fields: str | None  # JSON {field: short digest}


def seals_for(session: Session, records: Iterable[tuple[str, Any]]) -> list[SealEntry]:
    """The seals of the audited records among ``(entity, entity_id)`` as they are now (the
    caller has flushed its writes)."""
    wanted: dict[str, set[int]] = {}
    for entity, entity_id in records:
        sealed = SEALED.get(entity)
        if sealed is None or entity_id is None or not str(entity_id).isdigit():
            continue
        wanted.setdefault(entity, set()).add(int(entity_id))
    entries: list[SealEntry] = []
    for entity, id_set in wanted.items():
        sealed = SEALED[entity]
        ids = sorted(id_set)
        for start in range(0, len(ids), 5_000):
            part = ids[start : start + 5_000]
            states = current_states(session, sealed, part)
            for rid in part:
                state = states.get(rid)
                if state is None:
                    entries.append(SealEntry(sealed.table, rid, None, None))
                else:
                    entries.append(SealEntry(sealed.table, rid, state[0], _compact(state[1])))
    return entries


def _compact(short: dict[str, str]) -> str:
    return json.dumps(short, sort_keys=True, separators=(",", ":"))


def seal_digest(entries: Iterable[SealEntry | Sequence[Any]]) -> str:
    """SHA-256 over an event's seals in (table, record) order: the event's ``seal``."""
    h = hashlib.sha256()
    rows = [
        (e.table, e.record_id, e.digest, e.fields) if isinstance(e, SealEntry) else tuple(e)
        for e in entries
    ]
    for table, rid, digest, fields in sorted(rows, key=lambda r: (r[0], int(r[1]))):
        h.update(f"{table}\x1f{int(rid)}\x1f{digest or '-'}\x1f{fields or '-'}\x1e".encode())
    return h.hexdigest()


def store_seals(session: Session, event_id: int, entries: Sequence[SealEntry]) -> None:
    """Insert the seals of event ``event_id``."""
    if not entries:
        return
    rows = [
        {
            "event_id": event_id,
            "table_name": e.table,
            "record_id": e.record_id,
            "digest": e.digest,
            "fields": e.fields,
        }
        for e in entries
    ]
    for start in range(0, len(rows), 2_000):
        session.execute(insert(RecordSeal), rows[start : start + 2_000])


def baseline_seals(session: Session, chunk: int) -> Iterator[list[SealEntry]]:
    """The seals of every audited record, ``chunk`` at a time, when no record was ever sealed
    (a database that held records before migration 0013, or the seed's); nothing once any
    seal exists, so a record inserted by hand later is never sealed by this. Each table is
    read once, in id order."""
    if session.execute(select(RecordSeal.event_id).limit(1)).first() is not None:
        return
    part: list[SealEntry] = []
    for sealed in SEALED.values():
        for rid, (digest, short) in list(_current(session, sealed)):
            part.append(SealEntry(sealed.table, rid, digest, _compact(short)))
            if len(part) >= chunk:
                yield part
                part = []
    if part:
        yield part


# --- Verification ---------------------------------------------------------------------------

CHANGED = "changed"
INSERTED = "inserted"
DELETED = "deleted"
SEALS_ALTERED = "seals_altered"


@dataclass(frozen=True)
class RecordProblem:
    """A record whose state is not the one its audited writes left: ``kind`` is
    :data:`CHANGED` (``fields`` names what differs), :data:`INSERTED` (no audited write
    created it), :data:`DELETED` (no audited write deleted it), or :data:`SEALS_ALTERED`
    (the stored seals of event ``event_id`` do not match the event)."""

    kind: str
    table: str
    record_id: int
    fields: tuple[str, ...] = ()
    event_id: int | None = None


@dataclass(frozen=True)
class RecordsResult:
    """What :func:`verify_records` found: records checked per table and the problems (the
    first :data:`MAX_PROBLEMS`; ``more``: there were more)."""

    checked: int
    tables: dict[str, int]
    problems: tuple[RecordProblem, ...] = ()
    more: bool = False
    unsealed: bool = False  # no record was ever sealed: nothing to compare yet

    @property
    def ok(self) -> bool:
        return not self.problems


def describe_problem(problem: RecordProblem) -> str:
    """A problem as an English sentence (the command line's; the UI words its own)."""
    where = f"{problem.table} record {problem.record_id}"
    if problem.kind == CHANGED:
        return f"{where} was changed outside the audited writes: {', '.join(problem.fields)}"
    if problem.kind == INSERTED:
        return f"{where} was inserted outside the audited writes"
    if problem.kind == DELETED:
        return f"{where} was deleted outside the audited writes"
    return f"the seals stored for event {problem.event_id} do not match it ({where})"


MAX_PROBLEMS = 200
_CHUNK = 5_000


def _stream(session: Session, query: Any) -> Iterator[Any]:
    result = session.execute(query.execution_options(yield_per=_CHUNK))
    yield from result


def _latest_seals(session: Session, table: str, head_id: int) -> Iterator[Any]:
    """The newest seal of each record of ``table`` (up to event ``head_id``), by record."""
    rs = RecordSeal.__table__
    ranked = (
        select(
            rs.c.record_id,
            rs.c.digest,
            rs.c.fields,
            rs.c.event_id,
            func.row_number()
            .over(partition_by=rs.c.record_id, order_by=rs.c.event_id.desc())
            .label("rn"),
        )
        .where(rs.c.table_name == table, rs.c.event_id <= head_id)
        .subquery()
    )
    query = (
        select(ranked.c.record_id, ranked.c.digest, ranked.c.fields, ranked.c.event_id)
        .where(ranked.c.rn == 1)
        .order_by(ranked.c.record_id)
    )
    return _stream(session, query)


def _current(session: Session, sealed: Sealed) -> Iterator[tuple[int, tuple[str, dict[str, str]]]]:
    """Every record of the table with its digests, by id (children merged in, streamed)."""
    table = _table(sealed.table)
    rows = _stream(session, select(table).order_by(table.c.id))
    if sealed.child is None:
        for row in rows:
            yield int(row.id), digest_of(_fields(table, tuple(row), ()))
        return
    kids = groupby(_stream(session, _child_query(sealed)), key=lambda r: int(r[0]))
    pending = next(kids, None)
    for row in rows:
        rid = int(row.id)
        while pending is not None and pending[0] < rid:
            pending = next(kids, None)
        children: list[tuple[Any, ...]] = []
        if pending is not None and pending[0] == rid:
            children = [_child_label(sealed, r) for r in pending[1]]
            pending = next(kids, None)
        yield rid, digest_of(_fields(table, tuple(row), children))


def _differing(expected: str | None, actual: dict[str, str]) -> tuple[str, ...]:
    sealed = json.loads(expected) if expected else {}
    names = sorted(set(sealed) | set(actual))
    return tuple(n for n in names if sealed.get(n) != actual.get(n))


def _check_seal_log(session: Session, head_id: int, problems: list[RecordProblem]) -> None:
    """Each event's stored seals must hash to the event's ``seal`` (an edited, added or
    removed seal row is found here; the chain check vouches for the events)."""
    from db.models import AuditEvent

    events = _stream(
        session,
        select(AuditEvent.id, AuditEvent.seal)
        .where(AuditEvent.seal.is_not(None), AuditEvent.id <= head_id)
        .order_by(AuditEvent.id),
    )
    rs = RecordSeal.__table__
    seals = groupby(
        _stream(
            session,
            select(rs.c.event_id, rs.c.table_name, rs.c.record_id, rs.c.digest, rs.c.fields)
            .where(rs.c.event_id <= head_id)
            .order_by(rs.c.event_id, rs.c.table_name, rs.c.record_id),
        ),
        key=lambda r: int(r[0]),
    )
    group = next(seals, None)
    for event_id, seal in events:
        while group is not None and group[0] < event_id:  # seals of an event without a seal
            first = next(iter(group[1]))
            problems.append(
                RecordProblem(SEALS_ALTERED, str(first[1]), int(first[2]), event_id=group[0])
            )
            group = next(seals, None)
        rows: list[Any] = []
        if group is not None and group[0] == event_id:
            rows = [tuple(r[1:]) for r in group[1]]
            group = next(seals, None)
        if seal_digest(rows) != seal:
            table, rid = (str(rows[0][0]), int(rows[0][1])) if rows else ("", 0)
            problems.append(RecordProblem(SEALS_ALTERED, table, rid, event_id=int(event_id)))
        if len(problems) > MAX_PROBLEMS:
            return
    while group is not None:
        first = next(iter(group[1]))
        problems.append(
            RecordProblem(SEALS_ALTERED, str(first[1]), int(first[2]), event_id=group[0])
        )
        group = next(seals, None)


def verify_records(
    session: Session,
    *,
    head_id: int,
    progress: Callable[[int, int], None] | None = None,
) -> RecordsResult:
    """Compare every audited table with its records' newest seals (up to event ``head_id``,
    the head the chain check read): the first :data:`MAX_PROBLEMS` records that differ, by
    table and id. ``progress(done, total)`` after each table (total: the tables, plus one for
    the seals' own check). A database where no record was ever sealed (before the baseline
    of ``python -m db upgrade``) has nothing to compare: ``unsealed``. Reads only."""
    problems: list[RecordProblem] = []
    tables: dict[str, int] = {}
    total = len(SEALED) + 1
    if session.execute(select(RecordSeal.event_id).limit(1)).first() is None:
        if progress is not None:
            progress(total, total)
        return RecordsResult(checked=0, tables={}, unsealed=True)
    _check_seal_log(session, head_id, problems)
    if progress is not None:
        progress(1, total)
    for n, sealed in enumerate(SEALED.values(), start=2):
        count = 0
        expected = _latest_seals(session, sealed.table, head_id)
        want = next(expected, None)
        for rid, (digest, short) in _current(session, sealed):
            count += 1
            while want is not None and int(want.record_id) < rid:
                if want.digest is not None:
                    problems.append(RecordProblem(DELETED, sealed.table, int(want.record_id)))
                want = next(expected, None)
            if want is None or int(want.record_id) > rid:
                problems.append(RecordProblem(INSERTED, sealed.table, rid))
                continue
            if want.digest is None:
                problems.append(RecordProblem(INSERTED, sealed.table, rid))
            elif want.digest != digest:
                names = _differing(want.fields, short)
                problems.append(RecordProblem(CHANGED, sealed.table, rid, names))
            want = next(expected, None)
        while want is not None:
            if want.digest is not None:
                problems.append(RecordProblem(DELETED, sealed.table, int(want.record_id)))
            want = next(expected, None)
        tables[sealed.table] = count
        if progress is not None:
            progress(n, total)
    more = len(problems) > MAX_PROBLEMS
    return RecordsResult(
        checked=sum(tables.values()),
        tables=tables,
        problems=tuple(problems[:MAX_PROBLEMS]),
        more=more,
    )
