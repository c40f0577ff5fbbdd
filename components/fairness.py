"""The fairness page (auditors): the period (by default the last 12 months before the as-of
date, kept in the URL), the figures, the flagged records linking to their meetings, panel
composition against the pool, seats per expert, repeats for the same applicant and the
panels one affiliation held.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from components.cells import day, escape_markdown, pick
from components.charts import coded_color, configure, rows, show
from components.grid import height
from components.i18n import N_, _, fmt_date, fmt_int
from components.labels import label
from components.meetings import DATE_MAX, DATE_MIN, period_inputs
from components.tiles import Tile, tile_row
from db import clock, domain
from db.fairness import FairnessReport

MEETINGS_PAGE = "pages/meetings.py"


FAIR_KEY = "dl_fair"
OPEN = "all"  # a period end left open in the URL (``?from=all``: from the first meeting)


def fairness_as_of() -> dt.date:
    """The as-of date of the fairness page: ``?as_of=`` if given, otherwise today in Korea."""

    raw = st.query_params.get("as_of")
    try:
        return (
            min(max(dt.date.fromisoformat(raw), DATE_MIN), DATE_MAX) if raw else clock.city_today()
        )
    except ValueError:
        return clock.city_today()


def last_twelve_months(as_of: dt.date) -> tuple[dt.date, dt.date]:
    """The default period: the twelve months up to and including ``as_of``."""
    try:
        year_before = as_of.replace(year=as_of.year - 1)
    except ValueError:  # 29 February
        year_before = as_of.replace(year=as_of.year - 1, day=28)
    return year_before + dt.timedelta(days=1), as_of


def _url_day(name: str, default: dt.date) -> dt.date | None:
    raw = st.query_params.get(name)
    if raw == OPEN:
        return None
    try:
        return min(max(dt.date.fromisoformat(raw), DATE_MIN), DATE_MAX) if raw else default
    except ValueError:
        return default


def _set_period(start: dt.date | None, end: dt.date | None) -> None:
    st.session_state[f"{FAIR_KEY}_from"] = start
    st.session_state[f"{FAIR_KEY}_to"] = end


def fairness_period() -> tuple[dt.date | None, dt.date | None]:
    """The period of the fairness report: by default the last twelve months before the as-of
    date, from the URL (``?from=``, ``?to=``, ``all`` for an open end) and kept in it."""
    as_of = fairness_as_of()
    default = last_twelve_months(as_of)
    url = (st.query_params.get("from"), st.query_params.get("to"), st.query_params.get("as_of"))
    last = st.session_state.get(f"{FAIR_KEY}_url")
    if f"{FAIR_KEY}_from" not in st.session_state or url != last:
        # a first visit, or a URL typed or followed since the page last wrote it; another
        # as-of date with the same period in the URL opens on its own last 12 months
        if last is not None and url[:2] == last[:2]:
            _set_period(*default)
        else:
            _set_period(_url_day("from", default[0]), _url_day("to", default[1]))
    start, end = period_inputs(FAIR_KEY)
    chosen = (st.session_state.get(f"{FAIR_KEY}_from"), st.session_state.get(f"{FAIR_KEY}_to"))
    if (start, end) == (None, None) and all(isinstance(d, dt.date) for d in chosen):
        start, end = default  # an inverted period: not the whole history, the default one
    left, right, _rest = st.columns([1, 1, 2])
    left.button(
        _("Last 12 months"),
        key=f"{FAIR_KEY}_year",
        icon=":material/calendar_month:",
        on_click=_set_period,
        args=default,
    )
    right.button(
        _("Whole history"),
        key=f"{FAIR_KEY}_all",
        icon=":material/history:",
        on_click=_set_period,
        args=(None, None),
    )
    period = (start.isoformat() if start else OPEN, end.isoformat() if end else OPEN)
    st.query_params["from"], st.query_params["to"] = period
    st.session_state[f"{FAIR_KEY}_url"] = (*period, st.query_params.get("as_of"))
    if start and end:
        shown = _("Meetings scheduled from {start} to {end}.").format(
            start=fmt_date(start), end=fmt_date(end)
        )
    elif start:
        shown = _("Meetings scheduled from {start} on.").format(start=fmt_date(start))
    elif end:
        shown = _("Meetings scheduled until {end}, from the first meeting on.").format(
            end=fmt_date(end)
        )
    else:
        shown = _("Meetings of the whole history.")
    st.caption(
        shown
        + " "
        + _(
            "The page opens on the last 12 months before {as_of}. A longer period takes "
            "longer: the report checks every seat, score and decision of its meetings."
        ).format(as_of=fmt_date(as_of))
    )
    return start, end


FLAG_HELP = {
    "decision_against_scores": N_(
        "The recorded decision is not what the two-stage rule gives for the scores."
    ),
    "decided_without_quorum": N_(
        "Items were passed or failed with fewer members present who may vote than the quorum."
    ),
    "repeated_panelist_for_applicant": N_(
        "One expert sat on three or more meetings with items of the same applicant."
    ),
    "seat_concentration": N_("One expert held four or more seats within 365 days."),
    "missing_reason": N_("A record that needs a reason or a note has none."),
    "ineligible_scores": N_(
        "Scores were recorded for a member who was absent, recused or had a conflict."
    ),
    "conflict_not_recused": N_(
        "A member had a conflict of interest with an applicant by the rule and did not recuse."
    ),
    "seated_despite_exclusion": N_("A member sat on a panel the draw had excluded them from."),
    "draw_not_reproducible": N_("Replaying the recorded seed gives another panel."),
    "exceptional_settings": N_(
        "The meeting's stored quorum or pass marks differ from its regulation version's."
    ),
    "appointed_seat": N_("A seat filled by hand, not by the draw."),
    "proxy_scores": N_("Staff entered a member's scores from a signed paper sheet."),
}


def _flag_text(row: Any) -> str:
    expert = pick(row.expert_name, row.expert_name_en) if isinstance(row.expert_name, str) else ""
    applicant = (
        pick(row.applicant_ko, row.applicant_en) if isinstance(row.applicant_ko, str) else ""
    )
    position = None if pd.isna(row.item_position) else int(row.item_position)
    count = None if pd.isna(row.count) else int(row.count)
    kind = row.kind
    if kind == "decision_against_scores":
        return _("Item {position}", position=position)
    if kind == "decided_without_quorum":
        return _("{n} members present who may vote", n=count)
    if kind == "repeated_panelist_for_applicant":
        return _(
            "{expert} sat on {n} meetings with items of {applicant}",
            expert=expert,
            n=count,
            applicant=applicant,
        )
    if kind == "seat_concentration":
        return _("{expert}: {n} seats within 365 days", expert=expert, n=count)
    if kind == "missing_reason":
        what = label("missing_what", row.what)
        who = expert or (_("Item {position}", position=position) if position else "")
        return f"{what}" + (f" ({who})" if who else "")
    if kind == "ineligible_scores":
        return _("Item {position}: {expert}", position=position, expert=expert)
    if kind == "conflict_not_recused":
        return _("{expert} and {applicant}", expert=expert, applicant=applicant)
    if kind == "appointed_seat":
        return _("{expert} ({n} seats filled by hand)", expert=expert, n=count)
    if kind == "exceptional_settings":
        return _("Quorum or pass marks other than the regulation's")
    return expert


def fairness_summary(report: FairnessReport) -> None:
    flagged = report.flags["meeting_id"].nunique() if not report.flags.empty else 0
    tile_row(
        [
            Tile(_("Meetings held"), report.meetings_held),
            Tile(_("Seats"), report.seats),
            Tile(_("Meetings flagged"), int(flagged)),
            Tile(
                _("Panels with a one-affiliation majority"),
                f"{fmt_int(len(report.one_sided_panels))} / {fmt_int(report.meetings_held)}",
                help=_(
                    "Panels on which experts of one affiliation (public institutions, "
                    "industry, academia, other) held more than half the seats."
                ),
            ),
            Tile(
                _("Seats held by the busiest tenth"),
                f"{report.top_decile_share * 100:.0f}%",
                help=_(
                    "Share of all seats held by the tenth of seated experts who sat most often."
                ),
            ),
        ],
        per_row=5,
        border=False,
    )


def fairness_flags(report: FairnessReport) -> None:
    """The flagged records, by kind, each linking to its meeting's record."""
    st.subheader(_("Flagged records"))
    flags = report.flags
    sided = len(report.one_sided_panels)
    if flags.empty and sided:
        # (not a green "nothing found" above a list of one-sided panels: the summary says both)
        st.info(
            _(
                "No record is flagged by the checks for this period; but {n} of {m} panels had "
                'a majority from one affiliation (listed below under "Panels where one '
                'affiliation held the majority").',
                n=fmt_int(sided),
                m=fmt_int(report.meetings_held),
            ),
            icon=":material/info:",
        )
        return
    if flags.empty:
        st.success(_("Nothing is flagged for this period."), icon=":material/verified:")
        return
    if sided:
        st.caption(
            _(
                "Besides these, {n} of {m} panels had a majority from one affiliation (listed "
                "below).",
                n=fmt_int(sided),
                m=fmt_int(report.meetings_held),
            )
        )
    for kind, group in flags.groupby("kind", sort=False):
        with st.container(border=True):
            st.markdown(f"**{label('flag_kind', str(kind))}** ({fmt_int(len(group))})")
            st.caption(_(FLAG_HELP.get(str(kind), "")) if str(kind) in FLAG_HELP else "")
            for row in group.itertuples(index=False):
                text = f"{row.code} · {day(row.scheduled_on)} · {_flag_text(row)}"
                st.page_link(
                    MEETINGS_PAGE,
                    label=escape_markdown(text),
                    icon=":material/open_in_new:",
                    query_params={"id": str(int(row.meeting_id))},
                )


