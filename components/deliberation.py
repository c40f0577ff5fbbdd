"""Deliberation UI: the meeting list, one meeting's full record, and the fairness panel.

Pages stay thin: they read the filters and the open meeting from here, call the cached
readers in ``components.data`` and hand the results back to these functions. Text from the
database (titles, names, notes, reasons, minutes) is shown with ``st.text``, in tables, or
Markdown-escaped, never as HTML. Staff forms live in ``components.deliberation_actions``.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections.abc import Callable
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from components import meeting_regulation as regulated
from components.charts import FONT, show
from components.export import files_on_request
from components.i18n import N_, _, current_language, fmt_date, fmt_datetime, fmt_int
from components.labels import label
from components.registers import escape_markdown
from db import clock, domain
from db.fairness import FairnessReport
from db.meetings import MeetingFilters, MeetingRecord
from db.meetings.records import Check, ItemRecord

MEETINGS_PAGE = "pages/meetings.py"
DATE_MIN = dt.date(2000, 1, 1)
DATE_MAX = dt.date(2100, 12, 31)
FLASH = "dl_flash"


# --- small helpers ------------------------------------------------------------------------


def _en() -> bool:
    return current_language() == "en"


def pick(ko: Any, en: Any) -> str:
    """The English text in the English interface when there is one, else the Korean."""
    if _en() and isinstance(en, str) and en.strip():
        return en
    return ko if isinstance(ko, str) else "-"


def yes_no(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return _("Yes") if bool(value) else _("No")


def _day(value: Any) -> str:
    return fmt_date(value) if isinstance(value, dt.date) else "-"


def _check_text(check: Check) -> str:
    params = {
        k: (label("decision", v) if k in ("expected", "decision") and v != "-" else v)
        for k, v in check.params.items()
    }
    return _(check.what, **params)


def _check_line(check: Check) -> str:
    if check.ok is None:
        icon = ":gray[:material/remove:]"
    else:
        icon = ":green[:material/check_circle:]" if check.ok else ":red[:material/error:]"
    return f"{icon} {_check_text(check)}"


def flash(message: str) -> None:
    """Keep a success message for the next run (the page reruns after a write)."""
    st.session_state[FLASH] = message


def show_flash() -> None:
    message = st.session_state.pop(FLASH, None)
    if message:
        st.success(message, icon=":material/check:")


# --- which meeting is open -----------------------------------------------------------------


def open_meeting_id() -> int | None:
    """The meeting to open, from the URL (``?id=``); None for the list."""
    raw = st.query_params.get("id")
    if raw is None or not str(raw).isdigit() or len(str(raw)) > 10:
        if raw is not None:
            st.info(_("The link's record number is not valid and was ignored."))
        return None
    return int(raw)


def _open(meeting_id: int | None) -> None:
    if meeting_id is None:
        st.query_params.pop("id", None)
    else:
        st.query_params["id"] = str(meeting_id)


def back_to_list() -> None:
    st.button(
        _("Back to the list of meetings"),
        on_click=_open,
        args=(None,),
        icon=":material/arrow_back:",
        type="tertiary",
        key="dl_back",
    )


# --- the list ------------------------------------------------------------------------------


def meeting_filters() -> MeetingFilters:
    """The filter bar of the meeting list."""
    with st.container(border=True):
        top = st.columns([2, 1, 1])
        with top[0]:
            q = st.text_input(
                _("Search"),
                key="dl_q",
                max_chars=200,
                placeholder=_("Meeting code or title"),
            )
        with top[1]:
            kind = st.selectbox(
                _("Kind of meeting"),
                ["", *domain.MEETING_KINDS],
                format_func=lambda c: label("meeting_kind", c) if c else _("All"),
                key="dl_kind",
            )
        with top[2]:
            status = st.selectbox(
                _("Status"),
                ["", *domain.MEETING_STATUSES],
                format_func=lambda c: label("meeting_status", c) if c else _("All"),
                key="dl_status",
            )
        start, end = period_inputs("dl_list")
    return MeetingFilters(start=start, end=end, kind=kind or None, status=status or None, q=q)


def period_inputs(key: str) -> tuple[dt.date | None, dt.date | None]:
    """Two date inputs (from, until); a period that ends before it starts is ignored."""
    left, right = st.columns(2)
    with left:
        start = st.date_input(
            _("From"),
            value=None,
            min_value=DATE_MIN,
            max_value=DATE_MAX,
            key=f"{key}_from",
            format="YYYY-MM-DD",
        )
    with right:
        end = st.date_input(
            _("Until"),
            value=None,
            min_value=DATE_MIN,
            max_value=DATE_MAX,
            key=f"{key}_to",
            format="YYYY-MM-DD",
        )
    a = start if isinstance(start, dt.date) else None
    b = end if isinstance(end, dt.date) else None
    if a and b and a > b:
        st.info(_("The period ends before it starts, so the dates were not applied."))
        return None, None
    return a, b


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


LIST_PAGE_SIZE = 50


def list_page(filters: MeetingFilters) -> int:
    """The page of the meeting list to show (1 = newest); back to the first page when the
    filters change."""
    signature = repr(filters)
    if st.session_state.get("dl_list_filters") != signature:
        st.session_state["dl_list_filters"] = signature
        st.session_state["dl_page"] = 1
    return max(1, int(st.session_state.get("dl_page") or 1))


def _step_page(delta: int, pages: int) -> None:
    page = int(st.session_state.get("dl_page") or 1) + delta
    st.session_state["dl_page"] = min(max(1, page), pages)


def list_frame(df: pd.DataFrame) -> pd.DataFrame:
    """The meetings as shown (and exported), column names in the reader's language."""
    return pd.DataFrame(
        {
            _("Meeting"): df["code"],
            _("Date"): [
                h if isinstance(h, dt.date) else s
                for h, s in zip(df["held_on"], df["scheduled_on"], strict=True)
            ],
            _("Kind of meeting"): [label("meeting_kind", k) for k in df["kind"]],
            _("Meeting title"): df["title"],
            _("Status"): [label("meeting_status", s) for s in df["status"]],
            _("Agenda items"): df["items"],
            _("Passed"): df["passed"],
            _("Members present"): df["present"],
            _("Quorum met"): [yes_no(q) for q in df["quorum_met"]],
        }
    )


