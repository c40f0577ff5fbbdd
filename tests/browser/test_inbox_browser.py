"""The inbox in the sidebar and the message choices on My account in a real browser, in
English and in Korean (approver.demo: staff and approver); screenshots in artifacts/."""

from __future__ import annotations

from tests.browser.conftest import ARTIFACTS, AppServer, screenshot, settle, wait_ready
from tests.browser.test_signin_flow import sign_in

WORDS = {
    "en": ("Decisions pending", "My account", "Messages by e-mail"),
    "ko": ("결정 대기", "내 계정", "전자우편 메시지"),
}


def test_inbox_and_subscriptions_in_both_languages(browser, app_server: AppServer) -> None:  # type: ignore[no-untyped-def]
    ctx = browser.new_context(viewport={"width": 1400, "height": 1700})
    page = ctx.new_page()
    sign_in(page, app_server, "approver.demo")
    for lang in ("en", "ko"):
        if lang == "ko":
            page.locator("[data-testid='stSidebar'] [role='combobox']").first.click()
            page.get_by_role("option", name="한국어").click()
            wait_ready(page)
        pending, account, heading = WORDS[lang]
        sidebar = page.locator("[data-testid='stSidebar']")
        link = sidebar.locator("[data-testid='stPageLink'] a", has_text=pending).first
        link.wait_for(timeout=30_000)
        assert "approvals" in (link.get_attribute("href") or "")
        settle(page)
        sidebar.screenshot(path=str(ARTIFACTS / f"inbox-sidebar-approver-{lang}.png"))
        more = page.locator("[data-testid='stSidebarNavViewButton']")
        if (
            more.count()
            and account not in page.locator("[data-testid='stSidebarNav']").inner_text()
        ):
            more.first.click()  # the menu shows its first ten pages until asked for more
        page.locator("[data-testid='stSidebarNav'] a", has_text=account).first.click()
        page.wait_for_url("**/account", timeout=30_000)
        wait_ready(page)
        page.get_by_role("heading", name=heading).first.wait_for(timeout=30_000)
        settle(page)
        screenshot(page, f"account-subscriptions-approver-{lang}")
    ctx.close()
