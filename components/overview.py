"""The mayor's-office overview, in parts: filters kept in the URL, tiles with deltas and
drill-down links, trends, pipeline, breakdowns, downloads and the briefing.

``pages/overview.py`` calls these in order; each part reads through ``components.data``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import partial

import pandas as pd
import streamlit as st

from components import data
from components.briefing import build_briefing
from components.charts import breakdown_chart, pipeline_chart, show, trend_chart
from components.export import download_buttons, to_csv, to_xlsx
from components.i18n import (
    N_,
    _,
    current_language,
    fmt_date,
    fmt_datetime,
    fmt_int,
    translate_in,
)
from components.labels import LABELS, label
from components.navigation import pages_for
from db import clock
from db.kpi.headline import ALL_TECHNOLOGIES, Headline, TechFilter
from db.kpi.overview import month_start
from db.policy import Actor

FIRST_DAY = dt.date(2018, 1, 1)
PERIODS = {"month": 30, "quarter": 91, "year": 365}
PERIOD_NAMES = {
    "month": N_("30 days"),
    "quarter": N_("3 months"),
    "year": N_("12 months"),
}
LOCAL_CHOICES = {"all": None, "local": True, "external": False}
ALL_SECTORS, ALL_FIELDS = N_("All sectors"), N_("All fields")
LOCAL_NAMES = {
    "all": N_("Local and external"),
    "local": N_("Local only"),
    "external": N_("External only"),
}


@dataclass(frozen=True)
class Filters:
    as_of: dt.date
    period: str = "year"
    tech: TechFilter = ALL_TECHNOLOGIES

    def query(self) -> dict[str, str]:
        """The filters as URL query parameters (defaults left out)."""
        q = {"as_of": self.as_of.isoformat()}
        if self.period != "year":
            q["period"] = self.period
        if self.tech.sector:
            q["sector"] = self.tech.sector
        if self.tech.field:
            q["field"] = self.tech.field
        if self.tech.local is not None:
            q["local"] = "1" if self.tech.local else "0"
        return q


def parse_query(params: Mapping[str, str]) -> tuple[Filters, list[str]]:
    """Filters from URL parameters, and a notice per parameter that was ignored."""
    ignored: list[str] = []
    as_of = clock.city_today()
    if raw := params.get("as_of"):
        try:
            as_of = min(max(dt.date.fromisoformat(raw), FIRST_DAY), clock.city_today())
        except ValueError:
            ignored.append("as_of")
    period = params.get("period", "year")
    if period not in PERIODS:
        ignored.append("period")
        period = "year"
    url = data.database_url()
    sector = params.get("sector")
    if sector is not None and sector not in data.vocabulary(url, "sectors"):
        ignored.append("sector")
        sector = None
    field = params.get("field")
    if field is not None and field not in data.vocabulary(url, "fields"):
        ignored.append("field")
        field = None
    local = {"1": True, "0": False}.get(params.get("local", ""))
    if "local" in params and params["local"] not in ("0", "1"):
        ignored.append("local")
    return Filters(as_of, period, TechFilter(sector, field, local)), ignored


SELECT_KEYS = ("period", "sector", "field", "local")
ALL = "all"


def _index(key: str, options: list, value: object) -> int | None:
    """The URL's choice for a select box the first time; afterwards the widget's own state
    (handed back below), so its shown text follows a language switch."""
    return None if key in st.session_state else options.index(value)


def filter_bar(initial: Filters) -> Filters:
    """The filter widgets, prefilled from the URL; writes the choice back to the URL."""
    # Select boxes keep their shown text in the browser; handing the value back makes
    # them redraw it in the current language after a language switch.
    for key in SELECT_KEYS:
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]
    c1, c2, c3, c4, c5 = st.columns([1.1, 1.1, 1.3, 1.3, 1.1])
    as_of = c1.date_input(
        _("As of"),
        value=initial.as_of,
        min_value=FIRST_DAY,
        max_value=clock.city_today(),
        key="as_of",
        format="YYYY-MM-DD",
    )
    period = c2.selectbox(
        _("Change over"),
        list(PERIODS),
        index=_index("period", list(PERIODS), initial.period),
        format_func=lambda p: _(PERIOD_NAMES[p]),
        key="period",
    )
    # "all" rather than None for "no filter": None is a select box's empty state.
    sectors = [ALL, *data.vocabulary(data.database_url(), "sectors")]
    fields = [ALL, *data.vocabulary(data.database_url(), "fields")]
    sector = c3.selectbox(
        _("Growth sector"),
        sectors,
        index=_index("sector", sectors, initial.tech.sector or ALL),
        format_func=lambda s: _("All sectors") if s == ALL else label("growth_sector", s),
        key="sector",
    )
    field = c4.selectbox(
        _("Technical field"),
        fields,
        index=_index("field", fields, initial.tech.field or ALL),
        format_func=lambda f: _("All fields") if f == ALL else label("field", f),
        key="field",
    )
    local_key = {None: "all", True: "local", False: "external"}[initial.tech.local]
    local = c5.selectbox(
        _("Origin"),
        list(LOCAL_CHOICES),
        index=_index("local", list(LOCAL_CHOICES), local_key),
        format_func=lambda k: _(LOCAL_NAMES[k]),
        key="local",
    )
    chosen = Filters(
        as_of or initial.as_of,
        period or initial.period,
        TechFilter(
            None if sector in (ALL, None) else sector,
            None if field in (ALL, None) else field,
            LOCAL_CHOICES[local or "all"],
        ),
    )
    if dict(st.query_params) != chosen.query():
        st.query_params.from_dict(chosen.query())
    return chosen


def filters_in(lang: str, f: Filters) -> str:
    """The technology filters in words, in ``lang``."""
    parts = [
        # (a code the catalogue does not label, e.g. another city's sector, reads as its code)
        "All sectors"
        if f.tech.sector is None
        else LABELS["growth_sector"].get(f.tech.sector, f.tech.sector),
        "All fields" if f.tech.field is None else LABELS["field"].get(f.tech.field, f.tech.field),
        LOCAL_NAMES[{None: "all", True: "local", False: "external"}[f.tech.local]],
    ]
    return " · ".join(translate_in(lang, p) for p in parts)


@dataclass(frozen=True)
class Figure:
    """One tile: its name (msgid), value, change, register link, and kind of record."""

    name: str
    value: int
    delta: int
    entity: str
    help: str | None = None
    register: str | None = None  # pages/<x>.py that lists the records behind it
    params: Mapping[str, str] | None = None
    behind: str | None = None  # records_behind figure shown inline when no register exists
    series: str | None = None  # trend series for the sparkline


def figures(f: Filters, now: Headline, before: Headline) -> list[Figure]:
    split = ", ".join(
        f"{label('affiliation', a)} {fmt_int(now.experts_by_affiliation.get(a, 0))}"
        for a in ("public", "industry", "academia", "other")
    )
    stages = ", ".join(
        f"{label('testbed_stage', s)} {fmt_int(n)}"
        for s, n in sorted(now.testbeds_by_stage.items())
    )
    agreements = ", ".join(
        f"{label('agreement_status', s)} {fmt_int(n)}"
        for s, n in sorted(now.agreements_by_status.items())
    )
    tech_q = {k: v for k, v in f.query().items() if k in ("as_of", "sector", "field", "local")}
    as_of_q = {"as_of": f.as_of.isoformat()}
    return [
        Figure(
            N_("Experts registered"),
            now.experts,
            now.experts - before.experts,
            "expert",
            split,
            "pages/experts.py",
            as_of_q,
            series="experts",
        ),
        Figure(
            N_("Technologies registered"),
            now.technologies,
            now.technologies - before.technologies,
            "technology",
            _("Local: {n}", n=fmt_int(now.technologies_local))
            + " · "
            + _("External: {n}", n=fmt_int(now.technologies - now.technologies_local)),
            "pages/technologies.py",
            tech_q,
            series="registrations",
        ),
        Figure(
            N_("Deliberation meetings held"),
            now.meetings,
            now.meetings - before.meetings,
            "meeting",
            behind="meetings",
            series="meetings",
        ),
        Figure(
            N_("Technologies adopted"),
            now.adopted,
            now.adopted - before.adopted,
            "adoption",
            None,
            "pages/adoptions.py",
            tech_q,
            series="adoptions",
        ),
        Figure(
            N_("Testbeds"),
            now.testbeds,
            now.testbeds - before.testbeds,
            "testbed",
            stages or None,
            behind="testbeds",
        ),
        Figure(
            N_("Inter-city inquiries"),
            now.inquiries,
            now.inquiries - before.inquiries,
            "inquiry",
            None,
            "pages/inquiries.py",
            as_of_q,
            series="inquiries",
        ),
        Figure(
            N_("Agreements"),
            now.agreements,
            now.agreements - before.agreements,
            "agreement",
            agreements or None,
            "pages/agreements.py",
            as_of_q,
            behind="agreements",
        ),
    ]


def tiles(
    actor: Actor, items: list[Figure], monthly: pd.DataFrame, changed: Mapping[str, dt.datetime]
) -> None:
    """KPI tiles with change, sparkline of the last 12 months, last change and drill-down."""
    allowed = {p.path for p in pages_for(actor.roles)}
    by_series = {k: list(g["count"].tail(12)) for k, g in monthly.groupby("series", sort=False)}
    for start in range(0, len(items), 4):
        cols = st.columns(4)
        for col, fig in zip(cols, items[start : start + 4], strict=False):
            with col:
                spark = None
                if fig.series is not None:
                    spark = by_series.get(fig.series, [])
                st.metric(
                    _(fig.name),
                    fmt_int(fig.value),
                    delta=fmt_int(fig.delta) if fig.delta else None,
                    help=fig.help,
                    border=True,
                    chart_data=spark,
                    chart_type="bar",
                )
                when = changed.get(fig.entity)
                if when is not None:
                    st.caption(_("Last changed {when}", when=fmt_datetime(when)))
                if fig.register and fig.register in allowed:
                    st.page_link(
                        fig.register,
                        label=_("Open the list"),
                        icon=":material/list:",
                        query_params=dict(fig.params or {}),
                    )
                elif fig.behind:
                    with st.popover(_("Records"), icon=":material/list:"):
                        records_table(fig.behind, fig)


def records_table(figure: str, fig: Figure) -> None:
    as_of = st.session_state["as_of"]
    basename = f"ntp-{figure}-{as_of}"
    df, shown, files = _records(data.database_url(), figure, as_of, current_language(), basename)
    if df.empty:
        st.info(_("No records stand behind this figure on that date."))
        return
    st.caption(_("{n} records", n=fmt_int(len(df))))
    st.dataframe(shown, hide_index=True, width="stretch")
    # The Excel file is built when it is asked for: three popovers of up to 500 rows each
    # cost ~200 ms of openpyxl on every cold overview, for a file few people download.
    excel = partial(to_xlsx, df, sheet=basename)
    download_buttons(df, basename, key=f"dl_{figure}", files=(files, excel) if files else None)


@st.cache_data(ttl=data.READ_TTL_SECONDS, show_spinner=False)
def _records(
    url: str, figure: str, as_of: dt.date, lang: str, basename: str
) -> tuple[pd.DataFrame, pd.DataFrame, bytes | None]:
    """The records behind ``figure`` (at most 500), as shown in ``lang`` and as CSV; built
    once per figure, date and language rather than on every rerun."""
    df = data.records_behind(url, figure, as_of)
    if df.empty:
        return df, df, None
    shown = df.copy()

    def labelled(column: pd.Series, kind: str) -> pd.Series:
        known = {v: label(kind, v) for v in column.dropna().unique()}
        return column.map(lambda v: known[v] if v in known else label(kind, v))

    if "kind" in shown:
        kinds = "meeting_kind" if figure == "meetings" else "agreement_kind"
        shown["kind"] = labelled(shown["kind"], kinds)
    if "stage" in shown:
        shown["stage"] = labelled(shown["stage"], "testbed_stage")
    if "status" in shown:
        shown["status"] = labelled(shown["status"], "agreement_status")
    return df, shown, to_csv(df)


# The overview's files are small (the records behind a figure are capped at 500 rows), so
# Streamlit hashes their every cell: a file is rebuilt whenever a value, a column name (the
# language) or the sheet name differs.
FILES_CACHE_MAX_ROWS = 20_000


@st.cache_data(ttl=data.READ_TTL_SECONDS, show_spinner=False, max_entries=64)
def _files(df: pd.DataFrame, columns: tuple[str, ...], sheet: str) -> tuple[bytes, bytes]:
    return to_csv(df), to_xlsx(df, sheet=sheet)


def _download(df: pd.DataFrame, basename: str, *, key: str) -> None:
    """The CSV and Excel buttons of ``df``; the files are built once, not on every rerun."""
    files = None
    if not df.empty and len(df) <= FILES_CACHE_MAX_ROWS:
        files = _files(df, tuple(str(c) for c in df.columns), basename)
    download_buttons(df, basename, key=key, files=files)


def trends(monthly: pd.DataFrame) -> None:
    st.subheader(_("Trends by month"))
    if monthly["count"].sum() == 0:
        st.info(_("Nothing happened in these months; choose a later date to see trends."))
        return
    show(trend_chart, monthly)


def pipeline(stages: Mapping[str, int], durations: Mapping[str, float | None]) -> None:
    left, right = st.columns([3, 2])
    with left:
        st.subheader(_("Pipeline from registration to adoption"))
        if sum(stages.values()) == 0:
            st.info(_("No technology had been submitted by that date."))
        else:
            show(pipeline_chart, dict(stages))
    with right:
        st.subheader(_("Median time per stage"))
        st.dataframe(
            pd.DataFrame(
                {
                    _("Stage"): [label("duration_stage", s) for s in durations],
                    _("Days"): [None if d is None else float(d) for d in durations.values()],
                }
            ),
            hide_index=True,
            width="stretch",
        )
        st.caption(_("Medians over the transitions completed by the chosen date."))


def breakdowns(by_sector: pd.DataFrame, by_field: pd.DataFrame, now: Headline) -> None:
    parts = (
        (_("By growth sector"), by_sector, "growth_sector", _("Growth sector")),
        (_("By technical field"), by_field, "field", _("Technical field")),
    )
    for column, (heading, frame, kind, title) in zip(st.columns(2), parts, strict=True):
        with column:
            st.subheader(heading)
            if frame.empty:
                st.info(_("No registered technology matches these filters on that date."))
            else:
                show(breakdown_chart, frame, kind=kind, title=title)
    reg_local = int(by_sector["registered_local"].sum()) if not by_sector.empty else 0
    ad_local = int(by_sector["adopted_local"].sum()) if not by_sector.empty else 0
    ad_total = int(by_sector["adopted"].sum()) if not by_sector.empty else 0
    c1, c2 = st.columns(2)
    c1.metric(
        _("Local firms' share of registrations"), _percent(reg_local, now.technologies), border=True
    )
    c2.metric(_("Local firms' share of adoptions"), _percent(ad_local, ad_total), border=True)


def _percent(part: int, whole: int) -> str:
    return "-" if whole == 0 else f"{100 * part / whole:.1f}%"


def figures_frame(f: Filters, items: list[Figure]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            _("Figure"): [_(i.name) for i in items],
            _("Value"): [i.value for i in items],
            _("Change over {period}", period=_(PERIOD_NAMES[f.period])): [i.delta for i in items],
            _("As of"): [f.as_of.isoformat()] * len(items),
        }
    )


def downloads(
    f: Filters,
    items: list[Figure],
    monthly: pd.DataFrame,
    now: Headline,
    stages: Mapping[str, int],
    durations: Mapping[str, float | None],
) -> None:
    st.subheader(_("Downloads"))
    c1, c2, c3 = st.columns(3)
    with c1:
        st.caption(_("Headline figures"))
        _download(figures_frame(f, items), f"ntp-figures-{f.as_of}", key="dl_figures")
    with c2:
        st.caption(_("Trends by month"))
        wide = monthly.pivot(index="month", columns="series", values="count").reset_index()
        wide.columns = [_("Month") if c == "month" else label("series", c) for c in wide.columns]
        _download(wide, f"ntp-trends-{f.as_of}", key="dl_trends")
    with c3:
        st.caption(_("Printable briefing (A4; open and print)"))
        lang = st.radio(
            _("Language"),
            ["ko", "en"],
            horizontal=True,
            key="briefing_lang",
            index=["ko", "en"].index(current_language()),
            format_func={"ko": "한국어", "en": "English"}.__getitem__,
        )
        produced = clock.city_now()
        body = build_briefing(
            lang=lang,
            as_of=f.as_of,
            produced_at=produced,
            period_label=translate_in(
                lang, "Change over {period}", period=translate_in(lang, PERIOD_NAMES[f.period])
            ),
            figures=[(i.name, i.value, i.delta) for i in items],
            headline=now,
            pipeline=stages,
            durations=durations,
            filters_text=filters_in(lang, f),
        )
        st.download_button(
            _("Download briefing"),
            body,
            file_name=f"ntp-briefing-{f.as_of}-{lang}.html",
            mime="text/html",
            icon=":material/print:",
            key="dl_briefing",
        )


def earlier(f: Filters) -> Filters:
    """The same view at the start of the comparison period."""
    return replace(f, as_of=max(f.as_of - dt.timedelta(days=PERIODS[f.period]), FIRST_DAY))


def trend_window(f: Filters) -> tuple[dt.date, dt.date]:
    """The 24 months up to the as-of date."""
    return month_start(f.as_of, 23), f.as_of


def produced_caption(f: Filters) -> None:
    st.caption(
        _(
            "As of {date} · {filters} · produced {when}",
            date=fmt_date(f.as_of),
            filters=filters_in(current_language(), f),
            when=fmt_datetime(clock.now_utc()),
        )
    )
