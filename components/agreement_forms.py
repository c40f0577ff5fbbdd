"""Staff forms of the agreements page: record or correct an agreement (compare-and-set on
its version), and link the adoptions and testbeds it produced.

Forms submit through callbacks (``components.forms``); ``db.intercity`` checks the role and
the rules again.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import streamlit as st

from components import data
from components.bodies import NEW_ORG_FIELDS, ic_form, new_org, org_picker
from components.cells import row_name, text
from components.forms import Form
from components.i18n import N_, _
from components.labels import label
from db import domain
from db import intercity as ic
from db.errors import ValidationFailed
from db.intercity import agreement_reads as q
from db.policy import Actor


def agreement_form(url: str, actor: Actor, record: q.AgreementForEdit | None) -> None:
    """Record a new agreement (``record`` None) or change one (compare-and-set on its
    version)."""
    new = record is None
    form = ic_form("agreement_new" if record is None else f"agreement_{record.id}_{record.version}")
    orgs = data.organizations(url)
    with st.form(f"ic_form_{form.name}"):
        org_picker(
            form,
            orgs,
            "partner_org_id",
            _("Partner"),
            current=None if record is None else record.partner_org_id,
        )
        left, right = st.columns(2)
        kinds, statuses = list(domain.AGREEMENT_KINDS), list(domain.AGREEMENT_STATUSES)
        with left:
            st.selectbox(
                _("Kind"),
                kinds,
                index=kinds.index(record.kind) if record else None,
                format_func=lambda c: label("agreement_kind", c),
                placeholder=_("Choose"),
                key=form.key("kind"),
            )
            form.field_error("kind")
        with right:
            st.selectbox(
                _("Status"),
                statuses,
                index=statuses.index(record.status) if record else 0,
                format_func=lambda c: label("agreement_status", c),
                key=form.key("status"),
                help=_(
                    "Signed needs the signing date; Active needs the start date (today or "
                    "earlier); Expired needs an end date before today."
                ),
            )
            form.field_error("status")
        st.text_input(
            _("Agreement title in Korean"),
            value=record.title_ko if record else "",
            max_chars=300,
            key=form.key("title_ko"),
        )
        form.field_error("title_ko")
        st.text_input(
            _("Agreement title in English"),
            value=record.title_en if record else "",
            max_chars=300,
            key=form.key("title_en"),
            help=_("Left empty, the Korean title is used."),
        )
        form.field_error("title_en")
        scope = (record.scope if record else None) or ""
        st.text_area(_("Scope"), value=scope, max_chars=4000, key=form.key("scope"))
        form.field_error("scope")
        cols = st.columns(4)
        for col, (name, title) in zip(
            cols,
            (
                ("planned_on", _("Planned on")),
                ("signed_on", _("Signed on")),
                ("starts_on", _("Starts on")),
                ("ends_on", _("Ends on")),
            ),
            strict=True,
        ):
            with col:
                st.date_input(
                    title,
                    value=getattr(record, name) if record else None,
                    min_value=dt.date(2000, 1, 1),
                    max_value=dt.date(2100, 12, 31),
                    format="YYYY-MM-DD",
                    key=form.key(name),
                )
                form.field_error(name)
        st.checkbox(
            _("I confirm the status and dates (an expired agreement produces nothing new)."),
            key=form.key("confirm"),
        )
        form.field_error("confirm")
        fields = dict(
            kind=lambda: form.value("kind") or "",
            status=lambda: form.value("status") or "",
            title_ko=lambda: form.value("title_ko") or "",
            title_en=lambda: form.value("title_en") or "",
            scope=lambda: form.value("scope"),
            planned_on=lambda: form.value("planned_on"),
            signed_on=lambda: form.value("signed_on"),
            starts_on=lambda: form.value("starts_on"),
            ends_on=lambda: form.value("ends_on"),
        )

        def write() -> int:
            values = {k: f() for k, f in fields.items()}
            if record is None:
                return data.write(
                    ic.create_agreement,
                    actor=actor,
                    partner_org_id=form.value("partner_org_id"),
                    new_partner=new_org(form),
                    **values,
                )
            data.write(
                ic.edit_agreement,
                actor=actor,
                agreement_id=record.id,
                version=record.version,
                partner_org_id=form.value("partner_org_id"),
                new_partner=new_org(form),
                **values,
            )
            return record.id

        shown = ("partner_org_id", *NEW_ORG_FIELDS, *fields)
        st.form_submit_button(
            _("Record the agreement") if new else _("Save the changes"),
            type="primary",
            on_click=form.submit(
                shown,
                write,
                (lambda i: _("Agreement {id} was recorded.", id=i))
                if new
                else (lambda i: _("Agreement {id} was changed.", id=i)),
                confirm=None if new else "confirm",
            ),
        )


def link_forms(
    url: str,
    actor: Actor,
    record: q.AgreementForEdit,
    adoptions: pd.DataFrame,
    testbeds: pd.DataFrame,
) -> None:
    if record.signed_on is None:
        st.info(_("Only a signed agreement produces adoptions and testbeds; this one is planned."))
        return
    st.caption(
        _(
            "Link an adoption proposed, or a testbed applied for, while the agreement was in "
            "force (from its signing to its end)."
        )
    )
    for kind, linked, title in (
        ("adoption", adoptions, _("Adoption")),
        ("testbed", testbeds, _("Testbed")),
    ):
        form = ic_form(f"link_{kind}_{record.id}")
        candidates = data.agreement_link_candidates(url, record.id, kind)
        by_id = {int(c["id"]): c for c in candidates.to_dict("records")}
        by_id.update(
            {
                int(c["id"]): c | {"subject": c.get("project_name") or c.get("site")}
                for c in linked.to_dict("records")
            }
        )
        linked_ids = [int(i) for i in linked["id"]]

        def fmt(item: int, by_id: dict[int, Any] = by_id) -> str:
            c = by_id.get(int(item), {})
            title, subject = row_name(c, "title_ko", "title_en"), text(c.get("subject"))
            return f"{c.get('reg_no', '')} · {title} · {subject}"

        with st.form(f"ic_form_{form.name}"):
            st.selectbox(
                title,
                [i for i in by_id if i not in linked_ids] + linked_ids,
                index=None,
                format_func=fmt,
                placeholder=_("Choose"),
                key=form.key("item"),
            )
            st.radio(
                _("Action"),
                ["link", "unlink"],
                format_func=lambda a: {
                    "link": _("Link to this agreement"),
                    "unlink": _("Remove the link"),
                }[a],
                horizontal=True,
                key=form.key("action"),
            )

            def write(kind: str = kind, form: Form = form) -> str:
                item = form.value("item")
                if item is None:
                    raise ValidationFailed({"item": N_("Choose a record.")})
                data.write(
                    ic.link_product,
                    actor=actor,
                    agreement_id=record.id,
                    kind=kind,
                    product_id=int(item),
                    linked=form.value("action") != "unlink",
                )
                return str(form.value("action"))

            st.form_submit_button(
                _("Save"),
                on_click=form.submit(
                    (),
                    write,
                    lambda a: (
                        _("The link was saved.") if a == "link" else _("The link was removed.")
                    ),
                ),
            )
