# Over 500 lines on purpose: one meeting's full record for the auditor (draw, seats, recusals,
# scores under its regulation, checks) is one read whose parts check each other; the meeting
# list is its index.
"""Reading deliberations: the meeting list, and one meeting's full record for the auditor.

:func:`meeting_record` gathers on one screen's worth of values everything needed to judge a
meeting's fairness: the panel with affiliations, how it was drawn (seed, pool size,
exclusions and why, and, for draws made by the app's rule, whether replaying the seed gives
the same panel; substitutes drawn by rule and whom they replaced), declarations and recusals
(from the meeting, or from one item), every score, each item's aggregate by
``db.meetings.scoring.evaluate`` under the meeting's regulation version (named in the record),
the decision and its reason, and a list of checks saying whether the decision follows from
the scores and the rules.

Readers: auditors, staff and approvers (``PermissionDenied`` otherwise). Experts' phone
numbers and e-mail addresses are included for staff and auditors only.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db import domain
from db.errors import N_
from db.meetings.common import Regulated, Regulations, regulation_of
from db.meetings.draw import (
    RULE,
    SUBSTITUTE_RULE,
    Candidate,
    PoolExpert,
    SubstituteInputs,
    Tie,
    conflict_reason,
    pick_substitute,
    select_seats,
)
from db.meetings.errors import MeetingNotFound
from db.meetings.scoring import Outcome, Thresholds, evaluate
from db.models import (
    Adoption,
    AgendaItem,
    AuditEvent,
    CriterionTerm,
    Evaluation,
    EvaluationScore,
    Expert,
    ExpertField,
    ExpertTie,
    ItemRecusal,
    Meeting,
    MeetingCorrection,
    MeetingRules,
    Organization,
    PanelSeat,
    PanelSubstitution,
    Technology,
    Testbed,
    User,
)
from db.policy import MEETING_READERS, Actor, may_see_personal_data, require_role
from db.recording import text_of, yes

LIST_LIMIT = 5_000


@dataclass(frozen=True)
class MeetingFilters:
    """Which meetings to list; ``None`` (or empty search) means no restriction."""

    start: dt.date | None = None
    end: dt.date | None = None
    kind: str | None = None
    status: str | None = None
    q: str = ""


@dataclass(frozen=True)
class Check:
    """One check of the rules: ``ok`` True/False, or None where it does not apply;
    ``what`` is an English template (msgid) filled with ``params``."""

    key: str
    ok: bool | None
    what: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DrawRecord:
    seed: int | None
    pool_size: int | None
    rule: str | None  # None: drawn before this app recorded its rule (the demo history)
    drawn_on: dt.date | None
    drawn_at: dt.datetime | None
    drawn_by: str | None
    size: int | None
    fields: tuple[str, ...]
    targets: dict[str, int]
    field_matched: bool | None
    exclusions: pd.DataFrame
    replayed: bool | None  # None when the rule's inputs were not recorded


@dataclass(frozen=True)
class ItemRecord:
    id: int
    position: int
    technology_id: int
    reg_no: str
    title_ko: str
    title_en: str
    applicant_id: int
    applicant_ko: str
    applicant_en: str
    field: str
    project: str | None
    testbed_site: str | None
    decision: str
    reason: str | None
    decided_at: dt.datetime | None
    evaluations: pd.DataFrame
    outcome: Outcome
    rule_decision: str | None  # what the scores give ("passed"/"failed"), None without scores
    checks: tuple[Check, ...]
    recusals: pd.DataFrame  # the members recused from this item alone (RECUSAL_COLUMNS)
    voters: int  # members present who may vote on this item

    @property
    def follows(self) -> bool | None:
        """Whether the decision follows from the scores and the rules (None: undecided)."""
        if self.decision == "pending":
            return None
        return all(c.ok is not False for c in self.checks)


@dataclass(frozen=True)
class RegulationRecord:
    """The regulation version a meeting was held under, and whether its stored settings
    differ from the version's (*held under exceptional settings*)."""

    id: int | None
    number: int | None
    directive: str | None
    effective_on: dt.date | None
    quorum: int
    stored_quorum: int
    stored_marks: tuple[float, float] | None
    exceptional: bool


@dataclass(frozen=True)
class CriterionRecord:
    code: str
    ko: str
    en: str
    weight: float
    stage: int


