"""Entry point: page config, database, language, sign-in, navigation by role, run the page.

This file is a router (see ``shared/conventions.md``): no queries here.
"""

from __future__ import annotations

import streamlit as st

from components import data
from components.i18n import LANGUAGE_NAMES, LANGUAGES, _, current_language, set_language
from db.errors import DomainError

st.set_page_config(page_title="New Technology Platform", page_icon=":material/hub:", layout="wide")

lang = st.sidebar.selectbox(
    "언어 / Language",
    LANGUAGES,
    index=LANGUAGES.index(current_language()),
    format_func=LANGUAGE_NAMES.__getitem__,
    key="lang_select",
)
set_language(lang)

try:
    with st.spinner(_("Opening the database...")):
        data.engine()
except DomainError as exc:  # DatabaseConfigError, SchemaOutOfDate: one clear sentence
    st.error(_("The app cannot start.") + " " + _(exc.message, **exc.params))
    st.stop()

pages = [st.Page("pages/overview.py", title=_("Overview"), icon=":material/dashboard:", default=True)]
pg = st.navigation(pages)
pg.run()
