"""Inquiries: the register of other governments and bodies asking about the platform
(``?as_of=2019-08-08`` lists the 7 of the press release), staff forms to log one and work on
it, and the analysis by kind of body, region, time and waiting time
(``?overdue_days=N``, default 14)."""

from __future__ import annotations

import streamlit as st

from components import data, intercity, registers
from components.i18n import N_, _
from components.navigation import READERS, guard
from components.registers import Column, Filter, Register, Related
from db import clock, domain
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
    keep=(intercity.DAYS_PARAM,),
)

actor = guard(*READERS)
st.title(_("Inquiries"))
intercity.show_flash()
url = data.database_url()
analysis = st.container()  # drawn above the register, once the filters are known
view = registers.open_view(INQUIRIES)
if intercity.may_write(actor):
    intercity.log_form(url, actor)
if view.record_id is not None:
    inquiry_id = view.record_id
    registers.detail(
        view,
        data.inquiry_detail(url, inquiry_id),
        history=lambda limit: data.record_history(url, actor, "inquiry", inquiry_id, limit),
    )
    if view.record_id is not None and intercity.may_write(actor):
        intercity.staff_actions(url, actor, view.record_id)
df, total = registers.rows(
    view, lambda offset, limit: data.inquiries_page(url, view.filters, view.sort, offset, limit)
)
registers.table(view, df, total)
registers.downloads(view, total, lambda: data.inquiries_export(url, view.filters, view.sort))
registers.sync_url(view)
as_of = view.values.get("as_of")
with analysis:
    intercity.analysis(url, as_of or clock.city_today(), as_of_chosen=as_of is not None)
    st.divider()