@dataclass(frozen=True)
class MeetingRecord:
    meeting: dict[str, Any]
    thresholds: Thresholds
    own_thresholds: bool
    regulation: RegulationRecord
    criteria: tuple[CriterionRecord, ...]
    draw: DrawRecord
    panel: pd.DataFrame
    present: int  # members attending and not recused
    items: tuple[ItemRecord, ...]
    corrections: pd.DataFrame
    checks: tuple[Check, ...]
    personal_data: bool

    @property
    def quorum_met(self) -> bool | None:
        if self.meeting["status"] == "scheduled":
            return None
        return self.present >= int(self.meeting["quorum"])


# --- the list ------------------------------------------------------------------------------


def _validate(filters: MeetingFilters) -> None:
    if filters.kind is not None and filters.kind not in domain.MEETING_KINDS:
        raise ValueError(f"unknown meeting kind {filters.kind!r}")
    if filters.status is not None and filters.status not in domain.MEETING_STATUSES:
        raise ValueError(f"unknown meeting status {filters.status!r}")
    if filters.start and filters.end and filters.start > filters.end:
        raise ValueError("period ends before it starts")


def _matching(filters: MeetingFilters) -> list[Any]:
    """The filters as conditions on ``Meeting`` (the search in SQL: code or title)."""
    conditions: list[Any] = []
    if filters.start is not None:
        conditions.append(Meeting.scheduled_on >= filters.start)
    if filters.end is not None:
        conditions.append(Meeting.scheduled_on <= filters.end)
    if filters.kind is not None:
        conditions.append(Meeting.kind == filters.kind)
    if filters.status is not None:
        conditions.append(Meeting.status == filters.status)
    if filters.q.strip():
        text = filters.q.strip()[:200]
        conditions.append(
            Meeting.code.icontains(text, autoescape=True)
            | Meeting.title.icontains(text, autoescape=True)
        )
    return conditions


def meetings_count(*, session: Session, filters: MeetingFilters) -> int:
    """How many meetings match ``filters`` (counted in the database).

    :raise ValueError: as :func:`meetings_list`.
    """
    _validate(filters)
    return int(
        session.execute(
            select(func.count()).select_from(Meeting).where(*_matching(filters))
        ).scalar_one()
    )


def meetings_list(
    *, session: Session, filters: MeetingFilters, offset: int = 0, limit: int = LIST_LIMIT
) -> pd.DataFrame:
    """Meetings matching ``filters``, newest first (scheduled date, then id), ``limit`` of
    them from ``offset``, with their agenda size, decisions, panel size and members present
    (attending, not recused); ``quorum`` is the quorum of each meeting's regulation version.
    The page is chosen first and only its meetings are aggregated, so a page costs the same
    however long the history.

    :raise ValueError: an unknown kind or status, or a period that ends before it starts.
    """
    _validate(filters)
    page = session.execute(
        select(
            Meeting.id,
            Meeting.code,
            Meeting.kind,
            Meeting.title,
            Meeting.status,
            Meeting.scheduled_on,
            Meeting.held_on,
            Meeting.quorum,
            Meeting.regulation_id,
        )
        .where(*_matching(filters))
        .order_by(Meeting.scheduled_on.desc(), Meeting.id.desc())
        .offset(max(0, int(offset)))
        .limit(max(0, int(limit)))
    ).all()
    ids = [int(r[0]) for r in page]
    items: dict[int, tuple[int, int, int]] = {}
    seats: dict[int, tuple[int, int]] = {}
    for at in range(0, len(ids), 500):
        part = ids[at : at + 500]
        for mid, n, passed, pending in session.execute(
            select(
                AgendaItem.meeting_id,
                func.count(),
                func.sum(_is(AgendaItem.decision, "passed")),
                func.sum(_is(AgendaItem.decision, "pending")),
            )
            .where(AgendaItem.meeting_id.in_(part))
            .group_by(AgendaItem.meeting_id)
        ):
            items[int(mid)] = (int(n), int(passed or 0), int(pending or 0))
        for mid, n, present in session.execute(
            select(PanelSeat.meeting_id, func.count(), func.sum(_present()))
            .where(PanelSeat.meeting_id.in_(part))
            .group_by(PanelSeat.meeting_id)
        ):
            seats[int(mid)] = (int(n), int(present or 0))
    columns = ["id", "code", "kind", "title", "status", "scheduled_on", "held_on", "quorum",
               "items", "passed", "pending", "seats", "present"]  # fmt: skip
    regulations = Regulations(session)
    rows = [
        (
            *r[:7],
            regulations.of(
                kind=r.kind, regulation_id=r.regulation_id, scheduled_on=r.scheduled_on,
                quorum=r.quorum, marks=None,
            ).quorum,
            *items.get(int(r[0]), (0, 0, 0)),
            *seats.get(int(r[0]), (0, 0)),
        )
        for r in page
    ]  # fmt: skip
    df = pd.DataFrame([tuple(r) for r in rows], columns=columns)
    for col in ("items", "passed", "pending", "seats", "present", "quorum"):
        df[col] = df[col].astype(int)
    df["quorum_met"] = [
        None if status == "scheduled" else bool(present >= quorum)
        for status, present, quorum in zip(df["status"], df["present"], df["quorum"], strict=True)
    ]
    return df


