"""The audit trail (auditors): the filter form, a keyset page of events (``newer``/``older``
from the ids on screen, so paging stays fast at millions of events), one event in full, files
of the filtered events made when asked for, the chain's head and the verification of its
integrity.

Auditors read here and change nothing. Everything from the database is shown as text (table
cells, JSON viewer, code blocks), never as Markdown or HTML.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pandas as pd
import streamlit as st

from components import data
from components.export import download_buttons
from components.forms import show_error
from components.grid import HEADER_PX, ROW_PX
from components.i18n import _, fmt_int
from db import clock
from db.audit import VerifyResult
from db.audit.trail import AuditFilters, ChainHead, PageInfo, verify_chain
from db.errors import DomainError, ValidationFailed
from db.policy import Actor

PAGE_SIZES = (25, 50, 100, 200)
DOWNLOAD_LIMIT = 20_000  # Excel files of more take minutes to write
CURSOR = "audit_cursor"  # ("older" | "newer", id) or None: where the page starts
SHOWN_FILTERS = "audit_cursor_filters"  # the filters the cursor belongs to
EXPORT_READY = "audit_export_ready"  # the filters the files were asked for
VERIFIED = "audit_verified"  # the last verification: (result, expected head, when)


def _kst(ts: Any) -> str:
    return pd.Timestamp(ts).tz_convert(clock.city_zone()).strftime("%Y-%m-%d %H:%M:%S %Z")


def explain(exc: DomainError) -> None:
    """A refusal or a contradiction in what was asked, as sentences (nothing is saved here
    anyway: this page only reads)."""
    if isinstance(exc, ValidationFailed):
        for problem in exc.errors.values():
            st.error(_(problem))
    else:
        show_error(exc)


# --- filters -------------------------------------------------------------------------------


def _action_label(option: str) -> str:
    if option.endswith("."):
        return _("{prefix}* (all)", prefix=option)
    return option


def filter_form(users: list[str], kinds: list[str], actions: list[str]) -> AuditFilters:
    families = sorted({a.split(".", 1)[0] + "." for a in actions if "." in a})
    top = st.columns(4)
    actor = top[0].selectbox(
        _("User"), users, index=None, placeholder=_("All users"), key="at_user"
    )
    entity = top[1].selectbox(
        _("Kind of record"), kinds, index=None, placeholder=_("All kinds"), key="at_entity"
    )
    entity_id = top[2].text_input(
        _("Record number"),
        max_chars=64,
        key="at_entity_id",
        help=_("The number of one record of the chosen kind."),
        disabled=entity is None,
    )
    action = top[3].selectbox(
        _("Action"),
        families + actions,
        index=None,
        format_func=_action_label,
        placeholder=_("All actions"),
        key="at_action",
    )
    low = st.columns(4)
    today = clock.city_today()
    date_from = low[0].date_input(
        _("From (KST)"), value=None, max_value=today, format="YYYY-MM-DD", key="at_from"
    )
    date_to = low[1].date_input(
        _("To (KST)"), value=None, max_value=today, format="YYYY-MM-DD", key="at_to"
    )
    low[2].selectbox(_("Events per page"), PAGE_SIZES, index=1, key="at_size")
    return AuditFilters(
        actor=actor,
        entity=entity,
        entity_id=entity_id if entity else None,
        action=action,
        action_prefix=bool(action and action.endswith(".")),
        date_from=date_from if isinstance(date_from, dt.date) else None,
        date_to=date_to if isinstance(date_to, dt.date) else None,
    )


# --- the events table and the pager --------------------------------------------------------


def events_table(df: pd.DataFrame, key: str) -> int | None:
    """The page of events (empty values blank, JSON as the text it is stored as); returns
    the number of the event whose row is selected, if any."""
    text = ["actor_name", "action", "entity", "entity_id", "reason", "before", "after"]
    cells = df[text].astype(object).where(df[text].notna(), "")
    shown = pd.DataFrame(
        {
            _("No."): df["id"],
            _("Time (KST)"): df["occurred_at"]
            .dt.tz_convert(clock.city_zone())
            .dt.tz_localize(None),
            _("User"): cells["actor_name"],
            _("Action"): cells["action"],
            _("Kind of record"): cells["entity"],
            _("Record number"): cells["entity_id"],
            _("Reason"): cells["reason"],
            _("Before"): cells["before"],
            _("After"): cells["after"],
        }
    )
    picked = st.dataframe(
        shown,
        hide_index=True,
        width="stretch",
        height=min(HEADER_PX + ROW_PX * len(shown), 600),
        on_select="rerun",
        selection_mode="single-row",
        key=key,
        column_config={
            _("No."): st.column_config.NumberColumn(format="%d", width=70),
            _("Time (KST)"): st.column_config.DatetimeColumn(
                format="YYYY-MM-DD HH:mm:ss", width=150
            ),
            _("User"): st.column_config.TextColumn(width=110),
            _("Action"): st.column_config.TextColumn(width=170),
            _("Kind of record"): st.column_config.TextColumn(width=100),
            _("Record number"): st.column_config.TextColumn(width=110),
            _("Reason"): st.column_config.TextColumn(width=150),
            _("Before"): st.column_config.TextColumn(width=200),
            _("After"): st.column_config.TextColumn(width=300),
        },
    )
    rows = picked.selection.rows
    return int(df["id"].iloc[rows[0]]) if rows else None


def _go(kind: str, event_id: int) -> None:
    st.session_state[CURSOR] = (kind, int(event_id))


def pager(info: PageInfo, shown: int) -> None:
    total = (
        _("more than {n}", n=fmt_int(info.total))
        if info.total_is_lower_bound
        else fmt_int(info.total)
    )
    left, middle, right = st.columns([1, 3, 1], vertical_alignment="center")
    left.button(
        _("Newer"),
        key="at_newer",
        disabled=not info.has_newer,
        on_click=_go,
        args=("newer", info.newest_id or 0),
        icon=":material/chevron_left:",
        width="stretch",
    )
    middle.caption(
        _(
            "Events {newest} to {oldest}, newest first ({shown} on this page; {total} match).",
            newest=fmt_int(info.newest_id or 0),
            oldest=fmt_int(info.oldest_id or 0),
            shown=fmt_int(shown),
            total=total,
        )
    )
    right.button(
        _("Older"),
        key="at_older",
        disabled=not info.has_older,
        on_click=_go,
        args=("older", info.oldest_id or 0),
        icon=":material/chevron_right:",
        icon_position="right",
        width="stretch",
    )
    if info.has_newer:
        st.button(_("Back to the newest events"), key="at_top", on_click=_reset_cursor)


def _reset_cursor() -> None:
    st.session_state[CURSOR] = None


# --- one event in full ---------------------------------------------------------------------


def _json_or_text(label: str, value: str | None) -> None:
    st.markdown(f"**{label}**")
    if value is None:
        st.caption(_("(none)"))
        return
    try:
        st.json(json.loads(value), expanded=True)
    except ValueError:
        st.code(value, language=None, wrap_lines=True)


def event_detail(
    url: str, actor: Actor, head: ChainHead, newest: int, selected: int | None
) -> None:
    """One event: the row selected in the table, or any number typed in."""
    if selected is not None and selected != st.session_state.get("at_detail_applied"):
        st.session_state["at_detail_id"] = selected
        st.session_state["at_detail_applied"] = selected
    st.session_state.setdefault("at_detail_id", newest)
    with st.expander(
        _("One event in full"), icon=":material/receipt_long:", expanded=selected is not None
    ):
        event_id = st.number_input(
            _("Event number"),
            min_value=1,
            max_value=max(1, head.last_id),
            step=1,
            key="at_detail_id",
        )
        try:
            ev = data.audit_event(url, actor, int(event_id))
        except DomainError as exc:
            explain(exc)
            return
        fields = pd.DataFrame(
            {
                _("Attribute"): [
                    _("No."),
                    _("Time (KST)"),
                    _("Time (UTC, as hashed)"),
                    _("User"),
                    _("User id"),
                    _("Action"),
                    _("Kind of record"),
                    _("Record number"),
                    _("Reason"),
                ],
                _("Value"): [
                    str(ev.id),
                    _kst(ev.occurred_at),
                    ev.occurred_at.replace(tzinfo=None).isoformat(timespec="microseconds"),
                    ev.actor_name,
                    "" if ev.actor_id is None else str(ev.actor_id),
                    ev.action,
                    ev.entity,
                    ev.entity_id or "",
                    ev.reason or "",
                ],
            }
        )
        st.dataframe(fields, hide_index=True, width="stretch")
        left, right = st.columns(2)
        with left:
            _json_or_text(_("Before"), ev.before)
        with right:
            _json_or_text(_("After"), ev.after)
        st.markdown("**" + _("Previous hash") + "**")
        st.code(ev.prev_hash, language=None)
        st.markdown("**" + _("Hash") + "**")
        st.code(ev.hash, language=None)


# --- downloads -----------------------------------------------------------------------------


def _export_frame(df: pd.DataFrame) -> pd.DataFrame:
    times = df["occurred_at"]
    return pd.DataFrame(
        {
            _("No."): df["id"],
            _("Time (KST)"): times.dt.tz_convert(clock.city_zone()).dt.strftime(
                "%Y-%m-%d %H:%M:%S"
            ),
            _("Time (UTC, as hashed)"): times.dt.strftime("%Y-%m-%dT%H:%M:%S.%f"),
            _("User"): df["actor_name"],
            _("User id"): df["actor_id"],
            _("Action"): df["action"],
            _("Kind of record"): df["entity"],
            _("Record number"): df["entity_id"],
            _("Reason"): df["reason"],
            _("Before"): df["before"],
            _("After"): df["after"],
            _("Previous hash"): df["prev_hash"],
            _("Hash"): df["hash"],
        }
    )


@st.fragment
def downloads(url: str, actor: Actor, filters: AuditFilters, matching: PageInfo) -> None:
    """Files of the filtered events, written only when asked for. Inside a fragment: the
    download buttons rerun only this part, and any other use of the page drops the files
    (so they are not written again on every rerun)."""
    st.markdown("**" + _("Download the filtered events") + "**")
    if st.session_state.get(EXPORT_READY) != filters:
        if matching.total_is_lower_bound or matching.total > DOWNLOAD_LIMIT:
            label = _("Prepare the files (the newest {n} events)", n=fmt_int(DOWNLOAD_LIMIT))
        else:
            label = _("Prepare the files ({n} events)", n=fmt_int(matching.total))
        spot = st.empty()
        if not spot.button(label, key="at_prepare", icon=":material/file_download:"):
            return
        spot.empty()
        st.session_state[EXPORT_READY] = filters
    with st.spinner(_("Writing the files…")):
        df, truncated = data.audit_export(url, actor, filters, DOWNLOAD_LIMIT)
        if truncated:
            st.caption(
                _(
                    "The files hold the newest {n} matching events, oldest first; narrow the "
                    "period to download older ones.",
                    n=fmt_int(len(df)),
                )
            )
        else:
            st.caption(_("{n} events, oldest first, with their hashes.", n=fmt_int(len(df))))
        stamp = clock.city_now()
        download_buttons(_export_frame(df), f"audit-trail-{stamp:%Y%m%d-%H%M}", key="at_files")


# --- head and verification -----------------------------------------------------------------


def head_panel(head: ChainHead) -> None:
    st.markdown(
        _(
            "The chain's head is the last event and its hash. Note it down or download it: a "
            "later check against it shows whether events were removed from the end."
        )
    )
    st.metric(_("Last event"), fmt_int(head.last_id))
    st.caption(_("Head hash"))
    st.code(head.last_hash, language=None, wrap_lines=True)
    noted = clock.city_now().strftime("%Y-%m-%d %H:%M:%S %Z")
    download_buttons(
        pd.DataFrame(
            {
                _("Last event"): [head.last_id],
                _("Head hash"): [head.last_hash],
                _("Noted at"): [noted],
            }
        ),
        f"audit-head-{head.last_id}",
        key="at_head",
    )


def verify_panel(actor: Actor) -> None:
    expected = st.text_input(
        _("Head hash exported earlier (optional)"),
        max_chars=80,
        key="at_expected",
        placeholder=_("64 characters 0-9 and a-f"),
        help=_(
            "With a head hash noted earlier, the check also shows whether events after it "
            "were removed or rewritten."
        ),
    )
    if st.button(_("Verify integrity"), type="primary", icon=":material/verified:"):
        bar = st.progress(0.0, text=_("Checking the chain…"))

        def progress(done: int, total: int) -> None:
            bar.progress(
                min(1.0, done / total) if total else 1.0,
                text=_(
                    "Checked {done} of {total} events…",
                    done=fmt_int(done),
                    total=fmt_int(total),
                ),
            )

        try:
            result = data.read(
                verify_chain, actor=actor, expected_head=expected or None, progress=progress
            )
        except DomainError as exc:
            bar.empty()
            explain(exc)
            return
        bar.empty()
        st.session_state[VERIFIED] = (result, (expected or "").strip(), clock.now_utc())
    shown = st.session_state.get(VERIFIED)
    if shown is not None:
        result, exported, when = shown
        verdict(result, exported, when)


def verdict(result: VerifyResult, exported: str, when: dt.datetime) -> None:
    checked = _("Checked at {when}.", when=_kst(when))
    if result.ok:
        st.success(
            _(
                "Intact up to event {n}, head hash {hash}.",
                n=fmt_int(result.last_good_id),
                hash=result.head_hash,
            ),
            icon=":material/verified:",
        )
        if exported:
            st.caption(_("The exported head hash is part of the chain."))
    else:
        problem = (
            _(result.problem_template, **result.problem_params)
            if result.problem_template
            else (result.problem or "")
        )
        st.error(
            _(
                "Broken at event {n}: {problem}. Intact up to event {good}, head hash {hash}.",
                n=fmt_int(result.first_bad_id or 0),
                problem=problem,
                good=fmt_int(result.last_good_id),
                hash=result.head_hash,
            ),
            icon=":material/gpp_bad:",
        )
        st.caption(
            _(
                "Nothing was changed by this check. Report the event number to the system "
                "administrator and keep the exported files as evidence."
            )
        )
    st.caption(checked)


# --- the events tab ------------------------------------------------------------------------


def new_run() -> None:
    """A full rerun of the page: files are written again only if asked for."""
    st.session_state.pop(EXPORT_READY, None)


def page_size() -> int:
    return int(st.session_state.get("at_size", 50))


def cursor(filters: AuditFilters) -> tuple[int | None, int | None]:
    """Where the page starts: (after_id, before_id); back to the newest events when the
    filters changed."""
    if st.session_state.get(SHOWN_FILTERS) != filters:
        st.session_state[SHOWN_FILTERS] = filters
        st.session_state[CURSOR] = None
    at = st.session_state.get(CURSOR)
    return (
        at[1] if at and at[0] == "newer" else None,
        at[1] if at and at[0] == "older" else None,
    )


def events(
    url: str,
    actor: Actor,
    head: ChainHead,
    filters: AuditFilters,
    df: pd.DataFrame,
    info: PageInfo,
) -> None:
    """The page of events with its pager, the selected event in full, and the files."""
    if df.empty and filters.is_empty:
        st.info(_("The audit trail is empty: no event has been recorded yet."))
    elif df.empty:
        st.info(_("No event matches these filters. Widen the period or clear a filter."))
    else:
        at = st.session_state.get(CURSOR)
        table_key = f"at_table_{at}_{abs(hash(filters))}"  # a new page, no selection
        selected = events_table(df, table_key)
        st.caption(_("Select a row to see that event in full below."))
        pager(info, len(df))
        event_detail(url, actor, head, int(df["id"].iloc[0]), selected)
        downloads(url, actor, filters, info)


# --- the integrity tab -----------------------------------------------------------------------


def integrity(actor: Actor, head: ChainHead) -> None:
    left, right = st.columns([2, 3], gap="large")
    with left:
        head_panel(head)
    with right:
        verify_panel(actor)
