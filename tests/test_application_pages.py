"""The company side's pages under AppTest: sign-up (signed out) and the link mailed to the
outbox, verification, an applicant's own applications, staff asking for information from
the work queue, the administrator's outbox; and XSS and formula payloads typed into every
applicant field shown inert."""

from __future__ import annotations

import re
from dataclasses import fields as dc_fields
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import create_engine, select
from streamlit.testing.v1 import AppTest

from db import applications, mail
from db.models import Application, User
from db.session import read_session, write_session
from tests import applicant_data as ad
from tests import pdfs
from tests.apptest import (
    button,
    new_app,
    open_tab,
    page_text,
    rendered_html,
    sign_in,
    text_input,
)
from tests.security_payloads import FORMULA, XSS, fit

EMAIL = "ceo@firm.example"


def inputs(at: AppTest, label: str):  # type: ignore[no-untyped-def]
    return [t for t in at.text_input if t.label == label]


def sign_up_via_page(email: str = EMAIL) -> AppTest:
    at = new_app()
    at.switch_page("pages/sign_up.py").run()
    assert not at.exception, at.exception
    text_input(at, "Company").input("(주)방수기술")
    text_input(at, "Your name").input("김대표")
    text_input(at, "E-mail").input(email)
    inputs(at, "Password")[-1].input(ad.PASSWORD)  # (the sign-in form's comes first)
    text_input(at, "Repeat the password").input(ad.PASSWORD)
    button(at, "Create account").click()
    at.run()
    assert not at.exception, at.exception
    return at


def outbox_link(url: str, email: str = EMAIL) -> str:
    engine = create_engine(url)
    with read_session(engine) as s:
        [message] = [m for m in mail.messages_to(s, email) if m.kind == "verify"]
    engine.dispose()
    assert message.status == "local"  # demo mode: never sent
    found = re.search(r"https?://\S+", message.body)
    assert found
    return found.group(0)


def test_sign_up_then_verify_by_the_mailed_link(app_env: str) -> None:
    at = sign_up_via_page()
    assert "We sent a message to" in page_text(at)
    link = outbox_link(app_env)
    assert urlsplit(link).path.endswith("/verify_email")
    token = parse_qs(urlsplit(link).query)["token"][0]
    at = new_app()
    at.query_params["token"] = token
    at.switch_page("pages/verify_email.py").run()
    assert not at.exception, at.exception
    assert "Your e-mail address is verified" in page_text(at)
    # The next run (any click) has no token in the address any more: the outcome stays on
    # the page.
    at.run()
    assert "Your e-mail address is verified" in page_text(at)
    assert "Open the link we mailed you" not in page_text(at)
    at = new_app()  # the same link again: refused with a sentence
    at.query_params["token"] = token
    at.switch_page("pages/verify_email.py").run()
    assert "already used" in page_text(at)


def test_the_applicant_lands_on_their_applications(app_env: str) -> None:
    sign_up_via_page()
    at = sign_in(new_app(), EMAIL, ad.PASSWORD)
    assert not at.exception, at.exception
    assert at.title[0].value == "My applications"
    assert "Verify your e-mail address first" in page_text(at)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("pages/work_queue.py")


def _poisoned_application(url: str, payload: str) -> int:
    engine = create_engine(url)
    kim = ad.applicant(engine, EMAIL)
    limits = {"organisation": 200, "contact_name": 120, "contact_phone": 32}
    changes = {
        f.name: fit(payload, limits.get(f.name, 300))
        for f in dc_fields(applications.ApplicationInput)
        if f.name not in ("field", "growth_sector", "certification", "contact_email")
    }
    app_id = ad.submit(engine, kim, **changes)
    engine.dispose()
    return app_id


def _inert(at: AppTest) -> None:
    for kind in ("markdown", "caption", "error", "warning", "info", "success", "title"):
        for element in getattr(at, kind):
            html = rendered_html(str(element.value)).lower()
            assert "<script" not in html and "onerror" not in html and "javascript:" not in html


