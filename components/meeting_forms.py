"""Staff forms on the meetings page: schedule, agenda, draw, the meeting day, decision, close,
corrections. Shown only to staff (``may_write``); ``db/`` refuses everyone else anyway.

Every form calls one ``db.meetings`` write through ``components.forms.save`` (one
transaction, caches cleared after): a refusal is shown as sentences where the form is, a
success reruns the page with a short confirmation at its top.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from components import data
from components import meeting_regulation as regulated
from components.cells import pick
from components.forms import flash, save, show_error
from components.i18n import _, fmt_int
from components.labels import label
from db import domain, meetings
from db.errors import DomainError
from db.meetings import MeetingRecord
from db.policy import Actor


def may_write(actor: Actor) -> bool:
    """Whether to show the staff forms (the data layer checks again)."""
    return actor.has("staff")


def _members(record: MeetingRecord, *, only_voting: bool = False) -> dict[int, str]:
    panel = record.panel
    if only_voting:
        panel = panel[panel["votes"] == True]  # noqa: E712
    return {
        int(e): pick(n, ne)
        for e, n, ne in zip(panel["expert_id"], panel["name"], panel["name_en"], strict=True)
    }


def _items(record: MeetingRecord, *, pending: bool) -> dict[int, str]:
    """Agenda items by id (only the undecided ones when ``pending``)."""
    return {
        i.id: f"{i.position}. {i.reg_no} · {pick(i.title_ko, i.title_en)}"
        for i in record.items
        if i.decision == "pending" or not pending
    }


# --- the list: schedule a meeting ----------------------------------------------------------


def schedule_form(actor: Actor) -> None:
    with (
        st.expander(_("Schedule a meeting"), icon=":material/event:"),
        st.form("dl_schedule", border=False),
    ):
        kind = st.selectbox(
            _("Kind of meeting"),
            list(domain.MEETING_KINDS),
            format_func=lambda c: label("meeting_kind", c),
        )
        title = st.text_input(_("Meeting title"), max_chars=300)
        when, where = st.columns(2)
        day = when.date_input(_("Date"), value=None, format="YYYY-MM-DD")
        place = where.text_input(_("Location"), max_chars=200)
        st.caption(
            _(
                "The quorum, pass marks and panel rules are those of the regulation version in "
                "force on the meeting's date (see the Regulation page)."
            )
        )
        if st.form_submit_button(_("Schedule the meeting"), icon=":material/add:"):
            if not isinstance(day, dt.date):
                st.error(_("Choose a date."))
                return
            save(
                meetings.schedule_meeting,
                _("The meeting was scheduled."),
                actor=actor,
                kind=kind,
                title=title,
                scheduled_on=day,
                location=place,
            )


# --- one meeting ---------------------------------------------------------------------------


def actions_link() -> None:
    """A link from the top of the record down to the staff forms."""
    st.markdown("[" + _("Go to the actions") + " ↓](#dl-actions)")


def actions(actor: Actor, record: MeetingRecord, candidates: pd.DataFrame | None) -> None:
    """The forms that fit the meeting's state."""
    m = record.meeting
    status, drawn = m["status"], record.draw.seed is not None
    st.divider()
    st.subheader(_("Actions"), anchor="dl-actions")
    if status == "scheduled" and not drawn:
        _agenda_form(actor, record, candidates)
        _draw_form(actor, record)
    elif status == "scheduled":
        _hold_form(actor, record)
        _declaration_form(actor, record)
        regulated.substitute_form(actor, record)
    elif status == "held":
        _attendance_form(actor, record)
        _declaration_form(actor, record)
        regulated.substitute_form(actor, record)
        _scores_form(actor, record)
        _decision_form(actor, record)
        _close_form(actor, record)
    else:
        _correction_form(actor, record)


def _agenda_form(actor: Actor, record: MeetingRecord, candidates: pd.DataFrame | None) -> None:
    with st.container(border=True):
        st.markdown("**" + _("Add to the agenda") + "**")
        if candidates is None or candidates.empty:
            st.caption(_("Nothing is waiting for this kind of meeting."))
            return
        options = list(range(len(candidates)))

        def name(i: int) -> str:
            r = candidates.iloc[i]
            detail = f" · {r['detail']}" if isinstance(r["detail"], str) else ""
            return (
                f"{r['reg_no']} · {pick(r['title_ko'], r['title_en'])} · "
                f"{pick(r['applicant_ko'], r['applicant_en'])}{detail}"
            )

        with st.form("dl_agenda", border=False):
            chosen = st.selectbox(_("Agenda item"), options, format_func=name)
            if st.form_submit_button(_("Add to the agenda"), icon=":material/playlist_add:"):
                r = candidates.iloc[int(chosen)]
                save(
                    meetings.add_agenda_item,
                    _("The item was added to the agenda."),
                    actor=actor,
                    meeting_id=int(record.meeting["id"]),
                    technology_id=int(r["technology_id"]),
                    adoption_id=None if pd.isna(r["adoption_id"]) else int(r["adoption_id"]),
                    testbed_id=None if pd.isna(r["testbed_id"]) else int(r["testbed_id"]),
                )


