"""*My account*: which messages the signed-in user receives by mail (``db.inbox``), in which
language, and after how many days a pending decision goes into the approvers' digest."""

from __future__ import annotations

import streamlit as st

from components import data
from components.cells import escape_markdown
from components.forms import save, show_flash
from components.i18n import LANGUAGE_NAMES, LANGUAGES, N_, _, current_language
from db.inbox import (
    SubscriptionChoice,
    mail_address,
    my_subscriptions,
    offered_kinds,
    set_subscriptions,
)
from db.inbox.subscriptions import DIGEST_DAYS_DEFAULT, DIGEST_DAYS_MAX
from db.policy import Actor

KIND_TEXTS: dict[str, str] = {
    "approval_digest": N_("Daily digest of the decisions pending for more than some days"),
    "weekly_briefing": N_("Weekly briefing: the overview's figures, with the briefing attached"),
    "overdue_inquiries": N_("Daily list of the inquiries waiting too long for an answer"),
    "auditor_alerts": N_(
        "Alert when the audit trail's verification fails or a new fairness flag appears"
    ),
}


def subscriptions_form(actor: Actor) -> None:
    """The messages the user may receive, those chosen ticked; saved together."""
    offered = offered_kinds(actor)
    st.subheader(_("Messages by e-mail"))
    show_flash()
    if not offered:
        st.caption(_("No messages are offered to your roles."))
        return
    email = data.read(mail_address, actor=actor)
    if email is None:
        st.warning(
            _(
                "Your account has no e-mail address, so no message can reach you. Ask an "
                "administrator to add one."
            )
        )
    else:
        st.caption(_("Messages go to {email}.", email=escape_markdown(email)))
    chosen = {c.kind: c for c in data.read(my_subscriptions, actor=actor)}
    language = next(iter(chosen.values())).language if chosen else current_language()
    with st.form("subscriptions"):
        ticked: dict[str, bool] = {}
        days = DIGEST_DAYS_DEFAULT
        for kind in offered:
            ticked[kind] = st.checkbox(_(KIND_TEXTS[kind]), value=kind in chosen, key=f"sub_{kind}")
            if kind == "approval_digest":
                days = int(
                    st.number_input(
                        _("Pending for more than (days)"),
                        min_value=0,
                        max_value=DIGEST_DAYS_MAX,
                        value=days if chosen.get(kind) is None else chosen[kind].days or 0,
                        step=1,
                    )
                )
        lang = st.selectbox(
            _("Language of the messages"),
            LANGUAGES,
            index=LANGUAGES.index(language) if language in LANGUAGES else 0,
            format_func=LANGUAGE_NAMES.__getitem__,
        )
        submitted = st.form_submit_button(_("Save my choices"), type="primary")
    if submitted:
        choices = [
            SubscriptionChoice(k, lang, days if k == "approval_digest" else None)
            for k in offered
            if ticked[k]
        ]
        save(set_subscriptions, _("Your choices are saved."), actor=actor, choices=choices)
