# Over 500 lines on purpose: one meeting's checks read the same loaded records (Data) and
# share its conflicts and voters; the report across meetings is report.py, the stored copy store.py.
"""Each meeting's own fairness results, computed from the records: what is stored for a
closed meeting (:func:`meeting_results`, ``meeting_fairness``) and what the report computes
live for the other meetings (:func:`load`, :func:`meeting_flags`, :func:`panel_counts`).

A meeting raises by itself every kind of flag of :data:`FLAG_KINDS` but the two across
meetings (:data:`ACROSS_MEETINGS`, derived by :mod:`db.fairness.report` over a period):

``decision_against_scores``
    an item passed or failed although ``db.meetings.scoring.evaluate`` (under the meeting's
    regulation version: criteria, weights, pass marks) gives the other result;
``decided_without_quorum``
    a meeting that passed or failed an item with fewer members present who may vote on it
    (attending, not recused from the meeting or the item, no conflict with its applicant)
    than its regulation's quorum;
``missing_reason``
    a decision without its reason, a declaration of interest or recusal without its note, a
    seat not filled by the draw (appointed, or a substitute not drawn by rule) without a
    recorded reason, or a closed meeting without minutes (``what`` says which);
``ineligible_scores``
    scores recorded for a member absent, recused (from the meeting or the item), or with a
    conflict with that item's applicant;
``conflict_not_recused``
    a member with a conflict by the draw's rule (same organization as an applicant, or a tie
    within the regulation's window) who did not recuse from that applicant's items;
``seated_despite_exclusion``
    a member the draw had excluded;
``draw_not_reproducible``
    a draw made by the app's rule whose recorded seed and candidates replay to another panel
    (or a substitute drawn by rule that replays to another expert: ``expert_id`` is theirs);
``exceptional_settings``
    a meeting whose stored quorum or pass marks differ from its regulation version's (held
    under exceptional settings);
``appointed_seat``
    every seat filled by hand (``count``: the seats filled by hand on the meeting, against
    the regulation's limit);
``proxy_scores``
    a member's scores on an item entered by staff as a proxy of their signed paper sheet,
    not by the member themselves (``expert_id`` is theirs).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy import and_, func, select, true
from sqlalchemy.orm import Session

from db import clock, domain
from db.meetings.common import Regulated, Regulations
from db.meetings.draw import (
    RULE,
    Candidate,
    PoolExpert,
    Tie,
    conflict_reason,
    select_seats,
)
from db.meetings.records import SEAT_ACTIONS, replay_substitute
from db.meetings.scoring import evaluate
from db.models import (
    AgendaItem,
    AuditEvent,
    Evaluation,
    EvaluationScore,
    Expert,
    ExpertTie,
    ItemRecusal,
    Meeting,
    MeetingRules,
    Organization,
    PanelSeat,
    PanelSubstitution,
    Technology,
)
from db.recording import text_of, yes

# The version of the rules a stored row was computed with: change it whenever a flag's rule
# changes, and rows of another version are no longer used (their meetings are computed live
# until a migration calls ``db.fairness.store.backfill`` to recompute them). The whole report
# is also stored per (period, data version) by ``db.summaries.fairness``: a change of any
# rule (or of the report's fields) must also bump that summary's name
# (``deliberation.fairness/N``) or have the migration empty ``stored_summaries``.
RULES_VERSION = 2

FLAG_KINDS = (
    "decision_against_scores",
    "decided_without_quorum",
    "repeated_panelist_for_applicant",
    "seat_concentration",
    "missing_reason",
    "ineligible_scores",
    "conflict_not_recused",
    "seated_despite_exclusion",
    "draw_not_reproducible",
    "exceptional_settings",
    "appointed_seat",
    "proxy_scores",  # no version bump: no evaluation was a proxy before migration 0018
)
ACROSS_MEETINGS = ("repeated_panelist_for_applicant", "seat_concentration")

# A flag as computed: kind, meeting id, item position, expert id, applicant id, what, count.
Flag = tuple[str, int, int | None, int | None, int | None, str | None, int | None]
CHUNK = 500  # ids per IN (...) list


# --- loading ----------------------------------------------------------------------------------


@dataclass
class Data:
    meetings: pd.DataFrame
    seats: pd.DataFrame
    items: pd.DataFrame
    scores: dict[int, tuple[int, dict[str, int]]]  # item id -> members who scored, sums
    scored_by: dict[int, set[int]]  # item id -> seat ids that scored
    seat_expert: dict[int, int]  # seat id that scored -> its expert
    regulated: dict[int, Regulated]  # meeting id -> its regulation
    experts: dict[int, tuple[str, str | None, str, int]]  # name, name_en, affiliation, org
    orgs: dict[int, tuple[str, str]]
    rules_in: Any = None  # the condition on MeetingRules.meeting_id for the meetings
    recused: dict[int, set[int]] = field(default_factory=dict)  # item id -> seats recused
    substitutes: dict[int, bool] = field(default_factory=dict)  # seat id -> replays
    proxies: dict[int, set[int]] = field(default_factory=dict)  # item id -> seats by proxy
    _rows: dict[int, tuple[str, dt.date]] | None = field(default=None, repr=False)

    def meeting_rows(self) -> dict[int, tuple[str, dt.date]]:
        """Code and date of each meeting by id (built once, not once per flag)."""
        if self._rows is None:
            self._rows = {
                int(i): (c, d)
                for i, c, d in zip(
                    self.meetings["id"], self.meetings["code"], self.meetings["scheduled_on"],
                    strict=True,
                )
            }  # fmt: skip
        return self._rows


MEETING_COLUMNS = (
    Meeting.id,
    Meeting.code,
    Meeting.kind,
    Meeting.status,
    Meeting.scheduled_on,
    Meeting.held_on,
    Meeting.quorum,
    Meeting.regulation_id,
    Meeting.minutes,
    Meeting.draw_seed,
    Meeting.draw_exclusions,
)
SEAT_COLUMNS = (
    PanelSeat.id.label("seat_id"),
    PanelSeat.meeting_id,
    PanelSeat.expert_id,
    PanelSeat.method,
    PanelSeat.attended,
    PanelSeat.recused,
    PanelSeat.conflict_declared,
    PanelSeat.conflict_note,
)
ITEM_COLUMNS = (
    AgendaItem.id.label("item_id"),
    AgendaItem.meeting_id,
    AgendaItem.position,
    AgendaItem.decision,
    AgendaItem.decision_reason,
    Technology.owner_org_id.label("applicant_id"),
)


def frame(session: Session, query: Any) -> pd.DataFrame:
    rows = session.execute(query).all()
    return pd.DataFrame([tuple(r) for r in rows], columns=list(query.selected_columns.keys()))


def chunks(ids: Iterable[int]) -> Iterator[list[int]]:
    values = sorted({int(i) for i in ids})
    for at in range(0, len(values), CHUNK):
        yield values[at : at + CHUNK]


def frames(session: Session, make: Any, ids: Iterable[int], columns: Sequence[Any]) -> pd.DataFrame:
    """``make(chunk)`` for every chunk of ``ids``, concatenated (empty: the columns)."""
    parts = [frame(session, make(chunk)) for chunk in chunks(ids)]
    parts = [p for p in parts if not p.empty]
    if not parts:
        return pd.DataFrame(columns=[c.key for c in columns])
    return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]


def load(session: Session, conditions: Sequence[Any]) -> Data:
    """Everything the meetings' own flags need, for the meetings matching ``conditions``
    (conditions on ``Meeting``; none: every meeting)."""
    meetings = frame(
        session,
        select(*MEETING_COLUMNS).where(*conditions).order_by(Meeting.scheduled_on, Meeting.id),
    )
    # The meetings as a subquery (a list of every id would be one bound parameter per
    # meeting: 15,000 at scale 100). ``meeting_id IN (SELECT ...)`` lets the database read
    # the rows by the meeting_id / agenda_item_id indexes; a join with the condition on the
    # meeting scanned every seat and score of the history.
    ids = select(Meeting.id).where(*conditions)
    seat_in = PanelSeat.meeting_id.in_(ids) if conditions else true()
    item_in = AgendaItem.meeting_id.in_(ids) if conditions else true()
    score_in = (
        Evaluation.agenda_item_id.in_(select(AgendaItem.id).where(item_in))
        if conditions
        else true()
    )
    rules_in = MeetingRules.meeting_id.in_(ids) if conditions else true()
    seats = frame(session, select(*SEAT_COLUMNS).where(seat_in).order_by(PanelSeat.id))
    items = frame(
        session,
        select(*ITEM_COLUMNS)
        .join(Technology, Technology.id == AgendaItem.technology_id)
        .where(item_in)
        .order_by(AgendaItem.meeting_id, AgendaItem.position),
    )
    # Per item, how many members scored and the sum of each criterion (all the two-stage
    # rule needs: its means are sum / count), aggregated in the database.
    sums: dict[int, dict[str, int]] = defaultdict(dict)
    for item_id, criterion, total in session.execute(
        select(
            Evaluation.agenda_item_id, EvaluationScore.criterion, func.sum(EvaluationScore.score)
        )
        .join(EvaluationScore, EvaluationScore.evaluation_id == Evaluation.id)
        .where(score_in)
        .group_by(Evaluation.agenda_item_id, EvaluationScore.criterion)
    ):
        sums[int(item_id)][str(criterion)] = int(total)
    scored_by: dict[int, set[int]] = defaultdict(set)
    seat_expert: dict[int, int] = {}
    proxies: dict[int, set[int]] = defaultdict(set)
    for item_id, seat_id, expert_id, origin in session.execute(
        select(
            Evaluation.agenda_item_id, Evaluation.seat_id, PanelSeat.expert_id, Evaluation.origin
        )
        .join(PanelSeat, PanelSeat.id == Evaluation.seat_id)
        .where(score_in)
    ):
        scored_by[int(item_id)].add(int(seat_id))
        seat_expert[int(seat_id)] = int(expert_id)
        if origin == "proxy":
            proxies[int(item_id)].add(int(seat_id))
    scores = {i: (len(scored_by[i]), s) for i, s in sums.items()}
    marks = {
        int(m): (float(a), float(b))
        for m, a, b in session.execute(
            select(
                MeetingRules.meeting_id, MeetingRules.stage1_pass, MeetingRules.overall_pass
            ).where(rules_in)
        )
    }
    regulations = Regulations(session)
    regulated = {
        int(r.id): regulations.of(
            kind=r.kind,
            regulation_id=None if pd.isna(r.regulation_id) else int(r.regulation_id),
            scheduled_on=r.scheduled_on,
            quorum=int(r.quorum),
            marks=marks.get(int(r.id)),
        )
        for r in meetings.itertuples(index=False)
    }
    recused: dict[int, set[int]] = defaultdict(set)
    for item_id, seat_id in session.execute(
        select(ItemRecusal.agenda_item_id, ItemRecusal.seat_id).where(
            ItemRecusal.agenda_item_id.in_(select(AgendaItem.id).where(item_in))
            if conditions
            else true()
        )
    ):
        recused[int(item_id)].add(int(seat_id))
    substitutes = {
        int(row.seat_id): replay_substitute(row) is not None and replay_substitute(row) == expert_of
        for row, expert_of in session.execute(
            select(PanelSubstitution, PanelSeat.expert_id)
            .join(PanelSeat, PanelSeat.id == PanelSubstitution.seat_id)
            .where(seat_in)
        ).all()
    }
    experts, orgs = names(
        session,
        experts=select(PanelSeat.expert_id).where(seat_in),
        orgs=select(Technology.owner_org_id)
        .join(AgendaItem, AgendaItem.technology_id == Technology.id)
        .where(item_in)
        .distinct(),
    )
    return Data(
        meetings,
        seats,
        items,
        scores,
        scored_by,
        seat_expert,
        regulated,
        experts,
        orgs,
        rules_in,
        dict(recused),
        substitutes,
        dict(proxies),
    )


def names(
    session: Session, *, experts: Any, orgs: Any
) -> tuple[dict[int, tuple[str, str | None, str, int]], dict[int, tuple[str, str]]]:
    """Experts (name, English name, affiliation, organization) whose id is in ``experts``, and
    organizations (Korean, English name) in ``orgs`` or the experts' (each a subquery or a
    collection of ids)."""
    people: dict[int, tuple[str, str | None, str, int]] = {}
    columns = (Expert.id, Expert.name, Expert.name_en, Expert.affiliation, Expert.organization_id)
    for part in _id_parts(experts):
        for i, n, ne, a, o in session.execute(select(*columns).where(Expert.id.in_(part))):
            people[int(i)] = (n, ne, a, int(o))
    wanted = {v[3] for v in people.values()}
    if _is_query(orgs):
        wanted |= {int(o) for o in session.execute(orgs).scalars()}
    else:
        wanted |= {int(o) for o in orgs}
    places: dict[int, tuple[str, str]] = {}
    for part in chunks(wanted):
        for i, ko, en in session.execute(
            select(Organization.id, Organization.name_ko, Organization.name_en).where(
                Organization.id.in_(part)
            )
        ):
            places[int(i)] = (ko, en)
    return people, places


def _is_query(value: Any) -> bool:
    return hasattr(value, "selected_columns")


def _id_parts(ids: Any) -> Iterator[Any]:
    """A subquery as it is, or a collection of ids in chunks."""
    if _is_query(ids):
        yield ids
    else:
        yield from chunks(ids)


# --- one meeting's own flags ----------------------------------------------------------------


def flag(
    kind: str,
    meeting_id: int,
    *,
    position: int | None = None,
    expert_id: int | None = None,
    applicant_id: int | None = None,
    what: str | None = None,
    count: int | None = None,
) -> Flag:
    return (kind, int(meeting_id), position, expert_id, applicant_id, what, count)


def meeting_flags(session: Session, data: Data) -> list[Flag]:
    """The flags each meeting raises by itself (every kind but the two across meetings)."""
    flags: list[Flag] = []
    conflicts = _seat_conflicts(session, data)
    _decisions(data, conflicts, flags)
    _records(data, flags)
    _conflicts(session, data, conflicts, flags)
    _replays(session, data, flags)
    _settings(data, flags)
    return flags


def _voters(data: Data) -> dict[int, set[int]]:
    """Meeting id -> seats present who may vote at the meeting."""
    out: dict[int, set[int]] = defaultdict(set)
    for r in data.seats.itertuples(index=False):
        if yes(r.attended) and not yes(r.recused):
            out[int(r.meeting_id)].add(int(r.seat_id))
    return out


def _item_voters(
    data: Data, voters: dict[int, set[int]], conflicts: dict[int, set[int]], item: Any
) -> set[int]:
    """Seats present who may vote on ``item``: voting at the meeting, not recused from the
    item, no conflict with its applicant."""
    return {
        s
        for s in voters.get(int(item.meeting_id), set())
        if s not in data.recused.get(int(item.item_id), ())
        and int(item.applicant_id) not in conflicts.get(s, ())
    }


def _decisions(data: Data, conflicts: dict[int, set[int]], flags: list[Flag]) -> None:
    voters = _voters(data)
    without_quorum: dict[int, int] = {}
    for r in data.items.itertuples(index=False):
        item, meeting = int(r.item_id), int(r.meeting_id)
        if r.decision not in ("passed", "failed"):
            continue
        reg = data.regulated[meeting]
        outcome = evaluate(_mean_row(data.scores.get(item), reg.thresholds.codes), reg.thresholds)
        if outcome.passed != (r.decision == "passed"):
            flags.append(flag("decision_against_scores", meeting, position=int(r.position)))
        present = len(_item_voters(data, voters, conflicts, r))
        if present < reg.quorum:
            without_quorum[meeting] = min(present, without_quorum.get(meeting, present))
    for meeting in sorted(without_quorum):
        flags.append(flag("decided_without_quorum", meeting, count=without_quorum[meeting]))


def _mean_row(
    scored: tuple[int, dict[str, int]] | None, codes: Sequence[str]
) -> list[dict[str, float]]:
    """One row of criterion means standing for the members' scores of an item: the rule's
    means over it are the means over all members (sum / count, the same division), so the
    decision it implies is the same; no scores, no rows."""
    if scored is None:
        return []
    n, sums = scored
    return [{c: sums.get(c, 0) / n for c in codes}]


def _records(data: Data, flags: list[Flag]) -> None:
    for r in data.items.itertuples(index=False):
        if r.decision != "pending" and not text_of(r.decision_reason):
            flags.append(
                flag("missing_reason", int(r.meeting_id), position=int(r.position),
                     what="decision")
            )  # fmt: skip
    for r in data.seats.itertuples(index=False):
        if (yes(r.conflict_declared) or yes(r.recused)) and not text_of(r.conflict_note):
            flags.append(
                flag("missing_reason", int(r.meeting_id), expert_id=int(r.expert_id),
                     what="declaration")
            )  # fmt: skip
    for r in data.meetings.itertuples(index=False):
        if r.status == "closed" and not text_of(r.minutes):
            flags.append(flag("missing_reason", int(r.id), what="minutes"))
    voters = _voters(data)
    for r in data.items.itertuples(index=False):
        recused = data.recused.get(int(r.item_id), set())
        bad = [
            s
            for s in data.scored_by.get(int(r.item_id), ())
            if s not in voters.get(int(r.meeting_id), set()) or s in recused
        ]
        for s in bad:
            flags.append(
                flag("ineligible_scores", int(r.meeting_id), position=int(r.position),
                     expert_id=data.seat_expert.get(s))
            )  # fmt: skip
    for r in data.items.itertuples(index=False):
        for s in sorted(data.proxies.get(int(r.item_id), ())):
            flags.append(
                flag("proxy_scores", int(r.meeting_id), position=int(r.position),
                     expert_id=data.seat_expert.get(s))
            )  # fmt: skip
    seated: dict[int, set[int]] = defaultdict(set)  # meeting -> experts holding a seat
    for r in data.seats.itertuples(index=False):
        seated[int(r.meeting_id)].add(int(r.expert_id))
    for r in data.meetings.itertuples(index=False):
        excluded = {int(x["expert_id"]) for x in json.loads(text_of(r.draw_exclusions) or "[]")}
        if not excluded:
            continue
        for expert_id in sorted(excluded & seated.get(int(r.id), set())):
            flags.append(flag("seated_despite_exclusion", int(r.id), expert_id=expert_id))


def _unexplained_seats(session: Session, data: Data, flags: list[Flag]) -> None:
    others = data.seats[data.seats["method"] != "random_draw"]
    if others.empty:
        return
    explained = {s for s in data.substitutes}  # drawn by rule: the draw is the reason
    for part in chunks(others["seat_id"]):
        explained |= {
            int(entity_id)
            for entity_id, reason in session.execute(
                select(AuditEvent.entity_id, AuditEvent.reason).where(
                    AuditEvent.entity == "panel_seat",
                    AuditEvent.entity_id.in_([str(i) for i in part]),
                    AuditEvent.action.in_(SEAT_ACTIONS),
                )
            )
            if entity_id is not None and reason and reason.strip()
        }
    for r in others.itertuples(index=False):
        if int(r.seat_id) not in explained:
            flags.append(
                flag("missing_reason", int(r.meeting_id), expert_id=int(r.expert_id),
                     what="seat")
            )  # fmt: skip


def _seat_conflicts(session: Session, data: Data) -> dict[int, set[int]]:
    """Seat id -> the applicants of its meeting the member has a conflict with (by the
    draw's rule under the meeting's conflict window, as the records stand)."""
    if data.seats.empty:
        return {}
    applicants: dict[int, set[int]] = defaultdict(set)
    for r in data.items.itertuples(index=False):
        applicants[int(r.meeting_id)].add(int(r.applicant_id))
    all_applicants = sorted(set().union(*applicants.values())) if applicants else []
    ties: dict[int, list[Tie]] = defaultdict(list)
    for part in chunks(all_applicants):
        for expert_id, org, started, ended in session.execute(
            select(
                ExpertTie.expert_id,
                ExpertTie.organization_id,
                ExpertTie.started_on,
                ExpertTie.ended_on,
            ).where(ExpertTie.organization_id.in_(part))
        ):
            ties[int(expert_id)].append(Tie(int(org), started, ended))
    on = {
        int(i): (h if h is not None else s)
        for i, h, s in zip(
            data.meetings["id"], data.meetings["held_on"], data.meetings["scheduled_on"],
            strict=True,
        )
    }  # fmt: skip
    # A conflict needs the expert's organization or a tie's to be an applicant's: only those
    # applicants are checked by the rule (most seats have none, and skip it).
    related = {
        eid: {e[3]} | {t.organization_id for t in ties.get(eid, ())}
        for eid, e in data.experts.items()
    }
    out: dict[int, set[int]] = {}
    for r in data.seats.itertuples(index=False):
        meeting = int(r.meeting_id)
        expert = data.experts.get(int(r.expert_id))
        if expert is None:
            continue
        possible = applicants.get(meeting, set()) & related[int(r.expert_id)]
        if not possible:
            continue
        candidate = PoolExpert(
            int(r.expert_id), expert[3], expert[2], ties=tuple(ties.get(int(r.expert_id), ()))
        )
        window = data.regulated[meeting].window_years
        hits = {a for a in possible if conflict_reason(candidate, {a}, on[meeting], window)}
        if hits:
            out[int(r.seat_id)] = hits
    return out


def _conflicts(
    session: Session, data: Data, conflicts: dict[int, set[int]], flags: list[Flag]
) -> None:
    _unexplained_seats(session, data, flags)
    if not conflicts:
        return
    by_item = defaultdict(list)
    for r in data.items.itertuples(index=False):
        by_item[int(r.meeting_id)].append(r)
    for r in data.seats.itertuples(index=False):
        hits = conflicts.get(int(r.seat_id))
        if not hits:
            continue
        meeting = int(r.meeting_id)
        items = by_item.get(meeting, [])
        # Recused from every item of an applicant is recused from that applicant.
        seat = int(r.seat_id)
        open_ = {
            a
            for a in hits
            if any(
                int(i.applicant_id) == a and seat not in data.recused.get(int(i.item_id), ())
                for i in items
            )
        }
        if open_ and not yes(r.recused):
            flags.append(
                flag("conflict_not_recused", meeting, expert_id=int(r.expert_id),
                     applicant_id=min(open_))
            )  # fmt: skip
        for item in items:
            if item.applicant_id in hits and int(r.seat_id) in data.scored_by.get(
                int(item.item_id), ()
            ):
                flags.append(
                    flag("ineligible_scores", meeting, position=int(item.position),
                         expert_id=int(r.expert_id))
                )  # fmt: skip


def _replays(session: Session, data: Data, flags: list[Flag]) -> None:
    if data.meetings.empty:
        return
    drawn_by_meeting: dict[int, list[int]] = defaultdict(list)
    for r in data.seats.itertuples(index=False):
        if r.method == "random_draw":
            drawn_by_meeting[int(r.meeting_id)].append(int(r.expert_id))
    for meeting_id, seed, size, candidates in session.execute(
        select(
            MeetingRules.meeting_id,
            Meeting.draw_seed,
            MeetingRules.draw_size,
            MeetingRules.draw_candidates,
        )
        .join(Meeting, Meeting.id == MeetingRules.meeting_id)
        .where(
            data.rules_in if data.rules_in is not None else true(),
            MeetingRules.draw_rule == RULE,
            and_(Meeting.draw_seed.is_not(None), MeetingRules.draw_size.is_not(None)),
        )
    ):
        pool = [Candidate(*c) for c in json.loads(candidates or "[]")]
        drawn = drawn_by_meeting.get(int(meeting_id), [])
        try:
            _t, seats = select_seats(
                pool,
                size=int(size or 0),
                seed=int(seed or 0),
                field_matched=all(c.field_match for c in pool),
                cap=data.regulated[int(meeting_id)].cap,
            )
            same = sorted(drawn) == sorted(s.expert_id for s in seats)
        except ValueError:
            same = False
        if not same:
            flags.append(flag("draw_not_reproducible", int(meeting_id)))
    for r in data.seats.itertuples(index=False):
        if data.substitutes.get(int(r.seat_id)) is False:
            flags.append(
                flag("draw_not_reproducible", int(r.meeting_id), expert_id=int(r.expert_id))
            )


def _settings(data: Data, flags: list[Flag]) -> None:
    """Meetings held under exceptional settings, and every seat filled by hand."""
    for meeting, reg in data.regulated.items():
        if reg.exceptional:
            flags.append(flag("exceptional_settings", meeting))
    appointed = data.seats[data.seats["method"] == "appointed"]
    per_meeting = appointed.groupby("meeting_id").size() if not appointed.empty else {}
    for r in appointed.itertuples(index=False):
        flags.append(
            flag("appointed_seat", int(r.meeting_id), expert_id=int(r.expert_id),
                 count=int(per_meeting[r.meeting_id]))
        )  # fmt: skip


def panel_counts(data: Data) -> dict[int, dict[str, int]]:
    """Seats per meeting by the members' affiliation (``""``: all seats)."""
    out: dict[int, dict[str, int]] = {
        int(m): {"": 0, **dict.fromkeys(domain.AFFILIATIONS, 0)} for m in data.meetings["id"]
    }
    for r in data.seats.itertuples(index=False):
        counts = out.setdefault(int(r.meeting_id), {"": 0})
        counts[""] += 1
        expert = data.experts.get(int(r.expert_id))
        if expert is not None:
            counts[expert[2]] = counts.get(expert[2], 0) + 1
    return out


