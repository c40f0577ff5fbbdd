"""Agreements and partners: MOUs and joint operations, their status and dates, and what each
produced (adoptions and testbeds linked to it). Readers see; staff record and change them.
``?as_of=2019-08-08`` shows the agreements planned by then with their status on that day
(the overview's tile links here), ``status`` and ``kind`` filter, ``id`` opens one."""

from __future__ import annotations

import streamlit as st

from components import agreements, data
from components.agreement_forms import agreement_form
from components.bodies import may_write
from components.forms import show_flash
from components.i18n import _
from components.navigation import READERS, guard

actor = guard(*READERS)
st.title(_("Agreements and partners"))
show_flash()
url = data.database_url()
view = agreements.agreement_filters()
counts = data.agreement_counts(url, view.as_of, view.status, view.kind)
agreements.agreement_tiles(counts, view.as_of)
if may_write(actor):
    with st.expander(_("Record an agreement"), icon=":material/add:"):
        agreement_form(url, actor, None)
if view.record is not None:
    agreements.agreement_card(url, actor, view.record, view.as_of)
first_page = agreements.agreements_table(url, view, counts)
if first_page is not None:
    agreements.partner_chart(first_page, counts["total"])
