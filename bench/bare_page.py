"""The bare page of ``bare_app.py``: a title and one metric, nothing else."""

from __future__ import annotations

import streamlit as st

st.title("Bare page")
st.metric("Experts registered", 817)
