"""UI of inter-city work: the analysis of inquiries (by kind of body, by region, over time,
waiting too long), the staff forms for inquiries (log, follow-up, status step, edit) and the
agreements page (list, what each produced, staff forms).

Pages stay thin: they read through the cached readers below (the page guard has checked the
role before any of them is called) and hand the results here. Every write goes through
``components.data.write`` into ``db.intercity``, which checks the role and the rules again;
a refusal comes back as a ``DomainError`` and is shown as sentences, field problems under
their field, with "nothing was saved". Forms submit through callbacks, so the outcome is
kept for the rerun and a saved form comes back empty. Text from the database is shown in
data grids or ``st.text``, never as HTML.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from components import data
from components.charts import FONT, show
from components.export import EXPORT_LIMIT, files_on_request
from components.forms import error_text
from components.i18n import (
    N_,
    _,
    current_language,
    fmt_date,
    fmt_datetime,
    fmt_int,
    md_date,
)
from components.korea_map import short_name, tile_map
from components.labels import label
from components.registers import escape_markdown
from db import clock, domain, policy, summaries
from db import intercity as ic
from db.errors import DomainError, ValidationFailed
from db.intercity import analysis as q
from db.policy import Actor
from db.session import read_session

TTL = data.READ_TTL_SECONDS
OPEN_INQUIRY = "reg_inquiries_id"  # the inquiries register's open record (session state)
CHART_AGREEMENTS_MAX = 40  # bars in the terms chart (one row each)
PAGE_SIZE = 50  # rows of a list (agreements, overdue inquiries) per page
OPEN_AGREEMENT = "ic_ag_open"  # the agreement opened on the agreements page (?id=)


def may_write(actor: Actor) -> bool:
    return actor.has(*policy.STAFF)


# --- cached readers (the page guard checks the role before any is called) -------------------


# Aggregates and the agreements' rows are stored summaries (``db.summaries.intercity``:
# computed once per data version, shared by every reader role, no personal data), so a cold
# process reads a row instead of counting every inquiry and agreement again.


def _stored(read: str, **params: Any) -> Any:
    with read_session(data.engine()) as s:
        return summaries.intercity(s, summaries.data_version(s), read, **params)


@st.cache_data(ttl=TTL, show_spinner=False)
def summary(url: str, as_of: dt.date, days: int) -> dict[str, int]:
    figures: dict[str, int] = _stored("inquiry_summary", as_of=as_of, overdue_days=days)
    return figures


@st.cache_data(ttl=TTL, show_spinner=False)
def by_kind(url: str, as_of: dt.date) -> pd.DataFrame:
    frame: pd.DataFrame = _stored("inquiries_by_kind", as_of=as_of)
    return frame


@st.cache_data(ttl=TTL, show_spinner=False)
def by_region(url: str, as_of: dt.date) -> tuple[pd.DataFrame, pd.DataFrame]:
    return _stored("inquiries_by_region", as_of=as_of), _stored("inquiries_abroad", as_of=as_of)


@st.cache_data(ttl=TTL, show_spinner=False)
def over_time(url: str, as_of: dt.date, period: str) -> pd.DataFrame:
    frame: pd.DataFrame = _stored("inquiries_over_time", as_of=as_of, period=period)
    return frame


@st.cache_data(ttl=TTL, show_spinner=False)
def overdue(
    url: str, as_of: dt.date, days: int, offset: int, limit: int, total: int
) -> pd.DataFrame:
    """A page of the overdue inquiries (``total`` from :func:`summary`; not stored: the rows
    hold contact names)."""
    with read_session(data.engine()) as s:
        return q.overdue(
            session=s, as_of=as_of, days=days, offset=offset, limit=limit, total=total
        )[0]


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=8)
def overdue_export(url: str, as_of: dt.date, days: int, lang: str) -> tuple[pd.DataFrame, int]:
    """Every overdue inquiry (up to ``EXPORT_LIMIT``) as the files show it, and how many
    there are; built when the user asks for the files."""
    with read_session(data.engine()) as s:
        df, total = q.overdue(session=s, as_of=as_of, days=days, limit=EXPORT_LIMIT)
    return overdue_frame(df), total


@st.cache_data(ttl=TTL, show_spinner=False)
def organizations(url: str) -> pd.DataFrame:
    with read_session(data.engine()) as s:
        return q.organizations(session=s)


@st.cache_data(ttl=TTL, show_spinner=False)
def agreement_counts(
    url: str, as_of: dt.date | None, status: str | None, kind: str | None
) -> dict[str, int]:
    counts: dict[str, int] = _stored("agreement_counts", as_of=as_of, status=status, kind=kind)
    return counts


@st.cache_data(ttl=TTL, show_spinner=False)
def agreements(
    url: str, as_of: dt.date | None, status: str | None, kind: str | None, offset: int, limit: int
) -> pd.DataFrame:
    """A page of agreements (newest plan first)."""
    frame: pd.DataFrame = _stored(
        "agreements", as_of=as_of, status=status, kind=kind, offset=offset, limit=limit
    )
    return frame


@st.cache_data(ttl=TTL, show_spinner=False)
def agreement(url: str, agreement_id: int, as_of: dt.date | None) -> dict[str, Any] | None:
    """One agreement as the list shows it (planned by ``as_of``), None when there is none."""
    with read_session(data.engine()) as s:
        df = q.agreements(session=s, as_of=as_of, agreement_id=agreement_id)
    return None if df.empty else df.iloc[0].to_dict()


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=8)
def agreements_export(
    url: str, as_of: dt.date | None, status: str | None, kind: str | None, lang: str
) -> pd.DataFrame:
    """Every agreement of the filters (up to ``EXPORT_LIMIT``) as the files show it; built
    when the user asks for the files."""
    with read_session(data.engine()) as s:
        df = q.agreements(session=s, as_of=as_of, status=status, kind=kind, limit=EXPORT_LIMIT)
    return agreements_frame(df)


@st.cache_data(ttl=TTL, show_spinner=False)
def agreement_products(url: str, agreement_id: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    with read_session(data.engine()) as s:
        return q.agreement_products(session=s, agreement_id=agreement_id)


@st.cache_data(ttl=60, show_spinner=False)
def link_candidates(url: str, agreement_id: int, kind: str) -> pd.DataFrame:
    with read_session(data.engine()) as s:
        return q.link_candidates(session=s, agreement_id=agreement_id, kind=kind)


# --- small helpers ---------------------------------------------------------------------------


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT


def _date(value: Any) -> str:
    if _missing(value):
        return ""
    if isinstance(value, pd.Timestamp):
        value = value.date()
    return fmt_date(value)


def _name(row: Any, ko: str, en: str) -> str:
    """A name in the reader's language (Korean when there is no English)."""
    english = row.get(en)
    if current_language() == "en" and not _missing(english) and english:
        return str(english)
    korean = row.get(ko)
    return "" if _missing(korean) else str(korean)


def _region(row: Any) -> str:
    region = row.get("region")
    if _missing(region) or not region:
        country = row.get("country")
        return _("Abroad") + (f" ({country})" if country and not _missing(country) else "")
    return label("region", str(region))


def _configure(chart: Any) -> Any:
    return chart.configure_axis(labelFont=FONT, titleFont=FONT).configure_legend(
        labelFont=FONT, titleFont=FONT, orient="bottom"
    )


