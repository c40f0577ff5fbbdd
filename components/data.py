# Over 500 lines on purpose: every st.cache_data/st.cache_resource of the app lives here.
"""The one place that caches: the engine (per process) and read results (with a TTL), by
domain: overview, registers, record history, meetings, fairness, inquiries, agreements,
work queue, audit trail, outcomes, and the charts' specifications.

Cached readers take the database URL as their first argument so that a test or a second
database never receives another one's results, and return plain values. They are shared
by every user of the process: the page guard, or the reader itself when it is given the
actor, checks the role *before* a cache is consulted. Writes call :func:`invalidate` right
after committing. This module imports no other part of the UI (``components.bootstrap``
opens the database and holds no UI): where a cached result is shaped for the reader (a
labelled frame, a file, a chart), the caller hands the shaping function in as an
underscore argument, which the cache does not hash (the language is a keyed argument).

Behind the process cache, the overview's figures, the registers' counts and the inter-city
aggregates are *stored summaries* (``db.summaries``): computed once per data version and
kept in the database, so a cold process (or the first view after a write) reads a row
instead of rescanning the history. A successful :func:`write` also starts a background
refresh of the default overview, so that the next viewer finds its figures ready. Only
aggregates and role-independent reads go through summaries (see ``db.summaries``,
"Security rule").
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from typing import Any, TypeVar

import pandas as pd
import streamlit as st
from sqlalchemy import Engine

from components.bootstrap import prepare_database
from db import (
    adoptions,
    clock,
    experts,
    fairness,
    intercity,
    kpi,
    meetings,
    policy,
    public,
    summaries,
    technologies,
)
from db import inbox as inbox_reads
from db.approvals import queue
from db.audit import trail as audit_trail
from db.city import store as city_store
from db.config import load_settings
from db.errors import PermissionDenied, SaveInDoubt
from db.intercity import agreement_reads as ar
from db.intercity import analysis as ic
from db.outcomes import figures as outcome_figures
from db.policy import (
    AUDITORS,
    HISTORY_READERS,
    MEETING_READERS,
    OUTCOME_READERS,
    Actor,
    may_see_personal_data,
    require,
    require_role,
)
from db.session import read_session, write_session

T = TypeVar("T")

READ_TTL_SECONDS = 300
CHOICES_TTL_SECONDS = 60  # what a form offers to choose (agenda items, links)
AUDIT_PAGE_TTL_SECONDS = 30  # events never change, but new ones arrive at the newest end

Rows = tuple[pd.DataFrame, int]


# --- engine, writes and uncached reads --------------------------------------------------------


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


def _stored(read: Callable[..., T], /, *args: Any) -> T:
    """``read(session, version, *args)``: a ``db.summaries`` read at the current data version."""
    with read_session(engine()) as s:
        return read(s, summaries.data_version(s), *args)


def _refresh_after_write() -> None:
    """Recompute the default overview's stored figures in the background (never raises)."""

    summaries.refresh_in_background(engine(), clock.city_today())


# --- the city: its profile and vocabularies ---------------------------------------------------


@st.cache_data(ttl=READ_TTL_SECONDS, show_spinner=False)
def city(url: str) -> city_store.City | None:
    """The city running this instance (name, logo, numbering, first day, language, ...);
    None while the database has no profile (``python -m db city init`` not run yet)."""
    with read_session(engine()) as s:
        return city_store.city(s) if city_store.has_profile(s) else None


@st.cache_data(ttl=READ_TTL_SECONDS, show_spinner=False)
def vocabulary(url: str, name: str, offered: bool = False) -> tuple[str, ...]:
    """The codes of the city's vocabulary ``name`` (``fields``, ``sectors``,
    ``organisation_kinds``) in the city's order; ``offered``: only those a new record may
    take (retired codes stay on older records and in filters)."""
    with read_session(engine()) as s:
        return city_store.codes(s, name, offered=offered)


@st.cache_data(ttl=READ_TTL_SECONDS, show_spinner=False)
def term_names(url: str, name: str, lang: str) -> dict[str, str]:
    """Code -> its name in ``lang`` for every code of the city's vocabulary ``name``, retired
    ones too (old records keep their names): what tables, charts and options show."""
    with read_session(engine()) as s:
        return {t.code: t.label(lang) for t in city_store.terms(s, name)}


@st.cache_data(ttl=READ_TTL_SECONDS, show_spinner=False)
def vocabulary_with(url: str, name: str, attribute: str) -> tuple[str, ...]:
    """The codes of the city's vocabulary ``name`` whose ``attribute`` is true (e.g. the
    kinds of organisation that ask about the platform, the sector outside the growth list)."""
    with read_session(engine()) as s:
        return city_store.with_attribute(s, name, attribute)


