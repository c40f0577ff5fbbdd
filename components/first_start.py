"""The first start in demo mode: the demo database is built (half a minute), with its progress
on the page instead of a blank screen.

One browser session builds it while holding a lock of this process; a visitor arriving
meanwhile is told to wait and goes on once it is done. Later starts find the database
ready and show nothing.
"""

from __future__ import annotations

import threading

import streamlit as st

from components.bootstrap import needs_demo_data, prepare_database
from components.i18n import N_, _
from db.config import load_settings
from db.engine import make_engine

# Steps of the build (a prefix of the builder's message), how far along each starts, and
# what the reader is told.
STEPS: tuple[tuple[str, float, str], ...] = (
    ("migrating", 0.02, N_("Creating the database tables")),
    ("planning", 0.10, N_("Generating the demo history: experts, meetings, technologies")),
    ("holding", 0.15, N_("Generating the demo history: experts, meetings, technologies")),
    ("projecting", 0.20, N_("Generating the demo history: experts, meetings, technologies")),
    ("writing audit_events", 0.60, N_("Writing the hash-chained audit trail")),
    ("writing", 0.35, N_("Writing the records")),
    ("computing", 0.85, N_("Computing the fairness results of the closed meetings")),
    ("sealing", 0.92, N_("Sealing the records so that a change outside the app shows")),
)

_building = threading.Lock()
_ready: set[str] = set()


def step(message: str) -> tuple[float, str]:
    """How far along the build is, and what to say, for a message of the builder."""
    for prefix, done, text in STEPS:
        if message.startswith(prefix):
            return done, _(text)
    return 0.0, _("Preparing the demo database")


def ensure_demo_database() -> None:
    """In demo mode, build the demo database if it is new, showing the progress.

    :raise DatabaseConfigError: the address is malformed or unreachable (as when opening it).
    """
    settings = load_settings()
    database_url = settings.database_url
    if not settings.demo or database_url in _ready:
        return
    if not _building.acquire(blocking=False):
        with st.spinner(_("The demo database is being prepared for its first start...")):
            _building.acquire()
    try:
        if database_url in _ready:
            return
        engine = make_engine(database_url)
        try:
            needed = needs_demo_data(engine)
        finally:
            engine.dispose()
        if needed:
            _build(database_url)
        _ready.add(database_url)
    finally:
        _building.release()


def _build(database_url: str) -> None:
    holder = st.empty()  # cleared when done: the page then draws as on any other start
    with (
        holder.container(),
        st.status(
            _("First start: preparing the demo database (about half a minute)..."), expanded=True
        ) as box,
    ):
        bar = st.progress(0.0, text=_("Preparing the demo database"))

        def report(message: str) -> None:
            done, text = step(message)
            bar.progress(done, text=text)

        prepare_database(database_url, demo=True, progress=report).dispose()
        bar.progress(1.0, text=_("The demo database is ready."))
        box.update(label=_("The demo database is ready."), state="complete", expanded=False)
    holder.empty()
