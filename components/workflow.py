"""UI parts of the work queue (staff) and the approvals screen (approvers).

Pages stay thin: they read through ``components.data`` and hand the results here. Every
write goes through ``data.write`` into ``db/`` (which checks roles and rules again);
refusals come back as ``DomainError`` and are shown as sentences, field problems under the
field they concern, with "nothing was saved". After a write the page reruns, so lists are
fresh and the outcome is shown once at the top (a "flash" kept in the session).

Text from the database is shown in data grids or, inside Markdown, escaped; never as HTML.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st

from components import data
from components.forms import error_text
from components.i18n import N_, _, current_language, fmt_date, fmt_datetime, fmt_int
from components.labels import label as base_label
from components.registers import HISTORY_ACTIONS, escape_markdown, history_frame
from components.tiles import Tile, tile_row
from db import adoptions, approvals, clock, domain, technologies
from db.adoptions import year_bounds
from db.approvals import ItemOutcome
from db.errors import DomainError, ValidationFailed
from db.policy import Actor

LABELS: dict[str, dict[str, str]] = {
    "item_kind": {
        "adoption": N_("Adoption"),
        "technology": N_("Technology"),
        "testbed": N_("Testbed"),
        "testbed_step": N_("Testbed step"),
        "technology_step": N_("End of registration"),
    },
    "proposal_status": {
        "pending": N_("Waiting for an approver"),
        "confirmed": N_("Approved"),
        "declined": N_("Rejected"),
    },
    "decision_choice": {
        "approve": N_("Approve"),
        "reject": N_("Reject"),
        "return": N_("Return for rework"),
    },
    "outcome": {
        "done": N_("Recorded"),
        "refused": N_("Refused"),
        "conflict": N_("Already decided"),
        "failed": N_("Not possible"),
    },
    "action": HISTORY_ACTIONS,
}


def label(kind: str, code: str | None) -> str:
    """A workflow code's name; falls back to the shared vocabularies (``components.labels``)."""
    if code is None:
        return "-"
    text = LABELS.get(kind, {}).get(code)
    return _(text) if text else base_label(kind, code)


def status_label(entity: str, code: str | None) -> str:
    vocabulary = {"testbed": "testbed_stage", "technology": "tech_status"}.get(
        entity, "adoption_status"
    )
    return base_label(vocabulary, code)


# --- small helpers ---------------------------------------------------------------------------


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT


def _title(record: Mapping[str, Any], english: bool | None = None) -> str:
    """The technology title in the reader's language (Korean when there is no English);
    ``english``: whether the reader reads English, when the caller knows it already."""
    en = record.get("title_en")
    if english is None:
        english = current_language() == "en"
    if english and not _missing(en) and en:
        return str(en)
    ko = record.get("title_ko")
    return "" if _missing(ko) else str(ko)


def _owner(record: Mapping[str, Any]) -> str:
    en = record.get("owner_en")
    return str(en if current_language() == "en" and en else record.get("owner_ko") or "")


def _money(value: Any) -> str:
    return "-" if _missing(value) else _("{amount} won", amount=fmt_int(int(value)))


def _date(value: Any) -> str:
    if _missing(value):
        return "-"
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime):
        return fmt_datetime(value)
    return fmt_date(value)


@dataclass(frozen=True)
class Col:
    """A column of a workflow table: data key, header msgid, how to show the value."""

    key: str
    header: str
    show: Callable[[Any, Mapping[str, Any]], Any] | None = None
    width: int | None = None  # pixels; Streamlit sizes the others to their content


def table(df: pd.DataFrame, columns: Sequence[Col], *, empty: str, key: str) -> None:
    """``df`` as a data grid with translated headers and labels, or ``empty`` (msgid)."""
    if df.empty:
        st.info(_(empty))
        return
    out = pd.DataFrame(index=range(len(df)))
    rows = df.to_dict("records")  # plain dicts: iterrows builds a Series per row
    for col in columns:
        values = [
            col.show(r.get(col.key), r)
            if col.show
            else ("" if _missing(r.get(col.key)) else r.get(col.key))
            for r in rows
        ]
        out[_(col.header)] = pd.Series(values, dtype=object)
    config = {_(c.header): st.column_config.Column(width=c.width) for c in columns if c.width}
    st.dataframe(
        out,
        hide_index=True,
        width="stretch",
        column_config=config,
        key=key,
        height=min(38 + 35 * len(out), 420),
    )


def vocab(kind: str) -> Callable[[Any, Mapping[str, Any]], str]:
    return lambda v, _r: "-" if _missing(v) else label(kind, str(v))


def title_col(header: str = N_("Technology")) -> Col:
    return Col("title_ko", header, lambda _v, r: _title(r))


def date_col(key: str, header: str) -> Col:
    return Col(key, header, lambda v, _r: _date(v))


# --- flash: one message shown after the rerun that follows a write ---------------------------

FLASH = "wf_flash"


def flash(kind: str, text: str) -> None:
    """Keep ``text`` (already translated) to show once on the next run."""
    st.session_state[FLASH] = (kind, text)


def show_flash() -> None:
    kind, text = st.session_state.pop(FLASH, (None, None))
    if text:
        {"success": st.success, "error": st.error, "warning": st.warning}.get(kind, st.info)(text)


