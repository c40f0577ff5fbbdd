"""A record's history from the audit trail, as its detail card ends: who did what, when and
why, newest first, the newest page first with a button for older events."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Literal

import pandas as pd
import streamlit as st

from components.cells import missing, yes_no
from components.grid import height as grid_height
from components.i18n import N_, _, fmt_datetime, fmt_int
from components.labels import label
from db.technologies import fields as technology_fields

HISTORY_ACTIONS: dict[str, str] = {
    "adoption.propose": N_("Proposed"),
    "adoption.edit": N_("Edited"),
    "adoption.review": N_("Put before a meeting"),
    "adoption.approve": N_("Approved"),
    "adoption.reject": N_("Rejected"),
    "adoption.return": N_("Returned for rework"),
    "adoption.import": N_("Imported"),
    "proposal.create": N_("Step proposed"),
    "proposal.decline": N_("Step rejected"),
    "testbed.import": N_("Imported"),
    "testbed.apply": N_("Applied"),
    "testbed.select": N_("Selected"),
    "testbed.reject": N_("Rejected"),
    "testbed.start": N_("Started"),
    "testbed.complete": N_("Completed"),
    "testbed.certify": N_("Certified"),
    "testbed.edit": N_("Edited"),
    "contract.record": N_("Recorded"),
    "contract.import": N_("Imported"),
    "contract.edit": N_("Edited"),
    "evaluation.record": N_("Recorded"),
    "evaluation.edit": N_("Edited"),
    "sale.record": N_("Recorded"),
    "sale.edit": N_("Edited"),
    "technology.submit": N_("Submitted"),
    "technology.screen": N_("Moved to screening"),
    "technology.review": N_("Sent to review"),
    "technology.register": N_("Registered"),
    "technology.reject": N_("Rejected"),
    "technology.certify": N_("Certification changed"),
    "technology.expire": N_("Expired"),
    "technology.withdraw": N_("Withdrawn"),
    "technology.edit": N_("Edited"),
    "expert.add": N_("Added to the pool"),
    "expert.register": N_("Added to the pool"),
    "expert.edit": N_("Edited"),
    "expert.retire": N_("Left the pool"),
    "organization.add": N_("Added"),
    "inquiry.receive": N_("Received"),
    "inquiry.edit": N_("Edited"),
    "inquiry.answer": N_("Answered"),
    "inquiry.hold_visit": N_("Visit held"),
    "inquiry.benchmark": N_("Benchmarked"),
    "inquiry.move": N_("Status changed"),
    "organization.create": N_("Added"),
    "meeting.schedule": N_("Scheduled"),
    "meeting.draw_panel": N_("Panel drawn"),
    "meeting.hold": N_("Held"),
    "meeting.minutes": N_("Minutes recorded"),
    "meeting.close": N_("Closed"),
    "meeting.correct": N_("Correction added"),
    "application.submit": N_("Application submitted by the company"),
    "application.request_info": N_("More information requested"),
    "application.answer": N_("Company answered"),
    "application.withdraw": N_("Application withdrawn"),
    "application.accept": N_("Taken into registration"),
    "permission.denied": N_("Refused"),
}
HISTORY_FIELDS: dict[str, str] = {
    **{k: technology_fields.LABELS[k] for k in technology_fields.CORRECTED},
    "status": N_("Status"),
    "project_name": N_("Project"),
    "department": N_("Department"),
    "budget_krw": N_("Budget"),
    "year": N_("Year"),
    "justification": N_("Justification"),
    "fields": N_("Fields"),
    "site": N_("Site"),
    "name": N_("Name in Korean"),
    "name_en": N_("Name in English"),
    "position": N_("Position"),
    "affiliation": N_("Affiliation"),
    "phone": N_("Phone"),
    "email": N_("E-mail"),
    "retired_on": N_("Left the pool"),
    "registered_on": N_("Registered"),
    "meeting_code": N_("Meeting"),
    "title": N_("Title"),
    "scheduled_on": N_("Scheduled for"),
    "location": N_("Location"),
    "review_on": N_("Review started"),
    "topic": N_("Topic"),
    "answered_on": N_("Answered"),
    "visit_on": N_("Visit held"),
    "benchmarked_on": N_("Benchmarked"),
    "approved_on": N_("Approved"),
    "rejected_on": N_("Rejected"),
}
_HISTORY_VOCABULARY = {
    "field": "field",
    "fields": "field",
    "growth_sector": "growth_sector",
    "certification": "certification",
    "affiliation": "affiliation",
}
_STATUS_VOCABULARY = {
    "technology": "tech_status",
    "adoption": "adoption_status",
    "testbed": "testbed_stage",
    "inquiry": "inquiry_status",
    "meeting": "meeting_status",
    "agreement": "agreement_status",
}
# A field whose name depends on the record: a meeting's title is the meeting's name, not a
# technology's ("기술명").
_ENTITY_FIELDS: dict[tuple[str, str], str] = {("meeting", "title"): N_("Meeting title")}
HISTORY_STEP = 20
HISTORY_MAX = 200
WITHHELD = "(withheld)"


def field_name(entity: str, key: str, fields: Mapping[str, str] | None = None) -> str:
    """A field's label in the reader's language, as the record of ``entity`` names it."""
    text = _ENTITY_FIELDS.get((entity, key)) or (fields or HISTORY_FIELDS)[key]
    return _(text)


def history_value(entity: str, key: str, value: Any) -> str:
    if value is None or value == "":
        return "-"
    if value == WITHHELD:
        return _("withheld")
    vocabulary = _STATUS_VOCABULARY.get(entity) if key == "status" else _HISTORY_VOCABULARY.get(key)
    if isinstance(value, list):
        if vocabulary:
            return ", ".join(label(vocabulary, str(v)) for v in value)
        return fmt_int(len(value))
    if vocabulary:
        return label(vocabulary, str(value))
    if isinstance(value, bool):
        return yes_no(value)
    if isinstance(value, int):
        return fmt_int(value)
    text = str(value)
    return text if len(text) <= 80 else text[:79] + "…"


def _history_changes(entity: str, before: Any, after: Any) -> str:
    """What an event changed, in words: "Budget: 120,000,000 → 99,000,000; Status: ..."."""
    before = before if isinstance(before, dict) else {}
    after = after if isinstance(after, dict) else {}
    parts: list[str] = []
    for key in [*after, *(k for k in before if k not in after)]:
        if key not in HISTORY_FIELDS:
            continue
        name = field_name(entity, key)
        new = history_value(entity, key, after.get(key))
        if key in before:
            old = history_value(entity, key, before.get(key))
            parts.append(f"{name}: {old} → {new}")
        else:
            parts.append(f"{name}: {new}")
    return "; ".join(parts)


def _history_who(row: Mapping[str, Any]) -> str:
    name = row.get("actor_display_name")
    user = str(row.get("actor_name") or "")
    if missing(name) or not name:
        return user
    return f"{name} ({user})"


def _action_name(code: str) -> str:
    text = HISTORY_ACTIONS.get(code)
    return _(text) if text else code


def history_frame(events: pd.DataFrame) -> pd.DataFrame:
    """The events of a history as the reader sees them: when, who, what, why, what changed."""
    rows = events.to_dict("records")
    return pd.DataFrame(
        {
            _("When"): [fmt_datetime(r["occurred_at"].to_pydatetime()) for r in rows],
            _("Who"): [_history_who(r) for r in rows],
            _("What"): [_action_name(str(r["action"])) for r in rows],
            _("Changes"): [
                _history_changes(str(r["entity"]), r["before"], r["after"]) for r in rows
            ],
            _("Why"): [r["reason"] if isinstance(r["reason"], str) else "" for r in rows],
        },
        dtype=object,
    )


def history_panel(read: Callable[[int], Any], key: str) -> None:
    """A record's history (``read(limit)`` returns a ``RecordHistory``), newest first: the
    newest events, a count, and a button for older ones (up to :data:`HISTORY_MAX`; the
    auditors' trail holds every event)."""
    shown_key = f"history_{key}"
    limit = int(st.session_state.get(shown_key, HISTORY_STEP))
    hist = read(limit)
    st.markdown("**" + _("History") + "**")
    if hist.total == 0:
        st.caption(_("No recorded events for this record."))
        return
    history_table(hist, f"{shown_key}_table", rows_shown=10)
    if hist.has_older:
        if limit + HISTORY_STEP <= HISTORY_MAX:
            st.button(
                _("Show older events"),
                key=f"{shown_key}_more",
                on_click=lambda: st.session_state.__setitem__(shown_key, limit + HISTORY_STEP),
                icon=":material/history:",
                type="tertiary",
            )
        else:
            st.caption(_("Older events are in the audit trail."))


def history_table(hist: Any, key: str, *, rows_shown: int | None = None) -> None:
    """The events of ``hist`` (a ``RecordHistory``) under a line counting them; the table
    scrolls after ``rows_shown`` rows (None: as tall as its rows)."""
    st.caption(
        _(
            "{shown} of {n} events, newest first: who did what, when and why.",
            shown=fmt_int(len(hist.events)),
            n=fmt_int(hist.total),
        )
    )
    height: int | Literal["auto"] = "auto"
    if rows_shown is not None:
        height = grid_height(len(hist.events), rows_shown)
    st.dataframe(
        history_frame(hist.events),
        hide_index=True,
        width="stretch",
        key=key,
        height=height,
        placeholder="",
        # the reason ("Why") stays in view at 1440 px: who and what changed take a bounded
        # width (the whole event is in the audit trail)
        column_config={
            _("Who"): st.column_config.TextColumn(width=180),
            _("Changes"): st.column_config.TextColumn(width=360),
        },
    )
