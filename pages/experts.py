"""Experts register: the pool of outside experts (``?as_of=2019-08-08&affiliation=public``
lists the 393 public-institution experts in the pool then). Phone numbers and e-mail
addresses reach staff and auditors only: the db functions leave them out for anyone else."""

from __future__ import annotations

import streamlit as st

from components import data, record_forms, registers
from components import workflow as ui
from components.i18n import N_, _
from components.navigation import READERS, guard
from components.registers import Column, Filter, Register, Related
from db import approvals, domain
from db.experts import ExpertFilters
from db.policy import may_see_personal_data

EXPERTS = Register(
    key="experts",
    make=ExpertFilters,
    filters=(
        Filter("q", "q", N_("Search"), "search", help=N_("Name or organisation")),
        Filter("as_of", "as_of", N_("In the pool on"), "date"),
        Filter("from", "joined_from", N_("Joined from"), "date"),
        Filter("to", "joined_to", N_("Joined until"), "date"),
        Filter(
            "affiliation",
            "affiliation",
            N_("Affiliation"),
            "code",
            domain.AFFILIATIONS,
            "affiliation",
        ),
        Filter("field", "field", N_("Field"), "code", vocabulary="field"),
    ),
    sorts=(
        ("registered_desc", N_("Newest in the pool first")),
        ("registered_asc", N_("Longest in the pool first")),
        ("name_asc", N_("Name")),
    ),
    columns=(
        Column("name", N_("Name"), en="name_en"),
        Column("organization_ko", N_("Organisation"), en="organization_en"),
        Column("affiliation", N_("Affiliation"), vocabulary="affiliation"),
        Column("position", N_("Position")),
        Column("fields", N_("Fields"), "codes", vocabulary="field"),
        Column("registered_on", N_("Joined the pool"), "date"),
        Column("retired_on", N_("Left the pool"), "date"),
        Column("phone", N_("Phone")),
        Column("email", N_("E-mail")),
    ),
    count=N_("{n} experts"),
    empty=N_("No experts match these filters."),
    heading=(Column("name", "", en="name_en"), Column("organization_ko", "", en="organization_en")),
    fields=(
        Column("name", N_("Name in Korean")),
        Column("name_en", N_("Name in English")),
        Column("organization_ko", N_("Organisation"), en="organization_en"),
        Column("organization_kind", N_("Kind of organisation"), vocabulary="org_kind"),
        Column("organization_region", N_("Region"), vocabulary="region"),
        Column("affiliation", N_("Affiliation"), vocabulary="affiliation"),
        Column("position", N_("Position")),
        Column("fields", N_("Fields"), "codes", vocabulary="field"),
        Column("registered_on", N_("Joined the pool"), "date"),
        Column("retired_on", N_("Left the pool"), "date"),
        Column("phone", N_("Phone")),
        Column("email", N_("E-mail")),
    ),
    related=(
        Related(
            "panels",
            N_("Panels sat on"),
            (
                Column("code", N_("Meeting")),
                Column("kind", N_("Kind of meeting"), vocabulary="meeting_kind"),
                Column("held_on", N_("Held on"), "date"),
                Column("method", N_("Seated by"), vocabulary="seat_method"),
                Column("is_chair", N_("Chair"), "bool"),
                Column("attended", N_("Attended"), "bool"),
                Column("recused", N_("Recused"), "bool"),
            ),
            N_("This expert has not sat on a panel."),
        ),
    ),
    missing=N_("There is no expert with the record number {id}."),
)

actor = guard(*READERS)
st.title(_("Experts"))
ui.show_flash()
url = data.database_url()
staff = actor.has("staff")
orgs = data.read(approvals.organization_choices, actor=actor) if staff else None
if orgs is not None:
    record_forms.add_expert_form(actor, orgs)
view = registers.open_view(EXPERTS)
if view.record_id is not None:
    expert_id = view.record_id
    registers.detail(
        view,
        data.expert_detail(url, actor, expert_id),
        actions=(lambda _r: record_forms.edit_expert_form(actor, expert_id, orgs))
        if orgs is not None
        else None,
        history=lambda limit: data.record_history(url, actor, "expert", expert_id, limit),
    )
df, total = registers.rows(
    view,
    lambda offset, limit: data.experts_page(url, actor, view.filters, view.sort, offset, limit),
)
registers.table(view, df, total)
registers.downloads(view, total, lambda: data.experts_export(url, actor, view.filters, view.sort))
if not may_see_personal_data(actor):
    st.caption(_("Phone numbers and e-mail addresses are shown to staff and auditors only."))
registers.sync_url(view)
