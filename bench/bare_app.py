"""The framework floor: the smallest multipage app, whose bare page has a title and one metric.

The benchmark opens ``bare_page.py`` the way it opens a real page (an untimed first run,
then ``switch_page(...).run()`` timed), so page / bare is the cost a page adds on top of
Streamlit itself. Run it alone with ``streamlit run bench/bare_app.py``.
"""

from __future__ import annotations

import streamlit as st


def _start() -> None:
    st.write("Bare benchmark app: open the bare page.")


st.navigation(
    [
        st.Page(_start, title="Start", default=True),
        st.Page("bare_page.py", title="Bare page", url_path="bare_page"),
    ]
).run()
