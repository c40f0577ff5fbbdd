"""Record seals: the audited records themselves made tamper-evident, not only the log.

Every audit event about a record of an audited kind (:data:`SEALED`) seals that record's
state as the write left it: a SHA-256 digest over every column (with an evaluation's scores,
an expert's fields and an application's attachments, which are written with them) and a
short digest per field, stored in ``record_seals`` with the event's id; a bulk write seals
its records in one read per 5,000 (an import: from the rows its statements return, no read)
and one insert per 10,000. The event's ``seal`` column,
part of its chain hash, is the SHA-256 over its seals, so a seal cannot be changed without
breaking the chain.

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
import functools
import hashlib
import heapq
import json
import struct
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import groupby
from operator import itemgetter
from typing import Any

from sqlalchemy import LargeBinary, Table, func, or_, select
from sqlalchemy.orm import Session

from db.clock import utc_naive
from db.models import Base, RecordSeal

FIELD_DIGEST_CHARS = 8  # hex digits of a field's CRC-32


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
    "publication": Sealed("publications"),
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


# --- A record's state -----------------------------------------------------------------------
#
# A record's state is its column values as text, in the table's column order (a value's
# ``repr``: one C call a value), then its child rows as ``name 0x1F value`` in name order; its
# digest is the SHA-256 of them all. Each field also has a short digest (its CRC-32) so that a
# difference can be named: a seal's ``fields`` holds the columns' one after the other, then
# ``|`` and the child rows' as ``name=digest`` separated by ``;``. A table whose columns
# change (a later migration) shows every column of a sealed record as differing until sealed
# again.

_sha256 = hashlib.sha256


def _text(value: Any) -> str:
    """A column value as sealed: the same text for the same value on every read."""
    kind = type(value)
    if kind is str:
        return value
    if kind is int:
        return str(value)
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
        return "sha256:" + _sha256(bytes(value)).hexdigest()
    return str(value)


@functools.cache
def _plain(table_name: str) -> bool:
    """Whether every column's value reads back as a value whose ``repr`` is the same on
    every read (no binary column, whose driver may hand out a memoryview)."""
    return not any(isinstance(c.type, LargeBinary) for c in _table(table_name).columns)


def _names(table_name: str) -> tuple[str, ...]:
    return tuple(_table(table_name).c.keys())


def _short(texts: Iterable[str]) -> str:
    """The short digests of ``texts``, one after the other (CRC-32, 8 hex digits each: they
    only name the field that differs; the record's SHA-256 is what detects a change)."""
    codes = list(map(zlib.crc32, map(str.encode, texts)))
    return _packer(len(codes)).pack(*codes).hex()


@functools.cache
def _packer(n: int) -> struct.Struct:
    return struct.Struct(f">{n}I")


def _digest(head: str, kids: Sequence[str]) -> str:
    """A record's SHA-256: its columns' texts joined (``head``), then its child rows'."""
    text = head + "\x1d" + "\x1e".join(kids) if kids else head
    return _sha256(text.encode()).hexdigest()


def _fields(short: str, kids: Sequence[str]) -> str:
    """The short digests as a seal stores them: the columns' (``short``), then ``|`` and
    the child rows' as ``name=digest`` separated by ``;``."""
    if not kids:
        return short
    n = FIELD_DIGEST_CHARS
    codes = _short(kids)
    tail = ";".join(
        f"{k[: k.index(chr(0x1F))]}={codes[j * n : (j + 1) * n]}" for j, k in enumerate(kids)
    )
    return f"{short}|{tail}"


@dataclass(frozen=True)
class State:
    """A record's state: its column values as text in the table's column order, and its
    child rows as ``name 0x1F value`` in name order (``score:novelty``, ``field:roads``)."""

    texts: tuple[str, ...]
    kids: tuple[str, ...] = ()

    @property
    def digest(self) -> str:
        return _digest("\x1e".join(self.texts), self.kids)

    def fields(self) -> str:
        """The short digests as a seal stores them (:func:`_fields`)."""
        return _fields(_short(self.texts), self.kids)


def _state(table_name: str, row: Sequence[Any], children: Sequence[str] = ()) -> State:
    """A row's state. A value's text is its ``repr`` (one C call a value; the same value
    reads back as the same type from the same database), a binary value's its SHA-256."""
    texts = tuple(map(repr, row)) if _plain(table_name) else tuple(map(_text, row))
    if not children:
        return State(texts)
    return State(texts, tuple(sorted(children)))


def _table(name: str) -> Table:
    return Base.metadata.tables[name]


def _child_query(sealed: Sealed) -> Any:
    assert sealed.child is not None
    name, parent, key, value = sealed.child
    child = _table(name)
    cols = [child.c[parent], child.c[key]] + ([child.c[value]] if value else [])
    return select(*cols).order_by(child.c[parent], child.c[key])


_PREFIXES = {"evaluation_scores": "score", "application_attachments": "attachment"}


def _child_label(sealed: Sealed, row: Sequence[Any]) -> str:
    """A child row as sealed, ``name 0x1F value``: ``score:novelty``/92, ``field:roads``
    (a set of codes: ``true``), ``attachment:3``/its SHA-256."""
    assert sealed.child is not None
    prefix = _PREFIXES.get(sealed.child[0], "field")
    value = _text(row[2]) if len(row) > 2 else "true"
    return f"{prefix}:{row[1]}\x1f{value}"


def _labeller(sealed: Sealed) -> Callable[[Iterable[Sequence[Any]]], list[str]]:
    """:func:`_child_label` for many child rows of one kind at once (the verification's)."""
    assert sealed.child is not None
    prefix = _PREFIXES.get(sealed.child[0], "field")
    if sealed.child[3] is None:
        return lambda rows: [f"{prefix}:{r[1]}\x1ftrue" for r in rows]
    text = _text
    return lambda rows: [f"{prefix}:{r[1]}\x1f{text(r[2])}" for r in rows]


def _among(column: Any, ids: Sequence[int]) -> Any:
    """``column IN ids``; as a range when ``ids`` (sorted) are dense, as an import's are (a
    range is one bound pair, an IN list one parameter an id)."""
    if ids[-1] - ids[0] < 2 * len(ids):
        return column.between(ids[0], ids[-1])
    return column.in_(ids)


def current_states(session: Session, sealed: Sealed, ids: Sequence[int]) -> dict[int, State]:
    """The states of records ``ids`` (sorted) as they are now (missing ones left out)."""
    table = _table(sealed.table)
    wanted = set(ids)
    rows = session.execute(select(table).where(_among(table.c.id, ids))).all()
    children: dict[int, list[str]] = {}
    if sealed.child is not None:
        child = _child_query(sealed)
        parent = _table(sealed.child[0]).c[sealed.child[1]]
        for r in session.execute(child.where(_among(parent, ids))).all():
            children.setdefault(int(r[0]), []).append(_child_label(sealed, r))
    position = table.c.keys().index("id")
    out = {}
    for row in rows:
        rid = int(row[position])
        if rid in wanted:
            out[rid] = _state(sealed.table, row, children.get(rid, ()))
    return out


# --- Sealing --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SealEntry:
    table: str
    record_id: int
    digest: str | None  # None: the record is gone
    fields: str | None  # the short digests (:meth:`State.fields`)


def _entry(table: str, record_id: int, state: State | None) -> SealEntry:
    if state is None:
        return SealEntry(table, record_id, None, None)
    return SealEntry(table, record_id, state.digest, state.fields())


# --- Seals of the rows a write returned -----------------------------------------------------
#
# A bulk write (an import, the seed) seals its records from the rows its INSERT returns
# (``RETURNING`` every column, :func:`returning`) instead of reading them back: the rows
# come from the database through the same column types as a read, so their seals are the
# ones a read would give, byte for byte.


def child_labels(sealed: Sealed, rows: Iterable[Sequence[Any]]) -> dict[int, list[str]]:
    """The child rows (as :func:`returning` gives them) as sealed, by parent id."""
    out: dict[int, list[str]] = {}
    for row in rows:
        out.setdefault(int(row[0]), []).append(_child_label(sealed, row))
    return out


def entries_of_rows(
    table_name: str,
    rows: Iterable[Sequence[Any]],
    children: dict[int, list[str]] | None = None,
) -> list[SealEntry]:
    """The seals of records ``rows`` of ``table_name`` as an INSERT or UPDATE returned them
    (every column, in the table's order): what :func:`_state` and :func:`_entry` give for
    a read of them, in one pass. ``children``: the child rows of a kind that has them, by
    parent id (as :func:`child_labels` gives them; none when left out)."""
    position = _table(table_name).c.keys().index("id")
    text = repr if _plain(table_name) else _text
    join, sha, crc = "\x1e".join, _sha256, zlib.crc32
    out = []
    for row in rows:
        rid = int(row[position])
        texts = tuple(map(text, row))
        kids = sorted(children.get(rid, ())) if children else ()
        if kids:
            entry = SealEntry(
                table_name, rid, _digest(join(texts), kids), _fields(_short(texts), kids)
            )
        else:
            codes = _packer(len(texts)).pack(*map(crc, map(str.encode, texts))).hex()
            entry = SealEntry(table_name, rid, sha(join(texts).encode()).hexdigest(), codes)
        out.append(entry)
    return out


def seals_for(session: Session, records: Iterable[tuple[str, Any]]) -> list[SealEntry]:
    """The seals of the audited records among ``(kind, entity_id)`` as they are now (the
    caller has flushed its writes): each table read once per 5,000 records."""
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
            entries += [_entry(sealed.table, rid, states.get(rid)) for rid in part]
    return entries


def seal_digest(entries: Iterable[SealEntry | Sequence[Any]]) -> str:
    """SHA-256 over an event's seals in (table, record) order: the event's ``seal``."""
    if isinstance(entries, list) and len(entries) == 1 and isinstance(entries[0], SealEntry):
        e = entries[0]  # an event of one record (an import's): the same text, made at once
        one = f"{e.table}\x1f{e.record_id}\x1f{e.digest or '-'}\x1f{e.fields or '-'}\x1e"
        return _sha256(one.encode()).hexdigest()
    rows = [
        (e.table, e.record_id, e.digest, e.fields)
        if isinstance(e, SealEntry)
        else (str(e[0]), int(e[1]), e[2], e[3])
        for e in entries
    ]
    rows.sort(key=lambda r: (r[0], r[1]))
    text = "".join(
        f"{table}\x1f{rid}\x1f{digest or '-'}\x1f{fields or '-'}\x1e"
        for table, rid, digest, fields in rows
    )
    return _sha256(text.encode()).hexdigest()


SealRow = tuple[int, str, int, str | None, str | None]
"""A ``record_seals`` row: event, table, record, digest, short digests."""
_INSERT_SEALS = {
    "sqlite": "INSERT INTO record_seals (event_id, table_name, record_id, digest, fields) "
    "VALUES (?, ?, ?, ?, ?)",
    "postgresql": "INSERT INTO record_seals (event_id, table_name, record_id, digest, fields) "
    "VALUES (%s, %s, %s, %s, %s)",
}


def seal_rows(event_id: int, entries: Iterable[SealEntry]) -> list[SealRow]:
    """The ``record_seals`` rows of event ``event_id``."""
    return [(event_id, e.table, e.record_id, e.digest, e.fields) for e in entries]


def insert_seal_rows(session: Session, rows: Sequence[SealRow]) -> None:
    """Insert ``record_seals`` rows in one executemany of the driver per 10,000 (the rows as
    they are, without SQLAlchemy's work per row; on PostgreSQL psycopg pipelines the rows of
    one parsed statement)."""
    if not rows:
        return
    conn = session.connection()
    statement = _INSERT_SEALS[conn.dialect.name]
    for start in range(0, len(rows), 10_000):
        conn.exec_driver_sql(statement, list(rows[start : start + 10_000]))


def store_seals(session: Session, event_id: int, entries: Sequence[SealEntry]) -> None:
    """Insert the seals of event ``event_id``."""
    insert_seal_rows(session, seal_rows(event_id, entries))


def any_sealed(session: Session) -> bool:
    """Whether any record was ever sealed."""
    return session.execute(select(RecordSeal.event_id).limit(1)).first() is not None


def baseline_seals(
    session: Session,
    chunk: int,
    *,
    known: Mapping[str, Sequence[SealEntry]] | None = None,
    with_known: bool = True,
) -> Iterator[list[SealEntry]]:
    """The seals of every audited record, ``chunk`` at a time, when no record was ever sealed
    (a database that held records before migration 0013, or the seed's); nothing once any
    seal exists, so a record inserted by hand later is never sealed by this. Each table is
    read once, in id order. ``known``: seals already computed from the rows a write
    returned, by table (an import's records): those records are not read again (a table's
    read leaves their ids out when they are one range), and given among the others unless
    ``with_known`` is false."""
    if any_sealed(session):
        return
    part: list[SealEntry] = []
    for sealed in SEALED.values():
        have = sorted((known or {}).get(sealed.table, ()), key=lambda e: e.record_id)
        skip = [e.record_id for e in have]
        read = (_entry(sealed.table, rid, state) for rid, state in _current(session, sealed, skip))
        merged = heapq.merge(read, have, key=lambda e: e.record_id)
        for entry in merged if have and with_known else read:
            part.append(entry)
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
    """The rows of ``query``, fetched :data:`_CHUNK` at a time (a batch of rows made at once:
    iterating a result row by row costs a fetch call a row)."""
    result = session.execute(query.execution_options(yield_per=_CHUNK))
    for part in result.partitions():
        yield from part


Span = tuple[int, int | None]
"""Records ``lo <= id < hi`` (``hi`` ``None``: no upper bound): a part of a table."""
WHOLE: Span = (0, None)


def _in_span(column: Any, span: Span) -> Any:
    lo, hi = span
    return column >= lo if hi is None else column.between(lo, hi - 1)


def _latest_seals(session: Session, table: str, head_id: int, span: Span = WHOLE) -> Iterator[Any]:
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
        .where(_in_span(rs.c.record_id, span))
        .subquery()
    )
    query = (
        select(ranked.c.record_id, ranked.c.digest, ranked.c.fields, ranked.c.event_id)
        .where(ranked.c.rn == 1)
        .order_by(ranked.c.record_id)
    )
    return _stream(session, query)


