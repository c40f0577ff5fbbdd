"""The experts register: the pool of outside experts (phone and e-mail reach staff and
auditors only: the db functions leave them out for anyone else). Its filters, columns,
detail fields and related lists, described once for its page, table, card and files."""

from __future__ import annotations

from components.i18n import N_
from components.registers.spec import Column, Filter, Register, Related
from db import domain
from db.experts import ExpertFilters

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
    count_scope=N_(
        "with those who have left the pool; the overview counts the experts in the pool: "
        "choose a date to count them"
    ),
    scope_filters=("as_of",),
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