def _errors_key(form: str) -> str:
    return f"wf_errors_{form}"


def form_errors(form: str) -> dict[str, str]:
    errors: dict[str, str] = st.session_state.get(_errors_key(form), {})
    return errors


def field_error(errors: dict[str, str], name: str) -> None:
    """The problem with one field, right under it."""
    if name in errors:
        st.error(_(errors[name]), icon=":material/error:")


def _fail(form: str, exc: DomainError, shown_fields: Sequence[str]) -> None:
    """Remember a failed write for the rerun: field problems under their fields, the rest
    (and "nothing was saved") at the top."""
    errors = exc.errors if isinstance(exc, ValidationFailed) else {}
    st.session_state[_errors_key(form)] = errors
    lines = [error_text(exc)]  # names and titles from the database shown as typed
    lines += [_(p) for f, p in errors.items() if f not in shown_fields]
    flash("error", "\n\n".join(lines))


def on_submit(
    form: str,
    fields: Sequence[str],
    write: Callable[[], Any],
    success: Callable[[Any], str],
    confirm: str | None = None,
) -> Callable[[], None]:
    """The submit button's callback: run ``write`` with the form's values (read from the
    session); on success flash ``success(result)`` and empty the form; on a refusal keep the
    problems for the fields. It runs before the page does, so the page then shows the new
    state, and a result is never lost because the item has left the list meanwhile.
    ``confirm``: the key of a checkbox that must be ticked first."""

    def run() -> None:
        if confirm is not None and not st.session_state.get(confirm):
            flash("warning", _("Tick the confirmation first. Nothing was saved."))
            return
        try:
            result = write()
        except DomainError as exc:
            _fail(form, exc, fields)
            return
        st.session_state.pop(_errors_key(form), None)
        st.session_state[_generation_key(form)] = generation(form) + 1  # an empty form
        flash("success", success(result))

    return run


def _generation_key(form: str) -> str:
    return f"wf_generation_{form}"


def generation(form: str) -> int:
    """How many times ``form`` was saved in this session: part of its widgets' keys, so a
    saved form comes back empty (widgets inside a form keep what the browser sent)."""
    return int(st.session_state.get(_generation_key(form), 0))


def wkey(form: str, name: str) -> str:
    """The key of widget ``name`` of ``form`` for the current generation."""
    n = generation(form)
    return name if n == 0 else f"{name}__{n}"


def value(key: str) -> Any:
    """A form widget's value as submitted."""
    return st.session_state.get(key)


def _required(name: str, key: str, problem: str) -> Any:
    """The value of ``key``; when it is empty, record ``problem`` for ``name`` and raise."""
    chosen = value(key)
    if chosen is None:
        raise ValidationFailed({name: problem})
    return chosen


# --- the staff work queue --------------------------------------------------------------------


QUEUE_PAGE = 200  # rows per queue section, and more with each "Show more"
CHOICE_LIMIT = 1000  # options of a technology or organization select box
LIMIT_KEY = "wq_limit"


def queue_limit() -> int:
    """How many rows each queue section shows now (grows with "Show more")."""
    return int(st.session_state.get(LIMIT_KEY, QUEUE_PAGE))


def _show_more() -> None:
    st.session_state[LIMIT_KEY] = queue_limit() + QUEUE_PAGE


def queue_tiles(counts: dict[str, int]) -> None:
    tile_row(
        [
            Tile(
                _("To screen"),
                counts["to_screen"],
                _("Submissions to screen, and screened technologies to send to review."),
            ),
            Tile(
                _("To propose"),
                counts["to_propose"],
                _("Registered technologies that no city project has proposed yet."),
            ),
            Tile(
                _("Waiting for a meeting"),
                counts["awaiting_meeting"],
                _(
                    "Technologies under review, adoption proposals and testbed applications "
                    "that no meeting has decided yet."
                ),
            ),
            Tile(
                _("My open proposals"),
                counts["my_open"],
                _("Your adoption proposals and proposed steps that are not decided yet."),
            ),
        ]
    )


TO_SCREEN = (
    Col("reg_no", N_("Registration number")),
    title_col(),
    Col("owner_ko", N_("Owner"), lambda _v, r: _owner(r)),
    Col("field", N_("Field"), vocab("field")),
    Col("status", N_("Status"), vocab("tech_status")),
    date_col("since", N_("Since")),
)
TO_PROPOSE = (
    Col("reg_no", N_("Registration number")),
    title_col(),
    Col("owner_ko", N_("Owner"), lambda _v, r: _owner(r)),
    Col(
        "is_local",
        N_("Local or external"),
        lambda v, _r: base_label("locality", "local" if v else "external"),
    ),
    Col("field", N_("Field"), vocab("field")),
    Col("growth_sector", N_("Growth sector"), vocab("growth_sector")),
    date_col("registered_on", N_("Registered")),
)


def _awaiting_status(v: Any, r: Mapping[str, Any]) -> str:
    return status_label(str(r["kind"]), v)


AWAITING = (
    Col("kind", N_("Kind"), vocab("item_kind")),
    Col("reg_no", N_("Registration number")),
    title_col(),
    Col("subject", N_("Project or site")),
    Col("status", N_("Status"), _awaiting_status),
    date_col("since", N_("Since")),
    Col("meeting", N_("On the agenda of")),
)


