"""One meeting's whole record on one screen (read only): heading and figures, whether its
decisions follow the rules, the panel, declarations and recusals, how the panel was drawn
(and whether its seed replays), the agenda with scores and decisions, minutes, corrections.

Text from the database (titles, names, notes, reasons, minutes) is shown with ``st.text``,
in tables, or Markdown-escaped, never as HTML.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from components import meeting_regulation as regulated
from components.cells import day, escape_markdown, pick, yes_no
from components.grid import height
from components.i18n import _, fmt_datetime, fmt_int
from components.labels import label
from components.tiles import Tile, tile_row
from db import domain
from db.meetings import MeetingRecord
from db.meetings.records import Check, ItemRecord


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
    quorum = record.quorum_met
    following = sum(1 for i in decided if i.follows)
    tile_row(
        [
            Tile(_("Date"), day(m["held_on"] or m["scheduled_on"])),
            Tile(
                _("Members present who may vote"),
                "-" if quorum is None else f"{fmt_int(record.present)} / {fmt_int(m['quorum'])}",
                help=_("Members attending and not recused, against the quorum."),
                delta=None if quorum is None else (_("Quorum met") if quorum else _("No quorum")),
                delta_color="normal" if quorum else "inverse",
                delta_arrow="off",
            ),
            Tile(_("Agenda items"), len(record.items)),
            Tile(
                _("Decisions that follow the rules"),
                f"{fmt_int(following)} / {fmt_int(len(decided))}" if decided else "-",
                delta=None if not decided or following == len(decided) else _("Check the items"),
                delta_color="inverse",
                delta_arrow="off",
            ),
        ],
        border=False,
    )
    facts = [
        _("Location: {place}", place=m["location"] or "-"),
        _("Scheduled for {date}", date=day(m["scheduled_on"])),
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
        # How to reach a member, beside the name (at 1440 px the last columns are off view)
        table.insert(2, _("Phone"), panel["phone"])
        table.insert(3, _("E-mail"), panel["email"])
    narrow = st.column_config.TextColumn(width="small")
    yes_no_columns = (
        _("Chair"),
        _("Attended"),
        _("Declared an interest"),
        _("Recused"),
        _("Votes"),
    )
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        placeholder="",
        column_config={
            _("Name"): st.column_config.TextColumn(pinned=True),
            _("Organisation"): st.column_config.TextColumn(width=150),
            **dict.fromkeys(yes_no_columns, narrow),
        },
    )
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
        placeholder="",
    )


def _draw(record: MeetingRecord) -> None:
    st.markdown("#### " + _("How the panel was drawn"))
    draw = record.draw
    if draw.seed is None:
        st.caption(_("The panel has not been drawn yet."))
        return
    tile_row(
        [
            Tile(_("Experts who could be drawn"), draw.pool_size or 0),
            Tile(_("Excluded for a conflict"), len(draw.exclusions)),
            Tile(_("Seats drawn"), int((record.panel["method"] == "random_draw").sum())),
        ],
        per_row=3,
        border=False,
    )
    st.markdown("**" + _("Seed") + f":** `{draw.seed}`")
    if draw.rule is not None:
        when = fmt_datetime(draw.drawn_at) if draw.drawn_at is not None else day(draw.drawn_on)
        st.markdown(
            escape_markdown(
                _(
                    "Drawn under the rule “{rule}” at {when} by {who}: conflicts excluded, "
                    "experts of the agenda's fields first, seats balanced across affiliations, "
                    "fewest recent seats first, then the seeded lottery.",
                    rule=label("panel_rule", draw.rule),
                    when=when,
                    who=draw.drawn_by or "-",
                )
            )
        )
        st.caption(_("Rule identifier (for auditors): {rule}", rule=f"`{draw.rule}`"))
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
        height=height(len(ex), 8),
        placeholder="",
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
    scored = o.members > 0
    tile_row(
        [
            Tile(
                _("Stage 1 mean"),
                f"{o.stage1_mean:.2f}" if scored else "-",
                help=_(
                    "The weighted mean of the stage-1 criteria ({criteria}); the change is "
                    "against the pass mark.",
                    criteria=regulated.stage1_names(record),
                ),
                delta=f"{o.stage1_mean - marks.stage1_pass:+.2f}" if scored else None,
            ),
            Tile(
                _("Overall mean"),
                f"{o.overall_mean:.2f}" if scored else "-",
                help=_("The weighted mean of all criteria; the change is against the pass mark."),
                delta=f"{o.overall_mean - marks.overall_pass:+.2f}" if scored else None,
            ),
            Tile(_("Members who scored"), o.members),
            Tile(
                _("The scores give"),
                label("decision", item.rule_decision) if item.rule_decision else "-",
            ),
        ],
        border=False,
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
    st.dataframe(table, hide_index=True, width="stretch", placeholder="")


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
        placeholder="",
    )
