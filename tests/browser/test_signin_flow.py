"""Sign in, reach the default page, sign out; the old cookie does not sign in again."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import (
    AppServer,
    fill_sign_in,
    kpi_tile,
    not_found,
    screenshot,
    wait_ready,
)

pytestmark = pytest.mark.browser
PASSWORD = "ntp-demo-2019-08-08"


def sign_in(page, server: AppServer, username: str) -> None:  # type: ignore[no-untyped-def]
    """Sign in through the form (see ``fill_sign_in``: filled once the page has settled,
    again if a settling rerun redrew it)."""
    page.goto(server.url)
    if not fill_sign_in(page, username, PASSWORD, page.get_by_text("Signed in as")):
        screenshot(page, f"FAILED-sign-in-{username}")
        raise AssertionError("could not sign in: " + page.inner_text("body")[:500])
    wait_ready(page)


def test_sign_in_sign_out_and_replayed_cookie_is_refused(browser, app_server: AppServer) -> None:  # type: ignore[no-untyped-def]
    ctx = browser.new_context(viewport={"width": 1400, "height": 900})
    page = ctx.new_page()
    sign_in(page, app_server, "executive.demo")
    # The executive lands on the overview and sees the figures.
    page.get_by_role("heading", name="New Technology Platform").first.wait_for()
    kpi_tile(page, "Experts registered").wait_for(timeout=30_000)
    wait_ready(page)
    screenshot(page, "signin-executive-overview-en")

    # A typed URL to a page outside the role is not served.
    page.goto(app_server.url + "/administration")
    wait_ready(page)
    page.get_by_text("Signed in as").first.wait_for(timeout=30_000)
    not_found(page, "en").first.wait_for(timeout=15_000)
    assert page.get_by_text("Create an account").count() == 0
    screenshot(page, "executive-typed-admin-url-en")
    page.keyboard.press("Escape")
    expect(not_found(page)).to_have_count(0, timeout=15_000)

    cookies = [c for c in ctx.cookies() if c["name"] == "ntp_signin"]
    assert cookies, "the sign-in cookie was set"

    # A fresh browser with that cookie is signed in while the sign-in is live...
    ctx_live = browser.new_context()
    ctx_live.add_cookies(cookies)
    live = ctx_live.new_page()
    live.goto(app_server.url)
    live.get_by_text("Signed in as").first.wait_for(timeout=30_000)
    ctx_live.close()

    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("button", name="Sign in").first.wait_for(timeout=30_000)
    assert not page.get_by_text("Signed in as").is_visible()
    # The browser forgets the cookie (a shared computer keeps no sign-in behind)...
    page.wait_for_function(
        "!document.cookie.split('; ').some(c => c.startsWith('ntp_signin='))", timeout=30_000
    )
    assert not [c for c in ctx.cookies() if c["name"] == "ntp_signin"]
    # ...and a reload stays signed out.
    page.reload()
    wait_ready(page)
    page.get_by_role("button", name="Sign in").first.wait_for(timeout=30_000)
    assert page.get_by_text("Signed in as").count() == 0

    # ...and after signing out, replaying the same cookie no longer signs in.
    ctx_replay = browser.new_context()
    ctx_replay.add_cookies(cookies)
    replay = ctx_replay.new_page()
    replay.goto(app_server.url)
    wait_ready(replay)
    replay.get_by_role("button", name="Sign in").first.wait_for(timeout=30_000)
    wait_ready(replay)
    assert replay.get_by_text("Signed in as").count() == 0
    assert replay.get_by_text("Experts registered").count() == 0
    screenshot(replay, "signin-replayed-cookie-refused-en")
    ctx_replay.close()
    ctx.close()


def test_signed_out_visitor_to_a_page_url_gets_the_sign_in_form(
    browser, app_server: AppServer
) -> None:  # type: ignore[no-untyped-def]
    ctx = browser.new_context()
    page = ctx.new_page()
    page.goto(app_server.url + "/administration")
    wait_ready(page)
    page.get_by_role("button", name="Sign in").first.wait_for(timeout=30_000)
    wait_ready(page)
    assert page.get_by_text("Create an account").count() == 0
    assert page.get_by_text("Accounts").count() == 0
    ctx.close()
