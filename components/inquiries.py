"""The inquiries page's analysis: who asks (by kind of body), from where (a tile map of
Korea's regions, bodies abroad apart), over time, and which inquiries wait too long for an
answer (``?overdue_days=N``, a page of 50 with files of all of them on request).

The page guard has checked the role; figures come through ``components.data`` (stored
summaries) and the charts are built once per data and language (``components.charts.show``).
"""

from __future__ import annotations

import datetime as dt

import altair as alt
import pandas as pd
import streamlit as st

from components import data, lazy_tabs
from components.cells import missing, region_name, row_name, text
from components.charts import configure, rows, show
from components.export import EXPORT_LIMIT, files_on_request
from components.i18n import N_, _, current_language, fmt_int, md_date
from components.korea_map import short_name, tile_map
from components.labels import label, labeller
from components.pager import PAGE_SIZE, page_offset, pager
from components.tiles import Tile, tile_row
from components.url_state import must_sync
from db import domain
from db.intercity import analysis as q

OPEN_INQUIRY = "reg_inquiries_id"  # the inquiries register's open record (session state)
DAYS_PARAM = "overdue_days"
# The analysis' tabs draw only the open one (components.lazy_tabs): its charts and lists are
# built when their tab is opened. The "Per" choice of the time tab keeps its value while
# another tab is open (persist_state="page").
TABS_KEY = "ic_tabs"


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
    figures = data.inquiry_summary(url, as_of, days)
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
    tiles = [
        Tile(_("Inquiries"), figures["received"], _("Received on or before the date.")),
        Tile(_("Bodies that asked"), figures["bodies"]),
        Tile(_("Answered"), reached["answered"], _("Answered by the date, whatever came next.")),
        Tile(_("Benchmarked"), reached["benchmarked"], _("The body adopted the scheme.")),
        Tile(
            _("Waiting over {n} days", n=fmt_int(days)),
            figures["overdue"],
            _("Not answered by the date, received more than {n} days before.", n=fmt_int(days)),
        ),
    ]
    tile_row(tiles, per_row=len(tiles))
    lazy_tabs.draw_open(
        [_("By kind of body"), _("By region"), _("Over time"), _("Waiting for an answer")],
        TABS_KEY,
        [
            lambda: _kind_chart(data.inquiries_by_kind(url, as_of)),
            lambda: _region_view(*data.inquiries_by_region(url, as_of)),
            lambda: _time_view(url, as_of),
            lambda: _overdue_view(url, as_of, days),
        ],
    )


def _kind_bars(df: pd.DataFrame) -> alt.Chart:
    """Inquiries per kind of body, coloured by status (built once per data and language)."""
    shown = df.assign(
        body=df["kind"].map(labeller("org_kind")),
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
    )
    return configure(rows(chart, step=30))


def _kind_chart(df: pd.DataFrame) -> None:
    st.caption(_("How many inquiries each kind of body sent, coloured by what came of them."))
    shown = df.assign(
        body=df["kind"].map(labeller("org_kind")),
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
    st.dataframe(table.reset_index(), hide_index=True, width="stretch", placeholder="")


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
    )
    return configure(rows(chart))


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
    return configure(chart)


def _time_view(url: str, as_of: dt.date) -> None:
    period = st.radio(
        _("Per"),
        list(q.PERIODS),
        format_func=lambda p: {"month": _("Month"), "quarter": _("Quarter")}[p],
        index=1,
        horizontal=True,
        key="ic_period",
        persist_state="page",
    )
    df = data.inquiries_over_time(url, as_of, period)
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
    kind_name = labeller("org_kind")
    shown = {
        "received_on": [r["received_on"] for r in records],
        "days_waiting": [int(r["days_waiting"]) for r in records],
        "org": [row_name(r, "org_ko", "org_en") for r in records],
        "org_kind": [kind_name(r["org_kind"]) for r in records],
        "region": [region_name(r.get("region"), r.get("country")) for r in records],
        "channel": [label("inquiry_channel", r["channel"]) for r in records],
        "topic": [text(r["topic"]) for r in records],
        "contact_name": [text(r["contact_name"]) for r in records],
        "followups": [int(r["followups"]) for r in records],
        "last_followup_on": [
            None if missing(r["last_followup_on"]) else r["last_followup_on"] for r in records
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
    total = data.inquiry_summary(url, as_of, days)["overdue"]
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
    offset = page_offset(key, (as_of, days), total)
    df = data.overdue_inquiries(url, as_of, days, offset, PAGE_SIZE, total)
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
        placeholder="",
    )
    st.caption(_("Select a row to open the inquiry under the filters below."))
    pager(key, total)
    files_on_request(
        "ic_overdue",
        (as_of, days),
        total,
        lambda: data.overdue_inquiries_export(
            url, as_of, days, EXPORT_LIMIT, current_language(), overdue_frame
        )[0],
        f"inquiries-overdue-{as_of.isoformat()}",
    )


def overdue_days_setting() -> int:
    """The "waiting longer than N days" setting: a number input, kept in the URL as
    ``?overdue_days=N`` (left out when it is the default, 14). A link sets it."""
    key, synced = "ic_days", "ic_days_synced"
    raw = st.query_params.get(DAYS_PARAM)
    if must_sync(raw, synced, [key]):
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
