"""Audit trail (being built: see issue 6). Guarded; shows a placeholder."""

from __future__ import annotations

import streamlit as st

from components.i18n import _
from components.navigation import guard

guard("auditor")
st.title(_("Audit trail"))
st.info(_("This register is being built."))
