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

from collections.abc import Callable, Iterable, Sequence
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


def keep(keys: Iterable[str]) -> None:
    """Keep the values of these widgets (by key) through a run that does not draw them:
    Streamlit forgets the value of a widget that a run leaves out, so a search typed in a
    closed tab would be gone when the tab is opened again. (Only widgets of a closed tab:
    a value set this way for a widget drawn in the same run would be refused or warned of.)
    """
    for key in keys:
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]


def prefixed(beginnings: Iterable[str]) -> list[str]:
    """The session-state keys that begin with one of ``beginnings`` (e.g. every field of the
    forms of a tab, whatever their generation; see :func:`keep`)."""
    starts = tuple(beginnings)
    return [k for k in st.session_state if isinstance(k, str) and k.startswith(starts)]


def draw_open(
    labels: Sequence[str],
    key: str,
    drawers: Sequence[Callable[[], None]],
    kept: Sequence[Iterable[str]] = (),
) -> int:
    """Tabs of ``labels``; the open one's drawer (one per label) draws its content, and
    the widgets named in ``kept`` (keys, one list per tab) of the closed tabs keep their
    values. Returns the open tab's place."""
    tabs, shown = open_tab(labels, key)
    for place, keys in enumerate(kept):
        if place != shown:
            keep(keys)
    with tabs[shown]:
        drawers[shown]()
    return shown
