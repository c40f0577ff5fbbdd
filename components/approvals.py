"""The approvals screen (approvers): what waits for a decision; one item with everything
needed to decide it (the proposal, the technology, the deliberation record, what blocks the
approver, the history) and its decision form; several items at once, with a result per item.

Four eyes and the meeting's recommendation are checked again in ``db.approvals`` for every
item. Text from the database is shown in data grids or, inside Markdown, escaped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pandas as pd
import streamlit as st

from components import data
from components.cells import escape_markdown, missing, moment, money, pick, row_name
from components.forms import Form
from components.grid import Col, date_col, table, vocab
from components.history import history_table
from components.i18n import N_, _, fmt_int
from components.labels import label, status_label
from db import approvals
from db.approvals import AdoptionContext, ItemContext, ItemOutcome, ProposalContext
from db.errors import ValidationFailed
from db.policy import Actor
from db.technologies import TechnologyDetail


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


def _why_not(v: Any, r: Mapping[str, Any]) -> str:
    """Why the item cannot be approved now (a message template and its parameters)."""
    if missing(v) or not v:
        return ""
    params = r.get("blocked_params")
    return _(str(v), **(params if isinstance(params, Mapping) else {}))


PENDING = (  # at 1440 px the proposer and the budget stay in view; "why not" comes last
    Col("kind", N_("Kind"), vocab("item_kind")),
    Col("reg_no", N_("Registration number")),
    Col("title_ko", N_("Technology"), lambda _v, r: row_name(r, "title_ko", "title_en"), width=200),
    Col("subject", N_("Project or step"), _subject, width=180),
    Col("proposed_by", N_("Proposed by")),
    date_col("proposed_on", N_("Proposed")),
    Col("budget_krw", N_("Budget"), lambda v, _r: "" if missing(v) else money(v)),
    Col("can_approve", N_("Can be approved"), _approvable),
    Col("approve_blocked", N_("Why not"), lambda v, r: _why_not(v, r), width=330),
)


def pending_list(pending: pd.DataFrame) -> None:
    st.caption(
        _(
            "{n} items wait for a decision.",
            n=fmt_int(int(pending["can_decide"].sum()) if len(pending) else 0),
        )
    )
    st.caption(_("Click a row to open the item and decide it under the list."))
    table(
        pending,
        PENDING,
        empty=N_("Nothing waits for your decision."),
        key="ap_pending",
        on_open=_open_item,
    )


ITEM_KEY = "ap_item"  # the item chosen in "Decide one item"


def _open_item(row: Mapping[str, Any]) -> None:
    """A click on a row that the approver may decide opens it below, with its form."""
    if row.get("can_decide"):
        st.session_state[ITEM_KEY] = str(row["key"])


def item_label(pending: pd.DataFrame) -> Callable[[str], str]:
    rows = {str(r["key"]): r for _i, r in pending.iterrows()}

    def fmt(key: str) -> str:
        r = rows.get(key)
        if r is None:
            return key
        return f"{r['reg_no']} · {row_name(r, 'title_ko', 'title_en')} · {_subject(None, r)}"

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


def _technology_card(tech: TechnologyDetail) -> None:
    heading(_("Technology"))
    _facts(
        [
            (N_("Registration number"), tech.reg_no),
            (N_("Title"), pick(tech.title_ko, tech.title_en, empty="")),
            (N_("Owner"), pick(tech.owner_ko, tech.owner_en, empty="")),
            (N_("Local or external"), label("locality", "local" if tech.is_local else "external")),
            (N_("Field"), label("field", tech.field)),
            (N_("Growth sector"), label("growth_sector", tech.growth_sector)),
            (N_("Certification"), label("certification", tech.certification)),
            (N_("Status"), status_label("technology", tech.status)),
            (N_("Registered"), moment(tech.registered_on)),
        ]
    )
    if tech.summary:
        st.caption(escape_markdown(str(tech.summary)))


DELIBERATION = (
    Col("code", N_("Meeting"), link=lambda r: f"meetings?id={int(r['meeting_id'])}"),
    Col("kind", N_("Kind"), vocab("meeting_kind")),
    date_col("held_on", N_("Held on")),
    Col("decision", N_("Decision"), vocab("decision")),
    Col(
        "members",
        N_("Members who scored"),
        lambda v, _r: "-" if missing(v) or not v else fmt_int(int(v)),
    ),
    Col(
        "stage1_mean",
        N_("First-stage criteria (mean)"),
        lambda v, _r: "-" if missing(v) else f"{v:.1f}",
    ),
    Col("overall_mean", N_("All criteria (mean)"), lambda v, _r: "-" if missing(v) else f"{v:.1f}"),
    Col(
        "rule_passed",
        N_("Scoring rule"),
        lambda v, _r: (
            "-" if missing(v) else (_("Meets the thresholds") if v else _("Below the thresholds"))
        ),
    ),
    Col("decision_reason", N_("Reason")),
)


def _deliberations(ctx: ItemContext) -> None:
    heading(_("Deliberation record"))
    table(
        ctx.deliberations,
        DELIBERATION,
        empty=N_("No meeting has deliberated on it yet."),
        key=f"ap_delib_{ctx.key}",
    )


def _history(ctx: ItemContext) -> None:
    hist = ctx.history
    with st.expander(_("History ({n})", n=fmt_int(hist.total)), expanded=False):
        if hist.events.empty:
            st.info(_("No recorded events."))
            return
        history_table(hist, f"ap_hist_{ctx.key}")


def decision_screen(ctx: ItemContext) -> None:
    """Everything to decide one item: the proposal, the technology, the deliberation
    record with scores, the recommendation, what blocks the actor, and the history."""
    with st.container(border=True):
        if isinstance(ctx, AdoptionContext):
            _adoption_screen(ctx)
        elif isinstance(ctx, ProposalContext):
            _proposal_screen(ctx)
        for problem in ctx.blocked:
            st.warning(_(problem.message, **problem.params))
        _history(ctx)


def _adoption_screen(ctx: AdoptionContext) -> None:
    a, rec = ctx.adoption, ctx.recommendation
    st.subheader(escape_markdown(str(a.project_name)))
    left, right = st.columns(2)
    with left:
        heading(_("Proposal"))
        _facts(
            [
                (N_("Department"), a.department),
                (N_("Budget"), money(a.budget_krw)),
                (N_("Project year"), a.year),
                (N_("Status"), status_label("adoption", a.status)),
                (N_("Proposed by"), a.proposed_by),
                (N_("Proposed"), moment(a.proposed_on)),
                (N_("Edited after the proposal by"), ", ".join(ctx.editors) or "-"),
            ]
        )
        st.markdown("**" + _("Justification") + "**")
        st.markdown(escape_markdown(str(a.justification or "-")))
        if a.decision_comment:
            who = escape_markdown(str(a.decided_by or "-"))
            st.markdown("**" + _("Last decision comment") + f"** ({who})")
            st.markdown(escape_markdown(str(a.decision_comment)))
    with right:
        _technology_card(ctx.technology)
    if rec.recommended:
        st.success(
            _(
                "Recommended by the adoption review meeting {code} ({at}).",
                code=rec.meeting_code,
                at=moment(rec.decided_at),
            )
        )
    _deliberations(ctx)


def _proposal_screen(ctx: ProposalContext) -> None:
    p = ctx.proposal
    entity = p.entity
    st.subheader(
        _(
            "{kind}: {start} → {end}",
            kind=label("item_kind", f"{entity}_step"),
            start=status_label(entity, p.from_status),
            end=status_label(entity, p.to_status),
        )
    )
    left, right = st.columns(2)
    with left:
        heading(_("Proposal"))
        details = p.details
        pairs: list[tuple[str, Any]] = [
            (N_("Proposed by"), p.proposed_by),
            (N_("Proposed"), moment(p.proposed_at)),
            (N_("Reason"), p.reason),
        ]
        if "site" in details:
            pairs.append((N_("Site"), details["site"]))
        if "started_on" in details:
            start = moment(dt.date.fromisoformat(details["started_on"]))
            end = moment(dt.date.fromisoformat(details["planned_end_on"]))
            pairs.append((N_("Period"), f"{start} – {end}"))
        if "completed_on" in details:
            pairs.append(
                (N_("Completed on"), moment(dt.date.fromisoformat(details["completed_on"])))
            )
        if "certification" in details:
            pairs.append(
                (N_("Certification won"), label("certification", details["certification"]))
            )
        _facts(pairs)
        if ctx.testbed is not None:
            tb = ctx.testbed
            heading(_("Testbed"))
            _facts(
                [
                    (N_("Status"), status_label("testbed", tb.status)),
                    (N_("Site"), tb.site),
                    (N_("Applied"), moment(tb.applied_on)),
                    (N_("Selected"), moment(tb.selected_on)),
                    (N_("Started"), moment(tb.started_on)),
                ]
            )
    with right:
        _technology_card(ctx.technology)
    _deliberations(ctx)


CHOOSE_DECISION = N_("Choose a decision.")


def _chosen_decision(form: Form, key: str) -> str:
    """The decision chosen in the form's radio (none is chosen for the approver)."""
    decision = form.value(key)
    if decision is None:
        raise ValidationFailed({"decision": CHOOSE_DECISION})
    return str(decision)