# --- long lists: pages of 50, files built when asked for ---------------------------------------


def _page(key: str, signature: Any, total: int) -> int:
    """The offset of the list's current page (session key ``key``); back to the first page
    when ``signature`` (the list's filters) changed, the last when it is beyond the end."""
    pages = max(1, math.ceil(total / PAGE_SIZE))
    if st.session_state.get(f"{key}_sig") != signature:
        st.session_state[f"{key}_sig"] = signature
        st.session_state[key] = 1
    page = min(max(1, int(st.session_state.get(key) or 1)), pages)
    st.session_state[key] = page
    return (page - 1) * PAGE_SIZE


def _step(key: str, delta: int, pages: int) -> None:
    st.session_state[key] = min(max(1, int(st.session_state.get(key) or 1) + delta), pages)


def _jump(key: str) -> None:
    st.session_state[key] = int(st.session_state[f"{key}_jump"])


def _pager(key: str, total: int) -> None:
    """Previous / page number / Next under a list longer than a page."""
    pages = max(1, math.ceil(total / PAGE_SIZE))
    if pages == 1:
        return
    page = int(st.session_state.get(key) or 1)
    first, last = (page - 1) * PAGE_SIZE + 1, min(page * PAGE_SIZE, total)
    left, middle, right = st.columns([1, 2, 1], vertical_alignment="bottom")
    with left:
        st.button(
            _("Previous"),
            key=f"{key}_prev",
            disabled=page <= 1,
            on_click=_step,
            args=(key, -1, pages),
            icon=":material/chevron_left:",
            width="stretch",
        )
    with middle:
        st.session_state[f"{key}_jump"] = page
        st.number_input(
            _(
                "Page {page} of {pages} (records {first}-{last})",
                page=fmt_int(page),
                pages=fmt_int(pages),
                first=fmt_int(first),
                last=fmt_int(last),
            ),
            min_value=1,
            max_value=pages,
            step=1,
            key=f"{key}_jump",
            on_change=_jump,
            args=(key,),
        )
    with right:
        st.button(
            _("Next"),
            key=f"{key}_next",
            disabled=page >= pages,
            on_click=_step,
            args=(key, 1, pages),
            icon=":material/chevron_right:",
            icon_position="right",
            width="stretch",
        )


# --- flash and per-field errors (kept in the session for the rerun after a callback) --------

FLASH = "ic_flash"


def _flash(kind: str, text: str) -> None:
    st.session_state[FLASH] = (kind, text)


def show_flash() -> None:
    """The outcome of the last write, once (at the top of the page)."""
    kind, text = st.session_state.pop(FLASH, (None, None))
    if text:
        {"success": st.success, "error": st.error, "warning": st.warning}.get(kind, st.info)(text)


def _errors(form: str) -> dict[str, str]:
    errors: dict[str, str] = st.session_state.get(f"ic_errors_{form}", {})
    return errors


def _field_error(form: str, name: str) -> None:
    problem = _errors(form).get(name)
    if problem:
        st.error(_(problem), icon=":material/error:")


def _generation(form: str) -> int:
    return int(st.session_state.get(f"ic_gen_{form}", 0))


def _k(form: str, name: str) -> str:
    """Widget key of ``name`` in ``form``; a new generation after each save empties it, and
    a language switch draws new widgets (a select box keeps its shown text otherwise)."""
    suffix = "" if current_language() == "en" else f"_{current_language()}"
    return f"ic_{form}_{name}_{_generation(form)}{suffix}"


def _v(form: str, name: str) -> Any:
    return st.session_state.get(_k(form, name))


def _submit(
    form: str,
    shown: Sequence[str],
    write: Callable[[], Any],
    success: Callable[[Any], str],
    confirm: str | None = None,
) -> Callable[[], None]:
    """The submit callback: write; on success flash ``success(result)`` and empty the form;
    on a refusal keep the field problems for their fields and say that nothing was saved.
    ``confirm``: a checkbox (name in ``form``) that must be ticked first."""

    def run() -> None:
        if confirm is not None and not _v(form, confirm):
            st.session_state[f"ic_errors_{form}"] = {
                confirm: N_("Tick the box to confirm this step. Nothing was saved.")
            }
            _flash("warning", _("Tick the confirmation first. Nothing was saved."))
            return
        try:
            result = write()
        except DomainError as exc:
            problems = exc.errors if isinstance(exc, ValidationFailed) else {}
            st.session_state[f"ic_errors_{form}"] = problems
            lines = [error_text(exc)]  # names and titles from the database shown as typed
            lines += [_(p) for f, p in problems.items() if f not in shown]
            _flash("error", "\n\n".join(lines))
            return
        st.session_state.pop(f"ic_errors_{form}", None)
        st.session_state[f"ic_gen_{form}"] = _generation(form) + 1
        _flash("success", success(result))

    return run


def _text(value: Any) -> str:
    return "" if _missing(value) else str(value)


# --- organisation picker (existing body or a new one) ---------------------------------------

NEW_ORG_FIELDS = ("org_name_ko", "org_name_en", "org_kind", "org_region", "org_country")


def _org_picker(
    form: str, orgs: pd.DataFrame, field: str, title: str, current: int | None = None
) -> None:
    by_id = {int(r["id"]): r for r in orgs.to_dict("records")}

    def fmt(org_id: int) -> str:
        r = by_id.get(int(org_id))
        if r is None:
            return "-"
        return f"{_name(r, 'name_ko', 'name_en')} · {label('org_kind', r['kind'])}"

    options = list(by_id)
    url = data.database_url()
    asking = data.vocabulary_with(url, "organisation_kinds", "inquires")
    st.selectbox(
        title,
        options,
        index=options.index(current) if current in by_id else None,
        format_func=fmt,
        placeholder=_("Choose a body, or enter a new one below"),
        key=_k(form, field),
    )
    _field_error(form, field)
    with st.container(border=True):
        st.markdown("**" + _("A body not in the list yet") + "**")
        st.caption(_("Used only when no body is chosen above."))
        left, right = st.columns(2)
        with left:
            st.text_input(_("Body's name in Korean"), max_chars=200, key=_k(form, "org_name_ko"))
            _field_error(form, "org_name_ko")
            st.selectbox(
                _("Kind of body"),
                [
                    k
                    for k in data.vocabulary(url, "organisation_kinds", offered=True)
                    if k in asking
                ],
                index=None,
                format_func=lambda c: label("org_kind", c),
                placeholder=_("Choose"),
                key=_k(form, "org_kind"),
            )
            _field_error(form, "org_kind")
            st.text_input(
                _("Country (two letters)"),
                value="KR",
                max_chars=2,
                key=_k(form, "org_country"),
                help=_("KR for Korean bodies; e.g. JP or US for a foreign city."),
            )
            _field_error(form, "org_country")
        with right:
            st.text_input(_("Body's name in English"), max_chars=200, key=_k(form, "org_name_en"))
            _field_error(form, "org_name_en")
            st.selectbox(
                _("Region"),
                list(domain.REGIONS),
                index=None,
                format_func=lambda c: label("region", c),
                placeholder=_("None (abroad)"),
                key=_k(form, "org_region"),
            )
            _field_error(form, "org_region")


