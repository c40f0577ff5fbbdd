"""The Outcomes page in parts: headline tiles, contract value by year, the testbed funnel,
technologies used more than once, time from registration to first use, the departments'
satisfaction, and the city's annual targets against actual (a small row of it on the
overview too). Every table has its CSV/Excel download; charts write their values."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pandas as pd
import streamlit as st

from components import data, pager
from components.charts import (
    contracts_by_year_chart,
    funnel_chart,
    satisfaction_chart,
    show,
    targets_chart,
)
from components.export import download_buttons, files_on_request, to_csv, to_xlsx
from components.forms import FLASH
from components.i18n import N_, _, current_language, fmt_int
from components.labels import label
from components.registers.spec import Column, column_config, display_frame
from components.tiles import Tile, tile_row
from db import clock
from db.outcomes.figures import Outcomes
from db.policy import OUTCOME_READERS, Actor

REPEAT_COLUMNS = (
    Column("reg_no", N_("Registration number")),
    Column("title_ko", N_("Technology"), en="title_en"),
    Column("is_local", N_("Local or external"), "local"),
    Column("contracts", N_("Contracts"), "int"),
    Column("amount_krw", N_("Contract value (won)"), "money"),
)
FIRST_USE_COLUMNS = (
    Column("reg_no", N_("Registration number")),
    Column("title_ko", N_("Technology"), en="title_en"),
    Column("registered_on", N_("Registered"), "date"),
    Column("first_contract_on", N_("First contract"), "date"),
    Column("days", N_("Days"), "int"),
)
SATISFACTION_COLUMNS = (
    Column("department", N_("Department")),
    Column("evaluations", N_("Evaluations"), "int"),
    Column("above", N_("Better than expected"), "int"),
    Column("as_expected", N_("As expected"), "int"),
    Column("below", N_("Worse than expected"), "int"),
    Column("again", N_("Would use again"), "int"),
)
BY_YEAR_COLUMNS = (
    Column("year", N_("Year")),
    Column("contracts", N_("Contracts"), "int"),
    Column("amount_krw", N_("Contract value (won)"), "money"),
    Column("local_krw", N_("To local firms (won)"), "money"),
)


def as_of_picker() -> dt.date:
    """The date the figures stand on (today by default)."""
    today = clock.city_today()
    chosen = st.date_input(
        _("Figures as of"),
        value=today,
        max_value=today,
        min_value=dt.date(2000, 1, 1),
        key="outcomes_as_of",
        format="YYYY-MM-DD",
    )
    return chosen if isinstance(chosen, dt.date) else today


def _percent(share: float | None) -> str:
    return "-" if share is None else f"{share * 100:.0f}%"


def _billions(amount: int) -> str:
    """A large amount as a person reads it: billions of won in English, 억 (10^8) in Korean."""
    if current_language() == "ko":
        return _("{n} hundred million won", n=f"{amount / 1e8:,.0f}")
    return _("₩{n}bn", n=f"{amount / 1e9:,.1f}")


def tiles(o: Outcomes) -> None:
    days = o.median_days_to_first_use
    tile_row(
        [
            Tile(_("Contracts"), o.contracts, _("Contracts that used an adopted technology.")),
            Tile(_("Contract value"), _billions(o.amount_krw)),
            Tile(
                _("Share to local firms"),
                _percent(o.local_share),
                _("Share of the contract value that went to local firms' technologies."),
            ),
            Tile(
                _("Median days to first use"),
                "-" if days is None else fmt_int(days),
                _("From a technology's registration to its first contract."),
            ),
        ]
    )


PAGE = pager.PAGE_SIZE


def _table(columns: tuple[Column, ...], df: pd.DataFrame, basename: str, *, empty: str) -> None:
    """``df`` with translated headers and labels, a page of :data:`PAGE` rows at a time (a
    city of many technologies lists tens of thousands of first uses), and downloads of all of
    it (made when their button is clicked); ``empty`` when none."""
    if df.empty:
        st.info(_(empty))
        return
    key = f"outcomes_{basename}_page"
    start = pager.page_offset(key, len(df), len(df), PAGE)
    st.dataframe(
        display_frame(columns, df.iloc[start : start + PAGE]),
        hide_index=True,
        width="stretch",
        column_config=column_config(columns),
        placeholder="",
    )
    pager.pager(key, len(df), size=PAGE)
    download_buttons(
        df,
        basename,
        key=f"outcomes_{basename}",
        files=(
            lambda: to_csv(display_frame(columns, df)),
            lambda: to_xlsx(display_frame(columns, df), sheet=basename),
        ),
    )


CONTRACT_COLUMNS = (
    Column("id", N_("Contract")),
    Column("contracted_on", N_("Contract date"), "date"),
    Column("department", N_("Department")),
    Column("project_name", N_("Project")),
    Column("amount_krw", N_("Amount (won)"), "money"),
    Column("quantity", N_("Quantity"), "int"),
    Column("adoption_id", N_("Adoption")),
    Column("reg_no", N_("Registration number")),
    Column("title_ko", N_("Technology"), en="title_en"),
    Column("is_local", N_("Local or external"), "local"),
)


def by_year(actor: Actor, o: Outcomes) -> None:
    st.subheader(_("Contract value and count by year"))
    if o.by_year.empty:
        st.info(_("No contract had been recorded by this date."))
        return
    show(contracts_by_year_chart, o.by_year)
    _table(BY_YEAR_COLUMNS, o.by_year, "contracts_by_year", empty="")
    files_on_request(
        "outcomes_contracts",
        o.as_of,
        o.contracts,
        lambda: display_frame(
            CONTRACT_COLUMNS, data.contracts(data.database_url(), actor, o.as_of)
        ),
        f"contracts-{o.as_of.isoformat()}",
    )


def funnel(o: Outcomes) -> None:
    st.subheader(_("Testbed, certification, first sale"))
    if int(o.funnel["testbeds"].iloc[0]) == 0:
        st.info(_("No testbed had been selected by this date."))
        return
    show(funnel_chart, o.funnel)
    st.caption(
        _(
            "Testbeds selected by the date, and how many had completed, won a certification "
            "and made a first sale by then. A technology may sell before its certification."
        )
    )
    shown = pd.DataFrame(
        {
            _("Stage"): [label("funnel_stage", s) for s in o.funnel["stage"]],
            _("Testbeds"): [int(n) for n in o.funnel["testbeds"]],
        }
    )
    download_buttons(shown, "testbed_funnel", key="outcomes_funnel")


def use(o: Outcomes) -> None:
    left, right = st.columns(2)
    with left:
        st.subheader(_("Technologies used more than once"))
        _table(
            REPEAT_COLUMNS,
            o.repeat,
            "repeat_use",
            empty=N_("No technology had more than one contract by this date."),
        )
    with right:
        st.subheader(_("Time from registration to first use"))
        _table(
            FIRST_USE_COLUMNS,
            o.first_use,
            "first_use",
            empty=N_("No registered technology had a contract by this date."),
        )


def satisfaction(o: Outcomes) -> None:
    st.subheader(_("Departments' satisfaction after use"))
    if o.satisfaction.empty:
        st.info(_("No department had evaluated a technology by this date."))
        return
    show(satisfaction_chart, o.satisfaction)
    _table(SATISFACTION_COLUMNS, o.satisfaction, "satisfaction", empty="")


TARGET_COLUMNS = (
    Column("year", N_("Year")),
    Column("figure", N_("Figure"), vocabulary="target_figure"),
    Column("target", N_("Target"), "int"),
    Column("actual", N_("Actual"), "int"),
)


def targets(frame: pd.DataFrame) -> None:
    """The city profile's annual targets against actual (chart and table)."""
    st.subheader(_("Annual targets against actual"))
    if frame.empty:
        st.info(
            _(
                "The city profile sets no annual targets up to this year; an administrator "
                "adds them under Administration, City profile."
            )
        )
        return
    if frame["actual"].notna().any():
        show(targets_chart, frame)
        st.caption(
            _("The chosen date's year counts up to that date; 100 % means the target is met.")
        )
    _table(TARGET_COLUMNS, frame, "targets", empty="")