def meetings_table(df: pd.DataFrame, total: int, page: int) -> None:
    """One page of the meetings (newest first, :data:`LIST_PAGE_SIZE` a page) with the
    number matching, and Previous/Next; selecting a row opens that meeting's record."""
    st.markdown("**" + _("{n} meetings", n=fmt_int(total)) + "**")
    if df.empty:
        st.info(_("No meetings match these filters."), icon=":material/search_off:")
        return
    ids = [int(i) for i in df["id"]]
    st.session_state["dl_ids"] = ids
    key = f"dl_table_{page}"
    st.dataframe(
        list_frame(df),
        hide_index=True,
        width="stretch",
        height=38 + 35 * min(len(df), 15) + 2,
        column_config={_("Date"): st.column_config.DateColumn(format="YYYY-MM-DD")},
        key=key,
        on_select=functools.partial(_selected, key),
        selection_mode="single-row",
    )
    st.caption(_("Select a row to see the meeting's whole record."))
    pages = max(1, math.ceil(total / LIST_PAGE_SIZE))
    if pages == 1:
        return
    first = (page - 1) * LIST_PAGE_SIZE + 1
    left, middle, right = st.columns([1, 2, 1], vertical_alignment="center")
    left.button(
        _("Previous"),
        key="dl_prev",
        disabled=page <= 1,
        on_click=_step_page,
        args=(-1, pages),
        icon=":material/chevron_left:",
        width="stretch",
    )
    middle.caption(
        _(
            "Page {page} of {pages} (records {first}-{last})",
            page=fmt_int(page),
            pages=fmt_int(pages),
            first=fmt_int(first),
            last=fmt_int(first + len(df) - 1),
        )
    )
    right.button(
        _("Next"),
        key="dl_next",
        disabled=page >= pages,
        on_click=_step_page,
        args=(1, pages),
        icon=":material/chevron_right:",
        icon_position="right",
        width="stretch",
    )


