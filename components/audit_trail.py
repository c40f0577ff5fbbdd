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

from components import audit_words as words
from components import data
from components.cells import escape_markdown
from components.export import download_buttons
from components.forms import show_error
from components.grid import HEADER_PX, ROW_PX
from components.i18n import N_, _, fmt_int
from db import clock
from db.audit import VerifyResult
from db.audit.records import CHANGED, DELETED, ENTITY_OF, INSERTED, SEALS_ALTERED, kind_of
from db.audit.trail import (
    CHAIN_PHASE,
    AuditFilters,
    ChainHead,
    EventNames,
    Integrity,
    PageInfo,
    check_head_receipt,
    head_receipt,
    verify_integrity,
)
from db.errors import DomainError, ValidationFailed
from db.policy import Actor

PAGE_SIZES = (25, 50, 100, 200)
DOWNLOAD_LIMIT = 20_000  # Excel files of more take minutes to write
CURSOR = "audit_cursor"  # ("older" | "newer", id) or None: where the page starts
SHOWN_FILTERS = "audit_cursor_filters"  # the filters the cursor belongs to
EXPORT_READY = "audit_export_ready"  # the filters the files were asked for
VERIFIED = "audit_verified"  # the last verification: (result, expected head, when)
SIGN_IN = "signin."  # sign-ins and sessions: a tab of their own
TABS_KEY = "at_tabs"  # the page's tabs (components.lazy_tabs: only the open one is drawn)
# The filters, the event shown in full and a head hash typed in keep their values while
# another tab is open: persist_state="page" (Streamlit forgets a widget that a run leaves out,
# and only the open tab is drawn).
DETAIL_OPEN = "at_detail_open"  # "One event in full" is open (drawn only then)


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


def filter_form(
    users: list[str], kinds: list[str], actions: list[str], sign_ins: bool = False
) -> AuditFilters:
    """The filters of a tab: the sign-ins tab (``sign_ins``) shows only sign-in actions, the
    events tab every other one; kinds of record and actions are offered in words."""
    k = "as" if sign_ins else "at"
    actions = [a for a in actions if a.startswith(SIGN_IN) == sign_ins]
    families = [] if sign_ins else sorted({a.split(".", 1)[0] + "." for a in actions if "." in a})
    top = st.columns(4)
    actor = top[0].selectbox(
        _("User"),
        users,
        index=None,
        placeholder=_("All users"),
        key=f"{k}_user",
        persist_state="page",
    )
    entity = None
    entity_id = ""
    if not sign_ins:
        entity = top[1].selectbox(
            _("Kind of record"),
            kinds,
            index=None,
            format_func=words.entity_label,
            placeholder=_("All kinds"),
            key="at_entity",
            persist_state="page",
        )
        entity_id = top[2].text_input(
            _("Record number"),
            max_chars=64,
            key="at_entity_id",
            persist_state="page",
            help=_("The number of one record of the chosen kind."),
            disabled=entity is None,
        )
    action = top[3].selectbox(
        _("Action"),
        families + actions,
        index=None,
        format_func=words.action_label,
        placeholder=_("All actions"),
        key=f"{k}_action",
        persist_state="page",
    )
    low = st.columns(4)
    today = clock.city_today()
    date_from = low[0].date_input(
        _("From (KST)"),
        value=None,
        max_value=today,
        format="YYYY-MM-DD",
        key=f"{k}_from",
        persist_state="page",
    )
    date_to = low[1].date_input(
        _("To (KST)"),
        value=None,
        max_value=today,
        format="YYYY-MM-DD",
        key=f"{k}_to",
        persist_state="page",
    )
    low[2].selectbox(
        _("Events per page"), PAGE_SIZES, index=1, key=f"{k}_size", persist_state="page"
    )
    low[3].toggle(
        _("Show codes and raw values"),
        key=f"{k}_raw",
        persist_state="page",
        help=_("Adds the user name, action, kind of record, its id and the stored JSON."),
    )
    return AuditFilters(
        actor=actor,
        entity=entity,
        entity_id=entity_id if entity else None,
        action=action,
        action_prefix=bool(action and action.endswith(".")),
        date_from=date_from if isinstance(date_from, dt.date) else None,
        date_to=date_to if isinstance(date_to, dt.date) else None,
        sign_ins=sign_ins,
    )


