"""The first start in demo mode: while the demo database is built (half a minute), the page
shows its progress, then the sign-in page names the city and the product and hints the demo
accounts."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.conftest import screenshot, start_app, stop_app, wait_ready

pytestmark = pytest.mark.browser


def test_first_start_shows_progress_then_the_sign_in_page(browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    server = start_app(tmp_path, None, database_url=f"sqlite:///{tmp_path}/new.sqlite3")
    try:
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.goto(server.url)
        page.get_by_text("First start: preparing the demo database").first.wait_for(timeout=30_000)
        page.get_by_role("progressbar").first.wait_for(timeout=15_000)
        screenshot(page, "first-start-progress-en")
        page.get_by_role("button", name="Sign in").first.wait_for(timeout=120_000)
        wait_ready(page)
        assert page.get_by_text("First start: preparing").count() == 0  # gone once done
        page.get_by_text("Daegu Metropolitan City").first.wait_for()
        page.get_by_text("New Technology Platform").first.wait_for()
        page.get_by_text("executive.demo").first.wait_for()
        screenshot(page, "sign-in-demo-hint-en")
        page.close()
    finally:
        stop_app(server)
