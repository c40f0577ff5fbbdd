"""Stored summaries (``db.summaries``) on SQLite and PostgreSQL: a stored figure is the live
figure; every kind of write makes the next read recompute; sign-ins do not; a read-only
database still serves figures; tampered rows are ignored, never executed; concurrent
writers of one summary do not fail; the background refresh and the bounds work."""

from __future__ import annotations

import ast
import csv
import datetime as dt
import io
import os
import pickle
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import Engine, delete, func, select, text, update
from sqlalchemy.orm import Session

from db import adoptions, approvals, clock, experts, imports, kpi, technologies
from db import summaries as S
from db.accounts import signin
from db.engine import make_engine
from db.errors import PermissionDenied
from db.kpi import overview
from db.kpi.headline import ALL_TECHNOLOGIES, TechFilter
from db.models import AuditEvent, Organization, StoredSummary
from db.outcomes import figures as outcome_figures
from db.policy import Actor, may_see_personal_data
from db.session import read_session, write_session
from tests import deliberation_data as dd
from tests import workflow_data as wd
from tests.users import cheap_bcrypt, make_user  # noqa: F401  (cheap_bcrypt: autouse)

ROOT = Path(__file__).resolve().parent.parent
DATES = (dt.date(2019, 8, 8), dt.date(2022, 6, 30), dt.date(2026, 11, 20))
FILTERS = (
    ALL_TECHNOLOGIES,
    TechFilter(sector="medical"),
    TechFilter(field="roads", local=True),
    TechFilter(local=False),
)


def rows(engine: Engine) -> list[tuple[str, str, int]]:
    with read_session(engine) as s:
        return [
            (r.name, r.key, int(r.version))
            for r in s.execute(select(StoredSummary.name, StoredSummary.key, StoredSummary.version))
        ]


def empty(engine: Engine) -> None:
    with write_session(engine) as s:
        s.execute(delete(StoredSummary))


def same(a: Any, b: Any) -> None:
    if isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b)
    elif isinstance(a, tuple) and a and isinstance(a[0], pd.DataFrame):
        pd.testing.assert_frame_equal(a[0], b[0])
        assert a[1:] == b[1:]
    else:
        assert type(a) is type(b)
        assert a == b


def twice(engine: Engine, read: Any) -> tuple[Any, Any, int]:
    """``read(session, version)`` computed (and stored), then read back from its row."""
    with read_session(engine) as s:
        version = S.data_version(s)
        first = read(s, version)
    with read_session(engine) as s:
        second = read(s, version)
    return first, second, version


@pytest.fixture
def seeded(seeded_engine: Engine) -> Iterator[Engine]:
    """The shared scale-1 demo database, its stored summaries emptied before and after."""
    empty(seeded_engine)
    yield seeded_engine
    empty(seeded_engine)


# --- a stored figure is the live figure --------------------------------------------------------


def test_stored_overview_figures_equal_the_live_computation(seeded: Engine) -> None:
    for as_of in DATES:
        for tech in FILTERS:
            start = overview.month_start(as_of, 23)
            with read_session(seeded) as s:
                live = [
                    kpi.headline(session=s, as_of=as_of, tech=tech),
                    overview.monthly_counts(session=s, start=start, end=as_of, tech=tech),
                    (
                        overview.pipeline(session=s, as_of=as_of, tech=tech),
                        overview.stage_durations(session=s, as_of=as_of, tech=tech),
                    ),
                    overview.breakdown(session=s, as_of=as_of, by="growth_sector", tech=tech).frame,
                    overview.breakdown(session=s, as_of=as_of, by="field", tech=tech).frame,
                ]
            reads: list[Any] = [
                lambda s, v, a=as_of, t=tech: S.headline(s, v, a, t),
                lambda s, v, a=as_of, t=tech, b=start: S.monthly_counts(s, v, b, a, t),
                lambda s, v, a=as_of, t=tech: S.pipeline(s, v, a, t),
                lambda s, v, a=as_of, t=tech: S.breakdown(s, v, a, "growth_sector", t),
                lambda s, v, a=as_of, t=tech: S.breakdown(s, v, a, "field", t),
            ]
            for expected, read in zip(live, reads, strict=True):
                first, second, _v = twice(seeded, read)
                same(first, expected)
                same(second, expected)
    # the published figures, read back from their row
    with read_session(seeded) as s:
        h = S.headline(s, S.data_version(s), dt.date(2019, 8, 8), ALL_TECHNOLOGIES)
    assert (h.experts, h.technologies, h.technologies_local, h.meetings, h.adopted) == (
        817,
        305,
        43,
        23,
        54,
    )
    names = {name for name, _k, _v in rows(seeded)}
    assert {
        "kpi.headline/1",
        "overview.monthly_counts/1",
        "overview.pipeline/1",
        "overview.breakdown/1",
    } <= names


