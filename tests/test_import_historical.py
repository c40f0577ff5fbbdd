"""Historical migrations (``db.imports.historical``) on SQLite and PostgreSQL: two people,
nothing written until the second one confirms, every record marked for auditors.

And the insider's scenario on the demo data: a normal import that creates a technology
directly as registered in 2019, and one that gives a registered, adopted technology another
owner, are both refused, and the database (counts, versions, audit head, the published
figures of 2019-08-08) is exactly as before; the same history brought in as a migration
changes nothing until a second person confirms it.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

import seed
from db import audit, imports
from db.errors import Conflict, DomainError, PermissionDenied, ValidationFailed
from db.imports import checking as rules
from db.imports import historical
from db.kpi import headline
from db.models import (
    Adoption,
    AuditEvent,
    ImportMigration,
    MigratedRecord,
    Organization,
    Technology,
)
from db.policy import Actor, OwnMigration
from db.session import read_session, write_session
from tests.conftest import PgServer, create_database
from tests.test_import_db import csv_bytes, engine, snapshot
from tests.users import actor_of, cheap_bcrypt, make_user

__all__ = ["cheap_bcrypt", "engine"]  # fixtures

HISTORY_HEADER = ["등록번호", "기술명", "보유 기관", "기술 분야", "신청일", "상태", "등록일"]
HISTORY = [
    HISTORY_HEADER,
    [
        "DG-2019-901",
        "이관 기술 1",
        "새솔건설(주)",
        "bridges",
        "2019-03-01",
        "registered",
        "2019-08-01",
    ],
    ["DG-2019-902", "이관 기술 2", "한국도로공사", "roads", "2019-04-01", "submitted", ""],
]


def people(engine: Engine) -> dict[str, Actor]:
    """Two administrators, an approver (staff too), staff, an auditor and an executive."""
    roles = {
        "admin.one": ["admin"],
        "admin.two": ["admin"],
        "approver.one": ["staff", "approver"],
        "staff.one": ["staff"],
        "auditor.one": ["auditor"],
        "exec.one": ["executive"],
    }
    return {name: actor_of(engine, make_user(engine, name, r)) for name, r in roles.items()}


def write(engine: Engine, fn: Any, **kwargs: Any) -> Any:
    from components.imports import vocabulary

    if fn in (historical.submit_migration, historical.confirm_migration):
        kwargs.setdefault("vocabulary", vocabulary())
    with write_session(engine) as s:
        return fn(session=s, **kwargs)


def read(engine: Engine, fn: Any, **kwargs: Any) -> Any:
    with read_session(engine) as s:
        return fn(session=s, **kwargs)


def submit(engine: Engine, actor: Actor, rows: list[list[str]], register: str = "technologies"):  # type: ignore[no-untyped-def]
    return write(
        engine,
        historical.submit_migration,
        actor=actor,
        register=register,
        filename="history.csv",
        data=csv_bytes(rows),
    )


def last_event(engine: Engine) -> AuditEvent:
    with read_session(engine) as s:
        return s.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)).one()


def registers(engine: Engine) -> dict[str, Any]:
    """The registers as an import could change them (the audit head left out)."""
    return {k: v for k, v in snapshot(engine).items() if not k.startswith("audit")}


# --- two people -----------------------------------------------------------------------------


def test_a_migration_needs_two_people_and_writes_only_when_confirmed(engine: Engine) -> None:
    who = people(engine)
    before = registers(engine)
    migration = submit(engine, who["admin.one"], HISTORY)
    assert (migration.status, migration.to_add, migration.to_update) == ("pending", 2, 0)
    assert migration.submitted_by == "Admin.One"
    # Submitted: stored with its hash and report, nothing in the registers.
    assert registers(engine) == before
    event = last_event(engine)
    assert (event.action, event.entity, event.entity_id) == (
        "import_migration.submit",
        "import_migration",
        str(migration.id),
    )
    assert migration.sha256 in (event.after or "")
    with read_session(engine) as s:
        stored = s.get(ImportMigration, migration.id)
        assert stored is not None and stored.content == csv_bytes(HISTORY)

    # The submitter's own confirmation is refused (and audited); staff may not decide.
    head = snapshot(engine)["audit_head"]
    with pytest.raises(OwnMigration):
        write(
            engine, historical.confirm_migration, actor=who["admin.one"], migration_id=migration.id
        )
    refusal = last_event(engine)
    assert (refusal.action, refusal.actor_name, refusal.id) == (
        "permission.denied",
        "admin.one",
        head[0] + 1,
    )
    assert "import_migration.confirm" in (refusal.after or "")
    for actor in (who["staff.one"], who["auditor.one"]):
        with pytest.raises(PermissionDenied):
            write(engine, historical.confirm_migration, actor=actor, migration_id=migration.id)
    assert registers(engine) == before
    assert read(engine, historical.list_migrations, actor=who["auditor.one"])[0].status == "pending"

    # An approver confirms: written in one transaction, every record marked.
    done = write(
        engine, historical.confirm_migration, actor=who["approver.one"], migration_id=migration.id
    )
    assert (done.added, done.updated) == (2, 0)
    with read_session(engine) as s:
        techs = dict(s.execute(select(Technology.reg_no, Technology.id)).all())
        assert set(techs) == {"DG-2019-901", "DG-2019-902"}
        registered = s.scalars(select(Technology).where(Technology.reg_no == "DG-2019-901")).one()
        assert (registered.status, registered.registered_on) == ("registered", dt.date(2019, 8, 1))
        marks = s.execute(select(MigratedRecord.entity, MigratedRecord.entity_id)).all()
        assert sorted(marks) == sorted(("technology", i) for i in techs.values())
        events = s.scalars(
            select(AuditEvent).where(AuditEvent.action == "technology.migrated")
        ).all()
        assert {e.entity_id for e in events} == {str(i) for i in techs.values()}
        assert {e.actor_name for e in events} == {"approver.one"}
        assert all(f"historical migration {migration.id}" in (e.reason or "") for e in events)
        confirmed = s.scalars(
            select(AuditEvent).where(AuditEvent.action == "import_migration.confirmed")
        ).one()
        assert confirmed.id == done.event_id
        assert '"submitted_by":"admin.one"' in (confirmed.after or "")
        assert audit.verify(s).ok

    # Listed for auditors: who submitted, who confirmed, when, how many, the file's hash.
    (listed,) = read(engine, historical.list_migrations, actor=who["auditor.one"])
    assert (listed.status, listed.submitted_by, listed.decided_by, listed.records) == (
        "confirmed",
        "Admin.One",
        "Approver.One",
        2,
    )
    assert listed.sha256 == migration.sha256 and listed.event_id == done.event_id
    assert listed.decided_at is not None and listed.decided_at >= listed.submitted_at
    entries = read(
        engine, historical.migrated_records, actor=who["auditor.one"], migration_id=migration.id
    )
    assert [(e.entity, e.action, e.label) for e in entries] == [
        ("technology", "added", "DG-2019-901 이관 기술 1"),
        ("technology", "added", "DG-2019-902 이관 기술 2"),
    ]
    with pytest.raises(PermissionDenied):
        read(engine, historical.list_migrations, actor=who["exec.one"])

    # Decided once: a second confirmation names who decided and when.
    with pytest.raises(Conflict) as caught:
        write(
            engine, historical.confirm_migration, actor=who["admin.two"], migration_id=migration.id
        )
    assert caught.value.params["by"] == "Approver.One"


def test_only_administrators_submit(engine: Engine) -> None:
    who = people(engine)
    for name in ("staff.one", "approver.one", "auditor.one"):
        with pytest.raises(PermissionDenied):
            submit(engine, who[name], HISTORY)
    with read_session(engine) as s:
        assert s.scalar(select(func.count()).select_from(ImportMigration)) == 0


def test_a_migration_can_be_declined_and_is_then_never_written(engine: Engine) -> None:
    who = people(engine)
    before = registers(engine)
    migration = submit(engine, who["admin.one"], HISTORY)
    with pytest.raises(ValidationFailed):
        write(
            engine,
            historical.decline_migration,
            actor=who["admin.two"],
            migration_id=migration.id,
            comment=" ",
        )
    write(
        engine,
        historical.decline_migration,
        actor=who["admin.two"],
        migration_id=migration.id,
        comment="등록일이 원본 대장과 다름",
    )
    event = last_event(engine)
    assert (event.action, event.reason) == ("import_migration.decline", "등록일이 원본 대장과 다름")
    with pytest.raises(Conflict):
        write(
            engine,
            historical.confirm_migration,
            actor=who["approver.one"],
            migration_id=migration.id,
        )
    assert registers(engine) == before
    (listed,) = read(engine, historical.list_migrations, actor=who["admin.one"])
    assert (listed.status, listed.decided_by, listed.records) == ("declined", "Admin.Two", None)
    # The same file may be submitted again once the first is decided, not while it waits.
    again = submit(engine, who["admin.one"], HISTORY)
    with pytest.raises(DomainError) as caught:
        submit(engine, who["admin.one"], HISTORY)
    assert caught.value.message == historical.ALREADY_PENDING
    assert caught.value.params == {"migration": again.id}


def test_a_file_with_problems_or_nothing_to_migrate_is_not_submitted(engine: Engine) -> None:
    who = people(engine)
    bad = [
        HISTORY_HEADER,
        ["DG-2019-901", "이관 기술", "없는 기관", "bridges", "2019-03-01", "", ""],
    ]
    with pytest.raises(imports.ImportRefused) as caught:
        submit(engine, who["admin.one"], bad)
    assert [(p.row, p.column, p.rule) for p in caught.value.result.problems] == [
        (2, "보유 기관", rules.UNKNOWN_ORG)
    ]
    done = submit(engine, who["admin.one"], HISTORY)
    write(engine, historical.confirm_migration, actor=who["admin.two"], migration_id=done.id)
    with pytest.raises(DomainError) as nothing:
        submit(engine, who["admin.one"], HISTORY)
    assert nothing.value.message == historical.NOTHING_TO_MIGRATE
    with read_session(engine) as s:
        assert s.scalar(select(func.count()).select_from(ImportMigration)) == 1


def test_the_file_is_checked_again_when_confirmed(engine: Engine) -> None:
    """What was submitted is what is written: a register that changed meanwhile stops it."""
    who = people(engine)
    orgs = [["기관명", "기관 유형", "지역"], ["이관 기관", "company", "KR-27"]]
    migration = submit(engine, who["admin.one"], orgs, register="organizations")
    # Meanwhile the same organization came in by a normal import.
    from tests.test_import_db import run_import

    run_import(engine, "organizations", "o.csv", csv_bytes(orgs))
    before = snapshot(engine)
    with pytest.raises(DomainError) as caught:
        write(
            engine, historical.confirm_migration, actor=who["admin.two"], migration_id=migration.id
        )
    assert caught.value.message == historical.CHANGED_SINCE_SUBMITTED
    assert caught.value.params == {"add": 0, "update": 0, "add_before": 1, "update_before": 0}
    assert snapshot(engine) == before
    assert read(engine, historical.list_migrations, actor=who["admin.two"])[0].status == "pending"


# --- the insider's scenario on the demo data --------------------------------------------------


@pytest.fixture(params=("sqlite", "postgresql"))
def demo(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A writable database holding the demo data, on each backend."""
    from db.engine import make_engine

    if request.param == "sqlite":
        src: Path = request.getfixturevalue("seeded_sqlite_file")
        shutil.copy(src, tmp_path / "demo.sqlite3")
        engine = make_engine(f"sqlite:///{tmp_path / 'demo.sqlite3'}")
    else:
        server: PgServer = request.getfixturevalue("pg_server")
        engine = make_engine(create_database(server, f"ntp_history_{os.getpid()}", profile=False))
        seed.build(engine, scale=1, demo_accounts=False)
    yield engine
    engine.dispose()


