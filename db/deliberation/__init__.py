"""Deliberations: meetings, fair panels, conflicts of interest, scores and decisions.

``draw``: the panel draw rule (pure). The writes, the auditor's reads, the fairness report
and the evidence package build on it; none of this imports Streamlit.
"""
