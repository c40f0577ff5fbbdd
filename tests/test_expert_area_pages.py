"""The expert area under AppTest: an expert invited and signed in sees their meeting only,
signs a declaration and enters their own scores; staff's meeting page shows where each
member's scores came from."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select

from db import mail, meetings
from db.accounts import experts as invitations
from db.engine import make_engine
from db.models import Evaluation, Expert, ItemDeclaration, Meeting, User
from db.policy import Actor
from db.session import read_session, write_session
from tests.apptest import new_app, page_text, sign_in

PASSWORD = "Juniper-orchard-2026!"
DAY = dt.date(2026, 12, 1)


def _letter(token: str) -> mail.Letter:
    return mail.Letter("Invitation", token, "en")


def prepare(url: str) -> dict[str, Any]:
    """A held one-item meeting with every member attending, and the first member's expert
    account (invited, opened)."""
    engine = make_engine(url)
    try:
        with write_session(engine) as s:
            user = s.execute(select(User).where(User.username == "staff.demo")).scalar_one()
            staff = Actor(user.id, user.username, frozenset({"staff"}))
            mid = meetings.schedule_meeting(
                session=s,
                actor=staff,
                kind="registration_review",
                title="Expert area flow",
                scheduled_on=DAY,
            )
        with write_session(engine) as s:
            tech = meetings.agenda_candidates(session=s, meeting_id=mid).iloc[0]
            meetings.add_agenda_item(
                session=s, actor=staff, meeting_id=mid, technology_id=int(tech["technology_id"])
            )
        with write_session(engine) as s:
            draw = meetings.draw_and_seat_panel(session=s, actor=staff, meeting_id=mid, seed=2026)
        with write_session(engine) as s:
            meetings.hold_meeting(session=s, actor=staff, meeting_id=mid, held_on=DAY)
        for x in draw.expert_ids:
            with write_session(engine) as s:
                meetings.record_attendance(
                    session=s, actor=staff, meeting_id=mid, expert_id=x, attended=True
                )
        member = next(
            x
            for x in draw.expert_ids
            if _email(engine, x)  # a member with an address
        )
        with write_session(engine) as s:
            token = invitations.invite_expert(
                session=s, actor=staff, expert_id=member, compose=_letter, deliver=False
            )
        with write_session(engine) as s:
            invitations.accept_invitation(session=s, token=token, password=PASSWORD)
        with read_session(engine) as s:
            code = s.execute(select(Meeting.code).where(Meeting.id == mid)).scalar_one()
        return {"meeting_id": mid, "expert_id": member, "email": _email(engine, member),
                "code": code}  # fmt: skip
    finally:
        engine.dispose()


def _email(engine: Any, expert_id: int) -> str | None:
    with read_session(engine) as s:
        e = s.get(Expert, expert_id)
        return e.email.lower() if e is not None and e.email and len(e.email) <= 64 else None


def test_an_expert_declares_and_scores_from_their_page(app_env: str) -> None:
    world = prepare(app_env)
    at = sign_in(new_app(), world["email"], PASSWORD)
    assert not at.exception, at.exception
    assert at.title[0].value == "Expert area"
    assert world["code"] in page_text(at)
    # staff's pages are not theirs; their account page is
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("pages/meetings.py")
    at.switch_page("pages/account.py").run()
    assert not at.exception, at.exception
    assert at.title[0].value == "My account"
    at.switch_page("pages/expert.py").run()
    next(t for t in at.text_area if t.label == "Statement").input("No tie to the applicant.")
    next(b for b in at.get("form_submit_button") if b.label == "Sign the declaration").click()
    at.run()
    assert not at.exception, at.exception
    assert "Your declaration was signed." in page_text(at)
    for box in at.number_input:
        box.set_value(81)
    next(b for b in at.get("form_submit_button") if b.label == "Submit my scores").click()
    at.run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert "Your scores were saved" in page_text(at)
    engine = make_engine(app_env)
    try:
        with read_session(engine) as s:
            evaluation = s.execute(select(Evaluation)).scalars().all()[-1]
            assert evaluation.origin == "self"
            assert s.execute(select(ItemDeclaration.conflict)).scalars().all() == [False]
    finally:
        engine.dispose()
    # staff see where the scores came from
    staff = sign_in(new_app(), "staff.demo")
    staff.switch_page("pages/meetings.py").run()
    staff.query_params["id"] = str(world["meeting_id"])
    staff.run()
    assert not staff.exception, staff.exception
    cells = "\n".join(d.value.to_csv(index=False) for d in staff.dataframe)
    assert "entered by the member" in cells and "No conflict" in cells


def test_the_expert_area_in_korean(app_env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    world = prepare(app_env)
    monkeypatch.setenv("NTP_LANG", "ko")
    at = new_app()
    at.text_input[0].input(world["email"])
    at.text_input[1].input(PASSWORD)
    next(b for b in at.button if b.label == "로그인").click()
    at.run()
    assert not at.exception, at.exception
    assert at.title[0].value == "전문가 공간"
    assert "신고서 서명" in {b.label for b in at.get("form_submit_button")}


def test_staff_remind_the_members_who_have_not_answered(app_env: str) -> None:
    world = prepare(app_env)
    staff = sign_in(new_app(), "staff.demo")
    staff.switch_page("pages/meetings.py").run()
    staff.query_params["id"] = str(world["meeting_id"])
    staff.run()
    assert not staff.exception, staff.exception
    button = "Remind those who have not declared or scored"
    next(b for b in staff.button if b.label == button).click()
    staff.run()
    assert not staff.exception, staff.exception
    text = page_text(staff)
    # the invited member (an account with an address) is mailed; the others are to be called
    assert "Reminded: " in text and "please call: " in text
    engine = make_engine(app_env)
    try:
        with read_session(engine) as s:
            kinds = [m.kind for m in mail.messages_to(s, world["email"])]
            assert kinds.count("panel_reminder") == 1
    finally:
        engine.dispose()
    # pressed again: nobody is mailed twice the same day
    next(b for b in staff.button if b.label == button).click()
    staff.run()
    assert "Reminded less than 20 hours ago, not again: " in page_text(staff)
