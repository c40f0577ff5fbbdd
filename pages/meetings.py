"""Deliberation meetings: the list with filters (50 a page, newest first, counted and
filtered in the database; CSV/Excel of every matching meeting on request); ``?id=`` opens
one meeting's whole record (panel, draw, declarations, scores, decisions, checks). Staff
also get the forms that fit the meeting's state; auditors read only, and may download the
meeting's evidence package."""

from __future__ import annotations

import streamlit as st

from components import data, registers
from components import deliberation as ui
from components.deliberation_actions import actions, actions_link, may_write, schedule_form
from components.export import EXPORT_LIMIT
from components.forms import show_error, show_flash
from components.i18n import _
from components.navigation import guard
from db.deliberation import evidence_package, meetings_count, meetings_list
from db.errors import DomainError

actor = guard("auditor", "staff", "approver")
st.title(_("Meetings"))
show_flash()
url = data.database_url()
meeting_id = ui.open_meeting_id()
if meeting_id is None:
    if may_write(actor):
        schedule_form(actor)
    filters = ui.meeting_filters()
    total = data.read(meetings_count, filters=filters)
    page = min(ui.list_page(filters), max(1, -(-total // ui.LIST_PAGE_SIZE)))
    rows = data.read(
        meetings_list,
        filters=filters,
        offset=(page - 1) * ui.LIST_PAGE_SIZE,
        limit=ui.LIST_PAGE_SIZE,
    )
    ui.meetings_table(rows, total, page)
    ui.meetings_export(
        filters,
        total,
        lambda: data.read(meetings_list, filters=filters, limit=EXPORT_LIMIT),
    )
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
    opened: int = meeting_id
    registers.history_panel(
        lambda limit: data.record_history(url, actor, "meeting", opened, limit),
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