def _selected(key: str) -> None:
    state = st.session_state.get(key)
    rows = list(state.selection.rows) if state is not None else []
    ids = st.session_state.get("dl_ids", [])
    if rows and rows[0] < len(ids):
        _open(ids[rows[0]])


def meetings_export(filters: MeetingFilters, total: int, read: Callable[[], pd.DataFrame]) -> None:
    """CSV and Excel of every matching meeting (up to :data:`EXPORT_LIMIT`), built when
    asked for."""
    if total == 0:
        return
    st.markdown("**" + _("Download the records") + "**")
    files_on_request(
        "dl",
        repr(filters),
        total,
        lambda: list_frame(read()),
        f"meetings-{clock.city_today().isoformat()}",
    )


# --- one meeting ---------------------------------------------------------------------------


def meeting_view(record: MeetingRecord) -> None:
    """The whole record of one meeting on one screen (read only)."""
    _heading(record)
    _summary(record)
    _panel(record)
    _declarations(record)
    _draw(record)
    _items(record)
    _minutes(record)
    _corrections(record)


def _heading(record: MeetingRecord) -> None:
    m = record.meeting
    st.subheader(f"{escape_markdown(m['code'])} · {escape_markdown(m['title'])}")
    status_colour = {"scheduled": "blue", "held": "orange", "closed": "gray"}.get(
        m["status"], "gray"
    )
    st.markdown(
        f":violet-badge[{label('meeting_kind', m['kind'])}] "
        f":{status_colour}-badge[{label('meeting_status', m['status'])}]"
    )
    decided = [i for i in record.items if i.decision != "pending"]
    cols = st.columns(4)
    cols[0].metric(_("Date"), _day(m["held_on"] or m["scheduled_on"]))
    quorum = record.quorum_met
    cols[1].metric(
        _("Members present who may vote"),
        "-" if quorum is None else f"{fmt_int(record.present)} / {fmt_int(m['quorum'])}",
        help=_("Members attending and not recused, against the quorum."),
        delta=None if quorum is None else (_("Quorum met") if quorum else _("No quorum")),
        delta_color="normal" if quorum else "inverse",
        delta_arrow="off",
    )
    cols[2].metric(_("Agenda items"), fmt_int(len(record.items)))
    following = sum(1 for i in decided if i.follows)
    cols[3].metric(
        _("Decisions that follow the rules"),
        f"{fmt_int(following)} / {fmt_int(len(decided))}" if decided else "-",
        delta=None if not decided or following == len(decided) else _("Check the items"),
        delta_color="inverse",
        delta_arrow="off",
    )
    facts = [
        _("Location: {place}", place=m["location"] or "-"),
        _("Scheduled for {date}", date=_day(m["scheduled_on"])),
    ]
    if m["closed_at"] is not None:
        facts.append(_("Closed at {time}", time=fmt_datetime(m["closed_at"])))
    facts.append(regulated.regulation_fact(record))
    st.caption(escape_markdown(" · ".join(facts)))
    regulated.exceptional_warning(record)


def _summary(record: MeetingRecord) -> None:
    decided = [i for i in record.items if i.decision != "pending"]
    following = [i for i in decided if i.follows]
    with st.container(border=True):
        st.markdown("**" + _("Does this meeting follow the rules?") + "**")
        if decided:
            st.markdown(
                _(
                    "{n} of {m} decisions follow from the scores and the rules.",
                    n=fmt_int(len(following)),
                    m=fmt_int(len(decided)),
                )
            )
        else:
            st.markdown(_("No decision has been recorded yet."))
        for check in record.checks:
            if check.ok is not None:
                st.markdown(_check_line(check))
        bad = [i for i in decided if not i.follows]
        for item in bad:
            failing = [c for c in item.checks if c.ok is False]
            st.markdown(
                ":red[:material/error:] "
                + _("Item {position} ({reg_no}):", position=item.position, reg_no=item.reg_no)
                + " "
                + "; ".join(_check_text(c) for c in failing)
            )


