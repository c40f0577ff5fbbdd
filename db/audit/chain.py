"""The audit chain's hash, and the check of one range of events: standard library only.

:mod:`db.audit` appends events with :func:`chain_hash` and verifies the chain with
:func:`check_span` over ranges of ids. A long chain is verified by several processes at
once (``python -P db/audit/chain.py``, started by :func:`db.audit.verify`): each reads its
ranges with a plain DBAPI cursor and recomputes every hash there, and the parent joins the
ranges' boundaries. This module imports neither SQLAlchemy nor the models, so those
processes start in milliseconds; they run this file as a script rather than ``python -m
db.audit.chain``, which would first import the package ``db.audit`` (SQLAlchemy, models).

The protocol of a worker process: the first line on stdin is the connection (JSON, see
:func:`connect`), then one task per line ``{"lo": .., "hi": .., "prev": ..,
"expected_head": ..}``; for each it writes one line, the :class:`Span` as JSON (or
``{"error": "..."}`` and exits). It ends at the end of stdin.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sys
from collections.abc import Generator, Iterable, Sequence
from contextlib import closing
from dataclasses import asdict, dataclass
from typing import Any

from db.clock import utc_naive  # standard library only, like this module

GENESIS_HASH = "0" * 64

# What a check can find wrong with an event (db.audit maps these to its sentences).
MISSING = "missing"
OUT_OF_SEQUENCE = "out_of_sequence"
PREV_MISMATCH = "prev_mismatch"
CONTENT_MISMATCH = "content_mismatch"


# --- The hash -------------------------------------------------------------------------------


_encode = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
_quote = json.encoder.encode_basestring  # what that encoder uses for a string (C version)
_int = int.__repr__  # what it uses for an int; refuses anything else (TypeError)


def timestamp(value: dt.datetime | str) -> str:
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


def chain_hash(
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
    seal: str | None = None,
) -> str:
    """:func:`db.audit.event_hash` with the time already in its hashed form.

    Writes the JSON by hand, byte for byte what the encoder writes for these types (ints,
    strings, None), which is about a third faster; any other type falls back to the encoder.
    An event that sealed records (``seal``, migration 0013) hashes it as a twelfth item;
    events without one hash as they always did.
    """
    try:
        payload = "[%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s%s]" % (  # noqa: UP031
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
            "" if seal is None else "," + _quote(seal),
        )
    except TypeError:
        items = [
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
        payload = _encode(items if seal is None else [*items, seal])
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


# --- Checking a range of events -------------------------------------------------------------


@dataclass(frozen=True)
class Span:
    """What :func:`check_span` found in the events ``start`` .. ``hi``.

    The range is intact from ``start`` up to ``end`` (``start - 1``: not one event), and
    ``last_hash`` is the hash of event ``end`` (the ``prev`` given when no event is intact;
    ``None`` if that was unknown). ``first_prev``: the first event's stored previous hash,
    when the range was checked without knowing its predecessor (the caller compares it with
    the previous range's ``last_hash``). ``bad_id``/``problem``/``params``: the first event
    that does not match, if any; ``end < hi`` without one means the range ran out of events.
    ``seen``: an intact event's hash equals the expected head.
    """

    start: int
    hi: int
    end: int
    last_hash: str | None
    first_prev: str | None = None
    bad_id: int | None = None
    problem: str | None = None
    params: dict[str, Any] | None = None
    seen: bool = False

    @property
    def checked(self) -> int:
        """Events found intact in the range."""
        return self.end - self.start + 1


Row = Sequence[Any]  # id, time as text, actor_id, ..., reason, prev_hash, hash, seal


def check_span(
    rows: Iterable[Row],
    *,
    lo: int,
    hi: int,
    prev: str | None,
    expected_head: str | None = None,
) -> Span:
    """Check the events of ids ``lo + 1`` .. ``hi`` read in id order (:func:`read_span`).

    The ids must be contiguous from ``lo + 1``, each ``prev_hash`` the previous event's hash
    (the first one's ``prev``; when ``prev`` is ``None`` the first event's own ``prev_hash``
    is used and returned as ``first_prev``), and each hash the hash recomputed from the
    event's stored fields. A value that cannot be hashed (a column holding a value of another
    type) is a content mismatch, not a crash. Stops at the first event that does not match.
    """
    expected = lo + 1
    first_prev: str | None = None
    seen = False
    last = prev
    for row in rows:
        (id_, occurred, actor_id, actor_name, action, entity, entity_id, before, after,
         reason, prev_hash, digest, seal) = row  # fmt: skip
        if id_ != expected:
            if isinstance(id_, int) and id_ > expected:
                problem, bad, params = MISSING, expected, {"found": id_}
            else:
                problem, bad, params = OUT_OF_SEQUENCE, id_, {"found": id_}
            return Span(lo + 1, hi, expected - 1, last, first_prev, bad, problem, params, seen)
        if last is None:
            last = first_prev = prev_hash
        elif prev_hash != last:
            return Span(lo + 1, hi, expected - 1, last, first_prev, id_, PREV_MISMATCH, {}, seen)
        try:
            recomputed: str | None = chain_hash(
                last, id_, timestamp(occurred), actor_id, actor_name, action, entity,
                entity_id, before, after, reason, seal,
            )  # fmt: skip
        except (TypeError, ValueError, AttributeError):
            recomputed = None
        if recomputed != digest:
            if expected == lo + 1:  # nothing intact in this range: no hash of its own yet
                last = prev
            return Span(lo + 1, hi, expected - 1, last, first_prev, id_, CONTENT_MISMATCH, {}, seen)
        if digest == expected_head:
            seen = True
        last = digest
        expected += 1
    return Span(lo + 1, hi, expected - 1, last, first_prev, seen=seen)


# --- Reading a range ------------------------------------------------------------------------

# The columns check_span unpacks, the time as text: on SQLite as stored; on PostgreSQL in UTC
# as the hash writes it (to_char keeps no sign of the era, so a time outside the years
# 1-9999, which no append can have written, becomes text that never matches). The first
# range has no lower bound, so that a forged event numbered 0 or below is seen.
_SQLITE_FIRST = """SELECT id, occurred_at, actor_id, actor_name, action, entity, entity_id,
 before, after, reason, prev_hash, hash, seal FROM audit_events WHERE id <= ? ORDER BY id"""
_SQLITE_NEXT = """SELECT id, occurred_at, actor_id, actor_name, action, entity, entity_id,
 before, after, reason, prev_hash, hash, seal FROM audit_events WHERE id > ? AND id <= ?
 ORDER BY id"""
_PG_FIRST = """SELECT id,
 CASE WHEN occurred_at >= '0001-01-01 00:00:00+00' AND occurred_at < '10000-01-01 00:00:00+00'
 THEN to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') ELSE 'not a time' END,
 actor_id, actor_name, action, entity, entity_id, before, after, reason, prev_hash, hash, seal
 FROM audit_events WHERE id <= %s ORDER BY id"""
_PG_NEXT = _PG_FIRST.replace("WHERE id <= %s", "WHERE id > %s AND id <= %s")
_SQL = {"sqlite": (_SQLITE_FIRST, _SQLITE_NEXT), "postgresql": (_PG_FIRST, _PG_NEXT)}


def span_query(dialect: str, lo: int, hi: int) -> tuple[str, tuple[int, ...]]:
    """The statement reading events ``lo + 1`` .. ``hi`` by id (no lower bound for ``lo``
    0 or below), and its parameters."""
    first, following = _SQL[dialect]
    return (first, (hi,)) if lo <= 0 else (following, (lo, hi))


def read_span(
    conn: Any, dialect: str, lo: int, hi: int, size: int = 5_000
) -> Generator[Row, None, None]:
    """The rows of events ``lo + 1`` .. ``hi`` through DBAPI connection ``conn``."""
    sql, params = span_query(dialect, lo, hi)
    cursor = conn.cursor()
    try:
        cursor.execute(sql, params)
        while chunk := cursor.fetchmany(size):
            yield from chunk
    finally:
        cursor.close()


def check_range(
    conn: Any, dialect: str, lo: int, hi: int, prev: str | None, expected_head: str | None
) -> Span:
    """Read and check events ``lo + 1`` .. ``hi`` (:func:`read_span`, :func:`check_span`)."""
    with closing(read_span(conn, dialect, lo, hi)) as rows:
        return check_span(rows, lo=lo, hi=hi, prev=prev, expected_head=expected_head)


# --- The worker process ---------------------------------------------------------------------


def connect(config: dict[str, Any]) -> Any:
    """A read-only DBAPI connection: ``{"dialect": "sqlite", "path": ...}`` or
    ``{"dialect": "postgresql", "params": {...psycopg.connect keywords}}``."""
    if config["dialect"] == "sqlite":
        import sqlite3
        from urllib.parse import quote

        uri = "file:" + quote(config["path"]) + "?mode=ro"
        return sqlite3.connect(uri, uri=True, timeout=15, check_same_thread=False)
    import psycopg

    conn = psycopg.connect(**config["params"])
    conn.read_only = True
    return conn


def main() -> int:
    """Serve tasks from stdin (see the module's documentation)."""
    try:
        config = json.loads(sys.stdin.readline())
        dialect = config["dialect"]
        conn = connect(config)
    except Exception as exc:  # reported to the parent, which verifies in its own process
        print(json.dumps({"error": f"{type(exc).__name__}: {exc}"}), flush=True)
        return 1
    with closing(conn):
        for line in sys.stdin:
            try:
                task = json.loads(line)
                span = check_range(
                    conn, dialect, task["lo"], task["hi"], task["prev"], task["expected_head"]
                )
                conn.rollback()  # end the read transaction between ranges
            except Exception as exc:
                print(json.dumps({"error": f"{type(exc).__name__}: {exc}"}), flush=True)
                return 1
            print(json.dumps(asdict(span), ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