def write(fn: Callable[..., T], /, **kwargs: Any) -> T:
    """Run the ``db/`` write function ``fn(session=..., **kwargs)`` in one write transaction,
    then forget cached reads.

    Errors (``DomainError``) propagate after the rollback, for ``components.forms.show_error``:
    refusals, and database faults as :class:`~db.errors.DatabaseUnavailable` ("Not saved:
    the database could not be reached. Please retry." and the like; the technical cause is
    logged by ``db.session``). When the connection broke during the commit itself
    (:class:`~db.errors.SaveInDoubt`) the write may have been saved, so cached reads are
    forgotten then too.
    """
    try:
        with write_session(engine()) as s:
            result = fn(session=s, **kwargs)
    except SaveInDoubt:
        invalidate()
        _refresh_after_write()
        raise
    invalidate()
    _refresh_after_write()
    return result


def read(fn: Callable[..., T], /, **kwargs: Any) -> T:
    """Run a ``db/`` read function uncached (results specific to the acting user).

    :raise DatabaseUnavailable: the database could not answer (told as "could not be
        loaded"); the router shows it as a sentence when the page does not catch it.
    """
    with read_session(engine()) as s:
        return fn(session=s, **kwargs)


def _refused_unless(
    actor: Actor,
    roles: frozenset[str] | tuple[str, ...],
    action: str,
    entity: str = "audit_event",
) -> None:
    """Refuse before any shared cache is consulted; the refusal is audited like a refused
    write (``write_session`` records a ``PermissionDenied`` raised inside it)."""
    try:
        require(actor, roles, action=action, entity=entity)
    except PermissionDenied:
        with write_session(engine()):
            raise


# --- overview (every signed-in role) ------------------------------------------------------------


@st.cache_data(ttl=READ_TTL_SECONDS, show_spinner=False)
def headline(url: str, as_of: dt.date, tech: kpi.TechFilter) -> kpi.Headline:
    return _stored(summaries.headline, as_of, tech)


@st.cache_data(ttl=READ_TTL_SECONDS, show_spinner=False)
def monthly_counts(url: str, start: dt.date, end: dt.date, tech: kpi.TechFilter) -> pd.DataFrame:
    return _stored(summaries.monthly_counts, start, end, tech)


@st.cache_data(ttl=READ_TTL_SECONDS, show_spinner=False)
def pipeline(
    url: str, as_of: dt.date, tech: kpi.TechFilter
) -> tuple[dict[str, int], dict[str, float | None]]:
    return _stored(summaries.pipeline, as_of, tech)


@st.cache_data(ttl=READ_TTL_SECONDS, show_spinner=False)
def breakdown(url: str, as_of: dt.date, by: str, tech: kpi.TechFilter) -> pd.DataFrame:
    return _stored(summaries.breakdown, as_of, by, tech)


@st.cache_data(ttl=READ_TTL_SECONDS, show_spinner=False)
def last_changed_by_entity(url: str) -> dict[str, dt.datetime]:
    return _stored(summaries.last_changed_by_entity)


@st.cache_data(ttl=READ_TTL_SECONDS, show_spinner=False)
def records_behind(
    url: str,
    figure: str,
    as_of: dt.date,
    lang: str,
    _shape: Callable[[pd.DataFrame], tuple[pd.DataFrame, bytes]],
) -> tuple[pd.DataFrame, pd.DataFrame, bytes | None]:
    """The records behind an overview ``figure`` (at most 500): as read, as shown in ``lang``
    and as CSV (``_shape(df)`` gives the last two); built once per figure, date and language
    rather than on every rerun."""
    df = _stored(summaries.records_behind, figure, as_of)
    if df.empty:
        return df, df, None
    shown, csv = _shape(df)
    return df, shown, csv


def table_files(
    df: pd.DataFrame,
    columns: tuple[str, ...],
    sheet: str,
    write: Callable[[], tuple[bytes, bytes]],
) -> tuple[bytes, bytes]:
    """The CSV and Excel files of a small frame (``write()`` makes them): made again whenever
    a value, a column name (the language, ``columns``) or the sheet name differs."""
    return _table_files(frame_key(df), columns, sheet, write)


@st.cache_data(ttl=READ_TTL_SECONDS, show_spinner=False, max_entries=64)
def _table_files(
    frame: object, columns: tuple[str, ...], sheet: str, _write: Callable[[], tuple[bytes, bytes]]
) -> tuple[bytes, bytes]:
    return _write()


def vocabulary_uses(vocabulary: str) -> dict[str, int]:
    """Code -> how many records hold it, for every code of ``vocabulary`` (stored per data
    version: the same on every app server, never older than the last write)."""
    return _stored(summaries.vocabulary_uses, vocabulary)