def _is(column: Any, value: str) -> Any:
    from sqlalchemy import case

    return case((column == value, 1), else_=0)


def _present() -> Any:
    from sqlalchemy import and_, case

    return case((and_(PanelSeat.attended.is_(True), PanelSeat.recused.is_(False)), 1), else_=0)


# --- one meeting ---------------------------------------------------------------------------


def meeting_record(*, session: Session, actor: Actor, meeting_id: int) -> MeetingRecord:
    """Everything an auditor needs to judge one meeting (see the module docstring).

    :raise PermissionDenied: the actor is not an auditor, staff member or approver.
    :raise MeetingNotFound: no such meeting.
    """
    require_role(actor, MEETING_READERS, "meeting.read", "meeting")
    meeting = session.get(Meeting, meeting_id)
    if meeting is None:
        raise MeetingNotFound(id=meeting_id)
    personal = may_see_personal_data(actor)
    reg = regulation_of(session, meeting)
    marks = reg.thresholds
    panel = _panel(session, meeting, personal, reg.window_years)
    items = _items(session, meeting, panel, reg)
    exclusions = _exclusions(session, meeting)
    draw = _draw(session, meeting, panel, exclusions, reg)
    present = int(panel["votes"].sum()) if not panel.empty else 0
    corrections = _corrections(session, meeting.id)
    info = {
        "id": meeting.id,
        "code": meeting.code,
        "kind": meeting.kind,
        "title": meeting.title,
        "status": meeting.status,
        "scheduled_on": meeting.scheduled_on,
        "held_on": meeting.held_on,
        "location": meeting.location,
        "quorum": reg.quorum,
        "minutes": meeting.minutes,
        "closed_at": meeting.closed_at,
        "created_by": _user_name(session, meeting.created_by_id),
    }
    regulation = _regulation(reg)
    checks = _meeting_checks(meeting, panel, draw, present, reg, items)
    return MeetingRecord(
        meeting=info,
        thresholds=marks,
        own_thresholds=reg.stored_marks is not None,
        regulation=regulation,
        criteria=_criteria(session, marks),
        draw=draw,
        panel=panel,
        present=present,
        items=tuple(items),
        corrections=corrections,
        checks=tuple(checks),
        personal_data=personal,
    )


def _regulation(reg: Regulated) -> RegulationRecord:
    v = reg.version
    return RegulationRecord(
        id=v.id if v else None,
        number=v.number if v else None,
        directive=v.directive if v else None,
        effective_on=v.effective_on if v else None,
        quorum=reg.quorum,
        stored_quorum=reg.stored_quorum,
        stored_marks=reg.stored_marks,
        exceptional=reg.exceptional,
    )


def _criteria(session: Session, marks: Thresholds) -> tuple[CriterionRecord, ...]:
    labels = {
        code: (ko, en)
        for code, ko, en in session.execute(
            select(CriterionTerm.code, CriterionTerm.label_ko, CriterionTerm.label_en)
        )
    }
    return tuple(
        CriterionRecord(c, *labels.get(c, (c, c)), weight=w, stage=stage)
        for c, w, stage in marks.criteria
    )


def _user_name(session: Session, user_id: int | None) -> str | None:
    if user_id is None:
        return None
    return session.execute(select(User.display_name).where(User.id == user_id)).scalar()


def _applicants(session: Session, meeting_id: int) -> set[int]:
    return set(
        session.execute(
            select(Technology.owner_org_id)
            .join(AgendaItem, AgendaItem.technology_id == Technology.id)
            .where(AgendaItem.meeting_id == meeting_id)
        ).scalars()
    )


