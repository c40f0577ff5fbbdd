"""Fairness across meetings, for the auditor: the report (``report``: panel balance, seat
concentration, repeated panelists for an applicant, and the flags), each meeting's own flags
computed from the records (``live``: conflicts, decisions against the scores or without
quorum, exceptional settings, seats filled by hand, ...), stored when a meeting closes or its
experts or technologies change (``store``).
"""

from db.fairness.report import FairnessReport, fairness_report
from db.fairness.store import (
    backfill,
    refresh_for_experts,
    refresh_for_technologies,
    store_meetings,
)

__all__ = [
    "FairnessReport",
    "backfill",
    "fairness_report",
    "refresh_for_experts",
    "refresh_for_technologies",
    "store_meetings",
]