def state(engine: Engine) -> dict[str, Any]:
    """Counts, versions, the audit head and the published figures of 2019-08-08."""
    with read_session(engine) as s:
        figures = headline(session=s, as_of=seed.PUBLISHED_AS_OF)
        adoptions = s.scalar(select(func.count()).select_from(Adoption))
    return {**snapshot(engine), "figures": figures, "adoptions": adoptions}


def _adopted_registered(engine: Engine) -> tuple[list[str], str]:
    """A registered technology with an approved adoption, as a row of the minimal file
    (its stored values), and another organization's name."""
    with read_session(engine) as s:
        tech = s.scalars(
            select(Technology)
            .join(Adoption, Adoption.technology_id == Technology.id)
            .where(Technology.status == "registered", Adoption.status == "approved")
            .order_by(Technology.id)
            .limit(1)
        ).one()
        owner = s.get(Organization, tech.owner_org_id)
        assert owner is not None
        names = list(
            s.scalars(
                select(Organization.name_ko)
                .where(Organization.kind == owner.kind, Organization.id != owner.id)
                .order_by(Organization.id)
            )
        )
        unique = next(n for n in names if names.count(n) == 1)
        row = [tech.reg_no, tech.title_ko, owner.name_ko, tech.field, tech.submitted_on.isoformat()]
    return row, unique


