"""The overview served from stored summaries in a real browser: the figures of 2019-08-08,
and the Excel file behind an inline tile, built only when its button is clicked."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
from sqlalchemy import create_engine, func, select

from db.models import StoredSummary
from tests.browser.conftest import AppServer, kpi_tile, screenshot, wait_ready
from tests.browser.test_signin_flow import sign_in


def test_overview_from_stored_summaries_and_excel_on_click(  # type: ignore[no-untyped-def]
    browser, app_server: AppServer, tmp_path: Path
) -> None:
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = ctx.new_page()
    sign_in(page, app_server, "executive.demo")
    for attempt in range(2):  # the first visit computes and stores, the second reads rows
        page.goto(f"{app_server.url}/?as_of=2019-08-08")
        wait_ready(page)
        kpi_tile(page, "Experts registered").wait_for(timeout=30_000)
        body = page.inner_text("body")
        for figure in ("817", "305", "23", "54"):
            assert figure in body, (attempt, figure)
    engine = create_engine(app_server.database_url)
    with engine.connect() as conn:
        stored = conn.execute(select(func.count()).select_from(StoredSummary)).scalar_one()
    engine.dispose()
    assert stored >= 8  # headline x2, trends, pipeline, breakdowns x2, last changed, records
    screenshot(page, "overview-stored-summaries-en")
    page.get_by_role("button", name="Records").first.click()  # the meetings tile's popover
    popover = page.locator("[data-testid='stPopoverBody']").first
    popover.wait_for(timeout=15_000)
    button = popover.get_by_role("button", name="Download Excel")
    button.wait_for(timeout=15_000)
    with page.expect_download(timeout=30_000) as caught:
        button.click()
    download = caught.value
    assert download.suggested_filename == "ntp-meetings-2019-08-08.xlsx"
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    book = openpyxl.load_workbook(io.BytesIO(target.read_bytes()))
    rows = list(book.active.iter_rows(values_only=True))
    assert len(rows) == 1 + 23  # the header and the 23 meetings held by then
    page.keyboard.press("Escape")
    # The same stored figures in Korean (the language is not part of any stored row).
    page.locator("[data-testid='stSidebar'] [role='combobox']").first.click()
    page.get_by_role("option", name="한국어").click()
    wait_ready(page)
    kpi_tile(page, "등록 전문가").wait_for(timeout=30_000)
    body = page.inner_text("body")
    assert "817" in body and "305" in body
    screenshot(page, "overview-stored-summaries-ko")
    ctx.close()
