"""Settings kept in the page's address survive a visit to another page and a language
switch: the inquiries' "waiting longer than (days)" came back as 0 (``?overdue_days=0``)."""

from __future__ import annotations

import pytest

from tests.browser.conftest import AppServer, screenshot, wait_ready
from tests.browser.test_signin_flow import sign_in

pytestmark = pytest.mark.browser
DAYS_EN, DAYS_KO = "Waiting longer than (days)", "회신 대기 기준(일)"


def switch_language(page, name: str) -> None:  # type: ignore[no-untyped-def]
    page.get_by_role("combobox").first.click()
    page.get_by_role("option", name=name).click()
    wait_ready(page)


def days_shown(page, label: str) -> str:  # type: ignore[no-untyped-def]
    box = page.get_by_role("spinbutton", name=label).first
    box.wait_for(timeout=30_000)
    wait_ready(page)
    return str(box.input_value())


def test_the_overdue_setting_survives_another_page_and_a_language_switch(
    browser, app_server: AppServer
) -> None:  # type: ignore[no-untyped-def]
    ctx = browser.new_context(viewport={"width": 1440, "height": 1000})
    page = ctx.new_page()
    sign_in(page, app_server, "executive.demo")
    page.goto(f"{app_server.url}/inquiries?overdue_days=30")
    assert days_shown(page, DAYS_EN) == "30"
    switch_language(page, "한국어")
    assert days_shown(page, DAYS_KO) == "30"
    assert "overdue_days=30" in page.url
    page.goto(f"{app_server.url}/inquiries")  # (a new browser session: English again)
    assert days_shown(page, DAYS_EN) == "14"
    switch_language(page, "한국어")
    assert days_shown(page, DAYS_KO) == "14"

    # to the overview and back (the sidebar), switching the language on the way
    page.get_by_role("link", name="현황").first.click()
    page.get_by_text("로그인 중").first.wait_for(timeout=30_000)
    wait_ready(page)
    switch_language(page, "English")
    page.get_by_role("link", name="Inquiries").first.click()
    assert days_shown(page, DAYS_EN) == "14"  # the address has no setting: the default
    assert "overdue_days" not in page.url
    screenshot(page, "inquiries-after-another-page-en")
    ctx.close()
