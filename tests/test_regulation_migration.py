"""Migration 0011 on a database holding the demo data (SQLite and PostgreSQL): every score of
the five columns becomes a row and comes back on the way down; every 2019-08-08 figure and
every decision the scores give stays the same; the fairness results are recomputed."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

import seed
from db import audit
from db.engine import make_engine
from db.kpi import headline
from db.migrate import current_revision, downgrade, head_revision, upgrade
from db.session import read_session
from tests.conftest import PgServer, create_database

CRITERIA = ("novelty", "progressiveness", "applicability", "economy", "diffusion")
"""The score columns of ``evaluations`` before revision 0011 (the demo city's criteria)."""


@pytest.fixture(params=("sqlite", "postgresql"))
def seeded_copy(request: pytest.FixtureRequest, tmp_path: Path) -> Engine:
    """A writable database holding the demo data, on each backend."""
    if request.param == "sqlite":
        src: Path = request.getfixturevalue("seeded_sqlite_file")
        shutil.copy(src, tmp_path / "demo.sqlite3")
        return make_engine(f"sqlite:///{tmp_path / 'demo.sqlite3'}")
    server: PgServer = request.getfixturevalue("pg_server")
    engine = make_engine(create_database(server, f"ntp_mig11_{os.getpid()}", profile=False))
    seed.build(engine, scale=1, demo_accounts=False)
    return engine


def score_rows(engine: Engine) -> list[tuple[int, str, int]]:
    with engine.connect() as conn:
        return [
            (int(e), str(c), int(v))
            for e, c, v in conn.execute(
                text(
                    "SELECT evaluation_id, criterion, score FROM evaluation_scores "
                    "ORDER BY evaluation_id, criterion"
                )
            )
        ]


def column_rows(engine: Engine) -> list[tuple[int, str, int]]:
    """The scores as the five columns of revision 0010 hold them."""
    with engine.connect() as conn:
        rows = conn.execute(text(f"SELECT id, {', '.join(CRITERIA)} FROM evaluations")).all()
    return sorted(
        (int(r[0]), c, int(v)) for r in rows for c, v in zip(CRITERIA, r[1:], strict=True)
    )


def decisions(engine: Engine) -> list[tuple[str, int, str, bool]]:
    """Every decided item with the decision its scores give today (meeting records)."""
    from db.meetings.records import meeting_record
    from db.policy import Actor

    auditor = Actor(None, "auditor", frozenset({"auditor"}))
    out = []
    with engine.connect() as conn:
        ids = [
            int(i)
            for (i,) in conn.execute(text("SELECT id FROM meetings WHERE held_on IS NOT NULL"))
        ]
    with read_session(engine) as s:
        for meeting_id in ids:
            record = meeting_record(session=s, actor=auditor, meeting_id=meeting_id)
            out += [
                (record.meeting["code"], i.position, str(i.rule_decision), bool(i.follows))
                for i in record.items
            ]
    return sorted(out)


def test_the_migration_keeps_every_score_and_figure(seeded_copy: Engine) -> None:
    e = seeded_copy
    assert current_revision(e) == head_revision()  # 0011 and 0012 after it
    rows = score_rows(e)
    assert len(rows) > 1000 and {c for _e, c, _v in rows} == set(CRITERIA)
    with read_session(e) as s:
        figures = headline(session=s, as_of=seed.PUBLISHED_AS_OF)
    assert figures.technologies == seed.PUBLISHED["technologies"]
    before = decisions(e)
    downgrade(e, "0010")
    assert current_revision(e) == "0010"
    assert column_rows(e) == rows  # every score back in its column
    with read_session(e) as s:
        assert headline(session=s, as_of=seed.PUBLISHED_AS_OF) == figures
    upgrade(e)
    assert current_revision(e) == head_revision()
    assert score_rows(e) == rows
    with read_session(e) as s:
        assert headline(session=s, as_of=seed.PUBLISHED_AS_OF) == figures
        assert audit.verify(s).ok
    assert decisions(e) == before
    with e.connect() as conn:
        closed = conn.execute(
            text("SELECT count(*) FROM meetings WHERE status = 'closed'")
        ).scalar()
        stored = conn.execute(
            text("SELECT count(*) FROM meeting_fairness WHERE version = 2")
        ).scalar()
    assert closed and stored == closed
    e.dispose()
