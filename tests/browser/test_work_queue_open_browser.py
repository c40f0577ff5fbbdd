"""The work queue's rows open their item with its actions beside it (issue 16, item 8): a
click on a row of "To screen" opens, under the lists, the tab of the form that moves it on,
with the technology chosen in the form and its facts above it."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.conftest import AppServer, screenshot, settle
from tests.browser.test_signin_flow import sign_in

pytestmark = pytest.mark.browser


def test_a_row_of_to_screen_opens_its_form(browser: Any, app_server: AppServer) -> None:
    ctx = browser.new_context(viewport={"width": 1440, "height": 1400})
    page = ctx.new_page()
    sign_in(page, app_server, "staff.demo")
    page.goto(f"{app_server.url}/work_queue")
    grid = page.locator("[data-testid='stDataFrame']").first
    grid.wait_for(timeout=30_000)
    settle(page)
    # the first row's registration number, as the grid lists it for screen readers
    row = grid.locator("[role='row']").nth(1)
    row.wait_for(state="attached", timeout=30_000)
    found = re.search(r"[A-Z]+-\d{4}-\d+", row.text_content() or "")
    assert found, row.text_content()
    reg_no = found.group(0)
    box = grid.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + 18, box["y"] + 35 + 17)  # the first row's selection cell
    page.get_by_text("Open the technology's whole record").first.wait_for(timeout=30_000)
    settle(page)
    active = page.locator("[role='tab'][aria-selected='true']")
    assert "Move a technology forward" in active.all_inner_texts()
    chosen = page.get_by_role("combobox", name="Technology").first
    assert (
        reg_no in (chosen.input_value() or chosen.inner_text() or "")
        or page.locator("[data-testid='stSelectbox']").filter(has_text=reg_no).count()
    )
    assert page.locator("[data-testid='stException']").count() == 0
    screenshot(page, "work-queue-opened-item-en")
    page.get_by_role("button", name="Close").first.click()
    page.get_by_text("Open the technology's whole record").first.wait_for(
        state="detached", timeout=30_000
    )
    ctx.close()
