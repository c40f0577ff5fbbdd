"""The mayor's-office overview, in parts: tiles with deltas, sparklines and drill-down links,
trends, pipeline, breakdowns, downloads and the briefing (its filters are in
``components.overview_filters``).

``pages/overview.py`` calls these in order; each part reads through ``components.data``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial

import pandas as pd
import streamlit as st

from components import city, data
from components.briefing import build_briefing
from components.charts import breakdown_chart, pipeline_html, show, trend_svg
from components.export import download_buttons, to_csv, to_xlsx
from components.i18n import (
    N_,
    _,
    current_language,
    fmt_date,
    fmt_datetime,
    fmt_int,
    md_date,
    translate_in,
)
from components.labels import label
from components.navigation import pages_for
from components.overview_filters import PERIOD_NAMES, Filters, filters_in
from components.tiles import Bars, Tile, tile_row
from db import clock
from db.kpi.headline import ALL_TECHNOLOGIES, Headline
from db.policy import Actor
from db.publications import FIGURE_KEYS, Publication, headline_of


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
    counts: str = ""  # msgid with {date}: what the figure counts, said on its card
    narrowed: bool = False  # the technology filters (sector, field, origin) apply to it


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
            counts=N_("Experts in the pool on {date}: registered by then, not retired."),
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
            counts=N_(
                "Technologies registered on or before {date}, also those that expired or were "
                "withdrawn later."
            ),
            narrowed=True,
        ),
        Figure(
            N_("Deliberation meetings held"),
            now.meetings,
            now.meetings - before.meetings,
            "meeting",
            behind="meetings",
            series="meetings",
            counts=N_("Deliberation meetings held on or before {date}."),
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
            counts=N_("Technologies with an adoption approved on or before {date}, each once."),
            narrowed=True,
        ),
        Figure(
            N_("Testbeds"),
            now.testbeds,
            now.testbeds - before.testbeds,
            "testbed",
            stages or None,
            behind="testbeds",
            counts=N_("Technologies selected into the testbed programme on or before {date}."),
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
            counts=N_("Inquiries received on or before {date}."),
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
            counts=N_("Agreements planned on or before {date}."),
        ),
    ]


TILE_HEIGHT = 500  # px: every card of the row the same height (the longest: experts, in Korean)


def complete_months(monthly: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """``monthly`` without the month of ``as_of`` when that month is not over on ``as_of``:
    counted only to that day, it would show as a plunge in the trend."""
    return monthly[monthly["month"] != partial_month(as_of)] if partial_month(as_of) else monthly


def partial_month(as_of: dt.date) -> str | None:
    """The ``YYYY-MM`` key of ``as_of``'s month when ``as_of`` is not its last day."""
    return None if (as_of + dt.timedelta(days=1)).day == 1 else f"{as_of:%Y-%m}"


