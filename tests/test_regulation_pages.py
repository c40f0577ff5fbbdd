"""The regulation page under AppTest, as each role, on a copy of the demo SQLite database:
everyone allowed reads the versions, their rules and the differences; an administrator drafts
(a draft outside the limits is refused with its problems named); an approver who did not
draft it approves it after a confirmation; the page shows in Korean too."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from streamlit.testing.v1 import AppTest

from tests.apptest import DEMO_PASSWORD, button, new_app, page_text, sign_in, text_input

PAGE = "pages/regulation.py"


def query(url: str, sql: str, **params: object) -> list[Any]:
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            return list(conn.execute(text(sql), params).all())
    finally:
        engine.dispose()


def execute(url: str, sql: str, **params: object) -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text(sql), params)
    finally:
        engine.dispose()


def open_page(username: str) -> AppTest:
    at = sign_in(new_app(), username)
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def submit(at: AppTest, label: str) -> None:
    next(b for b in at.get("form_submit_button") if b.label == label).click().run()
    assert not at.exception, at.exception


def tables(at: AppTest) -> list[Any]:
    return [d.value for d in at.dataframe]


def a_draft(url: str, by: str = "admin.demo", **changes: Any) -> int:
    """A draft version 2 written straight into the database (drafted by ``by``)."""
    (rules,) = query(url, "SELECT rules FROM regulation_versions WHERE number = 1")[0]
    import json

    raw = {**json.loads(rules), **changes}
    (user,) = query(url, "SELECT id FROM users WHERE username = :u", u=by)[0]
    execute(
        url,
        "INSERT INTO regulation_versions (number, version, effective_on, directive, rules, "
        "status, source, drafted_by_id, drafted_at) VALUES (2, 1, '2027-01-01', 'Rev. 2027', "
        ":rules, 'draft', 'test', :user, '2026-11-01 00:00:00')",
        rules=json.dumps(raw, sort_keys=True),
        user=user,
    )
    return int(query(url, "SELECT id FROM regulation_versions WHERE number = 2")[0][0])


@pytest.mark.parametrize("username", ["auditor.demo", "staff.demo", "approver.demo", "admin.demo"])
def test_every_reader_sees_the_versions_and_their_rules(app_env: str, username: str) -> None:
    at = open_page(username)
    assert at.title[0].value == "Regulation"
    versions = next(df for df in tables(at) if "Directive" in df.columns)
    assert list(versions["Version"]) == [1] and list(versions["Status"]) == ["Approved"]
    rules = next(df for df in tables(at) if "Rule" in df.columns and "Value" in df.columns)
    shown = dict(zip(rules["Rule"], rules["Value"], strict=True))
    assert shown["Quorum: Registration review"] == "5"
    assert shown["Pass mark, stage 1"] == "70"
    assert shown["Weight: Novelty"] == "1"
    assert shown["Panel size"] == "7"
    assert shown["Seats staff may fill by hand, per meeting"] == "1"
    assert "There is only one version." in page_text(at)
    forms = {b.label for b in at.get("form_submit_button")}
    assert ("Save the draft" in forms) is (username == "admin.demo")
    assert "Drafts waiting for approval" in page_text(at) or username != "approver.demo"


def test_the_executive_cannot_open_the_page(app_env: str) -> None:
    at = sign_in(new_app(), "executive.demo")
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(PAGE)


def test_an_administrator_drafts_and_a_bent_draft_is_refused(app_env: str) -> None:
    at = open_page("admin.demo")
    at.date_input(key="rg_new_day").set_value(dt.date(2027, 1, 1))
    at.text_input(key="rg_new_directive").input("Directive 2027-1")
    at.number_input(key="rg_new_q_registration_review").set_value(1)
    submit(at, "Save the draft")
    errors = [e.value for e in at.error]
    assert "The rules were refused, and nothing was saved:" in errors
    assert any(e.startswith("quorum.registration_review: must be from 3") for e in errors)
    assert query(app_env, "SELECT count(*) FROM regulation_versions") == [(1,)]
    at.number_input(key="rg_new_q_registration_review").set_value(4)
    submit(at, "Save the draft")
    assert "The draft was saved." in page_text(at)
    assert query(
        app_env, "SELECT number, status, directive FROM regulation_versions WHERE number = 2"
    ) == [(2, "draft", "Directive 2027-1")]
    # the differences between the two versions
    versions = next(df for df in tables(at) if "Directive" in df.columns)
    assert list(versions["Status"]) == ["Draft", "Approved"]
    found = next(df for df in tables(at) if "First version" in df.columns)
    assert list(found["Rule"]) == ["Quorum: Registration review"]
    assert (found.iloc[0]["First version"], found.iloc[0]["Second version"]) == ("5", "4")


def test_an_approver_approves_after_confirming(app_env: str) -> None:
    draft = a_draft(app_env, pass_marks={"1": 75.0, "2": 70.0})
    at = open_page("approver.demo")
    assert "Drafts waiting for approval" in page_text(at)
    changes = next(df for df in tables(at) if "First version" in df.columns)
    assert list(changes["Rule"]) == ["Pass mark, stage 1"]
    submit(at, "Approve version 2")
    assert "Tick the box to confirm first. Nothing was approved." in page_text(at)
    assert query(app_env, "SELECT status FROM regulation_versions WHERE id = :v", v=draft) == [
        ("draft",)
    ]
    at.checkbox(key=f"rg_sure_{draft}").check()
    submit(at, "Approve version 2")
    assert "Version 2 was approved." in page_text(at)
    assert query(app_env, "SELECT status FROM regulation_versions WHERE id = :v", v=draft) == [
        ("approved",)
    ]
    assert "No draft is waiting." in page_text(at)


def test_an_approver_cannot_approve_their_own_draft(app_env: str) -> None:
    a_draft(app_env, by="approver.demo")
    at = open_page("approver.demo")
    assert "You drafted this version: another approver must approve it." in page_text(at)
    assert "Approve version 2" not in {b.label for b in at.get("form_submit_button")}


def test_auditors_and_staff_see_drafts_but_no_write_control(app_env: str) -> None:
    a_draft(app_env)
    for username in ("auditor.demo", "staff.demo"):
        at = open_page(username)
        assert not at.get("form_submit_button") or all(
            b.label not in ("Save the draft", "Approve version 2")
            for b in at.get("form_submit_button")
        )
        versions = next(df for df in tables(at) if "Directive" in df.columns)
        assert list(versions["Status"]) == ["Draft", "Approved"]


def test_the_page_in_korean(app_env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NTP_LANG", "ko")
    a_draft(app_env)
    for username in ("admin.demo", "approver.demo", "auditor.demo"):
        at = new_app()
        text_input(at, "사용자 이름").input(username)
        text_input(at, "비밀번호").input(DEMO_PASSWORD)
        button(at, "로그인").click()
        at.run()
        at.switch_page(PAGE).run()
        assert not at.exception, at.exception
        assert at.title[0].value == "규정"
        assert "규정 버전" in " ".join(str(c.value) for c in at.caption) + page_text(at)
        assert "Regulation" not in page_text(at) and "Version" not in page_text(at)


# --- a meeting under its regulation, on the meetings page -------------------------------------


def held_meeting(url: str, absent: int = 1) -> tuple[int, list[int], list[int]]:
    """A registration review prepared through ``db/``: agenda, draw, held, the first
    ``absent`` members absent. Returns (id, members, items)."""
    from db import meetings
    from db.engine import make_engine
    from db.models import AgendaItem, User
    from db.policy import Actor
    from db.session import write_session

    engine = make_engine(url)
    try:
        with write_session(engine) as s:
            user = s.query(User).filter(User.username == "staff.demo").one()
            staff = Actor(user.id, user.username, frozenset({"staff"}))
            mid = meetings.schedule_meeting(
                session=s,
                actor=staff,
                kind="registration_review",
                title="Regulation flow",
                scheduled_on=dt.date(2026, 12, 1),
            )
        with write_session(engine) as s:
            candidates = meetings.agenda_candidates(session=s, meeting_id=mid)
            owners: set[str] = set()
            for row in candidates.itertuples(index=False):  # two items of two applicants
                if row.applicant_ko not in owners and len(owners) < 2:
                    owners.add(row.applicant_ko)
                    meetings.add_agenda_item(
                        session=s, actor=staff, meeting_id=mid, technology_id=int(row.technology_id)
                    )
        with write_session(engine) as s:
            draw = meetings.draw_and_seat_panel(session=s, actor=staff, meeting_id=mid, seed=11)
        with write_session(engine) as s:
            meetings.hold_meeting(
                session=s, actor=staff, meeting_id=mid, held_on=dt.date(2026, 12, 1)
            )
            for n, expert_id in enumerate(draw.expert_ids):
                meetings.record_attendance(
                    session=s,
                    actor=staff,
                    meeting_id=mid,
                    expert_id=expert_id,
                    attended=n >= absent,
                )
            items = [
                i.id
                for i in s.query(AgendaItem)
                .filter(AgendaItem.meeting_id == mid)
                .order_by(AgendaItem.position)
            ]
        return mid, list(draw.expert_ids), items
    finally:
        engine.dispose()


def open_meeting(meeting_id: int, username: str = "staff.demo") -> AppTest:
    at = sign_in(new_app(), username)
    at.switch_page("pages/meetings.py").run()
    at.query_params["id"] = str(meeting_id)
    at.run()
    assert not at.exception, at.exception
    return at


def test_staff_replace_an_absent_member_by_a_drawn_substitute(app_env: str) -> None:
    mid, members, _items = held_meeting(app_env)
    at = open_meeting(mid)
    assert "Held under regulation version 1" in " ".join(str(c.value) for c in at.caption)
    submit(at, "Draw a substitute")
    assert "Tick the box to confirm first. Nothing was drawn." in page_text(at)
    at.checkbox(key="dl_substitute_sure").check()
    submit(at, "Draw a substitute")
    assert "A substitute was drawn for" in page_text(at)
    rows = query(
        app_env,
        "SELECT s.expert_id, r.replaced_seat_id FROM panel_seats s JOIN panel_substitutions r "
        "ON r.seat_id = s.id WHERE s.meeting_id = :m AND s.method = 'substitute'",
        m=mid,
    )
    assert len(rows) == 1 and rows[0][0] not in members
    captions = " ".join(str(c.value) for c in at.caption)
    assert "was drawn by rule to replace" in captions
    assert "No member absent or recused is waiting for a substitute." in captions


def test_staff_recuse_a_member_from_one_item(app_env: str) -> None:
    mid, members, items = held_meeting(app_env, absent=0)
    at = open_meeting(mid)
    at.selectbox(key="dl_declare_item").set_value(items[0])
    next(t for t in at.text_area if t.label == "Note or reason").input("Advised this applicant.")
    at.radio[0].set_value("recuse")
    submit(at, "Record the declaration")
    assert "The declaration was recorded." in page_text(at)
    assert query(
        app_env,
        "SELECT r.agenda_item_id, s.expert_id, r.reason FROM item_recusals r "
        "JOIN panel_seats s ON s.id = r.seat_id WHERE s.meeting_id = :m",
        m=mid,
    ) == [(items[0], members[0], "Advised this applicant.")]
    recused = next(df for df in tables(at) if "Reason" in df.columns and "Member" in df.columns)
    assert len(recused) == 1


def test_a_meeting_held_under_exceptional_settings_is_shown_so(app_env: str) -> None:
    mid, _members, _items = held_meeting(app_env, absent=0)
    execute(app_env, "UPDATE meetings SET quorum = 1 WHERE id = :m", m=mid)
    at = open_meeting(mid, "auditor.demo")
    warnings = " ".join(str(w.value) for w in at.warning)
    assert "Held under exceptional settings: the meeting recorded quorum 1" in warnings
    assert "Held under exceptional settings: its quorum or pass marks differ" in page_text(at)


def test_an_auditor_reads_the_citys_profile_beside_the_regulation(app_env: str) -> None:
    """The settings and every vocabulary the rules apply to, a retired code with its date,
    and the profile file; nothing on the page writes (the role is checked in ``db/`` too:
    tests/test_city_edits.py)."""
    execute(app_env, "UPDATE field_terms SET retired_on = '2026-01-05' WHERE code = 'bridges'")
    at = open_page("auditor.demo")
    facts = next(df for df in tables(at) if "Setting" in df.columns)
    shown = dict(zip(facts["Setting"], facts["Value"], strict=True))
    (name_en, pattern) = query(app_env, "SELECT name_en, reg_no_pattern FROM city_profile")[0]
    assert shown["Name (English)"] == name_en and shown["Registration number pattern"] == pattern
    vocabularies = [df for df in tables(at) if "Retired on" in df.columns]
    criteria = query(app_env, "SELECT label_en FROM criterion_terms ORDER BY position")
    assert any(list(df["English"]) == [c for (c,) in criteria] for df in vocabularies)
    fields = next(df for df in vocabularies if "bridges" in set(df["Code"]))
    assert fields.loc[fields["Code"] == "bridges", "Retired on"].item() == "2026-01-05"
    assert not at.get("form_submit_button") and not at.get("data_editor")
    (download,) = [b for b in at.get("download_button") if "profile file" in b.proto.label]
    assert download.proto.label == "Download the profile file (TOML)"
