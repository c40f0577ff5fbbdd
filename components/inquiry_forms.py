"""Staff forms of the inquiries page: log an inquiry (its asking body chosen or new), and
for the open inquiry its next status step, a follow-up and a correction.

Forms submit through callbacks (``components.forms``), so the outcome is kept for the
rerun and a saved form comes back empty; ``db.intercity`` checks the role and rules again.
"""

from __future__ import annotations

import streamlit as st

from components import data
from components.bodies import NEW_ORG_FIELDS, ic_form, new_org, org_picker
from components.cells import day, escape_markdown
from components.i18n import _, fmt_datetime
from components.labels import label
from db import clock, domain
from db import intercity as ic
from db.intercity import analysis as q
from db.policy import Actor


def log_form(url: str, actor: Actor) -> None:
    """Log an inquiry (staff): date, asking body (existing or new), channel, topic, contact,
    note."""
    form = ic_form("log")
    # Drawn when its box is opened (most visits do not log one); the box keeps its state
    # under ``ic_open_log``, so it stays open after a save or a refusal.
    box = st.expander(
        _("Log an inquiry"), icon=":material/add_comment:", key="ic_open_log", on_change="rerun"
    )
    if not box.open:
        return
    orgs = data.organizations(url)
    with box, st.form(f"ic_form_{form.name}"):
        left, right = st.columns(2)
        with left:
            st.date_input(
                _("Received on"),
                value=None,
                max_value=clock.city_today(),
                format="YYYY-MM-DD",
                key=form.key("received_on"),
            )
            form.field_error("received_on")
        with right:
            st.selectbox(
                _("Channel"),
                list(domain.INQUIRY_CHANNELS),
                index=None,
                format_func=lambda c: label("inquiry_channel", c),
                placeholder=_("Choose"),
                key=form.key("channel"),
            )
            form.field_error("channel")
        org_picker(form, orgs, "org_id", _("Asking body"))
        st.text_input(_("Topic"), max_chars=300, key=form.key("topic"))
        form.field_error("topic")
        st.text_input(_("Contact (name and title)"), max_chars=100, key=form.key("contact_name"))
        form.field_error("contact_name")
        st.text_area(_("Note"), max_chars=4000, key=form.key("note"))
        form.field_error("note")

        def write() -> int:
            return data.write(
                ic.log_inquiry,
                actor=actor,
                received_on=form.value("received_on"),
                channel=form.value("channel") or "",
                topic=form.value("topic") or "",
                org_id=form.value("org_id"),
                new_org=new_org(form),
                contact_name=form.value("contact_name"),
                note=form.value("note"),
            )

        st.form_submit_button(
            _("Log the inquiry"),
            type="primary",
            on_click=form.submit(
                (
                    "received_on",
                    "channel",
                    "org_id",
                    "topic",
                    "contact_name",
                    "note",
                    *NEW_ORG_FIELDS,
                ),
                write,
                lambda new_id: _("Inquiry {id} was logged as received.", id=new_id),
            ),
        )


def staff_actions(url: str, actor: Actor, inquiry_id: int) -> None:
    """The open inquiry's staff forms: next status step, follow-up, correction."""
    record = data.read(q.inquiry_for_edit, inquiry_id=inquiry_id)
    if record is None:
        return
    st.markdown("**" + _("Work on inquiry {id}", id=inquiry_id) + "**")
    if record.changed_by and record.changed_at is not None:
        st.caption(
            _(
                "Last changed by {who} at {when}.",
                who=escape_markdown(str(record.changed_by)),
                when=fmt_datetime(record.changed_at),
            )
        )
    steps, followup, edit = st.tabs([_("Status"), _("Follow-up"), _("Correct")])
    with steps:
        _step_form(actor, record)
    with followup:
        _followup_form(actor, record)
    with edit:
        _edit_form(url, actor, record)


