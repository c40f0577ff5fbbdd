"""A write's outcome (the flash) is confirmed to the user even when the run that first shows
it is cut short by another rerun (a second click, a component reporting in): the run that
replaces it shows the outcome again; once a run showing it completes, it is gone."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest


def _page() -> None:
    import streamlit as st

    from components.forms import delivering_flash, flash, show_flash

    runs = st.session_state.setdefault("runs", 0) + 1
    st.session_state["runs"] = runs
    if st.session_state.get("save"):  # the save's callback ran before this run
        st.session_state["save"] = False
        flash("success", "The record was saved.")
    with delivering_flash():
        show_flash()
        if st.session_state.get("cut_short") and runs == st.session_state["cut_short"]:
            st.rerun()  # another rerun request arrives while the page is drawn
        st.write("the rest of the page")


def _shown(at: AppTest) -> list[str]:
    return [s.value for s in at.success]


def test_a_flash_cut_short_is_shown_by_the_run_that_replaces_it() -> None:
    at = AppTest.from_function(_page, default_timeout=30)
    at.run()
    assert _shown(at) == []
    at.session_state["save"] = True
    at.session_state["cut_short"] = 2  # the run that first shows the outcome
    at.run()
    assert at.session_state["runs"] == 3  # that run was replaced by another
    assert _shown(at) == ["The record was saved."]
    at.run()
    assert _shown(at) == []  # shown by a completed run: not again


def test_a_flash_shown_by_a_completed_run_is_shown_once() -> None:
    at = AppTest.from_function(_page, default_timeout=30)
    at.run()
    for _ in range(2):  # (and the next write's outcome just the same)
        at.session_state["save"] = True
        at.run()
        assert _shown(at) == ["The record was saved."]
        at.run()
        assert _shown(at) == []