def _panel(session: Session, meeting: Meeting, personal: bool, window_years: int) -> pd.DataFrame:
    columns = [
        PanelSeat.id.label("seat_id"),
        PanelSeat.expert_id,
        Expert.name,
        Expert.name_en,
        Organization.id.label("organization_id"),
        Organization.name_ko.label("organization_ko"),
        Organization.name_en.label("organization_en"),
        Expert.affiliation,
        Expert.position,
        PanelSeat.method,
        PanelSeat.is_chair,
        PanelSeat.attended,
        PanelSeat.conflict_declared,
        PanelSeat.conflict_note,
        PanelSeat.recused,
    ]
    if personal:
        columns += [Expert.phone, Expert.email]
    query = (
        select(*columns)
        .join(Expert, Expert.id == PanelSeat.expert_id)
        .join(Organization, Organization.id == Expert.organization_id)
        .where(PanelSeat.meeting_id == meeting.id)
        .order_by(PanelSeat.id)
    )
    rows = session.execute(query).all()
    df = pd.DataFrame([tuple(r) for r in rows], columns=list(query.selected_columns.keys()))
    fields: dict[int, list[str]] = defaultdict(list)
    ids = [int(i) for i in df["expert_id"]] if not df.empty else []
    if ids:
        for expert_id, code in session.execute(
            select(ExpertField.expert_id, ExpertField.field)
            .where(ExpertField.expert_id.in_(ids))
            .order_by(ExpertField.expert_id, ExpertField.field)
        ):
            fields[expert_id].append(code)
    df["fields"] = [tuple(fields.get(int(i), ())) for i in df["expert_id"]]
    df["votes"] = [
        yes(a) and not yes(r) for a, r in zip(df["attended"], df["recused"], strict=True)
    ]
    # Conflicts by the draw's rule with any applicant, as the records stand today.
    applicants = _applicants(session, meeting.id)
    on = meeting.held_on or meeting.scheduled_on
    ties: dict[int, list[Tie]] = defaultdict(list)
    if ids and applicants:
        for expert_id, org_id, started, ended in session.execute(
            select(
                ExpertTie.expert_id,
                ExpertTie.organization_id,
                ExpertTie.started_on,
                ExpertTie.ended_on,
            ).where(ExpertTie.expert_id.in_(ids), ExpertTie.organization_id.in_(applicants))
        ):
            ties[expert_id].append(Tie(org_id, started, ended))
    reasons: list[str | None] = []
    orgs: list[tuple[int, ...]] = []
    for expert_id, org_id, affiliation in zip(
        df["expert_id"], df["organization_id"], df["affiliation"], strict=True
    ):
        candidate = PoolExpert(
            int(expert_id), int(org_id), str(affiliation), ties=tuple(ties.get(int(expert_id), ()))
        )
        hits = [
            h
            for a in sorted(applicants)
            if (h := conflict_reason(candidate, {a}, on, window_years))
        ]
        reasons.append(hits[0][0] if hits else None)
        orgs.append(tuple(h[1] for h in hits))
    df["rule_conflict"] = reasons
    df["rule_conflict_orgs"] = orgs
    _substitutions(session, df)
    df["seat_reason"] = _seat_reasons(session, df)
    return df


def _substitutions(session: Session, panel: pd.DataFrame) -> None:
    """Add to ``panel``: ``replaces`` (the expert id a substitute drawn by rule replaced,
    else None) and ``substitute_replayed`` (whether replaying its recorded seed gives it)."""
    replaces: dict[int, int] = {}
    replayed: dict[int, bool] = {}
    ids = [int(i) for i in panel["seat_id"]] if not panel.empty else []
    expert_of = dict(zip(ids, (int(e) for e in panel.get("expert_id", [])), strict=True))
    if ids:
        for row in session.execute(
            select(PanelSubstitution).where(PanelSubstitution.seat_id.in_(ids))
        ).scalars():
            replaced = expert_of.get(int(row.replaced_seat_id))
            if replaced is not None:
                replaces[int(row.seat_id)] = replaced
            replayed[int(row.seat_id)] = replay_substitute(row) == expert_of.get(int(row.seat_id))
    panel["replaces"] = [replaces.get(i) for i in ids]
    panel["substitute_replayed"] = [replayed.get(i) for i in ids]


def replay_substitute(row: PanelSubstitution) -> int | None:
    """The expert the recorded seed and inputs of a substitute draw give (None: unreadable)."""
    if row.rule != SUBSTITUTE_RULE:
        return None
    try:
        inputs = json.loads(row.inputs)
        candidates = [Candidate(*c) for c in json.loads(row.candidates)]
        return pick_substitute(
            candidates,
            seed=int(row.seed),
            inputs=SubstituteInputs(
                str(inputs["affiliation"]),
                {str(k): int(v) for k, v in inputs["held"].items()},
                int(inputs["cap"]),
            ),
        ).expert_id
    except (ValueError, KeyError, TypeError):
        return None