def _current(
    session: Session, sealed: Sealed, skip: Sequence[int] = (), span: Span = WHOLE
) -> Iterator[tuple[int, State]]:
    """Every record of the table (in ``span``) with its state, by id (children merged in,
    streamed); ``skip``: ids (sorted) left out (in the query when they are one range)."""
    table = _table(sealed.table)
    position = table.c.keys().index("id")
    query, kid_query = select(table).order_by(table.c.id), None
    if sealed.child is not None:
        kid_query = _child_query(sealed)
    if span != WHOLE:
        query = query.where(_in_span(table.c.id, span))
        if kid_query is not None:
            parent = _table(sealed.child[0]).c[sealed.child[1]]  # type: ignore[index]
            kid_query = kid_query.where(_in_span(parent, span))
    left_out = frozenset(skip)
    if skip and skip[-1] - skip[0] + 1 == len(left_out):
        query = query.where(or_(table.c.id < skip[0], table.c.id > skip[-1]))
        if kid_query is not None:
            parent = _table(sealed.child[0]).c[sealed.child[1]]  # type: ignore[index]
            kid_query = kid_query.where(or_(parent < skip[0], parent > skip[-1]))
        left_out = frozenset()
    rows = _stream(session, query)
    if kid_query is None:
        name = sealed.table
        for row in rows:
            rid = int(row[position])
            if rid not in left_out:
                yield rid, _state(name, row)
        return
    kids = groupby(_stream(session, kid_query), key=itemgetter(0))
    labels = _labeller(sealed)
    pending = next(kids, None)
    for row in rows:
        rid = int(row[position])
        while pending is not None and pending[0] < rid:
            pending = next(kids, None)
        children: list[str] = []
        if pending is not None and pending[0] == rid:
            children = labels(pending[1])
            pending = next(kids, None)
        if rid not in left_out:
            yield rid, _state(sealed.table, row, children)


