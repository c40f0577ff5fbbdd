"""The city profile in the database, on SQLite and PostgreSQL: ``python -m db city init``
applies a profile file to an empty, upgraded database (audited, regulation version 1 in
force), refuses a second one and a bad file (naming file, line and key, nothing applied),
and ``city export`` writes it back; the vocabularies are foreign keys, so the database refuses
an unknown code and the deletion of a code in use; and a database of the schema before
migration 0010, holding the demo data, upgrades with every row and published figure
unchanged, its meetings bound to regulation version 1."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Engine, delete, func, insert, inspect, select, text
from sqlalchemy.exc import IntegrityError

import seed
from db import audit
from db.city.profile_file import read_profile
from db.city.store import (
    DatabaseNotEmpty,
    ProfileExists,
    apply_profile,
    city,
    export_profile,
    outside_sector,
    terms,
    with_attribute,
)
from db.engine import make_engine
from db.kpi import headline
from db.migrate import current_revision, downgrade, head_revision, upgrade
from db.models import AuditEvent, Base, FieldTerm, Meeting, RegulationVersion, Technology
from db.session import read_session, write_session
from tests.conftest import PgServer, create_database

ROOT = Path(__file__).resolve().parent.parent
PROFILES = ROOT / "profiles"


def test_a_profile_is_applied_to_an_empty_database_with_its_audit_events(
    unprofiled_engine: Engine,
) -> None:
    e = unprofiled_engine
    daejeon = read_profile(PROFILES / "daejeon.toml")
    with write_session(e) as s:
        apply_profile(s, daejeon, source="daejeon.toml (SHA-256 x)")
    with read_session(e) as s:
        c = city(s)
        assert (c.code, c.name_ko, c.home_regions) == ("daejeon", "대전광역시", ("KR-30",))
        assert c.reg_no_pattern.format(2026, 7) == "DJ-2026-007"
        assert c.is_home("KR-30") and not c.is_home("KR-27")
        assert [t.code for t in terms(s, "sectors")][:2] == ["bio_health", "aerospace"]
        assert terms(s, "fields")[-1].label("ko") == "연구시설"
        assert outside_sector(s) == "none"
        assert "company" in with_attribute(s, "organisation_kinds", "owns_technologies")
        assert with_attribute(s, "organisation_kinds", "abroad") == ("foreign_city",)
        version = s.execute(select(RegulationVersion)).scalar_one()
        assert (version.number, version.status, version.effective_on.isoformat()) == (
            1,
            "approved",
            "2018-01-01",
        )
        events = s.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars().all()
        assert [(ev.action, ev.entity, ev.reason) for ev in events] == [
            ("city.init", "city_profile", "daejeon.toml (SHA-256 x)"),
            ("regulation.install", "regulation_version", "daejeon.toml (SHA-256 x)"),
        ]
        assert audit.verify(s).ok
        assert export_profile(s) == daejeon


def test_a_second_profile_and_a_database_with_records_are_refused(
    unprofiled_engine: Engine,
) -> None:
    e = unprofiled_engine
    daegu = read_profile(PROFILES / "daegu.toml")
    with write_session(e) as s:
        apply_profile(s, daegu, source="daegu.toml")
    with pytest.raises(ProfileExists), write_session(e) as s:
        apply_profile(s, read_profile(PROFILES / "daejeon.toml"), source="daejeon.toml")
    with read_session(e) as s:
        assert city(s).code == "daegu"
        # records without a profile row (a profile emptied by hand): refused as well
    with e.begin() as conn:
        conn.execute(delete(Base.metadata.tables["city_profile"]))
        conn.execute(
            text(
                "INSERT INTO organizations (id, name_ko, name_en, kind, is_local, country, "
                "created_at) VALUES (1, 'x', 'x', 'company', false, 'KR', CURRENT_TIMESTAMP)"
            )
        )
    with pytest.raises(DatabaseNotEmpty), write_session(e) as s:
        apply_profile(s, daegu, source="daegu.toml")


def test_the_database_refuses_an_unknown_code_and_deleting_a_code_in_use(
    migrated_engine: Engine,
) -> None:
    e = migrated_engine
    with e.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO organizations (id, name_ko, name_en, kind, is_local, country, "
                "created_at) VALUES (1, 'x', 'x', 'company', false, 'KR', CURRENT_TIMESTAMP)"
            )
        )
    tech = {
        "id": 1,
        "reg_no": "T-1",
        "title_ko": "x",
        "title_en": "x",
        "owner_org_id": 1,
        "is_local": False,
        "field": "shipbuilding",
        "growth_sector": "none",
        "certification": "none",
        "status": "submitted",
        "submitted_on": seed.PUBLISHED_AS_OF,
    }
    with pytest.raises(IntegrityError), e.begin() as conn:
        conn.execute(insert(Technology), [tech])
    with e.begin() as conn:
        conn.execute(insert(Technology), [{**tech, "field": "roads"}])
    with pytest.raises(IntegrityError), e.begin() as conn:
        conn.execute(delete(FieldTerm).where(FieldTerm.code == "roads"))
    with e.begin() as conn:  # a code nobody uses may go
        conn.execute(delete(FieldTerm).where(FieldTerm.code == "surveying"))


def _cli(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": url}
    return subprocess.run(
        [sys.executable, "-m", "db", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_city_commands(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'city.sqlite3'}"
    assert _cli(url, "upgrade").returncode == 0
    bad = tmp_path / "bad.toml"
    shutil.copy(PROFILES / "daejeon-logo.svg", tmp_path)
    bad.write_text(
        (PROFILES / "daejeon.toml").read_text(encoding="utf-8").replace('"KR-30"', '"KR-99"'),
        encoding="utf-8",
    )
    checked = _cli(url, "city", "check", str(bad))
    assert checked.returncode == 2 and "is not valid" in checked.stderr
    assert _cli(url, "city", "check", str(PROFILES / "daejeon.toml")).returncode == 0
    refused = _cli(url, "city", "init", str(bad))
    assert refused.returncode == 2
    assert f"{bad}, line 13, city.home_regions: KR-99 is not one of" in refused.stderr
    applied = _cli(url, "city", "init", str(PROFILES / "daejeon.toml"))
    assert applied.returncode == 0, applied.stderr
    assert "Daejeon Metropolitan City" in applied.stdout
    digest = hashlib.sha256((PROFILES / "daejeon.toml").read_bytes()).hexdigest()
    engine = make_engine(url)
    with read_session(engine) as s:
        assert s.execute(select(AuditEvent.reason)).scalars().first() == (
            f"daejeon.toml (SHA-256 {digest})"
        )
    engine.dispose()
    again = _cli(url, "city", "init", str(PROFILES / "daegu.toml"))
    assert again.returncode == 2 and "already has a city profile (daejeon)" in again.stderr
    out = tmp_path / "out"
    assert _cli(url, "city", "export", str(out)).returncode == 0
    assert read_profile(out / "daejeon.toml") == read_profile(PROFILES / "daejeon.toml")


def _shape(engine: Engine) -> dict[str, set[str]]:
    """The tables and columns the database holds now (read from the database itself, so
    that a later migration's tables need no list here)."""
    insp = inspect(engine)
    return {t: {c["name"] for c in insp.get_columns(t)} for t in insp.get_table_names()}


def _contents(engine: Engine, shape: dict[str, set[str]]) -> dict[str, str]:
    """A digest of every row of every table of ``shape`` (the schema before 0010), on the
    columns ``shape`` names."""
    out = {}
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            if table.name not in shape:
                continue
            cols = [c for c in table.columns if c.name in shape[table.name]]
            rows = conn.execute(select(*cols).order_by(*table.primary_key.columns)).all()
            out[table.name] = hashlib.sha256(repr(rows).encode()).hexdigest()
    return out


@pytest.fixture(params=("sqlite", "postgresql"))
def seeded_copy(request: pytest.FixtureRequest, tmp_path: Path) -> Engine:
    """A writable database holding the demo data, on each backend."""
    if request.param == "sqlite":
        src: Path = request.getfixturevalue("seeded_sqlite_file")
        shutil.copy(src, tmp_path / "demo.sqlite3")
        return make_engine(f"sqlite:///{tmp_path / 'demo.sqlite3'}")
    server: PgServer = request.getfixturevalue("pg_server")
    engine = make_engine(create_database(server, f"ntp_mig_{os.getpid()}", profile=False))
    seed.build(engine, scale=1, demo_accounts=False)
    return engine


def test_a_database_of_the_schema_before_profiles_upgrades_unchanged(seeded_copy: Engine) -> None:
    e = seeded_copy
    downgrade(e, "0009")  # the schema before 0010, holding the demo data
    with read_session(e) as s:
        before = headline(session=s, as_of=seed.PUBLISHED_AS_OF)
    old_shape = _shape(e)
    assert "city_profile" not in old_shape and "regulation_versions" not in old_shape
    assert len(old_shape) >= 10, sorted(old_shape)
    rows_before = _contents(e, old_shape)
    upgrade(e, "0010")  # 0011 moves the scores into rows: tests/test_regulation_migration.py
    assert current_revision(e) == "0010"
    with read_session(e) as s:
        assert headline(session=s, as_of=seed.PUBLISHED_AS_OF) == before
        assert before.technologies == seed.PUBLISHED["technologies"]
        installed = export_profile(s)
        daegu = read_profile(PROFILES / "daegu.toml")
        assert installed == daegu
        assert (
            s.execute(
                select(func.count()).select_from(Meeting).where(Meeting.regulation_id != 1)
            ).scalar_one()
            == 0
        )
        assert audit.verify(s).ok
    assert _contents(e, old_shape) == rows_before
    upgrade(e)
    assert current_revision(e) == head_revision()  # 0010 and every migration after it
    with read_session(e) as s:
        assert headline(session=s, as_of=seed.PUBLISHED_AS_OF) == before
        assert audit.verify(s).ok
    e.dispose()


def test_the_app_keeps_the_time_of_the_city_its_profile_names(unprofiled_engine: Engine) -> None:
    """A city in another time zone: once the app opens its database, "today" and the days
    of every period are that city's (here Auckland, a day ahead of Korea for an hour each
    evening), not Korea's and not the server's."""
    from dataclasses import replace

    import time_machine

    from components.bootstrap import prepare_database
    from db import clock

    e = unprofiled_engine
    auckland = replace(read_profile(PROFILES / "daejeon.toml"), time_zone="Pacific/Auckland")
    with write_session(e) as s:
        apply_profile(s, auckland, source="auckland")
    # 11:30 UTC on 6 December: 20:30 in Korea, 00:30 on 7 December in Auckland (summer time)
    instant = dt.datetime(2026, 12, 6, 11, 30, tzinfo=dt.UTC)
    try:
        with time_machine.travel(instant, tick=False):
            assert clock.city_today() == dt.date(2026, 12, 6)  # before: the default zone
            prepare_database(e.url.render_as_string(hide_password=False), demo=False).dispose()
            assert clock.city_zone().key == "Pacific/Auckland"
            assert clock.city_today() == dt.date(2026, 12, 7)
    finally:
        clock.use_city_zone(clock.DEFAULT_TIME_ZONE)
    assert clock.city_zone().key == "Asia/Seoul"
