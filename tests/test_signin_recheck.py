"""The app re-checks a sign-in on the server at most every ``auth.RECHECK`` (10 s) per browser
session: a revoked sign-in ends at the first rerun after that bound, with the notice."""

from __future__ import annotations

import time
from typing import Any

import pytest
from sqlalchemy import select
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

from components import auth
from db.accounts.signin import revoke_all_signins
from db.engine import make_engine
from db.models import User
from db.policy import Actor
from db.session import write_session
from tests.apptest import new_app, page_text, sign_in, text_input


@pytest.fixture(autouse=True)
def every_run_goes_through_app_py(monkeypatch: pytest.MonkeyPatch) -> None:
    """As on a real server: every rerun runs ``app.py`` (and its sign-in check), not the
    page file alone (AppTest's old multipage mode, see ``tests/apptest.py``)."""
    original = PagesManager.__init__

    def init(self: PagesManager, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init)


def _age_last_check(at, seconds: float) -> None:  # type: ignore[no-untyped-def]
    """Pretend the session's last server-side check happened ``seconds`` ago."""
    token, _at, actor, must_change = at.session_state[auth.CHECKED_KEY]
    at.session_state[auth.CHECKED_KEY] = (token, time.monotonic() - seconds, actor, must_change)


def _signed_in(at) -> bool:  # type: ignore[no-untyped-def]
    return any("Signed in as" in str(c.value) for c in at.sidebar.caption)


def _revoke(url: str, username: str) -> None:
    engine = make_engine(url)
    try:
        with write_session(engine) as s:
            user_id = s.execute(select(User.id).where(User.username == username)).scalar_one()
            revoke_all_signins(session=s, user_id=user_id)
    finally:
        engine.dispose()


def test_a_revoked_signin_ends_once_the_last_check_is_older_than_the_bound(
    app_env: str,
) -> None:
    at = sign_in(new_app(), "executive.demo")
    at.switch_page("pages/overview.py").run()
    assert _signed_in(at)
    checked = at.session_state[auth.CHECKED_KEY]
    assert isinstance(checked[2], Actor) and checked[2].username == "executive.demo"

    _revoke(app_env, "executive.demo")
    _age_last_check(at, auth.RECHECK.total_seconds() + 1)
    at.switch_page("pages/overview.py").run()

    assert not at.exception
    assert at.session_state["ntp_actor"] is None
    assert not _signed_in(at)
    assert "Your sign-in has ended" in page_text(at)
    assert "Experts registered" not in page_text(at)


def test_a_live_signin_is_rechecked_and_stays(app_env: str) -> None:
    at = sign_in(new_app(), "executive.demo")
    at.switch_page("pages/overview.py").run()
    first = at.session_state[auth.CHECKED_KEY][1]
    _age_last_check(at, auth.RECHECK.total_seconds() + 1)
    at.switch_page("pages/overview.py").run()
    assert _signed_in(at)
    assert "Experts registered" in page_text(at)
    assert at.session_state[auth.CHECKED_KEY][1] > first  # checked again on the server


def _fragment_check() -> None:
    """A script that asks what a register's fragment asks before it reruns alone."""
    import streamlit as st

    from components import auth

    st.session_state["still"] = auth.still_signed_in()


def test_a_part_of_a_page_that_reruns_alone_rechecks_the_signin_too(app_env: str) -> None:
    """A register's body reruns alone (``st.fragment``, app.py does not run): it asks
    ``auth.still_signed_in`` first, which must check the server past the bound like app.py,
    keep a live sign-in and refuse a revoked one (the register then reruns the whole app)."""
    at = sign_in(new_app(), "executive.demo")
    at.switch_page("pages/technologies.py").run()
    part = AppTest.from_function(_fragment_check, default_timeout=60)
    for key in (auth.TOKEN_KEY, auth.ACTOR_KEY, auth.CHECKED_KEY):
        part.session_state[key] = at.session_state[key]

    part.run()
    assert part.session_state["still"] is True  # checked a moment ago: no query
    _age_last_check(part, auth.RECHECK.total_seconds() + 1)
    aged = part.session_state[auth.CHECKED_KEY][1]
    part.run()
    assert part.session_state["still"] is True
    assert part.session_state[auth.CHECKED_KEY][1] > aged  # checked again on the server

    _revoke(app_env, "executive.demo")
    part.run()
    assert part.session_state["still"] is True  # within the bound, as app.py
    _age_last_check(part, auth.RECHECK.total_seconds() + 1)
    part.run()
    assert part.session_state["still"] is False


def test_the_password_is_not_kept_in_the_session(app_env: str) -> None:
    # A failed sign-in shows the form again with the username and an empty password box; a
    # successful one leaves no password in the browser session's state on the server.
    at = new_app()
    at.run()
    sign_in(at, "executive.demo", "not the password")
    assert not _signed_in(at)
    assert text_input(at, "Username").value == "executive.demo"
    assert text_input(at, "Password").value == ""
    sign_in(at, "executive.demo")
    assert _signed_in(at)
    assert not at.session_state[auth.PASSWORD_FIELD]
