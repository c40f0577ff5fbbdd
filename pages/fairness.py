"""Fairness across meetings (auditors): flagged records linking to their meetings, panel
composition against the pool, seats per expert, repeats for the same applicant, and the
evidence package of the chosen period (by default the last 12 months before the as-of date,
``?as_of=``; ``?from=``/``?to=`` carry the period, ``all`` leaves an end open)."""

from __future__ import annotations

import streamlit as st

from components import data, fairness
from components.export import evidence_download
from components.i18n import _
from components.navigation import guard
from db.meetings import evidence_package

actor = guard("auditor")
st.title(_("Fairness"))
url = data.database_url()
with st.container(border=True):
    start, end = fairness.fairness_period()
with st.spinner(_("Checking the meetings of the period...")):
    report = data.fairness_report(url, actor, start, end)
fairness.fairness_summary(report)
fairness.fairness_flags(report)
fairness.fairness_panels(report)
evidence_download(
    lambda progress: data.read(
        evidence_package, actor=actor, period=(start, end), progress=progress
    ),
    key="dl_period_evidence",
    name=f"evidence-{start or 'start'}-{end or 'today'}.zip",
)
