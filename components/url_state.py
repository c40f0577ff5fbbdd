"""Widgets whose values are kept in the page's address (``?overdue_days=30``, a register's
filters): when to fill them from the address again.

Streamlit forgets the value of a widget that a run did not draw: after a visit to another
page (or a language switch on one), a widget that comes back without its value would show
its bare default (a number box its minimum, 0) and write that into the address. So they are
filled from the address when it changed from outside *or* when one of them was forgotten.
"""

from __future__ import annotations

from collections.abc import Iterable

import streamlit as st

_UNSET = object()


def must_sync(params: object, synced_key: str, widget_keys: Iterable[str]) -> bool:
    """True if the widgets ``widget_keys`` must be filled from the address ``params``: it
    differs from what they were last synced with (kept under ``synced_key``), or Streamlit
    has forgotten one of their values."""
    if params != st.session_state.get(synced_key, _UNSET):
        return True
    return any(key not in st.session_state for key in widget_keys)
