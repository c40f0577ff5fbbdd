"""Staff forms that change register records: edit an adoption, a technology or a testbed;
add an organization (the experts' forms are in ``components.expert_forms``).

Every edit form starts from a snapshot of the record read uncached when the form is first
shown (``db.lost_edits.edit_snapshot``), kept in the session until the edit is saved or the
editor reloads it, so the edit carries the version its editor actually saw: if someone else
saved the record meanwhile, ``db/`` refuses the edit and the message names them and the time
(nothing is overwritten), and "Reload the record" starts again from the current record.
Problems are shown under the field they concern (``components.forms``).
"""

from __future__ import annotations

from typing import Any, Literal, TypeVar

import pandas as pd
import streamlit as st

from components import data
from components.forms import Form
from components.i18n import _
from components.labels import label
from components.technology_inputs import technology_inputs
from db import adoptions, domain, experts, lost_edits, technologies
from db.adoptions.writes import EDITABLE as ADOPTION_EDITABLE
from db.adoptions.writes import year_bounds
from db.policy import Actor
from db.technologies import fields
from db.technologies.writes import ACTIVE as TECH_EDITABLE

SNAPSHOT = "rf_snapshot_{entity}_{id}"


def widget_key(form: Form, name: str) -> str:
    """A widget key unique to ``form`` and its current generation."""
    return form.key(f"rf_{form.name}_{name}")


def widget_value(form: Form, name: str) -> Any:
    """What the widget ``name`` of ``form`` holds (as submitted)."""
    return form.value(f"rf_{form.name}_{name}")


S = TypeVar("S", bound=lost_edits.Snapshot)


def snapshot(actor: Actor, kind: type[S], entity: str, record_id: int) -> S | None:
    """The record ``entity`` ``record_id`` as the edit form starts from (``kind``, read once
    and kept in the session until saved or reloaded); None when it is gone."""
    key = SNAPSHOT.format(entity=entity, id=record_id)
    if key not in st.session_state:
        st.session_state[key] = data.read(
            lost_edits.edit_snapshot, actor=actor, entity=entity, record_id=record_id
        )
    snap = st.session_state[key]
    return snap if isinstance(snap, kind) else None


def _forget(entity: str, record_id: int) -> None:
    st.session_state.pop(SNAPSHOT.format(entity=entity, id=record_id), None)


def reload_button(form: Form, entity: str, record_id: int) -> None:
    def reload() -> None:
        _forget(entity, record_id)
        form.reset()

    st.button(
        _("Reload the record"),
        key=f"{form.name}_reload",
        on_click=reload,
        icon=":material/refresh:",
        type="tertiary",
        help=_("Start again from the record as it is saved now (your changes are dropped)."),
    )


def saved(entity: str, record_id: int, message: str) -> Any:
    """The success callback of an edit: forget the snapshot (the next form starts from the
    new version) and say what happened."""

    def done(_result: Any) -> str:
        _forget(entity, record_id)
        return message

    return done


def version_caption(snap: lost_edits.Snapshot) -> None:
    st.caption(
        _(
            "You are editing version {version} of this record. If someone else saves it "
            "before you, your edit is refused and nothing is overwritten.",
            version=snap.version,
        )
    )


def folded(label: str, form: Form) -> Any:
    """The folded box of an edit form (``box.open``: draw the form only then). Its content is
    drawn when the box is opened, not with every record's card: most readers of a record do
    not edit it, and the browser would build the whole form, hidden, on every click. The box
    keeps its state under ``rf_open_{form}``, so it stays open after a save or a refusal."""
    return st.expander(label, icon=":material/edit:", key=f"rf_open_{form.name}", on_change="rerun")


# --- adoptions -------------------------------------------------------------------------------

ADOPTION_FIELDS = ("project_name", "department", "budget_krw", "year", "justification", "reason")