def _seat_reasons(session: Session, panel: pd.DataFrame) -> list[str | None]:
    """The recorded reason of each seat not filled by the draw (substitute, appointed):
    the reason of its audit event; None for drawn seats and where none was recorded (a
    substitute drawn by rule has its reason in ``replaces``)."""
    others = [
        int(i) for i, m in zip(panel["seat_id"], panel["method"], strict=True) if m != "random_draw"
    ]
    found: dict[int, str] = {}
    if others:
        for entity_id, reason in session.execute(
            select(AuditEvent.entity_id, AuditEvent.reason).where(
                AuditEvent.entity == "panel_seat",
                AuditEvent.entity_id.in_([str(i) for i in others]),
                AuditEvent.action.in_(SEAT_ACTIONS),
            )
        ):
            if entity_id is not None and reason and reason.strip():
                found[int(entity_id)] = reason
    return [found.get(int(i)) for i in panel["seat_id"]]


SEAT_ACTIONS = ("panel_seat.draw", "panel_seat.appoint", "panel_seat.substitute")
"""The audit events that seat a member (their reason explains a seat not drawn)."""


def _exclusions(session: Session, meeting: Meeting) -> pd.DataFrame:
    recorded = json.loads(meeting.draw_exclusions or "[]")
    columns = [
        "expert_id",
        "name",
        "name_en",
        "organization_ko",
        "organization_en",
        "affiliation",
        "reason",
    ]
    if not recorded:
        return pd.DataFrame(columns=columns)
    ids = [int(x["expert_id"]) for x in recorded]
    who = {
        int(r[0]): tuple(r[1:])
        for r in session.execute(
            select(
                Expert.id,
                Expert.name,
                Expert.name_en,
                Organization.name_ko,
                Organization.name_en,
                Expert.affiliation,
            )
            .join(Organization, Organization.id == Expert.organization_id)
            .where(Expert.id.in_(ids))
        )
    }
    rows = [
        (int(x["expert_id"]), *who.get(int(x["expert_id"]), (None,) * 5), x.get("reason"))
        for x in recorded
    ]
    return pd.DataFrame(rows, columns=columns)


def _draw(
    session: Session,
    meeting: Meeting,
    panel: pd.DataFrame,
    exclusions: pd.DataFrame,
    reg: Regulated,
) -> DrawRecord:
    rules = session.get(MeetingRules, meeting.id)
    event = session.execute(
        select(AuditEvent.occurred_at, AuditEvent.actor_id, AuditEvent.actor_name)
        .where(
            AuditEvent.entity == "meeting",
            AuditEvent.entity_id == str(meeting.id),
            AuditEvent.action == "meeting.draw_panel",
        )
        .order_by(AuditEvent.id.desc())
        .limit(1)
    ).first()
    drawn_by = None
    if event is not None:
        drawn_by = _user_name(session, event.actor_id) or event.actor_name
    replayed: bool | None = None
    rule = fields = targets = candidates = None
    if rules is not None and rules.draw_rule is not None:
        rule = rules.draw_rule
        fields = tuple(json.loads(rules.draw_fields or "[]"))
        targets = {str(k): int(v) for k, v in json.loads(rules.draw_targets or "{}").items()}
        candidates = [Candidate(*c) for c in json.loads(rules.draw_candidates or "[]")]
        if rule == RULE and meeting.draw_seed is not None and rules.draw_size:
            matched = all(c.field_match for c in candidates)
            try:
                _t, seats = select_seats(
                    candidates,
                    size=int(rules.draw_size),
                    seed=int(meeting.draw_seed),
                    field_matched=matched,
                    cap=reg.cap,
                )
            except ValueError:
                replayed = False
            else:
                drawn = panel.loc[panel["method"] == "random_draw", "expert_id"]
                replayed = sorted(int(x) for x in drawn) == sorted(s.expert_id for s in seats)
    return DrawRecord(
        seed=meeting.draw_seed,
        pool_size=meeting.draw_pool_size,
        rule=rule,
        drawn_on=rules.draw_on if rules is not None else None,
        drawn_at=event.occurred_at if event is not None else None,
        drawn_by=drawn_by,
        size=rules.draw_size if rules is not None else None,
        fields=fields or (),
        targets=targets or {},
        field_matched=(all(c.field_match for c in candidates) if candidates else None),
        exclusions=exclusions,
        replayed=replayed,
    )


