"""Adoptions register: technologies used in the city's own projects. With ``?as_of=`` it
lists the technologies adopted by then, one row each (``?as_of=2019-08-08`` gives the 54
of the press release); without it, every adoption record of any status."""

from __future__ import annotations

import streamlit as st

from components import data, record_forms, registers
from components.forms import show_flash
from components.i18n import _
from components.navigation import READERS, guard
from components.registers.adoptions import ADOPTIONS

actor = guard(*READERS)
st.title(_("Adoptions"))
show_flash()
url = data.database_url()


def register() -> None:
    """Filters, open record and table: rerun alone when the user filters or picks a row."""
    view = registers.open_view(ADOPTIONS)
    if view.record_id is not None:
        adoption_id = view.record_id
        registers.detail(
            view,
            data.adoption_detail(url, adoption_id),
            actions=(lambda: record_forms.edit_adoption_form(actor, adoption_id))
            if actor.has("staff")
            else None,
            history=lambda limit: data.record_history(url, actor, "adoption", adoption_id, limit),
        )
    registers.listing(
        view,
        lambda offset, limit: data.adoptions_page(url, view.filters, view.sort, offset, limit),
        lambda: data.adoptions_export(url, view.filters, view.sort),
    )


registers.body(register)
