"""Staff forms that change register records: edit an adoption, a technology or a testbed;
add, edit and retire an expert; add an organization.

Every edit form starts from a snapshot of the record read uncached when the form is first
shown (``db.workflow.edit_snapshot``), kept in the session until the edit is saved or the
editor reloads it, so the edit carries the version its editor actually saw: if someone else
saved the record meanwhile, ``db/`` refuses the edit and the message names them and the time
(nothing is overwritten), and "Reload the record" starts again from the current record.
Problems are shown under the field they concern (the helpers of ``components.workflow``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import streamlit as st

from components import data
from components.cells import pick
from components.forms import Form
from components.i18n import N_, _, current_language
from components.labels import label
from db import clock, domain
from db import workflow as wf
from db.permissions import Actor
from db.workflow.adoptions import EDITABLE as ADOPTION_EDITABLE
from db.workflow.adoptions import year_bounds
from db.workflow.technologies import ACTIVE as TECH_EDITABLE

SNAPSHOT = "rf_snapshot_{entity}_{id}"


def _k(form: Form, name: str) -> str:
    """A widget key unique to ``form`` and its current generation."""
    return form.key(f"rf_{form.name}_{name}")


def _v(form: Form, name: str) -> Any:
    """What the widget ``name`` of ``form`` holds (as submitted)."""
    return form.value(f"rf_{form.name}_{name}")


def _snapshot(actor: Actor, entity: str, record_id: int) -> dict[str, Any] | None:
    key = SNAPSHOT.format(entity=entity, id=record_id)
    if key not in st.session_state:
        st.session_state[key] = data.read(
            wf.edit_snapshot, actor=actor, entity=entity, record_id=record_id
        )
    snap: dict[str, Any] | None = st.session_state[key]
    return snap


def _forget(entity: str, record_id: int) -> None:
    st.session_state.pop(SNAPSHOT.format(entity=entity, id=record_id), None)


def _reload_button(form: Form, entity: str, record_id: int) -> None:
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


def _saved(entity: str, record_id: int, message: str) -> Any:
    """The success callback of an edit: forget the snapshot (the next form starts from the
    new version) and say what happened."""

    def done(_result: Any) -> str:
        _forget(entity, record_id)
        return message

    return done


def _version_caption(snap: dict[str, Any]) -> None:
    st.caption(
        _(
            "You are editing version {version} of this record. If someone else saves it "
            "before you, your edit is refused and nothing is overwritten.",
            version=snap["version"],
        )
    )


# --- adoptions -------------------------------------------------------------------------------

ADOPTION_FIELDS = ("project_name", "department", "budget_krw", "year", "justification", "reason")


def edit_adoption_form(actor: Actor, record_id: int) -> None:
    """Edit a proposal while it is proposed or under review (staff)."""
    snap = _snapshot(actor, "adoption", record_id)
    if snap is None or snap["status"] not in ADOPTION_EDITABLE:
        return
    form = Form(f"edit_adoption_{record_id}")
    first, last = year_bounds()
    with st.expander(_("Edit this proposal"), icon=":material/edit:"):
        _version_caption(snap)
        st.caption(
            _(
                "An edit after a meeting's recommendation needs a new recommendation, and "
                "whoever edits a proposal cannot approve it."
            )
        )
        with st.form(form.name):
            st.text_input(
                _("City project"),
                value=snap["project_name"],
                max_chars=300,
                key=_k(form, "project_name"),
            )
            form.field_error("project_name")
            st.text_input(
                _("Department"),
                value=snap["department"],
                max_chars=200,
                key=_k(form, "department"),
            )
            form.field_error("department")
            left, right = st.columns(2)
            with left:
                st.number_input(
                    _("Budget (won)"),
                    min_value=0,
                    step=1_000_000,
                    value=int(snap["budget_krw"]),
                    key=_k(form, "budget_krw"),
                )
                form.field_error("budget_krw")
            with right:
                st.number_input(
                    _("Project year"),
                    min_value=min(first, int(snap["year"])),
                    max_value=max(last, int(snap["year"])),
                    value=int(snap["year"]),
                    step=1,
                    key=_k(form, "year"),
                )
                form.field_error("year")
            st.text_area(
                _("Justification"),
                value=snap["justification"],
                max_chars=4000,
                key=_k(form, "justification"),
            )
            form.field_error("justification")
            st.text_input(_("Why this change (optional)"), max_chars=500, key=_k(form, "reason"))
            form.field_error("reason")

            def write() -> None:
                budget, year = _v(form, "budget_krw"), _v(form, "year")
                data.write(
                    wf.edit_adoption,
                    actor=actor,
                    adoption_id=record_id,
                    expected=str(snap["status"]),
                    version=int(snap["version"]),
                    project_name=_v(form, "project_name") or "",
                    department=_v(form, "department") or "",
                    budget_krw=None if budget is None else int(budget),
                    year=None if year is None else int(year),
                    justification=_v(form, "justification") or "",
                    reason=_v(form, "reason") or "",
                )

            st.form_submit_button(
                _("Save the changes"),
                type="primary",
                on_click=form.submit(
                    ADOPTION_FIELDS,
                    write,
                    _saved("adoption", record_id, _("The proposal was changed.")),
                ),
            )
        _reload_button(form, "adoption", record_id)


# --- technologies ----------------------------------------------------------------------------

TECHNOLOGY_FIELDS = (
    "title_ko", "title_en", "field", "growth_sector", "certification", "summary", "reason",
)  # fmt: skip


def _code_select(
    title: str, vocabulary: str, codes: tuple[str, ...], current: str | None, key: str
) -> None:
    st.selectbox(
        title,
        codes,
        index=codes.index(current) if current in codes else None,
        format_func=lambda c: label(vocabulary, c),
        key=key,
    )


def edit_technology_form(actor: Actor, record_id: int) -> None:
    """Correct a technology's titles, summary and codes while its lifecycle is open."""
    snap = _snapshot(actor, "technology", record_id)
    if snap is None or snap["status"] not in TECH_EDITABLE:
        return
    form = Form(f"edit_technology_{record_id}")
    with st.expander(_("Edit this technology"), icon=":material/edit:"):
        _version_caption(snap)
        with st.form(form.name):
            st.text_input(
                _("Title (Korean)"), value=snap["title_ko"], max_chars=300, key=_k(form, "ko")
            )
            form.field_error("title_ko")
            st.text_input(
                _("Title (English)"), value=snap["title_en"], max_chars=300, key=_k(form, "en")
            )
            form.field_error("title_en")
            left, mid, right = st.columns(3)
            with left:
                _code_select(_("Field"), "field", domain.FIELDS, snap["field"], _k(form, "field"))
                form.field_error("field")
            with mid:
                _code_select(
                    _("Growth sector"),
                    "growth_sector",
                    domain.GROWTH_SECTORS,
                    snap["growth_sector"],
                    _k(form, "sector"),
                )
                form.field_error("growth_sector")
            with right:
                _code_select(
                    _("Certification"),
                    "certification",
                    domain.CERTIFICATIONS,
                    snap["certification"],
                    _k(form, "cert"),
                )
                form.field_error("certification")
            st.text_area(
                _("Summary (optional)"),
                value=snap["summary"] or "",
                max_chars=4000,
                key=_k(form, "summary"),
            )
            form.field_error("summary")
            st.text_input(_("Why this change (optional)"), max_chars=500, key=_k(form, "reason"))
            form.field_error("reason")

            def write() -> None:
                data.write(
                    wf.edit_technology,
                    actor=actor,
                    tech_id=record_id,
                    version=int(snap["version"]),
                    title_ko=_v(form, "ko") or "",
                    title_en=_v(form, "en") or "",
                    field=_v(form, "field") or "",
                    growth_sector=_v(form, "sector") or "",
                    certification=_v(form, "cert") or "",
                    summary=_v(form, "summary"),
                    reason=_v(form, "reason") or "",
                )

            st.form_submit_button(
                _("Save the changes"),
                type="primary",
                on_click=form.submit(
                    TECHNOLOGY_FIELDS,
                    write,
                    _saved("technology", record_id, _("The technology was changed.")),
                ),
            )
        _reload_button(form, "technology", record_id)