def _panel(record: MeetingRecord) -> None:
    st.markdown("#### " + _("Panel"))
    panel = record.panel
    if panel.empty:
        st.info(_("The panel has not been drawn yet."))
        return
    table = pd.DataFrame(
        {
            _("Name"): [pick(k, e) for k, e in zip(panel["name"], panel["name_en"], strict=True)],
            _("Organisation"): [
                pick(k, e)
                for k, e in zip(panel["organization_ko"], panel["organization_en"], strict=True)
            ],
            _("Affiliation"): [label("affiliation", a) for a in panel["affiliation"]],
            _("Fields"): [", ".join(label("field", f) for f in fs) for fs in panel["fields"]],
            _("Seated by"): [label("seat_method", m) for m in panel["method"]],
            _("Chair"): [yes_no(v) for v in panel["is_chair"]],
            _("Attended"): [yes_no(v) for v in panel["attended"]],
            _("Declared an interest"): [yes_no(v) for v in panel["conflict_declared"]],
            _("Recused"): [yes_no(v) for v in panel["recused"]],
            _("Votes"): [yes_no(v) for v in panel["votes"]],
            _("Conflict by the rule"): [
                label("exclusion_reason", c) if isinstance(c, str) else "-"
                for c in panel["rule_conflict"]
            ],
        }
    )
    if record.personal_data and "phone" in panel.columns:
        table[_("Phone")] = panel["phone"]
        table[_("E-mail")] = panel["email"]
    st.dataframe(table, hide_index=True, width="stretch")
    counts = panel["affiliation"].value_counts()
    st.caption(
        _("Affiliations on the panel: {counts}").format(
            counts=", ".join(
                f"{label('affiliation', a)} {int(counts.get(a, 0))}" for a in domain.AFFILIATIONS
            )
        )
    )
    others = panel[panel["method"] != "random_draw"]
    names = regulated.panel_names(record)
    for row in others.itertuples(index=False):
        reason = row.seat_reason if isinstance(row.seat_reason, str) else None
        name = pick(row.name, row.name_en)
        if drawn := regulated.substitute_caption(row, names):
            st.caption(escape_markdown(drawn))
        elif reason:
            st.caption(
                escape_markdown(
                    _("{name} was seated as {method}: {reason}",
                      name=name, method=label("seat_method", row.method), reason=reason)
                )
            )  # fmt: skip
        else:
            st.warning(
                _(
                    "{name} was seated as {method}, and no reason was recorded.",
                    name=escape_markdown(name),
                    method=label("seat_method", row.method),
                ),
                icon=":material/help:",
            )


def _declarations(record: MeetingRecord) -> None:
    st.markdown("#### " + _("Declarations of interest and recusals"))
    panel = record.panel
    if panel.empty:
        return
    rows = panel[(panel["conflict_declared"] == True) | (panel["recused"] == True)]  # noqa: E712
    if rows.empty:
        st.caption(_("No declarations of interest or recusals were recorded."))
        return
    st.dataframe(
        pd.DataFrame(
            {
                _("Name"): [pick(k, e) for k, e in zip(rows["name"], rows["name_en"], strict=True)],
                _("Outcome"): [
                    _("Recused") if r else _("Stayed: judged no conflict") for r in rows["recused"]
                ],
                _("Note"): [n if isinstance(n, str) else "-" for n in rows["conflict_note"]],
            }
        ),
        hide_index=True,
        width="stretch",
    )


