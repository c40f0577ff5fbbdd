"""What a normal import may write, on SQLite and PostgreSQL: the regulation's statuses, no
date before today in the city, no new owner for a registered or adopted technology, and the
city's vocabularies as the database holds them.

Each refusal names its row, column, value and rule, and the database is exactly as before
(counts, versions, audit head). The insider's scenario on the demo data, with the published
figures of 2019-08-08, is in ``tests/test_import_historical.py``.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import Engine, select, update

from db import clock
from db.imports import MIGRATION
from db.imports import checking as rules
from db.models import (
    Adoption,
    FieldTerm,
    Inquiry,
    Organization,
    RegulationVersion,
    Technology,
)
from db.regulation.versions import import_statuses, rules_in_force
from db.session import read_session, write_session
from tests.test_import_db import (
    ADMIN,
    STAFF,
    TECH_HEADER,
    check,
    csv_bytes,
    day,
    engine,
    iso,
    refused,
    run_import,
    tech_row,
)

__all__ = ["engine"]  # the fixture: a fresh database holding three organizations

LIFECYCLE_HEADER = [
    *TECH_HEADER,
    "상태",
    "사전 검토일",
    "심의 시작일",
    "등록일",
    "탈락일",
    "종료일",
]


def problems(result) -> list[tuple[int | None, str | None, str, str]]:  # type: ignore[no-untyped-def]
    return [(p.row, p.column, p.value, p.rule) for p in result.problems]


# --- statuses: what the regulation in force allows ----------------------------------------


def lifecycle_row(n: int, status: str) -> list[str]:
    """A new technology in ``status`` with the dates of the steps it reached (today)."""
    keys = ("screening_on", "review_on", "registered_on", "rejected_on", "ended_on")
    return [*tech_row(n), status, *(iso() if k in rules.STEP_DATES[status] else "" for k in keys)]


def test_a_new_technology_as_registered_is_refused(engine: Engine) -> None:
    data = csv_bytes([LIFECYCLE_HEADER, lifecycle_row(1, "registered")])
    result = refused(engine, "technologies", "t.csv", data)
    assert problems(result) == [(2, "상태", "registered", rules.STATUS_NOT_ALLOWED)]
    assert result.problems[0].params == {"allowed": "submitted", "status": "registered"}
    # Every status past "submitted" likewise; "submitted" itself, named or left empty, passes.
    for status in ("screening", "under_review", "rejected", "expired", "withdrawn"):
        data = csv_bytes([LIFECYCLE_HEADER, lifecycle_row(1, status)])
        assert problems(check(engine, "technologies", "t.csv", data)) == [
            (2, "상태", status, rules.STATUS_NOT_ALLOWED)
        ]
    ok = [LIFECYCLE_HEADER, lifecycle_row(1, "submitted"), [*tech_row(2), *[""] * 6]]
    assert run_import(engine, "technologies", "t.csv", csv_bytes(ok)).added == 2


def test_dates_of_steps_a_status_has_not_reached_are_refused(engine: Engine) -> None:
    """A submitted technology with a registration date would count as registered on it."""
    row = [*tech_row(1), "submitted", "", "", iso(3), "", ""]
    result = refused(engine, "technologies", "t.csv", csv_bytes([LIFECYCLE_HEADER, row]))
    assert problems(result) == [(2, "등록일", iso(3), rules.STEP_NOT_REACHED)]


def test_the_statuses_come_from_the_version_in_force(engine: Engine) -> None:
    today = clock.city_today()
    with write_session(engine) as s:
        first = s.get(RegulationVersion, 1)
        assert first is not None
        s.add(
            RegulationVersion(
                id=2,  # (version 1 was written with its id: PostgreSQL's sequence is still at 1)
                number=2,
                effective_on=today + dt.timedelta(days=1),
                directive="시험 개정",
                rules=json.dumps({**json.loads(first.rules), "panel_size": 9}),
                status="approved",
                source="tests",
                drafted_at=clock.now_utc(),
            )
        )
    with read_session(engine) as s:
        now, tomorrow = rules_in_force(s, today), rules_in_force(s, today + dt.timedelta(days=1))
        assert now is not None and tomorrow is not None
        assert (now.panel_size, tomorrow.panel_size) == (7, 9)
        assert rules_in_force(s, dt.date(2017, 12, 31)) is None  # before version 1
        assert import_statuses(s, dt.date(2017, 12, 31)) == ("submitted",)
        assert import_statuses(s, today) == ("submitted",)
        assert rules.allowed(s).statuses == ("submitted",)
        assert rules.allowed(s, MIGRATION).statuses == rules.domain.TECH_STATUSES


# --- dates: nothing before today in the city ------------------------------------------------


def test_back_dating_is_refused_in_every_register(engine: Engine) -> None:
    yesterday = iso(-1)
    result = refused(
        engine,
        "technologies",
        "t.csv",
        csv_bytes([TECH_HEADER, tech_row(1, submitted=yesterday), tech_row(2)]),
    )
    assert problems(result) == [(2, "신청일", yesterday, rules.BACKDATED)]
    assert result.problems[0].params == {"today": iso()}
    expert = ["성명", "소속 기관", "소속 구분", "위촉일", "해촉일"]
    result = refused(
        engine,
        "experts",
        "e.csv",
        csv_bytes([expert, ["김하나", "감사원", "public", "2019-08-08", "2019-12-31"]]),
    )
    assert problems(result) == [
        (2, "위촉일", "2019-08-08", rules.BACKDATED),
        (2, "해촉일", "2019-12-31", rules.BACKDATED),
    ]
    inquiry = ["기관", "접수일", "경로", "주제", "상태", "회신일"]
    result = refused(
        engine,
        "inquiries",
        "i.csv",
        csv_bytes([inquiry, ["감사원", "2019-04-10", "visit", "점검", "answered", "2019-04-12"]]),
    )
    assert [p[:2] for p in problems(result)] == [(2, "접수일"), (2, "회신일")]
    assert {p.rule for p in result.problems} == {rules.BACKDATED}
    # A declared tie began in the past: its dates are the tie's, not the record's.
    ties = ["성명", "소속 기관", "소속 구분", "위촉일", "이해관계 신고"]
    row = ["김하나", "감사원", "public", iso(), "한국도로공사 | employment | 2015-01-01"]
    assert run_import(engine, "experts", "e.csv", csv_bytes([ties, row])).added == 1


def test_only_the_dates_an_import_writes_are_checked(engine: Engine) -> None:
    """A stored inquiry of 2019 (e.g. migrated): the file names it by its date of arrival,
    which it does not write; the date of the answer it sets is checked."""
    with write_session(engine) as s:
        org = s.scalar(select(Organization.id).where(Organization.name_ko == "감사원"))
        s.add(Inquiry(org_id=org, received_on=dt.date(2019, 4, 10), channel="visit", topic="점검"))
    inquiry = ["기관", "접수일", "경로", "주제", "상태", "회신일"]
    rows = [inquiry, ["감사원", "2019-04-10", "visit", "점검", "received", ""]]
    assert run_import(engine, "inquiries", "i.csv", csv_bytes(rows)).unchanged == 1
    rows[1][4:] = ["answered", "2019-04-12"]
    result = refused(engine, "inquiries", "i.csv", csv_bytes(rows))
    assert problems(result) == [(2, "회신일", "2019-04-12", rules.BACKDATED)]
    rows[1][4:] = ["answered", iso()]
    assert run_import(engine, "inquiries", "i.csv", csv_bytes(rows)).updated == 1


def test_today_is_the_citys_today_after_its_midnight(
    engine: Engine, city_after_midnight: dt.datetime
) -> None:
    """At 00:30 in the city the server's (UTC) date is still yesterday's: refused."""
    utc_day = city_after_midnight.date()
    assert utc_day == clock.city_today() - dt.timedelta(days=1)
    row = tech_row(1, submitted=utc_day.isoformat())
    result = refused(engine, "technologies", "t.csv", csv_bytes([TECH_HEADER, row]))
    assert problems(result) == [(2, "신청일", utc_day.isoformat(), rules.BACKDATED)]
    row = tech_row(1, submitted=clock.city_today().isoformat())
    assert run_import(engine, "technologies", "t.csv", csv_bytes([TECH_HEADER, row])).added == 1


# --- owners: not of a registered or adopted technology ---------------------------------------


def _stored_technologies(engine: Engine) -> None:
    """DG-2020-001 submitted, -002 registered, -003 under review with an approved adoption
    (as a migration may have brought it in), -004 withdrawn after its registration."""
    run_import(
        engine,
        "technologies",
        "t.csv",
        csv_bytes([TECH_HEADER, *(tech_row(n) for n in range(1, 5))]),
    )
    with write_session(engine) as s:
        ids = dict(s.execute(select(Technology.reg_no, Technology.id)).all())
        past = dt.date(2019, 5, 2)
        s.execute(
            update(Technology)
            .where(Technology.reg_no == "DG-2020-002")
            .values(status="registered", registered_on=past)
        )
        s.execute(
            update(Technology)
            .where(Technology.reg_no == "DG-2020-003")
            .values(status="under_review")
        )
        s.execute(
            update(Technology)
            .where(Technology.reg_no == "DG-2020-004")
            .values(status="withdrawn", registered_on=past, ended_on=past)
        )
        s.add(
            Adoption(
                technology_id=ids["DG-2020-003"],
                project_name="시험 사업",
                department="도로과",
                budget_krw=1,
                year=2019,
                justification="시험",
                status="approved",
                proposed_on=past,
                approved_on=past,
            )
        )


def test_the_owner_of_a_registered_or_adopted_technology_stays(engine: Engine) -> None:
    _stored_technologies(engine)
    other = "한국도로공사"
    rows = [TECH_HEADER, *(tech_row(n, owner=other) for n in range(1, 5))]
    result = refused(engine, "technologies", "t.csv", csv_bytes(rows))
    assert problems(result) == [
        (3, "보유 기관", other, rules.OWNER_OF_REGISTERED),
        (4, "보유 기관", other, rules.OWNER_OF_ADOPTED),
        (5, "보유 기관", other, rules.OWNER_OF_REGISTERED),
    ]
    # A submitted technology without an approved adoption may change its owner.
    summary = run_import(engine, "technologies", "t.csv", csv_bytes(rows[:2]))
    assert summary.updated == 1
    with read_session(engine) as s:
        owner = s.scalar(
            select(Organization.name_ko)
            .join(Technology, Technology.owner_org_id == Organization.id)
            .where(Technology.reg_no == "DG-2020-001")
        )
    assert owner == other
    # Under the migration's rules the same changes pass the check (a second person confirms).
    with read_session(engine) as s:
        from components.imports import vocabulary
        from db import imports

        result = imports.check_file(
            session=s,
            actor=ADMIN,
            register="technologies",
            filename="t.csv",
            data=csv_bytes(rows),
            vocabulary=vocabulary(),
            mode=MIGRATION,
        )
    assert result.ok, result.problems
    assert (result.to_update, result.unchanged, result.mode) == (3, 1, MIGRATION)


def test_only_administrators_check_a_migration(engine: Engine) -> None:
    from db import imports
    from db.errors import PermissionDenied

    with read_session(engine) as s, pytest.raises(PermissionDenied):
        imports.check_file(
            session=s,
            actor=STAFF,
            register="technologies",
            filename="t.csv",
            data=csv_bytes([TECH_HEADER, tech_row(1)]),
            mode=MIGRATION,
        )


# --- the city's vocabularies: from the database ---------------------------------------------


def test_codes_and_labels_come_from_the_database(engine: Engine) -> None:
    with write_session(engine) as s:
        s.add(FieldTerm(code="shipbuilding", label_ko="조선", label_en="Shipbuilding", position=99))
    rows = [TECH_HEADER, tech_row(1, field="조선"), tech_row(2, field="Shipbuilding")]
    assert run_import(engine, "technologies", "t.csv", csv_bytes(rows)).added == 2
    result = refused(
        engine, "technologies", "t.csv", csv_bytes([TECH_HEADER, tech_row(3, field="우주")])
    )
    (problem,) = result.problems
    assert problem.rule == rules.UNKNOWN_CODE
    assert "shipbuilding" in problem.params["allowed"].split(", ")


def test_a_retired_code_stays_on_its_records_but_is_not_used_anew(engine: Engine) -> None:
    rows = [TECH_HEADER, tech_row(1, field="bridges")]
    assert run_import(engine, "technologies", "t.csv", csv_bytes(rows)).added == 1
    with write_session(engine) as s:
        s.execute(update(FieldTerm).where(FieldTerm.code == "bridges").values(retired_on=day()))
    # The stored record keeps it (the same file changes nothing) ...
    assert run_import(engine, "technologies", "t.csv", csv_bytes(rows)).unchanged == 1
    # ... a new record, or a change to it, may not use it.
    result = refused(engine, "technologies", "t.csv", csv_bytes([*rows, tech_row(2, field="교량")]))
    assert problems(result) == [(3, "기술 분야", "bridges", rules.RETIRED_CODE)]
    run_import(
        engine, "technologies", "t.csv", csv_bytes([TECH_HEADER, tech_row(1, field="roads")])
    )
    result = refused(engine, "technologies", "t.csv", csv_bytes(rows))
    assert problems(result) == [(2, "기술 분야", "bridges", rules.RETIRED_CODE)]


def test_registration_numbers_follow_the_citys_pattern(engine: Engine) -> None:
    rows = [TECH_HEADER, tech_row(1, reg_no="BS-2020-001"), tech_row(2, reg_no="DG-2020-01")]
    result = refused(engine, "technologies", "t.csv", csv_bytes(rows))
    assert [p[:3] for p in problems(result)] == [
        (2, "등록번호", "BS-2020-001"),
        (3, "등록번호", "DG-2020-01"),
    ]
    assert {p.rule for p in result.problems} == {rules.BAD_REG_NO}
    year = clock.city_today().year
    assert result.problems[0].params == {"pattern": "DG-YYYY-NNN", "example": f"DG-{year}-041"}
    rows = [TECH_HEADER, tech_row(1, reg_no="dg-2020-0007")]
    assert run_import(engine, "technologies", "t.csv", csv_bytes(rows)).added == 1
    with read_session(engine) as s:
        assert s.scalar(select(Technology.reg_no)) == "DG-2020-0007"
