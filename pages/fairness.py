"""Fairness (being built). Guarded; shows a placeholder."""

from __future__ import annotations

import streamlit as st

from components.i18n import _
from components.navigation import guard

guard("auditor")
st.title(_("Fairness"))
st.info(_("This page is being built."))