def tiles(
    actor: Actor,
    f: Filters,
    since: dt.date,
    items: list[Figure],
    monthly: pd.DataFrame,
    changed: Mapping[str, dt.datetime],
) -> None:
    """KPI cards: the figure, its change since ``since``, what it counts on the as-of date,
    its split, bars of the last 12 complete months, when its records last changed, and the
    link to the list behind it (the register on that date, with the same count)."""
    allowed = {p.path for p in pages_for(actor.roles)}
    done = complete_months(monthly, f.as_of)
    by_series = {k: g.tail(12) for k, g in done.groupby("series", sort=False)}
    # (first month, last month, highest count, its month) of each series' bars, read once:
    # pandas indexing per card costs more than the card's own texts.
    peaks = {k: _peak(g["month"].tolist(), g["count"].tolist()) for k, g in by_series.items()}
    filtered = f.tech != ALL_TECHNOLOGIES

    def below(i: int) -> None:
        fig = items[i]
        # The list first, right under the figure: a card's texts may be taller than the card
        # (it scrolls), and the way to the records behind the figure must stay in view.
        if fig.register and fig.register in allowed:
            st.page_link(
                fig.register,
                label=_("Open the list"),
                icon=":material/list:",
                query_params=dict(fig.params or {}),
            )
        elif fig.behind:
            records_popover(fig)
        # The card's texts in one caption, a paragraph each: the same words as separate
        # captions, but one element for the browser to draw instead of up to five.
        lines = [fig.help] if fig.help else []
        lines.append(_(fig.counts, date=md_date(f.as_of)))
        if filtered and not fig.narrowed:
            lines.append(
                ":material/filter_alt_off: "
                + _("Not narrowed by the sector, field and origin filters.")
            )
        peak = peaks.get(fig.series or "")
        if peak is not None:
            first, last, n, month = peak
            lines.append(
                _(
                    "Bars: new per month, {first} to {last}; highest {n} ({month}).",
                    first=first,
                    last=last,
                    n=fmt_int(n),
                    month=month,
                )
            )
        when = changed.get(fig.entity)
        if when is not None:
            lines.append(
                _(
                    "Records last changed {when}; the figure counts them as they stood on {date}.",
                    when=fmt_datetime(when),
                    date=md_date(f.as_of),
                )
            )
        st.caption("\n\n".join(lines))

    since_text = _("since {date}", date=fmt_date(since))
    tile_row(
        [
            Tile(
                _(fig.name),
                fig.value,
                fig.help,  # (also shown under the figure: the split is read, not hovered for)
                delta=fig.delta,
                delta_color="normal" if fig.delta else "off",
                delta_arrow="auto" if fig.delta else "off",
                delta_description=since_text,
                chart=None if fig.series is None else _bars(by_series, fig.series, _(fig.name)),
            )
            for fig in items
        ],
        below=below,
        height=TILE_HEIGHT,
    )
    st.caption(
        _(
            "Each card counts the records as they stood on {date}, as it says under its "
            "figure. A register opened from the menu lists every record of any status "
            "(also submitted, rejected, withdrawn or retired ones), so its total is larger; "
            '"Open the list" opens it on this date, with the card\'s count.',
            date=md_date(f.as_of),
        )
    )


def _peak(months: list[str], counts: list[int]) -> tuple[str, str, int, str] | None:
    """First and last month, the highest count and its (first) month; None without bars."""
    if not counts or int(max(counts)) <= 0:
        return None
    top = counts.index(max(counts))
    return months[0], months[-1], int(counts[top]), months[top]


def _bars(by_series: Mapping[str, pd.DataFrame], series: str, name: str) -> Bars | None:
    """The card's bars: ``series``' counts of the last complete months, named by month, and
    in words for screen readers (the figure's ``name``, the months, every count)."""
    if series not in by_series:
        return None
    months = [str(m) for m in by_series[series]["month"]]
    counts = [int(n) for n in by_series[series]["count"]]
    text = _(
        "{figure}: new per month, {first} to {last}: {counts}.",
        figure=name,
        first=months[0],
        last=months[-1],
        counts=", ".join(fmt_int(n) for n in counts),
    )
    return Bars(counts, months, text)


@st.fragment
def records_popover(fig: Figure) -> None:
    """The *Records* popover of a card without a register page. Its table and files are
    built only while it is open (opening it reruns this fragment, not the page): closed, it
    costs the page one button instead of a table, a caption and two download buttons."""
    behind = fig.behind or ""
    with st.popover(
        _("Records"), icon=":material/list:", key=f"records_{behind}", on_change="rerun"
    ) as popover:
        if popover.open:
            records_table(behind, fig)


