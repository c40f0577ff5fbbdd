"""The inbox in the sidebar under AppTest, on a copy of the SQLite demo database: the
approver sees how many decisions wait for them, with a link to the approvals page."""

from __future__ import annotations

from sqlalchemy import select

from db import clock
from db.engine import make_engine
from db.inbox import awaiting, my_subscriptions
from db.models import User
from db.policy import Actor
from db.session import read_session, write_session
from tests import workflow_data as wd
from tests.apptest import new_app, page_text, sign_in


def _actor(url: str, username: str) -> Actor:
    engine = make_engine(url)
    try:
        with read_session(engine) as s:
            user = s.execute(select(User).where(User.username == username)).scalar_one()
            return Actor(id=user.id, username=user.username, roles=user.role_names)
    finally:
        engine.dispose()


def _page_links(at) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """(label, page) of every page link the sidebar shows."""
    out = []
    for element in at.sidebar.get("page_link"):
        proto = element.proto
        out.append((proto.label, proto.page))
    return out


def test_the_approver_sees_pending_decisions_with_a_link(app_env: str) -> None:
    engine = make_engine(app_env)
    with write_session(engine) as s:  # one more decision, proposed by someone else
        staff_id = s.execute(select(User.id).where(User.username == "staff.demo")).scalar_one()
        wd.adoption(s, wd.tech(s, wd.org(s)), staff_id)
    approver = _actor(app_env, "approver.demo")
    with read_session(engine) as s:
        items = awaiting(approver, session=s, today=clock.city_today())
    engine.dispose()
    pending = [i for i in items if i.kind == "decisions"]
    assert pending and pending[0].count >= 1
    at = sign_in(new_app(), "approver.demo")
    links = _page_links(at)
    wanted = f"Decisions pending: {pending[0].count}"
    assert any(label.startswith(wanted) and "approvals" in page for label, page in links), links


def test_an_empty_inbox_says_so(app_env: str) -> None:
    at = sign_in(new_app(), "executive.demo")
    assert "Nothing awaits you." in page_text(at)
    assert not _page_links(at)


def test_the_approver_chooses_the_digest_on_my_account(app_env: str) -> None:
    at = sign_in(new_app(), "approver.demo")
    at.switch_page("pages/account.py").run()
    assert "Messages by e-mail" in page_text(at)
    labels = [c.label for c in at.checkbox]
    # approver.demo is staff too: the digest and the overdue inquiries; nothing of others
    assert labels == [
        "Daily digest of the decisions pending for more than some days",
        "Daily list of the inquiries waiting too long for an answer",
    ]
    at.checkbox(key="sub_approval_digest").check()
    at.number_input[0].set_value(5)
    at.button(key="FormSubmitter:subscriptions-Save my choices").click()
    at.run()
    assert not at.exception
    assert "Your choices are saved." in page_text(at)
    engine = make_engine(app_env)
    with read_session(engine) as s:
        approver = _actor(app_env, "approver.demo")
        chosen = my_subscriptions(session=s, actor=approver)
    engine.dispose()
    assert [(c.kind, c.days, c.language) for c in chosen] == [("approval_digest", 5, "en")]
