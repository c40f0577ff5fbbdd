"""The Import page under AppTest: signed in as admin and staff on a copy of the demo data,
uploading through the real file uploader (AppTest supports ``file_uploader.upload`` since
Streamlit 1.52)."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from db import audit, clock
from db.engine import make_engine
from db.models import AuditEvent, Organization, Technology
from db.session import read_session
from tests.apptest import button, capture_downloads, new_app, page_text, sign_in, text_input

PAGE = "pages/imports.py"
HEADER = ["등록번호", "기술명", "보유 기관", "기술 분야", "신청일"]


def _csv(rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    return buf.getvalue().encode("utf-8-sig")


def _owner(url: str) -> str:
    engine = make_engine(url)
    with read_session(engine) as s:
        owner_id = s.scalar(select(Technology.owner_org_id).order_by(Technology.id).limit(1))
        org = s.get(Organization, owner_id)
        assert org is not None
        result = org.name_ko
    engine.dispose()
    return result


def _state(url: str) -> tuple[int, tuple[int, str]]:
    engine = make_engine(url)
    with read_session(engine) as s:
        counted = s.scalar(select(func.count()).select_from(Technology)) or 0
        head = audit.read_head(s)
    engine.dispose()
    return counted, head


def _open(username: str) -> AppTest:
    at = sign_in(new_app(), username)
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def _upload(at: AppTest, name: str, data: bytes) -> AppTest:
    at.file_uploader[0].upload(name, data, "text/csv")
    at.run()
    assert not at.exception, at.exception
    return at


def test_empty_state_and_templates(app_env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    files = capture_downloads(monkeypatch)
    at = _open("admin.demo")
    assert at.title[0].value == "Import"
    text = page_text(at)
    assert "nothing is written unless the whole file is valid" in text
    assert at.selectbox(key="imp_register").value == "organizations"
    at.selectbox(key="imp_register").set_value("technologies").run()
    assert "technologies-template-en.csv" in files
    header = files["technologies-template-en.csv"].decode("utf-8-sig").splitlines()[0]
    assert header.startswith("Registration number,Title (Korean),")
    assert "technologies-template-en.xlsx" in files


def test_file_with_errors_shows_the_report_and_writes_nothing(
    app_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = capture_downloads(monkeypatch)
    owner = _owner(app_env)
    payload = '=HYPERLINK("http://evil.example","x")'
    rows = [HEADER, ["DG-2026-901", "시험 기술", owner, "bridges", "2026-01-05"]]
    rows.append(["DG-2026-902", "시험 기술 2", payload, "우주", "2026-13-01"])
    at = _open("admin.demo")
    before = _state(app_env)  # (signing in is audited too)
    at.selectbox(key="imp_register").set_value("technologies").run()
    _upload(at, "bad.csv", _csv(rows))
    assert [h.value for h in at.subheader][:1] == ["Problems found"]
    assert "3 problems found in bad.csv. Nothing was imported" in page_text(at)
    frame = at.table[-1].value
    assert list(frame.columns) == ["Row", "Column", "Value", "Problem"]
    assert list(frame["Row"]) == [3, 3, 3]
    assert list(frame["Column"]) == ["보유 기관", "기술 분야", "신청일"]
    assert not [b for b in at.button if b.label.startswith("Import ")]
    assert _state(app_env) == before
    # The downloadable report holds the offending value, neutralised for spreadsheets.
    report = next(v for k, v in files.items() if k.startswith("import-report-"))
    cells = list(csv.reader(io.StringIO(report.decode("utf-8-sig"))))
    assert cells[0] == ["Row", "Column", "Value", "Problem"]
    assert cells[1][:3] == ["3", "보유 기관", "'" + payload]


def test_valid_file_previews_confirms_and_imports(app_env: str) -> None:
    owner = _owner(app_env)
    rows = [HEADER]
    today = clock.city_today().isoformat()  # a normal import dates nothing in the past
    rows += [[f"DG-2026-9{n:02d}", f"시험 기술 {n}", owner, "교량", today] for n in range(3)]
    at = _open("staff.demo")
    before_count, before_head = _state(app_env)
    at.selectbox(key="imp_register").set_value("technologies").run()
    _upload(at, "good.csv", _csv(rows))
    assert "Ready to import" in [h.value for h in at.subheader]
    assert "No problems in good.csv: 3 to add, 0 to update, 0 unchanged." in page_text(at)
    run = next(b for b in at.button if b.label == "Import 3 records")
    assert run.disabled  # confirmation first
    next(c for c in at.checkbox if c.label.startswith("I have checked")).check().run()
    next(b for b in at.button if b.label == "Import 3 records").click().run()
    assert not at.exception, at.exception
    assert "good.csv imported into Technologies: 3 added, 0 updated, 0 unchanged." in page_text(at)
    count, head = _state(app_env)
    assert count == before_count + 3
    assert head[0] == before_head[0] + 4  # three records and the import
    engine = make_engine(app_env)
    with read_session(engine) as s:
        last = s.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)).one()
        assert (last.action, last.actor_name) == ("import.completed", "staff.demo")
    engine.dispose()
    # The same file again: nothing to change.
    _upload(at, "good.csv", _csv(rows))
    assert "0 to add, 0 to update, 3 unchanged" in page_text(at)


def test_not_a_csv_is_explained(app_env: str) -> None:
    at = _open("admin.demo")
    before = _state(app_env)
    _upload(at, "photo.csv", b"\x89PNG\r\n\x1a\n" + bytes(64))
    assert "Problems found" in [h.value for h in at.subheader]
    assert "it is not CSV text: its content is a PNG image" in at.table[-1].value.iloc[0, 3]
    assert _state(app_env) == before


def open_korean(monkeypatch: pytest.MonkeyPatch, username: str = "admin.demo") -> AppTest:
    """The Import page in Korean, signed in through the Korean sign-in form."""
    monkeypatch.setenv("NTP_LANG", "ko")
    at = new_app()
    text_input(at, "사용자 이름").input(username)
    text_input(at, "비밀번호").input("ntp-demo-2019-08-08")
    button(at, "로그인").click()
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def test_korean_page(app_env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    at = open_korean(monkeypatch)
    assert at.title[0].value == "일괄 등록"
    _upload(at, "빈.csv", "기관명,기관 유형,지역\n새 기관,없는유형,대구광역시\n".encode("cp949"))
    assert "발견된 문제" in [h.value for h in at.subheader]
    frame = at.table[-1].value
    assert list(frame.columns) == ["행", "열", "값", "문제"]
    assert (frame.iloc[0, 0], frame.iloc[0, 1]) == (2, "기관 유형")