def _draw_form(actor: Actor, record: MeetingRecord) -> None:
    with st.container(border=True):
        st.markdown("**" + _("Draw the panel") + "**")
        st.caption(
            _(
                "The draw excludes experts with a conflict of interest, prefers the agenda's "
                "fields, balances affiliations, favours those who sat least, and records its "
                "seed so that anyone can replay it. A panel is drawn once."
            )
        )
        with st.form("dl_draw", border=False):
            sure = st.checkbox(
                _("I understand that the draw cannot be repeated."), key="dl_draw_sure"
            )
            if st.form_submit_button(_("Draw the panel"), icon=":material/casino:"):
                if not sure:
                    st.warning(_("Tick the box to confirm first. Nothing was drawn."))
                    return
                save(
                    meetings.draw_and_seat_panel,
                    _("The panel was drawn; its seed, pool and exclusions are recorded below."),
                    actor=actor,
                    meeting_id=int(record.meeting["id"]),
                )


def _hold_form(actor: Actor, record: MeetingRecord) -> None:
    with st.container(border=True):
        st.markdown("**" + _("Open the meeting") + "**")
        with st.form("dl_hold", border=False):
            day = st.date_input(
                _("Held on"), value=record.meeting["scheduled_on"], format="YYYY-MM-DD"
            )
            if st.form_submit_button(_("Record that the meeting is being held")):
                save(
                    meetings.hold_meeting,
                    _("The meeting is recorded as being held."),
                    actor=actor,
                    meeting_id=int(record.meeting["id"]),
                    held_on=day,
                )


def _attendance_form(actor: Actor, record: MeetingRecord) -> None:
    panel = record.panel
    with st.container(border=True):
        st.markdown("**" + _("Attendance") + "**")
        with st.form("dl_attendance", border=False):
            marks: dict[int, bool] = {}
            for row in panel.itertuples(index=False):
                marks[int(row.expert_id)] = st.checkbox(
                    pick(row.name, row.name_en),
                    value=bool(row.attended) if row.attended is not None else True,
                    key=f"dl_att_{int(row.expert_id)}",
                )
            if st.form_submit_button(_("Save attendance"), icon=":material/how_to_reg:"):
                current = {
                    int(e): (None if a is None else bool(a))
                    for e, a in zip(panel["expert_id"], panel["attended"], strict=True)
                }
                changed = [e for e, v in marks.items() if current.get(e) is not v]
                try:
                    for expert_id in changed:
                        data.write(
                            meetings.record_attendance,
                            actor=actor,
                            meeting_id=int(record.meeting["id"]),
                            expert_id=expert_id,
                            attended=marks[expert_id],
                        )
                except DomainError as exc:
                    show_error(exc)
                    return
                flash(
                    "success",
                    _("Attendance saved ({n} changes).", n=fmt_int(len(changed))),
                    icon=":material/check:",
                )
                st.rerun()


def _declaration_form(actor: Actor, record: MeetingRecord) -> None:
    members = _members(record)
    with st.container(border=True):
        st.markdown("**" + _("Declarations of interest and recusals") + "**")
        with st.form("dl_declare", border=False):
            who = st.selectbox(_("Member"), list(members), format_func=members.__getitem__)
            item_id = regulated.item_choice(record, "dl_declare_item")
            note = st.text_area(_("Note or reason"), max_chars=4000)
            outcome = st.radio(
                _("Outcome"),
                ["recuse", "stay"],
                format_func=lambda c: (
                    _("Recused") if c == "recuse" else _("Stayed: judged no conflict")
                ),
                horizontal=True,
                index=None,
            )
            if st.form_submit_button(_("Record the declaration"), icon=":material/front_hand:"):
                if outcome is None:
                    st.warning(_("Choose the outcome of the declaration. Nothing was saved."))
                    return
                save(
                    meetings.declare_conflict,
                    _("The declaration was recorded."),
                    actor=actor,
                    meeting_id=int(record.meeting["id"]),
                    expert_id=int(who),
                    note=note,
                    recuse=outcome == "recuse",
                    item_id=item_id,
                )


