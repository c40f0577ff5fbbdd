"""Testbeds register: local firms' technologies tried on city sites, their certificates and
what they sold afterwards; staff record budgets, results, certificate numbers and sales."""

from __future__ import annotations

import streamlit as st

from components import data, testbeds
from components.forms import show_flash
from components.i18n import _
from components.navigation import guard
from db.policy import OUTCOME_READERS

actor = guard(*OUTCOME_READERS)
st.title(_("Testbeds"))
show_flash()
rows = testbeds.filtered(data.testbed_outcomes(data.database_url(), actor))
testbeds.table(rows)
testbeds.card(actor, rows)