def _new_org(form: str) -> ic.NewOrganization | None:
    name = (_v(form, "org_name_ko") or "").strip()
    if not name:
        return None
    return ic.NewOrganization(
        name_ko=name,
        name_en=_v(form, "org_name_en") or "",
        kind=_v(form, "org_kind") or "",
        region=_v(form, "org_region"),
        country=_v(form, "org_country") or "",
    )


# === inquiries: analysis =======================================================================


def analysis(url: str, as_of: dt.date, as_of_chosen: bool) -> None:
    """Tiles, then tabs: by kind of body, by region, over time, waiting for an answer."""
    st.header(_("Who asks, from where, and what came of it"))
    left, _right = st.columns([1, 3])
    with left:
        days = overdue_days_setting()
    st.caption(
        _("Inquiries received by {day}, each with its status on that day.", day=md_date(as_of))
        + (
            ""
            if as_of_chosen
            else " " + _("Choose a date in “Received on or before” below to look back.")
        )
    )
    figures = summary(url, as_of, days)
    if figures["received"] == 0:
        st.info(
            _(
                "No inquiry had been received by this date, so there is nothing to analyse "
                "yet. Staff log inquiries with the form below; choose a later date to see more."
            ),
            icon=":material/info:",
        )
        return
    reached = {
        "answered": figures["now_answered"]
        + figures["now_visit_held"]
        + figures["now_benchmarked"],
        "visit_held": figures["now_visit_held"] + figures["now_benchmarked"],
        "benchmarked": figures["now_benchmarked"],
    }
    cols = st.columns(5)
    tiles = (
        (_("Inquiries"), figures["received"], _("Received on or before the date.")),
        (_("Bodies that asked"), figures["bodies"], None),
        (_("Answered"), reached["answered"], _("Answered by the date, whatever came next.")),
        (_("Benchmarked"), reached["benchmarked"], _("The body adopted the scheme.")),
        (
            _("Waiting over {n} days", n=fmt_int(days)),
            figures["overdue"],
            _("Not answered by the date, received more than {n} days before.", n=fmt_int(days)),
        ),
    )
    for col, (name, value, help_text) in zip(cols, tiles, strict=True):
        with col:
            st.metric(name, fmt_int(value), help=help_text, border=True)
    tabs = st.tabs(
        [_("By kind of body"), _("By region"), _("Over time"), _("Waiting for an answer")]
    )
    with tabs[0]:
        _kind_chart(by_kind(url, as_of))
    with tabs[1]:
        regions, abroad = by_region(url, as_of)
        _region_view(regions, abroad)
    with tabs[2]:
        _time_view(url, as_of)
    with tabs[3]:
        _overdue_view(url, as_of, days)


def _kind_bars(df: pd.DataFrame) -> alt.Chart:
    """Inquiries per kind of body, coloured by status (built once per data and language)."""
    shown = df.assign(
        body=df["kind"].map(lambda k: label("org_kind", k)),
        outcome=df["status"].map(lambda s: label("inquiry_status", s)),
    )
    totals = shown.groupby("body")["n"].sum().sort_values(ascending=False)
    order = [label("inquiry_status", s) for s in domain.INQUIRY_STATUSES]
    chart = (
        alt.Chart(shown)
        .mark_bar()
        .encode(
            y=alt.Y("body:N", title=None, sort=list(totals.index), axis=alt.Axis(labelLimit=200)),
            x=alt.X("n:Q", title=_("Inquiries"), axis=alt.Axis(tickMinStep=1, format="d")),
            color=alt.Color(
                "outcome:N",
                title=_("Status"),
                sort=order,
                scale=alt.Scale(domain=order, scheme="tealblues"),
            ),
            tooltip=[
                alt.Tooltip("body:N", title=_("Kind of body")),
                alt.Tooltip("outcome:N", title=_("Status")),
                alt.Tooltip("n:Q", title=_("Inquiries"), format=","),
            ],
        )
        .properties(height=alt.Step(30))
    )
    return _configure(chart)


def _kind_chart(df: pd.DataFrame) -> None:
    st.caption(_("How many inquiries each kind of body sent, coloured by what came of them."))
    shown = df.assign(
        body=df["kind"].map(lambda k: label("org_kind", k)),
        outcome=df["status"].map(lambda s: label("inquiry_status", s)),
    )
    totals = shown.groupby("body")["n"].sum().sort_values(ascending=False)
    order = [label("inquiry_status", s) for s in domain.INQUIRY_STATUSES]
    show(_kind_bars, df)
    table = (
        shown.pivot_table(index="body", columns="outcome", values="n", aggfunc="sum", fill_value=0)
        .reindex(columns=[c for c in order if c in set(shown["outcome"])])
        .reindex(list(totals.index))
    )
    table.insert(0, _("Inquiries"), totals)
    table.index.name = _("Kind of body")
    st.dataframe(table.reset_index(), hide_index=True, width="stretch")


def _region_bars(bars: pd.DataFrame) -> alt.Chart:
    """Inquiries per region, abroad last (built once per data and language)."""
    chart = (
        alt.Chart(bars)
        .mark_bar()
        .encode(
            y=alt.Y("name:N", title=None, sort=list(bars["name"]), axis=alt.Axis(labelLimit=200)),
            x=alt.X("inquiries:Q", title=_("Inquiries"), axis=alt.Axis(tickMinStep=1, format="d")),
            color=alt.condition(
                f"datum.region == '{q.ABROAD}'", alt.value("#b45309"), alt.value("#1f77b4")
            ),
            tooltip=[
                alt.Tooltip("name:N", title=_("Region")),
                alt.Tooltip("inquiries:Q", title=_("Inquiries"), format=","),
            ],
        )
        .properties(height=max(120, 28 * len(bars)))
    )
    return _configure(chart)


def _region_view(regions: pd.DataFrame, abroad: pd.DataFrame) -> None:
    st.caption(
        _(
            "Where the asking bodies are: one square per metropolitan or provincial "
            "government, darker for more inquiries; bodies abroad are counted separately."
        )
    )
    korea = regions[regions["region"] != q.ABROAD]
    abroad_total = int(regions.loc[regions["region"] == q.ABROAD, "inquiries"].sum())
    left, right = st.columns([2, 3])
    with left:
        st.vega_lite_chart(
            tile_map(korea, value="inquiries", title=_("Inquiries"), region_title=_("Region")),
            width="content",
        )
    with right:
        st.markdown("**" + _("Inquiries by region, most first") + "**")
        bars = korea.assign(name=korea["region"].map(lambda r: label("region", r)))
        bars = bars[bars["inquiries"] > 0].sort_values(
            ["inquiries", "name"], ascending=[False, True]
        )
        if abroad_total:
            bars = pd.concat(
                [
                    bars,
                    pd.DataFrame(
                        [{"name": _("Abroad"), "inquiries": abroad_total, "region": q.ABROAD}]
                    ),
                ]
            )
        show(_region_bars, bars)
        silent = [short_name(r) for r in korea.loc[korea["inquiries"] == 0, "region"]]
        if silent:
            st.caption(_("No inquiry yet from: {regions}", regions=", ".join(silent)))
        if not abroad.empty:
            st.caption(
                _("Abroad, by country: {countries}").format(
                    countries=", ".join(
                        f"{c} {fmt_int(n)}" for c, n in abroad.itertuples(index=False)
                    )
                )
            )


