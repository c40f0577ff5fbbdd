"""The mail outbox as the administrator reads it (Administration page): newest first, a page
at a time, one message's text on choosing it. Every text is shown as plain text."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components import data, mailing
from components.i18n import _, fmt_datetime
from components.labels import label
from components.pager import PAGE_SIZE, page_offset, pager
from db import mail
from db.policy import Actor

PAGE_KEY = "outbox_page"


def outbox_view(actor: Actor) -> None:
    st.subheader(_("Mail outbox"))
    settings = mailing.settings()
    if settings.deliver:
        st.caption(_("Mail is sent by the SMTP server {host}.", host=settings.host))
    else:
        st.caption(
            _(
                "No mail leaves the platform (demo mode, or no SMTP server configured): "
                "every message is kept here."
            )
        )
    total = data.read(mail.outbox_count, actor=actor)
    if not total:
        st.info(_("The outbox is empty."))
        return
    offset = page_offset(PAGE_KEY, None, total)
    rows = data.read(mail.outbox_page, actor=actor, limit=PAGE_SIZE, offset=offset)
    table = pd.DataFrame(
        [
            {
                _("Created"): fmt_datetime(r.created_at),
                _("To"): r.recipient,
                _("Subject"): r.subject,
                _("Status"): label("mail_status", r.status),
                _("Attempts"): r.attempts,
            }
            for r in rows
        ]
    )
    st.dataframe(table, hide_index=True, width="stretch", placeholder="")
    pager(PAGE_KEY, total)
    by_id = {r.id: r for r in rows}
    chosen = st.selectbox(
        _("Read a message"),
        list(by_id),
        index=None,
        format_func=lambda i: f"{fmt_datetime(by_id[i].created_at)} · {by_id[i].recipient}",
        placeholder=_("Choose a message"),
        key="outbox_message",
    )
    if chosen is not None:
        message = by_id[chosen]
        st.text(_("Subject") + ": " + message.subject)
        st.text(message.body)
        if message.last_error:
            st.text(_("Last error") + ": " + message.last_error)
