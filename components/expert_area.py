"""The expert area (role ``expert``): the meetings the signed-in expert sits on, their answer
to each seat, and per agenda item their signed declaration and their own scores. Every read
and write goes through ``db.meetings.panelist``, which shows them their own seat only.

Nothing here is cached: every result is the acting expert's own (``components.data.read``).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components import data, mailing
from components.applicant_account import app_link
from components.cells import escape_markdown, pick
from components.forms import save, show_error
from components.i18n import N_, _, current_language, fmt_date, fmt_datetime
from components.labels import label
from db.errors import DomainError
from db.meetings import panelist
from db.policy import Actor


def expert_area(actor: Actor) -> None:
    st.title(_("Expert area"))
    st.caption(
        _(
            "The meetings you were drawn for. Confirm or decline your seat before the meeting; "
            "for each agenda item, sign a statement of a conflict of interest or of none; while "
            "the meeting scores, enter your own scores. Nobody else can enter or see them "
            "before the scoring closes."
        )
    )
    try:
        mine = data.read(panelist.my_meetings, actor=actor)
    except DomainError as exc:
        show_error(exc)
        return
    if not mine:
        st.info(_("You have not been drawn for a meeting yet."))
        return
    names = {m.id: f"{m.code} · {fmt_date(m.scheduled_on)} · {m.title}" for m in mine}
    chosen = st.selectbox(
        _("Meeting"),
        list(names),
        format_func=names.__getitem__,
        key=f"expert_meeting_{current_language()}",  # the options' text is the language's
    )
    agenda = data.read(panelist.my_agenda, actor=actor, meeting_id=int(chosen))
    _seat(actor, agenda)
    for item in agenda.items:
        _item(actor, agenda, item)


def _seat(actor: Actor, agenda: panelist.MyAgenda) -> None:
    m = agenda.meeting
    st.subheader(f"{m.code} · {m.title}")
    st.markdown(
        " · ".join(
            [
                label("meeting_kind", m.kind),
                label("meeting_status", m.status),
                fmt_date(m.held_on or m.scheduled_on),
            ]
            + ([m.location] if m.location else [])
        )
    )
    if m.replaced:
        st.info(_("You declined this seat; a substitute was drawn for it."))
        return
    if m.status != "scheduled":
        if m.attended is False:
            st.warning(_("You are recorded as absent from this meeting."))
        return
    answer = {
        None: _("You have not answered yet."),
        "confirmed": _("You confirmed that you will attend."),
        "declined": _("You declined this seat."),
    }[m.response]
    st.markdown(answer)
    left, right = st.columns(2)
    if m.response != "confirmed" and left.button(
        _("Confirm my attendance"), icon=":material/event_available:", key="expert_confirm"
    ):
        save(
            panelist.respond,
            _("Your attendance is confirmed."),
            actor=actor,
            meeting_id=m.id,
            attend=True,
        )
    sure = right.checkbox(
        _("I cannot attend: a substitute will be drawn, and I cannot take the seat back."),
        key="expert_decline_sure",
    )
    if right.button(
        _("Decline my seat"), icon=":material/event_busy:", disabled=not sure, key="expert_decline"
    ):
        save(
            panelist.respond,
            _("You declined your seat; a substitute was drawn by the regulation's rule."),
            actor=actor,
            meeting_id=m.id,
            attend=False,
        )


def _item(actor: Actor, agenda: panelist.MyAgenda, item: panelist.MyItem) -> None:
    title = pick(item.title_ko, item.title_en)
    with st.container(border=True):
        st.markdown(f"**{item.position}. {item.reg_no or '-'} · {title}**")
        st.caption(
            _("Applicant: {name}", name=pick(item.applicant_ko, item.applicant_en))
            + " · "
            + label("decision", item.decision)
        )
        if item.summary:
            st.text(item.summary)
        _declaration(actor, item)
        _scores(actor, agenda, item)


def _declaration(actor: Actor, item: panelist.MyItem) -> None:
    if item.declared_conflict is not None and item.signed_at is not None:
        said = (
            _("You declared a conflict of interest ({at}).", at=fmt_datetime(item.signed_at))
            if item.declared_conflict
            else _("You declared no conflict of interest ({at}).", at=fmt_datetime(item.signed_at))
        )
        st.markdown(said)
        st.text(item.statement or "")
    if not item.declaring_open or item.declared_conflict:
        return
    if item.declared_conflict is False and item.scores is not None:
        return
    with st.form(f"expert_declare_{item.id}"):
        choice = st.radio(
            _("Declaration"),
            ["none", "conflict"],
            format_func=lambda v: (
                _("I have no conflict of interest with this applicant")
                if v == "none"
                else _("I have a conflict of interest with this applicant: I recuse myself")
            ),
            key=f"expert_declare_choice_{item.id}",
        )
        statement = st.text_area(
            _("Statement"),
            max_chars=2000,
            help=_(
                "Signed with your account and the time; it cannot change once the scoring closes."
            ),
        )
        if st.form_submit_button(_("Sign the declaration"), icon=":material/draw:"):
            save(
                panelist.declare,
                _("Your declaration was signed."),
                actor=actor,
                item_id=item.id,
                conflict=choice == "conflict",
                statement=statement,
            )


def _scores(actor: Actor, agenda: panelist.MyAgenda, item: panelist.MyItem) -> None:
    names = {c: _(agenda.labels.get(c, c)) for c in agenda.criteria}
    if item.scores is not None:
        shown = ", ".join(f"{names[c]} {item.scores.get(c, '-')}" for c in agenda.criteria)
        origin = label("evaluation_origin", item.origin or "self")
        st.markdown(_("Your scores: {scores}", scores=shown) + f" ({origin})")
        if item.comment:
            st.text(item.comment)
    if item.outcome is not None and item.outcome.members:
        st.caption(
            _(
                "The panel's result: stage 1 mean {stage1}, overall mean {overall}, {n} members.",
                stage1=f"{item.outcome.stage1_mean:.2f}",
                overall=f"{item.outcome.overall_mean:.2f}",
                n=item.outcome.members,
            )
        )
    if not item.scoring_open or item.recused or item.declared_conflict is not False:
        return
    if item.origin not in (None, "self"):
        return
    with st.form(f"expert_scores_{item.id}"):
        entered: dict[str, int | None] = {}
        boxes = st.columns(len(agenda.criteria))
        for col, criterion in zip(boxes, agenda.criteria, strict=True):
            before = item.scores.get(criterion) if item.scores else None
            entered[criterion] = col.number_input(
                names[criterion], min_value=0, max_value=100, value=before, step=1
            )
        comment = st.text_area(_("Comment"), value=item.comment or "", max_chars=4000)
        label_text = _("Change my scores") if item.scores else _("Submit my scores")
        if st.form_submit_button(label_text, icon=":material/rate_review:"):
            values = {c: int(v) for c, v in entered.items() if v is not None}
            if len(values) < len(agenda.criteria):
                st.warning(_("Enter a score for every criterion. Nothing was saved."))
                return
            save(
                panelist.score,
                _("Your scores were saved; you can change them until the scoring closes."),
                actor=actor,
                item_id=item.id,
                scores=values,
                comment=comment,
            )


def member_progress(actor: Actor, meeting_id: int) -> None:
    """Staff, auditors, approvers: per member and item, the declaration and where each
    evaluation came from (the member's own sign-in, or staff's proxy entry with its sheet),
    who entered it and when. Not the scores (the record shows those to its readers)."""
    rows = data.read(panelist.panel_progress, actor=actor, meeting_id=meeting_id)
    if not rows:
        return
    with st.expander(_("Members' declarations and scores"), icon=":material/how_to_vote:"):
        table = pd.DataFrame(
            {
                _("Member"): [r.expert_name for r in rows],
                _("Item"): [r.position for r in rows],
                _("Answer"): [label("seat_response", r.response) for r in rows],
                _("Declaration"): [label("declaration", r.declared) for r in rows],
                _("Signed"): [fmt_datetime(r.signed_at) if r.signed_at else "-" for r in rows],
                _("Scores"): [label("evaluation_origin", r.origin) for r in rows],
                _("Entered by"): [r.entered_by or "-" for r in rows],
                _("Entered"): [fmt_datetime(r.entered_at) if r.entered_at else "-" for r in rows],
                _("Last changed"): [
                    fmt_datetime(r.changed_at) if r.changed_at else "-" for r in rows
                ],
                _("Reason for the proxy entry"): [r.proxy_reason or "-" for r in rows],
                _("Sheet (SHA-256)"): [(r.sheet_sha256 or "-")[:16] for r in rows],
            }
        )
        st.dataframe(table, hide_index=True, width="stretch", placeholder="")
        if "staff" in actor.roles:
            _remind(actor, meeting_id)


REMIND_SUBJECT = N_("A meeting of the New Technology Platform waits for you")
REMIND_BODY = N_(
    "Hello {name},\n\nyou sit on a panel of the city's New Technology Platform that still waits "
    "for you: {declarations} declaration(s) of conflict of interest and {scores} score "
    "sheet(s). Please sign in to the expert area:\n\n{link}\n\nIf you have already answered, "
    "please disregard this message."
)


GAP_HOURS = int(panelist.REMINDER_GAP.total_seconds() // 3600)


def _remind(actor: Actor, meeting_id: int) -> None:
    """Staff: mail the members who still owe a declaration or their scores."""
    st.caption(
        _(
            "Members who still owe a declaration or their scores can be reminded by e-mail, "
            "each at most once in {hours} hours; members without an account are listed to call.",
            hours=GAP_HOURS,
        )
    )
    if not st.button(
        _("Remind those who have not declared or scored"),
        key=f"remind_panel_{meeting_id}",
        icon=":material/notifications:",
    ):
        return
    lang = current_language()
    link = app_link("expert")
    try:
        done = data.write(
            panelist.remind_panel,
            actor=actor,
            meeting_id=meeting_id,
            compose=lambda name, declarations, scores: mailing.letter(
                lang,
                REMIND_SUBJECT,
                REMIND_BODY,
                name=name,
                declarations=declarations,
                scores=scores,
                link=link,
            ),
            deliver=mailing.settings().deliver,
        )
    except DomainError as exc:
        show_error(exc)
        return
    mailing.send_queued()
    if not done.owing:
        st.info(_("Every member has declared and scored what is open. Nobody was reminded."))
        return
    if done.sent:
        st.success(_("Reminded: {names}.", names=_names(done.sent)), icon=":material/check:")
    if done.recent:
        st.info(
            _(
                "Reminded less than {hours} hours ago, not again: {names}.",
                hours=GAP_HOURS,
                names=_names(done.recent),
            )
        )
    if done.no_account:
        st.warning(
            _(
                "No expert account with an address, please call: {names}.",
                names=_names(done.no_account),
            )
        )


def _names(names: list[str]) -> str:
    return ", ".join(escape_markdown(n) for n in names)
