"""One item on one screen: everything an approver needs to decide an adoption under review
or a step proposal (the proposal, the technology, the deliberation record with scores, the
recommendation, what blocks the actor, the history), as typed values.

Whether the actor may decide or approve is asked of :mod:`db.policy` (four eyes) and of the
meeting's recommendation, exactly as the writes ask it, so the screen never offers what the
write would refuse.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from db import clock, policy
from db.adoptions import writes as adoptions
from db.adoptions.register import AdoptionDetail, adoption_detail
from db.adoptions.writes import Recommendation
from db.approvals import proposals
from db.approvals.decisions import parse_key
from db.audit import trail as audit_trail
from db.audit.trail import RecordHistory
from db.city.store import positions
from db.errors import NotFound
from db.meetings import scoring
from db.meetings.common import regulation_of
from db.meetings.sitting import item_scores
from db.models import (
    Adoption,
    AgendaItem,
    Meeting,
    Proposal,
    Testbed,
    User,
)
from db.policy import APPROVERS, Actor
from db.technologies.register import TechnologyDetail, technology_detail


@dataclass(frozen=True)
class Blocker:
    """Why approval is not possible now: a message template and its parameters."""

    message: str
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class StepFacts:
    """A step proposal's fields (``details``: what the step records, e.g. a site)."""

    id: int
    entity: str
    entity_id: int
    from_status: str
    to_status: str
    details: Mapping[str, Any]
    reason: str | None
    status: str
    proposed_by: str
    proposed_at: dt.datetime
    decided_by: str | None
    decided_at: dt.datetime | None
    decision_comment: str | None


@dataclass(frozen=True)
class TestbedFacts:
    """The testbed a step proposal would move, as it is now."""

    id: int
    site: str | None
    status: str
    applied_on: dt.date | None
    selected_on: dt.date | None
    started_on: dt.date | None
    completed_on: dt.date | None
    certified_on: dt.date | None
    certification: str | None


@dataclass(frozen=True)
class ItemContext:
    """What both kinds of item share on the screen.

    ``deliberations``: columns :data:`DELIBERATION_COLUMNS`; ``history``: the record's audit
    events, newest first; ``can_decide``: the actor may approve, reject or return it now;
    ``can_approve``: they may approve it now; ``blocked``: why not, in the order told.
    """

    key: str
    technology: TechnologyDetail
    deliberations: pd.DataFrame
    history: RecordHistory
    can_decide: bool
    can_approve: bool
    blocked: tuple[Blocker, ...]


@dataclass(frozen=True)
class AdoptionContext(ItemContext):
    """An adoption under review (:func:`decision_context`): the adoption as its register
    shows it, and the names of who edited it after it was proposed."""

    adoption: AdoptionDetail
    editors: tuple[str, ...]
    recommendation: Recommendation


@dataclass(frozen=True)
class ProposalContext(ItemContext):
    """A step proposal (:func:`proposal_context`); ``testbed``: None for a technology's
    step."""

    proposal: StepFacts
    testbed: TestbedFacts | None


DELIBERATION_COLUMNS = [
    "meeting_id", "code", "kind", "held_on", "meeting_status", "decision", "decision_reason",
    "decided_at", "members", "stage1_mean", "overall_mean", "rule_passed",
]  # fmt: skip


def deliberations(session: Session, condition: Any) -> pd.DataFrame:
    """Agenda items matching ``condition`` with their meeting, decision and the scores
    aggregated by :func:`db.meetings.scoring.evaluate` under the meeting's regulation
    (columns :data:`DELIBERATION_COLUMNS`, then the mean of each criterion those
    regulations score, in the city's order of criteria; None where a meeting's did not)."""
    items = session.execute(
        select(
            AgendaItem.id,
            Meeting.id.label("meeting_id"),
            Meeting.code,
            Meeting.kind,
            Meeting.held_on,
            Meeting.status,
            AgendaItem.decision,
            AgendaItem.decision_reason,
            AgendaItem.decided_at,
        )
        .join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .where(condition)
        .order_by(Meeting.scheduled_on, AgendaItem.id)
    ).all()
    out: list[dict[str, Any]] = []
    criteria: set[str] = set()
    for it in items:
        meeting = session.get(Meeting, it.meeting_id)
        assert meeting is not None
        thresholds = regulation_of(session, meeting).thresholds
        criteria.update(thresholds.codes)
        outcome = scoring.evaluate(item_scores(session, it.id, without_recused=True), thresholds)
        out.append(
            {
                "meeting_id": it.meeting_id,
                "code": it.code,
                "kind": it.kind,
                "held_on": it.held_on,
                "meeting_status": it.status,
                "decision": it.decision,
                "decision_reason": it.decision_reason,
                "decided_at": clock.as_utc(it.decided_at) if it.decided_at else None,
                "members": outcome.members,
                "stage1_mean": outcome.stage1_mean if outcome.members else None,
                "overall_mean": outcome.overall_mean if outcome.members else None,
                "rule_passed": outcome.passed if outcome.members else None,
                **{
                    c: round(mean, 1) if outcome.members else None
                    for c, mean in outcome.criterion_means.items()
                },
            }
        )
    order = positions(session, "criteria")
    scored = sorted(criteria, key=lambda c: (order.get(c, len(order)), c))
    return pd.DataFrame(out, columns=[*DELIBERATION_COLUMNS, *scored])


def _names(session: Session) -> dict[int, str]:
    return {
        int(uid): str(name)
        for uid, name in session.execute(select(User.id, User.display_name)).all()
    }


