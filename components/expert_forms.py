"""Staff forms of the experts register: add an expert to the pool, edit one (fields and the
declared ties the panel draw reads), or record that one left the pool. Edits start from the
snapshot the editor saw (``components.record_forms``), so a concurrent save is refused.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import pandas as pd
import streamlit as st

from components import data
from components.cells import pick
from components.forms import Form
from components.i18n import N_, _, current_language
from components.labels import label
from components.record_forms import (
    code_select,
    reload_button,
    saved,
    snapshot,
    version_caption,
    widget_key,
    widget_value,
)
from db import clock, domain, experts
from db.lost_edits import DeclaredTie, ExpertSnapshot
from db.policy import Actor

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


def _ties_editor(key: str, names: dict[int, str], ties: Sequence[DeclaredTie]) -> None:
    options = [_org_label(names, i) for i in names]
    kinds = {_tie_label(k): k for k in domain.TIE_KINDS}

    def dates(name: str) -> pd.Series:
        return pd.to_datetime(pd.Series([getattr(t, name) for t in ties], dtype=object))

    frame = pd.DataFrame(
        {
            "organization": pd.Series(
                [_org_label(names, t.organization_id) for t in ties], dtype=object
            ),
            "kind": pd.Series([_tie_label(t.kind) for t in ties], dtype=object),
            "started_on": dates("started_on"),
            "ended_on": dates("ended_on"),
            "note": pd.Series([t.note or "" for t in ties], dtype=object),
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
        placeholder="",
    )


def _ties_from(key: str, ties: Sequence[DeclaredTie]) -> list[experts.TieInput]:
    """The declared ties as the editor left them (its edits applied to ``ties``)."""
    state = st.session_state.get(key) or {}
    rows: list[dict[str, Any]] = [
        {
            "organization": t.organization_id,
            "kind": t.kind,
            "started_on": t.started_on,
            "ended_on": t.ended_on,
            "note": t.note,
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


def _expert_inputs(form: Form, names: dict[int, str], snap: ExpertSnapshot | None) -> None:
    left, right = st.columns(2)
    with left:
        st.text_input(
            _("Name in Korean"),
            value=snap.name if snap else "",
            max_chars=100,
            key=widget_key(form, "name"),
        )
        form.field_error("name")
    with right:
        st.text_input(
            _("Name in English (optional)"),
            value=(snap.name_en if snap else None) or "",
            max_chars=100,
            key=widget_key(form, "name_en"),
        )
        form.field_error("name_en")
    ids = list(names)
    current = snap.organization_id if snap else None
    st.selectbox(
        _("Organisation"),
        ids,
        index=ids.index(current) if current in ids else None,
        format_func=lambda i: _org_label(names, int(i)),
        placeholder=_("Choose an organization"),
        key=widget_key(form, "organization_id"),
    )
    form.field_error("organization_id")
    left, right = st.columns(2)
    with left:
        code_select(
            _("Affiliation"),
            "affiliation",
            domain.AFFILIATIONS,
            snap.affiliation if snap else None,
            widget_key(form, "affiliation"),
        )
        form.field_error("affiliation")
    with right:
        st.text_input(
            _("Position (optional)"),
            value=(snap.position if snap else None) or "",
            max_chars=100,
            key=widget_key(form, "position"),
        )
        form.field_error("position")
    left, right = st.columns(2)
    with left:
        st.text_input(
            _("Phone (optional)"),
            value=(snap.phone if snap else None) or "",
            max_chars=32,
            key=widget_key(form, "phone"),
        )
        form.field_error("phone")
    with right:
        st.text_input(
            _("E-mail (optional)"),
            value=(snap.email if snap else None) or "",
            max_chars=254,
            key=widget_key(form, "email"),
        )
        form.field_error("email")
    held = list(snap.fields if snap else ())
    offered = data.vocabulary(data.database_url(), "fields", offered=True)
    st.multiselect(
        _("Technical fields"),
        [*offered, *(f for f in held if f not in offered)],  # retired ones the expert keeps
        default=held,
        format_func=lambda c: label("field", c),
        placeholder=_("Choose one or more fields"),
        key=widget_key(form, "fields"),
    )
    form.field_error("fields")


def _expert_values(form: Form) -> dict[str, Any]:
    return {
        "name": widget_value(form, "name") or "",
        "name_en": widget_value(form, "name_en"),
        "organization_id": widget_value(form, "organization_id"),
        "affiliation": widget_value(form, "affiliation") or "",
        "position": widget_value(form, "position"),
        "phone": widget_value(form, "phone"),
        "email": widget_value(form, "email"),
        "fields": list(widget_value(form, "fields") or []),
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
        ties_key = widget_key(form, "ties")
        with st.form(form.name):
            _expert_inputs(form, names, None)
            st.date_input(
                _("Joined the pool"),
                value=clock.city_today(),
                max_value=clock.city_today(),
                key=widget_key(form, "registered_on"),
            )
            form.field_error("registered_on")
            st.markdown("**" + _("Declared ties") + "**")
            st.caption(_(TIES_HELP))
            _ties_editor(ties_key, names, [])
            form.field_error("ties")

            def write() -> int:
                result: int = data.write(
                    experts.add_expert,
                    actor=actor,
                    registered_on=widget_value(form, "registered_on"),
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
    snap = snapshot(actor, ExpertSnapshot, "expert", record_id)
    if snap is None:
        return
    names = _org_names(orgs)
    form = Form(f"edit_expert_{record_id}")
    with st.expander(_("Edit this expert"), icon=":material/edit:"):
        version_caption(snap)
        ties_key = widget_key(form, "ties")
        with st.form(form.name):
            _expert_inputs(form, names, snap)
            st.markdown("**" + _("Declared ties") + "**")
            st.caption(_(TIES_HELP))
            _ties_editor(ties_key, names, snap.ties)
            form.field_error("ties")
            st.text_input(
                _("Why this change (optional)"), max_chars=500, key=widget_key(form, "reason")
            )
            form.field_error("reason")

            def write() -> int:
                result: int = data.write(
                    experts.edit_expert,
                    actor=actor,
                    expert_id=record_id,
                    version=snap.version,
                    ties=_ties_from(ties_key, snap.ties),
                    reason=widget_value(form, "reason") or "",
                    **_expert_values(form),
                )
                return result

            st.form_submit_button(
                _("Save the changes"),
                type="primary",
                on_click=form.submit(
                    EXPERT_FIELDS,
                    write,
                    saved("expert", record_id, _("The expert's record was changed.")),
                ),
            )
        reload_button(form, "expert", record_id)
    if snap.retired_on is None:
        _retire_expert_form(actor, record_id, snap)


def _retire_expert_form(actor: Actor, record_id: int, snap: ExpertSnapshot) -> None:
    form = Form(f"retire_expert_{record_id}")
    title = _("Record that this expert left the pool")
    with st.expander(title, icon=":material/person_remove:"), st.form(form.name):
        st.date_input(
            _("Left the pool on"),
            value=clock.city_today(),
            max_value=clock.city_today(),
            key=widget_key(form, "retired_on"),
        )
        form.field_error("retired_on")
        st.text_input(_("Reason"), max_chars=500, key=widget_key(form, "reason"))
        form.field_error("reason")
        st.checkbox(
            _("I understand the expert will no longer be drawn for panels after this day."),
            key=widget_key(form, "confirm"),
        )

        def write() -> int:
            result: int = data.write(
                experts.retire_expert,
                actor=actor,
                expert_id=record_id,
                version=snap.version,
                retired_on=widget_value(form, "retired_on"),
                reason=widget_value(form, "reason") or "",
            )
            return result

        st.form_submit_button(
            _("Record the departure"),
            on_click=form.submit(
                ("retired_on", "reason"),
                write,
                saved("expert", record_id, _("The expert has left the pool.")),
                confirm=f"rf_{form.name}_confirm",
            ),
        )
