"""Historical migrations on the import screen: submitting a checked file, the migrations that
wait for a second person (confirm, with a confirmation before the irreversible write, or
decline), and the list of every migration with the records it wrote (also on the audit
trail, for auditors).

``db.imports.historical`` checks roles, four eyes and the file again; this module turns its
results into tables and sentences in the session's language.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components import data
from components import imports as ui
from components.forms import error_text, flash, show_error
from components.i18n import N_, _, fmt_int
from db import clock, imports
from db.errors import DomainError
from db.imports import historical
from db.policy import MIGRATION_CONFIRMERS, Actor

STATUS_LABELS = {
    "pending": N_("Waiting for confirmation"),
    "confirmed": N_("Confirmed and written"),
    "declined": N_("Declined"),
}
ENTITY_LABELS = {
    "technology": N_("Technology"),
    "expert": N_("Expert"),
    "organization": N_("Organization"),
    "inquiry": N_("Inquiry"),
}
ACTION_LABELS = {"added": N_("Added"), "updated": N_("Updated")}


def explain_mode() -> None:
    """What a historical migration is, before a file is uploaded for one."""
    st.info(
        _(
            "A historical migration brings in a city's history: records dated in the past and "
            "technologies past the submitted status, which a normal import refuses. You check "
            "and submit the file; it is stored with its SHA-256 and the check's report, and "
            "nothing is written until another administrator or an approver confirms it. Every "
            "record it writes is marked as migrated and listed for auditors."
        ),
        icon=":material/history:",
    )


def _counts(report: dict[str, int] | historical.Migration | imports.CheckResult) -> str:
    if isinstance(report, historical.Migration):
        add, update, unchanged = report.to_add, report.to_update, report.report.get("unchanged", 0)
    elif isinstance(report, imports.CheckResult):
        add, update, unchanged = report.to_add, report.to_update, report.unchanged
    else:
        add, update, unchanged = report["to_add"], report["to_update"], report["unchanged"]
    return _(
        "{add} to add, {update} to update, {unchanged} unchanged",
        add=fmt_int(add),
        update=fmt_int(update),
        unchanged=fmt_int(unchanged),
    )


def submit(
    actor: Actor, register_key: str, filename: str, content: bytes, result: imports.CheckResult
) -> None:
    """A checked file without problems: summary, preview, and submission for confirmation."""
    st.subheader(_("Ready to submit as a historical migration"))
    st.success(
        _("No problems in {file}: {counts}.", file=result.filename, counts=_counts(result)),
        icon=":material/check_circle:",
    )
    if result.preview:
        st.markdown("**" + _("Preview of the first rows") + "**")
        st.dataframe(ui.preview_frame(result), hide_index=True, width="stretch", placeholder="")
    if result.to_add + result.to_update == 0:
        st.info(_("Nothing would change: every record is already in the register as in the file."))
        return
    st.caption(
        _(
            "Submitting writes nothing to the registers: the file waits for another "
            "administrator or an approver, who confirms or declines it."
        )
    )
    checked = st.checkbox(
        _("I have checked the summary and the preview of this history."),
        key=f"mig_checked_{result.sha256}",
    )
    if not st.button(
        _("Submit for confirmation"),
        type="primary",
        disabled=not checked,
        icon=":material/send:",
        key="mig_submit",
    ):
        return
    try:
        migration = data.write(
            historical.submit_migration,
            actor=actor,
            register=register_key,
            filename=filename,
            data=content,
            vocabulary=ui.vocabulary(),
        )
    except imports.ImportRefused as refused:
        st.session_state[ui.STATE_RESULT] = refused.result
        show_error(refused)
        return
    except DomainError as exc:
        show_error(exc)
        return
    ui.forget_upload()
    flash(
        "success",
        _(
            "Migration {id} submitted: it waits for another administrator or an approver to "
            "confirm it. Nothing was written to the registers yet.",
            id=migration.id,
        ),
        icon=":material/send:",
    )
    st.rerun()


def _facts(m: historical.Migration) -> str:
    return _(
        "{register}, file {file} (SHA-256 {sha}), submitted by {name} on {at}: {counts}.",
        register=ui.register_title(m.register),
        file=m.filename,
        sha=m.sha256,
        name=m.submitted_by,
        at=clock.city_time_text(m.submitted_at),
        counts=_counts(m),
    )


def _preview(m: historical.Migration) -> pd.DataFrame:
    rows = []
    for p in m.report.get("preview", []):
        action = ui.ACTIONS.get(p["action"], p["action"])
        rows.append({_("Row"): p["row"], _("Action"): _(action), **p["cells"]})
    return pd.DataFrame(rows)


def _confirm(actor: Actor, m: historical.Migration) -> None:
    bar = st.progress(0.0, text=_("Checking rows…"))
    try:
        done = data.write(
            historical.confirm_migration,
            actor=actor,
            migration_id=m.id,
            vocabulary=ui.vocabulary(),
            progress=ui.progress_callback(bar, _("Writing records…")),
        )
    except imports.ImportRefused as refused:
        bar.empty()
        show_error(refused)
        st.table(ui.report_frame(refused.result), hide_index=True, border="horizontal")
        return
    except DomainError as exc:
        bar.empty()
        show_error(exc)
        return
    bar.empty()
    flash(
        "success",
        _(
            "Migration {id} confirmed: {added} added, {updated} updated, recorded as audit "
            "event {event}.",
            id=m.id,
            added=fmt_int(done.added),
            updated=fmt_int(done.updated),
            event=fmt_int(done.event_id),
        ),
        icon=":material/task_alt:",
    )
    st.rerun()


def _decline(actor: Actor, m: historical.Migration, comment: str) -> None:
    try:
        data.write(historical.decline_migration, actor=actor, migration_id=m.id, comment=comment)
    except DomainError as exc:
        st.error(error_text(exc))
        for problem in getattr(exc, "errors", {}).values():
            st.error(_(problem))
        return
    flash("success", _("Migration {id} declined. Nothing was written.", id=m.id))
    st.rerun()


def pending(actor: Actor) -> None:
    """The migrations waiting for a second person, each with confirm and decline."""
    if not actor.has(*MIGRATION_CONFIRMERS):
        return
    waiting = data.read(historical.list_migrations, actor=actor, status="pending")
    st.subheader(_("Migrations waiting for confirmation"))
    if not waiting:
        st.caption(_("No historical migration is waiting for confirmation."))
        return
    for m in waiting:
        with st.container(border=True):
            st.markdown("**" + _("Migration {id}", id=m.id) + "**")
            st.caption(_facts(m))
            preview = _preview(m)
            if not preview.empty:
                with st.expander(_("Preview of the first rows")):
                    st.dataframe(preview, hide_index=True, width="stretch", placeholder="")
            own = m.submitted_by_id == actor.id
            if own:
                st.info(
                    _(
                        "You submitted this migration, so another administrator or an approver "
                        "confirms it. You may withdraw it by declining it."
                    )
                )
            else:
                sure = st.checkbox(
                    _(
                        "I have checked this file: confirming writes its records as the city's "
                        "history, and this cannot be undone."
                    ),
                    key=f"mig_sure_{m.id}",
                )
                if st.button(
                    _("Confirm and write"),
                    type="primary",
                    disabled=not sure,
                    icon=":material/task_alt:",
                    key=f"mig_confirm_{m.id}",
                ):
                    _confirm(actor, m)
            comment = st.text_input(
                _("Reason for declining"), key=f"mig_reason_{m.id}", max_chars=2000
            )
            if st.button(_("Decline"), icon=":material/block:", key=f"mig_decline_{m.id}"):
                _decline(actor, m, comment)


def _status(code: str) -> str:
    return _(STATUS_LABELS.get(code, code))


def history(actor: Actor) -> None:
    """Every migration (newest first) and, for one chosen, the records it wrote."""
    migrations = data.read(historical.list_migrations, actor=actor)
    st.subheader(_("Historical migrations"))
    st.caption(
        _(
            "Each migration brought in a city's history from a file: who submitted it, who "
            "confirmed or declined it and when, how many records it wrote, and the file's "
            "SHA-256. Times are Korea Standard Time."
        )
    )
    if not migrations:
        st.info(_("No historical migration yet."), icon=":material/history:")
        return
    frame = pd.DataFrame(
        [
            {
                _("Migration"): m.id,
                _("Register"): ui.register_title(m.register),
                _("File"): m.filename,
                _("Status"): _status(m.status),
                _("Submitted by"): m.submitted_by,
                _("Submitted (KST)"): clock.city_time_text(m.submitted_at),
                _("Decided by"): m.decided_by or "",
                _("Decided (KST)"): clock.city_time_text(m.decided_at) if m.decided_at else "",
                _("Comment"): m.decision_comment or "",
                _("Records written"): m.records,
                _("SHA-256"): m.sha256,
                _("Audit event"): m.event_id,
            }
            for m in migrations
        ]
    ).astype({_("Records written"): "Int64", _("Audit event"): "Int64"})
    st.dataframe(frame, hide_index=True, width="stretch", placeholder="")
    written = [m for m in migrations if m.status == "confirmed"]
    if not written:
        return
    chosen = st.selectbox(
        _("Records written by migration"),
        [m.id for m in written],
        format_func=lambda i: _("Migration {id}", id=i),
        key="mig_records_of",
    )
    entries = data.read(historical.migrated_records, actor=actor, migration_id=chosen)
    st.dataframe(
        pd.DataFrame(
            [
                {
                    _("Kind of record"): _(ENTITY_LABELS.get(e.entity, e.entity)),
                    _("Id"): e.entity_id,
                    _("Action"): _(ACTION_LABELS.get(e.action, e.action)),
                    _("Record"): e.label,
                }
                for e in entries
            ]
        ),
        hide_index=True,
        width="stretch",
        placeholder="",
    )
