"""Companies' applications in the staff work queue: the list of those waiting, one
application's details and files, asking the applicant for more information (mailed through
the outbox), and taking it into the registration path as a technology record."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd
import streamlit as st

from components import data, mailing
from components.applications import details, files, show_problems
from components.cells import row_name
from components.forms import flash
from components.i18n import N_, _, current_language, fmt_datetime
from components.labels import label
from db import applications
from db.errors import DomainError
from db.policy import Actor

REQUEST_SUBJECT = N_("More information is needed for your application")
REQUEST_BODY = N_(
    "Hello,\n\nthe city's technology review officers need more information about your "
    'application "{title}":\n\n{request}\n\nSign in to the New Technology Platform and answer '
    "under My applications. Your application waits until you answer."
)


def waiting_note(actor: Actor) -> None:
    """A line at the top of the work queue while companies' applications wait for staff."""
    count = data.read(applications.waiting_count, actor=actor)
    if count:
        st.info(
            _(
                "{count} applications from companies wait for staff: see the tab "
                "Applications from companies below.",
                count=count,
            ),
            icon=":material/assignment:",
        )


def queue_list(actor: Actor) -> int | None:
    """The applications waiting for staff or for an applicant's answer; the chosen one's id."""
    table = data.read(applications.applications_waiting, actor=actor)
    if table.empty:
        st.info(_("No application waits for staff."))
        return None
    english = current_language() == "en"
    shown = pd.DataFrame(
        {
            _("Submitted"): [fmt_datetime(t) for t in table["submitted_at"]],
            _("Company"): table["organisation"],
            _("Title"): table["title_en" if english else "title_ko"],
            _("Step"): [label("application_step", s) for s in table["status"]],
        }
    )
    st.dataframe(shown, hide_index=True, width="stretch", placeholder="")
    titles = {
        int(r["id"]): f"{r['organisation']} · {r['title_en' if english else 'title_ko']}"
        for r in table.to_dict("records")
    }
    chosen = st.selectbox(
        _("Application"),
        list(titles),
        index=None,
        format_func=lambda i: titles[int(i)],
        placeholder=_("Choose an application"),
        key=f"wq_application_{current_language()}",  # the options' text is the language's
        persist_state="page",  # kept while another tab of the work queue is open
    )
    return None if chosen is None else int(chosen)


def handle(actor: Actor, owners: Callable[[], pd.DataFrame]) -> None:
    """The work queue's Applications tab (``owners``: draws the search box of the owner
    choices and returns them)."""
    chosen = queue_list(actor)
    if chosen is None:
        return
    view = data.read(applications.application_view, actor=actor, application_id=chosen)
    details(view)
    files(actor, view)
    if view.status != "submitted":
        st.info(_("This application waits for the applicant's answer."))
        return
    # Plain widgets, not st.form: the work queue draws this tab only while it is open, and
    # its fields keep their values meanwhile (persist_state; see components.queue_forms).
    left, right = st.columns(2)
    with left, st.container(border=True, key=f"wf_form_request_info_{view.id}"):
        st.subheader(_("Ask for more information"))
        request = st.text_area(
            _("What is missing"), max_chars=4000, key=f"wq_request_{view.id}", persist_state="page"
        )
        ask = st.button(_("Send the request"))
    if ask:
        title = view.title_ko or view.title_en
        try:
            data.write(
                applications.request_information,
                actor=actor,
                application_id=view.id,
                version=view.version,
                request=request,
                letter=lambda lang: mailing.letter(
                    lang, REQUEST_SUBJECT, REQUEST_BODY, title=title, request=request.strip()
                ),
                deliver=mailing.settings().deliver,
            )
        except DomainError as exc:
            show_problems(exc)
        else:
            mailing.send_queued()
            st.session_state.pop(f"wq_request_{view.id}", None)  # sent: the box starts empty
            flash("success", _("The request was sent; the application waits for the answer."))
            st.rerun()
    with right:
        st.subheader(_("Take into registration"))
        names = _owner_names(owners())
    with right, st.container(border=True, key=f"wf_form_accept_{view.id}"):
        owner = st.selectbox(
            _("Owner"),
            list(names),
            format_func=lambda i: names.get(int(i), "-"),
            index=None,
            placeholder=_("Choose an organization"),
            key=f"wq_accept_owner_{view.id}",
            persist_state="page",
        )
        st.caption(
            _(
                "A technology record is registered from the application; screening, review "
                "and decision then follow as for every submission."
            )
        )
        accept = st.button(_("Register as a submission"), type="primary")
    if accept:
        try:
            _tech, reg_no = data.write(
                applications.accept_application,
                actor=actor,
                application_id=view.id,
                version=view.version,
                owner_org_id=owner,
            )
        except DomainError as exc:
            show_problems(exc)
        else:
            flash("success", _("Submission registered as {reg_no}.", reg_no=reg_no))
            st.rerun()


def _owner_names(owners: pd.DataFrame) -> dict[int, str]:
    english = current_language() == "en"
    rows: list[Mapping[str, Any]] = owners.to_dict("records")
    return {int(r["id"]): row_name(r, "name_ko", "name_en", en_reader=english) for r in rows}
