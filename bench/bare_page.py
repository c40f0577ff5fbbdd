"""The bare page of ``bare_app.py``: a title, one metric and one button (the rerun floor of
the interactions: a click on it reruns the page and changes nothing but the run count, which
the bench reads to know the run happened)."""

from __future__ import annotations

import streamlit as st

st.title("Bare page")
st.metric("Experts registered", 817)
st.button("Rerun")
st.session_state["bench_runs"] = st.session_state.get("bench_runs", 0) + 1
st.caption(f"Run {st.session_state['bench_runs']}")
