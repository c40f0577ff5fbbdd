"""The work queue's forms (staff): move a technology to screening or review, propose an
adoption, register a submission, propose a testbed's next step or the end of a registration.

Each submits through the form kit (``components.forms``): ``db/`` checks the role
and the rules again, a refusal is shown as sentences with the field problems under their
fields, and a saved form comes back empty.

The fields are plain keyed widgets in a bordered box (:func:`fields_box`), not an
``st.form``: a form's tab is drawn only while it is open (issue #22), and what is typed into
an ``st.form`` lives in the browser until it is sent, so it was lost when the user opened
another tab. A plain widget's value reaches the session when the field is left (or Enter is
pressed), and the work queue keeps the values of a closed tab's fields
(``components.work_queue.action_tabs``). Each tab is a fragment, so a field's change reruns
only its tab; the button sends the form.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Literal

import pandas as pd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from components import data
from components.cells import row_name
from components.city import number_shape
from components.forms import Form
from components.i18n import N_, _, current_language
from components.labels import label, status_label
from components.technology_inputs import technology_inputs
from db import adoptions, approvals, clock, domain, technologies
from db.adoptions.writes import year_bounds
from db.policy import Actor
from db.technologies import fields

PERSIST: Literal["page"] = "page"
"""The fields keep their values while they are not drawn (another tab open), as long as the
user stays on the page: ``persist_state`` of Streamlit's widgets, which also shows the value
again when the field is drawn again (a value only put back into the session would be held by
the server but shown empty)."""


def fields_box(form: Form) -> DeltaGenerator:
    """The box of ``form``'s fields (bordered, like ``st.form``; its page key is
    ``wf_form_<name>``)."""
    return st.container(border=True, key=f"wf_form_{form.name}")


def _choice_label(df: pd.DataFrame) -> Callable[[int], str]:
    english = current_language() == "en"  # once, not once per option (up to CHOICE_LIMIT)
    labels = {
        int(r["id"]): f"{r['reg_no']} · {row_name(r, 'title_ko', 'title_en', en_reader=english)}"
        for r in df.to_dict("records")
    }

    def fmt(tech_id: int) -> str:
        return labels.get(int(tech_id), "-")

    return fmt


def move_form(actor: Actor, to_screen: pd.DataFrame) -> None:
    """Move a technology to screening, or from screening to review (``to_screen``: the
    technologies submitted or screening to choose from, with their ``status``)."""
    form = Form("move")
    if to_screen.empty:
        st.info(_("Nothing to screen."))
        return
    rows = {
        int(r["id"]): {**r, "next_status": domain.TECH_TRANSITIONS[str(r["status"])][0]}
        for r in to_screen.to_dict("records")
    }
    with fields_box(form):
        st.selectbox(
            _("Technology"),
            list(rows),
            format_func=_choice_label(to_screen),
            index=None,
            placeholder=_("Choose a technology"),
            key=form.key("wf_move_tech"),
            persist_state=PERSIST,
        )
        form.field_error("tech_id")
        st.text_input(
            _("Note (optional)"), max_chars=500, key=form.key("wf_move_note"), persist_state=PERSIST
        )
        form.field_error("reason")
        st.caption(_("Submitted → Screening; Screening → Under review."))

        def write() -> dict[str, Any]:
            tech_id = form.required("wf_move_tech", "tech_id", CHOOSE_TECHNOLOGY)
            row = rows[int(tech_id)]
            to = str(row["next_status"])
            data.write(
                technologies.move_technology,
                actor=actor,
                tech_id=int(tech_id),
                to=to,
                expected=str(row["status"]),
                reason=form.value("wf_move_note") or "",
            )
            return {"reg_no": row["reg_no"], "status": status_label("technology", to)}

        st.button(
            _("Move to the next step"),
            type="primary",
            on_click=form.submit(
                ("tech_id", "reason"),
                write,
                lambda r: _("{reg_no} is now: {status}.", **r),
            ),
        )


CHOOSE_TECHNOLOGY = N_("Choose a technology.")
ADOPTION_FIELDS = (
    "technology_id",
    "project_name",
    "department",
    "budget_krw",
    "year",
    "justification",
)


def propose_form(actor: Actor, registered: pd.DataFrame) -> None:
    """Propose a registered technology for a city project."""
    form = Form("propose")
    first, last = year_bounds()
    with fields_box(form):
        st.selectbox(
            _("Registered technology"),
            [int(i) for i in registered["id"]],
            format_func=_choice_label(registered),
            index=None,
            placeholder=_("Choose a technology"),
            key=form.key("wf_adopt_technology_id"),
            persist_state=PERSIST,
        )
        form.field_error("technology_id")
        st.text_input(
            _("City project"),
            max_chars=300,
            key=form.key("wf_adopt_project_name"),
            persist_state=PERSIST,
        )
        form.field_error("project_name")
        st.text_input(
            _("Department"),
            max_chars=200,
            key=form.key("wf_adopt_department"),
            persist_state=PERSIST,
        )
        form.field_error("department")
        left, right = st.columns(2)
        with left:
            st.number_input(
                _("Budget (won)"),
                min_value=0,
                step=1_000_000,
                value=None,
                placeholder=_("e.g. 250000000"),
                key=form.key("wf_adopt_budget_krw"),
                persist_state=PERSIST,
            )
            form.field_error("budget_krw")
        with right:
            st.number_input(
                _("Project year"),
                min_value=first,
                max_value=last,
                value=min(max(clock.city_today().year, first), last),
                step=1,
                key=form.key("wf_adopt_year"),
                persist_state=PERSIST,
            )
            form.field_error("year")
        st.text_area(
            _("Justification"),
            max_chars=4000,
            key=form.key("wf_adopt_justification"),
            persist_state=PERSIST,
        )
        form.field_error("justification")

        def write() -> int:
            budget, year = (
                form.value("wf_adopt_budget_krw"),
                form.value("wf_adopt_year"),
            )
            result: int = data.write(
                adoptions.propose_adoption,
                actor=actor,
                technology_id=form.value("wf_adopt_technology_id"),
                project_name=form.value("wf_adopt_project_name") or "",
                department=form.value("wf_adopt_department") or "",
                budget_krw=None if budget is None else int(budget),
                year=None if year is None else int(year),
                justification=form.value("wf_adopt_justification") or "",
            )
            return result

        st.button(
            _("Propose"),
            type="primary",
            on_click=form.submit(
                ADOPTION_FIELDS,
                write,
                lambda _r: _(
                    "Your proposal was saved. It now waits for an adoption review meeting."
                ),
            ),
        )


REGISTER_FIELDS = fields.SUBMITTED


def register_form(actor: Actor, owners: pd.DataFrame) -> None:
    """Record a technology submission; the registration number is assigned on saving."""
    form = Form("register")
    english = current_language() == "en"
    names = {
        int(r["id"]): row_name(r, "name_ko", "name_en", en_reader=english)
        for r in owners.to_dict("records")
    }
    with fields_box(form):
        technology_inputs(
            form,
            fields.TECHNOLOGY,
            lambda k: form.key(f"wf_reg_{k}"),
            organisations=names,
            persist_state=PERSIST,
        )
        st.caption(
            _(
                "The registration number ({shape}) is assigned when it is saved.",
                shape=number_shape(),
            )
        )

        def write() -> tuple[int, str]:
            result: tuple[int, str] = data.write(
                technologies.register_technology,
                actor=actor,
                title_ko=form.value("wf_reg_title_ko") or "",
                title_en=form.value("wf_reg_title_en") or "",
                owner_org_id=form.value("wf_reg_owner_org_id"),
                field=form.value("wf_reg_field") or "",
                growth_sector=form.value("wf_reg_growth_sector"),
                certification=form.value("wf_reg_certification") or "none",
                summary=form.value("wf_reg_summary"),
            )
            return result

        st.button(
            _("Register the submission"),
            type="primary",
            on_click=form.submit(
                REGISTER_FIELDS,
                write,
                lambda result: _("Submission registered as {reg_no}.", reg_no=result[1]),
            ),
        )


def _testbed_choice(row: Mapping[str, Any]) -> str:
    state = status_label("testbed", row["status"])
    return f"{row['reg_no']} · {row_name(row, 'title_ko', 'title_en')} ({state})"


TESTBED_FIELDS = (
    "to",
    "site",
    "started_on",
    "planned_end_on",
    "completed_on",
    "certification",
    "reason",
)


def testbed_step_form(actor: Actor, testbeds: pd.DataFrame) -> None:
    """Propose a testbed's next step; an approver confirms it."""
    form = Form("testbed")
    st.subheader(_("Propose a testbed step"))
    if testbeds.empty:
        st.info(_("No testbed can take a step now (finished, or a step is already waiting)."))
        return
    by_id = {int(r["id"]): r for r in testbeds.to_dict("records")}
    tb_id = st.selectbox(
        _("Testbed"),
        list(by_id),
        format_func=lambda i: _testbed_choice(by_id[i]),
        index=None,
        placeholder=_("Choose a testbed"),
        key=form.key("wf_tb_id"),
        persist_state=PERSIST,
    )
    if tb_id is None:
        return
    row = by_id[int(tb_id)]
    with fields_box(form):
        st.radio(
            _("Next step"),
            list(row["next_statuses"]),
            format_func=lambda c: status_label("testbed", c),
            horizontal=True,
            key=form.key("wf_tb_to"),
            persist_state=PERSIST,
        )
        form.field_error("to")
        st.caption(
            _(
                "Selected or rejected follows a testbed selection meeting's decision. "
                "In progress needs the site and period, completed the end date, certified "
                "the certification won."
            )
        )
        st.text_input(_("Site"), max_chars=300, key=form.key("wf_tb_site"), persist_state=PERSIST)
        form.field_error("site")
        c1, c2, c3 = st.columns(3)
        with c1:
            st.date_input(
                _("Start"), value=None, key=form.key("wf_tb_started"), persist_state=PERSIST
            )
            form.field_error("started_on")
        with c2:
            st.date_input(
                _("Planned end"), value=None, key=form.key("wf_tb_planned"), persist_state=PERSIST
            )
            form.field_error("planned_end_on")
        with c3:
            st.date_input(
                _("Completed on"),
                value=None,
                key=form.key("wf_tb_completed"),
                persist_state=PERSIST,
            )
            form.field_error("completed_on")
        st.selectbox(
            _("Certification won"),
            [c for c in domain.CERTIFICATIONS if c != "none"],
            format_func=lambda c: label("certification", c),
            index=None,
            placeholder=_("Choose a certification"),
            key=form.key("wf_tb_cert"),
            persist_state=PERSIST,
        )
        form.field_error("certification")
        st.text_input(
            _("Note (optional)"), max_chars=500, key=form.key("wf_tb_reason"), persist_state=PERSIST
        )
        form.field_error("reason")

        def write() -> int:
            to = str(form.value("wf_tb_to"))
            result: int = data.write(
                approvals.propose_testbed_step,
                actor=actor,
                testbed_id=int(row["id"]),
                to=to,
                expected=str(row["status"]),
                reason=form.value("wf_tb_reason") or "",
                site=form.value("wf_tb_site") if to == "in_progress" else None,
                started_on=form.value("wf_tb_started") if to == "in_progress" else None,
                planned_end_on=form.value("wf_tb_planned") if to == "in_progress" else None,
                completed_on=form.value("wf_tb_completed") if to == "completed" else None,
                certification=form.value("wf_tb_cert") if to == "certified" else None,
            )
            return result

        st.button(
            _("Propose the step"),
            type="primary",
            on_click=form.submit(
                TESTBED_FIELDS,
                write,
                lambda _r: _("The step was proposed. It waits for an approver's confirmation."),
            ),
        )


