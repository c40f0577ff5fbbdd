"""CPU time of the writes that seal records (issue #17): a 100,000- and a 20,000-row
technologies import (check + write, as ``tests/test_import_db.py::test_100000_rows``) and
``seed.build(scale=1)``, each on a fresh SQLite database in a temporary folder.

CPU time of this process (``time.process_time()``): SQLite runs in the process, so it is the
whole cost of the write, and far less sensitive than wall time to other load on the machine.
Runs on any checkout of the code (``PYTHONPATH=<tree> python bench/seal_cpu.py``), so the
same script measures a tree without seals, main and a branch::

    python -m bench.seal_cpu --rounds 2 [--only seed,20000,100000]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine

ORGS = (
    ("한국도로공사", "Korea Expressway Corporation", "public_corporation", "KR-47", False),
    ("새솔건설(주)", "Saesol Construction", "company", "KR-27", True),
)
HEADER = ["등록번호", "기술명", "보유 기관", "기술 분야", "신청일", "영문 기술명", "요약"]


def _engine(folder: str, *, profile: bool = False) -> Engine:
    """A migrated SQLite database in ``folder``; ``profile``: with the demo city's profile
    rows and no audit event (as the tests' ``migrated_engine``)."""
    from sqlalchemy import insert

    from db.city.profile_file import read_profile
    from db.city.store import profile_rows
    from db.engine import make_engine
    from db.migrate import upgrade
    from db.models import Base

    engine = make_engine(f"sqlite:///{Path(folder) / 'bench.sqlite3'}")
    upgrade(engine)
    if profile:
        rows = profile_rows(
            read_profile(Path("profiles") / "daegu.toml"),
            source="bench",
            at=dt.datetime(2018, 1, 1, tzinfo=dt.UTC),
            actor_id=None,
        )
        with engine.begin() as conn:
            for table, values in rows.items():
                conn.execute(insert(Base.metadata.tables[table]), values)
    return engine


def _csv(n: int) -> bytes:
    from db import clock

    today = clock.city_today().isoformat()
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(HEADER)
    for k in range(1, n + 1):
        summary = "요약 " * 5
        writer.writerow(
            [
                f"DG-2020-{k:03d}",
                f"기술 {k}",
                "새솔건설(주)",
                "bridges",
                today,
                f"Technology {k}",
                summary,
            ]
        )
    return buf.getvalue().encode()


def import_rows(n: int) -> Callable[[str], float]:
    """The CPU seconds of checking and importing ``n`` technologies into a fresh database."""

    def run(folder: str) -> float:
        from components.imports import vocabulary
        from db import clock, imports
        from db.models import Organization
        from db.policy import Actor
        from db.session import read_session, write_session

        engine = _engine(folder, profile=True)
        with write_session(engine) as s:
            for name_ko, name_en, kind, region, local in ORGS:
                s.add(
                    Organization(
                        name_ko=name_ko,
                        name_en=name_en,
                        kind=kind,
                        region=region,
                        is_local=local,
                        country="KR",
                        created_at=clock.now_utc(),
                    )
                )
        admin = Actor(id=None, username="bench.admin", roles=frozenset({"admin"}))
        data = _csv(n)
        words = vocabulary()
        started = time.process_time()
        with read_session(engine) as s:
            result = imports.check_file(
                session=s,
                actor=admin,
                register="technologies",
                filename="big.csv",
                data=data,
                vocabulary=words,
            )
        assert result.ok
        with write_session(engine) as s:
            summary = imports.import_file(
                session=s,
                actor=admin,
                register="technologies",
                filename="big.csv",
                data=data,
                vocabulary=words,
            )
        took = time.process_time() - started
        assert summary.added == n
        engine.dispose()
        return took

    return run


def seed_scale_1(folder: str) -> float:
    """The CPU seconds of ``seed.build(scale=1)`` into a fresh database."""
    import seed

    engine = _engine(folder)
    started = time.process_time()
    seed.build(engine, scale=1)
    took = time.process_time() - started
    engine.dispose()
    return took


CASES: dict[str, Callable[[str], float]] = {
    "seed": seed_scale_1,
    "20000": import_rows(20_000),
    "100000": import_rows(100_000),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--only", default=",".join(CASES))
    parser.add_argument("--label", default=os.getcwd())
    args = parser.parse_args()
    os.environ.setdefault("NTP_DEMO", "1")
    for r in range(args.rounds):
        for name in args.only.split(","):
            with tempfile.TemporaryDirectory() as folder:
                seconds = CASES[name](folder)
            load = os.getloadavg()[0]
            stamp = time.strftime("%H:%M:%S", time.gmtime())
            print(
                f"{stamp} {args.label} round {r} {name}: {seconds:.2f} s CPU (load {load:.1f})",
                flush=True,
            )


if __name__ == "__main__":
    main()
