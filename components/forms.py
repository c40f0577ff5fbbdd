"""Form helpers: showing a refused or failed write as sentences, never a traceback."""

from __future__ import annotations

import streamlit as st

from components.i18n import _
from components.registers import escape_markdown
from db.errors import DatabaseUnavailable, DomainError, ValidationFailed


def error_text(exc: DomainError) -> str:
    """The error's sentence for ``st.error``/``st.warning`` (which render Markdown): values
    from the database (a project name, a person's name) are escaped, so they show as typed
    and never become links or formatting."""
    params = {k: escape_markdown(v) if isinstance(v, str) else v for k, v in exc.params.items()}
    return _(exc.message, **params)


def show_error(exc: DomainError) -> None:
    """Show what went wrong and that nothing was saved; field problems one per line.

    A database fault (:class:`~db.errors.DatabaseUnavailable`: unreachable, busy, read-only,
    full) is one sentence saying whether anything was saved and what to do; its technical
    cause is in the server log only.
    """
    if isinstance(exc, DatabaseUnavailable):
        st.error(_(exc.message, **exc.params), icon=":material/cloud_off:")
        return
    st.error(error_text(exc))
    if isinstance(exc, ValidationFailed):
        for field, problem in exc.errors.items():
            st.error(f"{_(field)}: {_(problem)}")