def _my_state(_v: Any, r: Mapping[str, Any]) -> str:
    if r["kind"] == "adoption":
        return status_label("adoption", r["status"])
    entity = str(r["kind"]).removesuffix("_step")
    step = _(
        "{start} → {end}",
        start=status_label(entity, r["from_status"]),
        end=status_label(entity, r["to_status"]),
    )
    return f"{step}: {label('proposal_status', r['status'])}"


MINE = (
    Col("kind", N_("Kind"), vocab("item_kind")),
    Col("reg_no", N_("Registration number")),
    title_col(),
    Col("subject", N_("Project or site")),
    Col("status", N_("State"), _my_state),
    date_col("proposed_on", N_("Proposed")),
    Col("decided_by", N_("Decided by")),
    date_col("decided_at", N_("Decided")),
    Col("comment", N_("Decision comment")),
)


def _more(section: str, shown: int, total: int) -> None:
    """Under a cut section: how much is shown, and a button for the next rows."""
    if shown >= total:
        return
    st.caption(
        _("Showing the first {shown} of {total}.", shown=fmt_int(shown), total=fmt_int(total))
    )
    st.button(_("Show more"), key=f"wq_more_{section}", on_click=_show_more)


def queue_sections(queue: dict[str, pd.DataFrame], counts: dict[str, int]) -> None:
    """The four queue lists, each in its tab with its full count; each shows its first
    rows (:func:`queue_limit`) and a "Show more" button when there are more."""
    tabs = st.tabs(
        [
            _("To screen ({n})", n=fmt_int(counts["to_screen"])),
            _("To propose ({n})", n=fmt_int(counts["to_propose"])),
            _("Waiting for a meeting ({n})", n=fmt_int(counts["awaiting_meeting"])),
            _("My proposals ({n})", n=fmt_int(counts["my_proposals"])),
        ]
    )
    with tabs[0]:
        st.caption(_("Submissions to screen, and screened technologies to send to review."))
        table(queue["to_screen"], TO_SCREEN, empty=N_("Nothing to screen."), key="wq_screen")
        _more("to_screen", len(queue["to_screen"]), counts["to_screen"])
    with tabs[1]:
        st.caption(_("Registered technologies that no city project has proposed yet."))
        table(
            queue["to_propose"],
            TO_PROPOSE,
            empty=N_("Every registered technology has a proposal."),
            key="wq_propose",
        )
        _more("to_propose", len(queue["to_propose"]), counts["to_propose"])
    with tabs[2]:
        st.caption(
            _(
                "Technologies under review, adoption proposals and testbed applications that "
                "no meeting has decided yet."
            )
        )
        table(
            queue["awaiting_meeting"],
            AWAITING,
            empty=N_("Nothing waits for a meeting."),
            key="wq_meeting",
        )
        _more("awaiting_meeting", len(queue["awaiting_meeting"]), counts["awaiting_meeting"])
    with tabs[3]:
        st.caption(_("Your adoption proposals and proposed steps, open ones first."))
        table(
            queue["my_proposals"],
            MINE,
            empty=N_("You have not proposed anything yet."),
            key="wq_mine",
        )
        _more("my_proposals", len(queue["my_proposals"]), counts["my_proposals"])


SEARCH_OWNER = N_("Search organizations by name")
SEARCH_TESTBED = N_("Search testbeds by registration number, title or site")


def choice_search(key: str, label: str = N_("Search by registration number or title")) -> str:
    """A search box above a form's long select box (outside the form, so typing updates the
    list); the page reads the choices matching it, at most :data:`CHOICE_LIMIT`."""
    return str(st.text_input(_(label), key=key, max_chars=200) or "")


def choice_note(choices: pd.DataFrame) -> None:
    """Says the list is cut when it holds :data:`CHOICE_LIMIT` choices."""
    if len(choices) >= CHOICE_LIMIT:
        st.caption(
            _(
                "The list shows the first {n} matches: search to find others.",
                n=fmt_int(CHOICE_LIMIT),
            )
        )


def _choice_label(df: pd.DataFrame) -> Callable[[int], str]:
    english = current_language() == "en"  # once, not once per option (up to CHOICE_LIMIT)
    labels = {int(r["id"]): f"{r['reg_no']} · {_title(r, english)}" for r in df.to_dict("records")}

    def fmt(tech_id: int) -> str:
        return labels.get(int(tech_id), "-")

    return fmt


