"""The agreements page: filters kept in the URL, tiles by status, the list (a page of 50,
files of all on request), the partners' terms as bars, and one agreement's card with what it
produced (for staff, with the forms of ``components.agreement_forms``).

The page guard has checked the role; rows come through ``components.data``. Text from the
database is shown in data grids or ``st.text``, never as HTML.
"""

from __future__ import annotations

import datetime as dt

import altair as alt
import pandas as pd
import streamlit as st

from components import data
from components.agreement_forms import agreement_form, link_forms
from components.bodies import may_write
from components.cells import day, escape_markdown, missing, region_name, row_name, text
from components.charts import configure, show
from components.city import first_day
from components.export import EXPORT_LIMIT, files_on_request
from components.i18n import N_, _, current_language, fmt_datetime, fmt_int, md_date
from components.labels import label, labeller
from components.pager import PAGE_SIZE, page_offset, pager
from components.registers.spec import NAME_PX
from components.tiles import Tile, tile_row
from components.url_state import must_sync
from db import clock, domain
from db.intercity import agreement_reads as q
from db.policy import Actor

CHART_AGREEMENTS_MAX = 40  # bars in the terms chart (one row each)
OPEN_AGREEMENT = "ic_ag_open"  # the agreement opened on the agreements page (?id=)


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
    kind_name = labeller("org_kind")
    values = {
        "partner": [row_name(r, "partner_ko", "partner_en") for r in records],
        "partner_kind": [kind_name(r["partner_kind"]) for r in records],
        "region": [region_name(r.get("region"), r.get("country")) for r in records],
        "kind": [label("agreement_kind", r["kind"]) for r in records],
        "title": [row_name(r, "title_ko", "title_en") for r in records],
        "status_then": [label("agreement_status", r["status_then"]) for r in records],
        "planned_on": [r["planned_on"] for r in records],
        "signed_on": [None if missing(r["signed_on"]) else r["signed_on"] for r in records],
        "starts_on": [None if missing(r["starts_on"]) else r["starts_on"] for r in records],
        "ends_on": [None if missing(r["ends_on"]) else r["ends_on"] for r in records],
        "adoptions": [int(r["adoptions"]) for r in records],
        "adopted": [int(r["adopted"]) for r in records],
        "testbeds": [int(r["testbeds"]) for r in records],
        "scope": [text(r["scope"]) for r in records],
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
    tiles = [Tile(_("Agreements"), counts["total"])]
    tiles += [Tile(label("agreement_status", s), counts[s]) for s in domain.AGREEMENT_STATUSES]
    tiles.append(
        Tile(
            _("Produced"),
            counts["produced"],
            _("Adoptions and testbeds linked to these agreements."),
        )
    )
    tile_row(tiles, per_row=len(tiles))


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
    if must_sync(params, "ic_ag_synced", ("ic_ag_as_of", "ic_ag_status", "ic_ag_kind")):
        try:
            day: dt.date | None = dt.date.fromisoformat(params.get("as_of", ""))
        except ValueError:
            day = None
        if day is not None and not first_day() <= day <= dt.date(2100, 12, 31):
            day = None  # outside what the picker offers
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
                min_value=first_day(),
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
    return configure(chart)


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
        start = r["signed_on"] if not missing(r["signed_on"]) else r["planned_on"]
        end = r["ends_on"] if not missing(r["ends_on"]) else max(now, start)
        rows.append(
            {
                "agreement": f"{row_name(r, 'partner_ko', 'partner_en')} ({int(r['id'])})",
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
    offset = page_offset(key, filters, total)
    df = data.agreements_page(url, *filters, offset, PAGE_SIZE)
    shown = agreements_frame(df)
    # At 1440 px the dates (the signing first) stay in view: names and titles take a bounded
    # width (the whole text is in the agreement, a click away), labels of codes a small one.
    config = {
        _(h): st.column_config.DateColumn(format="YYYY-MM-DD")
        for k, h in AGREEMENT_COLUMNS
        if k.endswith("_on")
    }
    config[_("Record number")] = st.column_config.NumberColumn(pinned=True)
    for k, h in AGREEMENT_COLUMNS:
        if k in ("partner", "title"):
            config[_(h)] = st.column_config.TextColumn(width=NAME_PX)
        elif k in ("partner_kind", "region", "kind", "status_then"):
            config[_(h)] = st.column_config.TextColumn(width="small")
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
        column_config=config,
        on_select=opened,
        selection_mode="single-row",
        key=table,
        placeholder="",
    )
    st.caption(_("Select a row to see what the agreement produced."))
    pager(key, total)
    stamp = view.as_of.isoformat() if view.as_of else "current"
    files_on_request(
        "ic_agreements",
        filters,
        total,
        lambda: data.agreements_export(
            url, *filters, EXPORT_LIMIT, current_language(), agreements_frame
        ),
        f"agreements-{stamp}",
    )
    return df if offset == 0 else data.agreements_page(url, *filters, 0, PAGE_SIZE)


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
                    _("Technology"): [row_name(r, "title_ko", "title_en") for r in recs],
                    _("Project"): [r["project_name"] for r in recs],
                    _("Department"): [r["department"] for r in recs],
                    _("Year"): [int(r["year"]) for r in recs],
                    _("Status"): [label("adoption_status", r["status"]) for r in recs],
                    _("Approved"): [day(r["approved_on"], "") for r in recs],
                }
            ),
            hide_index=True,
            width="stretch",
            placeholder="",
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
                    _("Technology"): [row_name(r, "title_ko", "title_en") for r in recs],
                    _("Site"): [text(r["site"]) for r in recs],
                    _("Status"): [label("testbed_stage", r["status"]) for r in recs],
                    _("Applied"): [day(r["applied_on"], "") for r in recs],
                    _("Certification"): [
                        ""
                        if missing(r["certification"])
                        else label("certification", r["certification"])
                        for r in recs
                    ],
                }
            ),
            hide_index=True,
            width="stretch",
            placeholder="",
        )


