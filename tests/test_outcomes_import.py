"""The contracts import (SQLite and PostgreSQL): all rows or none, problems by row and
column, the same rules as the form, re-importing changes nothing, staff and admins only."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from sqlalchemy import Engine, func, select

from db.errors import PermissionDenied
from db.imports import ImportRefused
from db.models import Adoption, AuditEvent, Contract
from db.outcomes import imports, rules
from db.policy import Actor
from db.session import read_session, write_session
from tests import workflow_data as wd
from tests.users import actor_of, cheap_bcrypt, make_user  # noqa: F401

HEADER = "도입 기록 번호,부서,사업명,금액(원),계약일,수량\n"


@pytest.fixture
def setup(migrated_engine: Engine) -> tuple[dict[str, Actor], int]:
    people = {
        n: actor_of(migrated_engine, make_user(migrated_engine, f"{n}.user", r))
        for n, r in {"kim": ["staff"], "admin": ["admin"], "exec": ["executive"]}.items()
    }
    with write_session(migrated_engine) as s:
        aid = wd.adoption(s, wd.tech(s, wd.org(s)), None, status="approved")
        a = s.get(Adoption, aid)
        assert a is not None
        a.approved_on = dt.date(2026, 3, 16)
    return people, aid


def contracts(engine: Engine) -> int:
    with read_session(engine) as s:
        return int(s.execute(select(func.count()).select_from(Contract)).scalar_one())


def run(engine: Engine, actor: Actor, name: str, data: bytes) -> imports.ImportSummary:
    with write_session(engine) as s:
        return imports.import_contracts_file(session=s, actor=actor, filename=name, data=data)


def test_good_file_imported_once(
    migrated_engine: Engine, setup: tuple[dict[str, Actor], int]
) -> None:
    people, aid = setup
    data = (
        HEADER + f'{aid},도로과,시험 포장,"85,000,000",2026-05-04,1200\n'
        f"{aid},도로과,시험 포장 2차,42000000원,2026.06.01,\n"
    ).encode()
    with read_session(migrated_engine) as s:
        checked = imports.check_contracts_file(
            session=s, actor=people["kim"], filename="c.csv", data=data
        )
    assert checked.ok and checked.to_add == 2
    summary = run(migrated_engine, people["kim"], "c.csv", data)
    assert (summary.added, summary.unchanged) == (2, 0)
    again = run(migrated_engine, people["admin"], "c.csv", data)
    assert (again.added, again.unchanged) == (0, 2)
    assert contracts(migrated_engine) == 2
    with read_session(migrated_engine) as s:
        actions = s.execute(select(AuditEvent.action).order_by(AuditEvent.id)).scalars().all()
    assert actions.count("contract.import") == 2
    assert actions.count("import.completed") == 2


def test_bad_rows_refuse_the_whole_file(
    migrated_engine: Engine, setup: tuple[dict[str, Actor], int]
) -> None:
    people, aid = setup
    data = (
        HEADER + f"{aid},도로과,좋은 행,1000,2026-05-04,\n"
        f"{aid},도로과,승인 전,1000,2026-03-13,\n"
        f"{aid},도로과,음수 금액,-5,2026-05-04,\n"
        f"999999,도로과,없는 도입,1000,2026-05-04,\n"
        f"{aid},도로과,미래,1000,2999-01-01,\n"
        f"{aid},도로과,좋은 행,1000,2026-05-04,\n"
    ).encode()
    with pytest.raises(ImportRefused) as err:
        run(migrated_engine, people["kim"], "bad.csv", data)
    got = {(p.row, p.column, p.rule) for p in err.value.result.problems}
    assert got == {
        (3, "계약일", rules.BEFORE_ADOPTION),
        (4, "금액(원)", imports.BAD_NUMBER),
        (5, "도입 기록 번호", imports.UNKNOWN_ADOPTION),
        (6, "계약일", rules.DATE_FUTURE),
        (7, None, "The same record appears in row {first} of this file."),
    }
    assert contracts(migrated_engine) == 0


def test_xlsx_and_roles(migrated_engine: Engine, setup: tuple[dict[str, Actor], int]) -> None:
    people, aid = setup
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(
        ["Adoption record number", "Department", "Project", "Amount (won)", "Contract date"]
    )
    sheet.append([aid, "Roads", "Paving", 5_000_000, dt.date(2026, 7, 1)])
    buf = io.BytesIO()
    book.save(buf)
    with pytest.raises(PermissionDenied):
        run(migrated_engine, people["exec"], "c.xlsx", buf.getvalue())
    assert run(migrated_engine, people["kim"], "c.xlsx", buf.getvalue()).added == 1