def _time_bars(df: pd.DataFrame, long: pd.DataFrame, period: str) -> alt.Chart:
    """Received and benchmarked inquiries per period (built once per data and language)."""
    names = {"received": _("Received"), "benchmarked": _("Of these, benchmarked by the date")}
    # Benchmarked inquiries are a part of those received: drawn over them, not beside them.
    chart = (
        alt.Chart(long)
        .mark_bar()
        .encode(
            x=alt.X(
                "period:O",
                title=_("Month") if period == "month" else _("Quarter"),
                sort=list(df["period"]),
                axis=alt.Axis(labelAngle=-45, labelOverlap=True),
            ),
            y=alt.Y(
                "n:Q",
                title=_("Inquiries"),
                stack=None,
                axis=alt.Axis(tickMinStep=1, format="d"),
            ),
            color=alt.Color(
                "what:N",
                title=None,
                sort=list(names.values()),
                scale=alt.Scale(domain=list(names.values()), range=["#9ecae1", "#08519c"]),
                legend=alt.Legend(labelLimit=400),
            ),
            order=alt.Order("rank:Q"),
            tooltip=[
                alt.Tooltip("period:O", title=_("Period")),
                alt.Tooltip("what:N", title=_("Series")),
                alt.Tooltip("n:Q", title=_("Inquiries"), format=","),
            ],
        )
        .properties(height=300)
    )
    return _configure(chart)


def _time_view(url: str, as_of: dt.date) -> None:
    period = st.radio(
        _("Per"),
        list(q.PERIODS),
        format_func=lambda p: {"month": _("Month"), "quarter": _("Quarter")}[p],
        index=1,
        horizontal=True,
        key="ic_period",
    )
    df = over_time(url, as_of, period)
    if df.empty:
        st.info(_("No inquiry had been received by this date."))
        return
    names = {"received": _("Received"), "benchmarked": _("Of these, benchmarked by the date")}
    long = df.melt(
        id_vars=["period"], value_vars=["received", "benchmarked"], var_name="what", value_name="n"
    )
    long["rank"] = (long["what"] == "benchmarked").astype(int)
    long["what"] = long["what"].map(names)
    show(_time_bars, df, long, period)


OVERDUE_COLUMNS = (
    ("received_on", N_("Received")),
    ("days_waiting", N_("Days waiting")),
    ("org", N_("Asking body")),
    ("org_kind", N_("Kind of body")),
    ("region", N_("Region")),
    ("channel", N_("Channel")),
    ("topic", N_("Topic")),
    ("contact_name", N_("Contact")),
    ("followups", N_("Follow-ups")),
    ("last_followup_on", N_("Last follow-up")),
)


def overdue_frame(df: pd.DataFrame) -> pd.DataFrame:
    """The overdue list with translated headers and labels (for the grid and the files)."""
    records = df.to_dict("records")
    shown = {
        "received_on": [r["received_on"] for r in records],
        "days_waiting": [int(r["days_waiting"]) for r in records],
        "org": [_name(r, "org_ko", "org_en") for r in records],
        "org_kind": [label("org_kind", r["org_kind"]) for r in records],
        "region": [_region(r) for r in records],
        "channel": [label("inquiry_channel", r["channel"]) for r in records],
        "topic": [_text(r["topic"]) for r in records],
        "contact_name": [_text(r["contact_name"]) for r in records],
        "followups": [int(r["followups"]) for r in records],
        "last_followup_on": [
            None if _missing(r["last_followup_on"]) else r["last_followup_on"] for r in records
        ],
    }
    out = pd.DataFrame({_(h): pd.Series(shown[k], dtype=object) for k, h in OVERDUE_COLUMNS})
    out.insert(0, _("Record number"), [int(r["id"]) for r in records])
    return out


def _overdue_view(url: str, as_of: dt.date, days: int) -> None:
    st.caption(
        _(
            "Inquiries not answered by {day} that were received more than {n} days before; "
            "longest waiting first. Change the number of days with “Waiting longer than” above.",
            day=md_date(as_of),
            n=fmt_int(days),
        )
    )
    total = summary(url, as_of, days)["overdue"]
    if total == 0:
        st.success(
            _(
                "No inquiry had been waiting for an answer longer than {n} days on {day}.",
                n=fmt_int(days),
                day=md_date(as_of),
            ),
            icon=":material/task_alt:",
        )
        return
    st.markdown("**" + _("{n} inquiries waiting", n=fmt_int(total)) + "**")
    key = "ic_overdue_page"
    offset = _page(key, (as_of, days), total)
    df = overdue(url, as_of, days, offset, PAGE_SIZE, total)
    shown = overdue_frame(df)
    ids = [int(i) for i in df["id"]]
    table = f"ic_overdue_table_{offset}"

    def opened() -> None:
        chosen = st.session_state[table].selection.rows
        if chosen and chosen[0] < len(ids):
            # The register's open record (components.registers keeps it under this key).
            st.session_state[OPEN_INQUIRY] = ids[chosen[0]]

    st.dataframe(
        shown,
        hide_index=True,
        width="stretch",
        column_config={
            _("Received"): st.column_config.DateColumn(format="YYYY-MM-DD"),
            _("Last follow-up"): st.column_config.DateColumn(format="YYYY-MM-DD"),
        },
        key=table,
        on_select=opened,
        selection_mode="single-row",
    )
    st.caption(_("Select a row to open the inquiry under the filters below."))
    _pager(key, total)
    files_on_request(
        "ic_overdue",
        (as_of, days),
        total,
        lambda: overdue_export(url, as_of, days, current_language())[0],
        f"inquiries-overdue-{as_of.isoformat()}",
    )


# === inquiries: staff forms ====================================================================


def log_form(url: str, actor: Actor) -> None:
    """Log an inquiry (staff): date, asking body (existing or new), channel, topic, contact,
    note."""
    form = "log"
    orgs = organizations(url)
    with (
        st.expander(
            _("Log an inquiry"), icon=":material/add_comment:", expanded=bool(_errors(form))
        ),
        st.form(f"ic_form_{form}"),
    ):
        left, right = st.columns(2)
        with left:
            st.date_input(
                _("Received on"),
                value=None,
                max_value=clock.city_today(),
                format="YYYY-MM-DD",
                key=_k(form, "received_on"),
            )
            _field_error(form, "received_on")
        with right:
            st.selectbox(
                _("Channel"),
                list(domain.INQUIRY_CHANNELS),
                index=None,
                format_func=lambda c: label("inquiry_channel", c),
                placeholder=_("Choose"),
                key=_k(form, "channel"),
            )
            _field_error(form, "channel")
        _org_picker(form, orgs, "org_id", _("Asking body"))
        st.text_input(_("Topic"), max_chars=300, key=_k(form, "topic"))
        _field_error(form, "topic")
        st.text_input(_("Contact (name and title)"), max_chars=100, key=_k(form, "contact_name"))
        _field_error(form, "contact_name")
        st.text_area(_("Note"), max_chars=4000, key=_k(form, "note"))
        _field_error(form, "note")

        def write() -> int:
            return data.write(
                ic.log_inquiry,
                actor=actor,
                received_on=_v(form, "received_on"),
                channel=_v(form, "channel") or "",
                topic=_v(form, "topic") or "",
                org_id=_v(form, "org_id"),
                new_org=_new_org(form),
                contact_name=_v(form, "contact_name"),
                note=_v(form, "note"),
            )

        st.form_submit_button(
            _("Log the inquiry"),
            type="primary",
            on_click=_submit(
                form,
                (
                    "received_on",
                    "channel",
                    "org_id",
                    "topic",
                    "contact_name",
                    "note",
                    *NEW_ORG_FIELDS,
                ),
                write,
                lambda new_id: _("Inquiry {id} was logged as received.", id=new_id),
            ),
        )


