"""The demo data for a city other than the demo's (Daejeon), on SQLite and PostgreSQL.

On SQLite the database is made exactly as the README says, by the commands ``python -m db
upgrade && python -m db city init profiles/daejeon.toml && python -m seed --profile
profiles/daejeon.toml`` in demo mode; on PostgreSQL the profile is applied as ``city init``
does and the seed builds the city the database holds. Either way: the same demo accounts,
``DJ-`` numbers, local firms in Daejeon's region, its fields and sectors used, the published
figures of the demo, and no text anywhere in the database naming the demo city.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import Engine, String, Text, func, or_, select, text
from sqlalchemy.orm import Session

import seed
from db import audit
from db.city.profile_file import read_profile
from db.city.store import apply_profile, city
from db.engine import make_engine
from db.kpi.headline import headline
from db.models import Base, User
from db.session import read_session, write_session
from seed.city import ProfileNotBuildable, for_profile, short_names
from tests.conftest import PgServer, create_database

ROOT = Path(__file__).resolve().parent.parent
DAEJEON = ROOT / "profiles" / "daejeon.toml"
FORBIDDEN = ("대구", "Daegu", "DG-")


def _run(args: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "-m", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


_BUILT: dict[str, str] = {}  # backend -> URL: built once even if pytest sets the fixture up again


def _build(
    request: pytest.FixtureRequest, backend: str, tmp_path_factory: pytest.TempPathFactory
) -> str:
    if backend == "sqlite":
        folder = tmp_path_factory.mktemp("daejeon")
        env = {
            **{k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
            "NTP_DEMO": "1",
            "NTP_DATA_DIR": str(folder),
            "PYTHONPATH": str(ROOT),
        }
        _run(["db", "upgrade"], env)
        out = _run(["db", "city", "init", "profiles/daejeon.toml"], env)
        assert "Applied the profile of Daejeon Metropolitan City" in out
        out = _run(["seed", "--profile", "profiles/daejeon.toml"], env)
        assert "audit_events" in out and "staff.demo" in out
        return f"sqlite:///{folder / 'ntp.sqlite3'}"
    server: PgServer = request.getfixturevalue("pg_server")
    url = create_database(server, f"ntp_daejeon_{os.getpid()}", profile=False)
    engine = make_engine(url)
    with write_session(engine) as s:
        apply_profile(s, read_profile(DAEJEON), source="daejeon.toml (city init)")
    seed.build(engine)  # the city the database holds
    engine.dispose()
    return url


@pytest.fixture(scope="module", params=("sqlite", "postgresql"))
def daejeon(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """A database holding Daejeon's demo data (read only)."""
    backend = str(request.param)
    if backend not in _BUILT:
        _BUILT[backend] = _build(request, backend, tmp_path_factory)
    engine = make_engine(_BUILT[backend])
    yield engine
    engine.dispose()


def texts_naming(engine: Engine, words: tuple[str, ...]) -> dict[str, int]:
    """``table.column`` -> how many of its values contain one of ``words`` (every text
    column of every table, audit events' before/after and reasons included)."""
    found = {}
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            for column in table.columns:
                if not isinstance(column.type, String | Text):
                    continue
                n = conn.execute(
                    select(func.count())
                    .select_from(table)
                    .where(or_(*(column.contains(w, autoescape=True) for w in words)))
                ).scalar_one()
                if n:
                    found[f"{table.name}.{column.name}"] = n
    return found


def test_no_text_anywhere_names_the_demo_city(daejeon: Engine) -> None:
    assert texts_naming(daejeon, FORBIDDEN) == {}


def test_the_scan_finds_the_demo_city_in_the_demo_s_database(seeded_engine: Engine) -> None:
    found = texts_naming(seeded_engine, FORBIDDEN)
    assert {"organizations.name_ko", "technologies.reg_no", "audit_events.after"} <= set(found)


def test_the_demo_accounts_sign_in_as_in_the_demo(daejeon: Engine) -> None:
    with Session(daejeon) as s:
        users = {u.username: u for u in s.execute(select(User)).scalars()}
        assert set(users) == {a.username for a in seed.DEMO_ACCOUNTS}
        for account in seed.DEMO_ACCOUNTS:
            u = users[account.username]
            assert u.is_demo and u.is_active and u.role_names == set(account.roles)
        assert audit.verify(s).ok