def _differing(table_name: str, expected: str | None, state: State) -> tuple[str, ...]:
    """The fields whose short digests differ from the sealed ones (every column when the
    table's columns are not the sealed ones)."""
    n = FIELD_DIGEST_CHARS
    names = _names(table_name)
    head, _sep, tail = (expected or "").partition("|")
    now_head, _sep, now_tail = state.fields().partition("|")
    if len(head) != len(now_head):
        out = set(names)
    else:
        out = {
            name
            for k, name in enumerate(names)
            if head[k * n : (k + 1) * n] != now_head[k * n : (k + 1) * n]
        }

    def pairs(text: str) -> dict[str, str]:
        return dict(p.rsplit("=", 1) for p in text.split(";") if p)

    was, now = pairs(tail), pairs(now_tail)
    out |= {k for k in set(was) | set(now) if was.get(k) != now.get(k)}
    return tuple(sorted(out))


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


def _check_table(
    session: Session,
    sealed: Sealed,
    head_id: int,
    problems: list[RecordProblem],
    span: Span = WHOLE,
) -> int:
    """Compare one table (the records in ``span``) with its records' newest seals; how many
    records it holds."""
    count = 0
    expected = _latest_seals(session, sealed.table, head_id, span)
    want = next(expected, None)
    for rid, state in _current(session, sealed, span=span):
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
        elif want.digest != state.digest:
            names = _differing(sealed.table, want.fields, state)
            problems.append(RecordProblem(CHANGED, sealed.table, rid, names))
        want = next(expected, None)
        if len(problems) > MAX_PROBLEMS:
            return count
    while want is not None:
        if want.digest is not None:
            problems.append(RecordProblem(DELETED, sealed.table, int(want.record_id)))
        want = next(expected, None)
    return count


