"""Transactions for writes: one place that knows how each backend serialises writers.

``write_session`` opens a session whose transaction starts with ``BEGIN IMMEDIATE`` on
SQLite (the write lock is taken up front, so a read-then-write cannot fail half way with
"database is locked"; the busy timeout makes concurrent writers queue) and a plain
transaction on PostgreSQL (row locks and compare-and-set do the work there). It commits on
success and rolls back on any exception.

A :class:`~db.errors.PermissionDenied` raised inside is recorded as a ``permission.denied``
audit event in a transaction of its own, after the refused write was rolled back, and then
re-raised: refusals leave a trace, refused writes leave none.

Database faults (the server is down or restarting, a connection broke, the pool is
exhausted, a lock timed out, the SQLite file is read-only, the disk is full or failing)
become :class:`~db.errors.DatabaseUnavailable` or one of its subclasses, a sentence a person
can act on, for every caller (pages, scripts, ``python -m db``). The driver's exception is
logged here with its traceback (logger ``db.session``) and chained as ``__cause__``; it is
never shown. Nothing was saved, because the transaction was rolled back, except when a
PostgreSQL connection broke during ``COMMIT`` itself: the server may have committed, which
:class:`~db.errors.SaveInDoubt` says. Errors that are bugs (a constraint, bad SQL) are not
translated: they propagate as they are.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session

from db import recording
from db.errors import (
    DatabaseBusy,
    DatabaseDiskError,
    DatabaseFull,
    DatabaseReadOnly,
    DatabaseUnavailable,
    PermissionDenied,
    SaveInDoubt,
)

log = logging.getLogger(__name__)

FAULTS = (sa_exc.DBAPIError, sa_exc.TimeoutError)
"""What :func:`database_fault` looks at (anything else is never a database fault)."""

_AT_COMMIT = "ntp_at_commit"


def _sqlite_fault(name: str) -> type[DatabaseUnavailable] | None:
    """By SQLite's result code name; ``SQLITE_ERROR`` (bad SQL, missing table) is a bug."""
    if name.startswith("SQLITE_READONLY"):
        return DatabaseReadOnly
    if name == "SQLITE_FULL":
        return DatabaseFull
    if name.startswith("SQLITE_IOERR"):
        return DatabaseDiskError
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return DatabaseBusy
    if name.startswith(("SQLITE_CANTOPEN", "SQLITE_PROTOCOL", "SQLITE_NOTADB")):
        return DatabaseUnavailable
    return None


def _postgres_fault(sqlstate: str) -> type[DatabaseUnavailable] | None:
    """By SQLSTATE (PostgreSQL Appendix A)."""
    if sqlstate == "25006":  # read_only_sql_transaction: a standby, or default read-only
        return DatabaseReadOnly
    if sqlstate == "53100":  # disk_full
        return DatabaseFull
    if sqlstate.startswith("58"):  # system_error, io_error
        return DatabaseDiskError
    if sqlstate in {"55P03", "57014", "40001", "40P01", "53300"}:
        # lock_not_available, query_canceled (statement/lock timeout), serialization
        # failure, deadlock, too_many_connections
        return DatabaseBusy
    if sqlstate.startswith(("08", "57P", "53")):
        # connection exceptions; admin/crash shutdown, cannot connect now; out of resources
        return DatabaseUnavailable
    return None


def database_fault(exc: BaseException, *, writing: bool) -> DatabaseUnavailable | None:
    """The domain error for a database fault, or ``None`` when ``exc`` is not one."""
    if isinstance(exc, sa_exc.TimeoutError):  # QueuePool: no connection free in time
        return DatabaseBusy(writing=writing)
    if not isinstance(exc, sa_exc.DBAPIError):
        return None
    orig = exc.orig
    kind: type[DatabaseUnavailable] | None = None
    connection_level = exc.connection_invalidated
    sqlite_name = getattr(orig, "sqlite_errorname", None)
    sqlstate = getattr(orig, "sqlstate", None)
    if isinstance(sqlite_name, str):
        kind = _sqlite_fault(sqlite_name)
    elif isinstance(sqlstate, str) and sqlstate:
        kind = _postgres_fault(sqlstate)
        connection_level = connection_level or sqlstate.startswith(("08", "57P"))
    elif isinstance(exc, (sa_exc.OperationalError, sa_exc.InterfaceError)) and type(
        orig
    ).__module__.startswith("psycopg"):
        # psycopg's client-side failures carry no SQLSTATE: refused, reset, closed
        kind = DatabaseUnavailable
        connection_level = True
    if kind is None and exc.connection_invalidated:
        kind = DatabaseUnavailable
    if kind is None:
        return None
    if writing and getattr(exc, _AT_COMMIT, False) and connection_level:
        return SaveInDoubt(writing=True)
    return kind(writing=writing)


def _report(fault: DatabaseUnavailable, exc: BaseException) -> None:
    log.error(
        "Database fault during a %s, shown as %s: %s",
        "write" if fault.writing else "read",
        type(fault).__name__,
        exc,
        exc_info=exc,
    )


@contextmanager
def _transaction(engine: Engine) -> Iterator[Session]:
    """Begin, yield, flush and commit; an error raised by ``COMMIT`` itself is marked (so a
    broken connection there counts as "in doubt", not "not saved")."""
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            conn.info["sqlite_begin"] = "BEGIN IMMEDIATE"
        with Session(bind=conn, expire_on_commit=False) as session:
            session.begin()
            try:
                yield session
                session.flush()
            except BaseException:
                session.rollback()
                raise
            try:
                session.commit()
            except sa_exc.DBAPIError as exc:
                setattr(exc, _AT_COMMIT, True)
                raise


@contextmanager
def write_session(engine: Engine) -> Iterator[Session]:
    """A write transaction; commits on success, rolls back on error, audits refusals.

    :raise DatabaseUnavailable: (or a subclass) the database could not do the write; the
        cause is logged. Nothing was saved, except for :class:`~db.errors.SaveInDoubt`.
    """
    try:
        try:
            with _transaction(engine) as session:
                yield session
        except PermissionDenied as denied:
            with _transaction(engine) as session:
                recording.record_refusal(session, denied)
            raise
    except FAULTS as exc:
        fault = database_fault(exc, writing=True)
        if fault is None:
            raise
        _report(fault, exc)
        raise fault from exc


@contextmanager
def read_session(engine: Engine) -> Iterator[Session]:
    """A session for reading.

    :raise DatabaseUnavailable: (or a subclass, told as "could not be loaded") the database
        could not answer; the cause is logged.
    """
    try:
        with Session(engine) as session:
            yield session
    except FAULTS as exc:
        fault = database_fault(exc, writing=False)
        if fault is None:
            raise
        _report(fault, exc)
        raise fault from exc
