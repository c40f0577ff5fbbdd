"""Crafted state is refused: forged roles in the session, pages run outside a role, record
ids typed into a URL, and writes the user's roles do not allow.

A browser cannot set ``st.session_state`` (it lives on the server); it can send widget values
and URL parameters. These tests go further than a browser can (AppTest sets session keys
directly) and check that the server's own sign-in record, the page guards and ``db/`` still
decide: forged roles are replaced by the roles in the database on the next run, a page run
by a session without its role stops, and the data layer refuses a write by a role without
the right and records the refusal.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from streamlit.testing.v1 import AppTest

from db.errors import PermissionDenied
from db.models import AuditEvent, Expert
from db.policy import Actor
from tests.apptest import ROLE_ACCOUNTS, new_app, page_text, sign_in
from tests.security_payloads import call, demo_actor

ROOT = Path(__file__).resolve().parent.parent


def _engine(url: str) -> Engine:
    from db.engine import make_engine

    return make_engine(url)


def _roles(at: AppTest) -> frozenset[str]:
    actor = at.session_state["ntp_actor"]
    assert isinstance(actor, Actor)
    return actor.roles


def test_forged_roles_in_the_session_are_replaced_by_the_server_sign_in(app_env: str) -> None:
    """A live sign-in whose session actor was given more roles: the next run of the app
    (``app.py``, as every rerun on a real server) puts the server-checked actor back, so the
    page guards and the writes see only the roles in the database."""
    signed = sign_in(new_app(), ROLE_ACCOUNTS["executive"])
    real: Actor = signed.session_state["ntp_actor"]
    assert real.roles == {"executive"}
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    for key in ("authentication_status", "username", "name", "ntp_token", "ntp_signin_checked"):
        at.session_state[key] = signed.session_state[key]
    at.session_state["ntp_actor"] = Actor(
        real.id, real.username, frozenset({"executive", "approver", "staff", "admin"})
    )
    at.run()
    assert not at.exception
    assert "Signed in as" in page_text(at)
    # The page ran with the server's actor, not the forged one...
    assert _roles(at) == {"executive"}
    # ...and the pages of the forged roles are not served.
    for page in ("approvals", "work_queue", "administration"):
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(f"pages/{page}.py")


def test_forged_actor_without_a_sign_in_gets_only_its_database_roles(app_env: str) -> None:
    """A session marked signed in with an actor but no sign-in row: whatever roles were put
    in it, the app runs with the account's roles from the database (or signs it out)."""
    engine = _engine(app_env)
    executive = demo_actor(engine, "executive.demo")
    engine.dispose()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state["authentication_status"] = True
    at.session_state["username"] = executive.username
    at.session_state["ntp_actor"] = Actor(
        executive.id, executive.username, frozenset({"approver", "admin"})
    )
    at.run()
    assert not at.exception
    actor = at.session_state["ntp_actor"] if "ntp_actor" in at.session_state else None  # noqa: SIM401
    assert actor is None or actor.roles == {"executive"}, actor
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("pages/approvals.py")
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("pages/administration.py")


@pytest.mark.parametrize(
    ("page", "role"),
    [
        ("approvals", "staff"),
        ("approvals", "executive"),
        ("work_queue", "executive"),
        ("work_queue", "auditor"),
        ("audit_trail", "staff"),
        ("fairness", "executive"),
        ("meetings", "executive"),
        ("administration", "staff"),
        ("administration", "auditor"),
        ("expert", "staff"),  # the expert area is the expert's own
        ("expert", "auditor"),
    ],
)
def test_a_page_run_by_a_session_without_its_role_stops(app_env: str, page: str, role: str) -> None:
    """The page file run directly (as a run that continues on a page does) with a session
    that lacks the page's role: the guard stops it before any data is read."""
    engine = _engine(app_env)
    actor = demo_actor(engine, ROLE_ACCOUNTS[role])
    engine.dispose()
    at = AppTest.from_file(str(ROOT / "pages" / f"{page}.py"), default_timeout=60)
    at.session_state["ntp_actor"] = actor
    at.run()
    assert not at.exception
    assert "You do not have access to this page." in page_text(at)
    assert len(at.dataframe) == 0
    assert len(at.metric) == 0