def agreement_card(url: str, actor: Actor, agreement_id: int, as_of: dt.date | None) -> None:
    """One agreement: its fields (as text), what it produced; for staff the edit and link
    forms. A number that names no agreement (on ``as_of``) is said so."""
    row = data.agreement(url, agreement_id, as_of)
    if row is None:
        st.info(
            _("There is no agreement with the record number {id} on this date.", id=agreement_id),
            icon=":material/link_off:",
        )
        return
    with st.container(border=True):
        head, close = st.columns([5, 1])
        with head:
            st.subheader(escape_markdown(row_name(row, "title_ko", "title_en")))
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
            (_("Partner"), row_name(row, "partner_ko", "partner_en")),
            (_("Kind"), label("agreement_kind", row["kind"])),
            (_("Status"), label("agreement_status", row["status_then"])),
            (_("Planned"), day(row["planned_on"], "")),
            (_("Signed"), day(row["signed_on"])),
            (
                _("Term"),
                (day(row["starts_on"], "") or "-") + " – " + (day(row["ends_on"], "") or "-"),
            ),
        )
        for i, (name, value) in enumerate(fields):
            with cols[i % 3]:
                st.markdown(f"**{name}**")
                st.text(value)
        if text(row.get("scope")):
            st.markdown("**" + _("Scope") + "**")
            st.text(text(row["scope"]))
        adoptions, testbeds = data.agreement_products(url, agreement_id)
        _products(adoptions, testbeds)
        if may_write(actor):
            record = data.read(q.agreement_detail, agreement_id=agreement_id)
            if record is None:
                return
            if record.changed_by and record.changed_at is not None:
                st.caption(
                    _(
                        "Last changed by {who} at {when}.",
                        who=escape_markdown(str(record.changed_by)),
                        when=fmt_datetime(record.changed_at),
                    )
                )
            edit, link = st.tabs([_("Correct or move on"), _("Link what it produced")])
            with edit:
                agreement_form(url, actor, record)
            with link:
                link_forms(url, actor, record, adoptions, testbeds)
