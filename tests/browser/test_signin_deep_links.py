"""Signing in from a page's address, in Chromium on a real server, in both languages.

A visitor who is not signed in and opens the address of a signed-in page (a bookmark, a link
in a mail, a register's ``?field=...&id=...``) gets the sign-in form, without "Page not
found"; once signed in they are on that page with its query, or, if their roles may not open
it, on their start page with a notice saying so. An address that is no page still says
"Page not found", in the reader's language, then opens the start page. And the sign-in
itself is one run of the app: no second run of the sign-in page, nor of the landing page once
the cookie is written.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from components.i18n import translate_in
from db.engine import make_engine
from db.models import Technology
from db.session import read_session
from tests.apptest import DEMO_PASSWORD
from tests.browser.conftest import (
    AppServer,
    fill_sign_in,
    not_found,
    screenshot,
    settle,
    start_app,
    stop_app,
    wait_ready,
    wait_signin_cookie,
)

pytestmark = pytest.mark.browser


def words(lang: str) -> dict[str, str]:
    """The sign-in form's labels and the sidebar's "Signed in as" in ``lang``."""
    return {
        "user": translate_in(lang, "Username"),
        "password": translate_in(lang, "Password"),
        "sign_in": translate_in(lang, "Sign in"),
        "in": translate_in(lang, "Signed in as {name} ({roles})", name="", roles="")
        .replace("()", "")
        .strip(),
    }


@pytest.fixture(scope="module", params=("en", "ko"))
def server(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    seeded_sqlite_file: Path,
) -> Iterator[tuple[str, AppServer]]:
    lang = str(request.param)
    srv = start_app(tmp_path_factory.mktemp(f"deep-{lang}"), seeded_sqlite_file, {"NTP_LANG": lang})
    yield lang, srv
    stop_app(srv)


def _technology(url: str) -> tuple[int, str, str]:
    """A technology of the register: its id, field code and English and Korean titles."""
    engine = make_engine(url)
    try:
        with read_session(engine) as s:
            row = s.execute(
                select(Technology.id, Technology.field, Technology.title_en, Technology.title_ko)
                .order_by(Technology.id)
                .limit(1)
            ).one()
    finally:
        engine.dispose()
    return int(row.id), str(row.field), str(row.title_en), str(row.title_ko)


def _open_signed_out(browser: Any, srv: AppServer, address: str) -> tuple[Any, Any]:
    ctx = browser.new_context(viewport={"width": 1440, "height": 1000})
    page = ctx.new_page()
    page.goto(f"{srv.url}/{address}")
    wait_ready(page)
    settle(page)
    return ctx, page


def _sign_in_here(page: Any, lang: str, username: str) -> None:
    w = words(lang)
    if not fill_sign_in(page, username, DEMO_PASSWORD, page.get_by_text(w["in"]), w):
        screenshot(page, f"FAILED-deep-link-sign-in-{username}-{lang}")
        raise AssertionError("could not sign in: " + page.inner_text("body")[:500])
    wait_ready(page)
    settle(page)


def test_a_register_link_opens_the_sign_in_then_the_record(
    browser: Any, server: tuple[str, AppServer]
) -> None:
    lang, srv = server
    tech_id, field, title_en, title_ko = _technology(srv.database_url)
    address = f"technologies?field={field}&id={tech_id}"
    ctx, page = _open_signed_out(browser, srv, address)

    # The sign-in form, under the address asked for, without "Page not found".
    page.get_by_role("button", name=words(lang)["sign_in"]).first.wait_for(timeout=30_000)
    assert not_found(page).count() == 0
    assert page.url == f"{srv.url}/{address}"
    screenshot(page, f"deep-link-sign-in-technologies-{lang}")

    _sign_in_here(page, lang, "executive.demo")
    # The register with that record open, its query kept.
    title = title_ko if lang == "ko" else title_en
    page.get_by_role("heading", name=translate_in(lang, "Technologies")).first.wait_for(
        timeout=30_000
    )
    page.get_by_role("button", name=translate_in(lang, "Close")).first.wait_for(timeout=30_000)
    page.get_by_role("heading", name=title[:40]).first.wait_for(timeout=30_000)
    assert not_found(page).count() == 0
    query = page.evaluate("location.search")
    assert f"id={tech_id}" in query and f"field={field}" in query, query
    assert page.url.startswith(f"{srv.url}/technologies?")
    screenshot(page, f"deep-link-signed-in-technology-record-{lang}")
    ctx.close()


def test_a_page_outside_the_role_lands_on_the_start_page_with_a_notice(
    browser: Any, server: tuple[str, AppServer]
) -> None:
    lang, srv = server
    ctx, page = _open_signed_out(browser, srv, "approvals")
    page.get_by_role("button", name=words(lang)["sign_in"]).first.wait_for(timeout=30_000)
    assert not_found(page).count() == 0

    _sign_in_here(page, lang, "executive.demo")  # an executive has no approvals
    notice = translate_in(
        lang,
        "The page you asked for ({page}) is not available to your role.",
        page=translate_in(lang, "Approvals"),
    )
    page.get_by_text(notice).first.wait_for(timeout=30_000)
    page.locator("[data-testid='stMetric']").first.wait_for(timeout=30_000)  # the overview
    assert not_found(page).count() == 0
    headings = page.locator("h1").all_inner_texts()
    assert translate_in(lang, "Approvals") not in headings, headings
    links = page.locator("[data-testid='stSidebarNav'] a[href$='/approvals']")
    assert links.count() == 0
    screenshot(page, f"deep-link-outside-role-notice-{lang}")
    ctx.close()


# Streamlit's message when the address names no page of the navigation (it names no path
# then; components/page_fixes.py also has the form that names one).
NO_SUCH_PAGE = (
    "The page that you have requested does not seem to exist. Running the app's main page."
)


def _dialog_in(page: Any, lang: str, where: str) -> None:
    """Streamlit's "Page not found" dialog is open, wholly in ``lang``: its title and its
    message (in Korean: no English word left, and it says the start page opens instead)."""
    dialog = page.get_by_role("dialog").filter(has=not_found(page, lang))
    dialog.first.wait_for(timeout=30_000)
    message = translate_in(lang, NO_SUCH_PAGE)
    expect(dialog.get_by_text(message, exact=True)).to_have_count(1, timeout=15_000)
    text = dialog.first.inner_text()
    if lang == "ko":
        assert "시작 페이지" in message, message
        assert not re.search(r"[A-Za-z]{2,}", text), f"{where}: English left: {text!r}"
    screenshot(page, f"deep-link-no-such-page-{where}-{lang}")
    page.keyboard.press("Escape")
    expect(not_found(page)).to_have_count(0, timeout=15_000)


def test_an_address_that_is_no_page_says_page_not_found_in_the_readers_language(
    browser: Any, server: tuple[str, AppServer]
) -> None:
    lang, srv = server
    typed = f"no-such-page-{secrets.token_hex(3)}"
    ctx, page = _open_signed_out(browser, srv, typed)
    _dialog_in(page, lang, "signed-out")
    # Then the start page: the sign-in form.
    page.get_by_role("button", name=words(lang)["sign_in"]).first.wait_for(timeout=30_000)
    page.get_by_role("textbox", name=words(lang)["user"]).first.wait_for(timeout=30_000)

    # Signed in, a stale bookmark: the dialog in the reader's language, then their start page
    # (the executive's overview).
    _sign_in_here(page, lang, "executive.demo")
    page.goto(f"{srv.url}/old-{typed}")
    wait_ready(page)
    _dialog_in(page, lang, "signed-in")
    page.get_by_text(words(lang)["in"]).first.wait_for(timeout=30_000)
    page.locator("[data-testid='stMetric']").first.wait_for(timeout=30_000)
    screenshot(page, f"deep-link-no-such-page-start-page-{lang}")
    ctx.close()


def test_signing_in_is_one_run_of_the_app(browser: Any, server: tuple[str, AppServer]) -> None:
    """From the click to the landing page drawn and the cookie written: the browser asks for
    one run (the form's) and the server runs once; the sign-in page ran once before it. Before,
    the sign-in page ran twice (a cookie reader reporting in), then ran, reran into the
    overview, and the cookie component (written twice) reran it twice more."""
    lang, srv = server
    w = words(lang)
    ctx = browser.new_context(viewport={"width": 1440, "height": 1000})
    page = ctx.new_page()
    counted = {"armed": False, "before": 0, "requested": 0, "started": 0}

    def on_socket(ws: Any) -> None:
        def sent(payload: bytes | str) -> None:
            if isinstance(payload, bytes):
                msg = BackMsg()
                msg.ParseFromString(payload)
                rerun = msg.WhichOneof("type") == "rerun_script"
                counted["requested" if counted["armed"] else "before"] += rerun

        def received(payload: bytes | str) -> None:
            if counted["armed"] and isinstance(payload, bytes):
                msg = ForwardMsg()
                msg.ParseFromString(payload)
                counted["started"] += msg.WhichOneof("type") == "new_session"

        ws.on("framesent", sent)
        ws.on("framereceived", received)

    page.on("websocket", on_socket)
    page.goto(srv.url)
    wait_ready(page)
    settle(page)
    page.get_by_role("textbox", name=w["user"]).fill("executive.demo")
    page.get_by_role("textbox", name=w["password"]).fill(DEMO_PASSWORD)
    settle(page)
    counted["armed"] = True
    page.get_by_role("button", name=w["sign_in"]).click()
    page.get_by_text(w["in"]).first.wait_for(timeout=30_000)
    page.locator("[data-testid='stMetric']").first.wait_for(timeout=30_000)
    # The cookie is written as the landing page is drawn (the component that wrote it before
    # asked for a run in the same moment: any such request has been sent by then).
    wait_signin_cookie(page)
    wait_ready(page)
    settle(page)
    assert (counted["requested"], counted["started"]) == (1, 1), counted
    # The sign-in page itself ran once too: no cookie reader reported in and ran it again
    # (before, one did, seconds later under load: it cut short whatever was clicked then).
    assert counted["before"] == 1, counted
    assert not_found(page).count() == 0
    ctx.close()