def _technology(session: Session, tech_id: int) -> TechnologyDetail:
    found = technology_detail(session=session, tech_id=tech_id)
    if found is None:
        raise NotFound()
    return found


def _blockers(refusal: policy.Refusal | None, *problems: str | None) -> tuple[Blocker, ...]:
    """The four-eyes refusal (its short sentence), then the other problems."""
    out = [Blocker(refusal.notice, refusal.kwargs)] if refusal is not None else []
    return (*out, *(Blocker(p) for p in problems if p is not None))


def decision_context(*, session: Session, actor: Actor, adoption_id: int) -> AdoptionContext:
    """Everything to decide an adoption on one screen (:class:`AdoptionContext`): the
    deliberations are the adoption review items of this adoption, then the technology's
    registration review, with scores; ``blocked`` holds the four-eyes refusal
    (:func:`db.policy.approval_refusal`) and, while it is under review, the recommendation's
    problem.

    :raise PermissionDenied: the actor is not an approver.
    :raise NotFound: no such adoption.
    """
    policy.require_role(actor, APPROVERS, "workflow.context", "adoption", adoption_id)
    adoption = session.get(Adoption, adoption_id)
    if adoption is None:
        raise NotFound()
    names = _names(session)
    editor_ids = policy.editors_of(session, "adoption", [adoption_id]).get(adoption_id, set())
    rec = adoptions.recommendation(session, adoption_id)
    item = adoptions.pending(adoption_id, adoption.proposed_by_id, rec)
    waiting = adoption.status == "under_review"
    blocked = _blockers(
        policy.approval_refusal(session, actor, item), rec.problem if waiting else None
    )
    adoption_review = and_(AgendaItem.adoption_id == adoption_id, Meeting.kind == "adoption_review")
    registration = and_(
        AgendaItem.technology_id == adoption.technology_id,
        Meeting.kind == "registration_review",
    )
    found = adoption_detail(session=session, adoption_id=adoption_id)
    if found is None:
        raise NotFound()
    return AdoptionContext(
        key=item.key,
        adoption=found,
        editors=tuple(sorted(names.get(i, str(i)) for i in editor_ids)),
        technology=_technology(session, adoption.technology_id),
        deliberations=pd.concat(
            [deliberations(session, adoption_review), deliberations(session, registration)],
            ignore_index=True,
        ),
        recommendation=rec,
        history=audit_trail.record_history(
            session=session, actor=actor, entity="adoption", entity_id=adoption_id
        ),
        can_decide=waiting and policy.decision_refusal(actor, item) is None,
        can_approve=waiting and not blocked,
        blocked=blocked,
    )


TESTBED_FIELDS = (
    "id", "site", "status", "applied_on", "selected_on", "started_on", "completed_on",
    "certified_on", "certification",
)  # fmt: skip


def proposal_context(*, session: Session, actor: Actor, proposal_id: int) -> ProposalContext:
    """Everything to decide a step proposal on one screen (:class:`ProposalContext`): the
    deliberations are the testbed's selection items, or the technology's registration
    review; the history is the record's; ``blocked`` holds the four-eyes refusal
    (:func:`db.policy.approval_refusal`).

    :raise PermissionDenied: the actor is not an approver.
    :raise NotFound: no such proposal.
    """
    policy.require_role(actor, APPROVERS, "workflow.context", "proposal", proposal_id)
    p = session.get(Proposal, proposal_id)
    if p is None:
        raise NotFound()
    names = _names(session)
    testbed: TestbedFacts | None = None
    if p.entity == "testbed":
        tb = session.get(Testbed, p.entity_id)
        if tb is None:
            raise NotFound()
        tech_id = tb.technology_id
        testbed = TestbedFacts(**{c: getattr(tb, c) for c in TESTBED_FIELDS})
        condition = and_(AgendaItem.testbed_id == tb.id, Meeting.kind == "testbed_selection")
    else:
        tech_id = p.entity_id
        condition = and_(AgendaItem.technology_id == tech_id, Meeting.kind == "registration_review")
    item = proposals.pending_items(session, [p])[p.id]
    waiting = p.status == "pending"
    blocked = _blockers(policy.approval_refusal(session, actor, item))
    return ProposalContext(
        key=item.key,
        proposal=StepFacts(
            id=p.id,
            entity=p.entity,
            entity_id=p.entity_id,
            from_status=p.from_status,
            to_status=p.to_status,
            details=json.loads(p.details) if p.details else {},
            reason=p.reason,
            status=p.status,
            proposed_by=names.get(p.proposed_by_id, ""),
            proposed_at=clock.as_utc(p.proposed_at),
            decided_by=names.get(p.decided_by_id or -1),
            decided_at=clock.as_utc(p.decided_at) if p.decided_at else None,
            decision_comment=p.decision_comment,
        ),
        testbed=testbed,
        technology=_technology(session, tech_id),
        deliberations=deliberations(session, condition),
        history=audit_trail.record_history(
            session=session, actor=actor, entity=p.entity, entity_id=p.entity_id
        ),
        can_decide=waiting and policy.decision_refusal(actor, item) is None,
        can_approve=waiting and not blocked,
        blocked=blocked,
    )


def item_context(*, session: Session, actor: Actor, key: str) -> AdoptionContext | ProposalContext:
    """:func:`decision_context` or :func:`proposal_context` for an item key."""
    kind, item_id = parse_key(key)
    if kind == "adoption":
        return decision_context(session=session, actor=actor, adoption_id=item_id)
    return proposal_context(session=session, actor=actor, proposal_id=item_id)