def end_registration_form(actor: Actor, choices: Callable[[], pd.DataFrame]) -> None:
    """Propose that a registration expires or is withdrawn; an approver confirms it
    (``choices`` reads the registered technologies to choose from, under the heading)."""
    form = Form("end")
    st.subheader(_("Propose ending a registration"))
    registered = choices()
    with fields_box(form):
        st.selectbox(
            _("Registered technology"),
            [int(i) for i in registered["id"]],
            format_func=_choice_label(registered),
            index=None,
            placeholder=_("Choose a technology"),
            key=form.key("wf_end_tech"),
            persist_state=PERSIST,
        )
        form.field_error("tech_id")
        st.radio(
            _("End"),
            ("expired", "withdrawn"),
            format_func=lambda c: status_label("technology", c),
            horizontal=True,
            key=form.key("wf_end_to"),
            persist_state=PERSIST,
        )
        st.text_input(
            _("Reason"), max_chars=500, key=form.key("wf_end_reason"), persist_state=PERSIST
        )
        form.field_error("reason")

        def write() -> int | None:
            tech_id = form.required("wf_end_tech", "tech_id", CHOOSE_TECHNOLOGY)
            result: int | None = data.write(
                technologies.move_technology,
                actor=actor,
                tech_id=int(tech_id),
                to=str(form.value("wf_end_to")),
                expected="registered",
                reason=form.value("wf_end_reason") or "",
            )
            return result

        st.button(
            _("Propose ending the registration"),
            type="primary",
            on_click=form.submit(
                ("tech_id", "reason"),
                write,
                lambda _r: _(
                    "The end of the registration was proposed. It waits for an approver's "
                    "confirmation."
                ),
            ),
        )