def edit_adoption_form(actor: Actor, record_id: int) -> None:
    """Edit a proposal while it is proposed or under review (staff)."""
    snap = snapshot(actor, lost_edits.AdoptionSnapshot, "adoption", record_id)
    if snap is None or snap.status not in ADOPTION_EDITABLE:
        return
    form = Form(f"edit_adoption_{record_id}")
    first, last = year_bounds()
    box = folded(_("Edit this proposal"), form)
    if not box.open:
        return
    with box:
        version_caption(snap)
        st.caption(
            _(
                "An edit after a meeting's recommendation needs a new recommendation, and "
                "whoever edits a proposal cannot approve it."
            )
        )
        with st.form(form.name):
            st.text_input(
                _("City project"),
                value=snap.project_name,
                max_chars=300,
                key=widget_key(form, "project_name"),
            )
            form.field_error("project_name")
            st.text_input(
                _("Department"),
                value=snap.department,
                max_chars=200,
                key=widget_key(form, "department"),
            )
            form.field_error("department")
            left, right = st.columns(2)
            with left:
                st.number_input(
                    _("Budget (won)"),
                    min_value=0,
                    step=1_000_000,
                    value=snap.budget_krw,
                    key=widget_key(form, "budget_krw"),
                )
                form.field_error("budget_krw")
            with right:
                st.number_input(
                    _("Project year"),
                    min_value=min(first, snap.year),
                    max_value=max(last, snap.year),
                    value=snap.year,
                    step=1,
                    key=widget_key(form, "year"),
                )
                form.field_error("year")
            st.text_area(
                _("Justification"),
                value=snap.justification,
                max_chars=4000,
                key=widget_key(form, "justification"),
            )
            form.field_error("justification")
            st.text_input(
                _("Why this change (optional)"), max_chars=500, key=widget_key(form, "reason")
            )
            form.field_error("reason")

            def write() -> None:
                budget, year = widget_value(form, "budget_krw"), widget_value(form, "year")
                data.write(
                    adoptions.edit_adoption,
                    actor=actor,
                    adoption_id=record_id,
                    expected=snap.status,
                    version=snap.version,
                    project_name=widget_value(form, "project_name") or "",
                    department=widget_value(form, "department") or "",
                    budget_krw=None if budget is None else int(budget),
                    year=None if year is None else int(year),
                    justification=widget_value(form, "justification") or "",
                    reason=widget_value(form, "reason") or "",
                )

            st.form_submit_button(
                _("Save the changes"),
                type="primary",
                on_click=form.submit(
                    ADOPTION_FIELDS,
                    write,
                    saved("adoption", record_id, _("The proposal was changed.")),
                ),
            )
        reload_button(form, "adoption", record_id)


# --- technologies ----------------------------------------------------------------------------

TECHNOLOGY_FIELDS = (*fields.CORRECTED, "reason")
CORRECTED = tuple(f for f in fields.TECHNOLOGY if f.corrected)


def code_select(
    title: str,
    vocabulary: str,
    codes: tuple[str, ...],
    current: str | None,
    key: str,
    persist_state: Literal["page"] | None = None,
) -> None:
    if current and current not in codes:  # a retired code the record keeps
        codes = (*codes, current)
    st.selectbox(
        title,
        codes,
        index=codes.index(current) if current in codes else None,
        format_func=lambda c: label(vocabulary, c),
        key=key,
        persist_state=persist_state,
    )


def edit_technology_form(actor: Actor, record_id: int) -> None:
    """Correct a technology's titles, summary and codes while its lifecycle is open."""
    snap = snapshot(actor, lost_edits.TechnologySnapshot, "technology", record_id)
    if snap is None or snap.status not in TECH_EDITABLE:
        return
    form = Form(f"edit_technology_{record_id}")
    box = folded(_("Edit this technology"), form)
    if not box.open:
        return
    with box:
        version_caption(snap)
        with st.form(form.name):
            technology_inputs(
                form,
                CORRECTED,
                lambda k: widget_key(form, k),
                {f.key: getattr(snap, f.key) for f in CORRECTED},
            )
            st.text_input(
                _("Why this change (optional)"), max_chars=500, key=widget_key(form, "reason")
            )
            form.field_error("reason")

            def write() -> None:
                data.write(
                    technologies.edit_technology,
                    actor=actor,
                    tech_id=record_id,
                    version=snap.version,
                    title_ko=widget_value(form, "title_ko") or "",
                    title_en=widget_value(form, "title_en") or "",
                    field=widget_value(form, "field") or "",
                    growth_sector=widget_value(form, "growth_sector") or "",
                    certification=widget_value(form, "certification") or "",
                    summary=widget_value(form, "summary"),
                    reason=widget_value(form, "reason") or "",
                )

            st.form_submit_button(
                _("Save the changes"),
                type="primary",
                on_click=form.submit(
                    TECHNOLOGY_FIELDS,
                    write,
                    saved("technology", record_id, _("The technology was changed.")),
                ),
            )
        reload_button(form, "technology", record_id)


