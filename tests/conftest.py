"""Shared fixtures: a fresh migrated database per test on SQLite and PostgreSQL.

PostgreSQL is a real throwaway server started from the machine's PostgreSQL 15 binaries in a
temporary directory (as the unprivileged ``postgres`` account when the tests run as root,
because PostgreSQL refuses to run as root). Where no binaries exist the PostgreSQL cases skip
with the reason, except under ``CI``, where that is an error: CI must exercise PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import Engine, create_engine, text

from db import clock
from db.engine import make_engine
from db.migrate import upgrade

BACKENDS = ("sqlite", "postgresql")
IN_CI = bool(os.environ.get("CI"))


def _pg_bindir() -> Path | None:
    candidates = [os.environ.get("NTP_PG_BIN", "")]
    candidates += sorted((str(p) for p in Path("/usr/lib/postgresql").glob("*/bin")), reverse=True)
    for c in candidates:
        if c and (Path(c) / "initdb").exists() and (Path(c) / "pg_ctl").exists():
            return Path(c)
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def unavailable(reason: str) -> None:
    """Skip outside CI; fail in CI, where every backend and the browser must run."""
    if IN_CI:
        pytest.fail(f"{reason} (CI must run these tests)")
    pytest.skip(reason)


@dataclass
class PgServer:
    bindir: Path
    root: Path
    port: int
    as_user: list[str]

    @property
    def admin_url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def url(self, dbname: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{dbname}"

    def run(self, *args: str) -> None:
        subprocess.run([*self.as_user, *args], check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        data = self.root / "data"
        self.run(
            str(self.bindir / "initdb"),
            "-D",
            str(data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-locale",
        )
        opts = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
            "-c max_connections=200"
        )
        self.run(
            str(self.bindir / "pg_ctl"),
            "-D",
            str(data),
            "-o",
            opts,
            "-l",
            str(self.root / "server.log"),
            "-w",
            "-t",
            "60",
            "start",
        )

    def stop(self) -> None:
        subprocess.run(
            [
                *self.as_user,
                str(self.bindir / "pg_ctl"),
                "-D",
                str(self.root / "data"),
                "-m",
                "immediate",
                "-w",
                "stop",
            ],
            capture_output=True,
            timeout=60,
        )

    def shutdown(self) -> None:
        """Stop the server (fast: open sessions are ended), keeping its data (fault tests)."""
        self.run(
            str(self.bindir / "pg_ctl"), "-D", str(self.root / "data"), "-m", "fast", "-w",
            "-t", "60", "stop",
        )  # fmt: skip

    def resume(self) -> None:
        """Start a server stopped by :meth:`shutdown` again with the options of :meth:`start`."""
        opts = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
            "-c max_connections=200"
        )
        self.run(
            str(self.bindir / "pg_ctl"), "-D", str(self.root / "data"), "-o", opts, "-l",
            str(self.root / "server.log"), "-w", "-t", "60", "start",
        )  # fmt: skip

    def restart(self) -> None:
        """Restart the server in place (for fault tests)."""
        self.run(
            str(self.bindir / "pg_ctl"),
            "-D",
            str(self.root / "data"),
            "-m",
            "fast",
            "-l",
            str(self.root / "server.log"),
            "-w",
            "-t",
            "60",
            "restart",
        )


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """A throwaway PostgreSQL server for the whole test session."""
    bindir = _pg_bindir()
    if bindir is None:
        unavailable("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
    assert bindir is not None
    root = Path(tempfile.mkdtemp(prefix="ntp-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:
        runuser = shutil.which("runuser")
        if runuser is None:
            unavailable("running as root and `runuser` is missing to start PostgreSQL")
        shutil.chown(root, user="postgres", group="postgres")
        root.chmod(0o700)
        as_user = [str(runuser), "-u", "postgres", "--"]
    server = PgServer(bindir=bindir, root=root, port=_free_port(), as_user=as_user)
    try:
        server.start()
    except subprocess.CalledProcessError as exc:
        log = (
            (root / "server.log").read_text(errors="replace")
            if (root / "server.log").exists()
            else ""
        )
        shutil.rmtree(root, ignore_errors=True)
        pytest.fail(f"PostgreSQL did not start: {exc.stderr!r} {log[-2000:]}")
    yield server
    server.stop()
    shutil.rmtree(root, ignore_errors=True)


_counter = itertools.count()


def _pg_admin(server: PgServer) -> Engine:
    return create_engine(server.admin_url, isolation_level="AUTOCOMMIT")


@pytest.fixture(scope="session")
def pg_template(pg_server: PgServer) -> str:
    """Name of a migrated, empty template database; copied for every test."""
    admin = _pg_admin(pg_server)
    with admin.connect() as conn:
        conn.execute(text("CREATE DATABASE ntp_template"))
    engine = make_engine(pg_server.url("ntp_template"))
    upgrade(engine)
    apply_demo_profile(engine)
    engine.dispose()
    admin.dispose()
    return "ntp_template"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "template.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    apply_demo_profile(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


DEMO_PROFILE = Path(__file__).resolve().parent.parent / "profiles" / "daegu.toml"
PROFILE_APPLIED_AT = dt.datetime(2018, 1, 1, tzinfo=dt.UTC)


def apply_demo_profile(engine: Engine) -> None:
    """The demo city's profile rows (vocabularies, regulation version 1) on a migrated
    database, as migration 0010 leaves a database that held records: every usable database
    holds a profile. No audit event, so the tests of the audit chain start from an empty
    chain; ``python -m db city init`` with its events is tested in ``test_city_db.py``."""
    from sqlalchemy import insert

    from db.city.profile_file import read_profile
    from db.city.store import profile_rows
    from db.models import Base

    rows = profile_rows(
        read_profile(DEMO_PROFILE), source="tests", at=PROFILE_APPLIED_AT, actor_id=None
    )
    with engine.begin() as conn:
        for table, values in rows.items():
            conn.execute(insert(Base.metadata.tables[table]), values)


def fresh_database_url(request: pytest.FixtureRequest, backend: str, tmp_path: Path) -> str:
    """URL of a new, migrated, empty database on ``backend``."""
    if backend == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / f"db{next(_counter)}.sqlite3"
        shutil.copyfile(template, path)
        return f"sqlite:///{path}"
    server: PgServer = request.getfixturevalue("pg_server")
    template_name: str = request.getfixturevalue("pg_template")
    name = f"ntp_test_{os.getpid()}_{next(_counter)}"
    admin = _pg_admin(server)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template_name}"'))
    admin.dispose()
    return server.url(name)


@pytest.fixture
def unprofiled_engine(
    request: pytest.FixtureRequest, backend: str, tmp_path: Path
) -> Iterator[Engine]:
    """A fresh database upgraded to head with no city profile (what ``python -m db upgrade``
    leaves before ``python -m db city init``), on each backend."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / f'bare{next(_counter)}.sqlite3'}"
        engine = make_engine(url)
        upgrade(engine)
    else:
        server: PgServer = request.getfixturevalue("pg_server")
        name = f"ntp_bare_{os.getpid()}_{next(_counter)}"
        engine = make_engine(create_database(server, name, profile=False))
    yield engine
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def migrated_url(request: pytest.FixtureRequest, backend: str, tmp_path: Path) -> str:
    return fresh_database_url(request, backend, tmp_path)


