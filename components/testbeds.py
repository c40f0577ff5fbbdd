"""The Testbeds register: every testbed with its technology, firm, stage, site, budget,
period, certificate and what it sold afterwards; a filter by stage and a search; one
testbed's card with its result and sales (and, for staff, the forms that record them)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from components import data, outcome_forms, pager
from components.cells import pick
from components.export import download_buttons, to_csv, to_xlsx
from components.i18n import N_, _, fmt_int
from components.labels import label
from components.registers.spec import Column, column_config, display_frame, shown
from db import domain, listing
from db.policy import Actor

COLUMNS = (
    Column("reg_no", N_("Registration number")),
    Column("title_ko", N_("Technology"), en="title_en"),
    Column("owner_ko", N_("Firm"), en="owner_en"),
    Column("status", N_("Stage"), vocabulary="testbed_stage"),
    Column("site", N_("Site")),
    Column("budget_krw", N_("Budget (won)"), "money"),
    Column("started_on", N_("Started"), "date"),
    Column("completed_on", N_("Completed"), "date"),
    Column("certification", N_("Certification"), vocabulary="certification"),
    Column("certified_on", N_("Certified"), "date"),
    Column("certificate_no", N_("Certificate number")),
    Column("first_sale_on", N_("First sale"), "date"),
    Column("sales_krw", N_("Sales (won)"), "money"),
    Column("public_krw", N_("Public purchases (won)"), "money"),
)
CARD = (
    *COLUMNS[:4],
    Column("applied_on", N_("Applied"), "date"),
    *COLUMNS[4:],
    Column("result", N_("Result"), wide=True),
)
SALE_COLUMNS = (
    Column("sold_on", N_("Date"), "date"),
    Column("kind", N_("Kind"), vocabulary="sale_kind"),
    Column("buyer", N_("Buyer")),
    Column("amount_krw", N_("Amount (won)"), "money"),
)


def filtered(frame: pd.DataFrame) -> pd.DataFrame:
    """The filter bar (stage, search) and the rows it keeps."""
    left, right = st.columns([1, 2])
    with left:
        stage = st.selectbox(
            _("Stage"),
            domain.TESTBED_STATUSES,
            format_func=lambda s: label("testbed_stage", s),
            index=None,
            placeholder=_("All stages"),
            key="tb_stage",
        )
    with right:
        q = st.text_input(
            _("Search"),
            max_chars=listing.SEARCH_MAX_CHARS,
            placeholder=_("Registration number, technology, firm or site"),
            key="tb_q",
        )
    out = frame
    if stage is not None:
        out = out[out["status"] == stage]
    text = (q or "").strip().casefold()
    if text:
        hay = out[["reg_no", "title_ko", "title_en", "owner_ko", "owner_en", "site"]].fillna("")
        keep = hay.apply(lambda r: any(text in str(v).casefold() for v in r), axis=1)
        out = out[keep]
    return out


PAGE = pager.PAGE_SIZE
"""Testbeds shown at a time (at scale 100 the register sent all 5,734 rows: 1.5 MB)."""


def table(frame: pd.DataFrame) -> None:
    """The testbeds the filters keep, a page of :data:`PAGE` at a time (Previous / page /
    Next under it); the files hold every one of them, made when a button is clicked."""
    st.caption(_("{n} testbeds", n=fmt_int(len(frame))))
    if frame.empty:
        st.info(_("No testbed matches these filters."))
        return
    signature = (st.session_state.get("tb_stage"), st.session_state.get("tb_q"))
    start = pager.page_offset("tb_page", signature, len(frame), PAGE)
    st.dataframe(
        display_frame(COLUMNS, frame.iloc[start : start + PAGE]),
        hide_index=True,
        width="stretch",
        column_config=column_config(COLUMNS),
        placeholder="",
    )
    pager.pager("tb_page", len(frame), size=PAGE)

    def whole() -> pd.DataFrame:
        return display_frame(COLUMNS, frame)

    download_buttons(
        frame,
        "testbeds",
        key="tb_download",
        files=(lambda: to_csv(whole()), lambda: to_xlsx(whole(), sheet="testbeds")),
    )


def card(actor: Actor, frame: pd.DataFrame) -> None:
    """One testbed's card: fields, result, sales; staff record its details and sales."""
    if frame.empty:
        return
    # (the label of every testbed the filters keep, without a dict of each whole row)
    titles = [pick(ko, en) for ko, en in zip(frame["title_ko"], frame["title_en"], strict=True)]
    labels = {
        int(i): f"{reg_no} · {title}"
        for i, reg_no, title in zip(frame["id"], frame["reg_no"], titles, strict=True)
    }
    chosen = st.selectbox(
        _("Open a testbed"),
        list(labels),
        format_func=labels.__getitem__,
        index=None,
        placeholder=_("Choose a testbed"),
        key="tb_open",
    )
    if chosen is None:
        return
    row: dict[str, Any] = frame[frame["id"] == int(chosen)].to_dict("records")[0]
    with st.container(border=True):
        st.subheader(f"{row['reg_no']} · {pick(row['title_ko'], row['title_en'])}", anchor=False)
        cols = st.columns(3)
        for i, column in enumerate(c for c in CARD if not c.wide):
            with cols[i % 3]:
                st.caption(_(column.header))
                st.text(shown(column, row))
        st.caption(_("Result"))
        st.text(row.get("result") or "-")
        st.caption(_("Sales after the testbed"))
        sales = data.testbed_sales(data.database_url(), actor, int(row["id"]))
        if sales.empty:
            st.info(_("No sale recorded yet."))
        else:
            st.dataframe(
                display_frame(SALE_COLUMNS, sales),
                hide_index=True,
                width="stretch",
                column_config=column_config(SALE_COLUMNS),
                placeholder="",
            )
    if actor.has("staff"):
        with st.expander(_("Record the budget, result and certificate"), icon=":material/edit:"):
            outcome_forms.testbed_outcome_form(actor, row)
        with st.expander(_("Record a sale"), icon=":material/sell:"):
            outcome_forms.sale_form(actor, int(row["id"]))