def test_stored_records_last_changed_and_register_counts_equal_live(seeded: Engine) -> None:
    for as_of in DATES:
        for figure in ("meetings", "testbeds", "agreements"):
            with read_session(seeded) as s:
                expected = overview.records_behind(session=s, figure=figure, as_of=as_of)
            first, second, _v = twice(
                seeded, lambda s, v, f=figure, a=as_of: S.records_behind(s, v, f, a)
            )
            same(first, expected)
            same(second, expected)
    with read_session(seeded) as s:
        expected_changed = overview.last_changed_by_entity(session=s)
    first, second, _v = twice(seeded, S.last_changed_by_entity)
    assert first == second == expected_changed

    tech_filters = [
        technologies.TechnologyFilters(),
        technologies.TechnologyFilters(as_of=DATES[0]),
        technologies.TechnologyFilters(as_of=DATES[2], status="registered", local=True),
        technologies.TechnologyFilters(sector="medical", registered_from=dt.date(2020, 1, 1)),
    ]
    for f in tech_filters:
        with read_session(seeded) as s:
            _df, total = technologies.technologies_page(session=s, filters=f, offset=0, limit=10)
        first, second, _v = twice(seeded, lambda s, v, f=f: S.technologies_count(s, v, f))
        assert first == second == total
    adoption_filters = [
        adoptions.AdoptionFilters(),
        adoptions.AdoptionFilters(as_of=DATES[0]),
        adoptions.AdoptionFilters(as_of=DATES[1], field="roads"),
        adoptions.AdoptionFilters(status="approved", approved_from=dt.date(2021, 1, 1)),
    ]
    for af in adoption_filters:
        with read_session(seeded) as s:
            df, total = adoptions.adoptions_page(session=s, filters=af, offset=0, limit=50)
        first, second, _v = twice(seeded, lambda s, v, f=af: S.adoptions_count(s, v, f))
        assert first == second == total

        def page(s: Session, v: int, f: Any = af) -> pd.DataFrame:
            return S.adoptions_rows(s, v, f, "approved_desc", 0, 50)

        first, second, _v = twice(seeded, page)
        same(first, df)
        same(second, df)
    executive = Actor(None, "x.exec", frozenset({"executive"}))
    staff = Actor(None, "x.staff", frozenset({"staff"}))
    for ef in (
        experts.ExpertFilters(as_of=DATES[0]),
        experts.ExpertFilters(as_of=DATES[0], affiliation="public"),
        experts.ExpertFilters(field="roads", joined_to=dt.date(2021, 1, 1)),
    ):
        for actor in (executive, staff):
            personal = may_see_personal_data(actor)
            with read_session(seeded) as s:
                _df, total = experts.experts_page(
                    session=s, actor=actor, filters=ef, offset=0, limit=10
                )
            first, second, _v = twice(
                seeded, lambda s, v, f=ef, p=personal: S.experts_count(s, v, f, p)
            )
            assert first == second == total
    # Search text is never stored (each search would be a row of its own).
    before = len(rows(seeded))
    searched = technologies.TechnologyFilters(q="교량")
    with read_session(seeded) as s:
        _df, total = technologies.technologies_page(session=s, filters=searched, offset=0, limit=5)
        assert S.technologies_count(s, S.data_version(s), searched) == total
    assert len(rows(seeded)) == before
    # No stored payload holds an expert's phone number or e-mail address.
    with read_session(seeded) as s:
        payloads = " ".join(s.execute(select(StoredSummary.payload)).scalars())
        emails = s.execute(text("SELECT email FROM experts WHERE email IS NOT NULL")).scalars()
        assert not any(e in payloads for e in emails)


