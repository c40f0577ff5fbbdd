"""The work queue and approvals pages under AppTest, on a copy of the SQLite demo database.

The journey of issue 6 in the app: staff propose an adoption; colleagues see it waiting for
a meeting; after the meeting recommends it, the proposer (approver.demo is staff and
approver) cannot decide it, a second approver can, after confirming and with a comment; a
decision that lost a race says who won; bulk decisions show a result per item; forms say
what is wrong next to the field and that nothing was saved. The rules themselves are tested
on both databases in ``test_workflow_rules.py``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, update
from streamlit.testing.v1 import AppTest

from db import adoptions, audit
from db.accounts import create_user
from db.engine import make_engine
from db.models import Adoption, AgendaItem, Meeting, Organization, Technology, User
from db.policy import SYSTEM, Actor
from db.session import read_session, write_session
from tests import workflow_data as wd
from tests.apptest import (
    DEMO_PASSWORD,
    button,
    new_app,
    open_tab,
    page_text,
    rendered_html,
    shown,
    sign_in,
    text_input,
)

SECOND_APPROVER = "approver2.test"
LISTS, ACTIONS = "wq_list_tab", "wq_action_tab"  # the work queue's tabs (lists, forms)
SECOND_PASSWORD = "second approver pass 2026"


@pytest.fixture
def app_db(app_env: str) -> Iterator[Engine]:
    """A private copy of the demo database (English; conftest's app_env), with a second
    approver account."""
    engine = make_engine(app_env)
    with write_session(engine) as s:
        uid, _pw = create_user(
            session=s,
            actor=SYSTEM,
            username=SECOND_APPROVER,
            display_name="Second Approver",
            roles=["approver"],
            password=SECOND_PASSWORD,
        )
        s.execute(update(User).where(User.id == uid).values(must_change_password=False))
    yield engine
    engine.dispose()


def open_page(username: str, page: str, password: str | None = None) -> AppTest:
    at = sign_in(new_app(), username, *([password] if password else []))
    assert not at.exception, at.exception
    at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, at.exception
    return at


def user_id(engine: Engine, username: str) -> int:
    with read_session(engine) as s:
        return int(s.execute(select(User.id).where(User.username == username)).scalar_one())


def actor(engine: Engine, username: str) -> Actor:
    with read_session(engine) as s:
        u = s.execute(select(User).where(User.username == username)).scalar_one()
        return Actor(id=u.id, username=u.username, roles=u.role_names, display_name=u.display_name)


def submit(at: AppTest, label: str) -> AppTest:
    button(at, label).click()
    at.run()
    assert not at.exception, at.exception
    return at


def frames_text(at: AppTest) -> str:
    return "\n".join(df.value.to_csv() for df in at.dataframe)


def review(engine: Engine, adoption_id: int, *, recommended: bool = True) -> None:
    """What the deliberation work does: the adoption goes before a meeting that decides."""
    with write_session(engine) as s:
        s.execute(update(Adoption).where(Adoption.id == adoption_id).values(status="under_review"))
        if recommended:
            wd.recommend(s, adoption_id)


def new_items(engine: Engine, proposer: str, n: int, *, recommended: bool = True) -> list[int]:
    return wd.under_review_adoptions(engine, user_id(engine, proposer), n, recommended=recommended)


def test_proposal_journey_four_eyes(app_db: Engine) -> None:
    with read_session(app_db) as s:
        tech_id = s.execute(
            select(Technology.id).where(Technology.status == "registered").limit(1)
        ).scalar_one()
    # approver.demo is also staff: they propose
    at = open_page("approver.demo", "work_queue")
    open_tab(at, ACTIONS, 1)  # Propose an adoption
    at.selectbox(key="wf_adopt_technology_id").set_value(tech_id)
    at.text_input(key="wf_adopt_project_name").input("수성못 산책로 정비")
    at.text_input(key="wf_adopt_department").input("공원녹지과")
    at.number_input(key="wf_adopt_budget_krw").set_value(380_000_000)
    at.text_area(key="wf_adopt_justification").input("유지관리비 절감")
    submit(at, "Propose")
    assert [s.value for s in at.success] == [
        "Your proposal was saved. It now waits for an adoption review meeting."
    ]
    with read_session(app_db) as s:
        a = s.execute(
            select(Adoption).where(Adoption.project_name == "수성못 산책로 정비")
        ).scalar_one()
        aid, proposer = a.id, a.proposed_by_id
    assert proposer == user_id(app_db, "approver.demo")
    # in "my proposals" and "waiting for a meeting" (each list drawn when its tab is open)
    assert "수성못 산책로 정비" in frames_text(open_tab(at, LISTS, 3))
    assert "수성못 산책로 정비" in frames_text(open_tab(at, LISTS, 2))

    # a colleague sees it waiting for a meeting
    colleague = open_tab(open_page("staff2.demo", "work_queue"), LISTS, 2)
    assert "수성못 산책로 정비" in frames_text(colleague)

    # the meeting recommends it; the proposer cannot decide it
    review(app_db, aid)
    mine = open_page("approver.demo", "approvals")
    assert f"adoption:{aid}" not in mine.selectbox(key="ap_item").options
    assert "수성못 산책로 정비" not in frames_text(mine)
    mine.toggle(key="ap_show_all").set_value(True).run()
    assert "You proposed it: another approver decides it." in frames_text(mine)
    assert f"adoption:{aid}" not in mine.selectbox(key="ap_item").options

    # a second approver decides, after the confirmation and with a comment
    other = open_page(SECOND_APPROVER, "approvals", SECOND_PASSWORD)
    other.selectbox(key="ap_item").set_value(f"adoption:{aid}").run()
    text = page_text(other)
    assert "수성못 산책로 정비" in text
    assert "Recommended by the adoption review meeting" in text
    other.radio(key="ap_decision").set_value("approve")
    submit(other, "Record the decision")
    assert [w.value for w in other.warning] == ["Tick the confirmation first. Nothing was saved."]
    other.checkbox(key="ap_confirm").check()
    submit(other, "Record the decision")
    errors = [e.value for e in other.error]
    assert "Write a comment: it is kept with the decision." in errors  # under the field
    assert any("Nothing was saved." in e for e in errors)
    assert wd.status_of(app_db, Adoption, aid) == "under_review"
    other.text_area(key="ap_comment").input("심의 권고에 따라 승인함")
    other.checkbox(key="ap_confirm").check()
    submit(other, "Record the decision")
    # the confirmation names the item (issue 16, item 8)
    [done] = [s.value for s in other.success]
    assert done.startswith("Decision recorded: Approve. Item: ") and "수성못 산책로 정비" in done
    with read_session(app_db) as s:
        decided = s.get(Adoption, aid)
        assert decided is not None
        assert (decided.status, decided.decided_by_id, decided.decision_comment) == (
            "approved",
            user_id(app_db, SECOND_APPROVER),
            "심의 권고에 따라 승인함",
        )
    assert f"adoption:{aid}" not in other.selectbox(key="ap_item").options


def test_approvals_say_why_the_meeting_runner_cannot_approve(app_db: Engine) -> None:
    """approver.demo (staff and approver) held the meeting that recommended staff.demo's
    proposal: the list says why approval is off, the screen says it again and offers no
    approval; the second approver may approve it."""
    [aid] = new_items(app_db, "staff.demo", 1)
    runner = actor(app_db, "approver.demo")
    with write_session(app_db) as s:
        meeting_id, code = s.execute(
            select(Meeting.id, Meeting.code)
            .join(AgendaItem, AgendaItem.meeting_id == Meeting.id)
            .where(AgendaItem.adoption_id == aid)
        ).one()
        audit.append(
            s,
            actor_id=runner.id,
            actor_name=runner.username,
            action="meeting.hold",
            entity="meeting",
            entity_id=meeting_id,
            after={"status": "held"},
        )
    reason = f"You ran the meeting that recommended it ({code}): another approver must approve it."
    at = open_page("approver.demo", "approvals")
    pending = next(df.value for df in at.dataframe if "Why not" in df.value.columns)
    [row] = pending[pending["Why not"] == reason].to_dict("records")
    assert row["Can be approved"] == "Not yet"
    at.selectbox(key="ap_item").set_value(f"adoption:{aid}").run()
    assert reason in [w.value for w in at.warning]
    assert at.radio(key="ap_decision").options == ["Reject", "Return for rework"]
    assert "Approval is not possible now; see the reasons above." in page_text(at)
    other = open_page(SECOND_APPROVER, "approvals", SECOND_PASSWORD)
    other.selectbox(key="ap_item").set_value(f"adoption:{aid}").run()
    assert not other.warning and "Approve" in other.radio(key="ap_decision").options


def test_a_lost_race_says_who_won(app_db: Engine) -> None:
    [aid] = new_items(app_db, "staff.demo", 1)
    at = open_page(SECOND_APPROVER, "approvals", SECOND_PASSWORD)
    at.selectbox(key="ap_item").set_value(f"adoption:{aid}").run()
    # meanwhile approver.demo decides it in another browser
    with write_session(app_db) as s:
        adoptions.decide_adoption(
            session=s,
            actor=actor(app_db, "approver.demo"),
            adoption_id=aid,
            decision="reject",
            comment="예산 부족",
        )
    at.radio(key="ap_decision").set_value("approve")
    at.text_area(key="ap_comment").input("승인")
    at.checkbox(key="ap_confirm").check()
    submit(at, "Record the decision")
    [message] = shown(at.error)  # as a person reads it
    assert message.startswith("Already decided by 정결재 (데모) at ")
    assert message.endswith(" KST. Your action was not saved.")
    assert wd.status_of(app_db, Adoption, aid) == "rejected"


# A name from the database with Markdown in it: a numbered-list marker at the start of the
# message, bold, and a javascript: link. It must be shown exactly as typed.
MARKDOWN_NAME = "1. **x** [a](javascript:alert(1))"


def test_the_winners_name_in_a_lost_race_is_shown_as_typed(app_db: Engine) -> None:
    [aid] = new_items(app_db, "staff.demo", 1)
    with write_session(app_db) as s:
        s.execute(
            update(User).where(User.username == "approver.demo").values(display_name=MARKDOWN_NAME)
        )
    at = open_page(SECOND_APPROVER, "approvals", SECOND_PASSWORD)
    at.selectbox(key="ap_item").set_value(f"adoption:{aid}").run()
    with write_session(app_db) as s:
        adoptions.decide_adoption(
            session=s,
            actor=actor(app_db, "approver.demo"),
            adoption_id=aid,
            decision="reject",
            comment="예산 부족",
        )
    at.radio(key="ap_decision").set_value("approve")
    at.text_area(key="ap_comment").input("승인")
    at.checkbox(key="ap_confirm").check()
    submit(at, "Record the decision")
    [error] = at.error
    assert re.fullmatch(
        re.escape(f"Already decided by {MARKDOWN_NAME} at ")
        + r"\d{4}-\d\d-\d\d \d\d:\d\d KST\. Your action was not saved\.",
        shown([error])[0],
    )
    html = rendered_html(str(error.value))
    assert html.startswith("<p>") and "<ol" not in html and "<strong>" not in html
    assert "<a " not in html and "javascript" in html  # the link's text, not a link
    # the time is escaped but has no hidden character in it (a browser shows and copies it)
    assert re.search(r" \d\d\\:\d\d KST\. Your action", str(error.value)), error.value


def test_bulk_decisions_report_each_item(app_db: Engine) -> None:
    ready, decided_meanwhile = new_items(app_db, "staff.demo", 2)
    [unrecommended] = new_items(app_db, "staff.demo", 1, recommended=False)
    at = open_page(SECOND_APPROVER, "approvals", SECOND_PASSWORD)
    keys = [f"adoption:{i}" for i in (ready, unrecommended, decided_meanwhile)]
    at.multiselect(key="ap_bulk_keys").set_value(keys)
    at.radio(key="ap_bulk_decision").set_value("approve")
    at.text_area(key="ap_bulk_comment").input("일괄 승인")
    at.checkbox(key="ap_bulk_confirm").check()
    with write_session(app_db) as s:
        adoptions.decide_adoption(
            session=s,
            actor=actor(app_db, "approver.demo"),
            adoption_id=decided_meanwhile,
            decision="approve",
            comment="먼저 승인",
        )
    submit(at, "Record the decisions")
    assert [s.value for s in at.success] == [
        "1 of 3 decisions recorded; see the result of each item below."
    ]
    results = next(df.value for df in at.dataframe if "Result" in df.value.columns)
    assert results["Result"].tolist() == ["Recorded", "Not possible", "Already decided"]
    assert "has not recommended" in results["Details"].iloc[1]
    assert results["Details"].iloc[2].startswith("Already decided by 정결재")
    assert wd.status_of(app_db, Adoption, ready) == "approved"
    assert wd.status_of(app_db, Adoption, unrecommended) == "under_review"


def test_register_form_says_what_is_wrong_next_to_each_field(app_db: Engine) -> None:
    at = open_tab(open_page("staff.demo", "work_queue"), ACTIONS, 2)  # Register a submission
    submit(at, "Register the submission")
    errors = [e.value for e in at.error]
    assert errors.count("This field is required.") == 2  # the two titles
    assert "Choose the organization that owns the technology." in errors
    assert "Choose a value from the list." in errors  # field
    assert any(e.startswith("Some fields need attention. Nothing was saved.") for e in errors)
    with read_session(app_db) as s:
        owner = s.execute(
            select(Organization.id).where(Organization.kind == "company").limit(1)
        ).scalar_one()
    at.text_input(key="wf_reg_title_ko").input("열차단 투수 블록")
    at.text_input(key="wf_reg_title_en").input("Heat-shielding permeable block")
    at.selectbox(key="wf_reg_owner_org_id").set_value(owner)
    at.selectbox(key="wf_reg_field").set_value("roads")
    submit(at, "Register the submission")
    [ok] = [s.value for s in at.success]
    assert ok.startswith("Submission registered as DG-")
    reg_no = ok.removeprefix("Submission registered as ").removesuffix(".")
    with read_session(app_db) as s:
        t = s.execute(select(Technology).where(Technology.reg_no == reg_no)).scalar_one()
        assert (t.title_ko, t.status) == ("열차단 투수 블록", "submitted")
    assert not at.error
    # the saved form came back empty (its widgets are new: key suffix "__1")
    assert at.text_input(key="wf_reg_title_ko__1").value == ""
    # the same again: a duplicate, said next to the titles
    at.text_input(key="wf_reg_title_ko__1").input("열차단 투수 블록")
    at.text_input(key="wf_reg_title_en__1").input("Heat-shielding permeable block")
    at.selectbox(key="wf_reg_owner_org_id__1").set_value(owner)
    at.selectbox(key="wf_reg_field__1").set_value("roads")
    submit(at, "Register the submission")
    errors = [e.value for e in at.error]
    assert sum("already has a technology with this title" in e for e in errors) == 2


def test_move_a_technology_to_screening(app_db: Engine) -> None:
    at = open_page("staff.demo", "work_queue")
    with read_session(app_db) as s:
        tech = (
            s.execute(
                select(Technology).where(Technology.status == "submitted").order_by(Technology.id)
            )
            .scalars()
            .first()
        )
        assert tech is not None
        tech_id, reg_no = tech.id, tech.reg_no
    at.selectbox(key="wf_move_tech").set_value(tech_id)
    submit(at, "Move to the next step")
    assert [s.value for s in at.success] == [f"{reg_no} is now: Screening."]
    assert wd.status_of(app_db, Technology, tech_id) == "screening"


@pytest.mark.parametrize("page", ["work_queue", "approvals"])
def test_pages_in_korean(app_db: Engine, monkeypatch: pytest.MonkeyPatch, page: str) -> None:
    monkeypatch.setenv("NTP_LANG", "ko")
    new_items(app_db, "staff.demo", 1)
    at = new_app()
    text_input(at, "사용자 이름").input("approver.demo")
    text_input(at, "비밀번호").input(DEMO_PASSWORD)
    submit(at, "로그인")
    at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, at.exception
    assert at.title[0].value == {"work_queue": "업무함", "approvals": "결재함"}[page]
    if page == "approvals":
        key = at.selectbox(key="ap_item").options[0]
        at.selectbox(key="ap_item").set_value(key).run()
        assert not at.exception, at.exception
        assert "결재 처리" in page_text(at)  # the decision form's heading
    else:
        assert "사전 검토 대상" in page_text(at)  # a tile


def test_pages_refuse_other_roles(app_db: Engine) -> None:
    at = AppTest.from_file(str(Path(__file__).resolve().parent.parent / "pages" / "approvals.py"))
    at.session_state["ntp_actor"] = Actor(id=3, username="staff.demo", roles=frozenset({"staff"}))
    at.run()
    assert [e.value for e in at.error] == ["You do not have access to this page."]


@pytest.mark.parametrize(
    ("table", "action", "box"),
    [
        ("wq_screen", "Move a technology forward", "wf_move_tech"),
        ("wq_propose", "Propose an adoption", "wf_adopt_technology_id"),
    ],
)
def test_a_queue_row_opens_its_item_with_its_form(
    app_db: Engine, table: str, action: str, box: str
) -> None:
    """Issue 16, item 8: a row of "To screen" or "To propose" opens its item under the list,
    in its form's tab (the active one), chosen in the form, with its facts and a link to its
    whole record above the form; "Close" closes it. (A click on a row is what the browser
    test makes; AppTest cannot click a table's row, so the test opens the row as the click's
    callback does.)"""
    from components import work_queue as wq
    from components.cells import escape_markdown

    at = open_page("staff.demo", "work_queue")
    if table == "wq_propose":
        open_tab(at, LISTS, 1)
    listed = next(df for df in at.dataframe if df.key == table).value
    reg_no = str(listed.iloc[1]["Registration number"])
    with read_session(app_db) as s:
        tech_id = s.execute(select(Technology.id).where(Technology.reg_no == reg_no)).scalar_one()
    at.session_state[wq.OPENED_KEY] = {
        "action": action, "id": tech_id, "reg_no": reg_no, "fresh": True
    }  # fmt: skip
    at.run()
    assert not at.exception, at.exception
    assert at.selectbox(key=box).value == tech_id
    assert at.session_state[ACTIONS] == action
    opened = f"**{escape_markdown(reg_no)} · "
    heading = [m.value for m in at.markdown if m.value.startswith(opened)]
    assert len(heading) == 1, "the opened item's heading, once"
    links = [e.proto for e in at.get("page_link")]
    assert [(p.label, p.query_string) for p in links if "whole record" in p.label] == [
        ("Open the technology's whole record", f"id={tech_id}")
    ]
    # the page keeps the item open on a later run (the user fills the form)
    at.run()
    assert at.selectbox(key=box).value == tech_id
    button(at, "Close").click()
    at.run()
    assert not at.exception, at.exception
    assert at.selectbox(key=box).value is None
    assert not [m.value for m in at.markdown if m.value.startswith(opened)]


def test_only_the_open_tabs_are_drawn_and_what_was_typed_is_kept(app_db: Engine) -> None:
    """Issue #22: of the lists and of the forms, only the open tab is drawn (the browser's
    time grows with what it draws); what a user typed or chose in a form is still there
    when its tab is opened again after another, and is what the form then saves; the open
    list stays open when a write changes the counts."""
    with read_session(app_db) as s:
        tech_id = s.execute(
            select(Technology.id).where(Technology.status == "registered").limit(1)
        ).scalar_one()
    at = open_page("staff.demo", "work_queue")
    assert [df.key for df in at.dataframe] == ["wq_screen"]
    assert not [b for b in at.button if b.label == "Propose"]  # a closed form is not drawn
    at.text_input(key="wf_move_search").input("no such technology").run()
    open_tab(at, ACTIONS, 1)  # Propose an adoption: half filled in, not sent
    at.selectbox(key="wf_adopt_technology_id").set_value(tech_id)
    at.text_input(key="wf_adopt_project_name").input("반쯤 쓴 사업")
    at.number_input(key="wf_adopt_budget_krw").set_value(120_000_000)
    at.text_area(key="wf_adopt_justification").input("유지관리비 절감").run()
    open_tab(at, ACTIONS, 2)
    assert [b for b in at.button if b.label == "Register the submission"]
    assert not [b for b in at.button if b.label == "Propose"]
    assert not [t for t in at.text_input if t.key == "wf_move_search"]
    open_tab(at, ACTIONS, 0)
    assert at.text_input(key="wf_move_search").value == "no such technology"
    open_tab(at, ACTIONS, 1)
    assert at.selectbox(key="wf_adopt_technology_id").value == tech_id
    assert at.text_input(key="wf_adopt_project_name").value == "반쯤 쓴 사업"
    assert at.number_input(key="wf_adopt_budget_krw").value == 120_000_000
    assert at.text_area(key="wf_adopt_justification").value == "유지관리비 절감"
    # the department was left empty: the form says so, nothing is saved, nothing is lost
    submit(at, "Propose")
    assert any("Nothing was saved" in e.value for e in at.error), [e.value for e in at.error]
    assert at.text_input(key="wf_adopt_project_name").value == "반쯤 쓴 사업"
    at.text_input(key="wf_adopt_department").input("공원녹지과")
    submit(at, "Propose")
    assert [s.value for s in at.success] == [
        "Your proposal was saved. It now waits for an adoption review meeting."
    ]
    with read_session(app_db) as s:
        saved = s.execute(
            select(Adoption).where(Adoption.project_name == "반쯤 쓴 사업")
        ).scalar_one()
        assert (saved.technology_id, saved.budget_krw, saved.department) == (
            tech_id,
            120_000_000,
            "공원녹지과",
        )
    assert at.text_input(key="wf_adopt_project_name__1").value == ""  # sent: empty again
    open_tab(at, LISTS, 3)
    mine = "Decided by"  # a column of My proposals only
    assert [mine in df.value.columns for df in at.dataframe] == [True]
    before = [t.label for t in at.tabs][3]
    new_items(app_db, "staff.demo", 1)  # one more proposal of theirs: the label's count changes
    at.run()
    assert not at.exception, at.exception
    assert [t.label for t in at.tabs][3] != before
    assert [mine in df.value.columns for df in at.dataframe] == [True], "the same list is open"
