"""Audit trail (auditors): every event as a sentence, filtered and paged newest first (sign-ins
on their own tab); one event in full;
downloads of the filtered events; the chain's head, and verification of its integrity.
The historical migrations (who submitted and confirmed each, the records it wrote). Every
publication of figures and its difference to today.
Auditors read here and change nothing."""

from __future__ import annotations

import streamlit as st

from components import audit_trail as audit
from components import data, lazy_tabs, migrations, publications
from components.i18n import _
from components.navigation import guard
from db.audit.trail import chain_head
from db.errors import DomainError

actor = guard("auditor")
audit.new_run()
st.title(_("Audit trail"))
st.caption(
    _(
        "Every change recorded by the platform: who did what, when and why. Times are Korea "
        "Standard Time. Reading, downloading and verifying change nothing."
    )
)
url = data.database_url()
head = data.read(chain_head, actor=actor)


def _events(sign_ins: bool) -> None:
    users, kinds, actions = data.audit_filter_values(url, actor)
    filters = audit.filter_form(users, kinds, actions, sign_ins=sign_ins)
    after_id, before_id = audit.cursor(filters)
    try:
        df, info = data.audit_page(
            url,
            actor,
            filters,
            after_id=after_id,
            before_id=before_id,
            limit=audit.page_size(filters),
        )
    except DomainError as exc:
        audit.explain(exc)
    else:
        audit.events(url, actor, head, filters, df, info)


# Only the open tab is drawn; the filters of a closed tab keep their values (persist_state).
lazy_tabs.draw_open(
    [_("Events"), _("Sign-ins"), _("Integrity"), _("Historical migrations"), _("Publications")],
    audit.TABS_KEY,
    [
        lambda: _events(sign_ins=False),
        lambda: _events(sign_ins=True),
        lambda: audit.integrity(actor, head),
        lambda: migrations.history(actor),
        lambda: publications.auditors_list(actor),
    ],
)