# --- registers: technologies, experts, adoptions, inquiries (every reader role) ---------------


@st.cache_data(ttl=READ_TTL_SECONDS, show_spinner=False)
def technologies_page(
    url: str, filters: technologies.TechnologyFilters, sort: str, offset: int, limit: int
) -> Rows:
    with read_session(engine()) as s:
        total = summaries.technologies_count(s, summaries.data_version(s), filters)
        return technologies.technologies_page(
            session=s, filters=filters, sort=sort, offset=offset, limit=limit, total=total
        )


@st.cache_data(ttl=READ_TTL_SECONDS, show_spinner=False)
def technologies_export(url: str, filters: technologies.TechnologyFilters, sort: str) -> Rows:
    with read_session(engine()) as s:
        return technologies.technologies_export(session=s, filters=filters, sort=sort)


@st.cache_data(ttl=READ_TTL_SECONDS, show_spinner=False)
def technology_detail(url: str, tech_id: int) -> technologies.TechnologyDetail | None:
    with read_session(engine()) as s:
        return technologies.technology_detail(session=s, tech_id=tech_id)


# --- public: anyone, not signed in (db.public returns only published fields) ------------------


@st.cache_data(ttl=READ_TTL_SECONDS, show_spinner=False)
def catalogue_page(
    url: str, filters: public.CatalogueFilters, sort: str, offset: int, limit: int
) -> Rows:
    with read_session(engine()) as s:
        return public.catalogue_page(
            session=s, filters=filters, sort=sort, offset=offset, limit=limit
        )


@st.cache_data(ttl=READ_TTL_SECONDS, show_spinner=False)
def catalogue_export(url: str, filters: public.CatalogueFilters, sort: str) -> Rows:
    with read_session(engine()) as s:
        return public.catalogue_export(session=s, filters=filters, sort=sort)


@st.cache_data(ttl=READ_TTL_SECONDS, show_spinner=False)
def catalogue_years(url: str) -> tuple[int, ...]:
    with read_session(engine()) as s:
        return public.catalogue_years(session=s)


@st.cache_data(ttl=READ_TTL_SECONDS, show_spinner=False)
def public_technology(url: str, reg_no: str) -> public.PublicTechnology | None:
    with read_session(engine()) as s:
        return public.public_technology(session=s, reg_no=reg_no)


@st.cache_data(ttl=READ_TTL_SECONDS, show_spinner=False)
def public_reg_no(url: str, tech_id: int) -> str | None:
    with read_session(engine()) as s:
        return public.reg_no_of(session=s, tech_id=tech_id)


def public_figures(url: str, as_of: dt.date) -> tuple[public.PublicFigure, ...]:
    """The published figures on ``as_of``, from the overview's cached headline."""
    return public.figures_of(headline(url, as_of, kpi.ALL_TECHNOLOGIES))


@st.cache_data(ttl=READ_TTL_SECONDS, show_spinner=False)
def public_last_updated(url: str) -> dt.datetime | None:
    with read_session(engine()) as s:
        return public.last_updated(session=s)


@st.cache_data(ttl=READ_TTL_SECONDS, show_spinner=False, max_entries=8)
def open_data_files(
    url: str, today: dt.date, _build: Callable[[], dict[str, bytes]]
) -> dict[str, bytes]:
    """The open-data files of ``today`` by file name (``_build()`` makes them): written once
    per day and data version for every visitor, not on every download."""
    return _build()


def experts_page(
    url: str,
    actor: Actor,
    filters: experts.ExpertFilters,
    sort: str,
    offset: int,
    limit: int,
) -> Rows:
    """A page of experts for ``actor``. The cache is keyed on whether the actor may see
    personal data (not on who they are), and the db function decides the columns from the
    same actor, so a cached page with phone numbers never reaches the mayor's office."""
    personal = policy.may_see_personal_data(actor)
    return _experts_page(url, personal, filters, sort, offset, limit, _actor=actor)


@st.cache_data(ttl=READ_TTL_SECONDS, show_spinner=False)
def _experts_page(
    url: str,
    personal_data: bool,
    filters: experts.ExpertFilters,
    sort: str,
    offset: int,
    limit: int,
    _actor: Actor,
) -> Rows:
    with read_session(engine()) as s:
        # Only the count is stored (keyed on personal_data): never experts' rows.
        total = summaries.experts_count(s, summaries.data_version(s), filters, personal_data)
        return experts.experts_page(
            session=s,
            actor=_actor,
            filters=filters,
            sort=sort,
            offset=offset,
            limit=limit,
            total=total,
        )