def test_an_approval_driven_by_a_staff_session_is_refused_and_recorded(app_env: str) -> None:
    """The decision form's write called with a staff member's actor (as a crafted request
    would): ``db/`` refuses it, nothing changes, and the refusal is an audit event."""
    from db import adoptions
    from db.models import Adoption
    from db.session import read_session

    engine = _engine(app_env)
    staff = demo_actor(engine, "staff2.demo")
    with read_session(engine) as s:
        adoption = (
            s.execute(select(Adoption).where(Adoption.status.in_(("proposed", "under_review"))))
            .scalars()
            .first()
        )
        assert adoption is not None
        before = (adoption.status, adoption.decided_by_id)
        events = s.execute(select(func.count()).select_from(AuditEvent)).scalar_one()
    with pytest.raises(PermissionDenied):
        call(engine, adoptions.decide_adoption, staff, adoption_id=adoption.id, decision="approve",
             comment="forged")  # fmt: skip
    with read_session(engine) as s:
        again = s.get(Adoption, adoption.id)
        assert again is not None and (again.status, again.decided_by_id) == before
        refused = (
            s.execute(select(AuditEvent).where(AuditEvent.id > events).order_by(AuditEvent.id))
            .scalars()
            .all()
        )
    engine.dispose()
    assert [e.action for e in refused] == ["permission.denied"], [e.action for e in refused]
    assert refused[0].actor_id == staff.id


def test_an_expert_id_typed_into_the_url_shows_no_personal_data_to_an_executive(
    app_env: str,
) -> None:
    engine = _engine(app_env)
    from db.session import read_session

    with read_session(engine) as s:
        expert = s.execute(select(Expert).where(Expert.phone.is_not(None))).scalars().first()
        assert expert is not None and expert.email and expert.phone
        expert_id, phone, email = expert.id, expert.phone, expert.email
        name = expert.name_en or expert.name
    engine.dispose()
    at = sign_in(new_app(), ROLE_ACCOUNTS["executive"])
    at.query_params.update({"id": str(expert_id)})
    at.switch_page("pages/experts.py").run()
    assert not at.exception
    shown = page_text(at) + "\n".join(str(t.value) for t in at.text)
    assert name in shown, "the record opened"
    assert phone not in shown and email not in shown
    # The auditor, who may see personal data, gets it on the same link.
    at = sign_in(new_app(), ROLE_ACCOUNTS["auditor"])
    at.query_params.update({"id": str(expert_id)})
    at.switch_page("pages/experts.py").run()
    shown = page_text(at) + "\n".join(str(t.value) for t in at.text)
    assert phone in shown or email in shown


def test_a_meeting_id_in_the_url_is_refused_to_a_role_without_meetings(app_env: str) -> None:
    at = sign_in(new_app(), ROLE_ACCOUNTS["executive"])
    at.query_params.update({"id": "1"})
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("pages/meetings.py")


def test_a_decision_by_a_role_without_the_right_is_refused_on_both_databases(
    migrated_engine: Engine,
) -> None:
    """The same refusal on SQLite and PostgreSQL: a staff member (no approver role) and an
    executive deciding an adoption; nothing changes, each refusal is an audit event."""
    from db import adoptions
    from db.models import Adoption
    from db.session import read_session
    from tests import deliberation_data as world

    w = world.build(migrated_engine)
    for who in ("staff", "executive", "auditor"):
        before = world.audit_count(w)
        with pytest.raises(PermissionDenied):
            world.write(w, adoptions.decide_adoption, who, adoption_id=w.adoption_id,
                        decision="approve", comment="forged")  # fmt: skip
        assert world.last_actions(w, world.audit_count(w) - before) == ["permission.denied"]
    with read_session(migrated_engine) as s:
        adoption = s.get(Adoption, w.adoption_id)
        assert adoption is not None and adoption.status == "proposed"
        assert adoption.decided_by_id is None
