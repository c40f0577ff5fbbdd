"""Approvals (being built). Guarded; shows a placeholder."""

from __future__ import annotations

import streamlit as st

from components.i18n import _
from components.navigation import guard

guard("approver")
st.title(_("Approvals"))
st.info(_("This page is being built."))
