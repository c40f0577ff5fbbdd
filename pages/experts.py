"""Experts register (being built: see issue 4). Guarded; shows a placeholder."""

from __future__ import annotations

import streamlit as st

from components.i18n import _
from components.navigation import guard

guard("executive", "auditor", "staff", "approver")
st.title(_("Experts"))
st.info(_("This register is being built."))
