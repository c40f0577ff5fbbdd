"""The Import page in a real browser: upload with Playwright's ``set_input_files``, see the
report of a bad file, import a good one, in English and Korean (screenshots of each step)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from sqlalchemy import func, select

from db import clock
from db.engine import make_engine
from db.models import Organization, Technology
from db.session import read_session
from tests.browser.conftest import (
    AppServer,
    rerun_after,
    screenshot,
    start_app,
    stop_app,
    wait_ready,
)
from tests.browser.test_signin_flow import sign_in

pytestmark = pytest.mark.browser

HEADER_KO = ["등록번호", "기술명", "보유 기관", "기술 분야", "신청일"]
HEADER_EN = ["Registration number", "Title (Korean)", "Owner organization", "Technical field"]
HEADER_EN.append("Submitted on")


def _csv(rows: list[list[str]], encoding: str = "utf-8-sig") -> bytes:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    return buf.getvalue().encode(encoding)


def _owner_and_count(url: str) -> tuple[str, int]:
    engine = make_engine(url)
    with read_session(engine) as s:
        owner_id = s.scalar(select(Technology.owner_org_id).order_by(Technology.id).limit(1))
        org = s.get(Organization, owner_id)
        assert org is not None
        count = s.scalar(select(func.count()).select_from(Technology)) or 0
        name = org.name_ko
    engine.dispose()
    return name, count


@pytest.fixture
def server(tmp_path: Path, seeded_sqlite_file: Path):
    app = start_app(tmp_path, seeded_sqlite_file)
    yield app
    stop_app(app)


def _open_import(page, server: AppServer, heading: str) -> None:
    page.goto(f"{server.url}/imports")
    page.get_by_role("heading", name=heading).first.wait_for(timeout=30_000)
    wait_ready(page)


def _choose_register(page, label: str, option: str) -> None:
    page.get_by_label(label).click()  # the register selectbox
    page.get_by_role("option", name=option).click()
    wait_ready(page)


def _upload(page, name: str, data: bytes) -> None:
    box = page.locator("[data-testid='stFileUploader'] input[type='file']")
    rerun_after(
        page,
        lambda: box.set_input_files(files=[{"name": name, "mimeType": "text/csv", "buffer": data}]),
    )


def test_import_report_and_summary_in_english(browser, server: AppServer) -> None:
    owner, before = _owner_and_count(server.database_url)
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = ctx.new_page()
    sign_in(page, server, "admin.demo")
    _open_import(page, server, "Import")
    assert page.get_by_text("nothing is written unless the whole file is valid").count() == 1
    screenshot(page, "import-empty-en")

    _choose_register(page, "Register to import into", "Technologies")
    page.get_by_text("Templates and column guide").click()
    page.get_by_role("button", name="Excel template").first.wait_for(timeout=30_000)
    screenshot(page, "import-templates-en")
    bad = [HEADER_EN, ["DG-2026-901", "시험 기술", owner, "Bridges", "2026-01-05"]]
    bad.append(["DG-2026-902", '=HYPERLINK("http://x")', "No such firm", "Space", "2026-02-30"])
    _upload(page, "with-errors.csv", _csv(bad))
    page.get_by_role("heading", name="Problems found").first.wait_for(timeout=30_000)
    page.get_by_text("3 problems found in with-errors.csv").first.wait_for(timeout=30_000)
    page.get_by_role("cell", name="No such firm").first.wait_for(timeout=30_000)
    assert page.locator("[data-testid='stException']").count() == 0
    screenshot(page, "import-report-en")
    assert _owner_and_count(server.database_url)[1] == before

    today = clock.city_today().isoformat()  # a normal import dates nothing in the past
    good = [HEADER_EN] + [
        [f"DG-2026-9{n:02d}", f"시험 기술 {n}", owner, "Bridges", today] for n in range(3)
    ]
    _upload(page, "good.csv", _csv(good))
    page.get_by_role("heading", name="Ready to import").first.wait_for(timeout=30_000)
    wait_ready(page)
    screenshot(page, "import-preview-en")
    page.get_by_text("I have checked the summary and the preview.").click()
    wait_ready(page)
    page.get_by_role("button", name="Import 3 records").click()
    page.get_by_role("heading", name="Import finished").first.wait_for(timeout=60_000)
    wait_ready(page)
    assert page.get_by_text("3 added, 0 updated, 0 unchanged").count() == 1
    screenshot(page, "import-summary-en")
    assert _owner_and_count(server.database_url)[1] == before + 3
    ctx.close()


def test_import_report_and_summary_in_korean(browser, server: AppServer) -> None:
    owner, before = _owner_and_count(server.database_url)
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = ctx.new_page()
    sign_in(page, server, "staff.demo")
    _open_import(page, server, "Import")
    page.get_by_role("combobox").first.click()  # the language, in the sidebar
    page.get_by_role("option", name="한국어").click()
    page.get_by_role("heading", name="일괄 등록").first.wait_for(timeout=30_000)
    wait_ready(page)
    screenshot(page, "import-empty-ko")

    _choose_register(page, "등록할 등록부", "기술")
    today = clock.city_today().isoformat()
    bad = [HEADER_KO, ["DG-2026-901", "시험 기술", owner, "교량", today]]
    bad.append(["DG-2026-902", "시험 기술 2", owner, "우주", today])
    _upload(page, "오류.csv", _csv(bad, encoding="cp949"))
    page.get_by_role("heading", name="발견된 문제").first.wait_for(timeout=30_000)
    page.get_by_role("cell", name="우주").first.wait_for(timeout=30_000)
    screenshot(page, "import-report-ko")
    assert _owner_and_count(server.database_url)[1] == before

    bad[2][3] = "교량"
    _upload(page, "수정.csv", _csv(bad, encoding="cp949"))
    page.get_by_role("heading", name="등록 준비 완료").first.wait_for(timeout=30_000)
    wait_ready(page)
    screenshot(page, "import-preview-ko")
    page.get_by_text("요약과 미리 보기를 확인했습니다.").click()
    wait_ready(page)
    page.get_by_role("button", name="2건 등록").click()
    page.get_by_role("heading", name="등록 완료").first.wait_for(timeout=60_000)
    wait_ready(page)
    screenshot(page, "import-summary-ko")
    assert _owner_and_count(server.database_url)[1] == before + 2
    ctx.close()