# --- organizations ---------------------------------------------------------------------------

ORG_FIELDS = ("name_ko", "name_en", "kind", "region")


def add_organization_form(actor: Actor) -> None:
    """Register an organization (a firm, institution, university ...). A form of the work
    queue: plain widgets, not ``st.form`` (see ``components.queue_forms``)."""
    form = Form("add_org")
    st.subheader(_("Add an organization"))
    with st.container(border=True, key=f"wf_form_{form.name}"):
        left, right = st.columns(2)
        with left:
            st.text_input(
                _("Name in Korean"),
                max_chars=200,
                key=widget_key(form, "name_ko"),
                persist_state="page",
            )
            form.field_error("name_ko")
        with right:
            st.text_input(
                _("Name in English"),
                max_chars=200,
                key=widget_key(form, "name_en"),
                persist_state="page",
            )
            form.field_error("name_en")
        left, right = st.columns(2)  # local or not follows the region (the city's home regions)
        with left:
            code_select(
                _("Kind of organisation"),
                "org_kind",
                data.vocabulary(data.database_url(), "organisation_kinds", offered=True),
                None,
                widget_key(form, "kind"),
                persist_state="page",
            )
            form.field_error("kind")
        with right:
            code_select(
                _("Region"),
                "region",
                domain.REGIONS,
                None,
                widget_key(form, "region"),
                persist_state="page",
            )
            form.field_error("region")

        def write() -> int:
            result: int = data.write(
                experts.add_organization,
                actor=actor,
                name_ko=widget_value(form, "name_ko") or "",
                name_en=widget_value(form, "name_en") or "",
                kind=widget_value(form, "kind") or "",
                region=widget_value(form, "region"),
            )
            return result

        st.button(
            _("Add the organization"),
            type="primary",
            on_click=form.submit(ORG_FIELDS, write, lambda _r: _("The organization was added.")),
        )


# --- testbeds --------------------------------------------------------------------------------


def edit_testbed_form(actor: Actor, testbeds: pd.DataFrame) -> None:
    """Correct the site of a testbed that is not finished (its stages move by proposals). A
    form of the work queue: plain widgets, not ``st.form`` (see ``components.queue_forms``)."""
    st.subheader(_("Correct a testbed's site"))
    if testbeds.empty:
        st.info(_("No testbed can take a step now (finished, or a step is already waiting)."))
        return
    by_id = {int(r["id"]): r for r in testbeds.to_dict("records")}
    chosen = st.selectbox(
        _("Testbed"),
        list(by_id),
        format_func=lambda i: f"{by_id[i]['reg_no']} · {by_id[i]['site'] or '-'}",
        index=None,
        placeholder=_("Choose a testbed"),
        key="rf_edit_testbed_choice",
        persist_state="page",
    )
    if chosen is None:
        return
    record_id = int(chosen)
    snap = snapshot(actor, lost_edits.TestbedSnapshot, "testbed", record_id)
    if snap is None:
        return
    form = Form(f"edit_testbed_{record_id}")
    version_caption(snap)
    with st.container(border=True, key=f"wf_form_{form.name}"):
        st.text_input(
            _("Site"),
            value=snap.site or "",
            max_chars=300,
            key=widget_key(form, "site"),
            persist_state="page",
        )
        form.field_error("site")
        st.text_input(
            _("Why this change (optional)"),
            max_chars=500,
            key=widget_key(form, "reason"),
            persist_state="page",
        )
        form.field_error("reason")

        def write() -> int:
            result: int = data.write(
                testbeds.edit_testbed,
                actor=actor,
                testbed_id=record_id,
                version=snap.version,
                site=widget_value(form, "site") or "",
                reason=widget_value(form, "reason") or "",
            )
            return result

        st.button(
            _("Save the changes"),
            on_click=form.submit(
                ("site", "reason"),
                write,
                saved("testbed", record_id, _("The testbed's site was changed.")),
            ),
        )
    reload_button(form, "testbed", record_id)
