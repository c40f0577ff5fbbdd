"""A full disk and a read-only SQLite file: a clear message, nothing half-written, reads go on.

How the faults are made (real SQLite, real files):

- **full disk**: the database lives on a small ``tmpfs`` that a filler file then fills up
  (when the tests run as root and may mount one); everywhere, also SQLite's own limit
  ``PRAGMA max_page_count`` set to the file's current size on every connection, so the next
  page the write needs is refused with the same ``SQLITE_FULL`` the operating system's
  ``ENOSPC`` becomes;
- **read-only file**: ``chmod 0444`` (as an ordinary user), ``chattr +i`` (as root, for whom
  file modes mean nothing), or, where neither works (root without ``CAP_LINUX_IMMUTABLE``),
  ``PRAGMA query_only`` on every connection; the app's connections are reopened afterwards,
  as after a restart.

Each case checks: the write raises the domain error with its sentence (and the driver's
error only as ``__cause__``); every table's row count, the audit head and the decided record
are unchanged; the database still reads (the pending list, the audit chain verifies); and,
under AppTest, the approvals page shows the sentence, not a traceback.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, func, select
from sqlalchemy import exc as sa_exc

from components import data
from db import approvals, audit
from db.engine import make_engine
from db.errors import DatabaseFull, DatabaseReadOnly, DatabaseUnavailable
from db.models import Adoption, Base, User
from db.policy import Actor
from db.session import read_session, write_session
from tests import workflow_data as wd
from tests.apptest import button, new_app, page_text, sign_in

FULL = (
    "Not saved: the database's disk is full. Ask IT to free disk space; you can still read "
    "everything."
)
READ_ONLY = (
    "Not saved: the database is read-only. Ask IT to make it writable again; you can still "
    "read everything."
)
LONG_COMMENT = "검토 의견 " * 300  # 1,800 characters: the row and its audit event need new pages

Snapshot = tuple[dict[str, int], tuple[int, str], tuple[Any, ...]]


def snapshot(engine: Engine, adoption_id: int) -> Snapshot:
    """Every table's row count, the audit head, and the adoption's decision fields."""
    with read_session(engine) as s:
        counts = {
            t.name: int(s.execute(select(func.count()).select_from(t)).scalar_one())
            for t in Base.metadata.sorted_tables
        }
        head = audit.read_head(s)
        row = s.execute(
            select(
                Adoption.status,
                Adoption.decided_by_id,
                Adoption.decision_comment,
                Adoption.version,
            ).where(Adoption.id == adoption_id)
        ).one()
    return counts, head, tuple(row)


def still_reads(engine: Engine, actor: Actor, adoption_id: int) -> None:
    with read_session(engine) as s:
        pending = approvals.pending_decisions(session=s, actor=actor)
        assert f"adoption:{adoption_id}" in set(pending["key"])
        chain = audit.verify(s)
    assert chain.ok, chain.problem


def actor_named(engine: Engine, username: str) -> Actor:
    with read_session(engine) as s:
        u = s.execute(select(User).where(User.username == username)).scalar_one()
        return Actor(id=u.id, username=u.username, roles=u.role_names, display_name=u.display_name)


def project_of(engine: Engine, item: int) -> str:
    with read_session(engine) as s:
        return str(s.execute(select(Adoption.project_name).where(Adoption.id == item)).scalar_one())


def new_item(engine: Engine) -> int:
    [item] = wd.under_review_adoptions(engine, actor_named(engine, "staff.demo").id or 0, 1)
    return item


# --- ways to make a fault ------------------------------------------------------------------


def limit_pages(engine: Engine) -> Callable[[], None]:
    """``PRAGMA max_page_count`` = the current size on every new connection of ``engine``."""

    def on_connect(dbapi_conn: Any, _record: Any) -> None:
        pages = dbapi_conn.execute("PRAGMA page_count").fetchone()[0]
        dbapi_conn.execute(f"PRAGMA max_page_count={int(pages)}")

    event.listen(engine, "connect", on_connect)
    engine.dispose()

    def undo() -> None:
        event.remove(engine, "connect", on_connect)
        engine.dispose()

    return undo


def make_read_only(path: Path, engine: Engine, *others: Engine) -> tuple[str, Callable[[], None]]:
    """Make the database file read-only for this process; returns how, and how to undo.

    Every engine of this process on the file is disposed: SQLite reuses a closed
    connection's file descriptor (opened for writing) while another connection of the
    process still has the file open."""
    how, undo_file = "", lambda: None
    if os.geteuid() != 0:
        path.chmod(0o444)
        how, undo_file = "chmod 0444", lambda: path.chmod(0o644)
    elif (
        shutil.which("chattr")
        and subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode == 0
    ):
        how = "chattr +i"

        def undo_file() -> None:
            subprocess.run(["chattr", "-i", str(path)], check=True)

    if how:
        for e in (engine, *others):
            e.dispose()  # connections opened from now on see the file read-only

        def undo() -> None:
            undo_file()
            engine.dispose()

        return how, undo

    def on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.execute("PRAGMA query_only=ON")

    event.listen(engine, "connect", on_connect)
    engine.dispose()

    def undo_pragma() -> None:
        event.remove(engine, "connect", on_connect)
        engine.dispose()

    return "PRAGMA query_only", undo_pragma


@contextmanager
def small_tmpfs(tmp_path: Path, size_mb: int) -> Iterator[Path]:
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("a real full disk needs root to mount a small tmpfs (max_page_count runs)")
    mnt = tmp_path / "tmpfs"
    mnt.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size_mb}m", "tmpfs", str(mnt)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.decode().strip()})")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def fill(folder: Path) -> Path:
    """Fill the file system of ``folder`` up to the last byte."""
    filler = folder / "filler"
    with filler.open("wb", buffering=0) as f:
        for chunk in (65536, 512, 1):
            try:
                while True:
                    f.write(b"\0" * chunk)
            except OSError:
                pass
    return filler


# --- db level: every caller (pages, scripts, the CLI) gets the domain error ----------------


@pytest.fixture
def demo_copy(seeded_sqlite_file: Path, tmp_path: Path) -> Path:
    dst = tmp_path / "app.sqlite3"
    shutil.copyfile(seeded_sqlite_file, dst)
    return dst


def decide_reject(engine: Engine, actor: Actor, item: int) -> None:
    with write_session(engine) as s:
        approvals.decide_one(
            session=s, actor=actor, key=f"adoption:{item}", decision="reject", comment=LONG_COMMENT
        )


@pytest.mark.parametrize("fault", ["full (max_page_count)", "read-only file"])
def test_a_write_is_refused_whole_and_reads_go_on(demo_copy: Path, fault: str) -> None:
    engine = make_engine(f"sqlite:///{demo_copy}")
    approver = actor_named(engine, "approver.demo")
    item = new_item(engine)
    before = snapshot(engine, item)
    expected: type[DatabaseUnavailable]
    if fault.startswith("full"):
        undo, expected, sentence = limit_pages(engine), DatabaseFull, FULL
    else:
        _how, undo = make_read_only(demo_copy, engine)
        expected, sentence = DatabaseReadOnly, READ_ONLY
    try:
        with pytest.raises(expected) as refused:
            decide_reject(engine, approver, item)
        assert str(refused.value) == sentence
        assert isinstance(refused.value.__cause__, sa_exc.OperationalError)
        assert snapshot(engine, item) == before  # nothing half-written
        still_reads(engine, approver, item)
    finally:
        undo()
    decide_reject(engine, approver, item)  # once the fault is gone, the same write saves
    _counts, head, row = snapshot(engine, item)
    assert row[0] == "rejected" and head[0] == before[1][0] + 1
    engine.dispose()


def test_a_real_full_disk(tmp_path: Path, seeded_sqlite_file: Path) -> None:
    size_mb = seeded_sqlite_file.stat().st_size // 2**20 + 8
    with small_tmpfs(tmp_path, size_mb) as mnt:
        path = mnt / "app.sqlite3"
        shutil.copyfile(seeded_sqlite_file, path)
        engine = make_engine(f"sqlite:///{path}")
        approver = actor_named(engine, "approver.demo")
        item = new_item(engine)
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")  # the next write grows it
        before = snapshot(engine, item)
        filler = fill(mnt)
        with pytest.raises(DatabaseFull) as refused:
            decide_reject(engine, approver, item)
        assert str(refused.value) == FULL
        assert snapshot(engine, item) == before
        still_reads(engine, approver, item)
        filler.unlink()
        decide_reject(engine, approver, item)
        assert snapshot(engine, item)[2][0] == "rejected"
        engine.dispose()


# --- what the person at the approvals page sees ---------------------------------------------


@pytest.fixture
def app_env(demo_copy: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{demo_copy}")
    monkeypatch.setenv("NTP_DEMO", "1")
    monkeypatch.setenv("NTP_COOKIE_KEY", "k" * 48)
    monkeypatch.setenv("NTP_LANG", "en")
    return demo_copy


@pytest.mark.parametrize("fault", ["full", "read-only"])
def test_the_page_says_not_saved(app_env: Path, tmp_path: Path, fault: str) -> None:
    engine = make_engine(f"sqlite:///{app_env}")
    item = new_item(engine)
    at = sign_in(new_app(), "approver.demo")
    at.switch_page("pages/approvals.py").run()
    assert not at.exception, at.exception
    at.selectbox(key="ap_item").set_value(f"adoption:{item}").run()
    at.radio(key="ap_decision").set_value("reject")
    at.text_area(key="ap_comment").input(LONG_COMMENT)
    at.checkbox(key="ap_confirm").check()
    before = snapshot(engine, item)
    app_engine = data.engine()  # the engine the app's pages use (cached per process)
    if fault == "full":
        undo, sentence = limit_pages(app_engine), FULL
    else:
        _how, undo = make_read_only(app_env, app_engine, engine)
        sentence = READ_ONLY
    try:
        button(at, "Record the decision").click()
        at.run()
        assert not at.exception, at.exception  # no traceback
        assert [e.value for e in at.error] == [sentence], (
            page_text(at),
            _how if fault != "full" else "",
        )
        assert "Decision recorded" not in page_text(at)
        assert snapshot(engine, item) == before
        # the page still reads: the item is still listed, waiting
        assert at.selectbox(key="ap_item").value == f"adoption:{item}"
        listed = "\n".join(df.value.to_csv() for df in at.dataframe)
        assert project_of(engine, item) in listed
    finally:
        undo()
    engine.dispose()


def test_the_command_line_says_not_saved(demo_copy: Path) -> None:
    """``python -m db create-admin`` on a read-only database: exit 2 and the sentence (the
    driver's traceback goes to the log only)."""
    engine = make_engine(f"sqlite:///{demo_copy}")
    item = new_item(engine)
    before = snapshot(engine, item)
    how, undo = make_read_only(demo_copy, engine)
    if how == "PRAGMA query_only":
        undo()
        pytest.skip("the file cannot be made read-only for another process here")
    try:
        done = subprocess.run(
            [sys.executable, "-m", "db", "create-admin", "carol.admin"],
            cwd=Path(__file__).resolve().parent.parent,
            env={**os.environ, "DATABASE_URL": f"sqlite:///{demo_copy}", "NTP_DEMO": "0"},
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        undo()
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.strip().splitlines()[-1] == READ_ONLY
    assert "One-time password" not in done.stdout
    assert snapshot(engine, item) == before  # no account, no audit event
    engine.dispose()
