"""The demo databases the benchmark runs on, built once per scale and backend and cached.

SQLite files and a PostgreSQL cluster live in ``bench/.cache/`` with ``manifest.json``, which
records for each database the seed time and a fingerprint of ``seed/``. A cached database is
reused even when ``seed/`` changed since it was built (building scale 100 takes about 15
minutes on both backends, and the demo generator changes often); the report says which
databases an older generator built, and ``--reseed`` rebuilds those (``--rebuild``: all).
When the schema moved on, the cached database is migrated to the current head (as
production databases are) rather than rebuilt; if that fails, it is rebuilt. Every benchmark
run works on a copy (sign-ins write session rows and audit events), so the cached database
never drifts.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import psutil

from bench.pg import PgServer
from db import clock

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(__file__).resolve().parent / ".cache"
MANIFEST = CACHE / "manifest.json"
SEED_TIMEOUT_S = 60 * 60
FINGERPRINT_SOURCES = ("seed",)


def fingerprint() -> str:
    """Hash of everything that decides the content of a seeded database."""
    h = hashlib.sha256()
    for src in FINGERPRINT_SOURCES:
        p = ROOT / src
        files = sorted(p.rglob("*.py")) if p.is_dir() else [p]
        for f in files:
            if "__pycache__" in f.parts:
                continue
            h.update(str(f.relative_to(ROOT)).encode())
            h.update(f.read_bytes())
    return h.hexdigest()[:16]


@dataclass
class Built:
    """One cached database: where it is and what building it cost."""

    backend: str
    scale: int
    name: str  # file name (SQLite) or database name (PostgreSQL)
    fingerprint: str
    built_at: str
    seed_seconds: float  # wall time of `python -m seed --scale N`, migrations included
    seed_reported_seconds: float | None  # the seed's own "Done in X s."
    seed_peak_rss_mb: float | None
    audit_events: int | None
    migrated_to: str | None = None  # the schema head it was last migrated to, if after seeding
    migrate_seconds: float | None = None


def _load_manifest() -> dict[str, dict]:
    try:
        return json.loads(MANIFEST.read_text())
    except (OSError, ValueError):
        return {}


def _save_manifest(m: dict[str, dict]) -> None:
    CACHE.mkdir(parents=True, exist_ok=True)
    tmp = MANIFEST.with_suffix(".tmp")
    tmp.write_text(json.dumps(m, indent=2, sort_keys=True))
    tmp.replace(MANIFEST)


def _key(backend: str, scale: int) -> str:
    return f"{backend}-s{scale}"


def _seed(url: str, scale: int, log: Path) -> tuple[float, float | None, float | None, int | None]:
    """Run ``python -m seed --scale N`` on ``url``; return wall s, reported s, peak MB, events."""
    env = {**os.environ, "DATABASE_URL": url, "NTP_DEMO": "1", "PYTHONHASHSEED": "0"}
    started = time.perf_counter()
    with log.open("w") as out:
        proc = subprocess.Popen(  # noqa: S603 (fixed arguments)
            [sys.executable, "-m", "seed", "--scale", str(scale), "--demo-accounts"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        peak = _watch_peak(proc.pid)
        try:
            rc = proc.wait(timeout=SEED_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            raise RuntimeError(f"seed at scale {scale} took over {SEED_TIMEOUT_S} s") from None
    wall = time.perf_counter() - started
    text = log.read_text(errors="replace")
    if rc != 0:
        raise RuntimeError(f"seed at scale {scale} failed (exit {rc}): {text[-1500:]}")
    done = re.search(r"Done in ([0-9.]+) s", text)
    events = re.search(r"audit_events\s+([0-9,]+)", text)
    return (
        wall,
        float(done.group(1)) if done else None,
        peak(),
        int(events.group(1).replace(",", "")) if events else None,
    )


def _watch_peak(pid: int):
    """Sample a process's RSS every 0.5 s in a thread; return a function giving the peak MB."""
    peak = [0]

    def loop() -> None:
        try:
            p = psutil.Process(pid)
            while p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                peak[0] = max(peak[0], p.memory_info().rss)
                time.sleep(0.5)
        except psutil.Error:
            pass

    t = threading.Thread(target=loop, daemon=True)
    t.start()
    return lambda: round(peak[0] / 2**20, 1) if peak[0] else None