# --- experts and organizations ---------------------------------------------------------------

EXPERT_FIELDS = (
    "name", "name_en", "organization_id", "affiliation", "position", "phone", "email",
    "fields", "registered_on", "ties", "reason", "retired_on",
)  # fmt: skip
TIE_COLUMNS = ("organization", "kind", "started_on", "ended_on", "note")
TIE_LABELS = {
    "employment": N_("Employment"),
    "consulting": N_("Consulting"),
    "joint_research": N_("Joint research"),
    "other": N_("Other"),
}


def _tie_label(code: str) -> str:
    return _(TIE_LABELS[code]) if code in TIE_LABELS else code


def _org_names(orgs: pd.DataFrame) -> dict[int, str]:
    english = current_language() == "en"
    return {
        int(r["id"]): pick(r["name_ko"], r["name_en"], empty="", en_reader=english)
        for r in orgs.to_dict("records")
    }


def _org_label(names: dict[int, str], org_id: int) -> str:
    return f"{names.get(org_id, '-')} · #{org_id}"


def _ties_editor(key: str, names: dict[int, str], ties: list[dict[str, Any]]) -> None:
    options = [_org_label(names, i) for i in names]
    kinds = {_tie_label(k): k for k in domain.TIE_KINDS}

    def dates(name: str) -> pd.Series:
        return pd.to_datetime(pd.Series([t[name] for t in ties], dtype=object))

    frame = pd.DataFrame(
        {
            "organization": pd.Series(
                [_org_label(names, int(t["organization_id"])) for t in ties], dtype=object
            ),
            "kind": pd.Series([_tie_label(t["kind"]) for t in ties], dtype=object),
            "started_on": dates("started_on"),
            "ended_on": dates("ended_on"),
            "note": pd.Series([t["note"] or "" for t in ties], dtype=object),
        },
        columns=list(TIE_COLUMNS),
    )
    st.data_editor(
        frame,
        key=key,
        num_rows="dynamic",
        hide_index=True,
        width="stretch",
        column_config={
            "organization": st.column_config.SelectboxColumn(
                _("Organization"), options=options, required=True, width="large"
            ),
            "kind": st.column_config.SelectboxColumn(
                _("Kind of tie"), options=list(kinds), required=True
            ),
            "started_on": st.column_config.DateColumn(_("From"), format="YYYY-MM-DD"),
            "ended_on": st.column_config.DateColumn(_("Until"), format="YYYY-MM-DD"),
            "note": st.column_config.TextColumn(_("Note"), max_chars=500),
        },
    )