# --- the events table and the pager --------------------------------------------------------


def _prefix(filters: AuditFilters) -> str:
    """The widget keys' prefix of a tab: ``as`` for sign-ins, ``at`` for the other events."""
    return "as" if filters.sign_ins else "at"


def page_names(url: str, actor: Actor, df: pd.DataFrame) -> EventNames:
    """The human numbers of the page's records and the names of its actors."""
    records = tuple(
        (kind_of(str(e), str(a), after), None if pd.isna(i) else str(i))
        for e, a, after, i in zip(
            df["entity"], df["action"], df["after"], df["entity_id"], strict=True
        )
    )
    actor_ids = tuple(None if pd.isna(i) else int(i) for i in df["actor_id"])
    return data.audit_names(url, actor, records, actor_ids)


def sentences(df: pd.DataFrame, names: EventNames) -> tuple[list[str], list[str]]:
    """Each event as a sentence, and its changes in words."""
    rows = df.to_dict("records")
    said = [words.sentence(r, names.records, names.actors) for r in rows]
    name = words.names_read_once()
    changed = [words.changes_text(str(r["entity"]), r["before"], r["after"], name) for r in rows]
    return said, changed


def events_table(df: pd.DataFrame, names: EventNames, key: str, raw: bool) -> int | None:
    """The page of events as sentences with their changes in words (``raw``: also the codes
    and the JSON as stored); returns the number of the event whose row is selected, if any."""
    said, changed = sentences(df, names)
    columns: dict[str, Any] = {
        _("No."): df["id"],
        _("Time (KST)"): df["occurred_at"].dt.tz_convert(clock.city_zone()).dt.tz_localize(None),
        _("What happened"): said,
        _("Changes"): changed,
    }
    config: dict[str, Any] = {
        _("No."): st.column_config.NumberColumn(format="%d", width=70),
        _("Time (KST)"): st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm:ss", width=150),
        _("What happened"): st.column_config.TextColumn(width=420),
        _("Changes"): st.column_config.TextColumn(width=320),
    }
    if raw:
        text = ["actor_name", "action", "entity", "entity_id", "reason", "before", "after"]
        cells = df[text].astype(object).where(df[text].notna(), "")
        columns |= {
            _("User"): cells["actor_name"],
            _("Action"): cells["action"],
            _("Kind of record"): cells["entity"],
            _("Record number"): cells["entity_id"],
            _("Reason"): cells["reason"],
            _("Before"): cells["before"],
            _("After"): cells["after"],
        }
    picked = st.dataframe(
        pd.DataFrame(columns),
        hide_index=True,
        width="stretch",
        height=min(HEADER_PX + ROW_PX * len(df), 600),
        on_select="rerun",
        selection_mode="single-row",
        key=key,
        column_config=config,
        placeholder="",
    )
    rows = picked.selection.rows
    return int(df["id"].iloc[rows[0]]) if rows else None


def _go(k: str, kind: str, event_id: int) -> None:
    st.session_state[f"{k}_{CURSOR}"] = (kind, int(event_id))


def pager(info: PageInfo, shown: int, k: str = "at") -> None:
    total = (
        _("more than {n}", n=fmt_int(info.total))
        if info.total_is_lower_bound
        else fmt_int(info.total)
    )
    left, middle, right = st.columns([1, 3, 1], vertical_alignment="center")
    left.button(
        _("Newer"),
        key=f"{k}_newer",
        disabled=not info.has_newer,
        on_click=_go,
        args=(k, "newer", info.newest_id or 0),
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
        key=f"{k}_older",
        disabled=not info.has_older,
        on_click=_go,
        args=(k, "older", info.oldest_id or 0),
        icon=":material/chevron_right:",
        icon_position="right",
        width="stretch",
    )
    if info.has_newer:
        st.button(_("Back to the newest events"), key=f"{k}_top", on_click=_reset_cursor, args=(k,))


