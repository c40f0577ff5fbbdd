"""The bare page of ``bare_app.py``: a title, one metric and one button (the rerun floor of
the interactions: a click on it reruns the page and changes nothing)."""

from __future__ import annotations

import streamlit as st

st.title("Bare page")
st.metric("Experts registered", 817)
st.button("Rerun")