def decision_form(actor: Actor, ctx: ItemContext, name: str) -> None:
    """Approve, reject or return with a mandatory comment, after ticking the confirmation;
    no decision is chosen beforehand, and the confirmation names the item (``name``)."""
    if not ctx.can_decide:
        st.info(_("You cannot decide this item."))
        return
    form = Form("decide")
    choices = ["approve", "reject"] if ctx.can_approve else ["reject"]
    if isinstance(ctx, AdoptionContext):
        choices.append("return")
    with st.form(form.name):
        heading(_("Your decision"))
        st.radio(
            _("Approval decision"),
            choices,
            format_func=lambda c: label("decision_choice", c),
            horizontal=True,
            index=None,
            key=form.key("ap_decision"),
        )
        form.field_error("decision")
        if not ctx.can_approve:
            st.caption(_("Approval is not possible now; see the reasons above."))
        st.text_area(
            _("Comment (required, kept with the decision)"),
            max_chars=2000,
            key=form.key("ap_comment"),
        )
        form.field_error("comment")
        st.checkbox(
            _("I have reviewed the proposal, the technology and the deliberation record above."),
            key=form.key("ap_confirm"),
        )

        def write() -> str:
            decision = _chosen_decision(form, "ap_decision")
            data.write(
                approvals.decide_one,
                actor=actor,
                key=ctx.key,
                decision=decision,
                comment=form.value("ap_comment") or "",
            )
            return decision

        st.form_submit_button(
            _("Record the decision"),
            type="primary",
            on_click=form.submit(
                ("comment", "decision"),
                write,
                lambda decision: (
                    _("Decision recorded: {decision}.", decision=label("decision_choice", decision))
                    + " "
                    + _("Item: {item}.", item=name)
                ),
                confirm="ap_confirm",
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
    form = Form("bulk")
    fmt = item_label(pending)
    with st.form(form.name):
        st.multiselect(
            _("Items"),
            [str(k) for k in decidable["key"]],
            format_func=fmt,
            placeholder=_("Choose the items to decide"),
            key=form.key("ap_bulk_keys"),
        )
        form.field_error("keys")
        st.radio(
            _("Approval decision"),
            ["approve", "reject", "return"],
            format_func=lambda c: label("decision_choice", c),
            horizontal=True,
            index=None,
            key=form.key("ap_bulk_decision"),
        )
        form.field_error("decision")
        st.text_area(
            _("Comment (required, kept with each decision)"),
            max_chars=2000,
            key=form.key("ap_bulk_comment"),
        )
        form.field_error("comment")
        st.caption(
            _(
                "Each item is checked on its own: items that cannot take this decision are "
                "left unchanged and listed with the reason."
            )
        )
        st.checkbox(_("I have reviewed each selected item."), key=form.key("ap_bulk_confirm"))

        def write() -> list[ItemOutcome]:
            keys = list(form.value("ap_bulk_keys") or [])
            if not keys:
                raise ValidationFailed({"keys": CHOOSE_ITEMS})
            outcomes: list[ItemOutcome] = data.write(
                approvals.decide_many,
                actor=actor,
                keys=keys,
                decision=_chosen_decision(form, "ap_bulk_decision"),
                comment=form.value("ap_bulk_comment") or "",
            )
            st.session_state[OUTCOMES_KEY] = (outcomes, {k: fmt(k) for k in keys})
            return outcomes

        st.form_submit_button(
            _("Record the decisions"),
            type="primary",
            on_click=form.submit(
                ("comment", "keys", "decision"),
                write,
                lambda outcomes: _(
                    "{done} of {n} decisions recorded; see the result of each item below.",
                    done=fmt_int(sum(o.outcome == "done" for o in outcomes)),
                    n=fmt_int(len(outcomes)),
                ),
                confirm="ap_bulk_confirm",
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
    st.dataframe(df, hide_index=True, width="stretch", key="ap_outcomes_table", placeholder="")
