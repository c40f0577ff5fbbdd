"""A register page's body (filter bar, open record, table, pager, files) drawn as one
``st.fragment``: filtering, paging, sorting, opening or closing a record rerun this part
alone, not the whole page with its sidebar, so the browser redraws only the register.

What a full run does and a fragment's run skips is done here, so nothing goes stale:

- the sign-in is checked on the server as app.py checks it
  (:func:`components.auth.still_signed_in`): when it has ended or changed, the whole app
  reruns (and signs out or narrows the pages);
- a write from a form in the body keeps its outcome for the page's flash (``forms.flash``)
  and may change what the rest of the page (the sidebar's inbox, the flash under the title)
  shows: the whole app reruns, which shows the flash and everything else as saved.

Widget keys are the register's own (``reg_{key}_...``), so they stay the same whichever run
draws them, and the address is written at the end of every run, fragment or not
(:func:`components.registers.view.sync_url`).
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from components import auth
from components.forms import FLASH


def _fragment_run() -> bool:
    """True in a run of a fragment alone (not in a run of the whole page)."""
    ctx = get_script_run_ctx()
    return bool(ctx is not None and ctx.fragment_ids_this_run)


def body(draw: Callable[[], None]) -> None:
    """Draw ``draw()`` as the page's register fragment (see the module's text)."""

    def run() -> None:
        if _fragment_run() and (FLASH in st.session_state or not auth.still_signed_in()):
            st.rerun(scope="app")
        draw()

    st.fragment(run)()
