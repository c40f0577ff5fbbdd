"""Audit trail (auditors): every event as a sentence, filtered and paged newest first (sign-ins
on their own tab); one event in full;
downloads of the filtered events; the chain's head, and verification of its integrity.
The historical migrations (who submitted and confirmed each, the records it wrote). Every
publication of figures and its difference to today.
Auditors read here and change nothing."""

from __future__ import annotations

import streamlit as st

from components import audit_trail as audit
from components import data, migrations, publications
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
events_tab, signins_tab, integrity_tab, migrations_tab, publications_tab = st.tabs(
    [_("Events"), _("Sign-ins"), _("Integrity"), _("Historical migrations"), _("Publications")]
)
users, kinds, actions = data.audit_filter_values(url, actor)

for tab, sign_ins in ((events_tab, False), (signins_tab, True)):
    with tab:
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

with integrity_tab:
    audit.integrity(actor, head)

with migrations_tab:
    migrations.history(actor)

with publications_tab:
    publications.auditors_list(actor)
