"""Applications on screen: the applicant's own (list, steps, decision, answer, withdraw, a new
application with PDFs) and one application as staff read it. Text the applicant typed is
shown with ``st.text`` or in table cells, never as Markdown or HTML."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
import streamlit as st

from components import data
from components.applicant_account import client_address
from components.cells import escape_markdown
from components.forms import show_error
from components.i18n import N_, _, current_language, fmt_datetime
from components.labels import label
from db import applications, domain, ratelimit
from db.accounts import applicants
from db.errors import DomainError, ValidationFailed
from db.policy import Actor
from db.session import write_session

ROW_PX = 35  # a table row's height
UPLOAD_MB = applications.MAX_BYTES // (1024 * 1024)  # the browser refuses more at once

FIELD_NAMES = {
    "organisation": N_("Company"),
    "contact_name": N_("Contact person"),
    "contact_email": N_("Contact e-mail"),
    "contact_phone": N_("Contact phone"),
    "title_ko": N_("Title (Korean)"),
    "title_en": N_("Title (English)"),
    "field": N_("Field"),
    "growth_sector": N_("Growth sector"),
    "certification": N_("Certification"),
    "description": N_("Description"),
    "attachments": N_("Attachments"),
    "answer": N_("Your answer"),
    "request": N_("What is missing"),
}


def show_problems(exc: DomainError) -> None:
    """The refusal, then each field's problem on its own line (an attachment's names its
    file)."""
    if not isinstance(exc, ValidationFailed):
        show_error(exc)
        return
    st.error(_(exc.message))
    params = exc.params if isinstance(exc, applications.ApplicationInvalid) else {}
    for field, problem in exc.errors.items():
        text = _(problem, **params) if field == "attachments" else _(problem)
        st.error(f"{_(FIELD_NAMES.get(field, field))}: {escape_markdown(text)}")


def uploads_of(files: Sequence[Any] | None) -> list[tuple[str, bytes]]:
    return [(f.name, f.getvalue()) for f in files or ()]


def steps(view: applications.ApplicationView) -> None:
    """The four steps an applicant follows, the current one marked."""
    if view.step == "withdrawn":
        st.info(_("You withdrew this application."))
        return
    current = "submitted" if view.step == "info_requested" else view.step
    reached = applications.STEPS.index(current)
    cols = st.columns(len(applications.STEPS))
    for i, (col, step) in enumerate(zip(cols, applications.STEPS, strict=True)):
        icon = (
            ":material/check_circle:"
            if i < reached
            else (
                ":material/radio_button_checked:"
                if i == reached
                else ":material/radio_button_unchecked:"
            )
        )
        col.markdown(f"{icon} {label('application_step', step)}")
    if view.step == "info_requested":
        st.warning(_("Staff asked for more information: answer below."))


def details(view: applications.ApplicationView) -> None:
    """The application's fields, files (for download), requests and answers, decision."""
    rows = [
        (_("Company"), view.organisation),
        (_("Contact person"), view.contact_name),
        (_("Contact e-mail"), view.contact_email),
        (_("Contact phone"), view.contact_phone or ""),
        (_("Title (Korean)"), view.title_ko),
        (_("Title (English)"), view.title_en),
        (_("Field"), label("field", view.field)),
        (_("Growth sector"), label("growth_sector", view.growth_sector)),
        (_("Certification"), label("certification", view.certification)),
        (_("Submitted"), fmt_datetime(view.submitted_at)),
        (_("Registration number"), view.reg_no or "-"),
    ]
    st.dataframe(
        pd.DataFrame(rows, columns=[_("Item"), _("Value")]),
        hide_index=True,
        width="stretch",
        row_height=ROW_PX,
        height=ROW_PX * (len(rows) + 1) + 4,  # every row, no scrolling, placeholder="",
    )
    st.caption(_("Description"))
    st.text(view.description)
    if view.decision is not None:
        d = view.decision
        st.subheader(_("Decision"))
        st.write(
            _("Outcome: {outcome}", outcome=label("tech_status", d.outcome))
            + "  \n"
            + _(
                "Decided under regulation version {number}",
                number=d.regulation_number if d.regulation_number is not None else "-",
            )
        )
        st.caption(_("Reason"))
        st.text(d.reason or "-")
    if view.notes:
        st.subheader(_("Requests and answers"))
        for note in view.notes:
            who = _("Staff asked") if note.kind == "request" else _("You answered")
            st.caption(f"{who} · {fmt_datetime(note.created_at)}")
            st.text(note.body)


def files(actor: Actor, view: applications.ApplicationView) -> None:
    if not view.files:
        return
    st.caption(_("Attachments"))
    for f in view.files:
        name, content = data.read(applications.attachment, actor=actor, attachment_id=f.id)
        st.download_button(
            f"{escape_markdown(name)} ({f.size:,} B)",  # a label renders Markdown
            content,
            file_name=name,
            mime="application/pdf",
            key=f"app_file_{f.id}",
            icon=":material/picture_as_pdf:",
        )


def _take_submit(actor: Actor) -> None:
    with write_session(data.engine()) as s:
        ratelimit.take(s, "submit", {"account": str(actor.id), "client": client_address()})


