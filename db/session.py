"""Transactions for writes: one place that knows how each backend serialises writers.

``write_session`` opens a session whose transaction starts with ``BEGIN IMMEDIATE`` on
SQLite (the write lock is taken up front, so a read-then-write cannot fail half way with
"database is locked"; the busy timeout makes concurrent writers queue) and a plain
transaction on PostgreSQL (row locks and compare-and-set do the work there). It commits on
success and rolls back on any exception.

A :class:`~db.errors.PermissionDenied` raised inside is recorded as a ``permission.denied``
audit event in a transaction of its own, after the refused write was rolled back, and then
re-raised: refusals leave a trace, refused writes leave none.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from db import audit
from db.errors import PermissionDenied


@contextmanager
def _transaction(engine: Engine) -> Iterator[Session]:
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            conn.info["sqlite_begin"] = "BEGIN IMMEDIATE"
        with Session(bind=conn, expire_on_commit=False) as session, session.begin():
            yield session


@contextmanager
def write_session(engine: Engine) -> Iterator[Session]:
    """A write transaction; commits on success, rolls back on error, audits refusals."""
    try:
        with _transaction(engine) as session:
            yield session
    except PermissionDenied as denied:
        with _transaction(engine) as session:
            audit.append(
                session,
                actor_id=denied.actor_id,
                actor_name=denied.actor_name,
                action="permission.denied",
                entity=denied.entity or "action",
                entity_id=denied.entity_id,
                after={"action": denied.action},
                reason=denied.reason,
            )
        raise


@contextmanager
def read_session(engine: Engine) -> Iterator[Session]:
    with Session(engine) as session:
        yield session
