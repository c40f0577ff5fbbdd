"""Administration of accounts (admin only; every action is checked again in ``db.accounts``):
the list of accounts, creating one (its one-time password shown once), and changing one's
roles, whether it may sign in, or issuing a new one-time password."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from components import data
from components.forms import CONFIRM_FIRST, show_error
from components.i18n import _, fmt_datetime
from components.labels import label
from db import accounts
from db.domain import ROLES
from db.errors import DomainError
from db.policy import Actor


def signin_state(state: accounts.SigninState | None) -> str:
    """What the sign-in back-off does to the account now: waiting, failed attempts, or ""."""
    if state is None:
        return ""
    if state.waiting_until:
        return _("Waiting until {time}", time=fmt_datetime(state.waiting_until))
    if state.failed_attempts:
        return _("{n} failed attempts", n=state.failed_attempts)
    return ""


def matches(user: dict[str, Any], query: str) -> bool:
    """Whether the search ``query`` is in the account's username, name or e-mail."""
    needle = query.strip().casefold()
    fields = (user["username"], user["display_name"], user.get("email") or "")
    return not needle or any(needle in f.casefold() for f in fields)


def accounts_table(users: list[dict[str, Any]], states: dict[int, accounts.SigninState]) -> None:
    st.subheader(_("Accounts"))
    query = st.text_input(
        _("Search accounts"), placeholder=_("Username, name or e-mail"), key="account_search"
    )
    shown = [u for u in users if matches(u, query)]
    table = pd.DataFrame(
        [
            {
                _("Username"): u["username"],
                _("Name"): u["display_name"],
                _("Roles"): ", ".join(label("role", r) for r in sorted(u["roles"])),
                _("Active"): bool(u["is_active"]),
                _("Last sign-in"): fmt_datetime(u["last_signin_at"])
                if u.get("last_signin_at")
                else _("never"),
                _("Sign-in state"): signin_state(states.get(u["id"])),
                _("Created"): fmt_datetime(u["created_at"]) if u.get("created_at") else "",
            }
            for u in shown
        ]
    )
    st.caption(_("{shown} of {total} accounts", shown=len(shown), total=len(users)))
    st.dataframe(table, hide_index=True, width="stretch", placeholder="")


def _show_one_time_password(username: str, password: str) -> None:
    st.success(
        _(
            "One-time password for {username} (shown once; the user must change it at "
            "first sign-in):",
            username=username,
        )
    )
    st.code(password, language=None)


def create_account(actor: Actor, column: Any) -> None:
    """The form to create an account, drawn in ``column``; what came of it is shown under
    the columns."""
    with column, st.form("create_user", clear_on_submit=True):
        st.subheader(_("Create an account"))
        username = st.text_input(
            _("Username"),
            max_chars=64,
            key="new_username",
            help=_("Letters, digits, dot, dash and underscore."),
        )
        display_name = st.text_input(_("Name"), max_chars=120, key="new_display_name")
        email = st.text_input(_("E-mail"), max_chars=254, key="new_email")
        roles = st.multiselect(
            _("Roles"),
            ROLES,
            format_func=lambda r: label("role", r),
            placeholder=_("Choose roles"),
        )
        create = st.form_submit_button(_("Create account"), type="primary")
    if create:
        try:
            _id, otp = data.write(
                accounts.create_user,
                actor=actor,
                username=username.strip(),
                display_name=display_name.strip(),
                roles=roles,
                email=email.strip() or None,
            )
        except DomainError as exc:
            show_error(exc)
        else:
            _show_one_time_password(username.strip(), otp)


def change_account(
    actor: Actor, users: list[dict[str, Any]], states: dict[int, accounts.SigninState]
) -> None:
    """Choose an account, then change its roles, whether it may sign in, or its password."""
    st.subheader(_("Change an account"))
    by_name = {u["username"]: u for u in users}
    chosen = st.selectbox(
        _("Account"),
        list(by_name),
        index=None,
        placeholder=_("Choose an account"),
        key="change_account",
    )
    if not chosen:
        return
    user = by_name[chosen]
    release_wait(actor, user, states.get(user["id"]))
    with st.form("edit_user"):
        new_roles = st.multiselect(
            _("Roles"),
            ROLES,
            default=sorted(user["roles"]),
            format_func=lambda r: label("role", r),
            placeholder=_("Choose roles"),
        )
        active = st.toggle(_("Active (may sign in)"), value=bool(user["is_active"]))
        reset = st.checkbox(_("Issue a new one-time password"))
        confirm = st.checkbox(_("I confirm: changes end this user's current sign-ins."))
        save = st.form_submit_button(_("Save changes"), type="primary")
    if save and not confirm:
        st.warning(_(CONFIRM_FIRST))
    elif save:
        try:
            if set(new_roles) != set(user["roles"]):
                data.write(accounts.set_roles, actor=actor, user_id=user["id"], roles=new_roles)
            if active != bool(user["is_active"]):
                data.write(accounts.set_active, actor=actor, user_id=user["id"], active=active)
            otp = (
                data.write(accounts.reset_password, actor=actor, user_id=user["id"])
                if reset
                else None
            )
        except DomainError as exc:
            show_error(exc)
        else:
            st.success(_("Saved."))
            if otp:
                _show_one_time_password(chosen, otp)


def release_wait(actor: Actor, user: dict[str, Any], signin: accounts.SigninState | None) -> None:
    """For an account the sign-in back-off holds: its state and a button to release it."""
    state = signin_state(signin)
    if not state:
        return
    st.warning(
        _("Sign-in: {state}.", state=state)
        + " "
        + _("Releasing lets it try again at once, from every place; nothing else changes.")
    )
    if st.button(_("Release the sign-in wait"), key=f"release_{user['id']}"):
        try:
            data.write(accounts.release, actor=actor, user_id=user["id"])
        except DomainError as exc:
            show_error(exc)
        else:
            st.success(_("{username} may sign in again now.", username=user["username"]))