def new_application(actor: Actor, me: applicants.Applicant) -> None:
    if not me.verified:
        st.warning(
            _("Verify your e-mail address first: open the link we mailed you."),
        )
        st.page_link("pages/verify_email.py", label=_("E-mail verification"))
        return
    url = data.database_url()
    with st.form("new_application", clear_on_submit=False):
        organisation = st.text_input(_("Company"), value=me.company, max_chars=200)
        left, right = st.columns(2)
        contact_name = left.text_input(_("Contact person"), value=me.name, max_chars=120)
        contact_email = right.text_input(_("Contact e-mail"), value=me.email, max_chars=254)
        contact_phone = left.text_input(_("Contact phone"), max_chars=32)
        title_ko = st.text_input(_("Title (Korean)"), max_chars=300)
        title_en = st.text_input(_("Title (English)"), max_chars=300)
        a, b, c = st.columns(3)
        field = a.selectbox(
            _("Field"),
            data.vocabulary(url, "fields", offered=True),
            format_func=lambda x: label("field", x),
            index=None,
            placeholder=_("Choose a field"),
        )
        sectors = data.vocabulary(url, "sectors", offered=True)
        outside = data.vocabulary_with(url, "sectors", "outside")
        sector = b.selectbox(
            _("Growth sector"),
            sectors,
            format_func=lambda x: label("growth_sector", x),
            index=next((i for i, x in enumerate(sectors) if x in outside), None),
        )
        certification = c.selectbox(
            _("Certification"),
            domain.CERTIFICATIONS,
            format_func=lambda x: label("certification", x),
            index=len(domain.CERTIFICATIONS) - 1,
        )
        description = st.text_area(_("Description"), max_chars=4000)
        uploaded = st.file_uploader(
            _("Attachments (PDF, at most 5 files of 10 MB each)"),
            type=["pdf"],
            accept_multiple_files=True,
            max_upload_size=UPLOAD_MB,
        )
        sent = st.form_submit_button(_("Submit the application"), type="primary")
    if not sent:
        return
    try:
        _take_submit(actor)
        app_id = data.write(
            applications.submit_application,
            actor=actor,
            fields=applications.ApplicationInput(
                organisation=organisation,
                contact_name=contact_name,
                contact_email=contact_email,
                contact_phone=contact_phone,
                title_ko=title_ko,
                title_en=title_en,
                field=field or "",
                growth_sector=sector,
                certification=certification or "none",
                description=description,
            ),
            uploads=uploads_of(uploaded),
            language=current_language(),
        )
    except DomainError as exc:
        show_problems(exc)
        return
    st.session_state["my_application"] = app_id
    st.success(_("Your application was submitted. Follow it under My applications."))


def my_applications(actor: Actor) -> None:
    table = data.read(applications.my_applications, actor=actor)
    if table.empty:
        st.info(_("You have not submitted an application yet."))
        return
    english = current_language() == "en"
    shown = pd.DataFrame(
        {
            _("Submitted"): [fmt_datetime(t) for t in table["submitted_at"]],
            _("Title"): table["title_en" if english else "title_ko"],
            _("Step"): [label("application_step", s) for s in table["step"]],
            _("Registration number"): table["reg_no"].fillna("-"),
        }
    )
    st.dataframe(shown, hide_index=True, width="stretch", placeholder="")
    titles = dict(zip(table["id"], table["title_en" if english else "title_ko"], strict=True))
    ids = list(titles)
    remembered = st.session_state.get("my_application")
    chosen = st.selectbox(
        _("Application"),
        ids,
        index=ids.index(remembered) if remembered in ids else 0,
        format_func=lambda i: str(titles[i]),
        key=f"my_application_choice_{current_language()}",  # options' text is the language's
    )
    view = data.read(applications.application_view, actor=actor, application_id=int(chosen))
    steps(view)
    details(view)
    files(actor, view)
    if view.waits_for_answer:
        answer_form(actor, view)
    if view.may_withdraw:
        withdraw(actor, view)


def answer_form(actor: Actor, view: applications.ApplicationView) -> None:
    with st.form(f"answer_{view.id}"):
        st.subheader(_("Answer the request"))
        answer = st.text_area(_("Your answer"), max_chars=4000)
        more = st.file_uploader(
            _("More attachments (PDF)"),
            type=["pdf"],
            accept_multiple_files=True,
            max_upload_size=UPLOAD_MB,
        )
        sent = st.form_submit_button(_("Send the answer"), type="primary")
    if sent:
        try:
            data.write(
                applications.answer_request,
                actor=actor,
                application_id=view.id,
                version=view.version,
                answer=answer,
                uploads=uploads_of(more),
            )
        except DomainError as exc:
            show_problems(exc)
        else:
            st.session_state["my_application"] = view.id
            st.rerun()


def withdraw(actor: Actor, view: applications.ApplicationView) -> None:
    with st.expander(_("Withdraw this application")):
        sure = st.checkbox(
            _("I withdraw this application; it cannot be undone."), key=f"withdraw_ok_{view.id}"
        )
        if st.button(_("Withdraw"), key=f"withdraw_{view.id}", disabled=not sure):
            try:
                data.write(
                    applications.withdraw_application,
                    actor=actor,
                    application_id=view.id,
                    version=view.version,
                )
            except DomainError as exc:
                show_error(exc)
            else:
                st.rerun()
