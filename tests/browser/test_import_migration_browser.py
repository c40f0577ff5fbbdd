"""A historical migration in a real browser: the administrator submits a 2019 record, the
approver confirms it after ticking the box (screenshots of each step); nothing is written
before the confirmation."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from db.engine import make_engine
from db.models import ImportMigration, Technology
from db.session import read_session
from tests.browser.conftest import (
    AppServer,
    rerun_after,
    screenshot,
    start_app,
    stop_app,
    wait_ready,
)
from tests.browser.test_import_page import _csv, _open_import, _owner_and_count, _upload
from tests.browser.test_signin_flow import sign_in

pytestmark = pytest.mark.browser

HEADER = ["Registration number", "Title (Korean)", "Owner organization", "Technical field"]
HEADER += ["Submitted on", "Status", "Registered on"]


@pytest.fixture
def server(tmp_path: Path, seeded_sqlite_file: Path):  # type: ignore[no-untyped-def]
    app = start_app(tmp_path, seeded_sqlite_file)
    yield app
    stop_app(app)


def _migrations(url: str) -> int:
    engine = make_engine(url)
    with read_session(engine) as s:
        n = s.scalar(select(func.count()).select_from(ImportMigration)) or 0
    engine.dispose()
    return n


def test_admin_submits_and_the_approver_confirms(browser, server: AppServer) -> None:  # type: ignore[no-untyped-def]
    owner, before = _owner_and_count(server.database_url)
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = ctx.new_page()
    sign_in(page, server, "admin.demo")
    _open_import(page, server, "Import")
    rerun_after(
        page,
        lambda: page.get_by_text("Historical migration (confirmed by a second person)").click(),
    )
    page.get_by_label("Register to import into").first.click()
    rerun_after(page, lambda: page.get_by_role("option", name="Technologies").click())
    row = ["DG-2019-961", "이관 기술", owner, "Bridges", "2019-03-04", "registered", "2019-07-30"]
    rerun_after(page, lambda: _upload(page, "history.csv", _csv([HEADER, row])))
    page.get_by_role("heading", name="Ready to submit as a historical migration").first.wait_for(
        timeout=30_000
    )
    screenshot(page, "migration-ready-en")
    rerun_after(
        page,
        lambda: page.get_by_text(
            "I have checked the summary and the preview of this history."
        ).click(),
    )
    page.get_by_role("button", name="Submit for confirmation").click()
    page.get_by_text("Nothing was written to the registers yet.").first.wait_for(timeout=30_000)
    wait_ready(page)
    page.get_by_text("You submitted this migration").first.wait_for(timeout=30_000)
    screenshot(page, "migration-submitted-en")
    assert _owner_and_count(server.database_url)[1] == before
    assert _migrations(server.database_url) == 1
    ctx.close()

    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = ctx.new_page()
    sign_in(page, server, "approver.demo")
    _open_import(page, server, "Import")
    page.get_by_role("heading", name="Migrations waiting for confirmation").first.wait_for(
        timeout=30_000
    )
    expect(page.get_by_role("button", name="Confirm and write").first).to_be_disabled()
    wait_ready(page)
    screenshot(page, "migration-pending-en")
    rerun_after(page, lambda: page.get_by_text("I have checked this file").first.click())
    page.get_by_role("button", name="Confirm and write").first.click()
    page.get_by_text("confirmed: 1 added, 0 updated").first.wait_for(timeout=60_000)
    wait_ready(page)
    screenshot(page, "migration-confirmed-en")
    assert page.locator("[data-testid='stException']").count() == 0
    assert _owner_and_count(server.database_url)[1] == before + 1
    engine = make_engine(server.database_url)
    with read_session(engine) as s:
        assert s.scalar(select(Technology.status).where(Technology.reg_no == "DG-2019-961")) == (
            "registered"
        )
    engine.dispose()
    ctx.close()
