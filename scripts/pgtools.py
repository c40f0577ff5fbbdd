"""Shared by ``scripts/backup`` and ``scripts/restore-verify``: the PostgreSQL client tools.

The app's ``DATABASE_URL`` (SQLAlchemy form, ``postgresql+psycopg://user:pw@host:5432/db``)
becomes a libpq connection string for ``pg_dump``/``pg_restore``/``psql`` with the password
passed in the environment (``PGPASSWORD``), never on the command line where ``ps`` shows it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy.engine import URL, make_url  # noqa: E402
from sqlalchemy.exc import ArgumentError  # noqa: E402

HEAD_SUFFIX = ".audit-head"
SUM_SUFFIX = ".sha256"


class Failure(Exception):
    """A problem a person can act on; ``code`` is the exit status."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


def postgres_url(raw: str | None) -> URL:
    if not raw:
        raise Failure("DATABASE_URL is not set (e.g. postgresql+psycopg://ntp@db:5432/ntp).")
    try:
        url = make_url(raw)
    except (ArgumentError, ValueError) as exc:  # e.g. a port that is not a number
        raise Failure(
            "DATABASE_URL is not a valid database address "
            "(e.g. postgresql+psycopg://ntp@db:5432/ntp)."
        ) from exc
    if url.get_backend_name() != "postgresql":
        raise Failure(
            "These scripts back up PostgreSQL. For the embedded SQLite file, stop the app and "
            "copy data/ntp.sqlite3 (or use `sqlite3 data/ntp.sqlite3 '.backup copy.sqlite3'`)."
        )
    return url


def conninfo(url: URL, dbname: str | None = None) -> tuple[str, dict[str, str]]:
    """A libpq connection string without the password, and the environment carrying it."""
    parts = {
        "host": url.host or "",
        "port": str(url.port or ""),
        "user": url.username or "",
        "dbname": dbname or url.database or "",
    }
    for key, value in url.query.items():  # sslmode, sslrootcert, ...
        parts[key] = value if isinstance(value, str) else value[-1]
    text = " ".join(f"{k}='{_quote(v)}'" for k, v in parts.items() if v)
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return text, env


def _quote(value: str) -> str:
    return value.replace("\\", "\\\\").replace("'", "\\'")


def tool(name: str) -> str:
    """The path of a PostgreSQL client program (``PG_BIN`` or ``NTP_PG_BIN`` first)."""
    for folder in (os.environ.get("PG_BIN"), os.environ.get("NTP_PG_BIN")):
        if folder and (Path(folder) / name).exists():
            return str(Path(folder) / name)
    found = shutil.which(name)
    if found is None:
        raise Failure(f"{name} is not installed (Debian: apt-get install postgresql-client-15).")
    return found


def run(args: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(args, env=env, capture_output=True, text=True)  # noqa: S603 (PostgreSQL tools)
    if done.returncode != 0:
        raise Failure(f"{Path(args[0]).name} failed: {done.stderr.strip() or done.stdout.strip()}")
