"""Approvals (approver): what waits for a decision; one item on one screen with everything
needed to decide it, or several at once with a result per item. Four eyes and the meeting
recommendation are checked again in ``db/`` for every item."""

from __future__ import annotations

import streamlit as st

from components import approvals as ui
from components import data
from components.forms import show_flash
from components.i18n import _
from components.navigation import guard
from db import approvals

actor = guard("approver")
st.title(_("Approvals"))
show_flash()

show_all = st.toggle(_("Also show items I may not decide, with the reason"), key="ap_show_all")
pending = data.read(approvals.pending_decisions, actor=actor, include_excluded=show_all)
ui.pending_list(pending)

one, several = st.tabs([_("Decide one item"), _("Decide several items")])
with one:
    decidable = [str(k) for k in pending.loc[pending["can_decide"], "key"]] if len(pending) else []
    name = ui.item_label(pending)
    key = st.selectbox(
        _("Item"),
        decidable,
        format_func=name,
        index=None,
        placeholder=_("Choose an item to see everything about it"),
        key=ui.ITEM_KEY,
    )
    if key:
        context = data.read(approvals.item_context, actor=actor, key=key)
        ui.decision_screen(context)
        ui.decision_form(actor, context, name(key))
with several:
    ui.bulk_form(actor, pending)
