"""Technologies register: every technology submitted to the platform, filtered by the link
(e.g. ``?as_of=2019-08-08&local=1`` lists the 43 local technologies registered by then),
one record at a time (``?id=``), downloadable."""

from __future__ import annotations

import streamlit as st

from components import data, record_forms, registers
from components.forms import show_flash
from components.i18n import _
from components.navigation import READERS, guard
from components.registers.technologies import TECHNOLOGIES

actor = guard(*READERS)
st.title(_("Technologies"))
show_flash()
url = data.database_url()


def register() -> None:
    """Filters, open record and table: rerun alone when the user filters or picks a row."""
    view = registers.open_view(TECHNOLOGIES)
    if view.record_id is not None:
        tech_id = view.record_id
        registers.detail(
            view,
            data.technology_detail(url, tech_id),
            actions=(lambda: record_forms.edit_technology_form(actor, tech_id))
            if actor.has("staff")
            else None,
            history=lambda limit: data.record_history(url, actor, "technology", tech_id, limit),
        )
    registers.listing(
        view,
        lambda offset, limit: data.technologies_page(url, view.filters, view.sort, offset, limit),
        lambda: data.technologies_export(url, view.filters, view.sort),
    )


registers.body(register)