def _composition_chart(comp: pd.DataFrame) -> alt.Chart:
    names = {"pool_share": _("Share of the pool"), "seat_share": _("Share of the seats")}
    long = comp.assign(name=[label("affiliation", a) for a in comp["affiliation"]]).melt(
        id_vars=["name"],
        value_vars=["pool_share", "seat_share"],
        var_name="what",
        value_name="share",
    )
    long["code"] = long["what"]
    long["what"] = long["what"].map(names)
    order = [label("affiliation", a) for a in domain.AFFILIATIONS]
    chart = (
        alt.Chart(long)
        .mark_bar()
        .encode(
            y=alt.Y("name:N", title=None, sort=order),
            yOffset=alt.YOffset("code:N", sort=list(names)),
            x=alt.X("share:Q", title=_("Share"), axis=alt.Axis(format="%")),
            color=coded_color("code", list(names), names),
            tooltip=[
                alt.Tooltip("name:N", title=_("Affiliation")),
                alt.Tooltip("what:N", title=_("Figure")),
                alt.Tooltip("share:Q", title=_("Share"), format=".1%"),
            ],
        )
    )
    return configure(rows(chart, step=44))


def _seats_chart(distribution: pd.DataFrame) -> alt.Chart:
    df = distribution.astype({"seats": int, "experts": int})
    chart = (
        alt.Chart(df)
        .mark_bar()
        .encode(
            x=alt.X("seats:O", title=_("Seats per expert"), axis=alt.Axis(labelAngle=0)),
            y=alt.Y("experts:Q", title=_("Experts")),
            tooltip=[
                alt.Tooltip("seats:O", title=_("Seats per expert")),
                alt.Tooltip("experts:Q", title=_("Experts"), format=","),
            ],
        )
        .properties(height=260)
    )
    return configure(chart)