def move_form(actor: Actor, to_screen: pd.DataFrame) -> None:
    """Move a technology to screening, or from screening to review (``to_screen``: the
    technologies submitted or screening to choose from, with their ``status``)."""
    form = "move"
    errors = form_errors(form)
    if to_screen.empty:
        st.info(_("Nothing to screen."))
        return
    rows = {
        int(r["id"]): {**r, "next_status": domain.TECH_TRANSITIONS[str(r["status"])][0]}
        for r in to_screen.to_dict("records")
    }
    with st.form(form):
        st.selectbox(
            _("Technology"),
            list(rows),
            format_func=_choice_label(to_screen),
            index=None,
            placeholder=_("Choose a technology"),
            key=wkey(form, "wf_move_tech"),
        )
        field_error(errors, "tech_id")
        st.text_input(_("Note (optional)"), max_chars=500, key=wkey(form, "wf_move_note"))
        field_error(errors, "reason")
        st.caption(_("Submitted → Screening; Screening → Under review."))

        def write() -> dict[str, Any]:
            tech_id = _required("tech_id", wkey(form, "wf_move_tech"), CHOOSE_TECHNOLOGY)
            row = rows[int(tech_id)]
            to = str(row["next_status"])
            data.write(
                technologies.move_technology,
                actor=actor,
                tech_id=int(tech_id),
                to=to,
                expected=str(row["status"]),
                reason=value(wkey(form, "wf_move_note")) or "",
            )
            return {"reg_no": row["reg_no"], "status": status_label("technology", to)}

        st.form_submit_button(
            _("Move to the next step"),
            type="primary",
            on_click=on_submit(
                form,
                ("tech_id", "reason"),
                write,
                lambda r: _("{reg_no} is now: {status}.", **r),
            ),
        )


CHOOSE_TECHNOLOGY = N_("Choose a technology.")
ADOPTION_FIELDS = (
    "technology_id",
    "project_name",
    "department",
    "budget_krw",
    "year",
    "justification",
)


def propose_form(actor: Actor, registered: pd.DataFrame) -> None:
    """Propose a registered technology for a city project."""
    form = "propose"
    errors = form_errors(form)
    first, last = year_bounds()
    with st.form(form):
        st.selectbox(
            _("Registered technology"),
            [int(i) for i in registered["id"]],
            format_func=_choice_label(registered),
            index=None,
            placeholder=_("Choose a technology"),
            key=wkey(form, "wf_adopt_technology_id"),
        )
        field_error(errors, "technology_id")
        st.text_input(_("City project"), max_chars=300, key=wkey(form, "wf_adopt_project_name"))
        field_error(errors, "project_name")
        st.text_input(_("Department"), max_chars=200, key=wkey(form, "wf_adopt_department"))
        field_error(errors, "department")
        left, right = st.columns(2)
        with left:
            st.number_input(
                _("Budget (won)"),
                min_value=0,
                step=1_000_000,
                value=None,
                placeholder=_("e.g. 250000000"),
                key=wkey(form, "wf_adopt_budget_krw"),
            )
            field_error(errors, "budget_krw")
        with right:
            st.number_input(
                _("Project year"),
                min_value=first,
                max_value=last,
                value=min(max(clock.city_today().year, first), last),
                step=1,
                key=wkey(form, "wf_adopt_year"),
            )
            field_error(errors, "year")
        st.text_area(_("Justification"), max_chars=4000, key=wkey(form, "wf_adopt_justification"))
        field_error(errors, "justification")

        def write() -> int:
            budget, year = (
                value(wkey(form, "wf_adopt_budget_krw")),
                value(wkey(form, "wf_adopt_year")),
            )
            result: int = data.write(
                adoptions.propose_adoption,
                actor=actor,
                technology_id=value(wkey(form, "wf_adopt_technology_id")),
                project_name=value(wkey(form, "wf_adopt_project_name")) or "",
                department=value(wkey(form, "wf_adopt_department")) or "",
                budget_krw=None if budget is None else int(budget),
                year=None if year is None else int(year),
                justification=value(wkey(form, "wf_adopt_justification")) or "",
            )
            return result

        st.form_submit_button(
            _("Propose"),
            type="primary",
            on_click=on_submit(
                form,
                ADOPTION_FIELDS,
                write,
                lambda _r: _(
                    "Your proposal was saved. It now waits for an adoption review meeting."
                ),
            ),
        )


REGISTER_FIELDS = (
    "title_ko",
    "title_en",
    "owner_org_id",
    "field",
    "growth_sector",
    "certification",
    "summary",
)