def experts_export(url: str, actor: Actor, filters: experts.ExpertFilters, sort: str) -> Rows:
    """Every filtered expert for ``actor`` (personal data as in :func:`experts_page`)."""
    personal = policy.may_see_personal_data(actor)
    return _experts_export(url, personal, filters, sort, _actor=actor)


@st.cache_data(ttl=READ_TTL_SECONDS, show_spinner=False)
def _experts_export(
    url: str, personal_data: bool, filters: experts.ExpertFilters, sort: str, _actor: Actor
) -> Rows:
    with read_session(engine()) as s:
        return experts.experts_export(session=s, actor=_actor, filters=filters, sort=sort)


def expert_detail(url: str, actor: Actor, expert_id: int) -> experts.ExpertDetail | None:
    """One expert for ``actor`` (personal data as in :func:`experts_page`)."""
    personal = policy.may_see_personal_data(actor)
    return _expert_detail(url, personal, expert_id, _actor=actor)


@st.cache_data(ttl=READ_TTL_SECONDS, show_spinner=False)
def _expert_detail(
    url: str, personal_data: bool, expert_id: int, _actor: Actor
) -> experts.ExpertDetail | None:
    with read_session(engine()) as s:
        return experts.expert_detail(session=s, actor=_actor, expert_id=expert_id)


@st.cache_data(ttl=READ_TTL_SECONDS, show_spinner=False)
def adoptions_page(
    url: str, filters: adoptions.AdoptionFilters, sort: str, offset: int, limit: int
) -> Rows:
    with read_session(engine()) as s:
        version = summaries.data_version(s)
        total = summaries.adoptions_count(s, version, filters)
        # Adoptions hold no personal data and every reader sees the same rows: the page
        # itself is stored too (its as-of view ranks every approval).
        return summaries.adoptions_rows(s, version, filters, sort, offset, limit), total


@st.cache_data(ttl=READ_TTL_SECONDS, show_spinner=False)
def adoptions_export(url: str, filters: adoptions.AdoptionFilters, sort: str) -> Rows:
    with read_session(engine()) as s:
        return adoptions.adoptions_export(session=s, filters=filters, sort=sort)


@st.cache_data(ttl=READ_TTL_SECONDS, show_spinner=False)
def adoption_detail(url: str, adoption_id: int) -> adoptions.AdoptionDetail | None:
    with read_session(engine()) as s:
        return adoptions.adoption_detail(session=s, adoption_id=adoption_id)


@st.cache_data(ttl=READ_TTL_SECONDS, show_spinner=False)
def inquiries_page(
    url: str, filters: intercity.InquiryFilters, sort: str, offset: int, limit: int
) -> Rows:
    with read_session(engine()) as s:
        return intercity.inquiries_page(
            session=s, filters=filters, sort=sort, offset=offset, limit=limit
        )


@st.cache_data(ttl=READ_TTL_SECONDS, show_spinner=False)
def inquiries_export(url: str, filters: intercity.InquiryFilters, sort: str) -> Rows:
    with read_session(engine()) as s:
        return intercity.inquiries_export(session=s, filters=filters, sort=sort)


@st.cache_data(ttl=READ_TTL_SECONDS, show_spinner=False)
def inquiry_detail(url: str, inquiry_id: int) -> intercity.InquiryDetail | None:
    with read_session(engine()) as s:
        return intercity.inquiry_detail(session=s, inquiry_id=inquiry_id)


# --- a record's history (every reader role; checked here) ----------------------------------


def record_history(
    url: str,
    actor: Actor,
    entity: str,
    entity_id: str | int,
    limit: int = audit_trail.HISTORY_PAGE,
    related: tuple[tuple[str, str | int], ...] = (),
) -> audit_trail.RecordHistory:
    """A record's history for a detail card (everyone who reads the registers), newest
    first. The role is checked before the shared cache is consulted, and the cache is keyed
    on whether the actor may see experts' personal data."""
    _refused_unless(actor, HISTORY_READERS, "audit_event.history")
    personal = policy.may_see_personal_data(actor)
    return _record_history(url, personal, entity, str(entity_id), limit, related, _actor=actor)


@st.cache_data(ttl=AUDIT_PAGE_TTL_SECONDS, show_spinner=False)
def _record_history(
    url: str,
    personal_data: bool,
    entity: str,
    entity_id: str,
    limit: int,
    related: tuple[tuple[str, str | int], ...],
    _actor: Actor,
) -> audit_trail.RecordHistory:
    with read_session(engine()) as s:
        return audit_trail.record_history(
            session=s,
            actor=_actor,
            entity=entity,
            entity_id=entity_id,
            related=related,
            limit=limit,
        )


# --- meetings (auditors, staff, approvers; checked here) --------------------------------------


