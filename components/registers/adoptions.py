"""The adoptions register: technologies used in the city's own projects (with an as-of date,
one row per technology adopted by then). Its filters, columns, detail fields and related
lists, described once for its page, table, card and files."""

from __future__ import annotations

from components.i18n import N_
from components.registers.spec import Column, Filter, Register, Related
from db import domain
from db.adoptions import AdoptionFilters

ADOPTIONS = Register(
    key="adoptions",
    make=AdoptionFilters,
    filters=(
        Filter(
            "q",
            "q",
            N_("Search"),
            "search",
            help=N_("Project, department, registration number or technology"),
        ),
        Filter(
            "as_of",
            "as_of",
            N_("Adopted on or before"),
            "date",
            help=N_(
                "Lists the technologies adopted by this date, one row each: "
                "its first approved adoption."
            ),
        ),
        Filter("from", "approved_from", N_("Approved from"), "date"),
        Filter("to", "approved_to", N_("Approved until"), "date"),
        Filter("local", "local", N_("Local or external"), "local"),
        Filter("field", "field", N_("Field"), "code", vocabulary="field"),
        Filter("sector", "sector", N_("Growth sector"), "code", vocabulary="growth_sector"),
        Filter(
            "status", "status", N_("Status"), "code", domain.ADOPTION_STATUSES, "adoption_status"
        ),
    ),
    sorts=(
        ("approved_desc", N_("Newest approval first")),
        ("approved_asc", N_("Oldest approval first")),
        ("proposed_desc", N_("Newest proposal first")),
        ("budget_desc", N_("Largest budget first")),
    ),
    columns=(
        Column("reg_no", N_("Registration number")),
        Column("title_ko", N_("Technology"), en="title_en"),
        Column("is_local", N_("Local or external"), "local"),
        Column("field", N_("Field"), vocabulary="field"),
        Column("growth_sector", N_("Growth sector"), vocabulary="growth_sector"),
        Column("project_name", N_("Project")),
        Column("department", N_("Department")),
        Column("budget_krw", N_("Budget (won)"), "money"),
        Column("year", N_("Year")),
        Column("status", N_("Status"), vocabulary="adoption_status"),
        Column("proposed_on", N_("Proposed"), "date"),
        Column("approved_on", N_("Approved"), "date"),
    ),
    count=N_("{n} adoptions"),
    count_as_of=N_("{n} technologies adopted"),
    count_scope=N_(
        "every proposal in every status; the overview counts the technologies adopted, each "
        "once: choose a date to count them"
    ),
    scope_filters=("status", "as_of"),
    as_of_note=N_(
        "One row per adopted technology: its first adoption approved on or before the date. "
        "Its other adoptions are listed in its record."
    ),
    empty=N_("No adoptions match these filters."),
    heading=(Column("project_name", ""), Column("reg_no", "")),
    fields=(
        Column("reg_no", N_("Registration number")),
        Column("title_ko", N_("Technology"), en="title_en"),
        Column("owner_ko", N_("Owner"), en="owner_en"),
        Column("is_local", N_("Local or external"), "local"),
        Column("field", N_("Field"), vocabulary="field"),
        Column("growth_sector", N_("Growth sector"), vocabulary="growth_sector"),
        Column("department", N_("Department")),
        Column("budget_krw", N_("Budget"), "money"),
        Column("year", N_("Year")),
        Column("status", N_("Status"), vocabulary="adoption_status"),
        Column("proposed_on", N_("Proposed"), "date"),
        Column("proposed_by", N_("Proposed by")),
        Column("review_on", N_("Review started"), "date"),
        Column("approved_on", N_("Approved"), "date"),
        Column("rejected_on", N_("Rejected"), "date"),
        Column("decided_by", N_("Decided by")),
        Column("justification", N_("Justification"), wide=True),
        Column("decision_comment", N_("Decision comment"), wide=True),
    ),
    related=(
        Related(
            "reviews",
            N_("Deliberations"),
            (
                Column("code", N_("Meeting")),
                Column("held_on", N_("Held on"), "date"),
                Column("decision", N_("Decision"), vocabulary="decision"),
                Column("decision_reason", N_("Reason"), wide=True),
            ),
            N_("No meeting has reviewed this adoption yet."),
        ),
        Related(
            "other_adoptions",
            N_("Other adoptions of the same technology"),
            (
                Column("project_name", N_("Project")),
                Column("year", N_("Year")),
                Column("status", N_("Status"), vocabulary="adoption_status"),
                Column("approved_on", N_("Approved"), "date"),
            ),
            N_("The technology has no other adoption."),
        ),
    ),
    missing=N_("There is no adoption with the record number {id}."),
)
