"""The inquiries register: other governments and bodies asking about the platform. Its
filters, columns, detail fields and related lists, described once for its page, table, card
and files."""

from __future__ import annotations

from components.i18n import N_
from components.inquiries import DAYS_PARAM
from components.registers.spec import Column, Filter, Register, Related
from db import domain
from db.intercity import InquiryFilters

INQUIRIES = Register(
    key="inquiries",
    make=InquiryFilters,
    filters=(
        Filter("q", "q", N_("Search"), "search", help=N_("Topic, asking body or contact")),
        Filter("as_of", "as_of", N_("Received on or before"), "date"),
        Filter("from", "received_from", N_("Received from"), "date"),
        Filter("to", "received_to", N_("Received until"), "date"),
        Filter("org_kind", "org_kind", N_("Kind of body"), "code", vocabulary="org_kind"),
        Filter("region", "region", N_("Region"), "code", domain.REGIONS, "region"),
        Filter(
            "status",
            "status",
            N_("Status"),
            "code",
            domain.INQUIRY_STATUSES,
            "inquiry_status",
            help=N_("The status on the as-of date when one is chosen, otherwise today's."),
        ),
        Filter(
            "channel", "channel", N_("Channel"), "code", domain.INQUIRY_CHANNELS, "inquiry_channel"
        ),
    ),
    sorts=(
        ("received_desc", N_("Newest first")),
        ("received_asc", N_("Oldest first")),
    ),
    columns=(
        Column("received_on", N_("Received"), "date"),
        Column("org_ko", N_("Asking body"), en="org_en"),
        Column("org_kind", N_("Kind of body"), vocabulary="org_kind"),
        Column("region", N_("Region"), vocabulary="region"),
        Column("channel", N_("Channel"), vocabulary="inquiry_channel"),
        Column("topic", N_("Topic")),
        Column("status", N_("Status"), vocabulary="inquiry_status"),
        Column("status_then", N_("Status on the as-of date"), vocabulary="inquiry_status"),
        Column("answered_on", N_("Answered"), "date"),
        Column("visit_on", N_("Visit"), "date"),
        Column("benchmarked_on", N_("Benchmarked"), "date"),
    ),
    count=N_("{n} inquiries"),
    empty=N_("No inquiries match these filters."),
    heading=(Column("org_ko", "", en="org_en"), Column("received_on", "", "date")),
    fields=(
        Column("org_ko", N_("Asking body"), en="org_en"),
        Column("org_kind", N_("Kind of body"), vocabulary="org_kind"),
        Column("region", N_("Region"), vocabulary="region"),
        Column("channel", N_("Channel"), vocabulary="inquiry_channel"),
        Column("contact_name", N_("Contact")),
        Column("status", N_("Status"), vocabulary="inquiry_status"),
        Column("received_on", N_("Received"), "date"),
        Column("answered_on", N_("Answered"), "date"),
        Column("visit_on", N_("Visit"), "date"),
        Column("benchmarked_on", N_("Benchmarked"), "date"),
        Column("topic", N_("Topic"), wide=True),
        Column("note", N_("Note"), wide=True),
    ),
    related=(
        Related(
            "followups",
            N_("Follow-ups"),
            (Column("followed_on", N_("Date"), "date"), Column("note", N_("Note"))),
            N_("No follow-up has been recorded."),
        ),
    ),
    missing=N_("There is no inquiry with the record number {id}."),
    keep=(DAYS_PARAM,),
)
