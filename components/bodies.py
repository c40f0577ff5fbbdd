"""The bodies inter-city work is with (a government that asks about the platform, a partner
of an agreement): who may record them, the kind of form the inquiry and agreement forms are,
and the picker of an existing body or a new one that those forms share.

Every write goes through ``components.data.write`` into ``db.intercity``, which checks the
role and the rules again; a refusal is shown as sentences, field problems under their field.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components import data
from components.cells import row_name
from components.forms import Form
from components.i18n import _
from components.labels import label
from db import domain, policy
from db import intercity as ic
from db.policy import Actor


def may_write(actor: Actor) -> bool:
    """Whether to show the staff forms (``db.intercity`` checks again)."""
    return actor.has(*policy.STAFF)


def ic_form(name: str) -> Form:
    """A form of inter-city work: widget keys ``ic_{form}_{name}_{generation}``."""
    return Form(name, scope="ic", keys="tagged")


NEW_ORG_FIELDS = ("org_name_ko", "org_name_en", "org_kind", "org_region", "org_country")


def org_picker(
    form: Form, orgs: pd.DataFrame, field: str, title: str, current: int | None = None
) -> None:
    """A select box of the bodies in ``orgs`` (widget ``field`` of ``form``), and the fields
    of a body not in the list yet (used when none is chosen)."""
    by_id = {int(r["id"]): r for r in orgs.to_dict("records")}

    def fmt(org_id: int) -> str:
        r = by_id.get(int(org_id))
        if r is None:
            return "-"
        return f"{row_name(r, 'name_ko', 'name_en')} · {label('org_kind', r['kind'])}"

    options = list(by_id)
    st.selectbox(
        title,
        options,
        index=options.index(current) if current in by_id else None,
        format_func=fmt,
        placeholder=_("Choose a body, or enter a new one below"),
        key=form.key(field),
    )
    form.field_error(field)
    with st.container(border=True):
        st.markdown("**" + _("A body not in the list yet") + "**")
        st.caption(_("Used only when no body is chosen above."))
        left, right = st.columns(2)
        with left:
            st.text_input(_("Body's name in Korean"), max_chars=200, key=form.key("org_name_ko"))
            form.field_error("org_name_ko")
            url = data.database_url()
            asking = data.vocabulary_with(url, "organisation_kinds", "inquires")
            st.selectbox(
                _("Kind of body"),
                [
                    k
                    for k in data.vocabulary(url, "organisation_kinds", offered=True)
                    if k in asking
                ],
                index=None,
                format_func=lambda c: label("org_kind", c),
                placeholder=_("Choose"),
                key=form.key("org_kind"),
            )
            form.field_error("org_kind")
            st.text_input(
                _("Country (two letters)"),
                value="KR",
                max_chars=2,
                key=form.key("org_country"),
                help=_("KR for Korean bodies; e.g. JP or US for a foreign city."),
            )
            form.field_error("org_country")
        with right:
            st.text_input(_("Body's name in English"), max_chars=200, key=form.key("org_name_en"))
            form.field_error("org_name_en")
            st.selectbox(
                _("Region"),
                list(domain.REGIONS),
                index=None,
                format_func=lambda c: label("region", c),
                placeholder=_("None (abroad)"),
                key=form.key("org_region"),
            )
            form.field_error("org_region")


def new_org(form: Form) -> ic.NewOrganization | None:
    """The new body typed into :func:`org_picker`, None when no name was typed."""
    name = (form.value("org_name_ko") or "").strip()
    if not name:
        return None
    return ic.NewOrganization(
        name_ko=name,
        name_en=form.value("org_name_en") or "",
        kind=form.value("org_kind") or "",
        region=form.value("org_region"),
        country=form.value("org_country") or "",
    )
