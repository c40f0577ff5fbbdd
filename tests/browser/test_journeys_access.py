"""Direct URLs to pages outside a role, in Chromium on a real server: for each role, every
page it must not see is "page not found" (the role's default page stays behind the notice),
its title is not shown and the navigation does not offer it."""

from __future__ import annotations

from typing import Any

import pytest

from components.i18n import translate_in
from components.navigation import PAGES, pages_for
from tests.apptest import ROLE_ACCOUNTS
from tests.browser.conftest import AppServer, not_found, screenshot, wait_ready
from tests.browser.test_signin_flow import sign_in

pytestmark = pytest.mark.browser
ROLES = {"approver": ("staff", "approver")}


@pytest.mark.parametrize("role", sorted(ROLE_ACCOUNTS))
def test_pages_outside_the_role_are_not_found(
    browser: Any, app_server: AppServer, role: str
) -> None:
    held = ROLES.get(role, (role,))
    allowed = {p.url_path for p in pages_for(held)}
    forbidden = [p for p in PAGES if p.url_path not in allowed]
    assert forbidden or role == "approver"
    ctx = browser.new_context(viewport={"width": 1400, "height": 900})
    page = ctx.new_page()
    sign_in(page, app_server, ROLE_ACCOUNTS[role])
    for spec in forbidden:
        page.goto(f"{app_server.url}/{spec.url_path}")
        wait_ready(page)
        page.get_by_text("Signed in as").first.wait_for(timeout=30_000)
        not_found(page, "en").first.wait_for(timeout=15_000)
        wait_ready(page)
        title = translate_in("en", spec.title)
        headings = page.locator("h1").all_inner_texts()
        assert title not in headings, (role, spec.url_path, headings)
        # Nor is it offered in the navigation.
        links = page.locator(f"[data-testid='stSidebarNav'] a[href$='/{spec.url_path}']")
        assert links.count() == 0, (role, spec.url_path)
        if spec is forbidden[0]:
            screenshot(page, f"access-{role}-typed-{spec.url_path}-en")
        page.keyboard.press("Escape")
    ctx.close()