def _items(
    session: Session, meeting: Meeting, panel: pd.DataFrame, reg: Regulated
) -> list[ItemRecord]:
    marks = reg.thresholds
    query = (
        select(
            AgendaItem.id,
            AgendaItem.position,
            Technology.id.label("technology_id"),
            Technology.reg_no,
            Technology.title_ko,
            Technology.title_en,
            Organization.id.label("applicant_id"),
            Organization.name_ko,
            Organization.name_en,
            Technology.field,
            Adoption.project_name,
            Testbed.site,
            AgendaItem.decision,
            AgendaItem.decision_reason,
            AgendaItem.decided_at,
        )
        .join(Technology, Technology.id == AgendaItem.technology_id)
        .join(Organization, Organization.id == Technology.owner_org_id)
        .outerjoin(Adoption, Adoption.id == AgendaItem.adoption_id)
        .outerjoin(Testbed, Testbed.id == AgendaItem.testbed_id)
        .where(AgendaItem.meeting_id == meeting.id)
        .order_by(AgendaItem.position, AgendaItem.id)
    )
    rows = session.execute(query).all()
    codes = marks.codes
    evaluations, given = _evaluations(session, meeting.id, codes)
    recusals = _item_recusals(session, meeting.id)
    seat_info = {int(r.seat_id): r for r in panel.itertuples(index=False)}
    out: list[ItemRecord] = []
    for r in rows:
        # (the empty frames are made only for items without evaluations or recusals: a
        # DataFrame per item and call made a period's evidence package several times slower)
        evals = evaluations.get(int(r.id))
        if evals is None:
            evals = pd.DataFrame(columns=evaluation_columns(codes))
        scores = given.get(int(r.id), [])
        outcome = evaluate(scores, marks)
        rule_decision = None if not scores else ("passed" if outcome.passed else "failed")
        recused = recusals.get(int(r.id))
        if recused is None:
            recused = pd.DataFrame(columns=RECUSAL_COLUMNS)
        voting = _item_voting(seat_info, int(r.applicant_id), set(recused["seat_id"]))
        checks = _item_checks(
            r.decision, r.decision_reason, evals, seat_info, voting, reg.quorum, rule_decision
        )
        out.append(
            ItemRecord(
                id=int(r.id),
                position=int(r.position),
                technology_id=int(r.technology_id),
                reg_no=r.reg_no,
                title_ko=r.title_ko,
                title_en=r.title_en,
                applicant_id=int(r.applicant_id),
                applicant_ko=r.name_ko,
                applicant_en=r.name_en,
                field=r.field,
                project=r.project_name,
                testbed_site=r.site,
                decision=r.decision,
                reason=r.decision_reason,
                decided_at=r.decided_at,
                evaluations=evals,
                outcome=outcome,
                rule_decision=rule_decision,
                checks=tuple(checks),
                recusals=recused,
                voters=len(voting),
            )
        )
    return out


def _item_voting(seats: dict[int, Any], applicant_id: int, recused: set[int]) -> set[int]:
    """The seats present who may vote on an item: voting at the meeting, not recused from
    the item, no conflict by the rule with its applicant."""
    return {
        sid
        for sid, r in seats.items()
        if r.votes and sid not in recused and applicant_id not in r.rule_conflict_orgs
    }


RECUSAL_COLUMNS = ["seat_id", "expert_id", "name", "name_en", "reason", "recorded_at"]


def _item_recusals(session: Session, meeting_id: int) -> dict[int, pd.DataFrame]:
    """Per agenda item, the members recused from it alone."""
    rows = session.execute(
        select(
            ItemRecusal.agenda_item_id,
            ItemRecusal.seat_id,
            PanelSeat.expert_id,
            Expert.name,
            Expert.name_en,
            ItemRecusal.reason,
            ItemRecusal.recorded_at,
        )
        .join(AgendaItem, AgendaItem.id == ItemRecusal.agenda_item_id)
        .join(PanelSeat, PanelSeat.id == ItemRecusal.seat_id)
        .join(Expert, Expert.id == PanelSeat.expert_id)
        .where(AgendaItem.meeting_id == meeting_id)
        .order_by(ItemRecusal.id)
    ).all()
    by_item: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for r in rows:
        by_item[int(r[0])].append(tuple(r[1:]))
    return {k: pd.DataFrame(v, columns=RECUSAL_COLUMNS) for k, v in by_item.items()}


def evaluation_columns(criteria: tuple[str, ...]) -> list[str]:
    """The columns of an item's evaluations: who, each criterion's score, the member's
    weighted mean, the comment and when."""
    return [
        "evaluation_id", "seat_id", "expert_id", "name", "name_en", *criteria, "mean", "comment",
        "recorded_at",
    ]  # fmt: skip


