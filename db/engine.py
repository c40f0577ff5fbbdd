"""Engine and session factory for SQLite (embedded default) and PostgreSQL (production).

SQLite gets foreign keys, WAL and a busy timeout on every connection; PostgreSQL goes
through psycopg 3 with ``pool_pre_ping`` so an idle pool survives a server restart.
A bad ``DATABASE_URL`` raises :class:`DatabaseConfigError` whose message is one sentence a
person can act on; nothing is created anywhere but the default data folder.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError
from sqlalchemy.orm import sessionmaker

from db.config import DEFAULT_DATA_DIR
from db.errors import N_, DomainError

SQLITE_BUSY_TIMEOUT_MS = 15_000


class DatabaseConfigError(DomainError):
    """``DATABASE_URL`` is malformed, names an unsupported database, or cannot be reached."""

    message = N_("The database is not configured correctly.")


class DatabaseUnreachable(DatabaseConfigError):
    """The database named by ``DATABASE_URL`` did not answer. Its message names the address
    (password hidden): for the command line and the server log, not for every visitor."""


def _parse(url: str) -> URL:
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError) as exc:  # ValueError: a port that is not a number, "[::1"
        raise DatabaseConfigError(
            N_("DATABASE_URL is not a valid database address (expected e.g. {example})."),
            example="postgresql+psycopg://user:password@host:5432/dbname",
        ) from exc
    backend = parsed.get_backend_name()
    if backend not in {"sqlite", "postgresql"}:
        raise DatabaseConfigError(
            N_("DATABASE_URL names an unsupported database '{backend}'; use SQLite or PostgreSQL."),
            backend=backend,
        )
    if backend == "postgresql" and parsed.drivername in {"postgresql", "postgres"}:
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def _sqlite_on_connect(dbapi_conn: Any, _record: Any) -> None:
    # Let SQLAlchemy issue BEGIN itself so that BEGIN IMMEDIATE can be requested per
    # transaction (see ``db.session.write_transaction``).
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def make_engine(url: str, *, check: bool = True) -> Engine:
    """Create the engine for ``url``; with ``check`` also connect once to fail early.

    :raise DatabaseConfigError: the URL is malformed, the SQLite folder does not exist, the
        driver is missing, or the server cannot be reached.
    """
    parsed = _parse(url)
    kwargs: dict[str, Any] = {}
    if parsed.get_backend_name() == "sqlite":
        path = parsed.database
        if path and path != ":memory:":
            folder = Path(path).resolve().parent
            if folder == DEFAULT_DATA_DIR.resolve():
                folder.mkdir(parents=True, exist_ok=True)
            elif not folder.is_dir():
                raise DatabaseConfigError(
                    N_("The folder for the SQLite database does not exist: {folder}."),
                    folder=str(folder),
                )
        kwargs["connect_args"] = {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
    else:
        kwargs.update(pool_pre_ping=True, pool_size=5, max_overflow=10, pool_recycle=1800)
        kwargs["connect_args"] = {"connect_timeout": 5}
    try:
        engine = create_engine(parsed, **kwargs)
    except (ArgumentError, NoSuchModuleError, ImportError) as exc:
        raise DatabaseConfigError(
            N_("The database driver for '{driver}' is not installed or not supported."),
            driver=parsed.drivername,
        ) from exc
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_begin)
    if check:
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except OperationalError as exc:
            engine.dispose()
            where = parsed.render_as_string(hide_password=True)
            raise DatabaseUnreachable(
                N_(
                    "The database at {where} cannot be reached; check DATABASE_URL and that "
                    "the server is running."
                ),
                where=where,
            ) from exc
    return engine


def _sqlite_begin(conn: Any) -> None:
    mode = conn.info.pop("sqlite_begin", "BEGIN")
    conn.exec_driver_sql(mode)


def session_factory(engine: Engine) -> sessionmaker:
    """The session factory; callers own transactions: ``with factory.begin() as s: ...``."""
    return sessionmaker(engine, expire_on_commit=False)