def _same_outcomes(a: Any, b: Any) -> None:
    assert type(a) is type(b)
    for name in ("as_of", "contracts", "amount_krw", "local_krw"):
        assert getattr(a, name) == getattr(b, name), name
    for name in ("by_year", "repeat", "first_use", "funnel", "satisfaction"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), obj=name)


def test_stored_outcomes_and_targets_equal_the_live_figures_for_readers_only(
    seeded: Engine,
) -> None:
    """The Outcomes page's figures and the targets against actual, stored at the data
    version, read back exactly; a role that may not read outcomes is refused before any
    stored row is looked at (and nothing is stored for it)."""
    executive = Actor(None, "x.exec", frozenset({"executive"}))
    for as_of in DATES:
        with read_session(seeded) as s:
            live = outcome_figures.outcomes(session=s, actor=executive, as_of=as_of)
            live_targets = outcome_figures.targets(session=s, actor=executive, as_of=as_of)
        first, second, _v = twice(seeded, lambda s, v, a=as_of: S.outcomes(s, v, executive, a))
        _same_outcomes(first, live)
        _same_outcomes(second, live)
        first, second, _v = twice(
            seeded, lambda s, v, a=as_of: S.outcome_targets(s, v, executive, a)
        )
        same(first, live_targets)
        same(second, live_targets)
    assert live.contracts > 0 and not live.by_year.empty  # (the demo data has contracts)
    assert {"outcomes.figures/1", "outcomes.targets/1"} <= {n for n, _k, _v in rows(seeded)}
    empty(seeded)
    company = Actor(None, "x.company", frozenset({"applicant"}))
    for read in (S.outcomes, S.outcome_targets):
        with read_session(seeded) as s, pytest.raises(PermissionDenied):
            read(s, S.data_version(s), company, DATES[2])
    assert rows(seeded) == []


def test_a_second_read_comes_from_the_row(seeded: Engine) -> None:
    calls: list[int] = []

    def compute() -> kpi.Headline:
        calls.append(1)
        with read_session(seeded) as s:
            return kpi.headline(session=s, as_of=DATES[0])

    for _ in range(3):
        with read_session(seeded) as s:
            value = S.stored(
                s,
                "test.headline/1",
                {"d": DATES[0]},
                S.data_version(s),
                compute,
                expect=kpi.Headline,
            )
        assert value.experts == 817
    assert len(calls) == 1


# --- every kind of write changes the next figure ---------------------------------------------


@pytest.fixture
def world(migrated_engine: Engine) -> dd.World:
    w = dd.build(migrated_engine)
    with write_session(migrated_engine) as s:  # the owner named by the imported file
        s.add(
            Organization(
                name_ko="새솔건설(주)",
                name_en="Saesol Construction",
                kind="company",
                region="KR-27",
                is_local=True,
                country="KR",
                created_at=clock.now_utc(),
            )
        )
    return w


def figures(engine: Engine, as_of: dt.date) -> dict[str, Any]:
    """What the overview and registers show, read through the stored summaries."""
    with read_session(engine) as s:
        v = S.data_version(s)
        h = S.headline(s, v, as_of, ALL_TECHNOLOGIES)
        stages, _durations = S.pipeline(s, v, as_of, ALL_TECHNOLOGIES)
        return {
            "version": v,
            "experts": h.experts,
            "technologies_all": S.technologies_count(s, v, technologies.TechnologyFilters()),
            "submitted": stages["submitted"],
            "adopted": h.adopted,
            "approved": S.adoptions_count(s, v, adoptions.AdoptionFilters(status="approved")),
            "meetings": h.meetings,
            "meeting_rows": len(S.records_behind(s, v, "meetings", as_of)),
            "experts_register": S.experts_count(s, v, experts.ExpertFilters(as_of=as_of), False),
        }


def live(engine: Engine, as_of: dt.date) -> dict[str, Any]:
    with read_session(engine) as s:
        h = kpi.headline(session=s, as_of=as_of)
        return {
            "experts": h.experts,
            "technologies_all": technologies.technologies_count(
                session=s, filters=technologies.TechnologyFilters()
            ),
            "submitted": overview.pipeline(session=s, as_of=as_of)["submitted"],
            "adopted": h.adopted,
            "approved": adoptions.adoptions_count(
                session=s, filters=adoptions.AdoptionFilters(status="approved")
            ),
            "meetings": h.meetings,
            "meeting_rows": len(overview.records_behind(session=s, figure="meetings", as_of=as_of)),
            "experts_register": experts.experts_count(
                session=s, filters=experts.ExpertFilters(as_of=as_of), personal=False
            ),
        }