def _evaluations(
    session: Session, meeting_id: int, codes: tuple[str, ...]
) -> tuple[dict[int, pd.DataFrame], dict[int, list[dict[str, int]]]]:
    """Per agenda item, its evaluations (:func:`evaluation_columns`) and the criterion scores
    of each (``{criterion: score}``, in the same order) that the two-stage rule reads."""
    query = (
        select(
            Evaluation.agenda_item_id,
            Evaluation.id.label("evaluation_id"),
            Evaluation.seat_id,
            PanelSeat.expert_id,
            Expert.name,
            Expert.name_en,
            Evaluation.comment,
            Evaluation.recorded_at,
        )
        .join(AgendaItem, AgendaItem.id == Evaluation.agenda_item_id)
        .join(PanelSeat, PanelSeat.id == Evaluation.seat_id)
        .join(Expert, Expert.id == PanelSeat.expert_id)
        .where(AgendaItem.meeting_id == meeting_id)
        .order_by(Evaluation.agenda_item_id, PanelSeat.id)
    )
    rows = session.execute(query).all()
    scores: dict[int, dict[str, int]] = defaultdict(dict)
    for evaluation_id, criterion, score in session.execute(
        select(EvaluationScore.evaluation_id, EvaluationScore.criterion, EvaluationScore.score)
        .join(Evaluation, Evaluation.id == EvaluationScore.evaluation_id)
        .join(AgendaItem, AgendaItem.id == Evaluation.agenda_item_id)
        .where(AgendaItem.meeting_id == meeting_id)
    ):
        scores[int(evaluation_id)][criterion] = int(score)
    by_item: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    scored: dict[int, list[dict[str, int]]] = defaultdict(list)
    for r in rows:
        given = scores.get(int(r.evaluation_id), {})
        values = [given.get(c) for c in codes]
        scored[int(r.agenda_item_id)].append({c: int(given[c]) for c in codes})
        known = [v for v in values if v is not None]
        mean = round(sum(known) / len(known), 2) if known else None
        by_item[int(r.agenda_item_id)].append(
            (
                int(r.evaluation_id),
                int(r.seat_id),
                int(r.expert_id),
                r.name,
                r.name_en,
                *values,
                mean,
                r.comment,
                r.recorded_at,
            )
        )
    frames = {k: pd.DataFrame(v, columns=evaluation_columns(codes)) for k, v in by_item.items()}
    return frames, dict(scored)


# Check templates (msgids). Keys are stable codes for tests and the fairness report.
CHECK_TEXTS: dict[str, tuple[str, str]] = {
    "reason": (N_("The decision gives its reason"), N_("The decision has no reason")),
    "quorum": (
        N_("Quorum: {present} members present who may vote on this item, {quorum} needed"),
        N_("No quorum: {present} members present who may vote on this item, {quorum} needed"),
    ),
    "all_scored": (
        N_("Every member present who may vote scored ({scored} of {present})"),
        N_("Only {scored} of the {present} members present who may vote scored"),
    ),
    "eligible": (
        N_("Only members present, not recused and free of conflicts scored"),
        N_("Scores were recorded for a member who was absent, recused or had a conflict"),
    ),
    "settings": (
        N_("Held under its regulation version's quorum and pass marks"),
        N_(
            "Held under exceptional settings: its quorum or pass marks differ from its "
            "regulation version's"
        ),
    ),
    "appointed": (
        N_("Seats filled by hand: {n}, within the regulation's {most}"),
        N_("Seats filled by hand: {n}, more than the regulation's {most}"),
    ),
    "substitutes": (
        N_("Replaying each substitute's recorded seed gives the seated substitute"),
        N_("Replaying a substitute's recorded seed gives another expert"),
    ),
    "rule": (
        N_("The decision is what the scores give under the two-stage rule ({expected})"),
        N_("The scores give {expected} under the two-stage rule, but {decision} was recorded"),
    ),
    "meeting_quorum": (
        N_("Quorum reached: {present} members present who may vote, {quorum} needed"),
        N_("No quorum: {present} members present who may vote, {quorum} needed"),
    ),
    "not_excluded": (
        N_("Nobody excluded by the draw sits on the panel"),
        N_("A member excluded by the draw sits on the panel"),
    ),
    "no_conflict": (
        N_(
            "No member has a conflict of interest with an applicant (same organisation, or a "
            "tie within the regulation's window) without having recused from that applicant's "
            "items"
        ),
        N_("A member has a conflict of interest with an applicant and did not recuse"),
    ),
    "notes": (
        N_("Every declaration of interest and recusal has its note"),
        N_("A declaration of interest or recusal has no note"),
    ),
    "seat_reasons": (
        N_("Every seat not filled by the draw has a recorded reason"),
        N_("A seat not filled by the draw has no recorded reason"),
    ),
    "minutes": (N_("The closed meeting has its minutes"), N_("The closed meeting has no minutes")),
    "replay": (
        N_("Replaying the recorded seed gives the seated panel"),
        N_("Replaying the recorded seed gives another panel"),
    ),
}
"""Check key -> (the statement when it holds, the problem when it does not); msgids."""


