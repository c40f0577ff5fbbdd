"""Form helpers: showing a refused or failed write as sentences, never a traceback."""

from __future__ import annotations

import streamlit as st

from components.i18n import _
from db.errors import DomainError, ValidationFailed


def show_error(exc: DomainError) -> None:
    """Show what went wrong and that nothing was saved; field problems one per line."""
    st.error(_(exc.message, **exc.params))
    if isinstance(exc, ValidationFailed):
        for field, problem in exc.errors.items():
            st.error(f"{_(field)}: {_(problem)}")