def test_each_kind_of_write_changes_the_stored_figures(
    world: dd.World, city_clock: dt.datetime
) -> None:
    engine = world.engine
    staff, approver = world.actors["staff"], world.actors["approver"]
    # Test data written straight into the tables (no audit event, as no app write does):
    # before any figure is stored.
    [item] = wd.under_review_adoptions(engine, staff.id or 0, 1)

    def step(write: Any, as_of: dt.date, **changes: int) -> None:
        before = figures(engine, as_of)
        assert figures(engine, as_of) == before  # stored, served again
        write()
        after = figures(engine, as_of)
        assert after["version"] > before["version"]
        expected = {k: before[k] + changes.get(k, 0) for k in before if k != "version"}
        assert {k: v for k, v in after.items() if k != "version"} == expected
        assert {k: v for k, v in after.items() if k != "version"} == live(engine, as_of)

    # a technology submitted (workflow)
    step(
        lambda: dd.write(
            world,
            technologies.register_technology,
            title_ko="저장 요약 시험 기술",
            title_en="Stored summary test technology",
            owner_org_id=world.orgs["applicant_a"],
            field="roads",
        ),
        clock.city_today(),
        technologies_all=1,
        submitted=1,
    )
    # an expert added to the pool (workflow)
    step(
        lambda: dd.write(
            world,
            experts.add_expert,
            name="요약 시험 전문가",
            organization_id=world.orgs["institute"],
            affiliation="public",
            fields=["roads"],
            registered_on=clock.city_today(),
        ),
        clock.city_today(),
        experts=1,
        experts_register=1,
    )
    # an adoption approved (four eyes: proposed by staff, decided by the approver)
    step(
        lambda: dd.write(
            world,
            approvals.decide_one,
            "approver",
            key=f"adoption:{item}",
            decision="approve",
            comment="요약 시험 승인",
        ),
        clock.city_today(),
        adopted=1,
        approved=1,
    )
    assert approver.has("approver")
    # a deliberation meeting held (db.meetings)
    step(lambda: dd.held(world), dd.MEETING_DAY, meetings=1, meeting_rows=1)
    # an import of one technology (db.imports)
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(
        [
            ["등록번호", "기술명", "보유 기관", "기술 분야", "신청일"],
            [
                "DG-2020-901",
                "가져온 요약 시험 기술",
                "새솔건설(주)",
                "bridges",
                clock.city_today().isoformat(),  # a normal import dates nothing in the past
            ],
        ]
    )
    step(
        lambda: dd.write(
            world,
            imports.import_file,
            register="technologies",
            filename="t.csv",
            data=buf.getvalue().encode(),
        ),
        clock.city_today(),
        technologies_all=1,
        submitted=1,  # imported as submitted today, not yet screened
    )


def test_sign_ins_do_not_change_the_version(world: dd.World) -> None:
    engine = world.engine
    user_id = make_user(engine, "sam.viewer", ["executive"])
    with read_session(engine) as s:
        version = S.data_version(s)
        S.headline(s, version, clock.city_today(), ALL_TECHNOLOGIES)
    now = clock.now_utc()
    with write_session(engine) as s:
        signin.authenticate(
            session=s, username="sam.viewer", password="correct horse battery", now=now
        )
    with pytest.raises(signin.SignInFailed), write_session(engine) as s:
        signin.authenticate(session=s, username="sam.viewer", password="wrong", now=now)
    with pytest.raises(signin.SignInFailed), write_session(engine) as s:
        signin.authenticate(session=s, username="nobody.here", password="x", now=now)
    with read_session(engine) as s:
        events = s.execute(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action.like("signin.%"))
        ).scalar_one()
        assert events >= 3
        assert S.data_version(s) == version
    assert user_id
    # the stored row is still the one served
    assert all(v == version for _n, _k, v in rows(engine))


