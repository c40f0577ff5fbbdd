"""The one place that caches: the engine (per process) and read results (with a TTL).

Cached readers take the database URL as their first argument so that a test or a second
database never receives another one's results, and return plain values. They are shared
by every user of the process: pages check the role *before* calling one. Writes call
:func:`invalidate` right after committing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, TypeVar

import pandas as pd
import streamlit as st
from sqlalchemy import Engine

from components.bootstrap import prepare_database
from db.config import load_settings
from db.queries import kpi, overview
from db.session import read_session, write_session

T = TypeVar("T")

READ_TTL_SECONDS = 300


@st.cache_resource(show_spinner=False)
def _engine(url: str, demo: bool) -> Engine:
    return prepare_database(url, demo=demo)


def engine() -> Engine:
    """The engine of the configured database (prepared on first use in this process)."""
    settings = load_settings()
    return _engine(settings.database_url, settings.demo)


def database_url() -> str:
    return load_settings().database_url


def invalidate() -> None:
    """Forget cached read results after a write changed the data."""
    st.cache_data.clear()


@st.cache_data(ttl=READ_TTL_SECONDS, show_spinner=False)
def headline(url: str, as_of: dt.date) -> kpi.Headline:
    with read_session(engine()) as s:
        return kpi.headline(session=s, as_of=as_of)


@st.cache_data(ttl=READ_TTL_SECONDS, show_spinner=False)
def last_changed(url: str) -> dt.datetime | None:
    with read_session(engine()) as s:
        return kpi.last_changed(session=s)


def write(fn: Callable[..., T], /, **kwargs: Any) -> T:
    """Run the ``db/`` write function ``fn(session=..., **kwargs)`` in one write transaction,
    then forget cached reads. Errors (``DomainError``) propagate after the rollback."""
    with write_session(engine()) as s:
        result = fn(session=s, **kwargs)
    invalidate()
    return result


def read(fn: Callable[..., T], /, **kwargs: Any) -> T:
    """Run a ``db/`` read function uncached (results specific to the acting user)."""
    with read_session(engine()) as s:
        return fn(session=s, **kwargs)


# --- Overview (issue 4) -------------------------------------------------------------------


@st.cache_data(ttl=READ_TTL_SECONDS, show_spinner=False)
def headline_filtered(url: str, as_of: dt.date, tech: kpi.TechFilter) -> kpi.Headline:
    with read_session(engine()) as s:
        return kpi.headline(session=s, as_of=as_of, tech=tech)


@st.cache_data(ttl=READ_TTL_SECONDS, show_spinner=False)
def monthly_counts(url: str, start: dt.date, end: dt.date, tech: kpi.TechFilter) -> pd.DataFrame:
    with read_session(engine()) as s:
        return overview.monthly_counts(session=s, start=start, end=end, tech=tech)


@st.cache_data(ttl=READ_TTL_SECONDS, show_spinner=False)
def pipeline(
    url: str, as_of: dt.date, tech: kpi.TechFilter
) -> tuple[dict[str, int], dict[str, float | None]]:
    with read_session(engine()) as s:
        return (
            overview.pipeline(session=s, as_of=as_of, tech=tech),
            overview.stage_durations(session=s, as_of=as_of, tech=tech),
        )


@st.cache_data(ttl=READ_TTL_SECONDS, show_spinner=False)
def breakdown(url: str, as_of: dt.date, by: str, tech: kpi.TechFilter) -> pd.DataFrame:
    with read_session(engine()) as s:
        return overview.breakdown(session=s, as_of=as_of, by=by, tech=tech).frame


@st.cache_data(ttl=READ_TTL_SECONDS, show_spinner=False)
def last_changed_by_entity(url: str) -> dict[str, dt.datetime]:
    with read_session(engine()) as s:
        return overview.last_changed_by_entity(session=s)