def register_form(actor: Actor, owners: pd.DataFrame) -> None:
    """Record a technology submission; the registration number is assigned on saving."""
    form = "register"
    errors = form_errors(form)
    english = current_language() == "en"
    names = {
        int(r["id"]): str(r["name_en"] if english and r["name_en"] else r["name_ko"])
        for r in owners.to_dict("records")
    }
    with st.form(form):
        st.text_input(_("Title (Korean)"), max_chars=300, key=wkey(form, "wf_reg_title_ko"))
        field_error(errors, "title_ko")
        st.text_input(_("Title (English)"), max_chars=300, key=wkey(form, "wf_reg_title_en"))
        field_error(errors, "title_en")
        st.selectbox(
            _("Owner"),
            list(names),
            format_func=lambda i: names.get(int(i), "-"),
            index=None,
            placeholder=_("Choose an organization"),
            key=wkey(form, "wf_reg_owner_org_id"),
        )
        field_error(errors, "owner_org_id")
        left, mid, right = st.columns(3)
        with left:
            st.selectbox(
                _("Field"),
                data.vocabulary(data.database_url(), "fields", offered=True),
                format_func=lambda c: base_label("field", c),
                index=None,
                placeholder=_("Choose a field"),
                key=wkey(form, "wf_reg_field"),
            )
            field_error(errors, "field")
        with mid:
            sectors = data.vocabulary(data.database_url(), "sectors", offered=True)
            outside = data.vocabulary_with(data.database_url(), "sectors", "outside")
            st.selectbox(
                _("Growth sector"),
                sectors,
                format_func=lambda c: base_label("growth_sector", c),
                index=next((i for i, c in enumerate(sectors) if c in outside), None),
                key=wkey(form, "wf_reg_growth_sector"),
            )
            field_error(errors, "growth_sector")
        with right:
            st.selectbox(
                _("Certification"),
                domain.CERTIFICATIONS,
                format_func=lambda c: base_label("certification", c),
                index=len(domain.CERTIFICATIONS) - 1,
                key=wkey(form, "wf_reg_certification"),
            )
            field_error(errors, "certification")
        st.text_area(_("Summary (optional)"), max_chars=4000, key=wkey(form, "wf_reg_summary"))
        field_error(errors, "summary")
        st.caption(_("The registration number (DG-year-number) is assigned when it is saved."))

        def write() -> tuple[int, str]:
            result: tuple[int, str] = data.write(
                technologies.register_technology,
                actor=actor,
                title_ko=value(wkey(form, "wf_reg_title_ko")) or "",
                title_en=value(wkey(form, "wf_reg_title_en")) or "",
                owner_org_id=value(wkey(form, "wf_reg_owner_org_id")),
                field=value(wkey(form, "wf_reg_field")) or "",
                growth_sector=value(wkey(form, "wf_reg_growth_sector")),
                certification=value(wkey(form, "wf_reg_certification")) or "none",
                summary=value(wkey(form, "wf_reg_summary")),
            )
            return result

        st.form_submit_button(
            _("Register the submission"),
            type="primary",
            on_click=on_submit(
                form,
                REGISTER_FIELDS,
                write,
                lambda result: _("Submission registered as {reg_no}.", reg_no=result[1]),
            ),
        )


def _testbed_choice(row: Mapping[str, Any]) -> str:
    state = status_label("testbed", row["status"])
    return f"{row['reg_no']} · {_title(row)} ({state})"


TESTBED_FIELDS = (
    "to",
    "site",
    "started_on",
    "planned_end_on",
    "completed_on",
    "certification",
    "reason",
)


def testbed_step_form(actor: Actor, testbeds: pd.DataFrame) -> None:
    """Propose a testbed's next step; an approver confirms it."""
    form = "testbed"
    errors = form_errors(form)
    st.subheader(_("Propose a testbed step"))
    if testbeds.empty:
        st.info(_("No testbed can take a step now (finished, or a step is already waiting)."))
        return
    by_id = {int(r["id"]): r for r in testbeds.to_dict("records")}
    tb_id = st.selectbox(
        _("Testbed"),
        list(by_id),
        format_func=lambda i: _testbed_choice(by_id[i]),
        index=None,
        placeholder=_("Choose a testbed"),
        key=wkey(form, "wf_tb_id"),
    )
    if tb_id is None:
        return
    row = by_id[int(tb_id)]
    with st.form(form):
        st.radio(
            _("Next step"),
            list(row["next_statuses"]),
            format_func=lambda c: status_label("testbed", c),
            horizontal=True,
            key=wkey(form, "wf_tb_to"),
        )
        field_error(errors, "to")
        st.caption(
            _(
                "Selected or rejected follows a testbed selection meeting's decision. "
                "In progress needs the site and period, completed the end date, certified "
                "the certification won."
            )
        )
        st.text_input(_("Site"), max_chars=300, key=wkey(form, "wf_tb_site"))
        field_error(errors, "site")
        c1, c2, c3 = st.columns(3)
        with c1:
            st.date_input(_("Start"), value=None, key=wkey(form, "wf_tb_started"))
            field_error(errors, "started_on")
        with c2:
            st.date_input(_("Planned end"), value=None, key=wkey(form, "wf_tb_planned"))
            field_error(errors, "planned_end_on")
        with c3:
            st.date_input(_("Completed on"), value=None, key=wkey(form, "wf_tb_completed"))
            field_error(errors, "completed_on")
        st.selectbox(
            _("Certification won"),
            [c for c in domain.CERTIFICATIONS if c != "none"],
            format_func=lambda c: base_label("certification", c),
            index=None,
            placeholder=_("Choose a certification"),
            key=wkey(form, "wf_tb_cert"),
        )
        field_error(errors, "certification")
        st.text_input(_("Note (optional)"), max_chars=500, key=wkey(form, "wf_tb_reason"))
        field_error(errors, "reason")

        def write() -> int:
            to = str(value(wkey(form, "wf_tb_to")))
            result: int = data.write(
                approvals.propose_testbed_step,
                actor=actor,
                testbed_id=int(row["id"]),
                to=to,
                expected=str(row["status"]),
                reason=value(wkey(form, "wf_tb_reason")) or "",
                site=value(wkey(form, "wf_tb_site")) if to == "in_progress" else None,
                started_on=value(wkey(form, "wf_tb_started")) if to == "in_progress" else None,
                planned_end_on=value(wkey(form, "wf_tb_planned")) if to == "in_progress" else None,
                completed_on=value(wkey(form, "wf_tb_completed")) if to == "completed" else None,
                certification=value(wkey(form, "wf_tb_cert")) if to == "certified" else None,
            )
            return result

        st.form_submit_button(
            _("Propose the step"),
            type="primary",
            on_click=on_submit(
                form,
                TESTBED_FIELDS,
                write,
                lambda _r: _("The step was proposed. It waits for an approver's confirmation."),
            ),
        )