def _draw(record: MeetingRecord) -> None:
    st.markdown("#### " + _("How the panel was drawn"))
    draw = record.draw
    if draw.seed is None:
        st.caption(_("The panel has not been drawn yet."))
        return
    cols = st.columns(3)
    cols[0].metric(_("Experts who could be drawn"), fmt_int(draw.pool_size or 0))
    cols[1].metric(_("Excluded for a conflict"), fmt_int(len(draw.exclusions)))
    cols[2].metric(_("Seats drawn"), fmt_int(int((record.panel["method"] == "random_draw").sum())))
    st.markdown("**" + _("Seed") + f":** `{draw.seed}`")
    if draw.rule is not None:
        when = fmt_datetime(draw.drawn_at) if draw.drawn_at is not None else _day(draw.drawn_on)
        st.markdown(
            escape_markdown(
                _(
                    "Drawn by rule {rule} at {when} by {who}: conflicts excluded, experts of the "
                    "agenda's fields first, seats balanced across affiliations, fewest recent "
                    "seats first, then the seeded lottery.",
                    rule=draw.rule,
                    when=when,
                    who=draw.drawn_by or "-",
                )
            )
        )
        targets = ", ".join(f"{label('affiliation', a)} {n}" for a, n in draw.targets.items() if n)
        fields = ", ".join(label("field", f) for f in draw.fields) or _("any")
        st.caption(
            escape_markdown(
                _("Fields: {fields} · Targets: {targets}", fields=fields, targets=targets)
            )
        )
        if draw.field_matched is False:
            st.caption(
                _("Too few experts of these fields: experts of other fields filled the rest.")
            )
        if draw.replayed:
            st.markdown(
                ":green[:material/check_circle:] " + _("Replaying the seed gives this panel.")
            )
        elif draw.replayed is False:
            st.markdown(":red[:material/error:] " + _("Replaying the seed gives another panel."))
    else:
        who = _(" by {who}", who=draw.drawn_by) if draw.drawn_by else ""
        when = fmt_datetime(draw.drawn_at) if draw.drawn_at is not None else "-"
        st.caption(
            escape_markdown(
                _("Drawn at {when}{who}.", when=when, who=who)
                + " "
                + _(
                    "This draw was recorded by the demo data generator under its own rule "
                    "(a uniform draw over the experts of the meeting's field group); its seed, "
                    "pool size and exclusions are shown as recorded. Draws made in this app "
                    "can be replayed from their seed."
                )
            )
        )
    ex = draw.exclusions
    if ex.empty:
        st.caption(_("Nobody was excluded."))
        return
    st.dataframe(
        pd.DataFrame(
            {
                _("Name"): [pick(k, e) for k, e in zip(ex["name"], ex["name_en"], strict=True)],
                _("Organisation"): [
                    pick(k, e)
                    for k, e in zip(ex["organization_ko"], ex["organization_en"], strict=True)
                ],
                _("Affiliation"): [label("affiliation", a) for a in ex["affiliation"]],
                _("Why excluded"): [label("exclusion_reason", r) for r in ex["reason"]],
            }
        ),
        hide_index=True,
        width="stretch",
        height=38 + 35 * min(len(ex), 8) + 2,
    )


def _items(record: MeetingRecord) -> None:
    st.markdown("#### " + _("Agenda, scores and decisions"))
    if not record.items:
        st.caption(_("Nothing is on the agenda yet."))
        return
    marks = record.thresholds
    for item in record.items:
        title = pick(item.title_ko, item.title_en)
        mark = "" if item.follows is not False else " ⚠"
        heading = (
            f"{item.position}. {item.reg_no} · {title} — {label('decision', item.decision)}{mark}"
        )
        with st.expander(escape_markdown(heading), expanded=item.follows is False):
            _item(item, marks, record)