def _step_form(actor: Actor, record: q.InquiryForEdit) -> None:
    status = record.status
    dates = [
        (s, getattr(record, c))
        for s, c in (
            ("received", "received_on"),
            ("answered", "answered_on"),
            ("visit_held", "visit_on"),
            ("benchmarked", "benchmarked_on"),
        )
    ]
    st.caption(
        " → ".join(
            f"{label('inquiry_status', s)} {day(d, '')}" if d else label("inquiry_status", s)
            for s, d in dates
        )
    )
    nexts = ic.NEXT.get(status, ())
    if not nexts:
        st.info(
            _("This inquiry is benchmarked: the body adopted the scheme. No further step."),
            icon=":material/verified:",
        )
        return
    form = ic_form(f"step_{record.id}")
    with st.form(f"ic_form_{form.name}"):
        st.radio(
            _("Next step"),
            list(nexts),
            format_func=lambda s: label("inquiry_status", s),
            horizontal=True,
            key=form.key("to"),
        )
        form.field_error("status")
        st.date_input(
            _("Date of the step"),
            value=None,
            max_value=clock.city_today(),
            format="YYYY-MM-DD",
            key=form.key("on"),
        )
        form.field_error("on")
        st.checkbox(
            _("I confirm this step. It cannot be undone; “benchmarked” is final."),
            key=form.key("confirm"),
        )
        form.field_error("confirm")

        def write() -> str:
            to = form.value("to") or nexts[0]
            data.write(
                ic.move_inquiry,
                actor=actor,
                inquiry_id=record.id,
                to=to,
                on=form.value("on"),
                expected=status,
            )
            return to

        st.form_submit_button(
            _("Save the step"),
            type="primary",
            on_click=form.submit(
                ("status", "on"),
                write,
                lambda to: _(
                    "Inquiry {id} is now: {status}.",
                    id=record.id,
                    status=label("inquiry_status", to),
                ),
                confirm="confirm",
            ),
        )


def _followup_form(actor: Actor, record: q.InquiryForEdit) -> None:
    form = ic_form(f"followup_{record.id}")
    with st.form(f"ic_form_{form.name}"):
        st.date_input(
            _("Date"),
            value=None,
            max_value=clock.city_today(),
            format="YYYY-MM-DD",
            key=form.key("on"),
        )
        form.field_error("followed_on")
        st.text_area(_("What happened"), max_chars=4000, key=form.key("note"))
        form.field_error("note")

        def write() -> int:
            return data.write(
                ic.add_followup,
                actor=actor,
                inquiry_id=record.id,
                followed_on=form.value("on"),
                note=form.value("note") or "",
            )

        st.form_submit_button(
            _("Add the follow-up"),
            type="primary",
            on_click=form.submit(
                ("followed_on", "note"),
                write,
                lambda _id: _("The follow-up was added to inquiry {id}.", id=record.id),
            ),
        )


def _edit_form(url: str, actor: Actor, record: q.InquiryForEdit) -> None:
    form = ic_form(f"edit_{record.id}_{record.version}")
    orgs = data.organizations(url)
    with st.form(f"ic_form_{form.name}"):
        left, right = st.columns(2)
        with left:
            st.date_input(
                _("Received on"),
                value=record.received_on,
                max_value=max(clock.city_today(), record.received_on),
                format="YYYY-MM-DD",
                key=form.key("received_on"),
            )
            form.field_error("received_on")
        with right:
            channels = list(domain.INQUIRY_CHANNELS)
            st.selectbox(
                _("Channel"),
                channels,
                index=channels.index(record.channel),
                format_func=lambda c: label("inquiry_channel", c),
                key=form.key("channel"),
            )
            form.field_error("channel")
        org_picker(form, orgs, "org_id", _("Asking body"), current=record.org_id)
        st.text_input(_("Topic"), value=record.topic, max_chars=300, key=form.key("topic"))
        form.field_error("topic")
        st.text_input(
            _("Contact (name and title)"),
            value=record.contact_name or "",
            max_chars=100,
            key=form.key("contact_name"),
        )
        form.field_error("contact_name")
        st.text_area(_("Note"), value=record.note or "", max_chars=4000, key=form.key("note"))
        form.field_error("note")

        def write() -> int:
            return data.write(
                ic.edit_inquiry,
                actor=actor,
                inquiry_id=record.id,
                version=record.version,
                received_on=form.value("received_on"),
                channel=form.value("channel") or "",
                topic=form.value("topic") or "",
                org_id=form.value("org_id"),
                new_org=new_org(form),
                contact_name=form.value("contact_name"),
                note=form.value("note"),
            )

        st.form_submit_button(
            _("Save the correction"),
            on_click=form.submit(
                (
                    "received_on",
                    "channel",
                    "org_id",
                    "topic",
                    "contact_name",
                    "note",
                    *NEW_ORG_FIELDS,
                ),
                write,
                lambda _v2: _("Inquiry {id} was corrected.", id=record.id),
            ),
        )