def _ties_from(key: str, ties: list[dict[str, Any]]) -> list[wf.TieInput]:
    """The declared ties as the editor left them (its edits applied to ``ties``)."""
    state = st.session_state.get(key) or {}
    rows: list[dict[str, Any]] = [
        {
            "organization": t["organization_id"],
            "kind": t["kind"],
            "started_on": t["started_on"],
            "ended_on": t["ended_on"],
            "note": t["note"],
        }
        for t in ties
    ]
    for index, changes in (state.get("edited_rows") or {}).items():
        row = rows[int(index)]
        for name, new in changes.items():
            row[name] = _tie_value(name, new)
    for added in state.get("added_rows") or []:
        rows.append({c: _tie_value(c, added.get(c)) for c in TIE_COLUMNS})
    for index in sorted(state.get("deleted_rows") or [], reverse=True):
        rows.pop(int(index))
    return [
        wf.TieInput(
            organization_id=r["organization"],
            kind=r["kind"],
            started_on=r["started_on"],
            ended_on=r["ended_on"],
            note=r["note"],
        )
        for r in rows
    ]


def _tie_value(column: str, raw: Any) -> Any:
    if raw is None or raw == "":
        return None
    if column == "organization":
        text = str(raw)
        _name, _sep, number = text.rpartition("#")
        return int(number) if number.isdigit() else None
    if column == "kind":
        kinds = {_tie_label(k): k for k in domain.TIE_KINDS}
        return kinds.get(str(raw), str(raw))
    if column in ("started_on", "ended_on"):
        if isinstance(raw, dt.date):
            return raw
        try:
            return dt.date.fromisoformat(str(raw)[:10])
        except ValueError:
            return None
    return str(raw)