def test_every_audited_entity_is_classified(seeded_engine: Engine) -> None:
    """A new kind of audited record must be put in DATA_ENTITIES or NON_DATA_ENTITIES."""
    known = set(S.DATA_ENTITIES) | set(S.NON_DATA_ENTITIES)
    assert not set(S.DATA_ENTITIES) & set(S.NON_DATA_ENTITIES)
    with read_session(seeded_engine) as s:
        seen = set(s.execute(select(AuditEvent.entity).distinct()).scalars())
    assert seen <= known, seen - known
    found: set[str] = set()
    for path in [*ROOT.joinpath("db").rglob("*.py"), *ROOT.joinpath("seed").rglob("*.py")]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                for kw in node.keywords:
                    if kw.arg == "entity" and isinstance(kw.value, ast.Constant):
                        found.add(str(kw.value.value))
                name = getattr(node.func, "id", getattr(node.func, "attr", ""))
                if name in ("record", "_record", "_audit") and len(node.args) >= 4:
                    arg = node.args[3]
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                        found.add(arg.value)
            if isinstance(node, ast.Dict):
                for k, v in zip(node.keys, node.values, strict=True):
                    if (
                        isinstance(k, ast.Constant)
                        and k.value == "entity"
                        and isinstance(v, ast.Constant)
                    ):
                        found.add(str(v.value))
    assert found, "the scan found no audited entity at all"
    assert found <= known, found - known


# --- failures never fail the read --------------------------------------------------------------


def test_a_read_only_sqlite_database_still_serves_figures(
    seeded_sqlite_file: Path, tmp_path: Path
) -> None:
    from tests.test_faults_sqlite import make_read_only

    path = tmp_path / "ro.sqlite3"
    shutil.copyfile(seeded_sqlite_file, path)
    engine = make_engine(f"sqlite:///{path}")
    how, undo = make_read_only(path, engine)
    try:
        with read_session(engine) as s:
            v = S.data_version(s)
            h = S.headline(s, v, DATES[0], ALL_TECHNOLOGIES)
            frame = S.breakdown(s, v, DATES[0], "field", ALL_TECHNOLOGIES)
            count = S.technologies_count(s, v, technologies.TechnologyFilters(as_of=DATES[0]))
        assert (h.experts, h.technologies, count) == (817, 305, 305), how
        assert int(frame["registered"].sum()) == 305
    finally:
        undo()
    assert rows(engine) == []  # computed, not stored
    engine.dispose()


@pytest.mark.parametrize(
    "payload",
    [
        "not json at all",
        "",
        "42",
        '{"$":"Headline","v":{"as_of":{"$":"date","v":"2019-08-08"}}}',
        '{"$":"os.system","v":"touch /tmp/x"}',
        '{"$":"frame","columns":[],"dtypes":[],"v":[]}',
        '{"$":"dict","v":[["experts",{"$":"float","v":"nan"}]]}',
    ],
)
def test_a_tampered_row_is_ignored_and_recomputed(migrated_engine: Engine, payload: str) -> None:
    engine = migrated_engine
    with read_session(engine) as s:
        v = S.data_version(s)
        expected = S.headline(s, v, DATES[0], ALL_TECHNOLOGIES)
    with write_session(engine) as s:
        s.execute(update(StoredSummary).values(payload=payload))
    with read_session(engine) as s:
        again = S.headline(s, v, DATES[0], ALL_TECHNOLOGIES)
    assert again == expected
    with read_session(engine) as s:
        stored_payload = s.execute(select(StoredSummary.payload)).scalar_one()
    assert S.loads(stored_payload, kpi.Headline) == expected  # rewritten with a valid row


class _Evil:
    def __reduce__(self) -> tuple[Any, ...]:
        return (os.system, (f"touch {_MARKER}",))


_MARKER = Path("/tmp") / f"ntp-summaries-pickle-ran-{os.getpid()}"


def test_a_pickle_in_the_payload_is_never_run(migrated_engine: Engine) -> None:
    engine = migrated_engine
    with read_session(engine) as s:
        v = S.data_version(s)
        expected = S.headline(s, v, DATES[1], ALL_TECHNOLOGIES)
    evil = pickle.dumps(_Evil(), protocol=0).decode("latin-1")
    with write_session(engine) as s:
        s.execute(update(StoredSummary).values(payload=evil))
    with read_session(engine) as s:
        assert S.headline(s, v, DATES[1], ALL_TECHNOLOGIES) == expected
    assert not _MARKER.exists()


