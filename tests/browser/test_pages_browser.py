"""Each page in a real browser, in Korean and English: it renders, with no exception box."""

from __future__ import annotations

import pytest

from tests.browser.conftest import AppServer, not_found, screenshot, wait_ready
from tests.browser.test_signin_flow import sign_in

pytestmark = pytest.mark.browser

# (account, url path, title in English, title in Korean)
PAGES = [
    ("executive.demo", "", "New Technology Platform", "신기술 플랫폼"),
    ("admin.demo", "", "Administration", "시스템 관리"),  # the admin's default page is at /
    ("staff.demo", "account", "My account", "내 계정"),
]


@pytest.mark.parametrize(("account", "path", "title_en", "title_ko"), PAGES)
def test_page_in_both_languages(
    browser,
    app_server: AppServer,
    account: str,
    path: str,  # type: ignore[no-untyped-def]
    title_en: str,
    title_ko: str,
) -> None:
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = ctx.new_page()
    sign_in(page, app_server, account)
    page.goto(f"{app_server.url}/{path}")
    page.get_by_role("heading", name=title_en).first.wait_for(timeout=30_000)
    wait_ready(page)
    assert page.locator("[data-testid='stException']").count() == 0
    assert not_found(page).count() == 0
    screenshot(page, f"page-{account.split('.')[0]}-{path or 'default'}-en")

    page.get_by_role("combobox").first.click()
    page.get_by_role("option", name="한국어").click()
    page.get_by_role("heading", name=title_ko).first.wait_for(timeout=30_000)
    wait_ready(page)
    assert page.locator("[data-testid='stException']").count() == 0
    assert page.get_by_text("로그인 중").count() == 1
    screenshot(page, f"page-{account.split('.')[0]}-{path or 'default'}-ko")
    ctx.close()