def _reset_cursor(k: str = "at") -> None:
    st.session_state[f"{k}_{CURSOR}"] = None


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
    """One event: the row selected in the table, or any number typed in: its sentence, its
    changes field by field, every stored value, the JSON when asked for, the hashes."""
    if selected is not None and selected != st.session_state.get("at_detail_applied"):
        st.session_state["at_detail_id"] = selected
        st.session_state["at_detail_applied"] = selected
    st.session_state.setdefault("at_detail_id", newest)
    # Its content is drawn only while it is open (a click on it reruns the page): closed, the
    # event number is kept for when it opens again.
    box = st.expander(
        _("One event in full"),
        icon=":material/receipt_long:",
        expanded=selected is not None,
        key=DETAIL_OPEN,
        on_change="rerun",
    )
    if not box.open:
        return
    with box:
        event_id = st.number_input(
            _("Event number"),
            min_value=1,
            max_value=max(1, head.last_id),
            step=1,
            key="at_detail_id",
            persist_state="page",
        )
        try:
            ev = data.audit_event(url, actor, int(event_id))
        except DomainError as exc:
            explain(exc)
            return
        row = {
            "actor_id": ev.actor_id,
            "actor_name": ev.actor_name,
            "action": ev.action,
            "entity": ev.entity,
            "entity_id": ev.entity_id,
            "reason": ev.reason,
        }
        kind = kind_of(ev.entity, ev.action, ev.after)
        names = data.audit_names(url, actor, ((kind, ev.entity_id),), (ev.actor_id,))
        st.text(_kst(ev.occurred_at) + "  " + words.sentence(row, names.records, names.actors))
        changes = words.changes(ev.entity, ev.before, ev.after)
        if len(changes):
            st.dataframe(changes, hide_index=True, width="stretch", placeholder="")
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
        st.markdown("**" + _("As stored") + "**")
        st.dataframe(fields, hide_index=True, width="stretch", placeholder="")
        if st.toggle(_("Show the stored JSON"), key="at_detail_json"):
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


