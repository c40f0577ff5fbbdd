"""An invited expert in a real browser (issue 19): opens their account from the mailed link,
signs in, declares a conflict on one agenda item and no conflict on the other, scores that
one; staff enter the other members' paper sheets; the decisions use exactly those scores.
Screenshots of the expert area in English and Korean."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from sqlalchemy import create_engine, select

from db import mail, meetings
from db.accounts import experts as invitations
from db.meetings import panelist
from db.models import Evaluation, Expert, User
from db.policy import Actor
from db.session import read_session, write_session
from tests.browser.conftest import AppServer, fill_sign_in, screenshot, settle, wait_ready
from tests.deliberation_data import PROXY

pytestmark = pytest.mark.browser
PASSWORD = "Juniper-orchard-2026!"
DAY = dt.date(2026, 12, 1)
SCORES = {"Novelty": 91, "Progressiveness": 88, "Field applicability": 86, "Economy": 84,
          "Diffusion": 82}  # fmt: skip


def _prepare(server: AppServer) -> dict[str, Any]:
    engine = create_engine(server.database_url)
    try:
        with write_session(engine) as s:
            user = s.execute(select(User).where(User.username == "staff.demo")).scalar_one()
            staff = Actor(user.id, user.username, frozenset({"staff"}), user.display_name)
            mid = meetings.schedule_meeting(
                session=s,
                actor=staff,
                kind="registration_review",
                title="Expert self-service",
                scheduled_on=DAY,
            )
        for n in range(2):
            with write_session(engine) as s:
                tech = meetings.agenda_candidates(session=s, meeting_id=mid).iloc[n]
                meetings.add_agenda_item(
                    session=s, actor=staff, meeting_id=mid, technology_id=int(tech["technology_id"])
                )
        with write_session(engine) as s:
            draw = meetings.draw_and_seat_panel(session=s, actor=staff, meeting_id=mid, seed=19)
            meetings.hold_meeting(session=s, actor=staff, meeting_id=mid, held_on=DAY)
            for x in draw.expert_ids:
                meetings.record_attendance(
                    session=s, actor=staff, meeting_id=mid, expert_id=x, attended=True
                )
        with read_session(engine) as s:
            member = next(
                x
                for x in draw.expert_ids
                if (e := s.get(Expert, x)) is not None and e.email and len(e.email) <= 64
            )
            email = str(s.get(Expert, member).email).lower()  # type: ignore[union-attr]
        with write_session(engine) as s:
            invitations.invite_expert(
                session=s,
                actor=staff,
                expert_id=member,
                compose=lambda token: mail.Letter(
                    "Invitation", f"{server.url}/expert_invitation?token={token}", "en"
                ),
                deliver=False,
            )
            [message] = [m for m in mail.messages_to(s, email) if m.kind == "expert_invite"]
        link = re.search(r"https?://\S+", message.body)
        assert link
        return {"meeting_id": mid, "member": member, "members": list(draw.expert_ids),
                "email": email, "link": link.group(0), "staff": staff}  # fmt: skip
    finally:
        engine.dispose()


def _korean(page: Any) -> None:
    page.get_by_role("combobox").first.click()
    page.get_by_role("option", name="한국어").click()
    wait_ready(page)


def test_an_invited_expert_declares_and_scores(browser: Any, app_server: AppServer) -> None:
    world = _prepare(app_server)
    ctx = browser.new_context(viewport={"width": 1400, "height": 1800})
    page = ctx.new_page()
    page.goto(world["link"])
    page.get_by_role("button", name="Open my account").first.wait_for(timeout=30_000)
    settle(page)
    screenshot(page, "expert-invitation-en")
    page.get_by_role("textbox", name="Password", exact=True).last.fill(PASSWORD)
    page.get_by_role("textbox", name="Repeat the password").fill(PASSWORD)
    page.get_by_role("button", name="Open my account").click()
    page.get_by_text("Your expert account is open").first.wait_for(timeout=30_000)

    page.goto(app_server.url)
    assert fill_sign_in(page, world["email"], PASSWORD, page.get_by_text("Signed in as"))
    page.get_by_role("heading", name="Expert area").first.wait_for(timeout=30_000)
    settle(page)
    # item 1: a conflict
    page.get_by_text("I have a conflict of interest with this applicant").first.click()
    page.get_by_role("textbox", name="Statement").first.fill("I advised this applicant.")
    page.get_by_role("button", name="Sign the declaration").first.click()
    page.get_by_text("You declared a conflict of interest").first.wait_for(timeout=30_000)
    settle(page)
    # item 2: none, then the scores
    page.get_by_role("textbox", name="Statement").first.fill("No tie to this applicant.")
    page.get_by_role("button", name="Sign the declaration").first.click()
    page.get_by_text("You declared no conflict of interest").first.wait_for(timeout=30_000)
    settle(page)
    for name, value in SCORES.items():
        page.get_by_role("spinbutton", name=name).first.fill(str(value))
    page.get_by_role("textbox", name="Comment").first.fill("Convincing field data.")
    page.get_by_role("button", name="Submit my scores").first.click()
    page.get_by_text("Your scores were saved").first.wait_for(timeout=30_000)
    settle(page)
    screenshot(page, "expert-area-en")
    _korean(page)
    page.get_by_role("heading", name="전문가 공간").first.wait_for(timeout=30_000)
    settle(page)
    screenshot(page, "expert-area-ko")
    ctx.close()

    # staff enter the other members' paper sheets; the decisions use exactly those scores
    engine = create_engine(app_server.database_url)
    try:
        with read_session(engine) as s:
            items = [i.item_id for i in panelist.panel_progress(
                session=s, actor=world["staff"], meeting_id=world["meeting_id"])
                if i.expert_id == world["member"]]  # fmt: skip
            mine = s.execute(
                select(Evaluation).where(Evaluation.agenda_item_id == items[1])
            ).scalar_one()
            assert mine.origin == "self" and mine.comment == "Convincing field data."
        others = [x for x in world["members"] if x != world["member"]]
        paper = dict(zip(("novelty", "progressiveness", "applicability", "economy",
                          "diffusion"), (70, 70, 70, 70, 70), strict=True))  # fmt: skip
        with write_session(engine) as s:
            for item in items:
                for x in others:
                    meetings.record_evaluation(session=s, actor=world["staff"], item_id=item,
                                               expert_id=x, scores=paper, **PROXY)  # fmt: skip
        with write_session(engine) as s:
            conflict = meetings.record_decision(
                session=s, actor=world["staff"], item_id=items[0], reason="Scores."
            )
            scored = meetings.record_decision(
                session=s, actor=world["staff"], item_id=items[1], reason="Scores."
            )
    finally:
        engine.dispose()
    assert conflict.outcome.members == len(others)  # the recused expert is not counted
    assert conflict.outcome.criterion_means["novelty"] == 70
    assert scored.outcome.members == len(others) + 1
    assert scored.outcome.criterion_means["novelty"] == pytest.approx(
        (70 * len(others) + 91) / (len(others) + 1)
    )