class Databases:
    """Builds or reuses the cached databases; owns the PostgreSQL server while in use."""

    def __init__(self, *, rebuild: bool = False, reseed: bool = False, say=print) -> None:
        self.rebuild = rebuild
        self.reseed = reseed
        self.say = say
        self.fp = fingerprint()
        self._pg: PgServer | None = None
        self._work = Path(tempfile.mkdtemp(prefix="ntp-bench-"))

    # PostgreSQL server -------------------------------------------------------------------

    def pg(self) -> PgServer:
        if self._pg is None:
            server = PgServer(root=CACHE / "pg")
            try:
                try:
                    server.start()
                except subprocess.CalledProcessError:
                    # A server left running by a killed run holds the cluster: stop it (never
                    # delete a cluster a live server is using), then try again.
                    server.stop_stale()
                    server.start()
            except subprocess.CalledProcessError:
                self.say("PostgreSQL cache cluster did not start; recreating it")
                server.reset()
                manifest = _load_manifest()
                for k in [k for k in manifest if k.startswith("postgresql-")]:
                    del manifest[k]
                _save_manifest(manifest)
                server.start()
            self._pg = server
        return self._pg

    def close(self) -> None:
        if self._pg is not None:
            self._pg.stop()
            self._pg = None
        shutil.rmtree(self._work, ignore_errors=True)

    # Building ------------------------------------------------------------------------------

    def ensure(self, backend: str, scale: int) -> Built:
        """The cached database for ``backend`` at ``scale``, built now if missing or stale."""
        manifest = _load_manifest()
        entry = manifest.get(_key(backend, scale))
        fresh = entry is not None and entry["fingerprint"] == self.fp
        if entry and (fresh or not self.reseed) and not self.rebuild and self._exists(entry):
            if not fresh:
                self.say(
                    f"  reusing the cached {backend} @{scale} database, built by an older seed/ "
                    f"({entry['built_at']}; --reseed rebuilds it)"
                )
            built = Built(**entry)
            try:
                self._migrate(built)
            except Exception as exc:
                self.say(f"  migrating the cached {backend} @{scale} failed ({exc}); rebuilding")
            else:
                self._record(built)
                return built
        self.say(f"building the {backend} database at scale {scale} (python -m seed)...")
        built = self._build(backend, scale)
        self._record(built)
        self.say(f"  built in {built.seed_seconds:.0f} s")
        return built

    def _record(self, built: Built) -> None:
        manifest = _load_manifest()
        manifest[_key(built.backend, built.scale)] = asdict(built)
        _save_manifest(manifest)

    def url(self, built: Built) -> str:
        if built.backend == "sqlite":
            return f"sqlite:///{CACHE / built.name}"
        return self.pg().url(built.name)

    def _migrate(self, built: Built) -> None:
        """Bring a cached database to the current schema head (once per new head)."""
        from db.engine import make_engine
        from db.migrate import head_revision, is_up_to_date, upgrade

        engine = make_engine(self.url(built))
        try:
            if is_up_to_date(engine):
                return
            head = head_revision()
            self.say(f"migrating the cached {built.backend} @{built.scale} database to {head}")
            t0 = time.perf_counter()
            upgrade(engine)
            built.migrated_to = head
            built.migrate_seconds = round(time.perf_counter() - t0, 1)
        finally:
            engine.dispose()
        if built.backend == "sqlite":
            _checkpoint(CACHE / built.name)
        else:
            _vacuum_analyze(self.url(built))

    def _exists(self, entry: dict) -> bool:
        if entry["backend"] == "sqlite":
            return (CACHE / entry["name"]).is_file()
        return entry["name"] in self.pg().databases()

    def _build(self, backend: str, scale: int) -> Built:
        CACHE.mkdir(parents=True, exist_ok=True)
        log = CACHE / f"seed-{backend}-s{scale}.log"
        if backend == "sqlite":
            name = f"sqlite-s{scale}.sqlite3"
            tmp = CACHE / f"{name}.building"
            for p in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
                p.unlink(missing_ok=True)
            wall, reported, peak, events = _seed(f"sqlite:///{tmp}", scale, log)
            _checkpoint(tmp)
            tmp.replace(CACHE / name)
        else:
            server = self.pg()
            name = f"ntp_s{scale}"
            building = f"{name}_building"
            server.execute(f'DROP DATABASE IF EXISTS "{building}"')
            server.execute(f'CREATE DATABASE "{building}"')
            wall, reported, peak, events = _seed(server.url(building), scale, log)
            server.execute(f'DROP DATABASE IF EXISTS "{name}"')
            server.execute(f'ALTER DATABASE "{building}" RENAME TO "{name}"')
            _vacuum_analyze(server.url(name))
        return Built(
            backend=backend,
            scale=scale,
            name=name,
            fingerprint=self.fp,
            built_at=clock.city_now().isoformat(timespec="seconds"),
            seed_seconds=round(wall, 1),
            seed_reported_seconds=reported,
            seed_peak_rss_mb=peak,
            audit_events=events,
        )

    # Working copies ------------------------------------------------------------------------

    @contextlib.contextmanager
    def working_copy(self, built: Built, label: str) -> Iterator[str]:
        """URL of a throwaway copy of ``built`` (dropped on exit)."""
        if built.backend == "sqlite":
            path = self._work / f"{label}.sqlite3"
            shutil.copyfile(CACHE / built.name, path)
            try:
                yield f"sqlite:///{path}"
            finally:
                for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
                    p.unlink(missing_ok=True)
        else:
            server = self.pg()
            name = f"ntp_work_{label}"
            server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            server.execute(f'CREATE DATABASE "{name}" TEMPLATE "{built.name}"')
            try:
                yield server.url(name)
            finally:
                with contextlib.suppress(Exception):
                    server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _vacuum_analyze(url: str) -> None:
    """Planner statistics and visibility map as autovacuum would leave them in steady state
    (otherwise autovacuum does it in the middle of the measurements)."""
    from sqlalchemy import create_engine, text

    eng = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with eng.connect() as c:
            c.execute(text("VACUUM (ANALYZE)"))
    finally:
        eng.dispose()


def _checkpoint(path: Path) -> None:
    """Fold the WAL into the main file so one file copy is the whole database."""
    import sqlite3

    con = sqlite3.connect(path)
    try:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        con.execute("PRAGMA journal_mode=DELETE")
    finally:
        con.close()
