"""The meetings page's list: filters, a page of 50 meetings (newest first, counted and
filtered in the database), CSV/Excel of every matching meeting on request, and which
meeting is open (``?id=``). One meeting's record is drawn by ``components.meeting_record``,
the staff forms by ``components.meeting_forms``.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections.abc import Callable

import pandas as pd
import streamlit as st

from components.cells import yes_no
from components.export import files_on_request
from components.grid import height
from components.i18n import _, fmt_int
from components.labels import label
from db import clock, domain
from db.meetings import MeetingFilters

DATE_MIN = dt.date(2000, 1, 1)
DATE_MAX = dt.date(2100, 12, 31)


# --- which meeting is open -----------------------------------------------------------------


def open_meeting_id() -> int | None:
    """The meeting to open, from the URL (``?id=``); None for the list."""
    raw = st.query_params.get("id")
    if raw is None or not str(raw).isdigit() or len(str(raw)) > 10:
        if raw is not None:
            st.info(_("The link's record number is not valid and was ignored."))
        return None
    return int(raw)


def _open(meeting_id: int | None) -> None:
    if meeting_id is None:
        st.query_params.pop("id", None)
    else:
        st.query_params["id"] = str(meeting_id)


def back_to_list() -> None:
    st.button(
        _("Back to the list of meetings"),
        on_click=_open,
        args=(None,),
        icon=":material/arrow_back:",
        type="tertiary",
        key="dl_back",
    )


# --- the list ------------------------------------------------------------------------------


def meeting_filters() -> MeetingFilters:
    """The filter bar of the meeting list."""
    with st.container(border=True):
        top = st.columns([2, 1, 1])
        with top[0]:
            q = st.text_input(
                _("Search"),
                key="dl_q",
                max_chars=200,
                placeholder=_("Meeting code or title"),
            )
        with top[1]:
            kind = st.selectbox(
                _("Kind of meeting"),
                ["", *domain.MEETING_KINDS],
                format_func=lambda c: label("meeting_kind", c) if c else _("All"),
                key="dl_kind",
            )
        with top[2]:
            status = st.selectbox(
                _("Status"),
                ["", *domain.MEETING_STATUSES],
                format_func=lambda c: label("meeting_status", c) if c else _("All"),
                key="dl_status",
            )
        start, end = period_inputs("dl_list")
    return MeetingFilters(start=start, end=end, kind=kind or None, status=status or None, q=q)


def period_inputs(key: str) -> tuple[dt.date | None, dt.date | None]:
    """Two date inputs (from, until); a period that ends before it starts is ignored."""
    left, right = st.columns(2)
    with left:
        start = st.date_input(
            _("From"),
            value=None,
            min_value=DATE_MIN,
            max_value=DATE_MAX,
            key=f"{key}_from",
            format="YYYY-MM-DD",
        )
    with right:
        end = st.date_input(
            _("Until"),
            value=None,
            min_value=DATE_MIN,
            max_value=DATE_MAX,
            key=f"{key}_to",
            format="YYYY-MM-DD",
        )
    a = start if isinstance(start, dt.date) else None
    b = end if isinstance(end, dt.date) else None
    if a and b and a > b:
        st.info(_("The period ends before it starts, so the dates were not applied."))
        return None, None
    return a, b


LIST_PAGE_SIZE = 50


def list_page(filters: MeetingFilters, total: int) -> int:
    """The page of the meeting list to show (1 = newest) of ``total`` meetings; back to the
    first page when the filters change, the last when it is beyond the end."""
    signature = repr(filters)
    if st.session_state.get("dl_list_filters") != signature:
        st.session_state["dl_list_filters"] = signature
        st.session_state["dl_page"] = 1
    page = max(1, int(st.session_state.get("dl_page") or 1))
    return min(page, max(1, math.ceil(total / LIST_PAGE_SIZE)))


def offset(page: int) -> int:
    """The first row of ``page`` (from :func:`list_page`)."""
    return (page - 1) * LIST_PAGE_SIZE


def _step_page(delta: int, pages: int) -> None:
    page = int(st.session_state.get("dl_page") or 1) + delta
    st.session_state["dl_page"] = min(max(1, page), pages)


def list_frame(df: pd.DataFrame) -> pd.DataFrame:
    """The meetings as shown (and exported), column names in the reader's language; the
    title, the widest, last, so that at 1440 px it is the one cut, not the attendance."""
    return pd.DataFrame(
        {
            _("Meeting"): df["code"],
            _("Date"): [
                h if isinstance(h, dt.date) else s
                for h, s in zip(df["held_on"], df["scheduled_on"], strict=True)
            ],
            _("Kind of meeting"): [label("meeting_kind", k) for k in df["kind"]],
            _("Status"): [label("meeting_status", s) for s in df["status"]],
            _("Agenda items"): df["items"],
            _("Passed"): df["passed"],
            _("Members present"): df["present"],
            _("Quorum met"): [yes_no(q) for q in df["quorum_met"]],
            _("Meeting title"): df["title"],
        }
    )


def meetings_table(df: pd.DataFrame, total: int, page: int) -> None:
    """One page of the meetings (newest first, :data:`LIST_PAGE_SIZE` a page) with the
    number matching, and Previous/Next; selecting a row opens that meeting's record."""
    st.markdown("**" + _("{n} meetings", n=fmt_int(total)) + "**")
    if df.empty:
        st.info(_("No meetings match these filters."), icon=":material/search_off:")
        return
    ids = [int(i) for i in df["id"]]
    st.session_state["dl_ids"] = ids
    key = f"dl_table_{page}"
    st.dataframe(
        list_frame(df),
        hide_index=True,
        width="stretch",
        height=height(len(df), 15),
        column_config={_("Date"): st.column_config.DateColumn(format="YYYY-MM-DD")},
        key=key,
        on_select=functools.partial(_selected, key),
        selection_mode="single-row",
        placeholder="",
    )
    st.caption(_("Select a row to see the meeting's whole record."))
    pages = max(1, math.ceil(total / LIST_PAGE_SIZE))
    if pages == 1:
        return
    first = (page - 1) * LIST_PAGE_SIZE + 1
    left, middle, right = st.columns([1, 2, 1], vertical_alignment="center")
    left.button(
        _("Previous"),
        key="dl_prev",
        disabled=page <= 1,
        on_click=_step_page,
        args=(-1, pages),
        icon=":material/chevron_left:",
        width="stretch",
    )
    middle.caption(
        _(
            "Page {page} of {pages} (records {first}-{last})",
            page=fmt_int(page),
            pages=fmt_int(pages),
            first=fmt_int(first),
            last=fmt_int(first + len(df) - 1),
        )
    )
    right.button(
        _("Next"),
        key="dl_next",
        disabled=page >= pages,
        on_click=_step_page,
        args=(1, pages),
        icon=":material/chevron_right:",
        icon_position="right",
        width="stretch",
    )


def _selected(key: str) -> None:
    state = st.session_state.get(key)
    rows = list(state.selection.rows) if state is not None else []
    ids = st.session_state.get("dl_ids", [])
    if rows and rows[0] < len(ids):
        _open(ids[rows[0]])


def meetings_export(filters: MeetingFilters, total: int, read: Callable[[], pd.DataFrame]) -> None:
    """CSV and Excel of every matching meeting (up to :data:`EXPORT_LIMIT`), built when
    asked for."""
    if total == 0:
        return
    st.markdown("**" + _("Download the records") + "**")
    files_on_request(
        "dl",
        repr(filters),
        total,
        lambda: list_frame(read()),
        f"meetings-{clock.city_today().isoformat()}",
    )