SEAL_LOG = "record_seals"
"""The job name of the seals' own check (:func:`verify_records`'s ``on_table``)."""


def _job(
    session: Session, name: str, head_id: int, span: Span = WHOLE
) -> tuple[int, list[RecordProblem]]:
    """One part of the verification: the seals' own check, or one table's (its records in
    ``span``)."""
    problems: list[RecordProblem] = []
    if name == SEAL_LOG:
        _check_seal_log(session, head_id, problems)
        return 0, problems
    return _check_table(session, BY_TABLE[name], head_id, problems, span), problems


SPLIT_FROM = 100_000
"""Records (by largest id) from which a table is checked in parts, one a process, when
several processes check: the largest table would otherwise be the last job running alone."""


def _parts(session: Session, processes: int) -> list[tuple[str, Span, int]]:
    """The jobs of a check by ``processes`` processes, largest first (for the pool to start
    them in that order): the seals' own check, and each table whole or, from
    :data:`SPLIT_FROM` records, in ``processes`` ranges of ids; with a size to order by."""
    sizes = {
        s.table: int(session.execute(select(func.max(_table(s.table).c.id))).scalar() or 0)
        for s in SEALED.values()
    }
    jobs: list[tuple[str, Span, int]] = [(SEAL_LOG, WHOLE, sum(sizes.values()))]
    for table, size in sizes.items():
        if size < SPLIT_FROM:
            jobs.append((table, WHOLE, size))
            continue
        step = size // processes + 1
        bounds = [k * step for k in range(processes)]
        for k, lo in enumerate(bounds):
            hi = bounds[k + 1] if k + 1 < len(bounds) else None
            jobs.append((table, (lo, hi), step))
    return sorted(jobs, key=lambda j: -j[2])