def staff_actions(url: str, actor: Actor, inquiry_id: int) -> None:
    """The open inquiry's staff forms: next status step, follow-up, correction."""
    record = data.read(q.inquiry_for_edit, inquiry_id=inquiry_id)
    if record is None:
        return
    st.markdown("**" + _("Work on inquiry {id}", id=inquiry_id) + "**")
    if record["changed_by"]:
        st.caption(
            _(
                "Last changed by {who} at {when}.",
                who=escape_markdown(str(record["changed_by"])),
                when=fmt_datetime(record["changed_at"]),
            )
        )
    steps, followup, edit = st.tabs([_("Status"), _("Follow-up"), _("Correct")])
    with steps:
        _step_form(actor, record)
    with followup:
        _followup_form(actor, record)
    with edit:
        _edit_form(url, actor, record)


def _step_form(actor: Actor, record: dict[str, Any]) -> None:
    status = str(record["status"])
    dates = [
        (s, record[c])
        for s, c in (
            ("received", "received_on"),
            ("answered", "answered_on"),
            ("visit_held", "visit_on"),
            ("benchmarked", "benchmarked_on"),
        )
    ]
    st.caption(
        " → ".join(
            f"{label('inquiry_status', s)} {_date(d)}" if d else label("inquiry_status", s)
            for s, d in dates
        )
    )
    nexts = ic.NEXT.get(status, ())
    if not nexts:
        st.info(
            _("This inquiry is benchmarked: the body adopted the scheme. No further step."),
            icon=":material/verified:",
        )
        return
    form = f"step_{record['id']}"
    with st.form(f"ic_form_{form}"):
        st.radio(
            _("Next step"),
            list(nexts),
            format_func=lambda s: label("inquiry_status", s),
            horizontal=True,
            key=_k(form, "to"),
        )
        _field_error(form, "status")
        st.date_input(
            _("Date of the step"),
            value=None,
            max_value=clock.city_today(),
            format="YYYY-MM-DD",
            key=_k(form, "on"),
        )
        _field_error(form, "on")
        st.checkbox(
            _("I confirm this step. It cannot be undone; “benchmarked” is final."),
            key=_k(form, "confirm"),
        )
        _field_error(form, "confirm")

        def write() -> str:
            to = _v(form, "to") or nexts[0]
            data.write(
                ic.move_inquiry,
                actor=actor,
                inquiry_id=int(record["id"]),
                to=to,
                on=_v(form, "on"),
                expected=status,
            )
            return to

        st.form_submit_button(
            _("Save the step"),
            type="primary",
            on_click=_submit(
                form,
                ("status", "on"),
                write,
                lambda to: _(
                    "Inquiry {id} is now: {status}.",
                    id=record["id"],
                    status=label("inquiry_status", to),
                ),
                confirm="confirm",
            ),
        )


def _followup_form(actor: Actor, record: dict[str, Any]) -> None:
    form = f"followup_{record['id']}"
    with st.form(f"ic_form_{form}"):
        st.date_input(
            _("Date"),
            value=None,
            max_value=clock.city_today(),
            format="YYYY-MM-DD",
            key=_k(form, "on"),
        )
        _field_error(form, "followed_on")
        st.text_area(_("What happened"), max_chars=4000, key=_k(form, "note"))
        _field_error(form, "note")

        def write() -> int:
            return data.write(
                ic.add_followup,
                actor=actor,
                inquiry_id=int(record["id"]),
                followed_on=_v(form, "on"),
                note=_v(form, "note") or "",
            )

        st.form_submit_button(
            _("Add the follow-up"),
            type="primary",
            on_click=_submit(
                form,
                ("followed_on", "note"),
                write,
                lambda _id: _("The follow-up was added to inquiry {id}.", id=record["id"]),
            ),
        )


def _edit_form(url: str, actor: Actor, record: dict[str, Any]) -> None:
    form = f"edit_{record['id']}_{record['version']}"
    orgs = organizations(url)
    with st.form(f"ic_form_{form}"):
        left, right = st.columns(2)
        with left:
            st.date_input(
                _("Received on"),
                value=record["received_on"],
                max_value=max(clock.city_today(), record["received_on"]),
                format="YYYY-MM-DD",
                key=_k(form, "received_on"),
            )
            _field_error(form, "received_on")
        with right:
            channels = list(domain.INQUIRY_CHANNELS)
            st.selectbox(
                _("Channel"),
                channels,
                index=channels.index(record["channel"]),
                format_func=lambda c: label("inquiry_channel", c),
                key=_k(form, "channel"),
            )
            _field_error(form, "channel")
        _org_picker(form, orgs, "org_id", _("Asking body"), current=int(record["org_id"]))
        st.text_input(_("Topic"), value=record["topic"], max_chars=300, key=_k(form, "topic"))
        _field_error(form, "topic")
        st.text_input(
            _("Contact (name and title)"),
            value=record["contact_name"] or "",
            max_chars=100,
            key=_k(form, "contact_name"),
        )
        _field_error(form, "contact_name")
        st.text_area(_("Note"), value=record["note"] or "", max_chars=4000, key=_k(form, "note"))
        _field_error(form, "note")

        def write() -> int:
            return data.write(
                ic.edit_inquiry,
                actor=actor,
                inquiry_id=int(record["id"]),
                version=int(record["version"]),
                received_on=_v(form, "received_on"),
                channel=_v(form, "channel") or "",
                topic=_v(form, "topic") or "",
                org_id=_v(form, "org_id"),
                new_org=_new_org(form),
                contact_name=_v(form, "contact_name"),
                note=_v(form, "note"),
            )

        st.form_submit_button(
            _("Save the correction"),
            on_click=_submit(
                form,
                (
                    "received_on",
                    "channel",
                    "org_id",
                    "topic",
                    "contact_name",
                    "note",
                    *NEW_ORG_FIELDS,
                ),
                write,
                lambda _v2: _("Inquiry {id} was corrected.", id=record["id"]),
            ),
        )


# === agreements ================================================================================

AGREEMENT_COLUMNS = (
    ("partner", N_("Partner")),
    ("partner_kind", N_("Kind of partner")),
    ("region", N_("Region")),
    ("kind", N_("Kind")),
    ("title", N_("Agreement title")),
    ("status_then", N_("Status")),
    ("planned_on", N_("Planned")),
    ("signed_on", N_("Signed")),
    ("starts_on", N_("Starts")),
    ("ends_on", N_("Ends")),
    ("adoptions", N_("Adoptions")),
    ("adopted", N_("Of these approved")),
    ("testbeds", N_("Testbeds")),
    ("scope", N_("Scope")),
)


