"""A meeting under its regulation version, on the meetings page: which version and what it
sets, a warning when the meeting was held under exceptional settings, the criteria it is
scored on, the members recused from one item, and the staff form that replaces a member
absent or recused by a substitute drawn by rule.

Kept apart from ``components.meeting_record`` (the record) and ``components.meeting_forms``
(the staff forms), which call these functions.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from components.cells import escape_markdown, missing, pick
from components.forms import save
from components.i18n import _, current_language, fmt_date
from db import meetings
from db.meetings import MeetingRecord
from db.meetings.records import ItemRecord
from db.policy import Actor
from db.recording import yes


def criteria(record: MeetingRecord) -> list[tuple[str, str]]:
    """``(code, name)`` of the criteria the meeting is scored on (its version's)."""
    return [(c.code, pick(c.ko, c.en)) for c in record.criteria]


def stage1_names(record: MeetingRecord) -> str:
    first = set(record.thresholds.stage1)
    return ", ".join(name for code, name in criteria(record) if code in first)


def regulation_fact(record: MeetingRecord) -> str:
    """The version the meeting is held under, for the heading's caption."""
    r = record.regulation
    marks = record.thresholds
    if r.number is None:
        return _(
            "No regulation version: pass marks stage 1 {stage1}, overall {overall}",
            stage1=f"{marks.stage1_pass:g}",
            overall=f"{marks.overall_pass:g}",
        )
    return _(
        "Held under regulation version {number} (in force from {date}): quorum {quorum}, "
        "pass marks stage 1 {stage1}, overall {overall}",
        number=r.number,
        date=fmt_date(r.effective_on) if r.effective_on else "-",
        quorum=r.quorum,
        stage1=f"{marks.stage1_pass:g}",
        overall=f"{marks.overall_pass:g}",
    )


def exceptional_warning(record: MeetingRecord) -> None:
    """A warning when the meeting's stored quorum or pass marks differ from its version's."""
    r = record.regulation
    if not r.exceptional:
        return
    stored = r.stored_marks
    st.warning(
        _(
            "Held under exceptional settings: the meeting recorded quorum {quorum} and pass "
            "marks {marks}, its regulation version sets quorum {rule_quorum} and pass marks "
            "{rule_marks}. Its decisions are checked against the version.",
            quorum=r.stored_quorum,
            marks=" / ".join(f"{m:g}" for m in stored) if stored else "-",
            rule_quorum=r.quorum,
            rule_marks=f"{record.thresholds.stage1_pass:g} / {record.thresholds.overall_pass:g}",
        ),
        icon=":material/warning:",
    )


def substitute_caption(row: Any, names: dict[int, str]) -> str | None:
    """For a substitute drawn by rule: whom they replaced (None for other seats)."""
    replaces = getattr(row, "replaces", None)
    if replaces is None or missing(replaces):
        return None
    replaced = int(replaces)
    return _(
        "{name} was drawn by rule to replace {replaced}.",
        name=pick(row.name, row.name_en),
        replaced=names.get(replaced, str(replaced)),
    )


def panel_names(record: MeetingRecord) -> dict[int, str]:
    panel = record.panel
    return {
        int(e): pick(n, ne)
        for e, n, ne in zip(panel["expert_id"], panel["name"], panel["name_en"], strict=True)
    }


def item_recusals(item: ItemRecord) -> None:
    """The members recused from this item alone."""
    df = item.recusals
    if df.empty:
        return
    st.markdown("**" + _("Recused from this item") + "**")
    st.dataframe(
        pd.DataFrame(
            {
                _("Member"): [pick(k, e) for k, e in zip(df["name"], df["name_en"], strict=True)],
                _("Reason"): df["reason"],
            }
        ),
        hide_index=True,
        width="stretch",
        placeholder="",
    )


def item_choice(record: MeetingRecord, key: str) -> int | None:
    """Which item a recusal concerns: None for the whole meeting."""
    options: list[int | None] = [None, *(i.id for i in record.items)]
    names = {
        i.id: f"{i.position}. {i.reg_no} · {pick(i.applicant_ko, i.applicant_en)}"
        for i in record.items
    }
    chosen: int | None = st.selectbox(
        _("Recused from"),
        options,
        format_func=lambda i: _("The whole meeting") if i is None else names[i],
        key=key if current_language() == "en" else f"{key}_{current_language()}",
        help=_(
            "A conflict with one applicant excludes the member from that applicant's item only."
        ),
    )
    return chosen


def substitute_form(actor: Actor, record: MeetingRecord) -> None:
    """Staff: replace a member absent or recused by a substitute drawn by rule."""
    panel = record.panel
    if panel.empty:
        return
    replaced = {int(r) for r in panel["replaces"] if not missing(r)}
    waiting = {
        int(e): pick(n, ne)
        for e, n, ne, a, r in zip(
            panel["expert_id"],
            panel["name"],
            panel["name_en"],
            panel["attended"],
            panel["recused"],
            strict=True,
        )
        if (yes(r) or (not missing(a) and not bool(a))) and int(e) not in replaced
    }
    with st.container(border=True):
        st.markdown("**" + _("Substitutes") + "**")
        st.caption(
            _(
                "A member who is absent or recused is replaced by a substitute drawn by rule "
                "from the same pool (free of conflicts, under the limit of seats): the seed is "
                "recorded and the draw replays. Seats filled by hand are limited by the "
                "regulation."
            )
        )
        if not waiting:
            st.caption(_("No member absent or recused is waiting for a substitute."))
            return
        with st.form("dl_substitute", border=False):
            options: list[int] = list(waiting)
            who: int | None = st.selectbox(
                _("Member to replace"), options, format_func=waiting.__getitem__
            )
            sure = st.checkbox(
                _("I understand that the substitute's draw cannot be repeated."),
                key="dl_substitute_sure",
            )
            if st.form_submit_button(_("Draw a substitute"), icon=":material/casino:"):
                if not sure or who is None:
                    st.warning(_("Tick the box to confirm first. Nothing was drawn."))
                    return
                save(
                    meetings.draw_substitute,
                    _(
                        "A substitute was drawn for {name}.",
                        name=escape_markdown(waiting[int(who)]),
                    ),
                    actor=actor,
                    meeting_id=int(record.meeting["id"]),
                    expert_id=int(who),
                )
