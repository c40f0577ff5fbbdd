"""A company in a real browser: create an account, verify it by the link in the outbox, apply
with a PDF; staff ask for more information from the work queue (the applicant is mailed);
the applicant answers. Screenshots of the new pages in English and Korean."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Error as PlaywrightError
from sqlalchemy import create_engine, select

from db import mail
from db.models import Application, FieldTerm
from db.session import read_session
from tests import pdfs
from tests.browser.conftest import (
    AppServer,
    fill_sign_in,
    open_tab,
    rerun_after,
    screenshot,
    settle,
    wait_ready,
)
from tests.browser.test_signin_flow import sign_in as staff_sign_in

pytestmark = pytest.mark.browser
EMAIL = "kim.ceo@firm.example"
PASSWORD = "waterproof membrane 2026"
TITLE = "Acrylate exposed composite waterproofing"


def _db(server: AppServer) -> Any:
    return create_engine(server.database_url)


def _verify_link(server: AppServer) -> str:
    engine = _db(server)
    with read_session(engine) as s:
        [message] = [m for m in mail.messages_to(s, EMAIL) if m.kind == "verify"]
    engine.dispose()
    found = re.search(r"https?://\S+", message.body)
    assert found, message.body
    return found.group(0)


def _first_field_label(server: AppServer) -> str:
    engine = _db(server)
    with read_session(engine) as s:
        label = (
            s.execute(
                select(FieldTerm.label_en)
                .where(FieldTerm.retired_on.is_(None))
                .order_by(FieldTerm.position)
            )
            .scalars()
            .first()
        )
    engine.dispose()
    assert label
    return str(label)


def _status(server: AppServer) -> str:
    engine = _db(server)
    with read_session(engine) as s:
        status = s.execute(
            select(Application.status).where(Application.title_en == TITLE)
        ).scalar_one()
    engine.dispose()
    return str(status)


def _korean(page: Any) -> None:
    page.get_by_role("combobox").first.click()
    page.get_by_role("option", name="한국어").click()
    wait_ready(page)


def test_sign_up_verify_apply_request_and_answer(browser: Any, app_server: AppServer) -> None:
    ctx = browser.new_context(viewport={"width": 1400, "height": 1600})
    page = ctx.new_page()
    page.goto(app_server.url)
    wait_ready(page)
    page.get_by_text("No account yet? Create a company account").first.wait_for(timeout=30_000)
    page.goto(app_server.url + "/sign_up")  # where that link leads
    page.get_by_role("button", name="Create account").first.wait_for(timeout=30_000)
    settle(page)
    screenshot(page, "applicant-sign-up-en")
    page.get_by_role("textbox", name="Company").fill("(주)방수기술")
    page.get_by_role("textbox", name="Your name").fill("김대표")
    page.get_by_role("textbox", name="E-mail").fill(EMAIL)
    page.get_by_role("textbox", name="Password", exact=True).last.fill(PASSWORD)
    page.get_by_role("textbox", name="Repeat the password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.get_by_text("We sent a message to").first.wait_for(timeout=30_000)

    page.goto(_verify_link(app_server))
    page.get_by_text("Your e-mail address is verified").first.wait_for(timeout=30_000)
    wait_ready(page)
    screenshot(page, "applicant-verified-en")

    page.goto(app_server.url)
    assert fill_sign_in(page, EMAIL, PASSWORD, page.get_by_text("Signed in as"))
    page.get_by_role("heading", name="My applications").first.wait_for(timeout=30_000)
    settle(page)
    open_tab(page, "New application", shows=page.get_by_role("textbox", name="Title (Korean)"))
    page.get_by_role("textbox", name="Title (Korean)").fill("아크릴레이트 노출 복합방수")
    page.get_by_role("textbox", name="Title (English)").fill(TITLE)
    page.get_by_label("Field").click()
    page.get_by_role("option", name=_first_field_label(app_server)).click()
    page.get_by_role("textbox", name="Description").fill("A membrane that cures in 30 minutes.")
    page.locator("[data-testid='stFileUploader'] input[type='file']").set_input_files(
        files=[
            {"name": "certificate.pdf", "mimeType": "application/pdf", "buffer": pdfs.real_pdf()}
        ]
    )
    page.get_by_text("certificate.pdf").first.wait_for(timeout=15_000)
    screenshot(page, "applicant-new-application-en")
    page.get_by_role("button", name="Submit the application").click()
    page.get_by_text("Your application was submitted").first.wait_for(timeout=30_000)
    assert _status(app_server) == "submitted"

    staff_ctx = browser.new_context(viewport={"width": 1400, "height": 1800})
    staff = staff_ctx.new_page()
    staff_sign_in(staff, app_server, "staff.demo")
    staff.goto(app_server.url + "/work_queue")
    staff.get_by_text("applications from companies wait for staff").first.wait_for(timeout=30_000)
    open_tab(
        staff,
        "Applications from companies",
        shows=staff.get_by_label("Application", exact=True),
    )
    staff.get_by_label("Application", exact=True).first.click()
    staff.get_by_role("option", name=re.compile(TITLE)).first.click()
    staff.get_by_role("textbox", name="What is missing").fill(
        "Please attach the patent certificate."
    )
    wait_ready(staff)
    screenshot(staff, "staff-application-en")
    staff.get_by_role("button", name="Send the request").click()
    staff.get_by_text("The request was sent").first.wait_for(timeout=30_000)
    assert _status(app_server) == "info_requested"
    engine = _db(app_server)
    with read_session(engine) as s:
        assert [m.kind for m in mail.messages_to(s, EMAIL)] == ["verify", "info_request"]
    engine.dispose()

    page.reload()
    page.get_by_text("Staff asked for more information").first.wait_for(timeout=30_000)
    settle(page)
    screenshot(page, "applicant-request-en")
    # A reload signs in from the cookie and reruns once more while it settles, drawing the
    # answer box again beside the old one for a moment: the answer is typed and sent once the
    # page has settled, and again if that rerun redrew the form meanwhile (the typing or the
    # click then went to the old form, and nothing was sent).
    answer = page.get_by_role("textbox", name="Your answer")
    for _attempt in range(5):
        settle(page)
        if _status(app_server) == "submitted":
            break
        try:
            answer.fill("The certificate is attached.")
            send = page.get_by_role("button", name="Send the answer").first
            rerun_after(page, send.click, timeout=20_000)
        except PlaywrightError:
            continue
    page.get_by_text("Staff asked for more information").first.wait_for(
        state="detached", timeout=30_000
    )
    assert _status(app_server) == "submitted"
    wait_ready(page)

    _korean(page)
    page.get_by_role("heading", name="내 신청").first.wait_for(timeout=30_000)
    wait_ready(page)
    screenshot(page, "applicant-my-applications-ko")
    ctx.close()
    staff_ctx.close()


def test_sign_up_page_in_korean(browser: Any, app_server: AppServer) -> None:
    ctx = browser.new_context(viewport={"width": 1400, "height": 1200})
    page = ctx.new_page()
    page.goto(app_server.url + "/sign_up")
    wait_ready(page)
    _korean(page)
    page.get_by_role("heading", name="기업 계정 만들기").first.wait_for(timeout=30_000)
    wait_ready(page)
    screenshot(page, "applicant-sign-up-ko")
    ctx.close()