def overview_targets(actor: Actor, as_of: dt.date) -> None:
    """One small row of tiles on the overview: this year's targets and how far the actual
    is (nothing when the city set none for the year, or the reader may not see outcomes)."""
    if not actor.has(*OUTCOME_READERS):
        return
    frame = data.outcome_targets(data.database_url(), actor, as_of)
    year = frame[(frame["year"] == as_of.year) & frame["actual"].notna()] if len(frame) else frame
    if year.empty:
        return
    st.subheader(_("Targets for {year}", year=as_of.year))
    tiles_ = []
    for r in year.to_dict("records"):
        actual, target = int(r["actual"]), int(r["target"])
        money = r["figure"].endswith("_krw")
        tiles_.append(
            Tile(
                # the heading says these are the year's targets; the change says how far
                # (a longer label is cut at 1440 px)
                label("target_figure", r["figure"]),
                _billions(actual) if money else actual,
                _(
                    "Target {target}; actual up to {date}.",
                    target=_billions(target) if money else fmt_int(target),
                    date=as_of.isoformat(),
                ),
                delta=_("{p} of target", p=_percent(actual / target if target else None)),
                delta_color="off",
                delta_arrow="off",
            )
        )
    tile_row(tiles_, per_row=3 if len(tiles_) > 4 else 4)  # wide enough for their labels


@st.fragment
def staff_form(key: str, label: str, icon: str, draw: Callable[[], None]) -> None:
    """One of staff's forms, folded, built only while it is open (opening it reruns this
    fragment, not the page). A form's outcome (a flash: recorded, or refused) is shown by the
    whole page, which is rerun for it, so the figures above count what was recorded."""
    if FLASH in st.session_state:  # (a full run shows and drops it before drawing this)
        st.rerun(scope="app")
    with st.expander(label, icon=icon, key=key, on_change="rerun") as expander:
        if expander.open:
            draw()
