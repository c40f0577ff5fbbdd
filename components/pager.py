"""Pages of a long list: which page to show, and Previous / page number / Next under it.

The page number lives in the session under the list's own key; a list whose filters changed
starts again on its first page. The registers, the overdue inquiries and the agreements page
through here; the widgets' keys are ``{prefix}_prev``, ``{prefix}_jump`` and ``{prefix}_next``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import streamlit as st

from components.i18n import _, fmt_int

PAGE_SIZE = 50


def pages(total: int, size: int = PAGE_SIZE) -> int:
    return max(1, math.ceil(total / size))


def page_offset(key: str, signature: Any, total: int, size: int = PAGE_SIZE) -> int:
    """The offset of the list's current page (session key ``key``); back to the first page
    when ``signature`` (the list's filters) changed, the last when it is beyond the end."""
    if st.session_state.get(f"{key}_sig") != signature:
        st.session_state[f"{key}_sig"] = signature
        st.session_state[key] = 1
    page = min(max(1, int(st.session_state.get(key) or 1)), pages(total, size))
    st.session_state[key] = page
    return (page - 1) * size


def _step(key: str, delta: int, last: int, moved: Callable[[], None] | None) -> None:
    st.session_state[key] = min(max(1, int(st.session_state.get(key) or 1) + delta), last)
    if moved is not None:
        moved()


def _jump(key: str, jump: str, moved: Callable[[], None] | None) -> None:
    st.session_state[key] = int(st.session_state[jump])
    if moved is not None:
        moved()


def pager(
    key: str,
    total: int,
    *,
    prefix: str | None = None,
    size: int = PAGE_SIZE,
    moved: Callable[[], None] | None = None,
) -> None:
    """Previous / page number / Next under a list longer than a page (page number in the
    session under ``key``; widget keys from ``prefix``, by default ``key``). ``moved`` runs
    after the page changed (e.g. to forget the table's row selection)."""
    last = pages(total, size)
    if last == 1:
        return
    prefix = key if prefix is None else prefix
    page = int(st.session_state.get(key) or 1)
    first, end = (page - 1) * size + 1, min(page * size, total)
    left, middle, right = st.columns([1, 2, 1], vertical_alignment="bottom")
    with left:
        st.button(
            _("Previous"),
            key=f"{prefix}_prev",
            disabled=page <= 1,
            on_click=_step,
            args=(key, -1, last, moved),
            icon=":material/chevron_left:",
            width="stretch",
        )
    with middle:
        jump = f"{prefix}_jump"
        st.session_state[jump] = page
        st.number_input(
            _(
                "Page {page} of {pages} (records {first}-{last})",
                page=fmt_int(page),
                pages=fmt_int(last),
                first=fmt_int(first),
                last=fmt_int(end),
            ),
            min_value=1,
            max_value=last,
            step=1,
            key=jump,
            on_change=_jump,
            args=(key, jump, moved),
        )
    with right:
        st.button(
            _("Next"),
            key=f"{prefix}_next",
            disabled=page >= last,
            on_click=_step,
            args=(key, 1, last, moved),
            icon=":material/chevron_right:",
            icon_position="right",
            width="stretch",
        )
