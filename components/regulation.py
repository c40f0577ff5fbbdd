# Over 500 lines on purpose: the tables and the three forms (draft, edit, approve) share the
# rules' names and inputs (RULE_NAMES, rules_inputs), declared once here.
"""The regulation page: its versions, the rules of each in a readable table, the differences
between two, the administrator's drafts and the approver's approval (with a confirmation
before the irreversible step).

Every write goes through one ``db.regulation.versions`` function (``components.data.write``),
which checks the role, the four eyes and the rules again; a refusal is shown as sentences
where the form is (the form kit's ``show_error``, refused rules one per line), a success
reruns the page with the kit's flash at its top.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd
import streamlit as st

from components import data
from components.cells import escape_markdown, pick
from components.forms import flash, show_error
from components.i18n import N_, _, current_language, fmt_date, fmt_datetime
from components.labels import label
from db import domain
from db.errors import DomainError
from db.policy import Actor
from db.regulation import versions as reg
from db.regulation.rules import IMPORTABLE_STATUSES, KEYS, RulesInvalid

RULE_NAMES: dict[str, str] = {
    "quorum": N_("Quorum: {kind}"),
    "pass_marks": N_("Pass mark, stage {stage}"),
    "weights": N_("Weight: {criterion}"),
    "conflict_window_years": N_("Conflict window (years after a tie ended)"),
    "panel_size": N_("Panel size"),
    "affiliation_cap": N_("Largest share of the seats one affiliation may hold"),
    "max_appointed": N_("Seats staff may fill by hand, per meeting"),
    "max_seats_per_expert": N_("Seats one expert may hold within the period"),
    "seat_period_days": N_("Period for the seats per expert (days)"),
    "substitutes": N_("Substitute for a member absent or recused"),
    "import_statuses": N_("Statuses a normal import may set"),
}
STATUS_NAMES = {
    "draft": N_("Draft"),
    "approved": N_("Approved"),
    "withdrawn": N_("Withdrawn"),
}
SUBSTITUTE_NAMES = {"draw": N_("drawn by rule from the same pool")}


# --- reading ---------------------------------------------------------------------------------


def _lang_key(key: str) -> str:
    """A select box's key per language (``key`` in English, ``key_ko`` in Korean): a
    language switch draws a new one (a select box keeps the text of its options otherwise)."""
    lang = current_language()
    return key if lang == "en" else f"{key}_{lang}"


def _criterion_name(view: reg.RegulationOverview, code: str) -> str:
    for c in view.criteria:
        if c.code == code:
            return pick(c.ko, c.en)
    return code


def rule_name(view: reg.RegulationOverview, key: str) -> str:
    """The name of a rule (``quorum.registration_review``, ``weights.novelty``, ...)."""
    head, _dot, tail = key.partition(".")
    template = RULE_NAMES.get(head)
    if template is None:
        return key
    return _(
        template,
        kind=label("meeting_kind", tail),
        stage=tail,
        criterion=_criterion_name(view, tail),
    )


def rule_value(key: str, value: Any) -> str:
    """A rule's value as a person reads it."""
    if value is None:
        return "-"
    if key == "substitutes":
        return _(SUBSTITUTE_NAMES[value]) if value in SUBSTITUTE_NAMES else str(value)
    if key == "import_statuses":
        return ", ".join(label("tech_status", s) for s in value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def flat_rules(rules_json: str) -> list[tuple[str, Any]]:
    """``(key, value)`` of every rule, the tables per kind, stage and criterion key by key, in
    the order of the rules."""
    raw = json.loads(rules_json)
    out: list[tuple[str, Any]] = []
    for key in KEYS:
        value = raw.get(key)
        if isinstance(value, dict):
            out += [(f"{key}.{k}", v) for k, v in value.items()]
        else:
            out.append((key, value))
    return out


def _rule(key: str) -> str:
    """The name of a rule without a table (``panel_size``, ``max_appointed``, ...)."""
    return _(RULE_NAMES[key])


def status_name(status: str) -> str:
    return _(STATUS_NAMES[status]) if status in STATUS_NAMES else status


def versions_table(view: reg.RegulationOverview) -> None:
    """Every version, newest first, with who drafted and approved it."""
    st.subheader(_("Versions"))
    if view.in_force is not None:
        st.caption(
            _(
                "In force today ({today}): version {number}, from {date}.",
                today=fmt_date(view.today),
                number=view.in_force.number,
                date=fmt_date(view.in_force.effective_on),
            )
        )
    else:
        st.warning(_("No version is in force today: no meeting can be scheduled."))
    st.dataframe(
        pd.DataFrame(
            {
                _("Version"): [v.number for v in view.versions],
                _("Status"): [status_name(v.status) for v in view.versions],
                _("Effective date"): [v.effective_on for v in view.versions],
                _("Directive"): [v.directive for v in view.versions],
                _("Drafted by"): [v.drafted_by for v in view.versions],
                _("Drafted at"): [fmt_datetime(v.drafted_at) for v in view.versions],
                _("Approved by"): [v.approved_by or "-" for v in view.versions],
                _("Approved at"): [
                    fmt_datetime(v.approved_at) if v.approved_at else "-" for v in view.versions
                ],
            }
        ),
        hide_index=True,
        width="stretch",
        column_config={_("Effective date"): st.column_config.DateColumn(format="YYYY-MM-DD")},
        placeholder="",
    )


def _version_name(view: reg.RegulationOverview) -> Callable[[int], str]:
    by_id = {v.id: v for v in view.versions}

    def name(version_id: int) -> str:
        v = by_id[version_id]
        return _(
            "Version {number} ({status}, from {date})",
            number=v.number,
            status=status_name(v.status),
            date=fmt_date(v.effective_on),
        )

    return name


def _in_order(view: reg.RegulationOverview, keys: list[str]) -> list[str]:
    """``keys`` (``quorum.registration_review``, ``weights.novelty``, ...) in the order of the
    rules, the kinds of meeting and the city's criteria (stored JSON sorts them by name)."""
    heads = list(KEYS)
    within = {
        **{k: i for i, k in enumerate(domain.MEETING_KINDS)},
        **{c.code: i for i, c in enumerate(view.criteria)},
    }

    def position(key: str) -> tuple[int, int, str]:
        head, _dot, tail = key.partition(".")
        return (heads.index(head) if head in heads else len(heads), within.get(tail, 0), tail)

    return sorted(keys, key=position)


def rules_table(view: reg.RegulationOverview, version: reg.Version) -> None:
    found = dict(flat_rules(version.rules.as_json()))
    rows = [(k, found[k]) for k in _in_order(view, list(found))]
    st.dataframe(
        pd.DataFrame(
            {
                _("Rule"): [rule_name(view, k) for k, _v in rows],
                _("Value"): [rule_value(k.partition(".")[0], v) for k, v in rows],
            }
        ),
        hide_index=True,
        width="stretch",
        placeholder="",
    )


def version_rules(view: reg.RegulationOverview) -> None:
    """The rules of a chosen version (by default the one in force)."""
    st.subheader(_("Rules of a version"))
    if not view.versions:
        return
    ids = [v.id for v in view.versions]
    default = ids.index(view.in_force.id) if view.in_force is not None else 0
    chosen = st.selectbox(
        _("Version"), ids, index=default, format_func=_version_name(view), key=_lang_key("rg_show")
    )
    version = next(v for v in view.versions if v.id == chosen)
    st.caption(
        escape_markdown(
            _("Directive: {directive}", directive=version.directive)
            + " · "
            + _("Source: {source}", source=version.source)
        )
    )
    rules_table(view, version)


def differences(actor: Actor, view: reg.RegulationOverview) -> None:
    """The rules that differ between two chosen versions."""
    st.subheader(_("Differences between two versions"))
    if len(view.versions) < 2:
        st.caption(_("There is only one version."))
        return
    ids = [v.id for v in view.versions]
    left, right = st.columns(2)
    first = left.selectbox(
        _("First version"), ids, index=1, format_func=_version_name(view), key=_lang_key("rg_first")
    )
    second = right.selectbox(
        _("Second version"),
        ids,
        index=0,
        format_func=_version_name(view),
        key=_lang_key("rg_second"),
    )
    found = data.read(reg.compare_versions, actor=actor, first_id=first, second_id=second)
    difference_table(view, found)


def difference_table(view: reg.RegulationOverview, found: list[tuple[str, Any, Any]]) -> None:
    if not found:
        st.info(_("The two versions have the same rules."))
        return
    by_key = {k: (a, b) for k, a, b in found}
    found = [(k, *by_key[k]) for k in _in_order(view, list(by_key))]
    st.dataframe(
        pd.DataFrame(
            {
                _("Rule"): [rule_name(view, k) for k, _a, _b in found],
                _("First version"): [rule_value(k.partition(".")[0], a) for k, a, _b in found],
                _("Second version"): [rule_value(k.partition(".")[0], b) for k, _a, b in found],
            }
        ),
        hide_index=True,
        width="stretch",
        placeholder="",
    )


# --- writing ---------------------------------------------------------------------------------


def _run(fn: Callable[..., Any], done: str, /, **kwargs: Any) -> bool:
    """Call the write; on success keep ``done`` for the next run and rerun the page."""
    try:
        data.write(fn, **kwargs)
    except RulesInvalid as exc:
        rules_problems(exc)
        return False
    except reg.NotADraft as exc:  # the status in the reader's language
        st.error(_(exc.message, **{**exc.params, "status": status_name(exc.params["status"])}))
        return False
    except DomainError as exc:
        show_error(exc)
        return False
    flash("success", done, icon=":material/check:")
    st.rerun()
    return True  # pragma: no cover - st.rerun() does not return


def rules_problems(exc: RulesInvalid) -> None:
    """Each problem of refused rules, named by its rule, in the reader's language."""
    st.error(_("The rules were refused, and nothing was saved:"))
    for p in exc.problems:
        st.error(f"{p.key}: {_(p.message, **p.params)}")


def rules_inputs(view: reg.RegulationOverview, base: reg.Version | None, key: str) -> dict:
    """The inputs of every rule, filled from ``base``; the rules as ``parse_rules`` reads
    them. Values are not bounded here: the data layer checks them and names each problem."""
    raw: Mapping[str, Any] = json.loads(base.rules.as_json()) if base is not None else {}
    out: dict[str, Any] = {}
    st.markdown("**" + _("Quorum per kind of meeting") + "**")
    cols = st.columns(len(domain.MEETING_KINDS))
    out["quorum"] = {
        kind: int(
            col.number_input(
                label("meeting_kind", kind),
                value=int(raw.get("quorum", {}).get(kind, 5)),
                step=1,
                key=f"{key}_q_{kind}",
            )
        )
        for col, kind in zip(cols, domain.MEETING_KINDS, strict=True)
    }
    stages = sorted({c.stage for c in view.criteria if not c.retired})
    st.markdown("**" + _("Pass marks (0-100)") + "**")
    cols = st.columns(max(1, len(stages)))
    out["pass_marks"] = {
        str(stage): float(
            col.number_input(
                _("Stage {stage}", stage=stage),
                value=float(raw.get("pass_marks", {}).get(str(stage), 70.0)),
                step=1.0,
                key=f"{key}_pm_{stage}",
            )
        )
        for col, stage in zip(cols, stages, strict=False)
    }
    offered = [c for c in view.criteria if not c.retired]
    st.markdown("**" + _("Weights of the criteria") + "**")
    cols = st.columns(max(1, len(offered)))
    out["weights"] = {
        c.code: float(
            col.number_input(
                _criterion_name(view, c.code),
                value=float(raw.get("weights", {}).get(c.code, 1.0)),
                step=0.5,
                key=f"{key}_w_{c.code}",
            )
        )
        for col, c in zip(cols, offered, strict=False)
    }
    st.markdown("**" + _("Panel") + "**")
    left, middle, right = st.columns(3)
    out["panel_size"] = _whole(left, "panel_size", raw, 7, key)
    out["affiliation_cap"] = middle.text_input(
        _rule("affiliation_cap"),
        value=str(raw.get("affiliation_cap", "1/2")),
        max_chars=10,
        key=f"{key}_affiliation_cap",
        help=_("A share such as 1/2 or 0.4."),
    )
    out["conflict_window_years"] = _whole(right, "conflict_window_years", raw, 3, key)
    left, middle, right = st.columns(3)
    out["max_appointed"] = _whole(left, "max_appointed", raw, 1, key)
    out["max_seats_per_expert"] = _whole(middle, "max_seats_per_expert", raw, 24, key)
    out["seat_period_days"] = _whole(right, "seat_period_days", raw, 365, key)
    out["substitutes"] = "draw"
    out["import_statuses"] = list(raw.get("import_statuses", IMPORTABLE_STATUSES))
    st.caption(
        _(
            "A member absent or recused is replaced by a substitute drawn by rule; a normal "
            "import creates technologies only as submitted. Neither can be changed here."
        )
    )
    return out


def _whole(column: Any, rule: str, raw: Mapping[str, Any], default: int, key: str) -> int:
    """A whole-number rule's input in ``column``, filled from ``raw``."""
    return int(
        column.number_input(
            _rule(rule), value=int(raw.get(rule, default)), step=1, key=f"{key}_{rule}"
        )
    )


def draft_form(actor: Actor, view: reg.RegulationOverview) -> None:
    """Administrators: draft the next version, starting from a chosen one."""
    with st.expander(_("Draft a new version"), icon=":material/edit_document:"):
        ids = [v.id for v in view.versions]
        start = st.selectbox(
            _("Start from"),
            ids,
            index=ids.index(view.in_force.id) if view.in_force is not None else 0,
            format_func=_version_name(view),
            key=_lang_key("rg_base"),
        )
        base = next((v for v in view.versions if v.id == start), None)
        with st.form("rg_draft", border=False):
            left, right = st.columns(2)
            effective = left.date_input(
                _("Effective date"), value=None, format="YYYY-MM-DD", key="rg_new_day"
            )
            directive = right.text_input(
                _("Directive"), max_chars=reg.DIRECTIVE_MAX_CHARS, key="rg_new_directive"
            )
            rules = rules_inputs(view, base, "rg_new")
            if st.form_submit_button(_("Save the draft"), icon=":material/save:"):
                _run(
                    reg.draft_version,
                    _("The draft was saved. Another person with the approver role approves it."),
                    actor=actor,
                    effective_on=effective if isinstance(effective, dt.date) else None,
                    directive=directive,
                    rules=rules,
                )


def edit_forms(actor: Actor, view: reg.RegulationOverview) -> None:
    """Administrators: change or withdraw a draft."""
    if not view.drafts:
        return
    with st.expander(_("Change or withdraw a draft"), icon=":material/edit_note:"):
        ids = [v.id for v in view.drafts]
        chosen = st.selectbox(
            _("Draft"), ids, format_func=_version_name(view), key=_lang_key("rg_edit")
        )
        draft = next(v for v in view.drafts if v.id == chosen)
        with st.form(f"rg_edit_{draft.id}_{draft.row_version}", border=False):
            left, right = st.columns(2)
            effective = left.date_input(
                _("Effective date"), value=draft.effective_on, format="YYYY-MM-DD"
            )
            directive = right.text_input(
                _("Directive"), value=draft.directive, max_chars=reg.DIRECTIVE_MAX_CHARS
            )
            rules = rules_inputs(view, draft, f"rg_e{draft.id}_{draft.row_version}")
            if st.form_submit_button(_("Save the changes"), icon=":material/save:"):
                _run(
                    reg.edit_draft,
                    _("The draft was changed."),
                    actor=actor,
                    version_id=draft.id,
                    expected_version=draft.row_version,
                    effective_on=effective if isinstance(effective, dt.date) else None,
                    directive=directive,
                    rules=rules,
                )
        with st.form(f"rg_withdraw_{draft.id}", border=False):
            reason = st.text_input(_("Reason for withdrawing"), max_chars=4000)
            if st.form_submit_button(_("Withdraw the draft"), icon=":material/delete:"):
                _run(
                    reg.withdraw_draft,
                    _("The draft was withdrawn; it stays listed and never comes into force."),
                    actor=actor,
                    version_id=draft.id,
                    reason=reason,
                )


def approvals(actor: Actor, view: reg.RegulationOverview) -> None:
    """Approvers: the drafts waiting, each with its rules and what it changes against the
    version in force, approved after a confirmation (four eyes: never one's own draft)."""
    st.subheader(_("Drafts waiting for approval"))
    if not view.drafts:
        st.caption(_("No draft is waiting."))
        return
    for draft in view.drafts:
        with st.container(border=True):
            st.markdown(
                "**"
                + _(
                    "Version {number}, from {date}",
                    number=draft.number,
                    date=fmt_date(draft.effective_on),
                )
                + "**"
            )
            st.caption(
                escape_markdown(
                    _(
                        "Drafted by {who} at {when}. Directive: {directive}",
                        who=draft.drafted_by,
                        when=fmt_datetime(draft.drafted_at),
                        directive=draft.directive,
                    )
                )
            )
            if view.in_force is not None:
                st.markdown(
                    _("What it changes against version {number}:", number=view.in_force.number)
                )
                difference_table(
                    view,
                    data.read(
                        reg.compare_versions,
                        actor=actor,
                        first_id=view.in_force.id,
                        second_id=draft.id,
                    ),
                )
            with st.expander(_("All its rules")):
                rules_table(view, draft)
            if draft.drafted_by_id == actor.id:
                st.info(_("You drafted this version: another approver must approve it."))
                continue
            with st.form(f"rg_approve_{draft.id}_{draft.row_version}", border=False):
                sure = st.checkbox(
                    _(
                        "I confirm: once approved, this version is in force from its effective "
                        "date and can never be changed."
                    ),
                    key=f"rg_sure_{draft.id}",
                )
                if st.form_submit_button(
                    _("Approve version {number}", number=draft.number),
                    icon=":material/verified:",
                    type="primary",
                ):
                    if not sure:
                        st.warning(_("Tick the box to confirm first. Nothing was approved."))
                    else:
                        _run(
                            reg.approve_version,
                            _("Version {number} was approved.", number=draft.number),
                            actor=actor,
                            version_id=draft.id,
                            expected_version=draft.row_version,
                        )