def agreements_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Agreements with translated headers and labels (for the grid and the files)."""
    records = df.to_dict("records")
    values = {
        "partner": [_name(r, "partner_ko", "partner_en") for r in records],
        "partner_kind": [label("org_kind", r["partner_kind"]) for r in records],
        "region": [_region(r) for r in records],
        "kind": [label("agreement_kind", r["kind"]) for r in records],
        "title": [_name(r, "title_ko", "title_en") for r in records],
        "status_then": [label("agreement_status", r["status_then"]) for r in records],
        "planned_on": [r["planned_on"] for r in records],
        "signed_on": [None if _missing(r["signed_on"]) else r["signed_on"] for r in records],
        "starts_on": [None if _missing(r["starts_on"]) else r["starts_on"] for r in records],
        "ends_on": [None if _missing(r["ends_on"]) else r["ends_on"] for r in records],
        "adoptions": [int(r["adoptions"]) for r in records],
        "adopted": [int(r["adopted"]) for r in records],
        "testbeds": [int(r["testbeds"]) for r in records],
        "scope": [_text(r["scope"]) for r in records],
    }
    out = pd.DataFrame({_(h): pd.Series(values[k], dtype=object) for k, h in AGREEMENT_COLUMNS})
    out.insert(0, _("Record number"), [int(r["id"]) for r in records])
    return out


def agreement_tiles(counts: dict[str, int], as_of: dt.date | None) -> None:
    """How many agreements, by status (on ``as_of`` when chosen), and what they produced
    (``counts``: :func:`agreement_counts`)."""
    if as_of is not None:
        st.caption(
            _("Agreements planned by {day}, each with its status on that day.", day=md_date(as_of))
        )
    items = [(_("Agreements"), counts["total"])]
    items += [(label("agreement_status", s), counts[s]) for s in domain.AGREEMENT_STATUSES]
    items.append((_("Produced"), counts["produced"]))
    for col, (name, value) in zip(st.columns(len(items)), items, strict=True):
        with col:
            st.metric(
                name,
                fmt_int(value),
                border=True,
                help=_("Adoptions and testbeds linked to these agreements.")
                if name == _("Produced")
                else None,
            )


class AgreementView:
    """The agreements page's filters (from the widgets, kept in the URL)."""

    def __init__(
        self, as_of: dt.date | None, status: str | None, kind: str | None, record: int | None
    ) -> None:
        self.as_of, self.status, self.kind, self.record = as_of, status, kind, record


def agreement_filters() -> AgreementView:
    """Filter bar: as-of date, status, kind; prefilled from ``?as_of=&status=&kind=`` when
    the URL changed from outside (e.g. the overview's tile), written back to the URL."""
    params = {k: str(v) for k, v in st.query_params.to_dict().items()}
    if params != st.session_state.get("ic_ag_synced"):
        try:
            day: dt.date | None = dt.date.fromisoformat(params.get("as_of", ""))
        except ValueError:
            day = None
        st.session_state["ic_ag_as_of"] = day
        status = params.get("status")
        st.session_state["ic_ag_status"] = status if status in domain.AGREEMENT_STATUSES else ""
        kind = params.get("kind")
        st.session_state["ic_ag_kind"] = kind if kind in domain.AGREEMENT_KINDS else ""
        raw = params.get("id", "")
        st.session_state[OPEN_AGREEMENT] = int(raw) if raw.isdigit() and len(raw) < 10 else None
    for key in ("ic_ag_status", "ic_ag_kind"):  # keep the shown text in the chosen language
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]
    with st.container(border=True):
        cols = st.columns(3)
        with cols[0]:
            st.date_input(
                _("Status on (date)"),
                value=None,
                min_value=dt.date(2000, 1, 1),
                max_value=dt.date(2100, 12, 31),
                format="YYYY-MM-DD",
                key="ic_ag_as_of",
                help=_("Agreements planned by that date, with their status then; empty: today."),
            )
        with cols[1]:
            st.selectbox(
                _("Status"),
                ["", *domain.AGREEMENT_STATUSES],
                format_func=lambda c: label("agreement_status", c) if c else _("All"),
                key="ic_ag_status",
            )
        with cols[2]:
            st.selectbox(
                _("Kind"),
                ["", *domain.AGREEMENT_KINDS],
                format_func=lambda c: label("agreement_kind", c) if c else _("All"),
                key="ic_ag_kind",
            )
    view = AgreementView(
        st.session_state.get("ic_ag_as_of"),
        st.session_state.get("ic_ag_status") or None,
        st.session_state.get("ic_ag_kind") or None,
        st.session_state.get(OPEN_AGREEMENT),
    )
    wanted = {
        k: v
        for k, v in (
            ("as_of", view.as_of.isoformat() if view.as_of else None),
            ("status", view.status),
            ("kind", view.kind),
            ("id", str(view.record) if view.record else None),
        )
        if v
    }
    if wanted != params:
        st.query_params.from_dict(wanted)
    st.session_state["ic_ag_synced"] = wanted
    return view


def _partner_bars(chart_df: pd.DataFrame) -> alt.Chart:
    """The agreements' terms as bars (built once per data and language)."""
    order = [label("agreement_status", s) for s in domain.AGREEMENT_STATUSES]
    chart = (
        alt.Chart(chart_df)
        .mark_bar(cornerRadius=3)
        .encode(
            y=alt.Y(
                "agreement:N",
                title=None,
                sort=list(chart_df["agreement"]),
                axis=alt.Axis(labelLimit=260),
            ),
            x=alt.X("start:T", title=_("Term"), axis=alt.Axis(format="%Y", tickCount="year")),
            x2="end:T",
            color=alt.Color(
                "status:N",
                title=_("Status"),
                sort=order,
                scale=alt.Scale(domain=order, range=["#9ca3af", "#60a5fa", "#16a34a", "#d6d3d1"]),
            ),
            tooltip=[
                alt.Tooltip("agreement:N", title=_("Partner")),
                alt.Tooltip("kind:N", title=_("Kind")),
                alt.Tooltip("status:N", title=_("Status")),
                alt.Tooltip("start:T", title=_("From"), format="%Y-%m-%d"),
                alt.Tooltip("end:T", title=_("To"), format="%Y-%m-%d"),
                alt.Tooltip("adoptions:Q", title=_("Adoptions")),
                alt.Tooltip("testbeds:Q", title=_("Testbeds")),
            ],
        )
        .properties(height=alt.Step(24))
    )
    return _configure(chart)


def partner_chart(df: pd.DataFrame, total: int) -> None:
    """Each agreement's term as a bar (from signing, or planning, to its end or today),
    coloured by status, with what it produced in the tooltip. ``df``: the first page of
    agreements (newest plans first); ``total``: how many match the filters."""
    if df.empty:
        return
    st.subheader(_("Partners and terms"))
    now = clock.city_today()
    recs = df.head(CHART_AGREEMENTS_MAX).to_dict("records")  # newest plans first
    if total > CHART_AGREEMENTS_MAX:
        st.caption(
            _(
                "The {shown} most recently planned of {n} agreements; narrow the list with "
                "the filters above to see others.",
                shown=fmt_int(CHART_AGREEMENTS_MAX),
                n=fmt_int(total),
            )
        )
    rows = []
    for r in recs:
        start = r["signed_on"] if not _missing(r["signed_on"]) else r["planned_on"]
        end = r["ends_on"] if not _missing(r["ends_on"]) else max(now, start)
        rows.append(
            {
                "agreement": f"{_name(r, 'partner_ko', 'partner_en')} ({int(r['id'])})",
                "start": pd.Timestamp(start),
                "end": pd.Timestamp(end),
                "status": label("agreement_status", r["status_then"]),
                "kind": label("agreement_kind", r["kind"]),
                "adoptions": int(r["adoptions"]),
                "testbeds": int(r["testbeds"]),
            }
        )
    show(_partner_bars, pd.DataFrame(rows))
    st.caption(
        _(
            "Bars run from the signing (or, for a planned agreement, the plan) to the end of "
            "the term; an open term runs to today."
        )
    )


