# Over 500 lines on purpose: one proposal's lifecycle (propose, confirm or return, apply) for
# testbeds and technology ends; its checks read best next to its writes.
"""Step proposals: a staff member proposes one lifecycle step, another person confirms it.

Used for the testbed program (applied -> selected | rejected -> ...; selected -> in progress
-> completed -> certified) and for ending a technology's registration (registered ->
expired | withdrawn). A record has at most one open proposal (``proposals.open_key`` is
unique). Confirming applies the step to the record with a compare-and-set on the status the
proposal started from, closes the proposal with a compare-and-set on ``pending``, and
records one audit event on the record (``testbed.select`` ..., ``technology.withdraw``)
naming the proposal; declining records ``proposal.decline``. Four eyes
(:func:`db.policy.approval_refusal`; refused and audited): the proposer can never confirm or
decline their own proposal, and whoever ran the selection meeting a testbed's selection or
rejection rests on cannot confirm it.

Steps that follow a meeting (testbed selected or rejected) need that meeting's decision: a
testbed selection meeting, held or closed, whose agenda item for the testbed is ``passed``
(``failed`` for a rejection). It is checked when proposing and again when confirming.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db import clock, domain, policy, recording
from db.audit import canonical_json
from db.errors import N_, Conflict, DomainError, NotFound, ValidationFailed
from db.models import AgendaItem, Meeting, Proposal, Technology, Testbed
from db.policy import APPROVERS, STAFF, Actor

DECISIONS = ("approve", "reject")

# Testbed steps, each proposed by staff and confirmed by an approver.
TESTBED_VERBS = {
    "selected": "select",
    "rejected": "reject",
    "in_progress": "start",
    "completed": "complete",
    "certified": "certify",
}
# Technology steps that go through a proposal (the others are direct: db.technologies.writes).
TECHNOLOGY_VERBS = {"expired": "expire", "withdrawn": "withdraw"}

NO_SELECTION_DECISION = N_(
    "A testbed selection meeting must have passed this application first. Nothing was saved."
)
NO_REJECTION_DECISION = N_(
    "A testbed selection meeting must have turned this application down first. Nothing was saved."
)
ALREADY_OPEN = N_(
    "A step for this record is already waiting for an approver; it must be decided first. "
    "Nothing was saved."
)
STEP_NOT_POSSIBLE = domain.STEP_NOT_POSSIBLE
END_BEFORE_START = N_("The end must not be before the start.")
DATE_IN_FUTURE = N_("This date must not be in the future.")
CHOOSE_CERTIFICATION = N_("Choose the certification the technology won.")
NO_RETURN_FOR_STEPS = N_(
    "A proposed step can be approved or rejected; to have it reworked, reject it with a comment."
)


@dataclass(frozen=True)
class SelectionDecision:
    """The latest decision of a held or closed testbed selection meeting on a testbed."""

    decision: str
    meeting_id: int
    meeting_code: str


def selection_decisions(
    session: Session, testbed_ids: Sequence[int]
) -> dict[int, SelectionDecision]:
    """The latest selection meeting decision of each testbed (testbeds without one left
    out), in one query."""
    ids = sorted({int(i) for i in testbed_ids})
    if not ids:
        return {}
    rows = session.execute(
        select(AgendaItem.testbed_id, AgendaItem.decision, Meeting.id, Meeting.code)
        .join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .where(
            AgendaItem.testbed_id.in_(ids),
            Meeting.kind == "testbed_selection",
            Meeting.status.in_(("held", "closed")),
            AgendaItem.decision != "pending",
        )
        .order_by(Meeting.held_on.desc(), AgendaItem.id.desc())
    ).all()
    out: dict[int, SelectionDecision] = {}
    for r in rows:  # the first of each testbed is its newest
        out.setdefault(int(r.testbed_id), SelectionDecision(str(r.decision), r.id, str(r.code)))
    return out


def _check_meeting(session: Session, testbed_id: int, to: str) -> None:
    """:raise DomainError: the step needs a meeting decision that is not there."""
    found = selection_decisions(session, [testbed_id]).get(testbed_id)
    decision = found.decision if found is not None else None
    if to == "selected" and decision != "passed":
        raise DomainError(NO_SELECTION_DECISION)
    if to == "rejected" and decision != "failed":
        raise DomainError(NO_REJECTION_DECISION)


MEETING_STEPS = {"selected": "passed", "rejected": "failed"}
"""Testbed steps that follow a selection meeting, and the decision each needs."""


def pending_items(session: Session, proposals: Sequence[Proposal]) -> dict[int, policy.Pending]:
    """Step proposals as the four-eyes rules see them (:func:`db.policy.approval_refusal`):
    their proposer and, for a testbed's selection or rejection, the selection meeting whose
    decision it carries out; by proposal id."""
    testbeds = [
        p.entity_id for p in proposals if p.entity == "testbed" and p.to_status in MEETING_STEPS
    ]
    meetings = selection_decisions(session, testbeds)
    out: dict[int, policy.Pending] = {}
    for p in proposals:
        found = meetings.get(p.entity_id) if p.entity == "testbed" else None
        if found is None or MEETING_STEPS.get(p.to_status) != found.decision:
            found = None
        out[p.id] = policy.Pending(
            "proposal",
            p.id,
            p.proposed_by_id,
            meeting_id=found.meeting_id if found else None,
            meeting_code=found.meeting_code if found else None,
        )
    return out


def _testbed_details(
    to: str,
    started: dt.date | None,
    *,
    site: str | None,
    started_on: dt.date | None,
    planned_end_on: dt.date | None,
    completed_on: dt.date | None,
    certification: str | None,
) -> dict[str, Any]:
    """What the step to ``to`` records, validated.

    :raise ValidationFailed: per field (site, started_on, planned_end_on, completed_on,
        certification).
    """
    errors: dict[str, str] = {}
    today = clock.city_today()
    details: dict[str, Any] = {}
    if to == "in_progress":
        details["site"] = recording.clean_text(site, "site", errors, max_chars=300)
        if started_on is None:
            errors["started_on"] = recording.REQUIRED
        if planned_end_on is None:
            errors["planned_end_on"] = recording.REQUIRED
        elif started_on is not None and planned_end_on < started_on:
            errors["planned_end_on"] = END_BEFORE_START
        details["started_on"] = started_on
        details["planned_end_on"] = planned_end_on
    elif to == "completed":
        if completed_on is None:
            errors["completed_on"] = recording.REQUIRED
        elif completed_on > today:
            errors["completed_on"] = DATE_IN_FUTURE
        elif started is not None and completed_on < started:
            errors["completed_on"] = END_BEFORE_START
        details["completed_on"] = completed_on
    elif to == "certified":
        if certification not in domain.CERTIFICATIONS or certification == "none":
            errors["certification"] = CHOOSE_CERTIFICATION
        details["certification"] = certification
    if errors:
        raise ValidationFailed(errors)
    return details


def _create(
    session: Session,
    actor: Actor,
    *,
    entity: str,
    entity_id: int,
    from_status: str,
    to: str,
    details: dict[str, Any],
    reason: str,
) -> int:
    """Insert the open proposal and its ``proposal.create`` event; return its id.

    :raise DomainError: the record already has an open proposal.
    """
    now = clock.now_utc()
    proposal = Proposal(
        entity=entity,
        entity_id=entity_id,
        from_status=from_status,
        to_status=to,
        details=canonical_json(details) if details else None,
        reason=reason or None,
        status="pending",
        open_key=f"{entity}:{entity_id}",
        proposed_by_id=actor.id,
        proposed_at=now,
    )
    try:
        with session.begin_nested():
            session.add(proposal)
            session.flush()
    except IntegrityError as exc:
        raise DomainError(ALREADY_OPEN) from exc
    recording.record(
        session,
        actor,
        "proposal.create",
        "proposal",
        proposal.id,
        before=None,
        after={
            "entity": entity,
            "entity_id": entity_id,
            "from_status": from_status,
            "to_status": to,
            "details": details or None,
            "status": "pending",
        },
        reason=reason or None,
        at=now,
    )
    return proposal.id


def _current_status(session: Session, entity: str, entity_id: int) -> str:
    """The record's status, its row locked for the rest of the transaction (PostgreSQL).

    :raise NotFound: no such record.
    """
    model = Testbed if entity == "testbed" else Technology
    status = session.execute(
        select(model.status).where(model.id == entity_id).with_for_update()
    ).scalar()
    if status is None:
        raise NotFound()
    return str(status)


def propose_testbed_step(
    *,
    session: Session,
    actor: Actor,
    testbed_id: int,
    to: str,
    expected: str,
    reason: str = "",
    site: str | None = None,
    started_on: dt.date | None = None,
    planned_end_on: dt.date | None = None,
    completed_on: dt.date | None = None,
    certification: str | None = None,
) -> int:
    """Propose moving testbed ``testbed_id`` from ``expected`` to ``to``; return the
    proposal's id. An approver confirms it with :func:`decide_proposal`.

    ``in_progress`` needs ``site``, ``started_on`` and ``planned_end_on``; ``completed``
    needs ``completed_on``; ``certified`` needs ``certification``; ``selected`` and
    ``rejected`` need the selection meeting's decision.

    :raise PermissionDenied: the actor is not staff.
    :raise NotFound: no such testbed.
    :raise Conflict: the testbed is no longer in ``expected``.
    :raise ValidationFailed: a field is missing or wrong (per field), or ``to`` is not a
        next step (``to``).
    :raise DomainError: the meeting decision is missing; a step is already open.
    """
    policy.require_role(actor, STAFF, "testbed.propose", "testbed", testbed_id)
    testbed = session.get(Testbed, testbed_id, populate_existing=True, with_for_update=True)
    if testbed is None:
        raise NotFound()
    if testbed.status != expected:
        raise changed(session, "testbed", testbed_id)
    domain.require_transition("testbed", expected, to)
    details = _testbed_details(
        to,
        testbed.started_on,
        site=site,
        started_on=started_on,
        planned_end_on=planned_end_on,
        completed_on=completed_on,
        certification=certification,
    )
    if to in MEETING_STEPS:
        _check_meeting(session, testbed_id, to)
    errors: dict[str, str] = {}
    text = recording.clean_text(reason, "reason", errors, required=False)
    if errors:
        raise ValidationFailed(errors)
    return _create(
        session,
        actor,
        entity="testbed",
        entity_id=testbed_id,
        from_status=expected,
        to=to,
        details=details,
        reason=text,
    )


def propose_technology_end(
    *, session: Session, actor: Actor, tech_id: int, to: str, expected: str, reason: str
) -> int:
    """Propose ending a registered technology (``expired`` or ``withdrawn``); the reason is
    mandatory. Return the proposal's id (see :func:`db.technologies.move_technology`)."""
    action = f"technology.propose_{TECHNOLOGY_VERBS[to]}"
    policy.require_role(actor, STAFF, action, "technology", tech_id)
    status = _current_status(session, "technology", tech_id)
    if status != expected:
        raise changed(session, "technology", tech_id)
    domain.require_transition("technology", expected, to)
    errors: dict[str, str] = {}
    text = recording.clean_text(reason, "reason", errors)
    if errors:
        raise ValidationFailed(errors)
    return _create(
        session,
        actor,
        entity="technology",
        entity_id=tech_id,
        from_status=expected,
        to=to,
        details={},
        reason=text,
    )


