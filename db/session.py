"""Transactions for writes: one place that knows how each backend serialises writers.

``write_session`` opens a session whose transaction starts with ``BEGIN IMMEDIATE`` on
SQLite (the write lock is taken up front, so a read-then-write cannot fail half way with
"database is locked"; the busy timeout makes concurrent writers queue) and a plain
transaction on PostgreSQL (row locks and compare-and-set do the work there). It commits on
success and rolls back on any exception.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlalchemy.orm import Session


@contextmanager
def write_session(engine: Engine) -> Iterator[Session]:
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            conn.info["sqlite_begin"] = "BEGIN IMMEDIATE"
        with Session(bind=conn, expire_on_commit=False) as session:
            with session.begin():
                yield session


@contextmanager
def read_session(engine: Engine) -> Iterator[Session]:
    with Session(engine) as session:
        yield session