# --- what is stored for a closed meeting ----------------------------------------------------


def stored_flags(text: str) -> list[tuple[Any, ...]]:
    """A stored row's flags: ``[kind, position, expert id, applicant id, what, count]``."""
    return [tuple(f) for f in json.loads(text)]


def meeting_results(
    session: Session, conditions: Sequence[Any], *, at: dt.datetime | None = None
) -> list[dict[str, Any]]:
    """The rows of ``meeting_fairness`` for the meetings matching ``conditions`` (conditions
    on ``Meeting``): each meeting's own flags and its seats per affiliation, computed by the
    same functions as the live report; ``computed_at`` is ``at`` (default: now)."""
    data = load(session, conditions)
    by_meeting: dict[int, list[list[Any]]] = defaultdict(list)
    for kind, meeting, position, expert_id, applicant_id, what, count in meeting_flags(
        session, data
    ):
        flag = [kind, position, expert_id, applicant_id, what, count]
        if flag not in by_meeting[meeting]:
            by_meeting[meeting].append(flag)
    order = {k: i for i, k in enumerate(FLAG_KINDS)}
    now = at or clock.now_utc()
    rows = []
    for meeting, counts in panel_counts(data).items():
        flags = sorted(
            by_meeting.get(meeting, []),
            key=lambda f: (order[f[0]], *(("" if v is None else str(v).zfill(12)) for v in f[1:])),
        )
        rows.append(
            {
                "meeting_id": meeting,
                "version": RULES_VERSION,
                "seats": counts[""],
                **{f"seats_{a}": counts.get(a, 0) for a in domain.AFFILIATIONS},
                "flag_count": len(flags),
                "flags": json.dumps(flags, ensure_ascii=False, separators=(",", ":")),
                "computed_at": now,
            }
        )
    return rows
