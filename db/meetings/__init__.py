"""Deliberation meetings: fair panels, conflicts of interest, scores and decisions.

``draw``: the panel draw rule (pure). ``scoring``: the two-stage scoring rule (pure).
``planning``: schedule under the regulation in force, agenda, draw and seat the panel,
substitutes drawn by rule. ``sitting``: attendance,
declarations, recusals, scores, decisions, minutes, closing, corrections. ``records``: the
meeting list and one meeting's full record for the auditor. ``evidence``: the evidence
package. ``common``: what the meeting writes share; ``errors``: their messages; ``csvsafe``:
CSV cells a spreadsheet will not run. The fairness report across meetings is
:mod:`db.fairness`. None of this imports Streamlit; writes take ``*, session`` and the acting
``actor``.
"""

from db.meetings.draw import Draw, PoolTooSmall, draw_panel
from db.meetings.evidence import evidence_package
from db.meetings.planning import (
    add_agenda_item,
    agenda_candidates,
    appoint_member,
    draw_and_seat_panel,
    draw_substitute,
    schedule_meeting,
)
from db.meetings.records import (
    MeetingFilters,
    MeetingRecord,
    meeting_record,
    meetings_count,
    meetings_list,
)
from db.meetings.sitting import (
    DecisionResult,
    add_correction,
    close_meeting,
    declare_conflict,
    hold_meeting,
    record_attendance,
    record_decision,
    record_evaluation,
    record_minutes,
    recuse,
)

__all__ = [
    "DecisionResult",
    "Draw",
    "MeetingFilters",
    "MeetingRecord",
    "PoolTooSmall",
    "add_agenda_item",
    "add_correction",
    "agenda_candidates",
    "appoint_member",
    "close_meeting",
    "declare_conflict",
    "draw_and_seat_panel",
    "draw_panel",
    "draw_substitute",
    "evidence_package",
    "hold_meeting",
    "meeting_record",
    "meetings_count",
    "meetings_list",
    "record_attendance",
    "record_decision",
    "record_evaluation",
    "record_minutes",
    "recuse",
    "schedule_meeting",
]