def changed(session: Session, entity: str, entity_id: int) -> DomainError:
    """The refusal for a record that left the expected state: who changed it, if known."""
    ev = recording.last_event(session, entity, entity_id, _TRANSITION_ACTIONS[entity])
    return recording.conflict_from(session, ev) if ev is not None else recording.not_waiting()


_TRANSITION_ACTIONS = {
    "testbed": tuple(f"testbed.{v}" for v in TESTBED_VERBS.values()),
    "technology": (
        "technology.screen",
        "technology.review",
        "technology.register",
        "technology.reject",
        "technology.expire",
        "technology.withdraw",
    ),
}


def _apply(
    session: Session, proposal: Proposal, today: dt.date, now: dt.datetime, actor: Actor
) -> dict[str, Any]:
    """Apply a confirmed proposal to its record (compare-and-set); return what changed.

    :raise DomainError: the record is no longer in the proposal's starting state.
    :raise ValidationFailed: the lifecycle no longer has the step.
    """
    details: dict[str, Any] = json.loads(proposal.details) if proposal.details else {}
    to = proposal.to_status
    domain.require_transition(proposal.entity, proposal.from_status, to)
    values: dict[str, Any] = {"status": to, "updated_at": now, "updated_by_id": actor.id}
    model: type[Testbed] | type[Technology]
    if proposal.entity == "testbed":
        model = Testbed
        values["version"] = Testbed.version + 1
        if to == "selected":
            values["selected_on"] = today
        elif to == "rejected":
            values["rejected_on"] = today
        elif to == "in_progress":
            values["site"] = details["site"]
            values["started_on"] = dt.date.fromisoformat(details["started_on"])
        elif to == "completed":
            values["completed_on"] = dt.date.fromisoformat(details["completed_on"])
        elif to == "certified":
            values["certification"] = details["certification"]
            values["certified_on"] = today
    else:
        model = Technology
        values["version"] = Technology.version + 1
        values["ended_on"] = today
    if not recording.compare_and_set(
        session,
        update(model)
        .where(model.id == proposal.entity_id, model.status == proposal.from_status)
        .values(**values),
    ):
        raise changed(session, proposal.entity, proposal.entity_id)
    applied = {
        k: v for k, v in values.items() if k not in ("updated_at", "updated_by_id", "version")
    }
    if "planned_end_on" in details:
        applied["planned_end_on"] = details["planned_end_on"]
    return applied