def meeting_record(url: str, actor: Actor, meeting_id: int) -> meetings.MeetingRecord:
    """One meeting's record for ``actor``: the role is checked before the shared cache is
    consulted, and the cache is keyed on whether the actor may see personal data."""
    require_role(actor, MEETING_READERS, "meeting.read", "meeting")
    personal = may_see_personal_data(actor)
    return _meeting_record(url, personal, meeting_id, _actor=actor)


@st.cache_data(ttl=READ_TTL_SECONDS, show_spinner=False)
def _meeting_record(
    url: str, personal_data: bool, meeting_id: int, _actor: Actor
) -> meetings.MeetingRecord:
    with read_session(engine()) as s:
        return meetings.meeting_record(session=s, actor=_actor, meeting_id=meeting_id)


@st.cache_data(ttl=CHOICES_TTL_SECONDS, show_spinner=False)
def agenda_candidates(url: str, meeting_id: int) -> pd.DataFrame:
    with read_session(engine()) as s:
        return meetings.agenda_candidates(session=s, meeting_id=meeting_id)


# --- fairness (auditors; checked here) -------------------------------------------------------


def fairness_report(
    url: str, actor: Actor, start: dt.date | None, end: dt.date | None
) -> fairness.FairnessReport:
    """The fairness report (auditors; checked before the shared cache is consulted)."""
    require_role(actor, AUDITORS, "fairness.read", "meeting")
    return _fairness_report(url, start, end, _actor=actor)


@st.cache_data(ttl=READ_TTL_SECONDS, show_spinner=False)
def _fairness_report(
    url: str, start: dt.date | None, end: dt.date | None, _actor: Actor
) -> fairness.FairnessReport:
    # Stored per (period, data version): the same report for every auditor (db.summaries).
    return _stored(summaries.fairness, _actor, start, end)


# --- inquiries' analysis (every reader role) ------------------------------------------------------
# Aggregates and the agreements' rows are stored summaries (``db.summaries.intercity``: computed
# once per data version, shared by every reader role, no personal data), so a cold process reads
# a row instead of counting every inquiry and agreement again.


def _stored_intercity(read: str, **params: Any) -> Any:
    with read_session(engine()) as s:
        return summaries.intercity(s, summaries.data_version(s), read, **params)


@st.cache_data(ttl=READ_TTL_SECONDS, show_spinner=False)
def inquiry_summary(url: str, as_of: dt.date, days: int) -> dict[str, int]:
    figures: dict[str, int] = _stored_intercity("inquiry_summary", as_of=as_of, overdue_days=days)
    return figures


@st.cache_data(ttl=READ_TTL_SECONDS, show_spinner=False)
def inquiries_by_kind(url: str, as_of: dt.date) -> pd.DataFrame:
    frame: pd.DataFrame = _stored_intercity("inquiries_by_kind", as_of=as_of)
    return frame


@st.cache_data(ttl=READ_TTL_SECONDS, show_spinner=False)
def inquiries_by_region(url: str, as_of: dt.date) -> tuple[pd.DataFrame, pd.DataFrame]:
    return (
        _stored_intercity("inquiries_by_region", as_of=as_of),
        _stored_intercity("inquiries_abroad", as_of=as_of),
    )


@st.cache_data(ttl=READ_TTL_SECONDS, show_spinner=False)
def inquiries_over_time(url: str, as_of: dt.date, period: str) -> pd.DataFrame:
    frame: pd.DataFrame = _stored_intercity("inquiries_over_time", as_of=as_of, period=period)
    return frame


@st.cache_data(ttl=READ_TTL_SECONDS, show_spinner=False)
def overdue_inquiries(
    url: str, as_of: dt.date, days: int, offset: int, limit: int, total: int
) -> pd.DataFrame:
    """A page of the overdue inquiries (``total`` from :func:`inquiry_summary`; not stored:
    the rows hold contact names)."""
    with read_session(engine()) as s:
        return ic.overdue(
            session=s, as_of=as_of, days=days, offset=offset, limit=limit, total=total
        )[0]


@st.cache_data(ttl=READ_TTL_SECONDS, show_spinner=False, max_entries=8)
def overdue_inquiries_export(
    url: str,
    as_of: dt.date,
    days: int,
    limit: int,
    lang: str,
    _shape: Callable[[pd.DataFrame], pd.DataFrame],
) -> tuple[pd.DataFrame, int]:
    """Every overdue inquiry (up to ``limit``) as the files show them in ``lang``
    (``_shape``), and how many there are; read when the user asks for the files."""
    with read_session(engine()) as s:
        df, total = ic.overdue(session=s, as_of=as_of, days=days, limit=limit)
    return _shape(df), total