def _expert_inputs(form: Form, names: dict[int, str], snap: dict[str, Any]) -> None:
    left, right = st.columns(2)
    with left:
        st.text_input(
            _("Name in Korean"), value=snap.get("name") or "", max_chars=100, key=_k(form, "name")
        )
        form.field_error("name")
    with right:
        st.text_input(
            _("Name in English (optional)"),
            value=snap.get("name_en") or "",
            max_chars=100,
            key=_k(form, "name_en"),
        )
        form.field_error("name_en")
    ids = list(names)
    current = snap.get("organization_id")
    st.selectbox(
        _("Organisation"),
        ids,
        index=ids.index(current) if current in ids else None,
        format_func=lambda i: _org_label(names, int(i)),
        placeholder=_("Choose an organization"),
        key=_k(form, "organization_id"),
    )
    form.field_error("organization_id")
    left, right = st.columns(2)
    with left:
        _code_select(
            _("Affiliation"),
            "affiliation",
            domain.AFFILIATIONS,
            snap.get("affiliation"),
            _k(form, "affiliation"),
        )
        form.field_error("affiliation")
    with right:
        st.text_input(
            _("Position (optional)"),
            value=snap.get("position") or "",
            max_chars=100,
            key=_k(form, "position"),
        )
        form.field_error("position")
    left, right = st.columns(2)
    with left:
        st.text_input(
            _("Phone (optional)"),
            value=snap.get("phone") or "",
            max_chars=32,
            key=_k(form, "phone"),
        )
        form.field_error("phone")
    with right:
        st.text_input(
            _("E-mail (optional)"),
            value=snap.get("email") or "",
            max_chars=254,
            key=_k(form, "email"),
        )
        form.field_error("email")
    st.multiselect(
        _("Technical fields"),
        list(domain.FIELDS),
        default=list(snap.get("fields") or []),
        format_func=lambda c: label("field", c),
        placeholder=_("Choose one or more fields"),
        key=_k(form, "fields"),
    )
    form.field_error("fields")


def _expert_values(form: Form) -> dict[str, Any]:
    return {
        "name": _v(form, "name") or "",
        "name_en": _v(form, "name_en"),
        "organization_id": _v(form, "organization_id"),
        "affiliation": _v(form, "affiliation") or "",
        "position": _v(form, "position"),
        "phone": _v(form, "phone"),
        "email": _v(form, "email"),
        "fields": list(_v(form, "fields") or []),
    }


TIES_HELP = N_(
    "Declared ties (employment, consulting, joint research) to organizations: the panel draw "
    "leaves the expert out of meetings on those organizations' technologies. Add a row with "
    "+, remove one by selecting it."
)


def add_expert_form(actor: Actor, orgs: pd.DataFrame) -> None:
    """Add an expert to the pool (staff)."""
    form = Form("add_expert")
    names = _org_names(orgs)
    with st.expander(_("Add an expert"), icon=":material/person_add:"):
        ties_key = _k(form, "ties")
        with st.form(form.name):
            _expert_inputs(form, names, {})
            st.date_input(
                _("Joined the pool"),
                value=clock.city_today(),
                max_value=clock.city_today(),
                key=_k(form, "registered_on"),
            )
            form.field_error("registered_on")
            st.markdown("**" + _("Declared ties") + "**")
            st.caption(_(TIES_HELP))
            _ties_editor(ties_key, names, [])
            form.field_error("ties")

            def write() -> int:
                result: int = data.write(
                    wf.add_expert,
                    actor=actor,
                    registered_on=_v(form, "registered_on"),
                    ties=_ties_from(ties_key, []),
                    **_expert_values(form),
                )
                return result

            st.form_submit_button(
                _("Add the expert"),
                type="primary",
                on_click=form.submit(
                    EXPERT_FIELDS,
                    write,
                    lambda _r: _("The expert was added to the pool."),
                ),
            )


def edit_expert_form(actor: Actor, record_id: int, orgs: pd.DataFrame) -> None:
    """Edit an expert, their fields and declared ties; or record that they left the pool."""
    snap = _snapshot(actor, "expert", record_id)
    if snap is None:
        return
    names = _org_names(orgs)
    form = Form(f"edit_expert_{record_id}")
    with st.expander(_("Edit this expert"), icon=":material/edit:"):
        _version_caption(snap)
        ties_key = _k(form, "ties")
        with st.form(form.name):
            _expert_inputs(form, names, snap)
            st.markdown("**" + _("Declared ties") + "**")
            st.caption(_(TIES_HELP))
            _ties_editor(ties_key, names, snap["ties"])
            form.field_error("ties")
            st.text_input(_("Why this change (optional)"), max_chars=500, key=_k(form, "reason"))
            form.field_error("reason")

            def write() -> int:
                result: int = data.write(
                    wf.edit_expert,
                    actor=actor,
                    expert_id=record_id,
                    version=int(snap["version"]),
                    ties=_ties_from(ties_key, snap["ties"]),
                    reason=_v(form, "reason") or "",
                    **_expert_values(form),
                )
                return result

            st.form_submit_button(
                _("Save the changes"),
                type="primary",
                on_click=form.submit(
                    EXPERT_FIELDS,
                    write,
                    _saved("expert", record_id, _("The expert's record was changed.")),
                ),
            )
        _reload_button(form, "expert", record_id)
    if snap["retired_on"] is None:
        _retire_expert_form(actor, record_id, snap)