def end_registration_form(actor: Actor, choices: Callable[[], pd.DataFrame]) -> None:
    """Propose that a registration expires or is withdrawn; an approver confirms it
    (``choices`` reads the registered technologies to choose from, under the heading)."""
    form = "end"
    errors = form_errors(form)
    st.subheader(_("Propose ending a registration"))
    registered = choices()
    with st.form(form):
        st.selectbox(
            _("Registered technology"),
            [int(i) for i in registered["id"]],
            format_func=_choice_label(registered),
            index=None,
            placeholder=_("Choose a technology"),
            key=wkey(form, "wf_end_tech"),
        )
        field_error(errors, "tech_id")
        st.radio(
            _("End"),
            ("expired", "withdrawn"),
            format_func=lambda c: status_label("technology", c),
            horizontal=True,
            key=wkey(form, "wf_end_to"),
        )
        st.text_input(_("Reason"), max_chars=500, key=wkey(form, "wf_end_reason"))
        field_error(errors, "reason")

        def write() -> int | None:
            tech_id = _required("tech_id", wkey(form, "wf_end_tech"), CHOOSE_TECHNOLOGY)
            result: int | None = data.write(
                technologies.move_technology,
                actor=actor,
                tech_id=int(tech_id),
                to=str(value(wkey(form, "wf_end_to"))),
                expected="registered",
                reason=value(wkey(form, "wf_end_reason")) or "",
            )
            return result

        st.form_submit_button(
            _("Propose ending the registration"),
            type="primary",
            on_click=on_submit(
                form,
                ("tech_id", "reason"),
                write,
                lambda _r: _(
                    "The end of the registration was proposed. It waits for an approver's "
                    "confirmation."
                ),
            ),
        )


# --- approvals -------------------------------------------------------------------------------


def _subject(_v: Any, r: Mapping[str, Any]) -> str:
    if r["kind"] == "adoption":
        return str(r["subject"] or "")
    entity = str(r["kind"]).removesuffix("_step")
    return _(
        "{start} → {end}",
        start=status_label(entity, r["from_status"]),
        end=status_label(entity, r["to_status"]),
    )


def _approvable(v: Any, r: Mapping[str, Any]) -> str:
    if not r["can_decide"]:
        return _("No")
    if v:
        return _("Yes")
    return _("Not yet")


PENDING = (
    Col("kind", N_("Kind"), vocab("item_kind")),
    Col("reg_no", N_("Registration number")),
    Col("title_ko", N_("Technology"), lambda _v, r: _title(r), width=240),
    Col("subject", N_("Project or step"), _subject, width=200),
    Col("can_approve", N_("Can be approved"), _approvable),
    Col(
        "approve_blocked",
        N_("Why not"),
        lambda v, _r: "" if _missing(v) or not v else _(str(v)),
        width=330,
    ),
    Col("proposed_by", N_("Proposed by")),
    date_col("proposed_on", N_("Proposed")),
    Col("budget_krw", N_("Budget"), lambda v, _r: "" if _missing(v) else _money(v)),
)


def pending_list(pending: pd.DataFrame) -> None:
    st.caption(
        _(
            "{n} items wait for a decision.",
            n=fmt_int(int(pending["can_decide"].sum()) if len(pending) else 0),
        )
    )
    table(pending, PENDING, empty=N_("Nothing waits for your decision."), key="ap_pending")


def item_label(pending: pd.DataFrame) -> Callable[[str], str]:
    rows = {str(r["key"]): r for _i, r in pending.iterrows()}

    def fmt(key: str) -> str:
        r = rows.get(key)
        if r is None:
            return key
        return f"{r['reg_no']} · {_title(r)} · {_subject(None, r)}"

    return fmt


def heading(text: str) -> None:
    """A small heading (``text`` is already translated)."""
    st.markdown(f"#### {text}")


def _facts(pairs: Sequence[tuple[str, Any]]) -> None:
    """Label: value lines; values escaped (they come from the database)."""
    lines = [
        f"**{_(name)}**: {escape_markdown(str(value)) if value not in (None, '') else '-'}"
        for name, value in pairs
    ]
    st.markdown("  \n".join(lines))


def _technology_card(tech: dict[str, Any]) -> None:
    heading(_("Technology"))
    _facts(
        [
            (N_("Registration number"), tech["reg_no"]),
            (N_("Title"), _title(tech)),
            (N_("Owner"), _owner(tech)),
            (
                N_("Local or external"),
                base_label("locality", "local" if tech["is_local"] else "external"),
            ),
            (N_("Field"), base_label("field", tech["field"])),
            (N_("Growth sector"), base_label("growth_sector", tech["growth_sector"])),
            (N_("Certification"), base_label("certification", tech["certification"])),
            (N_("Status"), status_label("technology", tech["status"])),
            (N_("Registered"), _date(tech.get("registered_on"))),
        ]
    )
    if tech.get("summary"):
        st.caption(escape_markdown(str(tech["summary"])))