def agreements_table(url: str, view: AgreementView, counts: dict[str, int]) -> pd.DataFrame | None:
    """The agreements grid, a page of 50 (select a row to open it), its pager and the
    files of every agreement of the filters (built when asked for). Returns the first page
    (for the chart), None when nothing matches."""
    total = counts["total"]
    if total == 0:
        st.info(
            _(
                "No agreement matches. Agreements appear here once staff record them "
                "(planned, signed, active or expired); clear a filter or choose a later date."
            ),
            icon=":material/handshake:",
        )
        return None
    filters = (view.as_of, view.status, view.kind)
    key = "ic_ag_page"
    offset = _page(key, filters, total)
    df = agreements(url, *filters, offset, PAGE_SIZE)
    shown = agreements_frame(df)
    date_cols = {
        _(h): st.column_config.DateColumn(format="YYYY-MM-DD")
        for k, h in AGREEMENT_COLUMNS
        if k.endswith("_on")
    }
    ids = [int(i) for i in df["id"]]
    table = f"ic_agreements_table_{offset}"

    def opened() -> None:
        chosen = st.session_state[table].selection.rows
        if chosen and chosen[0] < len(ids):
            st.session_state[OPEN_AGREEMENT] = ids[chosen[0]]

    st.dataframe(
        shown,
        hide_index=True,
        width="stretch",
        column_config=date_cols,
        on_select=opened,
        selection_mode="single-row",
        key=table,
    )
    st.caption(_("Select a row to see what the agreement produced."))
    _pager(key, total)
    stamp = view.as_of.isoformat() if view.as_of else "current"
    files_on_request(
        "ic_agreements",
        filters,
        total,
        lambda: agreements_export(url, *filters, current_language()),
        f"agreements-{stamp}",
    )
    return df if offset == 0 else agreements(url, *filters, 0, PAGE_SIZE)


def _close_agreement() -> None:
    st.session_state[OPEN_AGREEMENT] = None


def _products(adoptions: pd.DataFrame, testbeds: pd.DataFrame) -> None:
    st.markdown(
        "**" + _("Adoptions through this agreement ({n})", n=fmt_int(len(adoptions))) + "**"
    )
    if adoptions.empty:
        st.caption(_("No adoption is linked to this agreement."))
    else:
        recs = adoptions.to_dict("records")
        st.dataframe(
            pd.DataFrame(
                {
                    _("Registration number"): [r["reg_no"] for r in recs],
                    _("Technology"): [_name(r, "title_ko", "title_en") for r in recs],
                    _("Project"): [r["project_name"] for r in recs],
                    _("Department"): [r["department"] for r in recs],
                    _("Year"): [int(r["year"]) for r in recs],
                    _("Status"): [label("adoption_status", r["status"]) for r in recs],
                    _("Approved"): [_date(r["approved_on"]) for r in recs],
                }
            ),
            hide_index=True,
            width="stretch",
        )
    st.markdown("**" + _("Testbeds under this agreement ({n})", n=fmt_int(len(testbeds))) + "**")
    if testbeds.empty:
        st.caption(_("No testbed is linked to this agreement."))
    else:
        recs = testbeds.to_dict("records")
        st.dataframe(
            pd.DataFrame(
                {
                    _("Registration number"): [r["reg_no"] for r in recs],
                    _("Technology"): [_name(r, "title_ko", "title_en") for r in recs],
                    _("Site"): [_text(r["site"]) for r in recs],
                    _("Status"): [label("testbed_stage", r["status"]) for r in recs],
                    _("Applied"): [_date(r["applied_on"]) for r in recs],
                    _("Certification"): [
                        ""
                        if _missing(r["certification"])
                        else label("certification", r["certification"])
                        for r in recs
                    ],
                }
            ),
            hide_index=True,
            width="stretch",
        )


def agreement_card(url: str, actor: Actor, agreement_id: int, as_of: dt.date | None) -> None:
    """One agreement: its fields (as text), what it produced; for staff the edit and link
    forms. A number that names no agreement (on ``as_of``) is said so."""
    row = agreement(url, agreement_id, as_of)
    if row is None:
        st.info(
            _("There is no agreement with the record number {id} on this date.", id=agreement_id),
            icon=":material/link_off:",
        )
        return
    with st.container(border=True):
        head, close = st.columns([5, 1])
        with head:
            st.subheader(escape_markdown(_name(row, "title_ko", "title_en")))
        with close:
            st.button(
                _("Close"),
                key="ic_ag_close",
                on_click=_close_agreement,
                icon=":material/close:",
                width="stretch",
            )
        cols = st.columns(3)
        fields = (
            (_("Partner"), _name(row, "partner_ko", "partner_en")),
            (_("Kind"), label("agreement_kind", row["kind"])),
            (_("Status"), label("agreement_status", row["status_then"])),
            (_("Planned"), _date(row["planned_on"])),
            (_("Signed"), _date(row["signed_on"]) or "-"),
            (_("Term"), (_date(row["starts_on"]) or "-") + " – " + (_date(row["ends_on"]) or "-")),
        )
        for i, (name, value) in enumerate(fields):
            with cols[i % 3]:
                st.markdown(f"**{name}**")
                st.text(value)
        if _text(row.get("scope")):
            st.markdown("**" + _("Scope") + "**")
            st.text(_text(row["scope"]))
        adoptions, testbeds = agreement_products(url, agreement_id)
        _products(adoptions, testbeds)
        if may_write(actor):
            record = data.read(q.agreement_detail, agreement_id=agreement_id)
            if record is None:
                return
            if record["changed_by"]:
                st.caption(
                    _(
                        "Last changed by {who} at {when}.",
                        who=escape_markdown(str(record["changed_by"])),
                        when=fmt_datetime(record["changed_at"]),
                    )
                )
            edit, link = st.tabs([_("Correct or move on"), _("Link what it produced")])
            with edit:
                agreement_form(url, actor, record)
            with link:
                _link_forms(url, actor, record, adoptions, testbeds)


