# Over 500 lines on purpose: the codec, the store and the stored reads are one mechanism whose
# invariants (versioning, the security rule) must be read together; docs/stored-summaries.md.
"""Stored summaries: expensive figures computed once per *data version*, kept in the
database (``stored_summaries``) and served by one primary-key lookup while the data has not
changed. Only aggregates and role-independent reads without contact data are stored;
payloads are tagged JSON, never pickle. The design (what is stored, the security rule,
versioning and invalidation, refresh on write, bounds): ``docs/stored-summaries.md``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import json
import logging
import math
import threading
import time
import types
import typing
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, TypeVar

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine, Table, delete, func, select
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from db import clock, kpi
from db.city import edits as city_edits
from db.city import store as city_store
from db.engine import SQLITE_BUSY_TIMEOUT_MS
from db.fairness.report import FairnessReport, fairness_report
from db.kpi import overview
from db.kpi.headline import ALL_TECHNOLOGIES, TechFilter
from db.models import AuditEvent, StoredSummary
from db.outcomes import figures as outcome_figures
from db.policy import Actor

log = logging.getLogger(__name__)

T = TypeVar("T")

DATA_ENTITIES: tuple[str, ...] = (
    "adoption",
    "agenda_item",
    "agreement",
    "city_profile",
    "contract",
    "evaluation",
    "expert",
    "expert_tie",
    "inquiry",
    "inquiry_followup",
    "item_declaration",
    "meeting",
    "meeting_correction",
    "organization",
    "panel_seat",
    "proposal",
    "regulation_version",
    "sale",
    "technology",
    "testbed",
    *city_edits.EDITABLE,  # an administrator's edit of a vocabulary is audited under its name
)
"""Kinds of record (audit ``entity``) whose writes change what a summary may show."""

NON_DATA_ENTITIES: tuple[str, ...] = (
    "user",
    "action",
    "audit_event",
    "import",
    "import_migration",
    "application",
    "outcome",
    "records",
    "publication",
)
"""Audit entities that change no figure: accounts and sign-ins (``user``), refusals not tied
to a record (``action``), refused audit-trail reads (``audit_event``), refused imports
(``import``; an import's records are audited as ``technology``, ``expert`` ...) and
historical migrations submitted, confirmed or declined (``import_migration``; the records a
confirmed one writes are audited as ``technology``, ``expert`` ...) and companies'
applications (``application``; one taken into registration is audited as ``technology``) and refused
reads of the outcomes (``outcome``) and the baseline seals of records written before the
seals (``records``) and published figures (``publication``: a frozen copy of figures, which
changes none).
Outcomes' contracts and testbed sales (``contract``, ``sale``) are data: the overview shows
their targets against actual."""

STORE_LOCK_WAIT_MS = 200
MAX_AGE_DAYS = 30
MAX_ROWS_PER_NAME = 1000
PRUNE_EVERY_STORES = 500


# --- data version ----------------------------------------------------------------------------


def data_version(session: Session) -> int:
    """The newest audit event id among :data:`DATA_ENTITIES` (0 when there is none).

    One statement of scalar subqueries, each ``max(id) WHERE entity = ?``: an index seek
    on ``ix_audit_events_by_entity`` on both databases.
    """
    columns = [
        select(func.max(AuditEvent.id)).where(AuditEvent.entity == e).scalar_subquery()
        for e in DATA_ENTITIES
    ]
    row = session.execute(select(*columns)).one()
    return max((int(v) for v in row if v is not None), default=0)


# --- codec: tagged JSON, a closed set of types, no code ---------------------------------------


class CodecError(ValueError):
    """A value that cannot be stored, or a payload that does not decode to the declared type."""


DATACLASSES: dict[str, type] = {
    "Headline": kpi.Headline,
    "FairnessReport": FairnessReport,
    "Outcomes": outcome_figures.Outcomes,
}
"""The dataclasses a payload may hold, by tag (only these are ever constructed)."""

FRAME_DTYPES = frozenset({"int64", "Int64", "float64", "bool", "object", "str"})
DATE_COLUMN = "date"
"""The payload's dtype of an ``object`` column holding only dates and None: its values
as ISO strings (``"2026-12-07"``, 12 bytes, against 30 for a tagged date) decoded in one
pass; the frame read back has the same ``object`` column."""


def _enc(value: Any) -> Any:
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, np.generic):
        return _enc(value.item())
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if math.isfinite(value):
            return value
        return {"$": "float", "v": repr(value)}
    if isinstance(value, dt.datetime):
        return {"$": "datetime", "v": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$": "date", "v": value.isoformat()}
    if isinstance(value, list):
        return {"$": "list", "v": [_enc(v) for v in value]}
    if isinstance(value, tuple):
        return {"$": "tuple", "v": [_enc(v) for v in value]}
    if isinstance(value, dict):
        return {"$": "dict", "v": [[_enc(k), _enc(v)] for k, v in value.items()]}
    if isinstance(value, pd.DataFrame):
        return _enc_frame(value)
    if dataclasses.is_dataclass(value) and type(value).__name__ in DATACLASSES:
        if DATACLASSES[type(value).__name__] is not type(value):
            raise CodecError(f"cannot store {type(value).__qualname__}")
        return {
            "$": type(value).__name__,
            "v": {f.name: _enc(getattr(value, f.name)) for f in dataclasses.fields(value)},
        }
    raise CodecError(f"cannot store a value of type {type(value).__qualname__}")


def _enc_frame(df: pd.DataFrame) -> dict[str, Any]:
    if not isinstance(df.index, pd.RangeIndex) or df.index.start != 0 or df.index.step != 1:
        raise CodecError("only frames with a default index can be stored")
    dtypes = [str(t) for t in df.dtypes]
    for name, dtype in zip(df.columns, dtypes, strict=True):
        if dtype not in FRAME_DTYPES:
            raise CodecError(f"cannot store column {name!r} of dtype {dtype}")
    columns = []
    for i, (name, dtype) in enumerate(zip(df.columns, dtypes, strict=True)):
        col = df[name]
        values: list[Any]
        if dtype == "object" and _dates(raw := col.tolist()):
            dtypes[i] = DATE_COLUMN
            values = [None if v is None else v.isoformat() for v in raw]
        elif dtype == "float64":
            values = [None if math.isnan(v) else float(v) for v in col.tolist()]
        elif dtype == "str":  # pandas' string dtype; missing values become None
            values = [v if isinstance(v, str) else None for v in col.tolist()]
        elif dtype == "Int64":  # nullable integers; pd.NA becomes None
            values = [None if v is pd.NA else int(v) for v in col.tolist()]
        else:
            values = [_enc(v) for v in col.tolist()]
        columns.append(values)
    return {
        "$": "frame",
        "columns": [_enc(c) for c in df.columns],
        "dtypes": dtypes,
        "v": columns,
    }


def _dates(values: list[Any]) -> bool:
    return all(v is None or type(v) is dt.date for v in values)


def _dec(node: Any) -> Any:
    if node is None or isinstance(node, (bool, str, int, float)):
        return node
    if isinstance(node, list):
        raise CodecError("untagged list")
    if not isinstance(node, dict):
        raise CodecError(f"unexpected {type(node).__name__}")
    tag = node.get("$")
    if tag == "frame":
        return _dec_frame(node)
    if set(node) != {"$", "v"}:
        raise CodecError("malformed node")
    v = node["v"]
    if tag == "float":
        if v not in ("nan", "inf", "-inf"):
            raise CodecError("bad float")
        return float(v)
    if tag == "date":
        _need(isinstance(v, str))
        return dt.date.fromisoformat(v)
    if tag == "datetime":
        _need(isinstance(v, str))
        return dt.datetime.fromisoformat(v)
    if tag in ("list", "tuple"):
        _need(isinstance(v, list))
        items = [_dec(x) for x in v]
        return items if tag == "list" else tuple(items)
    if tag == "dict":
        _need(isinstance(v, list) and all(isinstance(p, list) and len(p) == 2 for p in v))
        out = {}
        for k, x in v:
            key = _dec(k)
            if isinstance(key, (list, dict, pd.DataFrame)):
                raise CodecError("unhashable key")
            out[key] = _dec(x)
        return out
    if isinstance(tag, str) and tag in DATACLASSES:
        cls = DATACLASSES[tag]
        names = {f.name for f in dataclasses.fields(cls)}
        _need(isinstance(v, dict) and set(v) == names)
        return cls(**{k: _dec(x) for k, x in v.items()})
    raise CodecError(f"unknown tag {tag!r}")


def _dec_frame(node: dict[str, Any]) -> pd.DataFrame:
    _need(set(node) == {"$", "columns", "dtypes", "v"})
    names, dtypes, columns = node["columns"], node["dtypes"], node["v"]
    _need(isinstance(names, list) and isinstance(dtypes, list) and isinstance(columns, list))
    _need(len(names) == len(dtypes) == len(columns))
    _need(all(isinstance(c, list) for c in columns))
    _need(len({len(c) for c in columns}) <= 1)
    data: dict[Any, pd.Series] = {}
    for raw_name, dtype, raw in zip(names, dtypes, columns, strict=True):
        name = _dec(raw_name)
        _need(isinstance(name, (str, int)) and name not in data)
        _need(dtype in FRAME_DTYPES or dtype == DATE_COLUMN)
        if dtype == DATE_COLUMN:
            _need(all(x is None or isinstance(x, str) for x in raw))
            try:
                dates = [None if x is None else dt.date.fromisoformat(x) for x in raw]
            except ValueError as exc:
                raise CodecError("bad date") from exc
            data[name] = pd.Series(dates, dtype="object")
        elif dtype == "int64":
            _need(all(isinstance(x, int) and not isinstance(x, bool) for x in raw))
            data[name] = pd.Series(raw, dtype="int64")
        elif dtype == "float64":
            _need(
                all(
                    x is None or (isinstance(x, (int, float)) and not isinstance(x, bool))
                    for x in raw
                )
            )
            data[name] = pd.Series(
                [np.nan if x is None else float(x) for x in raw], dtype="float64"
            )
        elif dtype == "str":
            _need(all(x is None or isinstance(x, str) for x in raw))
            data[name] = pd.Series(raw, dtype="str")
        elif dtype == "Int64":
            _need(all(x is None or (isinstance(x, int) and not isinstance(x, bool)) for x in raw))
            data[name] = pd.Series([pd.NA if x is None else x for x in raw], dtype="Int64")
        elif dtype == "bool":
            _need(all(isinstance(x, bool) for x in raw))
            data[name] = pd.Series(raw, dtype="bool")
        else:
            data[name] = pd.Series([_dec(x) for x in raw], dtype="object")
    frame = pd.DataFrame(data)
    if not data:
        frame = pd.DataFrame(columns=[])
    return frame


def _need(condition: bool) -> None:
    if not condition:
        raise CodecError("malformed payload")


def dumps(value: Any) -> str:
    """``value`` as tagged JSON. :raise CodecError: a type outside the closed set."""
    return json.dumps(_enc(value), separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def loads(payload: str, expect: Any) -> Any:
    """The value in ``payload``, checked against the type ``expect``.

    :raise CodecError: not JSON, an unknown tag, or not of type ``expect``.
    """
    try:
        tree = json.loads(payload)
        value = _dec(tree)
    except CodecError:
        raise
    except (ValueError, TypeError, RecursionError) as exc:
        raise CodecError(f"undecodable payload: {type(exc).__name__}") from exc
    if not conforms(value, expect):
        raise CodecError(f"payload is not a {expect!r}")
    return value


def conforms(value: Any, tp: Any) -> bool:
    """Whether ``value`` is of the (typing) type ``tp``: int, float, str, bool, None, dates,
    DataFrame, dict/list/tuple generics, unions and the dataclasses of :data:`DATACLASSES`."""
    if tp is Any:
        return True
    if tp is None or tp is type(None):
        return value is None
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        return any(conforms(value, a) for a in typing.get_args(tp))
    if origin is dict:
        k, v = typing.get_args(tp) or (Any, Any)
        return isinstance(value, dict) and all(
            conforms(a, k) and conforms(b, v) for a, b in value.items()
        )
    if origin is list:
        (item,) = typing.get_args(tp) or (Any,)
        return isinstance(value, list) and all(conforms(x, item) for x in value)
    if origin is tuple:
        args = typing.get_args(tp)
        if not isinstance(value, tuple):
            return False
        if len(args) == 2 and args[1] is Ellipsis:
            return all(conforms(x, args[0]) for x in value)
        if len(args) != len(value):
            return False
        return all(conforms(x, a) for x, a in zip(value, args, strict=True))
    if tp is bool:
        return isinstance(value, bool)
    if tp is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if tp is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if tp is dt.date:
        return isinstance(value, dt.date) and not isinstance(value, dt.datetime)
    if tp in (str, dt.datetime, pd.DataFrame):
        return isinstance(value, tp)
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        if type(value) is not tp:
            return False
        hints = typing.get_type_hints(tp)
        return all(conforms(getattr(value, f.name), hints[f.name]) for f in dataclasses.fields(tp))
    return False


# --- parameters -> key ------------------------------------------------------------------------


def _canonical(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            "__type__": type(value).__qualname__,
            **{f.name: _canonical(getattr(value, f.name)) for f in dataclasses.fields(value)},
        }
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(f"parameter of type {type(value).__qualname__} has no canonical form")


def params_key(params: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of the canonical JSON of ``params`` (sorted keys, dates in ISO form,
    dataclasses as their fields and type name)."""
    text = json.dumps(_canonical(params), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- read, compute, store ----------------------------------------------------------------------


def _engine_of(session: Session) -> Engine:
    bind = session.get_bind()
    return bind.engine if isinstance(bind, Connection) else bind


def stored(
    session: Session,
    name: str,
    params: Mapping[str, Any],
    version: int,
    compute: Callable[[], T],
    *,
    expect: Any,
) -> T:
    """The result of ``compute()`` for ``name`` and ``params`` at data ``version``: read
    from ``stored_summaries`` when a row of that version decodes into ``expect``, otherwise
    computed (in ``session``), stored (best effort) and returned.

    One computation per (database, name, key, version) per process (:class:`_Flight`): while
    one thread computes, the others asking for the same figure wait for it (at most
    :data:`FLIGHT_WAIT_SECONDS`) and get their own copy, decoded from its payload."""
    key = params_key(params)
    row = session.execute(
        select(StoredSummary.version, StoredSummary.payload).where(
            StoredSummary.name == name, StoredSummary.key == key
        )
    ).first()
    if row is not None and int(row.version) == version:
        try:
            return typing.cast(T, loads(row.payload, expect))
        except CodecError as exc:
            log.warning("Stored summary %s/%s ignored and recomputed: %s", name, key[:12], exc)
    engine = _engine_of(session)
    ident = (_database_of(engine), name, key, version)
    with _flights_lock:
        flight = _flights.get(ident)
        leader = flight is None
        if flight is None:
            flight = _flights[ident] = _Flight()
    if not leader:
        return _follow(flight, session, name, key, version, compute, expect)
    payload: str | None = None
    try:
        if row is None or int(row.version) != version:  # a leader that just finished stored it
            payload = _stored_payload(engine, name, key, version)
            if payload is not None:
                try:
                    return typing.cast(T, loads(payload, expect))
                except CodecError:
                    payload = None
        started = time.perf_counter()
        value = compute()
        payload = _encoded(name, value)
        if payload is not None:
            _store_payload(engine, name, key, version, payload, time.perf_counter() - started)
        return value
    finally:
        with _flights_lock:
            del _flights[ident]
        flight.payload = payload
        flight.done.set()


FLIGHT_WAIT_SECONDS = 60.0
"""How long a thread waits for another thread computing the same figure before computing it
itself (a figure at scale 100 takes up to ~4 s alone, ~10 s on a loaded server)."""


@dataclasses.dataclass
class _Flight:
    """A figure being computed by one thread (the leader). ``done`` is set when the leader
    finished, with ``payload`` its encoded value, or None when it failed (raised, or the
    value could not be encoded): the followers then compute it themselves."""

    done: threading.Event = dataclasses.field(default_factory=threading.Event)
    payload: str | None = None


_flights: dict[tuple[str, str, str, int], _Flight] = {}
_flights_lock = threading.Lock()


def _follow(
    flight: _Flight,
    session: Session,
    name: str,
    key: str,
    version: int,
    compute: Callable[[], T],
    expect: Any,
) -> T:
    """Wait for ``flight``'s leader and decode its payload (a copy of our own); when it
    failed or takes longer than :data:`FLIGHT_WAIT_SECONDS`, compute and store the figure
    here, as if nobody else had asked: a follower never fails because its leader did."""
    if flight.done.wait(FLIGHT_WAIT_SECONDS) and flight.payload is not None:
        try:
            return typing.cast(T, loads(flight.payload, expect))
        except CodecError as exc:  # another caller's expect: compute our own
            log.warning("Summary %s/%s of another caller ignored: %s", name, key[:12], exc)
    started = time.perf_counter()
    value = compute()
    store(_engine_of(session), name, key, version, value, time.perf_counter() - started)
    return value


def _database_of(engine: Engine) -> str:
    """Which database ``engine`` reaches: its URL (engines of one URL, such as the background
    refresh's own, share flights), or the engine itself for a private in-memory SQLite."""
    url = engine.url
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        return f"engine:{id(engine)}"
    return url.render_as_string(hide_password=False)


def _stored_payload(engine: Engine, name: str, key: str, version: int) -> str | None:
    """The payload stored for (``name``, ``key``) at ``version``, read on a connection of its
    own (the caller's SQLite snapshot may predate the row); None when absent or unreadable."""
    try:
        with engine.connect() as conn:
            row = conn.execute(
                select(StoredSummary.version, StoredSummary.payload).where(
                    StoredSummary.name == name, StoredSummary.key == key
                )
            ).first()
    except (sa_exc.DBAPIError, sa_exc.TimeoutError):
        return None
    return row.payload if row is not None and int(row.version) == version else None


def store(engine: Engine, name: str, key: str, version: int, value: Any, seconds: float) -> bool:
    """Upsert one row (kept when the stored version is newer); False, logged, when it could
    not be stored (read-only, full or busy database, a value outside the codec)."""
    payload = _encoded(name, value)
    return payload is not None and _store_payload(engine, name, key, version, payload, seconds)


def _encoded(name: str, value: Any) -> str | None:
    try:
        return dumps(value)
    except CodecError:
        log.exception("Summary %s not stored: its value cannot be encoded", name)
        return None


def _store_payload(
    engine: Engine, name: str, key: str, version: int, payload: str, seconds: float
) -> bool:
    values = {
        "name": name,
        "key": key,
        "version": version,
        "payload": payload,
        "computed_at": clock.now_utc(),
        "seconds": float(seconds),
    }
    table = typing.cast(Table, StoredSummary.__table__)
    backend = engine.dialect.name
    ins = (postgresql.insert if backend == "postgresql" else sqlite.insert)(table).values(values)
    upsert = ins.on_conflict_do_update(
        index_elements=[table.c.name, table.c.key],
        set_={c: ins.excluded[c] for c in ("version", "payload", "computed_at", "seconds")},
        where=table.c.version <= ins.excluded.version,
    )
    try:
        with engine.connect() as conn:
            if backend == "sqlite":  # on the driver's connection: no SQLAlchemy transaction
                _sqlite_busy_timeout(conn, STORE_LOCK_WAIT_MS)
            try:
                with conn.begin():
                    if backend == "postgresql":
                        conn.exec_driver_sql(f"SET LOCAL lock_timeout = '{STORE_LOCK_WAIT_MS}ms'")
                        conn.exec_driver_sql("SET LOCAL statement_timeout = '5s'")
                    conn.execute(upsert)
            finally:
                if backend == "sqlite":
                    _sqlite_busy_timeout(conn, SQLITE_BUSY_TIMEOUT_MS)
    except (sa_exc.DBAPIError, sa_exc.TimeoutError) as exc:
        cause = getattr(exc, "orig", None) or exc  # the driver's message, not the statement
        log.warning("Summary %s not stored (%s): %s", name, type(cause).__name__, cause)
        return False
    global _stores_since_prune
    _stores_since_prune += 1
    if _stores_since_prune >= PRUNE_EVERY_STORES:  # bounded also when nobody writes
        _stores_since_prune = 0
        prune(engine, version)
    return True


_stores_since_prune = 0


def _sqlite_busy_timeout(conn: Connection, ms: int) -> None:
    conn.connection.driver_connection.execute(f"PRAGMA busy_timeout={int(ms)}")  # type: ignore[union-attr]


# --- the stored reads -------------------------------------------------------------------------
# Each wraps one db/ read; the name carries a revision, bumped when the computation changes.


def headline(
    session: Session, version: int, as_of: dt.date, tech: TechFilter = ALL_TECHNOLOGIES
) -> kpi.Headline:
    return stored(
        session,
        "kpi.headline/1",
        {"as_of": as_of, "tech": tech},
        version,
        lambda: kpi.headline(session=session, as_of=as_of, tech=tech),
        expect=kpi.Headline,
    )


def monthly_counts(
    session: Session, version: int, start: dt.date, end: dt.date, tech: TechFilter
) -> pd.DataFrame:
    return stored(
        session,
        "overview.monthly_counts/1",
        {"start": start, "end": end, "tech": tech},
        version,
        lambda: overview.monthly_counts(session=session, start=start, end=end, tech=tech),
        expect=pd.DataFrame,
    )


Durations = dict[str, float | None]


def pipeline(
    session: Session, version: int, as_of: dt.date, tech: TechFilter
) -> tuple[dict[str, int], Durations]:
    return stored(
        session,
        "overview.pipeline/1",
        {"as_of": as_of, "tech": tech},
        version,
        lambda: (
            overview.pipeline(session=session, as_of=as_of, tech=tech),
            overview.stage_durations(session=session, as_of=as_of, tech=tech),
        ),
        expect=tuple[dict[str, int], Durations],
    )


def breakdown(
    session: Session, version: int, as_of: dt.date, by: str, tech: TechFilter
) -> pd.DataFrame:
    return stored(
        session,
        "overview.breakdown/1",
        {"as_of": as_of, "by": by, "tech": tech},
        version,
        lambda: overview.breakdown(session=session, as_of=as_of, by=by, tech=tech).frame,
        expect=pd.DataFrame,
    )


def last_changed_by_entity(session: Session, version: int) -> dict[str, dt.datetime]:
    return stored(
        session,
        "overview.last_changed/1",
        {},
        version,
        lambda: overview.last_changed_by_entity(session=session),
        expect=dict[str, dt.datetime],
    )


def records_behind(session: Session, version: int, figure: str, as_of: dt.date) -> pd.DataFrame:
    """Meetings, testbeds or agreements behind a tile (no personal data; every role that
    sees the overview sees the same rows)."""
    return stored(
        session,
        "overview.records_behind/1",
        {"figure": figure, "as_of": as_of},
        version,
        lambda: overview.records_behind(session=session, figure=figure, as_of=as_of),
        expect=pd.DataFrame,
    )


def fairness(
    session: Session, version: int, actor: Actor, start: dt.date | None, end: dt.date | None
) -> FairnessReport:
    """The fairness report of the meetings scheduled from ``start`` to ``end`` (auditors:
    the caller checked the role, and ``fairness_report`` checks it again when it computes).
    The same report for every role allowed to read it: figures, meeting codes and dates,
    experts' and applicants' names (which every auditor sees in the report anyway), never
    contact fields."""
    return stored(
        session,
        "deliberation.fairness/1",
        {"start": start, "end": end},
        version,
        lambda: fairness_report(session=session, actor=actor, period=(start, end)),
        expect=FairnessReport,
    )


def outcomes(
    session: Session, version: int, actor: Actor, as_of: dt.date
) -> outcome_figures.Outcomes:
    """The Outcomes page's figures as of ``as_of`` (readers of outcomes; refused here too):
    sums and counts of contracts, testbeds and evaluations, the technologies' numbers and
    titles, departments. The same for every role allowed to read them; no personal data."""
    outcome_figures.require_reader(actor)
    return _outcomes(session, version, as_of)


def _outcomes(session: Session, version: int, as_of: dt.date) -> outcome_figures.Outcomes:
    return stored(
        session,
        "outcomes.figures/1",
        {"as_of": as_of},
        version,
        lambda: outcome_figures.outcomes_of(session, as_of),
        expect=outcome_figures.Outcomes,
    )


def outcome_targets(session: Session, version: int, actor: Actor, as_of: dt.date) -> pd.DataFrame:
    """The city's annual targets against actual up to ``as_of`` (readers of outcomes)."""
    outcome_figures.require_reader(actor)
    return _outcome_targets(session, version, as_of)


def _outcome_targets(session: Session, version: int, as_of: dt.date) -> pd.DataFrame:
    return stored(
        session,
        "outcomes.targets/1",
        {"as_of": as_of},
        version,
        lambda: outcome_figures.targets_of(session, as_of),
        expect=pd.DataFrame,
    )


def _searched(filters: Any) -> bool:
    return bool(getattr(filters, "q", "").strip())


def register_count(
    session: Session,
    version: int,
    register: str,
    filters: Any,
    count: Callable[[], int],
    *,
    personal: bool = False,
) -> int:
    """How many records of ``register`` match ``filters`` (``count()`` computes it). Not
    stored when the filters hold search text. ``personal``: whether the reader may see
    experts' personal data (the experts' search looks at e-mail addresses then)."""
    if _searched(filters):
        return count()
    return stored(
        session,
        f"registers.{register}.count/1",
        {"filters": filters, "personal": personal},
        version,
        count,
        expect=int,
    )


def register_rows(
    session: Session,
    version: int,
    register: str,
    params: Mapping[str, Any],
    read: Callable[[], pd.DataFrame],
) -> pd.DataFrame:
    """A page of a role-independent register (adoptions) without search text."""
    if _searched(params.get("filters")):
        return read()
    return stored(
        session, f"registers.{register}.rows/1", params, version, read, expect=pd.DataFrame
    )


# --- inter-city work (components.inquiries, components.agreements) ----------------------
# Aggregates of inquiries (no contact names: only counts) and the agreements' rows (no
# personal data; every reader role sees the same rows). The overdue inquiries' rows hold
# contact names and are never stored.


def _intercity_reads() -> dict[str, tuple[Callable[..., Any], Any]]:
    from db.intercity import agreement_reads as ar
    from db.intercity import analysis as ic

    return {
        "inquiry_summary": (ic.summary, dict[str, int]),
        "inquiries_by_kind": (ic.by_kind, pd.DataFrame),
        "inquiries_by_region": (ic.by_region, pd.DataFrame),
        "inquiries_abroad": (ic.abroad_by_country, pd.DataFrame),
        "inquiries_over_time": (ic.over_time, pd.DataFrame),
        "agreement_counts": (ar.agreement_counts, dict[str, int]),
        "agreements": (ar.agreements, pd.DataFrame),
    }


def intercity(session: Session, version: int, read: str, **params: Any) -> Any:
    """A read of ``db.intercity.analysis`` or ``agreement_reads`` (``read``, one of
    :func:`_intercity_reads`: aggregates of inquiries, agreements' counts and rows) with
    ``params``, stored."""
    fn, expect = _intercity_reads()[read]
    return stored(
        session,
        f"intercity.{read}/1",
        params,
        version,
        lambda: fn(session=session, **params),
        expect=expect,
    )


# --- keeping the default views current --------------------------------------------------------

PERIOD_DAYS = (30, 91, 365)  # components.overview.PERIODS
FIRST_DAY = dt.date(2018, 1, 1)  # before a city profile: components.city.FALLBACK_FIRST_DAY
BEHIND = ("meetings", "testbeds", "agreements")


def technologies_count(session: Session, version: int, filters: Any) -> int:
    from db import technologies

    return register_count(
        session,
        version,
        "technologies",
        filters,
        lambda: technologies.technologies_count(session=session, filters=filters),
    )


def adoptions_count(session: Session, version: int, filters: Any) -> int:
    from db import adoptions

    return register_count(
        session,
        version,
        "adoptions",
        filters,
        lambda: adoptions.adoptions_count(session=session, filters=filters),
    )


def experts_count(session: Session, version: int, filters: Any, personal: bool) -> int:
    """Only the number (keyed on ``personal``): experts' rows are never stored."""
    from db import experts

    return register_count(
        session,
        version,
        "experts",
        filters,
        lambda: experts.experts_count(session=session, filters=filters, personal=personal),
        personal=personal,
    )


def queue_counts(session: Session, version: int) -> dict[str, int]:
    """The work queue's counts that are the same for every staff user (to screen, to
    propose, awaiting a meeting): aggregates only. The caller checks the role first
    (``db.approvals.queue.queue_counts`` asks for this after its check)."""
    from db.approvals import queue

    return stored(
        session,
        "workflow.queue_counts/1",
        {},
        version,
        lambda: queue.shared_queue_counts(session),
        expect=dict[str, int],
    )


def vocabulary_uses(session: Session, version: int, vocabulary: str) -> dict[str, int]:
    """Code -> how many records hold it, for every code of ``vocabulary`` (the
    administration page's table, on every run of it: grouped counts over the technologies,
    the experts' fields and the organisations, 0.16 s at scale 100). Counts only; the write
    that deletes a code checks again that no record holds it."""
    return stored(
        session,
        "city.vocabulary_uses/1",
        {"vocabulary": vocabulary},
        version,
        lambda: city_edits.all_uses(session, vocabulary),
        expect=dict[str, int],
    )


def adoptions_rows(
    session: Session, version: int, filters: Any, sort: str, offset: int, limit: int
) -> pd.DataFrame:
    """A page of the adoptions register (no personal data; the same rows for every reader)."""
    from db import adoptions

    def read() -> pd.DataFrame:
        total = adoptions_count(session, version, filters)  # stored too: no second count
        return adoptions.adoptions_page(
            session=session, filters=filters, sort=sort, offset=offset, limit=limit, total=total
        )[0]

    return register_rows(
        session,
        version,
        "adoptions",
        {"filters": filters, "sort": sort, "offset": offset, "limit": limit},
        read,
    )


ADOPTIONS_DEFAULT_PAGE = ("approved_desc", 0, 50)  # components.registers: first page of 50


@dataclasses.dataclass(frozen=True)
class _Read:
    """``read(session, version, *args)`` as a call ``(session, version)``."""

    read: Callable[..., Any]
    args: tuple[Any, ...] = ()

    def __call__(self, session: Session, version: int) -> Any:
        return self.read(session, version, *self.args)


def default_reads(
    as_of: dt.date, first_day: dt.date = FIRST_DAY
) -> list[Callable[[Session, int], Any]]:
    """What the overview shows with no filter on ``as_of`` (and the comparison dates of
    each period, not before the city's ``first_day``), and the registers' default counts;
    each a call ``(session, version)``."""
    from db import adoptions, experts, technologies

    tech = ALL_TECHNOLOGIES
    earlier = [max(as_of - dt.timedelta(days=days), first_day) for days in PERIOD_DAYS]
    return [
        _Read(headline, (as_of, tech)),
        *[_Read(headline, (day, tech)) for day in earlier],
        _Read(monthly_counts, (overview.month_start(as_of, 23), as_of, tech)),
        _Read(pipeline, (as_of, tech)),
        _Read(breakdown, (as_of, "growth_sector", tech)),
        _Read(breakdown, (as_of, "field", tech)),
        _Read(last_changed_by_entity),
        *[_Read(records_behind, (figure, as_of)) for figure in BEHIND],
        _Read(technologies_count, (technologies.TechnologyFilters(as_of=as_of),)),
        _Read(adoptions_count, (adoptions.AdoptionFilters(as_of=as_of),)),
        _Read(adoptions_rows, (adoptions.AdoptionFilters(as_of=as_of), *ADOPTIONS_DEFAULT_PAGE)),
        _Read(experts_count, (experts.ExpertFilters(as_of=as_of), False)),
        _Read(experts_count, (experts.ExpertFilters(as_of=as_of), True)),
        _Read(queue_counts),
        _Read(_outcomes, (as_of,)),
        _Read(_outcome_targets, (as_of,)),
    ]


def refresh(engine: Engine, as_of: dt.date, *, give_way: bool = False) -> int:
    """Compute and store every :func:`default_reads` that is not stored at the current
    version, then :func:`prune`; returns the data version refreshed. With ``give_way``
    (the background refresh), each figure waits until no page run of this process is
    going on (:func:`page_run`), for at most :data:`GIVE_WAY_SECONDS`."""
    with Session(engine) as s:
        version = data_version(s)
        first = city_store.city(s).first_operating_day if city_store.has_profile(s) else FIRST_DAY
        for read in default_reads(as_of, first):
            if give_way:
                _page_runs.wait_idle(GIVE_WAY_SECONDS)
            read(s, version)
    prune(engine, version)
    return version


GIVE_WAY_SECONDS = 2.0
"""How long the background refresh waits, before each figure, for the page runs going on
to finish: a click just after a write is served first (at scale 100 the refresh is 1.8-2 s
of CPU, which a 2-core server shared with that click's run); a process that is never idle
still gets its figures, at most this much later each."""


class _PageRuns:
    """How many page runs this process serves now, and a wait for none."""

    def __init__(self) -> None:
        self._running = 0
        self._changed = threading.Condition()
        self.waiting = threading.Event()  # set while a refresh waits (tests watch it)

    @contextlib.contextmanager
    def running(self) -> Iterator[None]:
        with self._changed:
            self._running += 1
        try:
            yield
        finally:
            with self._changed:
                self._running -= 1
                self._changed.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        """True when no page run is going on (now, or within ``timeout`` seconds)."""
        with self._changed:
            if self._running == 0:
                return True
            self.waiting.set()
            try:
                return self._changed.wait_for(lambda: self._running == 0, timeout)
            finally:
                self.waiting.clear()


_page_runs = _PageRuns()


def page_run() -> contextlib.AbstractContextManager[None]:
    """Around a page run (``app.py``): the background refresh gives way to it."""
    return _page_runs.running()


def _refresh_on_own_connections(engine: Engine, as_of: dt.date) -> None:
    """:func:`refresh` on an engine of its own (same URL and connection settings), closed
    afterwards: the refresh never holds a connection of the app's pool that a page or a
    write is waiting for."""
    from db.engine import make_engine

    own = make_engine(engine.url.render_as_string(hide_password=False), check=False)
    try:
        refresh(own, as_of, give_way=True)
    finally:
        own.dispose()


class _Refresher:
    """One background refresh at a time per process; requests during a run coalesce into
    one more run after it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running = False
        self._again: tuple[Engine, dt.date] | None = None
        self.thread: threading.Thread | None = None

    def request(self, engine: Engine, as_of: dt.date) -> threading.Thread | None:
        with self._lock:
            if self._running:
                self._again = (engine, as_of)
                return None
            self._running = True
            self.thread = threading.Thread(
                target=self._run, args=(engine, as_of), name="summaries-refresh", daemon=True
            )
            thread = self.thread
        thread.start()
        return thread

    def _run(self, engine: Engine, as_of: dt.date) -> None:
        job: tuple[Engine, dt.date] | None = (engine, as_of)
        while job is not None:
            try:
                _refresh_on_own_connections(*job)
            except Exception:  # a background refresh must never take the process down
                log.warning("Background refresh of the summaries failed", exc_info=True)
            with self._lock:
                job, self._again = self._again, None
                if job is None:
                    self._running = False

    def wait(self, timeout: float | None = None) -> None:
        """Wait until no refresh runs (tests)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            with self._lock:
                thread, running = self.thread, self._running
            if not running or thread is None:
                return
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            thread.join(left)
            if deadline is not None and time.monotonic() >= deadline:
                return


_refresher = _Refresher()


def refresh_in_background(engine: Engine, as_of: dt.date) -> threading.Thread | None:
    """Start :func:`refresh` in a daemon thread (or queue one more run after the running
    one); never blocks, never raises."""
    try:
        return _refresher.request(engine, as_of)
    except Exception:
        log.warning("Could not start the background refresh of the summaries", exc_info=True)
        return None


def wait_for_refresh(timeout: float | None = None) -> None:
    _refresher.wait(timeout)


# --- bounds ------------------------------------------------------------------------------------


def prune(engine: Engine, version: int, *, now: dt.datetime | None = None) -> int:
    """Delete rows of an older data version, rows older than :data:`MAX_AGE_DAYS` and the
    oldest rows of a name beyond :data:`MAX_ROWS_PER_NAME`; how many were deleted (0, logged,
    when the database refused)."""
    t = StoredSummary
    cutoff = (now or clock.now_utc()) - dt.timedelta(days=MAX_AGE_DAYS)
    deleted = 0
    try:
        with engine.begin() as conn:
            deleted += conn.execute(delete(t).where(t.version < version)).rowcount or 0
            deleted += conn.execute(delete(t).where(t.computed_at < cutoff)).rowcount or 0
            crowded = conn.execute(
                select(t.name).group_by(t.name).having(func.count() > MAX_ROWS_PER_NAME)
            ).scalars()
            for name in list(crowded):
                keep = (
                    select(t.key)
                    .where(t.name == name)
                    .order_by(t.computed_at.desc(), t.key)
                    .limit(MAX_ROWS_PER_NAME)
                )
                deleted += (
                    conn.execute(delete(t).where(t.name == name, t.key.not_in(keep))).rowcount or 0
                )
    except (sa_exc.DBAPIError, sa_exc.TimeoutError) as exc:
        cause = getattr(exc, "orig", None) or exc
        log.warning("Stored summaries not pruned (%s): %s", type(cause).__name__, cause)
        return 0
    return deleted


def stored_names(engine: Engine) -> Iterable[tuple[str, int]]:
    """(name, rows) in the table (diagnostics)."""
    with engine.connect() as conn:
        return [
            (n, int(c))
            for n, c in conn.execute(
                select(StoredSummary.name, func.count()).group_by(StoredSummary.name)
            )
        ]
