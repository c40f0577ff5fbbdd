"""The regulation: its versions and their rules, the differences between two; administrators
draft a version, an approver who did not draft it approves it (``db/`` checks both again)."""

from __future__ import annotations

import streamlit as st

from components import city_admin, data
from components import regulation as ui
from components.forms import show_flash
from components.i18n import _
from components.navigation import guard
from db.regulation.versions import regulation_overview

actor = guard("admin", "approver", "auditor", "staff")
st.title(_("Regulation"))
show_flash()
st.caption(
    _(
        "Meetings obey the version in force on their date: its quorum, pass marks, criteria "
        "and weights, panel rules and limits. A version is drafted by an administrator and "
        "comes into force only when a second person approves it; an approved version is "
        "never changed."
    )
)
view = data.read(regulation_overview, actor=actor)
ui.versions_table(view)
if actor.has("approver"):
    ui.approvals(actor, view)
if actor.has("admin"):
    ui.draft_form(actor, view)
    ui.edit_forms(actor, view)
ui.version_rules(view)
ui.differences(actor, view)
st.subheader(_("The city's profile"))
city_admin.profile_read_only(actor)
