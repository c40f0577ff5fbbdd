"""A small import reads only what its file refers to, on SQLite and PostgreSQL.

The database holds far more records than the file (1,200 organizations, technologies and
experts, 300 inquiries). Checking and importing a 20-row file of each register must fetch a
number of rows bounded by the file, not by the register; and what the bounded lookups find
must be exactly what a read of every record finds (forced here by ``FULL_READ = 0``), also for
names that only match once normalised (full-width letters, double spaces, case) and for two
organizations whose names normalise alike.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import ORMExecuteState, Session

from db import clock, imports
from db.imports import checking
from db.models import Expert, Inquiry, Organization, Technology
from db.policy import Actor
from db.session import read_session, write_session

STAFF = Actor(id=None, username="import.staff", roles=frozenset({"staff"}))
BIG = 1200
SMALL = 20
BOUND = 120  # rows a 20-row file may fetch: a few per row, never the register
# The import seals the records it writes from the rows its statements return (issue #17):
# no read back, so the write stays within the same bound.

HEADERS = {
    "organizations": ["Name (Korean)", "Name (English)", "Kind", "Region", "Country"],
    "technologies": [
        "Registration number",
        "Title (Korean)",
        "Owner organization",
        "Technical field",
        "Submitted on",
    ],
    "experts": [
        "Name",
        "Organization",
        "Affiliation",
        "Registered on",
        "Technical fields",
        "Declared ties",
    ],
    "inquiries": ["Organization", "Received on", "Channel", "Topic", "Status"],
}
IRREGULAR = "ＡＬＰＨＡ  건설"  # full-width letters and a double space: "alpha 건설" normalised


def iso(offset: int = 0) -> str:
    """Today in the city, or ``offset`` days later (a normal import dates nothing earlier)."""
    return (clock.city_today() + dt.timedelta(days=offset)).isoformat()


def org_row(i: int) -> list[str]:
    return [f"시험기관 {i}", f"Test Org {i}", "company", "Daegu", "KR"]


def tech_row(i: int, owner: str | None = None) -> list[str]:
    return [
        f"DG-2020-{i:04d}",
        f"시험 기술 {i}",
        owner or f"시험기관 {i % 400}",
        "bridges",
        iso(),
    ]


def expert_row(i: int) -> list[str]:
    tie = f"시험기관 {(i + 1) % 400} | employment | 2015-01-01"
    return [f"전문가 {i}", f"Test Org {i % 400}", "industry", iso(), "bridges; roads", tie]


def inquiry_row(i: int) -> list[str]:
    return [f"시험기관 {i % 400}", iso(1 + i % 28), "visit", f"벤치마킹 {i}", "received"]


ROWS = {
    "organizations": org_row,
    "technologies": tech_row,
    "experts": expert_row,
    "inquiries": inquiry_row,
}


def csv_bytes(register: str, rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows([HEADERS[register], *rows])
    return buf.getvalue().encode("utf-8")


def run_import(engine: Engine, register: str, rows: list[list[str]]) -> imports.ImportSummary:
    from components.imports import vocabulary

    with write_session(engine) as s:
        return imports.import_file(
            session=s,
            actor=STAFF,
            register=register,
            filename=f"{register}.csv",
            data=csv_bytes(register, rows),
            vocabulary=vocabulary(),
        )


@contextmanager
def fetched_rows(session: Session) -> Iterator[list[int]]:
    """Counts the rows every SELECT of ``session`` returns (one entry per statement)."""
    counts: list[int] = []

    def count(state: ORMExecuteState) -> Any:
        if not state.is_select:
            return None
        frozen = state.invoke_statement().freeze()
        counts.append(len(frozen.data))
        return frozen()

    event.listen(session, "do_orm_execute", count)
    try:
        yield counts
    finally:
        event.remove(session, "do_orm_execute", count)


def checked(engine: Engine, register: str, rows: list[list[str]]) -> tuple[dict[str, Any], int]:
    from components.imports import vocabulary

    with read_session(engine) as s, fetched_rows(s) as counts:
        result = imports.check_file(
            session=s,
            actor=STAFF,
            register=register,
            filename="small.csv",
            data=csv_bytes(register, rows),
            vocabulary=vocabulary(),
        )
    return asdict(result), sum(counts)


@pytest.fixture
def big(migrated_engine: Engine) -> Engine:
    """A database with many more records of every register than the small files."""
    run_import(migrated_engine, "organizations", [org_row(i) for i in range(BIG)])
    run_import(
        migrated_engine,
        "organizations",
        [
            [IRREGULAR, "Alpha Construction", "company", "Daegu", "KR"],
            ["알파 베타", "Alpha Beta", "company", "Daegu", "KR"],
            ["알파  베타", "Alpha Beta University", "university", "Daegu", "KR"],
        ],
    )
    run_import(migrated_engine, "technologies", [tech_row(i) for i in range(BIG)])
    run_import(migrated_engine, "experts", [expert_row(i) for i in range(BIG)])
    run_import(migrated_engine, "inquiries", [inquiry_row(i) for i in range(300)])
    with read_session(migrated_engine) as s:
        for model in (Organization, Technology, Expert):
            assert (s.scalar(select(func.count()).select_from(model)) or 0) >= BIG
        assert s.scalar(select(func.count()).select_from(Inquiry)) == 300
    return migrated_engine


@pytest.mark.parametrize("register", list(ROWS))
def test_small_file_reads_only_what_it_refers_to(
    big: Engine, register: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    make = ROWS[register]
    first = 300 if register == "inquiries" else BIG
    # 10 rows already in the register (unchanged), 10 new ones.
    rows = [make(i) for i in range(500, 510)] + [make(first + 5000 + i) for i in range(10)]
    if register == "inquiries":
        rows = [make(i) for i in range(100, 110)] + [
            [f"시험기관 {i}", iso(40), "visit", f"새 문의 {i}", "received"] for i in range(10)
        ]
    result, fetched = checked(big, register, rows)
    assert result["problem_total"] == 0, result["problems"][:3]
    assert (result["to_add"], result["to_update"], result["unchanged"]) == (10, 0, 10)
    assert fetched <= BOUND, f"{fetched} rows fetched to check {SMALL} rows"

    # The same answer as reading every record, which fetches the whole register.
    monkeypatch.setattr(checking, "FULL_READ", 0)
    full, fetched_full = checked(big, register, rows)
    assert full == result
    assert fetched_full > 300

    # The import checks again in its write transaction: bounded by the file as well.
    monkeypatch.setattr(checking, "FULL_READ", 5_000)
    from components.imports import vocabulary

    with write_session(big) as s, fetched_rows(s) as counts:
        done = imports.import_file(
            session=s,
            actor=STAFF,
            register=register,
            filename="small.csv",
            data=csv_bytes(register, rows),
            vocabulary=vocabulary(),
        )
    assert (done.added, done.updated, done.unchanged) == (10, 0, 10)
    assert sum(counts) <= BOUND, counts
    again, _ = checked(big, register, rows)
    assert (again["to_add"], again["to_update"], again["unchanged"]) == (0, 0, 20)


def test_names_that_match_only_once_normalised(
    big: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [
        tech_row(9001, owner="alpha 건설"),  # stored as "ＡＬＰＨＡ  건설"
        tech_row(9002, owner="ALPHA CONSTRUCTION"),  # its English name, in capitals
        tech_row(9003, owner="알파 베타"),  # two organizations: "알파 베타" and "알파  베타"
        tech_row(9004, owner="시험기관  7"),  # a double space in the file
        tech_row(9005, owner="Test org 8"),
        ["DG-2020-0007", "시험 기술 7", "시험기관 7", "bridges", iso()],  # unchanged
        ["DG-2020-9006", " 시험  기술 8 ", "test org 8", "bridges", iso()],  # title taken
    ]
    without_ambiguous = rows[:2] + rows[3:]
    expected = [
        (
            rows,
            {(4, checking.AMBIGUOUS_ORG)},
        ),  # rows are compared with the register only without it
        (without_ambiguous, {(7, checking.DUPLICATE_TITLE)}),
    ]
    for file_rows, problems in expected:
        monkeypatch.setattr(checking, "FULL_READ", 5_000)
        result, fetched = checked(big, "technologies", file_rows)
        assert {(p["row"], p["rule"]) for p in result["problems"]} == problems
        assert fetched <= BOUND
        monkeypatch.setattr(checking, "FULL_READ", 0)
        full, _ = checked(big, "technologies", file_rows)
        assert full == result
    assert "DG-2020-0008" in str(result["problems"][0]["params"])

    fine = [r for i, r in enumerate(rows) if i not in (2, 6)]
    monkeypatch.setattr(checking, "FULL_READ", 5_000)
    result, _ = checked(big, "technologies", fine)
    assert (result["to_add"], result["unchanged"]) == (4, 1), result["problems"][:3]
    run_import(big, "technologies", fine)
    with read_session(big) as s:
        owners = dict(
            s.execute(
                select(Technology.reg_no, Organization.name_ko)
                .join(Organization, Organization.id == Technology.owner_org_id)
                .where(Technology.reg_no.in_([r[0] for r in fine]))
            ).all()
        )
    assert owners == {
        "DG-2020-9001": IRREGULAR,
        "DG-2020-9002": IRREGULAR,
        "DG-2020-9004": "시험기관 7",
        "DG-2020-9005": "시험기관 8",
        "DG-2020-0007": "시험기관 7",
    }


def test_organization_lookups_use_their_indexes(migrated_engine: Engine) -> None:
    """On SQLite (whose planner takes an index whatever the table's size), every statement
    the check runs on ``organizations`` searches an index: the expression indexes on
    ``lower(name_ko)``/``lower(name_en)`` and the partial index of irregular names, whose
    condition must stay the one the check uses (migration 0008, ``IRREGULAR_ORG_NAMES``)."""
    if migrated_engine.dialect.name != "sqlite":  # its planner chooses by cost: indexes exist
        with migrated_engine.connect() as conn:
            defined = dict(
                conn.exec_driver_sql(
                    "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'organizations'"
                ).all()
            )
        assert "lower((name_ko)::text)" in defined["ix_organizations_name_ko_lower"]
        assert "lower((name_en)::text)" in defined["ix_organizations_name_en_lower"]
        assert "WHERE" in defined["ix_organizations_irregular_names"]
        return
    run_import(migrated_engine, "organizations", [org_row(i) for i in range(30)])
    statements: list[tuple[str, Any]] = []

    def remember(conn: Any, cursor: Any, statement: str, params: Any, *args: Any) -> None:
        if "FROM organizations" in statement and statement.lstrip().startswith("SELECT"):
            statements.append((statement, params))

    event.listen(migrated_engine, "before_cursor_execute", remember)
    try:
        result, _ = checked(migrated_engine, "technologies", [tech_row(1, owner="test org 2")])
    finally:
        event.remove(migrated_engine, "before_cursor_execute", remember)
    assert result["to_add"] == 1
    assert len(statements) == 3
    with migrated_engine.connect() as conn:
        for statement, params in statements:
            plan = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params).all()
            details = " ".join(str(row[-1]) for row in plan)
            assert "USING INDEX ix_organizations_" in details, (statement, details)
