"""E-mail verification: the mailed link lands here (signed out or in); an applicant signed in
asks here for a new link."""

from __future__ import annotations

import streamlit as st

from components.applicant_account import verify_page
from components.navigation import through_router

through_router()
verify_page(st.session_state.get("ntp_actor"))
