"""Deliberation meetings: the list with filters; ``?id=`` opens one meeting's whole record
(panel, draw, declarations, scores, decisions, checks). Staff also get the forms that fit
the meeting's state; auditors read only, and may download the meeting's evidence package."""

from __future__ import annotations

import streamlit as st

from components import data, registers
from components import deliberation as ui
from components.deliberation_actions import actions, actions_link, may_write, schedule_form
from components.forms import show_error
from components.i18n import _
from components.navigation import guard
from db.deliberation import evidence_package
from db.errors import DomainError

actor = guard("auditor", "staff", "approver")
st.title(_("Meetings"))
ui.show_flash()
url = data.database_url()
meeting_id = ui.open_meeting_id()
if meeting_id is None:
    if may_write(actor):
        schedule_form(actor)
    ui.meetings_table(data.meetings_list(url, ui.meeting_filters()))
else:
    ui.back_to_list()
    try:
        record = data.meeting_record(url, actor, meeting_id)
    except DomainError as exc:
        show_error(exc)
        st.stop()
    if may_write(actor):
        actions_link()
    ui.meeting_view(record)
    registers.history_panel(
        lambda limit: data.record_history(url, actor, "meeting", meeting_id, limit),
        f"meeting_{meeting_id}",
    )
    if may_write(actor):
        actions(actor, record, data.agenda_candidates(url, meeting_id))
    if actor.has("auditor"):
        ui.evidence_download(
            lambda: data.read(evidence_package, actor=actor, meeting_ids=[meeting_id]),
            key="dl_meeting_evidence",
            name=f"evidence-{record.meeting['code']}.zip",
        )