def _job_in_process(
    url: str, name: str, head_id: int, span: Span = WHOLE
) -> tuple[int, list[RecordProblem], float]:
    """:func:`_job` in a worker process, on its own connection."""
    import time

    from db.engine import make_engine
    from db.session import read_session

    started = time.perf_counter()
    engine = make_engine(url)
    try:
        with read_session(engine) as s:
            count, problems = _job(s, name, head_id, span)
    finally:
        engine.dispose()
    return count, problems, time.perf_counter() - started


def _recheck(session: Session, head_id: int, problem: RecordProblem) -> RecordProblem | None:
    """A problem a worker found, checked again in ``session`` (whose reads are those of the
    chain check): a record a worker read after a later write is not reported."""
    if problem.kind == SEALS_ALTERED:
        return problem
    sealed = BY_TABLE[problem.table]
    rs = RecordSeal.__table__
    want = session.execute(
        select(rs.c.digest, rs.c.fields)
        .where(
            rs.c.table_name == problem.table,
            rs.c.record_id == problem.record_id,
            rs.c.event_id <= head_id,
        )
        .order_by(rs.c.event_id.desc())
        .limit(1)
    ).first()
    state = current_states(session, sealed, [problem.record_id]).get(problem.record_id)
    if state is None:
        return None if want is None or want.digest is None else problem
    if want is None or want.digest is None:
        return RecordProblem(INSERTED, problem.table, problem.record_id)
    if want.digest == state.digest:
        return None
    names = _differing(problem.table, want.fields, state)
    return RecordProblem(CHANGED, problem.table, problem.record_id, names)