def agreement_form(url: str, actor: Actor, record: dict[str, Any] | None) -> None:
    """Record a new agreement (``record`` None) or change one (compare-and-set on its
    version)."""
    new = record is None
    r = record or {}
    form = "agreement_new" if new else f"agreement_{r['id']}_{r['version']}"
    orgs = organizations(url)
    with st.form(f"ic_form_{form}"):
        _org_picker(
            form,
            orgs,
            "partner_org_id",
            _("Partner"),
            current=None if new else int(r["partner_org_id"]),
        )
        left, right = st.columns(2)
        kinds, statuses = list(domain.AGREEMENT_KINDS), list(domain.AGREEMENT_STATUSES)
        with left:
            st.selectbox(
                _("Kind"),
                kinds,
                index=kinds.index(r["kind"]) if r else None,
                format_func=lambda c: label("agreement_kind", c),
                placeholder=_("Choose"),
                key=_k(form, "kind"),
            )
            _field_error(form, "kind")
        with right:
            st.selectbox(
                _("Status"),
                statuses,
                index=statuses.index(r["status"]) if r else 0,
                format_func=lambda c: label("agreement_status", c),
                key=_k(form, "status"),
                help=_(
                    "Signed needs the signing date; Active needs the start date (today or "
                    "earlier); Expired needs an end date before today."
                ),
            )
            _field_error(form, "status")
        st.text_input(
            _("Agreement title in Korean"),
            value=r.get("title_ko", ""),
            max_chars=300,
            key=_k(form, "title_ko"),
        )
        _field_error(form, "title_ko")
        st.text_input(
            _("Agreement title in English"),
            value=r.get("title_en", ""),
            max_chars=300,
            key=_k(form, "title_en"),
            help=_("Left empty, the Korean title is used."),
        )
        _field_error(form, "title_en")
        st.text_area(_("Scope"), value=r.get("scope") or "", max_chars=4000, key=_k(form, "scope"))
        _field_error(form, "scope")
        cols = st.columns(4)
        for col, (name, title) in zip(
            cols,
            (
                ("planned_on", _("Planned on")),
                ("signed_on", _("Signed on")),
                ("starts_on", _("Starts on")),
                ("ends_on", _("Ends on")),
            ),
            strict=True,
        ):
            with col:
                st.date_input(
                    title,
                    value=r.get(name),
                    min_value=dt.date(2000, 1, 1),
                    max_value=dt.date(2100, 12, 31),
                    format="YYYY-MM-DD",
                    key=_k(form, name),
                )
                _field_error(form, name)
        st.checkbox(
            _("I confirm the status and dates (an expired agreement produces nothing new)."),
            key=_k(form, "confirm"),
        )
        _field_error(form, "confirm")
        fields = dict(
            kind=lambda: _v(form, "kind") or "",
            status=lambda: _v(form, "status") or "",
            title_ko=lambda: _v(form, "title_ko") or "",
            title_en=lambda: _v(form, "title_en") or "",
            scope=lambda: _v(form, "scope"),
            planned_on=lambda: _v(form, "planned_on"),
            signed_on=lambda: _v(form, "signed_on"),
            starts_on=lambda: _v(form, "starts_on"),
            ends_on=lambda: _v(form, "ends_on"),
        )

        def write() -> int:
            values = {k: f() for k, f in fields.items()}
            if new:
                return data.write(
                    ic.create_agreement,
                    actor=actor,
                    partner_org_id=_v(form, "partner_org_id"),
                    new_partner=_new_org(form),
                    **values,
                )
            data.write(
                ic.edit_agreement,
                actor=actor,
                agreement_id=int(r["id"]),
                version=int(r["version"]),
                partner_org_id=_v(form, "partner_org_id"),
                new_partner=_new_org(form),
                **values,
            )
            return int(r["id"])

        shown = ("partner_org_id", *NEW_ORG_FIELDS, *fields)
        st.form_submit_button(
            _("Record the agreement") if new else _("Save the changes"),
            type="primary",
            on_click=_submit(
                form,
                shown,
                write,
                (lambda i: _("Agreement {id} was recorded.", id=i))
                if new
                else (lambda i: _("Agreement {id} was changed.", id=i)),
                confirm=None if new else "confirm",
            ),
        )


def _link_forms(
    url: str,
    actor: Actor,
    record: dict[str, Any],
    adoptions: pd.DataFrame,
    testbeds: pd.DataFrame,
) -> None:
    if record["signed_on"] is None:
        st.info(_("Only a signed agreement produces adoptions and testbeds; this one is planned."))
        return
    st.caption(
        _(
            "Link an adoption proposed, or a testbed applied for, while the agreement was in "
            "force (from its signing to its end)."
        )
    )
    for kind, linked, title in (
        ("adoption", adoptions, _("Adoption")),
        ("testbed", testbeds, _("Testbed")),
    ):
        form = f"link_{kind}_{record['id']}"
        candidates = link_candidates(url, int(record["id"]), kind)
        by_id = {int(c["id"]): c for c in candidates.to_dict("records")}
        by_id.update(
            {
                int(c["id"]): c | {"subject": c.get("project_name") or c.get("site")}
                for c in linked.to_dict("records")
            }
        )
        linked_ids = [int(i) for i in linked["id"]]

        def fmt(item: int, by_id: dict[int, Any] = by_id) -> str:
            c = by_id.get(int(item), {})
            title, subject = _name(c, "title_ko", "title_en"), _text(c.get("subject"))
            return f"{c.get('reg_no', '')} · {title} · {subject}"

        with st.form(f"ic_form_{form}"):
            st.selectbox(
                title,
                [i for i in by_id if i not in linked_ids] + linked_ids,
                index=None,
                format_func=fmt,
                placeholder=_("Choose"),
                key=_k(form, "item"),
            )
            st.radio(
                _("Action"),
                ["link", "unlink"],
                format_func=lambda a: {
                    "link": _("Link to this agreement"),
                    "unlink": _("Remove the link"),
                }[a],
                horizontal=True,
                key=_k(form, "action"),
            )

            def write(kind: str = kind, form: str = form) -> str:
                item = _v(form, "item")
                if item is None:
                    raise ValidationFailed({"item": N_("Choose a record.")})
                data.write(
                    ic.link_product,
                    actor=actor,
                    agreement_id=int(record["id"]),
                    kind=kind,
                    product_id=int(item),
                    linked=_v(form, "action") != "unlink",
                )
                return str(_v(form, "action"))

            st.form_submit_button(
                _("Save"),
                on_click=_submit(
                    form,
                    (),
                    write,
                    lambda a: (
                        _("The link was saved.") if a == "link" else _("The link was removed.")
                    ),
                ),
            )


# === settings kept in the URL ====================================================================

DAYS_PARAM = "overdue_days"


def overdue_days_setting() -> int:
    """The "waiting longer than N days" setting: a number input, kept in the URL as
    ``?overdue_days=N`` (left out when it is the default, 14). A link sets it."""
    key, synced = "ic_days", "ic_days_synced"
    raw = st.query_params.get(DAYS_PARAM)
    if raw != st.session_state.get(synced, "__unset__"):
        st.session_state[synced] = raw
        try:
            days = int(raw) if raw is not None else q.OVERDUE_DAYS_DEFAULT
        except ValueError:
            days = q.OVERDUE_DAYS_DEFAULT
        if not 0 <= days <= q.OVERDUE_DAYS_MAX:
            days = q.OVERDUE_DAYS_DEFAULT
        st.session_state[key] = days
    days = int(
        st.number_input(
            _("Waiting longer than (days)"),
            min_value=0,
            max_value=q.OVERDUE_DAYS_MAX,
            step=1,
            key=key,
            help=_(
                "An inquiry counts as waiting too long when it is not answered this many days "
                "after it was received."
            ),
        )
    )
    wanted = None if days == q.OVERDUE_DAYS_DEFAULT else str(days)
    if wanted != st.query_params.get(DAYS_PARAM):
        if wanted is None:
            del st.query_params[DAYS_PARAM]
        else:
            st.query_params[DAYS_PARAM] = wanted
    st.session_state[synced] = wanted
    return days