def test_numbers_local_firms_fields_and_sectors_are_daejeon_s(daejeon: Engine) -> None:
    profile = read_profile(DAEJEON)
    with read_session(daejeon) as s:
        assert city(s).code == "daejeon"
        numbers = s.execute(text("SELECT reg_no, submitted_on FROM technologies")).all()
        for reg_no, submitted in numbers:
            m = re.fullmatch(r"DJ-(\d{4})-(\d{3})", reg_no)
            assert m and m.group(1) == str(submitted)[:4], reg_no
        assert len({r for r, _ in numbers}) == len(numbers)
        wrong_locality = s.execute(
            text(
                "SELECT count(*) FROM organizations WHERE is_local != (region IS NOT NULL "
                "AND region = 'KR-30')"
            )
        ).scalar_one()
        assert wrong_locality == 0
        local_firms = s.execute(
            text(
                "SELECT count(DISTINCT o.id) FROM technologies t JOIN organizations o "
                "ON o.id = t.owner_org_id WHERE o.kind = 'company' AND o.region = 'KR-30'"
            )
        ).scalar_one()
        assert local_firms > 100
        sectors = set(s.execute(text("SELECT DISTINCT growth_sector FROM technologies")).scalars())
        assert sectors == {t.code for t in profile.vocabularies["sectors"]}
        used = set(s.execute(text("SELECT DISTINCT field FROM technologies")).scalars())
        used |= set(s.execute(text("SELECT DISTINCT field FROM expert_fields")).scalars())
        assert "research_facilities" in used
        assert used <= {t.code for t in profile.vocabularies["fields"]}
        h = headline(session=s, as_of=seed.PUBLISHED_AS_OF)
    # The demo's history, told in Daejeon's words: the same published figures.
    p = seed.PUBLISHED
    assert (h.experts, h.technologies, h.technologies_local, h.meetings, h.adopted) == (
        p["experts"],
        p["technologies"],
        p["technologies_local"],
        p["meetings"],
        p["adopted"],
    )
    assert (h.testbeds, h.inquiries, h.agreements) == (
        p["testbeds"],
        p["inquiries"],
        p["agreements"],
    )


# --- the city as the generator reads it (pure) -----------------------------------------------


def test_short_names_of_cities() -> None:
    assert short_names("대전광역시", "Daejeon Metropolitan City") == ("대전", "Daejeon")
    assert short_names("서울특별시", "Seoul Metropolitan Government") == ("서울", "Seoul")
    assert short_names("창원특례시", "Changwon Special City") == ("창원", "Changwon")
    assert short_names("경기도", "Gyeonggi-do") == ("경기", "Gyeonggi-do")


def test_another_city_s_vocabulary_is_mapped_onto_the_demo_world() -> None:
    base = read_profile(DAEJEON)
    fields = base.vocabularies["fields"]
    kinds = tuple(
        t for t in base.vocabularies["organisation_kinds"] if t.code != "education_office"
    )
    vocabularies = {
        **base.vocabularies,
        "fields": tuple(t for t in fields if t.code != "roads"),  # a civil field missing
        "organisation_kinds": kinds,
    }
    c = for_profile(replace(base, vocabularies=vocabularies))
    assert "research_facilities" in c.group_of_field
    assert c.field("roads") in c.field_groups["civil"]
    assert all(c.field_groups.values())
    # an education office becomes the city's first kind with its attributes (asks, signs,
    # owns no technology, not abroad)
    assert c.kinds["education_office"] == "ministry"
    assert c.kinds["company"] == "company"
    # every one of the city's growth sectors can be reached
    reached = {c.sector(d, seq) for d in c.sectors for seq in range(4)}
    assert reached == {t.code for t in base.vocabularies["sectors"]}
    assert c.home == "KR-30" and "KR-30" not in c.other_regions and "KR-27" in c.other_regions
    few = replace(base, vocabularies={**base.vocabularies, "fields": fields[:3]})
    with pytest.raises(ProfileNotBuildable):
        for_profile(few)


def test_the_demo_city_is_built_from_the_default_profile(seeded_engine: Engine) -> None:
    with read_session(seeded_engine) as s:
        assert city(s).code == "daegu"
        first = s.execute(text("SELECT min(reg_no) FROM technologies")).scalar_one()
    assert first == "DG-2019-001"