def _scores_form(actor: Actor, record: MeetingRecord) -> None:
    items = _items(record, pending=True)
    with st.container(border=True):
        st.markdown("**" + _("Scores") + "**")
        if not items:
            st.caption(_("Every item has its decision."))
            return
        item = st.selectbox(
            _("Agenda item"), list(items), format_func=items.__getitem__, key="dl_scores_item"
        )
        chosen = next(i for i in record.items if i.id == int(item))
        done = (
            {int(e) for e in chosen.evaluations["expert_id"]}
            if not chosen.evaluations.empty
            else set()
        )
        members = {e: n for e, n in _members(record, only_voting=True).items() if e not in done}
        if not members:
            st.caption(_("Every member present who may vote has scored this item."))
            return
        st.caption(
            _(
                "Members enter their own scores in the expert area. Enter a member's scores "
                "here only from the paper sheet they signed, with the reason and its scan "
                "(PDF): the entry is marked as a proxy and flagged for the auditors."
            )
        )
        with st.form("dl_scores", border=False):
            who = st.selectbox(_("Member"), list(members), format_func=members.__getitem__)
            entered: dict[str, int | None] = {}
            criteria = regulated.criteria(record)
            boxes = st.columns(len(criteria))
            for col, (criterion, name) in zip(boxes, criteria, strict=True):
                entered[criterion] = col.number_input(
                    name, min_value=0, max_value=100, value=None, step=1
                )
            comment = st.text_input(_("Comment"), max_chars=4000)
            reason = st.text_input(_("Why staff enter this sheet"), max_chars=4000)
            sheet = st.file_uploader(_("Scan of the signed score sheet (PDF)"), type=["pdf"])
            if st.form_submit_button(_("Record the scores"), icon=":material/edit_note:"):
                values = {c: int(v) for c, v in entered.items() if v is not None}
                if len(values) < len(criteria):
                    st.warning(_("Enter a score for every criterion. Nothing was saved."))
                    return
                save(
                    meetings.record_evaluation,
                    _("The scores were recorded."),
                    actor=actor,
                    item_id=int(item),
                    expert_id=int(who),
                    scores=values,
                    comment=comment,
                    reason=reason,
                    sheet_name=sheet.name if sheet else "",
                    sheet=sheet.getvalue() if sheet else b"",
                )


def _decision_form(actor: Actor, record: MeetingRecord) -> None:
    items = _items(record, pending=True)
    with st.container(border=True):
        st.markdown("**" + _("Decision") + "**")
        if not items:
            st.caption(_("Every item has its decision."))
            return
        by_id = {i.id: i for i in record.items}
        item = st.selectbox(
            _("Agenda item"), list(items), format_func=items.__getitem__, key="dl_decide_item"
        )
        chosen = by_id[int(item)]
        if chosen.outcome.members:
            st.caption(
                _(
                    "So far the scores give: {decision} (stage 1 mean {stage1}, overall mean "
                    "{overall}, {n} members).",
                    decision=label("decision", chosen.rule_decision or "pending"),
                    stage1=f"{chosen.outcome.stage1_mean:.2f}",
                    overall=f"{chosen.outcome.overall_mean:.2f}",
                    n=chosen.outcome.members,
                )
            )
        else:
            st.caption(_("No scores were recorded."))
        with st.form("dl_decide", border=False):
            how = st.radio(
                _("Decision"),
                ["rule", "deferred"],
                format_func=lambda c: (
                    _("As the scores give under the rule")
                    if c == "rule"
                    else label("decision", "deferred")
                ),
                horizontal=True,
            )
            reason = st.text_area(_("Reason for the decision"), max_chars=4000)
            if st.form_submit_button(_("Record the decision"), icon=":material/gavel:"):
                save(
                    meetings.record_decision,
                    _("The decision was recorded."),
                    actor=actor,
                    item_id=int(item),
                    reason=reason,
                    decision=None if how == "rule" else "deferred",
                )


def _close_form(actor: Actor, record: MeetingRecord) -> None:
    with st.container(border=True):
        st.markdown("**" + _("Minutes and closing") + "**")
        with st.form("dl_close", border=False):
            minutes = st.text_area(
                _("Minutes"), value=record.meeting["minutes"] or "", max_chars=20_000, height=150
            )
            keep = st.form_submit_button(_("Save the minutes"), icon=":material/save:")
            sure = st.checkbox(
                _("I confirm that the record is complete: once closed it cannot be edited."),
                key="dl_close_sure",
            )
            close = st.form_submit_button(
                _("Close the meeting"), icon=":material/lock:", type="primary"
            )
            meeting_id = int(record.meeting["id"])
            if keep:
                save(
                    meetings.record_minutes,
                    _("The minutes were saved."),
                    actor=actor,
                    meeting_id=meeting_id,
                    minutes=minutes,
                )
            if close:
                if not sure:
                    st.warning(_("Tick the box to confirm first. The meeting is still open."))
                    return
                save(
                    meetings.close_meeting,
                    _("The meeting was closed."),
                    actor=actor,
                    meeting_id=meeting_id,
                    minutes=minutes,
                )


def _correction_form(actor: Actor, record: MeetingRecord) -> None:
    items: dict[int | None, str] = {None: _("The meeting as a whole")}
    for item_id, name in _items(record, pending=False).items():
        items[item_id] = name
    with st.container(border=True):
        st.markdown("**" + _("Add a correction") + "**")
        st.caption(
            _("The record of a closed meeting stays as it was; a correction is added beside it.")
        )
        with st.form("dl_correct", border=False):
            item = st.selectbox(_("About"), list(items), format_func=items.__getitem__)
            text = st.text_area(_("Correction"), max_chars=4000)
            if st.form_submit_button(_("Add the correction"), icon=":material/post_add:"):
                save(
                    meetings.add_correction,
                    _("The correction was added."),
                    actor=actor,
                    meeting_id=int(record.meeting["id"]),
                    text=text,
                    agenda_item_id=item,
                )
