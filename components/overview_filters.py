"""The overview's filters: the as-of date, the period the changes are counted over, and the
technology filters (growth sector, technical field, origin), read from and kept in the URL
(``?as_of=&period=&sector=&field=&local=``, the links other pages and briefings carry)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace

import streamlit as st

from components import data
from components.city import first_day
from components.i18n import N_, _, current_language, fmt_date, fmt_datetime, translate_in
from components.labels import labeller
from db import clock
from db.kpi.headline import ALL_TECHNOLOGIES, TechFilter
from db.kpi.overview import month_start

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


# The picker takes any date a person may type (Streamlit's own refusal of a date outside its
# bounds is a red icon with an English tooltip, and the figures stay on the old date); a date
# outside the platform's days is brought into them, with a message that says so.
PICKER_FLOOR = dt.date(1900, 1, 1)
PICKER_CEILING = dt.date(2100, 12, 31)
NOTICE_KEY = "as_of_notice"


def in_range(day: dt.date) -> dt.date:
    """``day`` brought into the platform's days (its first day to today)."""
    return min(max(day, first_day()), clock.city_today())


def range_notice(typed: dt.date, shown: dt.date) -> str:
    return _(
        "There are no figures for {typed}: the platform's records run from {first} to "
        "{today}. The figures below are as of {shown}.",
        typed=fmt_date(typed),
        first=fmt_date(first_day()),
        today=fmt_date(clock.city_today()),
        shown=fmt_date(shown),
    )


def _keep_in_range() -> None:
    """The date picker's change: a date outside the platform's days becomes the nearest
    one, and the message says so (shown once, under the filters)."""
    day = st.session_state.get("as_of")
    if isinstance(day, dt.date) and in_range(day) != day:
        st.session_state["as_of"] = in_range(day)
        st.session_state[NOTICE_KEY] = (day, in_range(day))


def parse_query(params: Mapping[str, str]) -> tuple[Filters, list[str]]:
    """Filters from URL parameters, and a notice per parameter that was ignored. A link's
    date outside the platform's days is brought into them (and said so under the filters)."""
    ignored: list[str] = []
    as_of = clock.city_today()
    if raw := params.get("as_of"):
        try:
            linked = dt.date.fromisoformat(raw)
        except ValueError:
            ignored.append("as_of")
        else:
            as_of = in_range(linked)
            if as_of != linked and "as_of" not in st.session_state:  # (first drawn from it)
                st.session_state[NOTICE_KEY] = (linked, as_of)
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
        min_value=PICKER_FLOOR,
        max_value=PICKER_CEILING,
        key="as_of",
        format="YYYY-MM-DD",
        on_change=_keep_in_range,
        help=_(
            "The day the figures are counted on: from {first} to today.",
            first=fmt_date(first_day()),
        ),
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
    sector_name, field_name = labeller("growth_sector"), labeller("field")
    sector = c3.selectbox(
        _("Growth sector"),
        sectors,
        index=_index("sector", sectors, initial.tech.sector or ALL),
        format_func=lambda s: _(ALL_SECTORS) if s == ALL else sector_name(s),
        key="sector",
    )
    field = c4.selectbox(
        _("Technical field"),
        fields,
        index=_index("field", fields, initial.tech.field or ALL),
        format_func=lambda f: _(ALL_FIELDS) if f == ALL else field_name(f),
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
    if notice := st.session_state.pop(NOTICE_KEY, None):
        st.warning(range_notice(*notice), icon=":material/event_busy:")
    chosen = Filters(
        in_range(as_of or initial.as_of),
        period or initial.period,
        TechFilter(
            None if sector in (ALL, None) else sector,
            None if field in (ALL, None) else field,
            LOCAL_CHOICES[local or "all"],
        ),
    )
    wanted = chosen.query()
    if chosen.as_of == clock.city_today():
        # Today is the default: a URL without a date follows the calendar, so an overview
        # left open over the city's midnight shows the new day when it is reloaded.
        del wanted["as_of"]
    if dict(st.query_params) != wanted:
        st.query_params.from_dict(wanted)
    return chosen


def filters_in(lang: str, f: Filters) -> str:
    """The technology filters in words, in ``lang``."""
    local = LOCAL_NAMES[{None: "all", True: "local", False: "external"}[f.tech.local]]
    return " · ".join(
        (
            translate_in(lang, ALL_SECTORS)
            if f.tech.sector is None
            else labeller("growth_sector", lang)(f.tech.sector),
            translate_in(lang, ALL_FIELDS)
            if f.tech.field is None
            else labeller("field", lang)(f.tech.field),
            translate_in(lang, local),
        )
    )


def earlier(f: Filters) -> Filters:
    """The same view at the start of the comparison period."""
    return replace(f, as_of=max(f.as_of - dt.timedelta(days=PERIODS[f.period]), first_day()))


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
