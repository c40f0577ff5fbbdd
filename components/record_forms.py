"""Staff forms that change register records: edit an adoption, a technology or a testbed;
add, edit and retire an expert; add an organization.

Every edit form starts from a snapshot of the record read uncached when the form is first
shown (``db.lost_edits.edit_snapshot``), kept in the session until the edit is saved or the
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
from components.i18n import N_, _, current_language
from components.labels import label
from components.workflow import field_error, form_errors, on_submit, value, wkey
from db import adoptions, clock, domain, experts, lost_edits, technologies
from db.adoptions.writes import EDITABLE as ADOPTION_EDITABLE
from db.adoptions.writes import year_bounds
from db.policy import Actor
from db.technologies.writes import ACTIVE as TECH_EDITABLE
from db.testbeds import edit_testbed

SNAPSHOT = "rf_snapshot_{entity}_{id}"


def _k(form: str, name: str) -> str:
    """A widget key unique to ``form`` and its current generation."""
    return wkey(form, f"rf_{form}_{name}")


def _snapshot(actor: Actor, entity: str, record_id: int) -> dict[str, Any] | None:
    key = SNAPSHOT.format(entity=entity, id=record_id)
    if key not in st.session_state:
        st.session_state[key] = data.read(
            lost_edits.edit_snapshot, actor=actor, entity=entity, record_id=record_id
        )
    snap: dict[str, Any] | None = st.session_state[key]
    return snap


def _forget(entity: str, record_id: int) -> None:
    st.session_state.pop(SNAPSHOT.format(entity=entity, id=record_id), None)


def _reload_button(form: str, entity: str, record_id: int) -> None:
    def reload() -> None:
        _forget(entity, record_id)
        st.session_state.pop(f"wf_errors_{form}", None)
        st.session_state[f"wf_generation_{form}"] = (
            int(st.session_state.get(f"wf_generation_{form}", 0)) + 1
        )

    st.button(
        _("Reload the record"),
        key=f"{form}_reload",
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
    form = f"edit_adoption_{record_id}"
    errors = form_errors(form)
    first, last = year_bounds()
    with st.expander(_("Edit this proposal"), icon=":material/edit:"):
        _version_caption(snap)
        st.caption(
            _(
                "An edit after a meeting's recommendation needs a new recommendation, and "
                "whoever edits a proposal cannot approve it."
            )
        )
        with st.form(form):
            st.text_input(
                _("City project"),
                value=snap["project_name"],
                max_chars=300,
                key=_k(form, "project_name"),
            )
            field_error(errors, "project_name")
            st.text_input(
                _("Department"),
                value=snap["department"],
                max_chars=200,
                key=_k(form, "department"),
            )
            field_error(errors, "department")
            left, right = st.columns(2)
            with left:
                st.number_input(
                    _("Budget (won)"),
                    min_value=0,
                    step=1_000_000,
                    value=int(snap["budget_krw"]),
                    key=_k(form, "budget_krw"),
                )
                field_error(errors, "budget_krw")
            with right:
                st.number_input(
                    _("Project year"),
                    min_value=min(first, int(snap["year"])),
                    max_value=max(last, int(snap["year"])),
                    value=int(snap["year"]),
                    step=1,
                    key=_k(form, "year"),
                )
                field_error(errors, "year")
            st.text_area(
                _("Justification"),
                value=snap["justification"],
                max_chars=4000,
                key=_k(form, "justification"),
            )
            field_error(errors, "justification")
            st.text_input(_("Why this change (optional)"), max_chars=500, key=_k(form, "reason"))
            field_error(errors, "reason")

            def write() -> None:
                budget, year = value(_k(form, "budget_krw")), value(_k(form, "year"))
                data.write(
                    adoptions.edit_adoption,
                    actor=actor,
                    adoption_id=record_id,
                    expected=str(snap["status"]),
                    version=int(snap["version"]),
                    project_name=value(_k(form, "project_name")) or "",
                    department=value(_k(form, "department")) or "",
                    budget_krw=None if budget is None else int(budget),
                    year=None if year is None else int(year),
                    justification=value(_k(form, "justification")) or "",
                    reason=value(_k(form, "reason")) or "",
                )

            st.form_submit_button(
                _("Save the changes"),
                type="primary",
                on_click=on_submit(
                    form,
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
    if current and current not in codes:  # a retired code the record keeps
        codes = (*codes, current)
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
    form = f"edit_technology_{record_id}"
    errors = form_errors(form)
    with st.expander(_("Edit this technology"), icon=":material/edit:"):
        _version_caption(snap)
        with st.form(form):
            st.text_input(
                _("Title (Korean)"), value=snap["title_ko"], max_chars=300, key=_k(form, "ko")
            )
            field_error(errors, "title_ko")
            st.text_input(
                _("Title (English)"), value=snap["title_en"], max_chars=300, key=_k(form, "en")
            )
            field_error(errors, "title_en")
            left, mid, right = st.columns(3)
            with left:
                _code_select(
                    _("Field"),
                    "field",
                    data.vocabulary(data.database_url(), "fields", offered=True),
                    snap["field"],
                    _k(form, "field"),
                )
                field_error(errors, "field")
            with mid:
                _code_select(
                    _("Growth sector"),
                    "growth_sector",
                    data.vocabulary(data.database_url(), "sectors", offered=True),
                    snap["growth_sector"],
                    _k(form, "sector"),
                )
                field_error(errors, "growth_sector")
            with right:
                _code_select(
                    _("Certification"),
                    "certification",
                    domain.CERTIFICATIONS,
                    snap["certification"],
                    _k(form, "cert"),
                )
                field_error(errors, "certification")
            st.text_area(
                _("Summary (optional)"),
                value=snap["summary"] or "",
                max_chars=4000,
                key=_k(form, "summary"),
            )
            field_error(errors, "summary")
            st.text_input(_("Why this change (optional)"), max_chars=500, key=_k(form, "reason"))
            field_error(errors, "reason")

            def write() -> None:
                data.write(
                    technologies.edit_technology,
                    actor=actor,
                    tech_id=record_id,
                    version=int(snap["version"]),
                    title_ko=value(_k(form, "ko")) or "",
                    title_en=value(_k(form, "en")) or "",
                    field=value(_k(form, "field")) or "",
                    growth_sector=value(_k(form, "sector")) or "",
                    certification=value(_k(form, "cert")) or "",
                    summary=value(_k(form, "summary")),
                    reason=value(_k(form, "reason")) or "",
                )

            st.form_submit_button(
                _("Save the changes"),
                type="primary",
                on_click=on_submit(
                    form,
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
        int(r["id"]): str(r["name_en"] if english and r["name_en"] else r["name_ko"])
        for _i, r in orgs.iterrows()
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


def _ties_from(key: str, ties: list[dict[str, Any]]) -> list[experts.TieInput]:
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
        experts.TieInput(
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


def _expert_inputs(
    form: str, errors: dict[str, str], names: dict[int, str], snap: dict[str, Any]
) -> None:
    left, right = st.columns(2)
    with left:
        st.text_input(
            _("Name in Korean"), value=snap.get("name") or "", max_chars=100, key=_k(form, "name")
        )
        field_error(errors, "name")
    with right:
        st.text_input(
            _("Name in English (optional)"),
            value=snap.get("name_en") or "",
            max_chars=100,
            key=_k(form, "name_en"),
        )
        field_error(errors, "name_en")
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
    field_error(errors, "organization_id")
    left, right = st.columns(2)
    with left:
        _code_select(
            _("Affiliation"),
            "affiliation",
            domain.AFFILIATIONS,
            snap.get("affiliation"),
            _k(form, "affiliation"),
        )
        field_error(errors, "affiliation")
    with right:
        st.text_input(
            _("Position (optional)"),
            value=snap.get("position") or "",
            max_chars=100,
            key=_k(form, "position"),
        )
        field_error(errors, "position")
    left, right = st.columns(2)
    with left:
        st.text_input(
            _("Phone (optional)"),
            value=snap.get("phone") or "",
            max_chars=32,
            key=_k(form, "phone"),
        )
        field_error(errors, "phone")
    with right:
        st.text_input(
            _("E-mail (optional)"),
            value=snap.get("email") or "",
            max_chars=254,
            key=_k(form, "email"),
        )
        field_error(errors, "email")
    held = list(snap.get("fields") or [])
    offered = data.vocabulary(data.database_url(), "fields", offered=True)
    st.multiselect(
        _("Technical fields"),
        [*offered, *(f for f in held if f not in offered)],  # retired ones the expert keeps
        default=held,
        format_func=lambda c: label("field", c),
        placeholder=_("Choose one or more fields"),
        key=_k(form, "fields"),
    )
    field_error(errors, "fields")


def _expert_values(form: str) -> dict[str, Any]:
    return {
        "name": value(_k(form, "name")) or "",
        "name_en": value(_k(form, "name_en")),
        "organization_id": value(_k(form, "organization_id")),
        "affiliation": value(_k(form, "affiliation")) or "",
        "position": value(_k(form, "position")),
        "phone": value(_k(form, "phone")),
        "email": value(_k(form, "email")),
        "fields": list(value(_k(form, "fields")) or []),
    }


TIES_HELP = N_(
    "Declared ties (employment, consulting, joint research) to organizations: the panel draw "
    "leaves the expert out of meetings on those organizations' technologies. Add a row with "
    "+, remove one by selecting it."
)


def add_expert_form(actor: Actor, orgs: pd.DataFrame) -> None:
    """Add an expert to the pool (staff)."""
    form = "add_expert"
    errors = form_errors(form)
    names = _org_names(orgs)
    with st.expander(_("Add an expert"), icon=":material/person_add:"):
        ties_key = _k(form, "ties")
        with st.form(form):
            _expert_inputs(form, errors, names, {})
            st.date_input(
                _("Joined the pool"),
                value=clock.city_today(),
                max_value=clock.city_today(),
                key=_k(form, "registered_on"),
            )
            field_error(errors, "registered_on")
            st.markdown("**" + _("Declared ties") + "**")
            st.caption(_(TIES_HELP))
            _ties_editor(ties_key, names, [])
            field_error(errors, "ties")

            def write() -> int:
                result: int = data.write(
                    experts.add_expert,
                    actor=actor,
                    registered_on=value(_k(form, "registered_on")),
                    ties=_ties_from(ties_key, []),
                    **_expert_values(form),
                )
                return result

            st.form_submit_button(
                _("Add the expert"),
                type="primary",
                on_click=on_submit(
                    form,
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
    form = f"edit_expert_{record_id}"
    errors = form_errors(form)
    with st.expander(_("Edit this expert"), icon=":material/edit:"):
        _version_caption(snap)
        ties_key = _k(form, "ties")
        with st.form(form):
            _expert_inputs(form, errors, names, snap)
            st.markdown("**" + _("Declared ties") + "**")
            st.caption(_(TIES_HELP))
            _ties_editor(ties_key, names, snap["ties"])
            field_error(errors, "ties")
            st.text_input(_("Why this change (optional)"), max_chars=500, key=_k(form, "reason"))
            field_error(errors, "reason")

            def write() -> int:
                result: int = data.write(
                    experts.edit_expert,
                    actor=actor,
                    expert_id=record_id,
                    version=int(snap["version"]),
                    ties=_ties_from(ties_key, snap["ties"]),
                    reason=value(_k(form, "reason")) or "",
                    **_expert_values(form),
                )
                return result

            st.form_submit_button(
                _("Save the changes"),
                type="primary",
                on_click=on_submit(
                    form,
                    EXPERT_FIELDS,
                    write,
                    _saved("expert", record_id, _("The expert's record was changed.")),
                ),
            )
        _reload_button(form, "expert", record_id)
    if snap["retired_on"] is None:
        _retire_expert_form(actor, record_id, snap)


def _retire_expert_form(actor: Actor, record_id: int, snap: dict[str, Any]) -> None:
    form = f"retire_expert_{record_id}"
    errors = form_errors(form)
    title = _("Record that this expert left the pool")
    with st.expander(title, icon=":material/person_remove:"), st.form(form):
        st.date_input(
            _("Left the pool on"),
            value=clock.city_today(),
            max_value=clock.city_today(),
            key=_k(form, "retired_on"),
        )
        field_error(errors, "retired_on")
        st.text_input(_("Reason"), max_chars=500, key=_k(form, "reason"))
        field_error(errors, "reason")
        st.checkbox(
            _("I understand the expert will no longer be drawn for panels after this day."),
            key=_k(form, "confirm"),
        )

        def write() -> int:
            result: int = data.write(
                experts.retire_expert,
                actor=actor,
                expert_id=record_id,
                version=int(snap["version"]),
                retired_on=value(_k(form, "retired_on")),
                reason=value(_k(form, "reason")) or "",
            )
            return result

        st.form_submit_button(
            _("Record the departure"),
            on_click=on_submit(
                form,
                ("retired_on", "reason"),
                write,
                _saved("expert", record_id, _("The expert has left the pool.")),
                confirm=_k(form, "confirm"),
            ),
        )


ORG_FIELDS = ("name_ko", "name_en", "kind", "region")


def add_organization_form(actor: Actor) -> None:
    """Register an organization (a firm, institution, university ...)."""
    form = "add_org"
    errors = form_errors(form)
    st.subheader(_("Add an organization"))
    with st.form(form):
        left, right = st.columns(2)
        with left:
            st.text_input(_("Name in Korean"), max_chars=200, key=_k(form, "name_ko"))
            field_error(errors, "name_ko")
        with right:
            st.text_input(_("Name in English"), max_chars=200, key=_k(form, "name_en"))
            field_error(errors, "name_en")
        left, right = st.columns(2)  # local or not follows the region (the city's home regions)
        with left:
            _code_select(
                _("Kind of organisation"),
                "org_kind",
                data.vocabulary(data.database_url(), "organisation_kinds", offered=True),
                None,
                _k(form, "kind"),
            )
            field_error(errors, "kind")
        with right:
            _code_select(_("Region"), "region", domain.REGIONS, None, _k(form, "region"))
            field_error(errors, "region")

        def write() -> int:
            result: int = data.write(
                experts.add_organization,
                actor=actor,
                name_ko=value(_k(form, "name_ko")) or "",
                name_en=value(_k(form, "name_en")) or "",
                kind=value(_k(form, "kind")) or "",
                region=value(_k(form, "region")),
            )
            return result

        st.form_submit_button(
            _("Add the organization"),
            type="primary",
            on_click=on_submit(
                form, ORG_FIELDS, write, lambda _r: _("The organization was added.")
            ),
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
    form = f"edit_testbed_{record_id}"
    errors = form_errors(form)
    _version_caption(snap)
    with st.form(form):
        st.text_input(_("Site"), value=snap["site"] or "", max_chars=300, key=_k(form, "site"))
        field_error(errors, "site")
        st.text_input(_("Why this change (optional)"), max_chars=500, key=_k(form, "reason"))
        field_error(errors, "reason")

        def write() -> int:
            result: int = data.write(
                edit_testbed,
                actor=actor,
                testbed_id=record_id,
                version=int(snap["version"]),
                site=value(_k(form, "site")) or "",
                reason=value(_k(form, "reason")) or "",
            )
            return result

        st.form_submit_button(
            _("Save the changes"),
            on_click=on_submit(
                form,
                ("site", "reason"),
                write,
                _saved("testbed", record_id, _("The testbed's site was changed.")),
            ),
        )
    _reload_button(form, "testbed", record_id)