DELIBERATION = (
    Col("code", N_("Meeting")),
    Col("kind", N_("Kind"), vocab("meeting_kind")),
    date_col("held_on", N_("Held on")),
    Col("decision", N_("Decision"), vocab("decision")),
    Col(
        "members",
        N_("Members who scored"),
        lambda v, _r: "-" if _missing(v) or not v else fmt_int(int(v)),
    ),
    Col(
        "stage1_mean",
        N_("Novelty and progressiveness (mean)"),
        lambda v, _r: "-" if _missing(v) else f"{v:.1f}",
    ),
    Col(
        "overall_mean", N_("All criteria (mean)"), lambda v, _r: "-" if _missing(v) else f"{v:.1f}"
    ),
    Col(
        "rule_passed",
        N_("Scoring rule"),
        lambda v, _r: (
            "-" if _missing(v) else (_("Meets the thresholds") if v else _("Below the thresholds"))
        ),
    ),
    Col("decision_reason", N_("Reason")),
)


def _deliberations(ctx: dict[str, Any]) -> None:
    heading(_("Deliberation record"))
    table(
        ctx["deliberations"],
        DELIBERATION,
        empty=N_("No meeting has deliberated on it yet."),
        key=f"ap_delib_{ctx['key']}",
    )


def _history(ctx: dict[str, Any]) -> None:
    hist = ctx["history"]
    with st.expander(_("History ({n})", n=fmt_int(hist.total)), expanded=False):
        if hist.events.empty:
            st.info(_("No recorded events."))
            return
        st.caption(
            _(
                "{shown} of {n} events, newest first: who did what, when and why.",
                shown=fmt_int(len(hist.events)),
                n=fmt_int(hist.total),
            )
        )
        st.dataframe(
            history_frame(hist.events),
            hide_index=True,
            width="stretch",
            key=f"ap_hist_{ctx['key']}",
        )


def decision_screen(ctx: dict[str, Any]) -> None:
    """Everything to decide one item: the proposal, the technology, the deliberation
    record with scores, the recommendation, what blocks the actor, and the history."""
    with st.container(border=True):
        if "adoption" in ctx:
            _adoption_screen(ctx)
        else:
            _proposal_screen(ctx)
        for problem in ctx["blocked"]:
            st.warning(_(problem))
        _history(ctx)


def _adoption_screen(ctx: dict[str, Any]) -> None:
    a, rec = ctx["adoption"], ctx["recommendation"]
    st.subheader(escape_markdown(str(a["project_name"])))
    left, right = st.columns(2)
    with left:
        heading(_("Proposal"))
        _facts(
            [
                (N_("Department"), a["department"]),
                (N_("Budget"), _money(a["budget_krw"])),
                (N_("Project year"), a["year"]),
                (N_("Status"), status_label("adoption", a["status"])),
                (N_("Proposed by"), a["proposed_by"]),
                (N_("Proposed"), _date(a["proposed_on"])),
                (N_("Edited after the proposal by"), ", ".join(a["editors"]) or "-"),
            ]
        )
        st.markdown("**" + _("Justification") + "**")
        st.markdown(escape_markdown(str(a["justification"] or "-")))
        if a.get("decision_comment"):
            who = escape_markdown(str(a.get("decided_by") or "-"))
            st.markdown("**" + _("Last decision comment") + f"** ({who})")
            st.markdown(escape_markdown(str(a["decision_comment"])))
    with right:
        _technology_card(ctx["technology"])
    if rec.recommended:
        st.success(
            _(
                "Recommended by the adoption review meeting {code} ({at}).",
                code=rec.meeting_code,
                at=_date(rec.decided_at),
            )
        )
    _deliberations(ctx)


def _proposal_screen(ctx: dict[str, Any]) -> None:
    p = ctx["proposal"]
    entity = p["entity"]
    st.subheader(
        _(
            "{kind}: {start} → {end}",
            kind=label("item_kind", f"{entity}_step"),
            start=status_label(entity, p["from_status"]),
            end=status_label(entity, p["to_status"]),
        )
    )
    left, right = st.columns(2)
    with left:
        heading(_("Proposal"))
        details = p["details"]
        pairs: list[tuple[str, Any]] = [
            (N_("Proposed by"), p["proposed_by"]),
            (N_("Proposed"), _date(p["proposed_at"])),
            (N_("Reason"), p["reason"]),
        ]
        if "site" in details:
            pairs.append((N_("Site"), details["site"]))
        if "started_on" in details:
            start = _date(dt.date.fromisoformat(details["started_on"]))
            end = _date(dt.date.fromisoformat(details["planned_end_on"]))
            pairs.append((N_("Period"), f"{start} – {end}"))
        if "completed_on" in details:
            pairs.append(
                (N_("Completed on"), _date(dt.date.fromisoformat(details["completed_on"])))
            )
        if "certification" in details:
            pairs.append(
                (N_("Certification won"), base_label("certification", details["certification"]))
            )
        _facts(pairs)
        if ctx["record"]:
            rec = ctx["record"]
            heading(_("Testbed"))
            _facts(
                [
                    (N_("Status"), status_label("testbed", rec["status"])),
                    (N_("Site"), rec.get("site")),
                    (N_("Applied"), _date(rec.get("applied_on"))),
                    (N_("Selected"), _date(rec.get("selected_on"))),
                    (N_("Started"), _date(rec.get("started_on"))),
                ]
            )
    with right:
        _technology_card(ctx["technology"])
    _deliberations(ctx)