def _check(key: str, ok: bool | None, params: dict[str, Any] | None = None) -> Check:
    holds, problem = CHECK_TEXTS[key]
    return Check(key, ok, holds if ok is not False else problem, params or {})


def _item_checks(
    decision: str,
    reason: str | None,
    evals: pd.DataFrame,
    seats: dict[int, Any],
    voting: set[int],
    quorum: int,
    rule_decision: str | None,
) -> list[Check]:
    decided = decision != "pending"
    judged = decision in ("passed", "failed")
    checks = [
        _check("reason", bool(text_of(reason)) if decided else None),
        _check(
            "quorum",
            len(voting) >= quorum if judged else None,
            {"present": len(voting), "quorum": quorum},
        ),
    ]
    scored = {int(s) for s in evals["seat_id"]} if not evals.empty else set()
    checks.append(
        _check(
            "all_scored",
            voting <= scored if judged else None,
            {"scored": len(scored & voting), "present": len(voting)},
        )
    )
    ineligible = [sid for sid in scored if sid not in seats or sid not in voting]
    checks.append(_check("eligible", not ineligible if scored else None))
    checks.append(
        _check(
            "rule",
            (rule_decision == decision) if judged else None,
            {"expected": rule_decision or "-", "decision": decision},
        )
    )
    return checks


def _meeting_checks(
    meeting: Meeting,
    panel: pd.DataFrame,
    draw: DrawRecord,
    present: int,
    reg: Regulated,
    items: list[ItemRecord],
) -> list[Check]:
    sat = meeting.status != "scheduled"
    excluded = set(draw.exclusions["expert_id"]) if not draw.exclusions.empty else set()
    seated = {int(x) for x in panel["expert_id"]}
    recused_from: dict[int, set[int]] = defaultdict(set)  # seat -> applicants recused from
    for item in items:
        for seat_id in item.recusals["seat_id"]:
            recused_from[int(seat_id)].add(item.applicant_id)
    conflicted = [
        1
        for sid, orgs, r in zip(
            panel["seat_id"], panel["rule_conflict_orgs"], panel["recused"], strict=True
        )
        if orgs and not yes(r) and not set(orgs) <= recused_from.get(int(sid), set())
    ]
    unnoted = [
        1
        for d, r, n in zip(
            panel["conflict_declared"], panel["recused"], panel["conflict_note"], strict=True
        )
        if (yes(d) or yes(r)) and not text_of(n)
    ]
    unexplained = [
        1
        for m, why, replaces in zip(
            panel["method"], panel["seat_reason"], panel["replaces"], strict=True
        )
        if m != "random_draw" and not text_of(why) and not _known(replaces)
    ]
    appointed = int((panel["method"] == "appointed").sum()) if not panel.empty else 0
    substitutes = [v for v in panel["substitute_replayed"] if v is not None] if seated else []
    closed = meeting.status == "closed"
    most = reg.max_appointed
    return [
        _check(
            "meeting_quorum",
            present >= reg.quorum if sat else None,
            {"present": present, "quorum": reg.quorum},
        ),
        _check("settings", not reg.exceptional if reg.version is not None else None),
        _check("not_excluded", not (excluded & seated) if seated else None),
        _check("no_conflict", not conflicted if seated else None),
        _check("notes", not unnoted if seated else None),
        _check("seat_reasons", not unexplained if seated else None),
        _check(
            "appointed",
            appointed <= most if appointed and most is not None else None,
            {"n": appointed, "most": most if most is not None else "-"},
        ),
        _check("minutes", bool(text_of(meeting.minutes)) if closed else None),
        _check("replay", draw.replayed),
        _check("substitutes", all(bool(v) for v in substitutes) if substitutes else None),
    ]


def _known(value: Any) -> bool:
    """A cell that holds a value (not None/NaN)."""
    return value is not None and value == value


def _corrections(session: Session, meeting_id: int) -> pd.DataFrame:
    query = (
        select(
            MeetingCorrection.id,
            MeetingCorrection.created_at,
            User.display_name.label("by"),
            AgendaItem.position.label("item_position"),
            MeetingCorrection.text,
        )
        .outerjoin(User, User.id == MeetingCorrection.created_by_id)
        .outerjoin(AgendaItem, AgendaItem.id == MeetingCorrection.agenda_item_id)
        .where(MeetingCorrection.meeting_id == meeting_id)
        .order_by(MeetingCorrection.id)
    )
    rows = session.execute(query).all()
    return pd.DataFrame([tuple(r) for r in rows], columns=list(query.selected_columns.keys()))