@st.cache_data(ttl=READ_TTL_SECONDS, show_spinner=False)
def organizations(url: str) -> pd.DataFrame:
    """The bodies an inquiry or agreement may name (staff forms)."""
    with read_session(engine()) as s:
        return ic.organizations(session=s)


# --- agreements (every reader role) -------------------------------------------------------------


@st.cache_data(ttl=READ_TTL_SECONDS, show_spinner=False)
def agreement_counts(
    url: str, as_of: dt.date | None, status: str | None, kind: str | None
) -> dict[str, int]:
    counts: dict[str, int] = _stored_intercity(
        "agreement_counts", as_of=as_of, status=status, kind=kind
    )
    return counts


@st.cache_data(ttl=READ_TTL_SECONDS, show_spinner=False)
def agreements_page(
    url: str, as_of: dt.date | None, status: str | None, kind: str | None, offset: int, limit: int
) -> pd.DataFrame:
    """A page of agreements (newest plan first)."""
    frame: pd.DataFrame = _stored_intercity(
        "agreements", as_of=as_of, status=status, kind=kind, offset=offset, limit=limit
    )
    return frame


@st.cache_data(ttl=READ_TTL_SECONDS, show_spinner=False)
def agreement(url: str, agreement_id: int, as_of: dt.date | None) -> dict[str, Any] | None:
    """One agreement as the list shows it (planned by ``as_of``), None when there is none."""
    with read_session(engine()) as s:
        df = ar.agreements(session=s, as_of=as_of, agreement_id=agreement_id)
    return None if df.empty else df.iloc[0].to_dict()


@st.cache_data(ttl=READ_TTL_SECONDS, show_spinner=False, max_entries=8)
def agreements_export(
    url: str,
    as_of: dt.date | None,
    status: str | None,
    kind: str | None,
    limit: int,
    lang: str,
    _shape: Callable[[pd.DataFrame], pd.DataFrame],
) -> pd.DataFrame:
    """Every agreement of the filters (up to ``limit``) as the files show them in ``lang``
    (``_shape``); read when the user asks for the files."""
    with read_session(engine()) as s:
        df = ar.agreements(session=s, as_of=as_of, status=status, kind=kind, limit=limit)
    return _shape(df)


