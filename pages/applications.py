"""My applications (applicant): follow, answer, withdraw; and submit a new one."""

from __future__ import annotations

import streamlit as st

from components import applications as ui
from components import data
from components.i18n import _
from components.navigation import guard
from db.accounts import applicants

actor = guard("applicant")
st.title(_("My applications"))
me = data.read(applicants.applicant, actor=actor)
mine, new = st.tabs([_("My applications"), _("New application")])
with mine:
    ui.my_applications(actor)
with new:
    ui.new_application(actor, me)