def verify_records(
    session: Session,
    *,
    head_id: int,
    progress: Callable[[int, int], None] | None = None,
    processes: int = 1,
    on_table: Callable[[str, int, float], None] | None = None,
) -> RecordsResult:
    """Compare every audited table with its records' newest seals (up to event ``head_id``,
    the head the chain check read): the first :data:`MAX_PROBLEMS` records that differ, by
    table and id. Each table is streamed in id order beside its seals, so memory stays flat.

    ``progress(done, total)`` after each table (total: the tables, plus one for the seals'
    own check); ``on_table(table, records, seconds)`` too (:data:`SEAL_LOG` for the seals'
    check). ``processes`` > 1: the tables are checked by that many worker processes at once,
    each on its own connection (a database in memory is checked here); what a worker finds
    is checked again in ``session``, so a write made meanwhile is not reported. A database
    where no record was ever sealed (before the baseline of ``python -m db upgrade``) has
    nothing to compare: ``unsealed``. Reads only."""
    import time

    total = len(SEALED) + 1
    if not any_sealed(session):
        if progress is not None:
            progress(total, total)
        return RecordsResult(checked=0, tables={}, unsealed=True)
    names = [SEAL_LOG, *(s.table for s in SEALED.values())]
    found: dict[str, tuple[int, list[RecordProblem]]] = {}

    def done(name: str, count: int, problems: list[RecordProblem], seconds: float) -> None:
        found[name] = (count, problems)
        if on_table is not None:
            on_table(name, count, seconds)
        if progress is not None:
            progress(len(found), total)

    url = session.get_bind().engine.url
    parallel = processes > 1 and url.database not in (None, "", ":memory:")
    if parallel:
        from concurrent.futures import ProcessPoolExecutor, as_completed

        address = url.render_as_string(hide_password=False)
        jobs = _parts(session, processes)
        left = {n: sum(1 for j in jobs if j[0] == n) for n in names}
        parts: dict[str, list[tuple[Span, int, list[RecordProblem], float]]] = {}
        with ProcessPoolExecutor(max_workers=processes) as pool:
            futures = {
                pool.submit(_job_in_process, address, name, head_id, span): (name, span)
                for name, span, _size in jobs
            }
            for future in as_completed(futures):
                name, span = futures[future]
                count, problems, seconds = future.result()
                parts.setdefault(name, []).append((span, count, problems, seconds))
                left[name] -= 1
                if not left[name]:  # a table whose parts are all checked
                    mine = sorted(parts[name], key=lambda p: p[0][0])
                    done(
                        name,
                        sum(p[1] for p in mine),
                        [x for p in mine for x in p[2]],
                        max(p[3] for p in mine),
                    )
    else:
        for name in names:
            started = time.perf_counter()
            count, problems = _job(session, name, head_id)
            done(name, count, problems, time.perf_counter() - started)
    problems = [p for n in names for p in found[n][1]]
    if parallel:
        checked = (_recheck(session, head_id, p) for p in problems[: MAX_PROBLEMS + 1])
        problems = [p for p in checked if p is not None]
    tables = {n: found[n][0] for n in names[1:]}
    return RecordsResult(
        checked=sum(tables.values()),
        tables=tables,
        problems=tuple(problems[:MAX_PROBLEMS]),
        more=len(problems) > MAX_PROBLEMS,
    )
