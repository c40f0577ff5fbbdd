"""Deliberation pages in a real browser: a flag on the fairness panel opens its meeting, a row
of the meeting list opens its record, and both pages render in Korean."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import AppServer, screenshot, wait_ready
from tests.browser.test_signin_flow import sign_in

pytestmark = pytest.mark.browser


def _korean(page: Any) -> None:
    page.get_by_role("combobox").first.click()
    page.get_by_role("option", name="한국어").click()
    page.get_by_text("로그인 중").first.wait_for(timeout=30_000)
    wait_ready(page)


def test_a_flag_opens_its_meeting(browser: Any, app_server: AppServer) -> None:
    ctx = browser.new_context(viewport={"width": 1400, "height": 2400})
    page = ctx.new_page()
    sign_in(page, app_server, "auditor.demo")
    # The panel opens on the last 12 months; the planted 2021 flag is in the period 2021.
    page.goto(f"{app_server.url}/fairness?from=2021-01-01&to=2021-12-31")
    page.get_by_role("heading", name="Flagged records").first.wait_for(timeout=30_000)
    wait_ready(page)
    page.get_by_role("link", name="NTP-2021-04").first.click()
    page.get_by_text("5 of 6 decisions follow from the scores and the rules.").first.wait_for(
        timeout=30_000
    )
    wait_ready(page)
    assert "id=" in page.url
    assert page.locator("[data-testid='stException']").count() == 0
    screenshot(page, "deliberation-meeting-from-flag-en")
    _korean(page)
    assert page.locator("[data-testid='stException']").count() == 0
    screenshot(page, "deliberation-meeting-from-flag-ko")
    ctx.close()


def test_a_row_of_the_list_opens_the_record(browser: Any, app_server: AppServer) -> None:
    """The list shows 50 meetings a page; a row of the second page opens its own record."""
    ctx = browser.new_context(viewport={"width": 1400, "height": 1600})
    page = ctx.new_page()
    sign_in(page, app_server, "staff.demo")
    page.goto(f"{app_server.url}/meetings")
    grid = page.locator("[data-testid='stDataFrame']").first
    grid.wait_for(timeout=30_000)
    wait_ready(page)
    page.get_by_text("Page 1 of").first.wait_for(timeout=30_000)
    page.get_by_role("button", name="Next").click()
    page.get_by_text("Page 2 of").first.wait_for(timeout=30_000)
    wait_ready(page)
    screenshot(page, "meetings-list-page-2-en")
    grid = page.locator("[data-testid='stDataFrame']").first
    box = grid.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + 18, box["y"] + 35 + 17)  # the first row's selection cell
    page.get_by_role("button", name="Back to the list of meetings").first.wait_for(timeout=30_000)
    wait_ready(page)
    assert "id=" in page.url
    assert page.locator("[data-testid='stException']").count() == 0
    _korean(page)
    assert page.locator("[data-testid='stException']").count() == 0
    page.get_by_role("button", name="회의 목록으로 돌아가기").click()
    page.locator("[data-testid='stDataFrame']").first.wait_for(timeout=30_000)
    wait_ready(page)
    screenshot(page, "meetings-list-ko")
    ctx.close()
