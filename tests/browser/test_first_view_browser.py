"""The very first page a freshly started server is asked for, opened by its address.

Until a run of the server process has called ``st.navigation``, Streamlit runs a URL that
names a file of ``pages/`` by that file alone (its old multipage mode: no language choice, no
sign-in, every page file listed in the sidebar). A server restarted at night meets exactly
this when the first visitor follows a mailed link (sign-up, e-mail verification, an expert's
invitation) or a bookmark of an internal page. Each case gets its own fresh server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot, settle, start_app, stop_app

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    ("path", "shown"),
    [
        # a signed-out page reached from a mail: the page itself, inside the app's frame
        ("sign_up", "Create a company account"),
        # an internal page, signed out: the sign-in (the router's default), not the page alone
        ("meetings", "Sign in"),
    ],
)
def test_a_fresh_servers_first_view_runs_through_the_router(
    browser: Any, tmp_path: Path, seeded_sqlite_file: Path, path: str, shown: str
) -> None:
    server = start_app(tmp_path, seeded_sqlite_file)
    ctx = browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        page = ctx.new_page()
        page.goto(f"{server.url}/{path}")
        page.get_by_role("heading", name=shown).first.wait_for(timeout=60_000)
        settle(page)
        # The app's frame: the language choice, drawn by app.py only.
        expect(page.get_by_text("언어 / Language")).to_have_count(1, timeout=30_000)
        # Not Streamlit's list of page files (named by their file names).
        nav = page.locator("[data-testid='stSidebarNav']")
        expect(nav.get_by_text("administration", exact=True)).to_have_count(0)
        expect(nav.get_by_text("audit trail", exact=True)).to_have_count(0)
        expect(page.get_by_text("You do not have access to this page.")).to_have_count(0)
        screenshot(page, f"first-view-{path}")
    finally:
        ctx.close()
        stop_app(server)
