"""My account: who I am, my roles, and changing my own password."""

from __future__ import annotations

import streamlit as st

from components import auth, subscriptions
from components.forms import show_error
from components.i18n import _
from components.labels import label
from components.navigation import EVERYONE, guard
from db.errors import DomainError

actor = guard(*EVERYONE, "applicant", "expert")  # as the page map opens it to
st.title(_("My account"))
st.write(_("Username: {username}", username=actor.username))
st.write(_("Roles: {roles}", roles=", ".join(label("role", r) for r in sorted(actor.roles))))
if auth.must_change_password(actor):
    st.warning(_("You signed in with a one-time password. Choose your own password to continue."))

with st.form("change_password", clear_on_submit=True):
    st.subheader(_("Change password"))
    current = st.text_input(_("Current password"), type="password")
    new = st.text_input(
        _("New password"),
        type="password",
        help=_("At least 12 characters, not your username, not a common password."),
    )
    repeat = st.text_input(_("Repeat the new password"), type="password")
    submitted = st.form_submit_button(_("Change password"), type="primary")
if submitted:
    if new != repeat:
        st.error(_("The two new passwords differ. Nothing was saved."))
    else:
        try:
            auth.change_password(actor, current, new)
        except DomainError as exc:
            show_error(exc)
        else:
            st.rerun()

if not auth.must_change_password(actor):
    subscriptions.subscriptions_form(actor)
