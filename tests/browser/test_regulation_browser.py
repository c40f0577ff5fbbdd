"""The regulation page in a real browser: its versions, the rules of the version in force and
the administrator's draft form render in English and Korean without an error (screenshots
under artifacts/screenshots)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import AppServer, screenshot, settle, wait_ready
from tests.browser.test_deliberation_browser import _korean
from tests.browser.test_signin_flow import sign_in

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("who", ["admin.demo", "approver.demo"])
def test_the_regulation_page_renders_in_both_languages(
    browser: Any, app_server: AppServer, who: str
) -> None:
    ctx = browser.new_context(viewport={"width": 1400, "height": 2000})
    page = ctx.new_page()
    sign_in(page, app_server, who)
    page.goto(f"{app_server.url}/regulation")
    page.get_by_role("heading", name="Versions", exact=True).first.wait_for(timeout=30_000)
    settle(page)  # a fresh page load may rerun once more while it settles
    page.get_by_text("In force today").first.wait_for(timeout=30_000)
    page.get_by_role("heading", name="Rules of a version").first.wait_for(timeout=30_000)
    if who == "admin.demo":
        page.get_by_text("Draft a new version").click()
        page.get_by_text("Quorum per kind of meeting").first.wait_for(timeout=30_000)
        wait_ready(page)
    else:
        page.get_by_role("heading", name="Drafts waiting for approval").first.wait_for(
            timeout=30_000
        )
    assert page.locator("[data-testid='stException']").count() == 0
    name = who.split(".")[0]
    screenshot(page, f"regulation-{name}-en")
    _korean(page)
    page.get_by_role("heading", name="버전 목록", exact=True).first.wait_for(timeout=30_000)
    assert page.locator("[data-testid='stException']").count() == 0
    screenshot(page, f"regulation-{name}-ko")
    ctx.close()
