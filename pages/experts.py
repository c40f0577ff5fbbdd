"""Experts register: the pool of outside experts (``?as_of=2019-08-08&affiliation=public``
lists the 393 public-institution experts in the pool then). Phone numbers and e-mail
addresses reach staff and auditors only: the db functions leave them out for anyone else."""

from __future__ import annotations

import streamlit as st

from components import data, expert_accounts, expert_forms, registers
from components.forms import show_flash
from components.i18n import _
from components.navigation import READERS, guard
from components.registers.experts import EXPERTS
from db import approvals
from db.policy import may_see_personal_data

actor = guard(*READERS)
st.title(_("Experts"))
show_flash()
url = data.database_url()
staff = actor.has("staff")
orgs = data.read(approvals.organization_choices, actor=actor) if staff else None
if orgs is not None:
    expert_forms.add_expert_form(actor, orgs)


def register() -> None:
    """Filters, open record and table: rerun alone when the user filters or picks a row."""
    view = registers.open_view(EXPERTS)
    if view.record_id is not None:
        expert_id = view.record_id
        registers.detail(
            view,
            data.expert_detail(url, actor, expert_id),
            actions=(
                lambda: (
                    expert_forms.edit_expert_form(actor, expert_id, orgs),
                    expert_accounts.invite_form(actor, expert_id),
                )
            )
            if orgs is not None
            else None,
            history=lambda limit: data.record_history(url, actor, "expert", expert_id, limit),
        )
    registers.listing(
        view,
        lambda offset, limit: data.experts_page(url, actor, view.filters, view.sort, offset, limit),
        lambda: data.experts_export(url, actor, view.filters, view.sort),
    )
    if not may_see_personal_data(actor):
        st.caption(_("Phone numbers and e-mail addresses are shown to staff and auditors only."))


registers.body(register)