@pytest.fixture
def migrated_engine(migrated_url: str) -> Iterator[Engine]:
    """An Engine to a fresh, empty, migrated database (parametrized over both backends)."""
    engine = make_engine(migrated_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def seeded_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """URL of a database holding the scale-1 demo data; shared by the session: read only."""
    import seed

    backend = str(request.param)
    if backend == "sqlite":
        path = tmp_path_factory.mktemp("seeded") / "demo.sqlite3"
        url = f"sqlite:///{path}"
    else:
        server: PgServer = request.getfixturevalue("pg_server")
        admin = _pg_admin(server)
        with admin.connect() as conn:
            conn.execute(text("CREATE DATABASE ntp_seeded"))
        admin.dispose()
        url = server.url("ntp_seeded")
    engine = make_engine(url)
    upgrade(engine)
    seed.build(engine, scale=1)
    engine.dispose()
    return url


@pytest.fixture(scope="session")
def seeded_engine(seeded_url: str) -> Iterator[Engine]:
    engine = make_engine(seeded_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def seeded_sqlite_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A scale-1 demo SQLite file for page and browser tests (copy it before writing)."""
    import seed
    from db.engine import make_engine
    from db.migrate import upgrade

    path = tmp_path_factory.mktemp("browser-db") / "demo.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    seed.build(engine, scale=1, demo_accounts=True)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


def app_on_copy(source: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    """Point the app (pages under AppTest) at a private copy of the SQLite file ``source``,
    with the demo accounts allowed to sign in, a fresh cookie key, in English; its URL.

    The one app environment of the page tests: a test that needs another database (a
    poisoned one, one with more accounts) passes it here instead of writing its own."""
    dst = tmp_path / "app.sqlite3"
    shutil.copyfile(source, dst)
    url = f"sqlite:///{dst}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("NTP_DEMO", "1")  # demo accounts may sign in
    monkeypatch.setenv("NTP_COOKIE_KEY", secrets.token_urlsafe(48))
    monkeypatch.setenv("NTP_LANG", "en")
    return url


@pytest.fixture
def app_env(seeded_sqlite_file: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    """The app on a private copy of the seeded demo database, in English (see
    :func:`app_on_copy`); the database's URL. Pages run on SQLite; the db functions they call
    are tested on both databases."""
    return app_on_copy(seeded_sqlite_file, monkeypatch, tmp_path)


@pytest.fixture(autouse=True)
def _clear_streamlit_caches() -> Iterator[None]:
    """Cached readers must not leak results from one test's database into the next; nor
    the bare-mode session state (outside a script run, e.g. a test calling ``set_language``
    to build expected labels), which AppTest's harness reads when it formats a widget's
    value: a language left there made later Korean page tests format in English."""
    yield
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()
    for key in list(st.session_state.keys()):
        del st.session_state[key]


# --- The city's clock around midnight ------------------------------------------------------------

# Instants around the city's next midnight: at 23:30 the city and UTC (a server's clock) share
# a date in Korea; at 00:30 the city is a day ahead of UTC. Date-sensitive tests run at both,
# so a date taken from the machine instead of the city's clock fails whatever the hour.
CITY_NIGHT = {"23:30": dt.timedelta(minutes=-30), "00:30": dt.timedelta(minutes=30)}


def city_night(at: str) -> dt.datetime:
    """``at`` ("23:30" or "00:30") around the city's next midnight, as aware UTC."""
    midnight = clock.city_day_start(clock.city_today() + dt.timedelta(days=1))
    return midnight + CITY_NIGHT[at]


@pytest.fixture(params=sorted(CITY_NIGHT))
def city_clock(request: pytest.FixtureRequest) -> Iterator[dt.datetime]:
    """The clock at 23:30 and at 00:30 in the city (time keeps running from there)."""
    with time_machine.travel(city_night(str(request.param)), tick=True):
        yield clock.now_utc()


@pytest.fixture
def city_after_midnight() -> Iterator[dt.datetime]:
    """The clock at 00:30 in the city, when UTC (the machine) still has yesterday's date."""
    with time_machine.travel(city_night("00:30"), tick=True):
        yield clock.now_utc()


def wait_for(predicate, timeout: float = 30.0, interval: float = 0.2) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False


# --- A PostgreSQL server of a test module's own, to stop and restart (fault tests) ----------


def new_pg_server(prefix: str = "ntp-pg-") -> PgServer:
    """Start a throwaway PostgreSQL server as :func:`pg_server` does (skips or fails the
    same way when the binaries are missing); the caller stops it."""
    bindir = _pg_bindir()
    if bindir is None:
        unavailable("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
    assert bindir is not None
    root = Path(tempfile.mkdtemp(prefix=prefix))
    as_user: list[str] = []
    if os.geteuid() == 0:
        runuser = shutil.which("runuser")
        if runuser is None:
            unavailable("running as root and `runuser` is missing to start PostgreSQL")
        shutil.chown(root, user="postgres", group="postgres")
        root.chmod(0o700)
        as_user = [str(runuser), "-u", "postgres", "--"]
    server = PgServer(bindir=bindir, root=root, port=_free_port(), as_user=as_user)
    try:
        server.start()
    except subprocess.CalledProcessError as exc:
        shutil.rmtree(root, ignore_errors=True)
        pytest.fail(f"PostgreSQL did not start: {exc.stderr!r}")
    return server


@pytest.fixture(scope="module")
def restartable_pg() -> Iterator[PgServer]:
    """A throwaway PostgreSQL 15 server for one test module, which its tests may stop, start
    and restart with ``pg_ctl`` (:meth:`PgServer.shutdown`, ``resume``, ``restart``) without
    disturbing the session's shared server."""
    server = new_pg_server("ntp-pg-faults-")
    yield server
    server.stop()
    shutil.rmtree(server.root, ignore_errors=True)


def create_database(
    server: PgServer, name: str, *, migrate: bool = True, profile: bool = True
) -> str:
    """Create database ``name`` on ``server``, migrated and holding the demo profile (unless
    ``migrate=False`` / ``profile=False``); its URL."""
    admin = _pg_admin(server)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = server.url(name)
    if migrate:
        engine = make_engine(url)
        upgrade(engine)
        if profile:
            apply_demo_profile(engine)
        engine.dispose()
    return url
