"""A PostgreSQL server for the benchmark, kept between runs in ``bench/.cache/pg``.

Started from the machine's PostgreSQL 15 binaries, as the unprivileged ``postgres`` account
when running as root (PostgreSQL refuses to run as root), like ``tests/conftest.py`` does for
the test suite. Unlike the tests' server, the cluster persists so the scale-100 database is
built once; ``fsync`` is off (it is a cache: a damaged cluster is deleted and rebuilt).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, create_engine, text


def pg_bindir() -> Path | None:
    """The PostgreSQL server binaries (``NTP_PG_BIN`` or the newest under /usr/lib)."""
    candidates = [os.environ.get("NTP_PG_BIN", "")]
    candidates += sorted((str(p) for p in Path("/usr/lib/postgresql").glob("*/bin")), reverse=True)
    for c in candidates:
        if c and (Path(c) / "initdb").exists() and (Path(c) / "pg_ctl").exists():
            return Path(c)
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PgUnavailable(RuntimeError):
    """No PostgreSQL server can be started here (binaries or ``runuser`` missing)."""


@dataclass
class PgServer:
    """A cluster in ``root/data`` served on a free loopback port while started."""

    root: Path
    bindir: Path = field(default_factory=lambda: pg_bindir() or Path("/nonexistent"))
    port: int = 0
    as_user: list[str] = field(default_factory=list)
    running: bool = False

    def __post_init__(self) -> None:
        if not (self.bindir / "pg_ctl").exists():
            raise PgUnavailable("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
        if os.geteuid() == 0:
            runuser = shutil.which("runuser")
            if runuser is None:
                raise PgUnavailable("running as root and `runuser` is missing")
            self.as_user = [runuser, "-u", "postgres", "--"]

    @property
    def data(self) -> Path:
        return self.root / "data"

    def url(self, dbname: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{dbname}"

    def admin(self) -> Engine:
        return create_engine(self.url("postgres"), isolation_level="AUTOCOMMIT")

    def _run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603 (fixed binaries and arguments)
            [*self.as_user, *args], check=True, capture_output=True, text=True, timeout=timeout
        )

    def _init(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)
        self.root.mkdir(parents=True)
        if self.as_user:
            shutil.chown(self.root, user="postgres", group="postgres")
        self.root.chmod(0o700)
        self._run(
            str(self.bindir / "initdb"),
            *("-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8"),
            "--no-locale",
        )

    def start(self) -> None:
        """Start the server (creating the cluster first if there is none)."""
        if not (self.data / "PG_VERSION").exists():
            self._init()
        self.port = free_port()
        opts = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
            "-c max_connections=100"
        )
        log = self.root / "server.log"
        self._run(
            str(self.bindir / "pg_ctl"),
            *("-D", str(self.data), "-o", opts, "-l", str(log), "-w", "-t", "120", "start"),
            timeout=180,
        )
        self.running = True

    def stop(self) -> None:
        if not self.running:
            return
        pg_ctl = str(self.bindir / "pg_ctl")
        subprocess.run(  # noqa: S603 (fixed binaries and arguments)
            [*self.as_user, pg_ctl, "-D", str(self.data), "-m", "fast", "-w", "-t", "60", "stop"],
            capture_output=True,
            timeout=90,
            check=False,
        )
        self.running = False

    def stop_stale(self) -> None:
        """Stop a server left running on this cluster (by a benchmark that was killed)."""
        if not (self.data / "postmaster.pid").exists():
            return
        pg_ctl = str(self.bindir / "pg_ctl")
        subprocess.run(  # noqa: S603 (fixed binaries and arguments)
            [*self.as_user, pg_ctl, "-D", str(self.data), "-m", "fast", "-w", "-t", "60", "stop"],
            capture_output=True,
            timeout=90,
            check=False,
        )

    def reset(self) -> None:
        """Throw the cluster away (after a start failure, say)."""
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def databases(self) -> set[str]:
        eng = self.admin()
        try:
            with eng.connect() as c:
                rows = c.execute(text("SELECT datname FROM pg_database")).scalars().all()
        finally:
            eng.dispose()
        return set(rows)

    def execute(self, sql: str) -> None:
        """Run one administrative statement (names come from this module, never from input)."""
        eng = self.admin()
        try:
            with eng.connect() as c:
                c.execute(text(sql))
        finally:
            eng.dispose()

    def version(self) -> str:
        out = self._run(str(self.bindir / "postgres"), "--version").stdout
        return out.strip()