def _item(item: ItemRecord, marks: Any, record: MeetingRecord) -> None:
    facts = [_("Applicant: {name}", name=pick(item.applicant_ko, item.applicant_en))]
    facts.append(_("Field: {field}", field=label("field", item.field)))
    if item.project:
        facts.append(_("City project: {name}", name=item.project))
    if item.testbed_site:
        facts.append(_("Testbed site: {name}", name=item.testbed_site))
    st.caption(escape_markdown(" · ".join(facts)))
    o = item.outcome
    cols = st.columns(4)
    scored = o.members > 0
    cols[0].metric(
        _("Stage 1 mean"),
        f"{o.stage1_mean:.2f}" if scored else "-",
        delta=f"{o.stage1_mean - marks.stage1_pass:+.2f}" if scored else None,
        help=_(
            "The weighted mean of the stage-1 criteria ({criteria}); the change is against "
            "the pass mark.",
            criteria=regulated.stage1_names(record),
        ),
    )
    cols[1].metric(
        _("Overall mean"),
        f"{o.overall_mean:.2f}" if scored else "-",
        delta=f"{o.overall_mean - marks.overall_pass:+.2f}" if scored else None,
        help=_("The weighted mean of all criteria; the change is against the pass mark."),
    )
    cols[2].metric(_("Members who scored"), fmt_int(o.members))
    cols[3].metric(
        _("The scores give"), label("decision", item.rule_decision) if item.rule_decision else "-"
    )
    st.caption(
        _(
            "How it is computed: each criterion's mean over the {n} members who scored; stage 1 "
            "passes when the weighted mean of {criteria} reaches {stage1}; then the weighted "
            "mean of all criteria must reach {overall} (weights of regulation version "
            "{version}).",
            n=o.members,
            criteria=regulated.stage1_names(record),
            stage1=f"{marks.stage1_pass:g}",
            overall=f"{marks.overall_pass:g}",
            version=record.regulation.number or "-",
        )
    )
    st.markdown("**" + _("Decision") + ":** " + label("decision", item.decision))
    if item.reason:
        st.text(item.reason)
    elif item.decision != "pending":
        st.warning(_("No reason was recorded for this decision."), icon=":material/help:")
    for check in item.checks:
        if check.ok is not None:
            st.markdown(_check_line(check))
    regulated.item_recusals(item)
    ev = item.evaluations
    if ev.empty:
        st.caption(_("No scores were recorded."))
        return
    table = pd.DataFrame(
        {_("Member"): [pick(k, e) for k, e in zip(ev["name"], ev["name_en"], strict=True)]}
    )
    for c, name in regulated.criteria(record):
        table[name] = ev[c].astype("Int64")
    table[_("Mean")] = ev["mean"]
    table[_("Comment")] = [c if isinstance(c, str) else "" for c in ev["comment"]]
    st.dataframe(table, hide_index=True, width="stretch")


def _minutes(record: MeetingRecord) -> None:
    st.markdown("#### " + _("Minutes"))
    text = record.meeting["minutes"]
    if text:
        st.text(text)
    else:
        st.caption(_("No minutes were written yet."))


def _corrections(record: MeetingRecord) -> None:
    df = record.corrections
    st.markdown("#### " + _("Corrections after closing"))
    if df.empty:
        st.caption(_("None."))
        return
    st.dataframe(
        pd.DataFrame(
            {
                _("Recorded at"): [fmt_datetime(t) for t in df["created_at"]],
                _("By"): df["by"].fillna("-"),
                _("Agenda item"): [
                    str(int(p)) if p == p and p is not None else "-" for p in df["item_position"]
                ],
                _("Correction"): df["text"],
            }
        ),
        hide_index=True,
        width="stretch",
    )


# --- the fairness panel ----------------------------------------------------------------------

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
    cols = st.columns(4)
    cols[0].metric(_("Meetings held"), fmt_int(report.meetings_held))
    cols[1].metric(_("Seats"), fmt_int(report.seats))
    flagged = report.flags["meeting_id"].nunique() if not report.flags.empty else 0
    cols[2].metric(_("Meetings flagged"), fmt_int(flagged))
    cols[3].metric(
        _("Seats held by the busiest tenth"),
        f"{report.top_decile_share * 100:.0f}%",
        help=_("Share of all seats held by the tenth of seated experts who sat most often."),
    )