def _export_frame(df: pd.DataFrame, names: EventNames) -> pd.DataFrame:
    """The events as files: the sentence and the changes in words, then every raw field."""
    times = df["occurred_at"]
    said, changed = sentences(df, names)
    return pd.DataFrame(
        {
            _("No."): df["id"],
            _("Time (KST)"): times.dt.tz_convert(clock.city_zone()).dt.strftime(
                "%Y-%m-%d %H:%M:%S"
            ),
            _("What happened"): said,
            _("Changes"): changed,
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
    k = _prefix(filters)
    st.markdown("**" + _("Download the filtered events") + "**")
    if st.session_state.get(f"{k}_{EXPORT_READY}") != filters:
        if matching.total_is_lower_bound or matching.total > DOWNLOAD_LIMIT:
            label = _("Prepare the files (the newest {n} events)", n=fmt_int(DOWNLOAD_LIMIT))
        else:
            label = _("Prepare the files ({n} events)", n=fmt_int(matching.total))
        spot = st.empty()
        if not spot.button(label, key=f"{k}_prepare", icon=":material/file_download:"):
            return
        spot.empty()
        st.session_state[f"{k}_{EXPORT_READY}"] = filters
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
        names = page_names(url, actor, df)
        stamp = clock.city_now()
        download_buttons(
            _export_frame(df, names), f"audit-trail-{stamp:%Y%m%d-%H%M}", key=f"{k}_files"
        )


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


@st.fragment
def receipt_panel(actor: Actor) -> None:
    """A head receipt (the head MACed with the audit key kept outside the database), made
    when asked for."""
    st.markdown("**" + _("Head receipt") + "**")
    st.caption(
        _(
            "A receipt holds the head, a fingerprint of every event and a MAC made with the "
            "audit key, which the database never holds. Keep it away from the database "
            "server: checked against it later, a rewritten history is named at its first "
            "changed event."
        )
    )
    if not st.button(_("Make a head receipt"), key="at_make_receipt", icon=":material/key:"):
        return
    try:
        text = data.read(head_receipt, actor=actor)
    except DomainError as exc:
        explain(exc)
        return
    st.download_button(
        _("Download the receipt"),
        text.encode("utf-8"),
        file_name=f"audit-receipt-{clock.city_today().isoformat()}.json",
        mime="application/json",
        key="at_receipt_file",
        icon=":material/download:",
    )


def verify_panel(actor: Actor) -> None:
    expected = st.text_input(
        _("Head hash exported earlier (optional)"),
        max_chars=80,
        key="at_expected",
        persist_state="page",
        placeholder=_("64 characters 0-9 and a-f"),
        help=_(
            "With a head hash noted earlier, the check also shows whether events after it "
            "were removed or rewritten."
        ),
    )
    if st.button(_("Verify integrity"), type="primary", icon=":material/verified:"):
        bar = st.progress(0.0, text=_("Checking the chain…"))

        def progress(phase: str, done: int, total: int) -> None:
            share = min(1.0, done / total) if total else 1.0
            if phase == CHAIN_PHASE:
                text = _(
                    "Checked {done} of {total} events…",
                    done=fmt_int(done),
                    total=fmt_int(total),
                )
                bar.progress(share * 0.5, text=text)
            else:
                text = _(
                    "Checking the records against their seals: {done} of {total} steps…",
                    done=fmt_int(done),
                    total=fmt_int(total),
                )
                bar.progress(0.5 + share * 0.5, text=text)

        try:
            result = data.read(
                verify_integrity, actor=actor, expected_head=expected or None, progress=progress
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
        verdict(result.chain, exported, when)
        records_verdict(result)
    receipt_check(actor)


RECEIPT_CHOSEN = "at_receipt_chosen"  # the head receipt chosen to check against: (name, bytes)
RECEIPT_UPLOAD = "at_receipt_upload"  # its uploader's key (and a number: a new box after Clear)


def _uploader_key() -> str:
    return f"{RECEIPT_UPLOAD}_{int(st.session_state.get(RECEIPT_UPLOAD + '_n', 0))}"


def _hold_receipt() -> None:
    """The file just chosen is held in the session: the tabs draw only the open one, and an
    uploader that is not drawn forgets its file (the auditor would have to choose it again
    after looking at another tab)."""
    chosen = st.session_state.get(_uploader_key())
    if chosen is not None:
        st.session_state[RECEIPT_CHOSEN] = (str(chosen.name), chosen.getvalue())


def _clear_receipt() -> None:
    st.session_state.pop(RECEIPT_CHOSEN, None)
    st.session_state[RECEIPT_UPLOAD + "_n"] = (
        int(st.session_state.get(RECEIPT_UPLOAD + "_n", 0)) + 1
    )


def _size(n: int) -> str:
    return (
        _("{n} kB", n=fmt_int(max(1, round(n / 1000))))
        if n >= 1000
        else _("{n} bytes", n=fmt_int(n))
    )


def receipt_check(actor: Actor) -> None:
    """The chain checked against a head receipt kept outside the database. The file chosen
    is held until the auditor clears it (see :func:`_hold_receipt`)."""
    held = st.session_state.get(RECEIPT_CHOSEN)
    if held is None:
        st.file_uploader(
            _("Check against a head receipt"),
            type=["json"],
            key=_uploader_key(),
            on_change=_hold_receipt,
        )
        return
    name, content = held
    st.markdown("**" + _("Check against a head receipt") + "**")
    st.caption(escape_markdown(_("Chosen: {name}, {size}", name=name, size=_size(len(content)))))
    st.button(
        _("Remove the receipt"),
        key="at_receipt_clear",
        on_click=_clear_receipt,
        icon=":material/close:",
    )
    try:
        checked = data.read(check_head_receipt, actor=actor, content=content)
    except DomainError as exc:
        explain(exc)
        return
    message = _(checked.template, **checked.params)
    if checked.ok:
        st.success(message, icon=":material/verified:")
    else:
        st.error(message, icon=":material/gpp_bad:")


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


def records_verdict(result: Integrity) -> None:
    """The records against their seals: all as their audited writes left them, or each
    record that differs (table, its number, the fields) in a table."""
    found = result.records
    if found.unsealed:
        st.info(
            _(
                "No record is sealed yet, so the records cannot be compared: the administrator "
                "runs `python -m db upgrade` once to seal them."
            )
        )
        return
    if found.ok:
        st.success(
            _(
                "All {n} audited records in {tables} tables are as their audited writes left them.",
                n=fmt_int(found.checked),
                tables=fmt_int(len(found.tables)),
            ),
            icon=":material/verified:",
        )
        return
    st.error(
        _(
            "{n} records differ from what their audited writes left: changed, inserted or "
            "deleted directly in the database.",
            n=fmt_int(len(found.problems)) + ("+" if found.more else ""),
        ),
        icon=":material/gpp_bad:",
    )
    rows = []
    for p in found.problems:
        entity = ENTITY_OF.get(p.table, p.table)
        named = result.names.get((entity, str(p.record_id)))
        rows.append(
            (
                words.entity_label(entity),
                p.table,
                str(p.record_id),
                named.number if named else "",
                _(PROBLEMS.get(p.kind, p.kind)),
                ", ".join(_(words.FIELDS[f]) if f in words.FIELDS else f for f in p.fields)
                or ("" if p.event_id is None else _("event {n}", n=fmt_int(p.event_id))),
            )
        )
    st.dataframe(
        pd.DataFrame(
            rows,
            columns=[
                _("Kind of record"),
                _("Table"),
                _("Id"),
                _("Record number"),
                _("What differs"),
                _("Fields"),
            ],
        ),
        hide_index=True,
        width="stretch",
        placeholder="",
    )


PROBLEMS = {
    CHANGED: N_("changed outside the audited writes"),
    INSERTED: N_("inserted outside the audited writes"),
    DELETED: N_("deleted outside the audited writes"),
    SEALS_ALTERED: N_("its stored seals were altered"),
}


# --- the events tab ------------------------------------------------------------------------


def new_run() -> None:
    """A full rerun of the page: files are written again only if asked for."""
    for k in ("at", "as"):
        st.session_state.pop(f"{k}_{EXPORT_READY}", None)


def page_size(filters: AuditFilters | None = None) -> int:
    k = "at" if filters is None else _prefix(filters)
    return int(st.session_state.get(f"{k}_size", 50))


def cursor(filters: AuditFilters) -> tuple[int | None, int | None]:
    """Where the page starts: (after_id, before_id); back to the newest events when the
    filters changed."""
    k = _prefix(filters)
    if st.session_state.get(f"{k}_{SHOWN_FILTERS}") != filters:
        st.session_state[f"{k}_{SHOWN_FILTERS}"] = filters
        st.session_state[f"{k}_{CURSOR}"] = None
    at = st.session_state.get(f"{k}_{CURSOR}")
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
    k = _prefix(filters)
    if df.empty and filters.is_empty_but_tab:
        st.info(_("The audit trail is empty: no event has been recorded yet."))
    elif df.empty:
        st.info(_("No event matches these filters. Widen the period or clear a filter."))
    else:
        at = st.session_state.get(f"{k}_{CURSOR}")
        table_key = f"{k}_table_{at}_{abs(hash(filters))}"  # a new page, no selection
        names = page_names(url, actor, df)
        selected = events_table(df, names, table_key, bool(st.session_state.get(f"{k}_raw")))
        if not filters.sign_ins:
            st.caption(_("Select a row to see that event in full below."))
        pager(info, len(df), k)
        if not filters.sign_ins:
            event_detail(url, actor, head, int(df["id"].iloc[0]), selected)
        downloads(url, actor, filters, info)


# --- the integrity tab -----------------------------------------------------------------------


def integrity(actor: Actor, head: ChainHead) -> None:
    left, right = st.columns([2, 3], gap="large")
    with left:
        head_panel(head)
        receipt_panel(actor)
    with right:
        verify_panel(actor)