def test_concurrent_writers_of_one_summary_do_not_fail(migrated_engine: Engine) -> None:
    engine = migrated_engine
    results: list[Any] = []
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def reader() -> None:
        try:
            start.wait()
            with read_session(engine) as s:
                results.append(S.headline(s, S.data_version(s), DATES[0], ALL_TECHNOLOGIES))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=reader) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert len(results) == 8 and all(r == results[0] for r in results)
    assert len(rows(engine)) == 1
    # Writers of different versions: the newest stays, an older one never overwrites it.
    key = S.params_key({"k": 1})
    done = [S.store(engine, "test.race/1", key, n, n, 0.0) for n in (5, 9, 7)]
    assert done == [True, True, True]
    with read_session(engine) as s:
        assert (
            s.execute(
                select(StoredSummary.version).where(StoredSummary.name == "test.race/1")
            ).scalar_one()
            == 9
        )


# --- refresh on write, bounds ---------------------------------------------------------------------


def test_a_write_through_the_app_refreshes_the_default_overview(
    world: dd.World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from components import data

    monkeypatch.setenv("DATABASE_URL", world.engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("NTP_COOKIE_KEY", "k" * 48)
    data.write(
        experts.add_expert,
        actor=world.actors["staff"],
        name="백그라운드 전문가",
        organization_id=world.orgs["institute"],
        affiliation="public",
        fields=["roads"],
        registered_on=clock.city_today(),
    )
    S.wait_for_refresh(120)
    with read_session(world.engine) as s:
        version = S.data_version(s)
    stored = rows(world.engine)
    assert stored and all(v == version for _n, _k, v in stored)
    names = {n for n, _k, _v in stored}
    assert {
        "kpi.headline/1",
        "overview.monthly_counts/1",
        "overview.pipeline/1",
        "overview.breakdown/1",
        "overview.last_changed/1",
        "overview.records_behind/1",
        "registers.technologies.count/1",
        "registers.adoptions.count/1",
        "registers.adoptions.rows/1",
        "registers.experts.count/1",
    } <= names
    assert sum(n == "kpi.headline/1" for n, _k, _v in stored) == 4  # today and 3 periods
    # the page's reads find them: same keys, nothing computed
    with read_session(world.engine) as s:
        h = S.headline(s, version, clock.city_today(), ALL_TECHNOLOGIES)
    assert h.experts == live(world.engine, clock.city_today())["experts"]
    assert rows(world.engine) == stored


def test_the_background_refresh_gives_way_to_page_runs(
    world: dd.World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A click just after a write is served first: while a page run of the process is going
    on, the background refresh computes nothing; once it ended, the figures are stored."""
    monkeypatch.setattr(S, "GIVE_WAY_SECONDS", 120.0)
    empty(world.engine)
    with S.page_run():
        S.refresh_in_background(world.engine, clock.city_today())
        assert S._page_runs.waiting.wait(60), "the refresh did not wait for the page run"
        assert rows(world.engine) == []
    S.wait_for_refresh(120)
    assert {n for n, _k, _v in rows(world.engine)} >= {"kpi.headline/1", "overview.pipeline/1"}


def test_a_process_never_idle_still_gets_its_figures(
    world: dd.World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(S, "GIVE_WAY_SECONDS", 0.01)
    empty(world.engine)
    with S.page_run():  # a page run that outlasts the refresh
        S.refresh_in_background(world.engine, clock.city_today())
        S.wait_for_refresh(120)
        assert {n for n, _k, _v in rows(world.engine)} >= {"kpi.headline/1"}


def test_a_failing_refresh_never_raises(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'missing-tables.sqlite3'}")
    thread = S.refresh_in_background(engine, clock.city_today())
    S.wait_for_refresh(60)
    assert thread is None or not thread.is_alive()
    engine.dispose()


def test_prune_keeps_the_table_bounded(
    migrated_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = migrated_engine
    # the process-wide count of stores since the last prune starts afresh: the stores below
    # must not cross PRUNE_EVERY_STORES after the stores of earlier tests (it pruned early)
    monkeypatch.setattr(S, "_stores_since_prune", 0)
    old = clock.now_utc() - dt.timedelta(days=S.MAX_AGE_DAYS + 1)
    for n in range(5):
        S.store(engine, "test.old_version/1", S.params_key({"n": n}), 3, n, 0.0)
        S.store(engine, "test.many/1", S.params_key({"n": n}), 10, n, 0.0)
    S.store(engine, "test.old_time/1", S.params_key({}), 10, 1, 0.0)
    with write_session(engine) as s:
        s.execute(
            update(StoredSummary)
            .where(StoredSummary.name == "test.old_time/1")
            .values(computed_at=old)
        )
    monkeypatch.setattr(S, "MAX_ROWS_PER_NAME", 3)
    deleted = S.prune(engine, 10)
    left = rows(engine)
    assert deleted == 5 + 1 + 2
    assert {n for n, _k, _v in left} == {"test.many/1"} and len(left) == 3


def test_codec_round_trips_and_refuses_what_it_cannot_store() -> None:
    frame = pd.DataFrame(
        {
            "code": pd.Series(["a", None], dtype="str"),
            "n": pd.Series([1, 2], dtype="int64"),
            "x": pd.Series([1.5, float("nan")], dtype="float64"),
            "ok": pd.Series([True, False], dtype="bool"),
            "when": pd.Series([dt.date(2020, 1, 1), None], dtype="object"),
            "codes": pd.Series([["roads"], []], dtype="object"),
        }
    )
    back = S.loads(S.dumps(frame), pd.DataFrame)
    pd.testing.assert_frame_equal(back, frame)
    value = ({"a": 1}, {"b": None, "c": 2.5}, dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    expect = tuple[dict[str, int], dict[str, float | None], dt.datetime]
    assert S.loads(S.dumps(value), expect) == value
    with pytest.raises(S.CodecError):
        S.loads(S.dumps(value), tuple[dict[str, int], dict[str, int], dt.datetime])
    with pytest.raises(S.CodecError):
        S.dumps(object())
    with pytest.raises(S.CodecError):
        S.dumps(pd.DataFrame({"t": pd.to_datetime(["2020-01-01"])}))


def test_date_columns_are_stored_compactly_and_read_back_the_same() -> None:
    """A column of dates (the Outcomes' first use lists one row per technology used) is
    stored as ISO strings, 12 bytes a date instead of a tagged node; payloads stored before
    (tagged dates) still read back; a malformed date is refused, not guessed."""
    dates = [dt.date(2020, 1, 1), None, dt.date(2026, 12, 7)]
    frame = pd.DataFrame(
        {
            "on": pd.Series(dates, dtype="object"),
            "n": pd.Series([1, 2, 3], dtype="int64"),
            "mixed": pd.Series([dt.date(2020, 1, 1), "x", None], dtype="object"),
            "stamp": pd.Series([dt.datetime(2020, 1, 1, 5), None, None], dtype="object"),
        }
    )
    payload = S.dumps(frame)
    assert '"2020-01-01",null,"2026-12-07"' in payload
    back = S.loads(payload, pd.DataFrame)
    pd.testing.assert_frame_equal(back, frame)
    assert [type(v) for v in back["on"]] == [dt.date, type(None), dt.date]
    assert type(back["stamp"][0]) is dt.datetime
    before = (
        '{"$":"frame","columns":["on"],"dtypes":["object"],'
        '"v":[[{"$":"date","v":"2020-01-01"},null]]}'
    )
    pd.testing.assert_frame_equal(
        S.loads(before, pd.DataFrame), pd.DataFrame({"on": pd.Series(dates[:2], dtype="object")})
    )
    for bad in ('["2020-13-01"]', "[5]"):
        with pytest.raises(S.CodecError):
            S.loads(f'{{"$":"frame","columns":["on"],"dtypes":["date"],"v":[{bad}]}}', Any)
    empty = pd.DataFrame({"on": pd.Series([], dtype="object")})
    pd.testing.assert_frame_equal(S.loads(S.dumps(empty), pd.DataFrame), empty)


def test_storing_alone_also_prunes(
    migrated_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A crawler walking every date (reads only, no write to trigger a refresh) cannot grow
    the table past the cap."""
    monkeypatch.setattr(S, "MAX_ROWS_PER_NAME", 2)
    monkeypatch.setattr(S, "PRUNE_EVERY_STORES", 4)
    monkeypatch.setattr(S, "_stores_since_prune", 0)
    for n in range(4):
        assert S.store(migrated_engine, "test.crawl/1", S.params_key({"n": n}), 1, n, 0.0)
    assert len(rows(migrated_engine)) == 2
