"""Outcomes: what adopted and testbed technologies achieved for the city and its firms, as
of a date; staff record contracts and evaluations here, or import contracts from a file."""

from __future__ import annotations

import streamlit as st

from components import data, outcome_forms
from components import outcomes as ui
from components.forms import show_flash
from components.i18n import _
from components.navigation import guard
from db.policy import OUTCOME_READERS

actor = guard(*OUTCOME_READERS)
st.title(_("Outcomes"))
show_flash()
url = data.database_url()
as_of = ui.as_of_picker()
figures = data.outcomes(url, actor, as_of)
ui.tiles(figures)
ui.by_year(actor, figures)
ui.funnel(figures)
ui.use(figures)
ui.satisfaction(figures)
ui.targets(data.outcome_targets(url, actor, as_of))

if actor.has("staff"):
    st.divider()
    st.subheader(_("Record outcomes"))
    adoptions = data.adoption_outcomes(url, actor)
    with st.expander(_("Record a contract"), icon=":material/receipt_long:"):
        outcome_forms.contract_form(actor, adoptions)
    with st.expander(_("Record a department's evaluation"), icon=":material/rate_review:"):
        outcome_forms.evaluation_form(actor, adoptions)
    with st.expander(_("Import contracts from a file"), icon=":material/upload_file:"):
        outcome_forms.import_contracts(actor)
