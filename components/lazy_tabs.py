"""Tabs that draw only the open one.

``st.tabs`` sends every tab's content to the browser, which draws it all (hidden) before the
page counts as shown: on the work queue and the audit trail that was most of what a user
waited for (issue #22). Here only the open tab's content is drawn (Streamlit's stateful tabs:
a click on another tab reruns the page, which then draws that tab).

The open tab is kept by its place, not by its label: a label may hold a count ("To screen
(12)") that a write changes, and Streamlit forgets a tab whose label changed (it would open
the first tab again). The place also survives a change of language.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import streamlit as st


def place_key(key: str) -> str:
    """The session-state key holding the open tab's place (0 is the first tab)."""
    return f"{key}__place"


def choose(key: str, index: int) -> None:
    """Open the tab at ``index`` of the tabs ``key`` on their next drawing (e.g. a row of a
    list that opens its form's tab)."""
    st.session_state[place_key(key)] = index


def _chosen(key: str, labels: list[str]) -> None:
    label = st.session_state.get(key)
    if label in labels:
        st.session_state[place_key(key)] = labels.index(label)


def open_tab(labels: Sequence[str], key: str) -> tuple[Sequence[Any], int]:
    """The tabs (Streamlit's tab containers) and the place of the open one. Draw into that
    tab only: ``with tabs[i]: ...`` for ``i`` the returned place."""
    names = list(labels)
    index = min(max(int(st.session_state.get(place_key(key), 0)), 0), len(names) - 1)
    tabs = st.tabs(names, default=names[index], key=key, on_change=_chosen, args=(key, names))
    shown = next((i for i, tab in enumerate(tabs) if tab.open), index)
    return tabs, shown


def draw_open(
    labels: Sequence[str],
    key: str,
    drawers: Sequence[Callable[[], None]],
) -> int:
    """Tabs of ``labels``; the open one's drawer (one per label) draws its content. Returns
    the open tab's place.

    Streamlit forgets the value of a widget that a run leaves out: a widget of a tab whose
    value must survive another tab being open (a filter, a search, a form's field) is made
    with ``persist_state="page"``, which keeps the value while the user stays on the page and
    shows it again when the tab is drawn again. (Putting the value back into the session
    while the tab is closed is not enough: the server then holds it but the browser shows
    the widget empty.)"""
    tabs, shown = open_tab(labels, key)
    with tabs[shown]:
        drawers[shown]()
    return shown
