"""The technologies register: every technology submitted to the platform. Its filters,
columns, detail fields and related lists, described once for its page, table, card and
files."""

from __future__ import annotations

from components.i18n import N_
from components.registers.spec import Column, Filter, Register, Related
from db import domain
from db.technologies import TechnologyFilters
from db.technologies.fields import LABELS

TECHNOLOGIES = Register(
    key="technologies",
    make=TechnologyFilters,
    filters=(
        Filter("q", "q", N_("Search"), "search", help=N_("Registration number, title or owner")),
        Filter("as_of", "as_of", N_("Registered on or before"), "date"),
        Filter("from", "registered_from", N_("Registered from"), "date"),
        Filter("to", "registered_to", N_("Registered until"), "date"),
        Filter("local", "local", N_("Local or external"), "local"),
        Filter("field", "field", N_("Field"), "code", vocabulary="field"),
        Filter("sector", "sector", N_("Growth sector"), "code", vocabulary="growth_sector"),
        Filter(
            "status",
            "status",
            N_("Status"),
            "code",
            domain.TECH_STATUSES,
            "tech_status",
            help=N_("The status on the as-of date when one is chosen, otherwise today's."),
        ),
    ),
    sorts=(
        ("registered_desc", N_("Newest registration first")),
        ("registered_asc", N_("Oldest registration first")),
        ("reg_no_asc", N_("Registration number")),
        ("reg_no_desc", N_("Registration number, descending")),
        ("submitted_desc", N_("Newest submission first")),
    ),
    columns=(
        Column("reg_no", N_("Registration number")),
        Column("title_ko", N_("Title"), en="title_en"),
        Column("owner_ko", N_("Owner"), en="owner_en"),
        # The status and its dates before the classification: at 1440 px the last columns
        # scroll out of view (in English first), and the dates are what users look for.
        Column("status", N_("Status"), vocabulary="tech_status"),
        Column("status_then", N_("Status on the as-of date"), vocabulary="tech_status"),
        Column("registered_on", N_("Registered"), "date"),
        Column("submitted_on", N_("Submitted"), "date"),
        Column("is_local", N_("Local or external"), "local"),
        Column("field", N_("Field"), vocabulary="field"),
        Column("growth_sector", N_("Growth sector"), vocabulary="growth_sector"),
        Column("certification", N_("Certification"), vocabulary="certification"),
        Column("ended_on", N_("Expired or withdrawn"), "date"),
    ),
    count=N_("{n} technologies"),
    count_scope=N_("every status; the overview counts the registered ones"),
    scope_filters=("status", "as_of"),
    empty=N_("No technologies match these filters."),
    heading=(Column("reg_no", ""), Column("title_ko", "", en="title_en")),
    fields=(
        Column("title_ko", LABELS["title_ko"]),
        Column("title_en", LABELS["title_en"]),
        Column("owner_ko", N_("Owner"), en="owner_en"),
        Column("owner_kind", N_("Kind of owner"), vocabulary="org_kind"),
        Column("owner_region", N_("Owner's region"), vocabulary="region"),
        Column("is_local", N_("Local or external"), "local"),
        Column("field", N_("Field"), vocabulary="field"),
        Column("growth_sector", N_("Growth sector"), vocabulary="growth_sector"),
        Column("certification", N_("Certification"), vocabulary="certification"),
        Column("status", N_("Status"), vocabulary="tech_status"),
        Column("submitted_on", N_("Submitted"), "date"),
        Column("screening_on", N_("Screening started"), "date"),
        Column("review_on", N_("Review started"), "date"),
        Column("registered_on", N_("Registered"), "date"),
        Column("rejected_on", N_("Rejected"), "date"),
        Column("ended_on", N_("Expired or withdrawn"), "date"),
        Column("summary", LABELS["summary"], wide=True),
    ),
    related=(
        Related(
            "reviews",
            N_("Deliberations"),
            (
                Column("code", N_("Meeting")),
                Column("kind", N_("Kind of meeting"), vocabulary="meeting_kind"),
                Column("held_on", N_("Held on"), "date"),
                Column("decision", N_("Decision"), vocabulary="decision"),
                Column("decision_reason", N_("Reason"), wide=True),
            ),
            N_("No meeting has reviewed this technology yet."),
        ),
        Related(
            "adoptions",
            N_("Adoptions into city projects"),
            (
                Column("project_name", N_("Project")),
                Column("department", N_("Department")),
                Column("year", N_("Year")),
                Column("status", N_("Status"), vocabulary="adoption_status"),
                Column("approved_on", N_("Approved"), "date"),
            ),
            N_("This technology has not been proposed for a city project."),
        ),
        Related(
            "testbeds",
            N_("Testbeds"),
            (
                Column("site", N_("Site")),
                Column("status", N_("Stage"), vocabulary="testbed_stage"),
                Column("applied_on", N_("Applied"), "date"),
                Column("selected_on", N_("Selected"), "date"),
                Column("completed_on", N_("Completed"), "date"),
                Column("certification", N_("Certification won"), vocabulary="certification"),
            ),
            N_("This technology has not been in the testbed program."),
        ),
    ),
    missing=N_("There is no technology with the record number {id}."),
)
