"""Signed-in users keep reading when the database stops taking writes (read-only file or
full disk), and nobody can sign in then (a sign-in must be recorded and audited).

The sign-in check records the visit (``last_seen_at``) at most once a minute; that write used
to end every session a minute after the database became read-only.
"""

from __future__ import annotations

import datetime as dt
import secrets
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from db.accounts import signin
from db.engine import make_engine
from db.errors import DatabaseFull, DatabaseReadOnly, DatabaseUnavailable
from db.models import AuthSession, User
from db.session import read_session, write_session
from tests.test_faults_sqlite import limit_pages, make_read_only

NOW = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def demo_copy(seeded_sqlite_file: Path, tmp_path: Path) -> Path:
    dst = tmp_path / "app.sqlite3"
    shutil.copyfile(seeded_sqlite_file, dst)
    return dst


def sign_in(engine: Engine, username: str) -> str:
    token = secrets.token_urlsafe(32)
    with write_session(engine) as s:
        user_id = s.scalar(select(User.id).where(User.username == username))
        assert user_id is not None
        signin.start_signin(session=s, user_id=user_id, token=token, now=NOW)
    return token


def last_seen(engine: Engine, token: str) -> dt.datetime:
    with read_session(engine) as s:
        seen = s.scalar(
            select(AuthSession.last_seen_at).where(AuthSession.id == signin.token_id(token))
        )
    assert seen is not None
    return seen


def fault_of(
    kind: str, path: Path, engine: Engine
) -> tuple[type[DatabaseUnavailable], Callable[[], None]]:
    if kind == "read-only file":
        return DatabaseReadOnly, make_read_only(path, engine)[1]
    return DatabaseFull, limit_pages(engine)


# A full disk takes the same path (DatabaseFull is caught alike), but max_page_count cannot
# stand in for it here: the visit and even a new sign-in fit in the file's free pages.
@pytest.mark.parametrize("kind", ["read-only file"])
def test_signed_in_users_keep_reading_and_nobody_signs_in(demo_copy: Path, kind: str) -> None:
    engine = make_engine(f"sqlite:///{demo_copy}")
    token = sign_in(engine, "executive.demo")
    later = NOW + 5 * signin.TOUCH_INTERVAL  # the check would now record the visit
    seen_before = last_seen(engine, token)
    refused, undo = fault_of(kind, demo_copy, engine)
    try:
        actor = signin.check_signin(engine, token=token, now=later)
        assert actor is not None and actor.username == "executive.demo"
        assert last_seen(engine, token) == seen_before  # nothing written
        # Still refused when its limits are passed, read-only or not.
        assert signin.check_signin(engine, token=token, now=NOW + dt.timedelta(hours=13)) is None
        assert signin.check_signin(engine, token="not-a-sign-in-" + "x" * 40, now=later) is None
        with pytest.raises(refused):
            sign_in(engine, "auditor.demo")
    finally:
        undo()
    # Writable again: the next check records the visit.
    assert signin.check_signin(engine, token=token, now=later + signin.TOUCH_INTERVAL * 2)
    assert last_seen(engine, token) > seen_before
    engine.dispose()
