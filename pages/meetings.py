"""Deliberation meetings: the list with filters (50 a page, newest first, counted and
filtered in the database; CSV/Excel of every matching meeting on request); ``?id=`` opens
one meeting's whole record (panel, draw, declarations, scores, decisions, checks). Staff
also get the forms that fit the meeting's state; auditors read only, and may download the
meeting's evidence package."""

from __future__ import annotations

import streamlit as st

from components import data, meeting_forms, meetings
from components.expert_area import member_progress
from components.export import EXPORT_LIMIT, evidence_download
from components.forms import show_error, show_flash
from components.history import history_panel
from components.i18n import _
from components.meeting_record import meeting_view
from components.navigation import guard
from db.errors import DomainError
from db.meetings import evidence_package, meetings_count, meetings_list

actor = guard("auditor", "staff", "approver")
st.title(_("Meetings"))
show_flash()
url = data.database_url()
staff = meeting_forms.may_write(actor)
meeting_id = meetings.open_meeting_id()
if meeting_id is None:
    if staff:
        meeting_forms.schedule_form(actor)
    filters = meetings.meeting_filters()
    total = data.read(meetings_count, filters=filters)
    page = meetings.list_page(filters, total)
    size = meetings.LIST_PAGE_SIZE
    rows = data.read(meetings_list, filters=filters, offset=meetings.offset(page), limit=size)
    meetings.meetings_table(rows, total, page)
    meetings.meetings_export(
        filters, total, lambda: data.read(meetings_list, filters=filters, limit=EXPORT_LIMIT)
    )
else:
    meetings.back_to_list()
    try:
        record = data.meeting_record(url, actor, meeting_id)
    except DomainError as exc:
        show_error(exc)
        st.stop()
    if staff:
        meeting_forms.actions_link()
    meeting_view(record)
    member_progress(actor, meeting_id)
    opened: int = meeting_id
    history_panel(
        lambda limit: data.record_history(url, actor, "meeting", opened, limit),
        f"meeting_{meeting_id}",
    )
    if staff:
        meeting_forms.actions(actor, record, data.agenda_candidates(url, meeting_id))
    if actor.has("auditor"):
        evidence_download(
            lambda progress: data.read(
                evidence_package, actor=actor, meeting_ids=[meeting_id], progress=progress
            ),
            key="dl_meeting_evidence",
            name=f"evidence-{record.meeting['code']}.zip",
        )