def decision_form(actor: Actor, ctx: dict[str, Any]) -> None:
    """Approve, reject or return with a mandatory comment, after ticking the confirmation."""
    if not ctx["can_decide"]:
        st.info(_("You cannot decide this item."))
        return
    form = "decide"
    errors = form_errors(form)
    choices = ["approve", "reject"] if ctx["can_approve"] else ["reject"]
    if "adoption" in ctx:
        choices.append("return")
    with st.form(form):
        heading(_("Your decision"))
        st.radio(
            _("Approval decision"),
            choices,
            format_func=lambda c: label("decision_choice", c),
            horizontal=True,
            key=wkey(form, "ap_decision"),
        )
        if not ctx["can_approve"]:
            st.caption(_("Approval is not possible now; see the reasons above."))
        st.text_area(
            _("Comment (required, kept with the decision)"),
            max_chars=2000,
            key=wkey(form, "ap_comment"),
        )
        field_error(errors, "comment")
        st.checkbox(
            _("I have reviewed the proposal, the technology and the deliberation record above."),
            key=wkey(form, "ap_confirm"),
        )

        def write() -> str:
            decision = str(value(wkey(form, "ap_decision")))
            data.write(
                approvals.decide_one,
                actor=actor,
                key=ctx["key"],
                decision=decision,
                comment=value(wkey(form, "ap_comment")) or "",
            )
            return decision

        st.form_submit_button(
            _("Record the decision"),
            type="primary",
            on_click=on_submit(
                form,
                ("comment",),
                write,
                lambda decision: _(
                    "Decision recorded: {decision}.", decision=label("decision_choice", decision)
                ),
                confirm=wkey(form, "ap_confirm"),
            ),
        )


OUTCOMES_KEY = "ap_outcomes"
CHOOSE_ITEMS = N_("Choose at least one item.")


def bulk_form(actor: Actor, pending: pd.DataFrame) -> None:
    """One decision and comment for several items; each is checked and recorded on its own."""
    decidable = pending[pending["can_decide"]] if len(pending) else pending
    results = st.session_state.get(OUTCOMES_KEY)
    if results is not None:
        outcomes_table(*results)
    if decidable.empty:
        st.info(_("Nothing waits for your decision."))
        return
    form = "bulk"
    errors = form_errors(form)
    fmt = item_label(pending)
    with st.form(form):
        st.multiselect(
            _("Items"),
            [str(k) for k in decidable["key"]],
            format_func=fmt,
            placeholder=_("Choose the items to decide"),
            key=wkey(form, "ap_bulk_keys"),
        )
        field_error(errors, "keys")
        st.radio(
            _("Approval decision"),
            ["approve", "reject", "return"],
            format_func=lambda c: label("decision_choice", c),
            horizontal=True,
            key=wkey(form, "ap_bulk_decision"),
        )
        st.text_area(
            _("Comment (required, kept with each decision)"),
            max_chars=2000,
            key=wkey(form, "ap_bulk_comment"),
        )
        field_error(errors, "comment")
        st.caption(
            _(
                "Each item is checked on its own: items that cannot take this decision are "
                "left unchanged and listed with the reason."
            )
        )
        st.checkbox(_("I have reviewed each selected item."), key=wkey(form, "ap_bulk_confirm"))

        def write() -> list[ItemOutcome]:
            keys = list(value(wkey(form, "ap_bulk_keys")) or [])
            if not keys:
                raise ValidationFailed({"keys": CHOOSE_ITEMS})
            outcomes: list[ItemOutcome] = data.write(
                approvals.decide_many,
                actor=actor,
                keys=keys,
                decision=str(value(wkey(form, "ap_bulk_decision"))),
                comment=value(wkey(form, "ap_bulk_comment")) or "",
            )
            st.session_state[OUTCOMES_KEY] = (outcomes, {k: fmt(k) for k in keys})
            return outcomes

        st.form_submit_button(
            _("Record the decisions"),
            type="primary",
            on_click=on_submit(
                form,
                ("comment", "keys"),
                write,
                lambda outcomes: _(
                    "{done} of {n} decisions recorded; see the result of each item below.",
                    done=fmt_int(sum(o.outcome == "done" for o in outcomes)),
                    n=fmt_int(len(outcomes)),
                ),
                confirm=wkey(form, "ap_bulk_confirm"),
            ),
        )


def outcomes_table(outcomes: Sequence[ItemOutcome], labels: dict[str, str]) -> None:
    """The per-item result of a bulk decision."""
    heading(_("Result of each item"))
    df = pd.DataFrame(
        {
            _("Item"): [labels.get(o.key, o.key) for o in outcomes],
            _("Result"): [label("outcome", o.outcome) for o in outcomes],
            _("Details"): [_(o.message, **o.params) if o.message else "" for o in outcomes],
        }
    )
    st.dataframe(df, hide_index=True, width="stretch", key="ap_outcomes_table")