def records_table(figure: str, fig: Figure) -> None:
    as_of = st.session_state["as_of"]
    basename = f"ntp-{figure}-{as_of}"
    df, shown, files = data.records_behind(
        data.database_url(), figure, as_of, current_language(), partial(_shown_records, figure)
    )
    if df.empty:
        st.info(_("No records stand behind this figure on that date."))
        return
    st.caption(_("{n} records", n=fmt_int(len(df))))
    st.dataframe(shown, hide_index=True, width="stretch", placeholder="")
    # The Excel file is built when it is asked for: three popovers of up to 500 rows each
    # cost ~200 ms of openpyxl on every cold overview, for a file few people download.
    excel = partial(to_xlsx, df, sheet=basename)
    download_buttons(df, basename, key=f"dl_{figure}", files=(files, excel) if files else None)


def _shown_records(figure: str, df: pd.DataFrame) -> tuple[pd.DataFrame, bytes]:
    """The records behind ``figure`` as shown (codes as words), and as CSV."""
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
    return shown, to_csv(df)


# The overview's files are small (the records behind a figure are capped at 500 rows), so
# they are made once (components.data.table_files) rather than on every rerun.
FILES_CACHE_MAX_ROWS = 20_000


def _download(df: pd.DataFrame, basename: str, *, key: str) -> None:
    """The CSV and Excel buttons of ``df``; the files are built once, not on every rerun."""
    files = None
    if not df.empty and len(df) <= FILES_CACHE_MAX_ROWS:
        files = data.table_files(
            df,
            tuple(str(c) for c in df.columns),
            basename,
            lambda: (to_csv(df), to_xlsx(df, sheet=basename)),
        )
    download_buttons(df, basename, key=key, files=files)


def trends(monthly: pd.DataFrame, as_of: dt.date) -> None:
    st.subheader(_("Trends by month"))
    if monthly["count"].sum() == 0:
        st.info(_("Nothing happened in these months; choose a later date to see trends."))
        return
    # Markdown, not st.html: st.html's sanitizer drops SVG.
    st.markdown(trend_svg(complete_months(monthly, as_of)), unsafe_allow_html=True)
    if month := partial_month(as_of):
        st.caption(
            _(
                "{month} is left out of the chart: it is counted only to {date} (the "
                "download has it).",
                month=month,
                date=md_date(as_of),
            )
        )


def pipeline(stages: Mapping[str, int], durations: Mapping[str, float | None]) -> None:
    left, right = st.columns([3, 2])
    with left:
        st.subheader(_("Pipeline from registration to adoption"))
        if sum(stages.values()) == 0:
            st.info(_("No technology had been submitted by that date."))
        else:
            st.html(pipeline_html(dict(stages)))
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
            placeholder="",
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
    tile_row(
        [
            Tile(_("Local firms' share of registrations"), _percent(reg_local, now.technologies)),
            Tile(_("Local firms' share of adoptions"), _percent(ad_local, ad_total)),
        ],
        per_row=2,
    )


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
    published: Publication | None = None,
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
        values: list[tuple[str, int, int | None]] = [(i.name, i.value, i.delta) for i in items]
        stamp = None
        if published is not None and published.intact:
            # A published date's briefing prints the published figures, with date and hash.
            frozen = published.figures
            values = [
                (i.name, frozen.get(k, 0), i.delta - i.value + frozen.get(k, 0))
                for i, k in zip(items, FIGURE_KEYS, strict=True)
            ]
            now = headline_of(f.as_of, frozen)
            stamp = (clock.city_time_text(published.published_at), published.sha256)
        body = build_briefing(
            lang=lang,
            as_of=f.as_of,
            produced_at=produced,
            period_label=translate_in(
                lang, "Change over {period}", period=translate_in(lang, PERIOD_NAMES[f.period])
            ),
            figures=values,
            headline=now,
            pipeline=stages,
            durations=durations,
            filters_text=filters_in(lang, f),
            city_name=here.name(lang) if (here := city.profile()) else "",
            published=stamp,
        )
        st.download_button(
            _("Download briefing"),
            body,
            file_name=f"ntp-briefing-{f.as_of}-{lang}.html",
            mime="text/html",
            icon=":material/print:",
            key="dl_briefing",
        )