def decide_proposal(
    *, session: Session, actor: Actor, proposal_id: int, decision: str, comment: str
) -> None:
    """Approve (apply the step) or reject a pending proposal, with a mandatory comment.

    Exactly once: the proposal is closed with a compare-and-set on ``pending``; whoever
    loses a race gets :class:`~db.errors.Conflict` naming the winner and the time.

    :raise PermissionDenied: the actor is not an approver; four eyes
        (:func:`db.policy.approval_refusal`): they proposed it, or want to approve the
        selection or rejection of a testbed whose selection meeting they ran.
    :raise NotFound: no such proposal.
    :raise ValidationFailed: no comment (``comment``); an unknown decision (``decision``).
    :raise Conflict: someone decided it first.
    :raise DomainError: the record left the starting state; a meeting decision is missing.
    """
    action = f"proposal.{decision}" if decision in DECISIONS else "proposal.decide"
    policy.require_role(actor, APPROVERS, action, "proposal", proposal_id)
    if decision == "return":
        raise DomainError(NO_RETURN_FOR_STEPS)
    # Lock order as everywhere: the record first, then the proposal, then the audit head.
    target = session.execute(
        select(Proposal.entity, Proposal.entity_id).where(Proposal.id == proposal_id)
    ).first()
    if target is None:
        raise NotFound()
    _current_status(session, target.entity, target.entity_id)
    proposal = session.get(Proposal, proposal_id, populate_existing=True, with_for_update=True)
    if proposal is None:
        raise NotFound()
    item = pending_items(session, [proposal])[proposal.id]
    refusal = policy.decision_refusal(actor, item)
    if refusal is not None:
        raise refusal.error(actor, action, item)
    errors: dict[str, str] = {}
    if decision not in DECISIONS:
        errors["decision"] = recording.UNKNOWN_CHOICE
    text = recording.clean_comment(comment, errors)
    if errors:
        raise ValidationFailed(errors)
    if proposal.status != "pending":
        raise _proposal_conflict(session, proposal)
    now, today = clock.now_utc(), clock.city_today()
    if decision == "approve":
        refusal = policy.approval_refusal(session, actor, item)
        if refusal is not None:
            raise refusal.error(actor, action, item)
        if proposal.entity == "testbed" and proposal.to_status in MEETING_STEPS:
            _check_meeting(session, proposal.entity_id, proposal.to_status)
    if not recording.compare_and_set(
        session,
        update(Proposal)
        .where(Proposal.id == proposal_id, Proposal.status == "pending")
        .values(
            status="confirmed" if decision == "approve" else "declined",
            open_key=None,
            decided_by_id=actor.id,
            decided_at=now,
            decision_comment=text,
        ),
    ):
        session.expire(proposal)
        raise _proposal_conflict(session, proposal)
    if decision == "reject":
        recording.record(
            session,
            actor,
            "proposal.decline",
            "proposal",
            proposal_id,
            before={"status": "pending"},
            after={
                "status": "declined",
                "entity": proposal.entity,
                "entity_id": proposal.entity_id,
                "to_status": proposal.to_status,
            },
            reason=text,
            at=now,
        )
        return
    applied = _apply(session, proposal, today, now, actor)
    verbs = TESTBED_VERBS if proposal.entity == "testbed" else TECHNOLOGY_VERBS
    recording.record(
        session,
        actor,
        f"{proposal.entity}.{verbs[proposal.to_status]}",
        proposal.entity,
        proposal.entity_id,
        before={"status": proposal.from_status},
        after={**applied, "proposal_id": proposal_id, "proposed_by_id": proposal.proposed_by_id},
        reason=text,
        at=now,
    )


def _proposal_conflict(session: Session, proposal: Proposal) -> Conflict:
    row = session.execute(
        select(Proposal.decided_by_id, Proposal.decided_at).where(Proposal.id == proposal.id)
    ).one()
    who = recording.display_name(session, row.decided_by_id)
    at = clock.city_time_text(row.decided_at) if row.decided_at is not None else "-"
    return Conflict(by=who, at=at)
