"""Outcomes: what adopted and testbed technologies achieved for the city and its firms, as
of a date; staff record contracts and evaluations here, or import contracts from a file."""

from __future__ import annotations

from functools import partial

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
    ui.staff_form(
        "oc_contract_open",
        _("Record a contract"),
        ":material/receipt_long:",
        partial(outcome_forms.contract_form, actor, adoptions),
    )
    ui.staff_form(
        "oc_evaluation_open",
        _("Record a department's evaluation"),
        ":material/rate_review:",
        partial(outcome_forms.evaluation_form, actor, adoptions),
    )
    ui.staff_form(
        "oc_import_open",
        _("Import contracts from a file"),
        ":material/upload_file:",
        partial(outcome_forms.import_contracts, actor),
    )
