"""An administrator creates an account; its owner signs in once and must choose a password."""

from __future__ import annotations

import pytest

from tests.apptest import button, new_app, page_text, sign_in, text_input


def create_account(username: str, roles: list[str]) -> str:
    at = sign_in(new_app(), "admin.demo")
    assert at.title[0].value == "Administration"
    at.text_input(key="new_username").input(username)
    at.text_input(key="new_display_name").input("Kim Test")
    at.multiselect[0].set_value(roles)
    button(at, "Create account").click()
    at.run()
    assert not at.exception
    assert any(username in s.value for s in at.success), page_text(at)
    return str(at.code[0].value)


def test_new_account_must_change_its_one_time_password(app_env: str) -> None:
    otp = create_account("kim.test", ["executive"])
    at = sign_in(new_app(), "kim.test", otp)
    assert at.title[0].value == "My account"
    assert "one-time password" in page_text(at)
    # Only "My account" is registered while the one-time password is in force.
    with pytest.raises(ValueError, match=r"Known pages: \['[^']*/pages/account.py'\]"):
        at.switch_page("pages/overview.py")

    new_password = "a-much-better-passphrase-42"
    text_input(at, "Current password").input(otp)
    text_input(at, "New password").input(new_password)
    text_input(at, "Repeat the new password").input(new_password)
    button(at, "Change password").click()
    at.run()
    assert not at.exception
    # This browser session is signed out and the sign-in form says why. (The rerun runs
    # through app.py, as on a server: components.navigation.through_router.)
    assert at.session_state["ntp_actor"] is None
    assert "Your password was changed. Please sign in with the new password." in page_text(at)
    assert text_input(at, "Password") is not None
    assert "Sign-in failed" in page_text(sign_in(new_app(), "kim.test", otp))  # old password gone

    at = sign_in(new_app(), "kim.test", new_password)
    assert at.title[0].value == "New Technology Platform"
    assert "Experts registered" in page_text(at)


def test_policy_problems_are_listed_and_nothing_changes(app_env: str) -> None:
    otp = create_account("lee.test", ["staff"])
    at = sign_in(new_app(), "lee.test", otp)
    text_input(at, "Current password").input(otp)
    text_input(at, "New password").input("lee.test")
    text_input(at, "Repeat the new password").input("lee.test")
    button(at, "Change password").click()
    at.run()
    text = page_text(at)
    assert "Nothing was saved" in text
    assert "at least 12 characters" in text
    # The one-time password still works: nothing was changed.
    assert sign_in(new_app(), "lee.test", otp).title[0].value == "My account"


def test_invalid_username_is_explained(app_env: str) -> None:
    at = sign_in(new_app(), "admin.demo")
    at.text_input(key="new_username").input("<script>alert(1)</script>")
    at.text_input(key="new_display_name").input("x")
    at.multiselect[0].set_value(["staff"])
    button(at, "Create account").click()
    at.run()
    assert not at.exception
    assert "Use 1 to 64 letters" in page_text(at)
    assert not at.success


def test_admin_finds_a_waiting_account_and_releases_it(app_env: str) -> None:
    from db.accounts import signin
    from db.clock import now_utc
    from db.engine import make_engine
    from db.session import write_session

    engine = make_engine(app_env)
    for _ in range(5):  # someone keeps guessing staff.demo's password from one address
        with pytest.raises(signin.SignInFailed), write_session(engine) as s:
            signin.authenticate(
                session=s, username="staff.demo", password="guess", now=now_utc(), client="x"
            )
    engine.dispose()

    at = sign_in(new_app(), "admin.demo")
    at.text_input(key="account_search").input("STAFF").run()
    table = at.dataframe[0].value
    assert sorted(table["Username"]) == ["staff.demo", "staff2.demo"]  # any case
    state = dict(zip(table["Username"], table["Sign-in state"], strict=True))
    assert state["staff.demo"].startswith("Waiting until")
    assert state["staff2.demo"] == ""
    assert "2 of 6 accounts" in page_text(at)
    last = dict(zip(table["Username"], table["Last sign-in"], strict=True))
    assert last["staff2.demo"] == "never"

    at.selectbox(key="change_account").set_value("staff.demo").run()
    assert "Sign-in: Waiting until" in page_text(at)
    button(at, "Release the sign-in wait").click()
    at.run()
    assert "staff.demo may sign in again now." in page_text(at)
