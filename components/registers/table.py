"""A register's rows: the page of the table (select a row to open it) with its count and
pager, the detail card of the open record (with its staff forms and history), and the
files of every filtered record."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd
import streamlit as st

from components.cells import escape_markdown
from components.export import files_on_request
from components.grid import height
from components.history import history_panel
from components.i18n import N_, _, fmt_date, fmt_int
from components.labels import label
from components.pager import pager
from components.registers.spec import (
    PAGE_SIZE,
    TABLE_ROWS_SHOWN,
    WRAPPED_ROW_PX,
    Column,
    Notice,
    Register,
    View,
    column_config,
    display_frame,
    shown,
    state_key,
)
from components.registers.view import new_table, notify, sync_url
from db import clock
from db.listing import EXPORT_LIMIT, Detail


def rows(
    view: View, read: Callable[[int, int], tuple[pd.DataFrame, int]]
) -> tuple[pd.DataFrame, int]:
    """The view's page of rows (``read(offset, limit)``); a page beyond the last falls back
    to the first with a notice."""
    df, total = read(view.offset, PAGE_SIZE)
    pages = max(1, math.ceil(total / PAGE_SIZE))
    if view.page > pages:
        notify(
            view,
            Notice(
                N_(
                    "Page {page} does not exist for these filters (there are {pages}); the "
                    "first page is shown."
                ),
                (("page", view.page), ("pages", pages)),
            ),
        )
        view.page = 1
        st.session_state[state_key(view.register, "page")] = 1
        df, total = read(0, PAGE_SIZE)
    return df, total


def describe(view: View) -> str:
    """The active filters in words (Markdown-escaped), e.g. "Field: Roads · Local firms"."""
    parts: list[str] = []
    for flt in view.register.filters:
        value = view.values.get(flt.attr)
        if value is None or value == "":
            continue
        if flt.kind == "date":
            shown = fmt_date(value)
        elif flt.kind == "local":
            shown = label("locality", "local" if value else "external")
        elif flt.kind == "code":
            shown = label(flt.vocabulary, value)
        else:
            shown = "“" + escape_markdown(str(value)) + "”"
        parts.append(f"{_(flt.label)}: {shown}")
    return " · ".join(parts)


def table(view: View, df: pd.DataFrame, total: int) -> None:
    """The count with the filters in words, the page of rows (select one to open it), and
    the pager; or, when nothing matches, what to do about it."""
    reg = view.register
    words = describe(view)
    as_of = view.values.get("as_of") is not None
    noun = reg.count_as_of if as_of and reg.count_as_of else reg.count
    scope = ""
    if reg.count_scope and not any(view.values.get(f) not in (None, "") for f in reg.scope_filters):
        scope = " (" + _(reg.count_scope) + ")"
    st.markdown(f"**{_(noun, n=fmt_int(total))}**{scope}" + (f" · {words}" if words else ""))
    if as_of and reg.as_of_note:
        st.caption(_(reg.as_of_note))
    if total == 0:
        st.info(
            _(reg.empty)
            + " "
            + (
                _("Clear a filter, shorten the search text or choose a later date to see more.")
                if words
                else _("The register holds no records yet.")
            ),
            icon=":material/search_off:",
        )
        return
    ids = [int(i) for i in df["id"]]
    st.session_state[state_key(reg, "ids")] = ids
    table_key = state_key(reg, f"table_{st.session_state.get(state_key(reg, 'nonce'), 0)}")
    st.dataframe(
        display_frame(reg.columns, df),
        hide_index=True,
        width="stretch",
        column_config=column_config(reg.columns),
        height=height(len(df), TABLE_ROWS_SHOWN),
        key=table_key,
        on_select=lambda: _selected(reg, table_key),
        selection_mode="single-row",
        placeholder="",
    )
    st.caption(_("Select a row to see the whole record."))
    _pager(view, total)


def _selected(reg: Register, table_key: str) -> None:
    state = st.session_state.get(table_key)
    chosen = list(state.selection.rows) if state is not None else []
    ids = st.session_state.get(state_key(reg, "ids"), [])
    if chosen and chosen[0] < len(ids):
        st.session_state[state_key(reg, "id")] = ids[chosen[0]]


def _pager(view: View, total: int) -> None:
    reg = view.register
    # widgets reg_{key}_prev, _jump, _next; a new page forgets the row selection
    pager(state_key(reg, "page"), total, prefix=f"reg_{reg.key}", moved=lambda: new_table(reg))


# --- detail card ----------------------------------------------------------------------------


def _close(reg: Register) -> None:
    st.session_state[state_key(reg, "id")] = None
    new_table(reg)


def detail(
    view: View,
    found: Detail | None,
    *,
    history: Callable[[int], Any] | None = None,
    actions: Callable[[], None] | None = None,
) -> None:
    """The card of the open record (``found``): the fields and related lists the reader
    may see (:meth:`db.listing.Detail.card`, walked by the register's column names), then
    (when given) the forms that change it (``actions()``, staff) and its history
    (``history(limit)``, see :func:`history_panel`); or, when the record does not exist,
    a notice (and the record is closed)."""
    reg = view.register
    if view.record_id is None:
        return
    if found is None:
        notify(view, Notice(reg.missing, (("id", view.record_id),)))
        view.record_id = None
        st.session_state[state_key(reg, "id")] = None
        return
    record = found.card()
    with st.container(border=True):
        head, close = st.columns([5, 1])
        with head:
            title = " · ".join(
                str(shown(c, record)) for c in reg.heading if shown(c, record) != "-"
            )
            st.subheader(escape_markdown(title))
        with close:
            st.button(
                _("Close"),
                key=state_key(reg, "close"),
                on_click=_close,
                args=(reg,),
                icon=":material/close:",
                width="stretch",
            )
        # Values are plain text (st.text): no Markdown, no links made from addresses.
        short = [c for c in reg.fields if not c.wide and _present(c, record)]
        for start in range(0, len(short), 3):
            cols = st.columns(3)
            for col, column in zip(cols, short[start : start + 3], strict=False):
                with col:
                    st.markdown(f"**{_(column.header)}**")
                    st.text(shown(column, record))
        for column in reg.fields:
            if column.wide and _present(column, record):
                st.markdown(f"**{_(column.header)}**")
                st.text(shown(column, record))
        for rel in reg.related:
            st.markdown(f"**{_(rel.title)}**")
            items = record.get(rel.key)
            if items is not None and len(items):
                st.dataframe(
                    display_frame(rel.columns, pd.DataFrame(items)),
                    hide_index=True,
                    width="stretch",
                    column_config=column_config(rel.columns),
                    row_height=WRAPPED_ROW_PX if any(c.wide for c in rel.columns) else None,
                    placeholder="",
                )
            else:
                st.caption(_(rel.empty))
        if actions is not None:
            actions()
        if history is not None:
            history_panel(history, f"{reg.key}_{view.record_id}")


def _present(column: Column, record: Mapping[str, Any]) -> bool:
    return column.key in record


# --- downloads ------------------------------------------------------------------------------


def downloads(view: View, total: int, read: Callable[[], tuple[pd.DataFrame, int]]) -> None:
    """CSV and Excel of every filtered record (not just this page). The files are built when
    asked for, since a large register takes a moment to write."""
    reg = view.register
    if total == 0:
        return
    st.markdown("**" + _("Download the records") + "**")

    def build() -> pd.DataFrame:
        df, _matching = read()
        export = display_frame(reg.columns, df)
        export.insert(0, _("Record number"), [int(i) for i in df["id"]])
        return export

    files_on_request(
        f"reg_{reg.key}",  # widgets reg_{key}_prepare, reg_{key}_dl_csv, reg_{key}_dl_xlsx
        (repr(view.filters), view.sort),
        total,
        build,
        f"{reg.key}-{clock.city_today().isoformat()}",
        limit=EXPORT_LIMIT,
    )


# --- the list as a whole ----------------------------------------------------------------------


def listing(
    view: View,
    page: Callable[[int, int], tuple[pd.DataFrame, int]],
    export: Callable[[], tuple[pd.DataFrame, int]],
) -> None:
    """Below the filter bar and the open record: the page of rows (``page(offset, limit)``)
    with its count and pager, the files of every filtered record (``export()``, read when
    asked for), and the URL that reproduces the view."""
    df, total = rows(view, page)
    table(view, df, total)
    downloads(view, total, export)
    sync_url(view)