@pytest.mark.parametrize("payload", [XSS[0], XSS[1], XSS[3], FORMULA[0]])
def test_payloads_in_every_applicant_field_are_inert(app_env: str, payload: str) -> None:
    app_id = _poisoned_application(app_env, payload)
    at = sign_in(new_app(), EMAIL, ad.PASSWORD)
    assert not at.exception, at.exception
    _inert(at)
    assert any(fit(payload, 4000) == t.value for t in at.text)  # the description, as typed
    staff = sign_in(new_app(), "staff.demo")
    staff.switch_page("pages/work_queue.py").run()
    open_tab(staff, "wq_action_tab", 4)  # Applications from companies
    [choice] = [s for s in staff.selectbox if s.label == "Application"]
    choice.set_value(app_id).run()
    assert not staff.exception, staff.exception
    _inert(staff)


def test_staff_ask_for_information_and_the_applicant_answers(app_env: str) -> None:
    engine = create_engine(app_env)
    kim = ad.applicant(engine, EMAIL)
    app_id = ad.submit(engine, kim)
    staff = sign_in(new_app(), "staff.demo")
    staff.switch_page("pages/work_queue.py").run()
    assert "1 applications from companies wait for staff" in page_text(staff)
    open_tab(staff, "wq_action_tab", 4)  # Applications from companies
    [choice] = [s for s in staff.selectbox if s.label == "Application"]
    choice.set_value(app_id).run()
    [request] = [t for t in staff.text_area if t.label == "What is missing"]
    request.input("Please attach the patent certificate.")
    button(staff, "Send the request").click()
    staff.run()
    assert not staff.exception, staff.exception
    with read_session(engine) as s:
        row = s.get(Application, app_id)
        assert row is not None and row.status == "info_requested"
        asked = [m for m in mail.messages_to(s, EMAIL) if m.kind == "info_request"]
    assert len(asked) == 1 and "patent certificate" in asked[0].body
    at = sign_in(new_app(), EMAIL, ad.PASSWORD)
    assert "Staff asked for more information" in page_text(at)
    [answer] = [t for t in at.text_area if t.label == "Your answer"]
    answer.input("Attached to this answer.")
    button(at, "Send the answer").click()
    at.run()
    assert not at.exception, at.exception
    with read_session(engine) as s:
        row = s.get(Application, app_id)
        assert row is not None and row.status == "submitted"
    admin = sign_in(new_app(), "admin.demo")
    admin.switch_page("pages/administration.py").run()
    assert not admin.exception, admin.exception
    assert "Mail outbox" in page_text(admin)
    engine.dispose()


def test_an_unknown_link_is_a_sentence(app_env: str) -> None:
    at = new_app()
    at.query_params["token"] = "forged-token"
    at.switch_page("pages/verify_email.py").run()
    assert not at.exception
    assert "not valid" in page_text(at)
    engine = create_engine(app_env)
    with write_session(engine) as s:
        assert s.execute(select(User.id).where(User.email_verified_at.is_not(None))).first() is None
    engine.dispose()


def test_every_xss_payload_in_every_applicant_field_is_inert(app_env: str) -> None:
    """All 30 payloads, each in every free-text field of its own application; the applicant
    opens each one."""
    engine = create_engine(app_env)
    kim = ad.applicant(engine, EMAIL)
    limits = {"organisation": 200, "contact_name": 120, "contact_phone": 32}
    ids = []
    for payload in XSS:
        changes = {
            f.name: fit(payload, limits.get(f.name, 300))
            for f in dc_fields(applications.ApplicationInput)
            if f.name not in ("field", "growth_sector", "certification", "contact_email")
        }
        changes["description"] = payload
        ids.append(
            ad.submit(engine, kim, uploads=[(f"{payload[:40]}.pdf", pdfs.real_pdf())], **changes)
        )
    engine.dispose()
    at = sign_in(new_app(), EMAIL, ad.PASSWORD)
    assert not at.exception, at.exception
    for app_id, payload in zip(ids, XSS, strict=True):
        [choice] = [s for s in at.selectbox if s.label == "Application"]
        choice.set_value(app_id).run()
        assert not at.exception, at.exception
        _inert(at)
        assert payload in [t.value for t in at.text]  # shown as typed, as plain text
        assert at.get("download_button")
        for b in at.get("download_button"):
            label = rendered_html(str(b.proto.label)).lower()
            assert "<script" not in label and "<img" not in label and "<svg" not in label
