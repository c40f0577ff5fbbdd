"""Published figures in a real browser (issue #17): the mayor's office ticks the confirmation
that names the date and the figures, publishes, and the overview shows the publication with
its hash; then in Korean."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import expand, screenshot, settle, start_app, stop_app
from tests.browser.test_deliberation_browser import _korean
from tests.browser.test_signin_flow import sign_in

pytestmark = pytest.mark.browser


def test_the_mayors_office_publishes_the_figures(
    browser: Any, tmp_path: Path, seeded_sqlite_file: Path
) -> None:
    server = start_app(tmp_path, seeded_sqlite_file)  # its own copy: it publishes
    try:
        ctx = browser.new_context(viewport={"width": 1440, "height": 1600})
        page = ctx.new_page()
        sign_in(page, server, "executive.demo")
        page.goto(f"{server.url}/?as_of=2019-08-08")
        page.get_by_text("No publication for 8 Aug 2019 with these filters").first.wait_for(
            timeout=30_000
        )
        confirm = page.get_by_text("I publish the figures as of 8 Aug 2019").first
        # folded: the overview's figures come first
        expand(page, page.locator("[data-testid='stExpander']", has_text="Publish these"), confirm)
        assert "Experts registered 817" in confirm.inner_text()
        confirm.click()  # the tick box's label
        page.get_by_role("button", name="Publish", exact=True).click()
        page.get_by_text("Published the figures as of 8 Aug 2019.").first.wait_for(timeout=30_000)
        page.get_by_text("Recomputed today, every published figure is the same.").first.wait_for(
            timeout=30_000
        )
        settle(page)
        assert page.get_by_text("Published on ").count() >= 1
        assert page.locator("[data-testid='stException']").count() == 0
        screenshot(page, "publication-overview-en")
        _korean(page)
        settle(page)
        page.get_by_text("기준 공표 수치").first.wait_for(timeout=30_000)
        page.get_by_text("오늘 다시 계산해도 공표된 수치가 모두 같습니다.").first.wait_for(
            timeout=30_000
        )
        screenshot(page, "publication-overview-ko")
        ctx.close()
    finally:
        stop_app(server)
