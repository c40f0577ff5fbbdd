"""Public: one registered technology at its permanent address, ``technology?reg_no=<its
registration number>``, with its adoptions into city projects."""

from __future__ import annotations

import streamlit as st

from components import data, public
from components.i18n import N_, _
from components.navigation import through_router

through_router()
public.heading(N_("Registered technology"))
reg_no = str(st.query_params.get("reg_no", "")).strip()
tech = data.public_technology(data.database_url(), reg_no) if reg_no else None
if tech is None:
    st.info(
        _("There is no registered technology with the number {id}.", id=reg_no or "-")
        + " "
        + _("Search the catalogue for it by its title or owner."),
        icon=":material/search_off:",
    )
else:
    public.technology_card(tech)
st.page_link("pages/catalogue.py", label=_("Back to the catalogue"), icon=":material/menu_book:")
