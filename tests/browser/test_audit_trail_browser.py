"""The audit trail as an auditor sees it in a real browser, in English and Korean: events as
sentences, the sign-ins tab, and the integrity tab after Verify (screenshots for review)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.conftest import (
    AppServer,
    fill_sign_in,
    screenshot,
    start_app,
    stop_app,
    wait_ready,
)

PASSWORD = "ntp-demo-2019-08-08"
KO = {"user": "사용자 이름", "password": "비밀번호", "sign_in": "로그인"}

pytestmark = pytest.mark.browser


def _tour(page, server: AppServer, lang: str, verify: str, tab: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(server.url)
    signed_in = page.get_by_text("Signed in as" if lang == "en" else "로그인 중")
    words = KO if lang == "ko" else None
    assert fill_sign_in(page, "auditor.demo", PASSWORD, signed_in, words), "could not sign in"
    wait_ready(page)
    page.goto(server.url + "/audit_trail")
    wait_ready(page)
    page.locator("[data-testid='stDataFrame']").first.wait_for(timeout=30_000)
    screenshot(page, f"audit-trail-events-{lang}")
    page.get_by_role("tab", name=tab).first.click()
    page.get_by_role("button", name=verify).first.click()
    page.locator("[data-testid='stAlert']").first.wait_for(timeout=60_000)
    wait_ready(page)
    screenshot(page, f"audit-trail-integrity-{lang}")


def test_the_audit_trail_in_english(browser, app_server: AppServer) -> None:  # type: ignore[no-untyped-def]
    ctx = browser.new_context(viewport={"width": 1500, "height": 1000})
    page = ctx.new_page()
    _tour(page, app_server, "en", "Verify integrity", "Integrity")
    assert page.get_by_text("audited records in").count() >= 1
    ctx.close()


def test_the_audit_trail_in_korean(browser, tmp_path: Path, seeded_sqlite_file: Path) -> None:  # type: ignore[no-untyped-def]
    server = start_app(tmp_path, seeded_sqlite_file, {"NTP_LANG": "ko"})
    try:
        ctx = browser.new_context(viewport={"width": 1500, "height": 1000})
        page = ctx.new_page()
        _tour(page, server, "ko", "무결성 검증", "무결성")
        ctx.close()
    finally:
        stop_app(server)