def _retire_expert_form(actor: Actor, record_id: int, snap: dict[str, Any]) -> None:
    form = Form(f"retire_expert_{record_id}")
    title = _("Record that this expert left the pool")
    with st.expander(title, icon=":material/person_remove:"), st.form(form.name):
        st.date_input(
            _("Left the pool on"),
            value=clock.city_today(),
            max_value=clock.city_today(),
            key=_k(form, "retired_on"),
        )
        form.field_error("retired_on")
        st.text_input(_("Reason"), max_chars=500, key=_k(form, "reason"))
        form.field_error("reason")
        st.checkbox(
            _("I understand the expert will no longer be drawn for panels after this day."),
            key=_k(form, "confirm"),
        )

        def write() -> int:
            result: int = data.write(
                wf.retire_expert,
                actor=actor,
                expert_id=record_id,
                version=int(snap["version"]),
                retired_on=_v(form, "retired_on"),
                reason=_v(form, "reason") or "",
            )
            return result

        st.form_submit_button(
            _("Record the departure"),
            on_click=form.submit(
                ("retired_on", "reason"),
                write,
                _saved("expert", record_id, _("The expert has left the pool.")),
                confirm=f"rf_{form.name}_confirm",
            ),
        )


ORG_FIELDS = ("name_ko", "name_en", "kind", "region")


def add_organization_form(actor: Actor) -> None:
    """Register an organization (a firm, institution, university ...)."""
    form = Form("add_org")
    st.subheader(_("Add an organization"))
    with st.form(form.name):
        left, right = st.columns(2)
        with left:
            st.text_input(_("Name in Korean"), max_chars=200, key=_k(form, "name_ko"))
            form.field_error("name_ko")
        with right:
            st.text_input(_("Name in English"), max_chars=200, key=_k(form, "name_en"))
            form.field_error("name_en")
        left, mid, right = st.columns(3)
        with left:
            _code_select(
                _("Kind of organisation"), "org_kind", domain.ORG_KINDS, None, _k(form, "kind")
            )
            form.field_error("kind")
        with mid:
            _code_select(_("Region"), "region", domain.REGIONS, None, _k(form, "region"))
            form.field_error("region")
        with right:
            st.checkbox(_("Inside the city (local)"), key=_k(form, "local"))

        def write() -> int:
            result: int = data.write(
                wf.add_organization,
                actor=actor,
                name_ko=_v(form, "name_ko") or "",
                name_en=_v(form, "name_en") or "",
                kind=_v(form, "kind") or "",
                region=_v(form, "region"),
                is_local=bool(_v(form, "local")),
            )
            return result

        st.form_submit_button(
            _("Add the organization"),
            type="primary",
            on_click=form.submit(ORG_FIELDS, write, lambda _r: _("The organization was added.")),
        )


# --- testbeds --------------------------------------------------------------------------------


def edit_testbed_form(actor: Actor, testbeds: pd.DataFrame) -> None:
    """Correct the site of a testbed that is not finished (its stages move by proposals)."""
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
    )
    if chosen is None:
        return
    record_id = int(chosen)
    snap = _snapshot(actor, "testbed", record_id)
    if snap is None:
        return
    form = Form(f"edit_testbed_{record_id}")
    _version_caption(snap)
    with st.form(form.name):
        st.text_input(_("Site"), value=snap["site"] or "", max_chars=300, key=_k(form, "site"))
        form.field_error("site")
        st.text_input(_("Why this change (optional)"), max_chars=500, key=_k(form, "reason"))
        form.field_error("reason")

        def write() -> int:
            result: int = data.write(
                wf.edit_testbed,
                actor=actor,
                testbed_id=record_id,
                version=int(snap["version"]),
                site=_v(form, "site") or "",
                reason=_v(form, "reason") or "",
            )
            return result

        st.form_submit_button(
            _("Save the changes"),
            on_click=form.submit(
                ("site", "reason"),
                write,
                _saved("testbed", record_id, _("The testbed's site was changed.")),
            ),
        )
    _reload_button(form, "testbed", record_id)
