"""Inquiries: the register of other governments and bodies asking about the platform
(``?as_of=2019-08-08`` lists the 7 of the press release), staff forms to log one and work on
it, and the analysis by kind of body, region, time and waiting time
(``?overdue_days=N``, default 14)."""

from __future__ import annotations

import streamlit as st

from components import data, inquiries, inquiry_forms, registers
from components.bodies import may_write
from components.forms import show_flash
from components.i18n import _
from components.navigation import READERS, guard
from components.registers.inquiries import INQUIRIES
from db import clock

actor = guard(*READERS)
st.title(_("Inquiries"))
show_flash()
url = data.database_url()


def register() -> None:
    """The analysis (it follows the *As of* filter), filters, open record and table: rerun
    alone when the user filters or picks a row."""
    analysis = st.container()  # drawn above the register, once the filters are known
    view = registers.open_view(INQUIRIES)
    if may_write(actor):
        inquiry_forms.log_form(url, actor)
    if view.record_id is not None:
        inquiry_id = view.record_id
        registers.detail(
            view,
            data.inquiry_detail(url, inquiry_id),
            history=lambda limit: data.record_history(url, actor, "inquiry", inquiry_id, limit),
        )
        if view.record_id is not None and may_write(actor):
            inquiry_forms.staff_actions(url, actor, view.record_id)
    registers.listing(
        view,
        lambda offset, limit: data.inquiries_page(url, view.filters, view.sort, offset, limit),
        lambda: data.inquiries_export(url, view.filters, view.sort),
    )
    as_of = view.values.get("as_of")
    with analysis:
        inquiries.analysis(url, as_of or clock.city_today(), as_of_chosen=as_of is not None)
        st.divider()


registers.body(register)
