"""The app's own script in every page: fixes of how the browser side behaves that Streamlit
offers no parameter for (see ``assets/page_fixes.js``). The script is the app's file, with
no user text in it."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import streamlit as st

SCRIPT = Path(__file__).parent / "assets" / "page_fixes.js"


@cache
def _script() -> str:
    return SCRIPT.read_text(encoding="utf-8")


def install() -> None:
    """Run the script in the page (once per page load; a rerun finds it installed)."""
    st.html(
        # The element that carries the script takes no room on the page.
        "<style>[data-testid='stElementContainer']:has(#ntp-page-fixes){display:none}</style>"
        f"<span id='ntp-page-fixes'></span><script>{_script()}</script>",
        unsafe_allow_javascript=True,
    )
