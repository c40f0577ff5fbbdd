"""The inbox in the sidebar of every page: what awaits the signed-in user (``db.inbox``),
one line per kind with its count, the oldest item's age and a link to the page that shows
them; one line when nothing waits."""

from __future__ import annotations

import streamlit as st

from components import data
from components.i18n import N_, _
from db import clock
from db.inbox import InboxItem
from db.policy import Actor

KIND_LABELS: dict[str, str] = {
    "decisions": N_("Decisions pending"),
    "applications": N_("Applications to screen"),
    "answers": N_("Answers to your requests"),
    "meetings": N_("Meetings to close"),
    "inquiries": N_("Overdue inquiries"),
    "fairness": N_("New fairness flags"),
    "verification": N_("Audit trail verification failed"),
    "receipt": N_("The day's head receipt could not be written"),
    "mail": N_("Failed mail"),
    "signin": N_("Accounts waiting after failed sign-ins"),
}


def age_text(days: int | None) -> str:
    """How old the oldest item is, in a few words."""
    if days is None:
        return ""
    if days == 0:
        return _("since today")
    if days == 1:
        return _("oldest: 1 day")
    return _("oldest: {days} days", days=days)


def item_label(item: InboxItem) -> str:
    """The link's text: what and how many (how old is the line under it)."""
    return f"{_(KIND_LABELS.get(item.kind, item.kind))}: {item.count}"


def sidebar_inbox(actor: Actor) -> None:
    """Draw the inbox (in the sidebar: the caller opens it)."""
    items = data.inbox(data.database_url(), actor, clock.city_today())
    if not items:
        st.caption(_("Nothing awaits you."))
        return
    st.caption(_("Awaiting you"))
    for item in items:
        age = age_text(item.oldest_days)
        st.page_link(
            item.page,
            label=item_label(item),
            icon=":material/notifications:",
            help=age or None,
            query_params=dict(item.query) or None,
        )
        if age:
            st.caption(age)