def fairness_panels(report: FairnessReport) -> None:
    """Composition against the pool, concentration, repeats, one-sided panels."""
    left, right = st.columns(2)
    with left:
        st.subheader(_("Panel composition against the pool"))
        show(_composition_chart, report.composition)
        st.caption(
            _(
                "Pool: experts in the pool at the end of the period. Seats: every seat on the "
                "period's panels."
            )
        )
    with right:
        st.subheader(_("Seats per expert"))
        if report.seat_distribution.empty:
            st.caption(_("No seats in this period."))
        else:
            show(_seats_chart, report.seat_distribution)
    top = report.top_experts
    if not top.empty:
        st.markdown("**" + _("Experts who sat most often") + "**")
        st.dataframe(
            pd.DataFrame(
                {
                    _("Name"): [
                        pick(k, e)
                        for k, e in zip(top["expert_name"], top["expert_name_en"], strict=True)
                    ],
                    _("Affiliation"): [label("affiliation", a) for a in top["affiliation"]],
                    _("Organisation"): [
                        pick(k, e)
                        for k, e in zip(top["organization_ko"], top["organization_en"], strict=True)
                    ],
                    _("Seats"): top["seats"],
                    _("Meetings"): top["codes"],
                }
            ),
            hide_index=True,
            width="stretch",
            height=height(len(top), 8),
            placeholder="",
        )
    st.subheader(_("Experts who sat many times for the same applicant"))
    rep = report.repeated
    if rep.empty:
        st.caption(_("No expert sat on three or more meetings with the same applicant."))
    else:
        st.dataframe(
            pd.DataFrame(
                {
                    _("Expert"): [
                        pick(k, e)
                        for k, e in zip(rep["expert_name"], rep["expert_name_en"], strict=True)
                    ],
                    _("Applicant"): [
                        pick(k, e)
                        for k, e in zip(rep["applicant_ko"], rep["applicant_en"], strict=True)
                    ],
                    _("Meetings"): rep["meetings"],
                    _("Codes"): rep["codes"],
                }
            ),
            hide_index=True,
            width="stretch",
            placeholder="",
        )
    sided = report.one_sided_panels
    st.subheader(_("Panels where one affiliation held the majority"))
    if sided.empty:
        st.caption(_("None."))
    else:
        st.caption(
            _(
                "{n} of {m} panels. The app's panel draw keeps each affiliation within the "
                "regulation's cap; a panel above it was not drawn by the app or was filled by "
                "hand.",
                n=fmt_int(len(sided)),
                m=fmt_int(report.meetings_held),
            )
        )
        st.dataframe(
            pd.DataFrame(
                {
                    _("Meeting"): sided["code"],
                    _("Date"): sided["scheduled_on"],
                    # one label per affiliation, not per panel (a year holds ~1,100 such
                    # panels at 100x the demo data)
                    _("Affiliation"): sided["affiliation"].map(
                        {a: label("affiliation", a) for a in set(sided["affiliation"])}
                    ),
                    _("Seats"): [
                        f"{s} / {p}" for s, p in zip(sided["seats"], sided["panel"], strict=True)
                    ],
                }
            ),
            hide_index=True,
            width="stretch",
            height=height(len(sided), 8),
            column_config={_("Date"): st.column_config.DateColumn(format="YYYY-MM-DD")},
            placeholder="",
        )