def fairness_flags(report: FairnessReport) -> None:
    """The flagged records, by kind, each linking to its meeting's record."""
    st.subheader(_("Flagged records"))
    flags = report.flags
    if flags.empty:
        st.success(_("Nothing is flagged for this period."), icon=":material/verified:")
        return
    for kind, group in flags.groupby("kind", sort=False):
        with st.container(border=True):
            st.markdown(f"**{label('flag_kind', str(kind))}** ({fmt_int(len(group))})")
            st.caption(_(FLAG_HELP.get(str(kind), "")) if str(kind) in FLAG_HELP else "")
            for row in group.itertuples(index=False):
                text = f"{row.code} · {_day(row.scheduled_on)} · {_flag_text(row)}"
                st.page_link(
                    MEETINGS_PAGE,
                    label=escape_markdown(text),
                    icon=":material/open_in_new:",
                    query_params={"id": str(int(row.meeting_id))},
                )


def _configure(chart: alt.Chart) -> alt.Chart:
    return chart.configure_axis(labelFont=FONT, titleFont=FONT).configure_legend(
        labelFont=FONT, titleFont=FONT, orient="bottom"
    )


def composition_chart(report: FairnessReport) -> alt.Chart:
    """Share of the pool and share of the seats per affiliation, side by side."""
    return _composition_chart(report.composition)


def _composition_chart(comp: pd.DataFrame) -> alt.Chart:
    names = {"pool_share": _("Share of the pool"), "seat_share": _("Share of the seats")}
    long = comp.assign(name=[label("affiliation", a) for a in comp["affiliation"]]).melt(
        id_vars=["name"],
        value_vars=["pool_share", "seat_share"],
        var_name="what",
        value_name="share",
    )
    long["what"] = long["what"].map(names)
    order = [label("affiliation", a) for a in domain.AFFILIATIONS]
    chart = (
        alt.Chart(long)
        .mark_bar()
        .encode(
            y=alt.Y("name:N", title=None, sort=order),
            yOffset=alt.YOffset("what:N", sort=list(names.values())),
            x=alt.X("share:Q", title=_("Share"), axis=alt.Axis(format="%")),
            color=alt.Color("what:N", title=None, sort=list(names.values())),
            tooltip=[
                alt.Tooltip("name:N", title=_("Affiliation")),
                alt.Tooltip("what:N", title=_("Figure")),
                alt.Tooltip("share:Q", title=_("Share"), format=".1%"),
            ],
        )
        .properties(height=260)
    )
    return _configure(chart)


def seats_chart(report: FairnessReport) -> alt.Chart:
    """How many experts sat how many times in the period."""
    return _seats_chart(report.seat_distribution)


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
    return _configure(chart)


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
            height=38 + 35 * min(len(top), 8) + 2,
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
        )
    sided = report.one_sided_panels
    st.subheader(_("Panels where one affiliation held the majority"))
    if sided.empty:
        st.caption(_("None."))
    else:
        st.caption(
            _(
                "{n} of {m} panels. The app's draw caps any affiliation at half the seats; the "
                "demo history was drawn without that cap.",
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
            height=38 + 35 * min(len(sided), 8) + 2,
            column_config={_("Date"): st.column_config.DateColumn(format="YYYY-MM-DD")},
        )


def evidence_download(make: Callable[[], bytes], *, key: str, name: str) -> None:
    """Prepare the evidence package on request, then offer it for download."""
    from components.forms import show_error
    from db.errors import DomainError

    st.subheader(_("Evidence package"))
    st.caption(
        _(
            "A zip with the records as CSV, the minutes, the audit events of these records and "
            "a manifest of SHA-256 hashes (MANIFEST.sha256, checked with sha256sum -c), with the "
            "audit chain's head at the time of export."
        )
    )
    slot = f"{key}_zip"
    if st.button(
        _("Prepare the evidence package"), key=f"{key}_prepare", icon=":material/inventory_2:"
    ):
        try:
            with st.spinner(_("Preparing the package...")):
                st.session_state[slot] = (name, make())
        except DomainError as exc:
            show_error(exc)
    ready = st.session_state.get(slot)
    if ready and ready[0] == name:
        st.download_button(
            _("Download the evidence package"),
            data=ready[1],
            file_name=name,
            mime="application/zip",
            key=f"{key}_download",
            icon=":material/download:",
        )