@st.cache_data(ttl=READ_TTL_SECONDS, show_spinner=False)
def agreement_products(url: str, agreement_id: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    with read_session(engine()) as s:
        return ar.agreement_products(session=s, agreement_id=agreement_id)


@st.cache_data(ttl=CHOICES_TTL_SECONDS, show_spinner=False)
def agreement_link_candidates(url: str, agreement_id: int, kind: str) -> pd.DataFrame:
    with read_session(engine()) as s:
        return ar.link_candidates(session=s, agreement_id=agreement_id, kind=kind)


# --- work queue (staff; checked in db.approvals) ----------------------------------------------


def work_queue_counts(actor: Actor) -> queue.QueueCounts:
    """``db.approvals.queue_counts`` for ``actor``: the role is checked there first, then the
    counts that are the same for every user are read from ``db.summaries.queue_counts``; the
    actor's own counts are read live."""
    with read_session(engine()) as s:
        return queue.queue_counts(
            session=s,
            actor=actor,
            shared=lambda: summaries.queue_counts(s, summaries.data_version(s)),
        )


# --- audit trail (auditors; checked here, and the refusal audited) -------------------------------


def audit_page(
    url: str,
    actor: Actor,
    filters: audit_trail.AuditFilters,
    after_id: int | None,
    before_id: int | None,
    limit: int,
) -> tuple[pd.DataFrame, audit_trail.PageInfo]:
    _refused_unless(actor, AUDITORS, "audit_event.read")
    return _audit_page(url, filters, after_id, before_id, limit, _actor=actor)


@st.cache_data(ttl=AUDIT_PAGE_TTL_SECONDS, show_spinner=False)
def _audit_page(
    url: str,
    filters: audit_trail.AuditFilters,
    after_id: int | None,
    before_id: int | None,
    limit: int,
    _actor: Actor,
) -> tuple[pd.DataFrame, audit_trail.PageInfo]:
    with read_session(engine()) as s:
        return audit_trail.events_page(
            session=s,
            actor=_actor,
            filters=filters,
            after_id=after_id,
            before_id=before_id,
            limit=limit,
        )


def audit_filter_values(url: str, actor: Actor) -> tuple[list[str], list[str], list[str]]:
    """(users, kinds of record, actions) found in the trail, for the filter widgets."""
    _refused_unless(actor, AUDITORS, "audit_event.read")
    return _audit_filter_values(url, _actor=actor)


@st.cache_data(ttl=READ_TTL_SECONDS, show_spinner=False)
def _audit_filter_values(url: str, _actor: Actor) -> tuple[list[str], list[str], list[str]]:
    with read_session(engine()) as s:
        return (
            audit_trail.distinct_actors(session=s, actor=_actor),
            audit_trail.distinct_entities(session=s, actor=_actor),
            audit_trail.distinct_actions(session=s, actor=_actor),
        )


def audit_export(
    url: str, actor: Actor, filters: audit_trail.AuditFilters, limit: int
) -> tuple[pd.DataFrame, bool]:
    _refused_unless(actor, AUDITORS, "audit_event.export")
    return _audit_export(url, filters, limit, _actor=actor)


@st.cache_data(ttl=AUDIT_PAGE_TTL_SECONDS, show_spinner=False)
def _audit_export(
    url: str, filters: audit_trail.AuditFilters, limit: int, _actor: Actor
) -> tuple[pd.DataFrame, bool]:
    with read_session(engine()) as s:
        return audit_trail.export_events(session=s, actor=_actor, filters=filters, limit=limit)


def audit_names(
    url: str,
    actor: Actor,
    records: tuple[tuple[str, str | None], ...],
    actor_ids: tuple[int | None, ...],
) -> audit_trail.EventNames:
    """The human numbers of the records and the names of the actors of a page of events."""
    _refused_unless(actor, AUDITORS, "audit_event.read")
    return _audit_names(url, records, actor_ids, _actor=actor)


@st.cache_data(ttl=AUDIT_PAGE_TTL_SECONDS, show_spinner=False)
def _audit_names(
    url: str,
    records: tuple[tuple[str, str | None], ...],
    actor_ids: tuple[int | None, ...],
    _actor: Actor,
) -> audit_trail.EventNames:
    with read_session(engine()) as s:
        return audit_trail.name_events(
            session=s, actor=_actor, records=records, actor_ids=actor_ids
        )


def audit_event(url: str, actor: Actor, event_id: int) -> audit_trail.Event:
    """One event (events never change: cached for the usual time)."""
    _refused_unless(actor, AUDITORS, "audit_event.read")
    return _audit_event(url, event_id, _actor=actor)


@st.cache_data(ttl=READ_TTL_SECONDS, show_spinner=False)
def _audit_event(url: str, event_id: int, _actor: Actor) -> audit_trail.Event:
    with read_session(engine()) as s:
        return audit_trail.get_event(session=s, actor=_actor, event_id=event_id)


# --- outcomes (issue 20): readers of outcomes only; role checked before the cache ---------------


def outcomes(url: str, actor: Actor, as_of: dt.date) -> outcome_figures.Outcomes:
    """The Outcomes page's figures as of ``as_of``."""
    _refused_unless(actor, OUTCOME_READERS, "outcome.read", "outcome")
    return _outcomes(url, as_of, _actor=actor)


@st.cache_data(ttl=READ_TTL_SECONDS, show_spinner=False)
def _outcomes(url: str, as_of: dt.date, _actor: Actor) -> outcome_figures.Outcomes:
    return _stored(summaries.outcomes, _actor, as_of)


def outcome_targets(url: str, actor: Actor, as_of: dt.date) -> pd.DataFrame:
    """The city's annual targets against actual up to ``as_of``."""
    _refused_unless(actor, OUTCOME_READERS, "outcome.read", "outcome")
    return _outcome_targets(url, as_of, _actor=actor)


@st.cache_data(ttl=READ_TTL_SECONDS, show_spinner=False)
def _outcome_targets(url: str, as_of: dt.date, _actor: Actor) -> pd.DataFrame:
    return _stored(summaries.outcome_targets, _actor, as_of)


def contracts(url: str, actor: Actor, as_of: dt.date) -> pd.DataFrame:
    """Every contract signed by ``as_of`` (the Outcomes page's download)."""
    _refused_unless(actor, OUTCOME_READERS, "outcome.read", "outcome")
    return _contracts(url, as_of, _actor=actor)


@st.cache_data(ttl=READ_TTL_SECONDS, show_spinner=False, max_entries=8)
def _contracts(url: str, as_of: dt.date, _actor: Actor) -> pd.DataFrame:
    with read_session(engine()) as s:
        return outcome_figures.contracts(session=s, actor=_actor, as_of=as_of)


def testbed_outcomes(url: str, actor: Actor) -> pd.DataFrame:
    """Every testbed with its details and sales totals (the Testbeds register)."""
    _refused_unless(actor, OUTCOME_READERS, "testbed.read", "outcome")
    return _testbed_outcomes(url, _actor=actor)


@st.cache_data(ttl=READ_TTL_SECONDS, show_spinner=False)
def _testbed_outcomes(url: str, _actor: Actor) -> pd.DataFrame:
    with read_session(engine()) as s:
        return outcome_figures.testbeds(session=s, actor=_actor)


def testbed_sales(url: str, actor: Actor, testbed_id: int) -> pd.DataFrame:
    """One testbed's sales, oldest first."""
    _refused_unless(actor, OUTCOME_READERS, "testbed.read", "outcome")
    return _testbed_sales(url, testbed_id, _actor=actor)


@st.cache_data(ttl=READ_TTL_SECONDS, show_spinner=False)
def _testbed_sales(url: str, testbed_id: int, _actor: Actor) -> pd.DataFrame:
    with read_session(engine()) as s:
        return outcome_figures.testbed_sales(session=s, actor=_actor, testbed_id=testbed_id)


def adoption_outcomes(url: str, actor: Actor) -> pd.DataFrame:
    """Approved adoptions with their contract totals and evaluation."""
    _refused_unless(actor, OUTCOME_READERS, "outcome.read", "outcome")
    return _adoption_outcomes(url, _actor=actor)


@st.cache_data(ttl=CHOICES_TTL_SECONDS, show_spinner=False)
def _adoption_outcomes(url: str, _actor: Actor) -> pd.DataFrame:
    with read_session(engine()) as s:
        return outcome_figures.adoption_outcomes(session=s, actor=_actor)


# --- the inbox: what awaits the signed-in user (every page's sidebar) ---------------------------

INBOX_TTL_SECONDS = 30  # short: a decision taken elsewhere leaves the list within half a minute


def inbox(url: str, actor: Actor, today: dt.date) -> tuple[inbox_reads.InboxItem, ...]:
    """What waits for ``actor`` (:func:`db.inbox.awaiting`, which reads only the kinds of the
    actor's roles and checks each), cached per user: the key is the user and their roles."""
    return _inbox(url, actor.id, tuple(sorted(actor.roles)), today, _actor=actor)


@st.cache_data(ttl=INBOX_TTL_SECONDS, show_spinner=False, max_entries=1024)
def _inbox(
    url: str, user_id: int | None, roles: tuple[str, ...], today: dt.date, _actor: Actor
) -> tuple[inbox_reads.InboxItem, ...]:
    with read_session(engine()) as s:
        return tuple(inbox_reads.awaiting(_actor, session=s, today=today))


# --- charts: a UI computation, cached here with the rest ---------------------------------------


@st.cache_data(ttl=READ_TTL_SECONDS, show_spinner=False, max_entries=256)
def chart_spec(
    name: str,
    lang: str,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    _make: Callable[[], dict[str, Any]],
) -> dict[str, Any]:
    """The Vega-Lite specification of a chart (``_make()`` builds it from ``args`` and
    ``kwargs``, whose frames the caller passes as their :func:`frame_key`; ``name`` and
    ``lang`` key the builder and the language its texts are in). It reads nothing from the
    database: it is cached because Altair validates a whole chart against the Vega-Lite
    schema on every conversion (components.charts.show)."""
    return _make()


def frame_key(value: T) -> T | tuple[str, str]:
    """``value`` as a cache key's argument: a DataFrame or Series replaced by a digest of
    everything in it (column names, types, index and values: numbers and times as their
    bytes, others as their ``repr``), others as they are.

    Streamlit hashes a frame argument with ``pandas.util.hash_pandas_object``: about 3 ms for
    a 60-row frame, against a tenth of that for this digest; on every rerun, for every chart
    and file of a page (a profile of 32 sessions: 7% of the server's CPU). Two frames with
    the same digest show the same chart and file; a value without a stable ``repr`` only
    makes a new entry."""
    if isinstance(value, pd.Series):
        kind, columns = "Series", [(value.name, value)]
    elif isinstance(value, pd.DataFrame):
        kind, columns = "DataFrame", [(c, value.iloc[:, i]) for i, c in enumerate(value.columns)]
    else:
        return value
    h = hashlib.blake2b(kind.encode())
    h.update(_values_bytes(value.index))
    for name, column in columns:
        h.update(repr((name, _dtype_key(column.dtype), len(column))).encode())
        h.update(_values_bytes(column))
    return (kind, h.hexdigest())


def _values_bytes(values: pd.Series | pd.Index) -> bytes:
    array = values.to_numpy()
    if array.dtype.kind in "biufcmM":  # numbers, booleans, times: their bytes, exactly
        return repr((str(array.dtype), array.shape)).encode() + array.tobytes()
    return repr(values.tolist()).encode()


def _dtype_key(dtype: object) -> object:
    if isinstance(dtype, pd.CategoricalDtype):  # (its categories' order sorts a chart)
        return ("category", dtype.categories.tolist(), dtype.ordered)
    return str(dtype)