def test_the_insiders_imports_are_refused_and_the_history_needs_two_people(demo: Engine) -> None:
    from tests.test_import_db import check, run_import

    published = state(demo)
    assert published["figures"].technologies == seed.PUBLISHED["technologies"] == 305
    with read_session(demo) as s:
        local = s.scalar(
            select(Organization.name_ko).where(Organization.is_local).order_by(Organization.id)
        )
    # 1. "An import created a technology directly as 'registered', dated 2019."
    created = [
        HISTORY_HEADER,
        [
            "DG-2019-999",
            "끼워 넣은 기술",
            local,
            "bridges",
            "2019-03-01",
            "registered",
            "2019-08-08",
        ],
    ]
    result = check(demo, "technologies", "insider.csv", csv_bytes(created))
    assert [(p.row, p.column, p.value, p.rule) for p in result.problems] == [
        (2, "상태", "registered", rules.STATUS_NOT_ALLOWED),
        (2, "신청일", "2019-03-01", rules.BACKDATED),
        (2, "등록일", "2019-08-08", rules.BACKDATED),
    ]
    with pytest.raises(imports.ImportRefused):
        run_import(demo, "technologies", "insider.csv", csv_bytes(created))
    assert state(demo) == published
    # 2. "Another import moved a registered technology, which already had an approved
    #    adoption, to a different owner with nobody's approval."
    row, other = _adopted_registered(demo)
    moved = [
        ["등록번호", "기술명", "보유 기관", "기술 분야", "신청일"],
        [*row[:2], other, *row[3:]],
    ]
    result = check(demo, "technologies", "owner.csv", csv_bytes(moved))
    assert [(p.row, p.column, p.value, p.rule) for p in result.problems] == [
        (2, "보유 기관", other, rules.OWNER_OF_REGISTERED)
    ]
    with pytest.raises(imports.ImportRefused):
        run_import(demo, "technologies", "owner.csv", csv_bytes(moved))
    assert state(demo) == published

    # The same history as a historical migration: nothing changes until a second person
    # confirms; the submitter cannot.
    who = {
        name: actor_of(demo, make_user(demo, name, [role]))
        for name, role in (("hist.admin", "admin"), ("hist.approver", "approver"))
    }
    migration = submit(demo, who["hist.admin"], created)
    after_submit = state(demo)
    assert {k: v for k, v in after_submit.items() if not k.startswith("audit")} == {
        k: v for k, v in published.items() if not k.startswith("audit")
    }
    with pytest.raises(OwnMigration):
        write(
            demo, historical.confirm_migration, actor=who["hist.admin"], migration_id=migration.id
        )
    assert state(demo)["figures"] == published["figures"]
    write(demo, historical.confirm_migration, actor=who["hist.approver"], migration_id=migration.id)
    with read_session(demo) as s:
        assert headline(session=s, as_of=seed.PUBLISHED_AS_OF).technologies == 306
        tech_id = s.scalar(select(Technology.id).where(Technology.reg_no == "DG-2019-999"))
        assert (
            s.scalar(
                select(MigratedRecord.migration_id).where(
                    MigratedRecord.entity == "technology", MigratedRecord.entity_id == tech_id
                )
            )
            == migration.id
        )
        assert audit.verify(s).ok


def test_experts_personal_data_stays_out_of_the_preview_for_approvers_not_staff(
    engine: Engine,
) -> None:
    who = people(engine)
    who["approver.only"] = actor_of(engine, make_user(engine, "approver.only", ["approver"]))
    header = ["성명", "소속 기관", "소속 구분", "위촉일", "이메일", "전화번호"]
    rows = [header, ["김옛날", "감사원", "public", "2018-03-02", "old@bai.go.kr", "02-000-0000"]]
    submit(engine, who["admin.one"], rows, register="experts")
    (seen,) = read(engine, historical.list_migrations, actor=who["approver.only"])
    assert set(seen.report["preview"][0]["cells"]) == {"성명", "소속 기관", "소속 구분", "위촉일"}
    for name in ("approver.one", "auditor.one"):  # staff, auditors: personal data roles
        (seen,) = read(engine, historical.list_migrations, actor=who[name])
        assert seen.report["preview"][0]["cells"]["이메일"] == "old@bai.go.kr"
