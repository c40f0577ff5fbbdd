"""A page opened by its address (typed, bookmarked, reloaded) shows that page and nothing
else, also when it is the role's default page; the app's root still opens the default page."""

from __future__ import annotations

import pytest

from tests.browser.conftest import AppServer, not_found, screenshot, wait_ready
from tests.browser.test_signin_flow import sign_in

pytestmark = pytest.mark.browser

# (account, its default page's address, that page's heading)
DEFAULTS = [
    ("executive.demo", "overview", "New Technology Platform"),
    ("admin.demo", "administration", "Administration"),
]


@pytest.mark.parametrize(("account", "path", "heading"), DEFAULTS)
def test_default_page_by_its_address_has_no_page_not_found(
    browser, app_server: AppServer, account: str, path: str, heading: str
) -> None:  # type: ignore[no-untyped-def]
    ctx = browser.new_context(viewport={"width": 1440, "height": 1000})
    page = ctx.new_page()
    sign_in(page, app_server, account)  # at the app's root: the default page
    page.get_by_role("heading", name=heading).first.wait_for(timeout=30_000)

    for _reload in range(2):  # typed, then reloaded
        page.goto(f"{app_server.url}/{path}")
        page.get_by_role("heading", name=heading).first.wait_for(timeout=30_000)
        wait_ready(page)
        page.wait_for_load_state("networkidle")
        assert not_found(page).count() == 0
        assert page.url == f"{app_server.url}/{path}"
    screenshot(page, f"address-{account.split('.')[0]}-{path}-en")
    ctx.close()
