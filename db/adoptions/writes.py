"""Adoptions: staff propose a registered technology for a city project; an approver decides.

Lifecycle: proposed -> under_review (put before an adoption review meeting, by the
deliberation work) -> approved | rejected; an approver may also *return* an item under
review to ``proposed`` with a comment, for rework.

Rules enforced here (and tested as a role x action x relation table):

- proposing and editing need the ``staff`` role; deciding needs ``approver``;
- four eyes (:func:`db.policy.approval_refusal`): the proposer can never approve, reject or
  return their own proposal; whoever edited it after it was proposed, or ran the meeting that
  recommended it, cannot approve it (they may still reject or return it). The refusals are
  :class:`~db.errors.PermissionDenied` subclasses, audited as ``permission.denied``;
- approval needs an adoption review meeting's recommendation: the latest decision of a held
  or closed ``adoption_review`` meeting on this adoption is ``passed``, and it was made
  after the proposal last changed (an edit or a return), so a meeting never vouches for a
  text it did not see;
- a comment is mandatory for every decision;
- the lifecycle (:data:`db.domain.ADOPTION_TRANSITIONS`) says from which status each
  decision's outcome (:data:`OUTCOMES`) may be reached;
- exactly once: the decision is a compare-and-set on the status it starts from; the loser
  of a race gets :class:`~db.errors.Conflict` naming the winner (display name) and the time
  in KST, and nothing is overwritten.

Each write is one audit event in the caller's transaction: ``adoption.propose``,
``adoption.edit``, ``adoption.approve``, ``adoption.reject``, ``adoption.return``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from db import clock, domain, lost_edits, policy, recording
from db.errors import N_, DomainError, NotFound, ValidationFailed
from db.models import Adoption, AgendaItem, Meeting, Technology
from db.policy import APPROVERS, STAFF, Actor

DECISIONS = ("approve", "reject", "return")
OUTCOMES = {"approve": "approved", "reject": "rejected", "return": "proposed"}
"""The status each decision moves an adoption to; the lifecycle (``domain.TRANSITIONS``)
says from which status it may (under review, for all three)."""
DECISION_ACTIONS = ("adoption.approve", "adoption.reject", "adoption.return")
EDITABLE = ("proposed", "under_review")
BUDGET_MAX_KRW = 10**13  # 10 trillion won: more is a typing error
YEARS_BACK, YEARS_AHEAD = 1, 5

NOT_REGISTERED = N_("Only a registered technology can be proposed for adoption.")
BUDGET_INVALID = N_("Enter the budget in won as a whole number greater than zero.")
YEAR_INVALID = N_("Enter a project year from last year up to five years ahead.")
DUPLICATE_ADOPTION = N_("This technology is already proposed or adopted for this project and year.")
NOT_RECOMMENDED = N_(
    "An adoption review meeting has not recommended this adoption, so it cannot be "
    "approved. Nothing was saved."
)
RECOMMENDATION_STALE = N_(
    "The proposal changed after the meeting recommended it, so it needs a new "
    "recommendation before it can be approved. Nothing was saved."
)


def _year_range() -> tuple[int, int]:
    year = clock.city_today().year
    return year - YEARS_BACK, year + YEARS_AHEAD


def _clean(
    *,
    project_name: str,
    department: str,
    budget_krw: Any,
    year: Any,
    justification: str,
) -> tuple[dict[str, Any], dict[str, str]]:
    """The proposal's fields, cleaned, and per-field problems."""
    errors: dict[str, str] = {}
    values: dict[str, Any] = {
        "project_name": recording.clean_text(project_name, "project_name", errors, max_chars=300),
        "department": recording.clean_text(department, "department", errors, max_chars=200),
        "justification": recording.clean_text(justification, "justification", errors),
    }
    if (
        isinstance(budget_krw, bool)
        or not isinstance(budget_krw, int)
        or not 0 < budget_krw <= BUDGET_MAX_KRW
    ):
        errors["budget_krw"] = BUDGET_INVALID
    values["budget_krw"] = budget_krw
    first, last = _year_range()
    if isinstance(year, bool) or not isinstance(year, int) or not first <= year <= last:
        errors["year"] = YEAR_INVALID
    values["year"] = year
    return values, errors


def _duplicate(
    session: Session, technology_id: int, project_name: str, year: int, exclude: int | None
) -> bool:
    """An open or approved adoption of the same technology, project (ignoring case and
    spacing) and year exists."""
    rows = session.execute(
        select(Adoption.id, Adoption.project_name).where(
            Adoption.technology_id == technology_id,
            Adoption.year == year,
            Adoption.status.in_(("proposed", "under_review", "approved")),
        )
    ).all()
    wanted = " ".join(project_name.casefold().split())
    return any(
        r.id != exclude and " ".join(r.project_name.casefold().split()) == wanted for r in rows
    )


def propose_adoption(
    *,
    session: Session,
    actor: Actor,
    technology_id: int | None,
    project_name: str,
    department: str,
    budget_krw: int,
    year: int,
    justification: str,
) -> int:
    """Propose using a registered technology in a city project; return the adoption's id.

    :raise PermissionDenied: the actor is not staff.
    :raise ValidationFailed: per field: technology_id (missing, not registered),
        project_name (missing, too long, duplicate), department, budget_krw, year,
        justification.
    """
    policy.require_role(actor, STAFF, "adoption.propose", "adoption")
    values, errors = _clean(
        project_name=project_name,
        department=department,
        budget_krw=budget_krw,
        year=year,
        justification=justification,
    )
    tech = (
        session.get(Technology, technology_id, with_for_update={"read": True})
        if technology_id is not None
        else None
    )
    if tech is None:
        errors["technology_id"] = recording.REQUIRED
    elif tech.status != "registered":
        errors["technology_id"] = NOT_REGISTERED
    if (
        tech is not None
        and "project_name" not in errors
        and "year" not in errors
        and _duplicate(session, tech.id, values["project_name"], values["year"], None)
    ):
        errors["project_name"] = DUPLICATE_ADOPTION
    if errors:
        raise ValidationFailed(errors)
    assert tech is not None
    now, today = clock.now_utc(), clock.city_today()
    adoption = Adoption(
        technology_id=tech.id,
        status="proposed",
        proposed_on=today,
        proposed_by_id=actor.id,
        updated_at=now,
        updated_by_id=actor.id,
        **values,
    )
    session.add(adoption)
    session.flush()
    recording.record(
        session,
        actor,
        "adoption.propose",
        "adoption",
        adoption.id,
        before=None,
        after={
            "technology_id": tech.id,
            "project_name": values["project_name"],
            "department": values["department"],
            "budget_krw": values["budget_krw"],
            "year": values["year"],
            "status": "proposed",
        },
        reason=values["justification"],
        at=now,
    )
    return adoption.id


def year_bounds() -> tuple[int, int]:
    """The project years a proposal may name (for the form and the message)."""
    return _year_range()


EDIT_FIELDS = ("project_name", "department", "budget_krw", "year", "justification")


def edit_adoption(
    *,
    session: Session,
    actor: Actor,
    adoption_id: int,
    expected: str,
    version: int,
    project_name: str,
    department: str,
    budget_krw: int,
    year: int,
    justification: str,
    reason: str = "",
) -> None:
    """Change a proposal while it is proposed or under review; records ``updated_by`` and an
    ``adoption.edit`` event with the changed fields before and after. The editor can no
    longer approve it, and a meeting's earlier recommendation no longer counts.

    Lost-edit protection: ``version`` is the version the editor saw; the change is a
    compare-and-set on it and increments it. If anyone saved the record in between, nothing
    is written and :class:`~db.lost_edits.StaleEdit` names them and the time.

    :raise PermissionDenied: the actor is not staff.
    :raise NotFound: no such adoption.
    :raise Conflict: it is no longer in ``expected`` (names who decided it); or
        :class:`~db.lost_edits.StaleEdit`: saved by someone else since ``version``.
    :raise ValidationFailed: per field, as :func:`propose_adoption`.
    :raise DomainError: nothing changed; it is no longer editable.
    """
    policy.require_role(actor, STAFF, "adoption.edit", "adoption", adoption_id)
    adoption = session.get(Adoption, adoption_id, populate_existing=True, with_for_update=True)
    if adoption is None:
        raise NotFound()
    if adoption.status != expected or expected not in EDITABLE:
        raise _changed(session, adoption_id)
    seen = lost_edits.check_seen(session, adoption, "adoption", version)
    values, errors = _clean(
        project_name=project_name,
        department=department,
        budget_krw=budget_krw,
        year=year,
        justification=justification,
    )
    if (
        "project_name" not in errors
        and "year" not in errors
        and _duplicate(
            session, adoption.technology_id, values["project_name"], values["year"], adoption_id
        )
    ):
        errors["project_name"] = DUPLICATE_ADOPTION
    note = recording.clean_text(reason, "reason", errors, required=False)
    if errors:
        raise ValidationFailed(errors)
    before = {k: getattr(adoption, k) for k in EDIT_FIELDS}
    lost_edits.save_edit(
        session,
        actor,
        Adoption,
        "adoption",
        adoption_id,
        seen,
        before,
        values,
        reason=note,
        where=(Adoption.status == expected,),
    )


def _changed(session: Session, adoption_id: int) -> DomainError:
    """Conflict naming the last decision, or "not waiting" when none was made."""
    ev = recording.last_event(
        session,
        "adoption",
        adoption_id,
        (*DECISION_ACTIONS, "adoption.review", "adoption.propose", "adoption.edit"),
    )
    if ev is not None and ev.action in DECISION_ACTIONS:
        return recording.conflict_from(session, ev)
    return recording.not_waiting()


@dataclass(frozen=True)
class Recommendation:
    """The deliberation state of an adoption, as far as approving it goes."""

    recommended: bool  # approval allowed by the meeting rule
    problem: str | None  # why not (message template), None when recommended
    meeting_id: int | None = None
    meeting_code: str | None = None
    decision: str | None = None
    decided_at: dt.datetime | None = None
    changed_at: dt.datetime | None = None  # last edit or return


def pending(adoption_id: int, proposed_by_id: int | None, rec: Recommendation) -> policy.Pending:
    """The adoption as the four-eyes rules see it (:func:`db.policy.approval_refusal`): its
    proposer, and the meeting that recommended it (its latest decision, when ``passed``)."""
    passed = rec.decision == "passed"
    return policy.Pending(
        "adoption",
        adoption_id,
        proposed_by_id,
        meeting_id=rec.meeting_id if passed else None,
        meeting_code=rec.meeting_code if passed else None,
    )


def recommendation(session: Session, adoption_id: int) -> Recommendation:
    """Whether a meeting's recommendation allows approving the adoption now (see module)."""
    return recommendations(session, [adoption_id])[adoption_id]


def recommendations(session: Session, adoption_ids: Sequence[int]) -> dict[int, Recommendation]:
    """:func:`recommendation` of several adoptions in three queries (not three per item)."""
    ids = sorted({int(i) for i in adoption_ids})
    if not ids:
        return {}
    rows = session.execute(
        select(
            AgendaItem.adoption_id,
            Meeting.id,
            Meeting.code,
            Meeting.held_on,
            Meeting.closed_at,
            AgendaItem.decision,
            AgendaItem.decided_at,
        )
        .join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .where(
            AgendaItem.adoption_id.in_(ids),
            Meeting.kind == "adoption_review",
            Meeting.status.in_(("held", "closed")),
            AgendaItem.decision != "pending",
        )
        .order_by(
            func.coalesce(AgendaItem.decided_at, Meeting.closed_at).desc(), AgendaItem.id.desc()
        )
    ).all()
    latest: dict[int, Any] = {}
    for r in rows:
        latest.setdefault(int(r.adoption_id), r)  # the first is the newest
    changes = recording.last_events(session, "adoption", ids, ("adoption.edit", "adoption.return"))
    out: dict[int, Recommendation] = {}
    for adoption_id in ids:
        last_change = changes.get(adoption_id)
        changed_at = clock.as_utc(last_change) if last_change is not None else None
        row = latest.get(adoption_id)
        if row is None:
            out[adoption_id] = Recommendation(False, NOT_RECOMMENDED, changed_at=changed_at)
            continue
        decided = row.decided_at or row.closed_at
        decided_at = clock.as_utc(decided) if decided is not None else None
        info: dict[str, Any] = dict(
            meeting_id=row.id,
            meeting_code=row.code,
            decision=row.decision,
            decided_at=decided_at,
            changed_at=changed_at,
        )
        if row.decision != "passed":
            out[adoption_id] = Recommendation(False, NOT_RECOMMENDED, **info)
        elif changed_at is not None and (decided_at is None or decided_at <= changed_at):
            out[adoption_id] = Recommendation(False, RECOMMENDATION_STALE, **info)
        else:
            out[adoption_id] = Recommendation(True, None, **info)
    return out


def decide_adoption(
    *, session: Session, actor: Actor, adoption_id: int, decision: str, comment: str
) -> None:
    """Approve, reject or return an adoption under review, with a mandatory comment.

    :raise PermissionDenied: the actor is not an approver; or four eyes
        (:func:`db.policy.approval_refusal`): they proposed it
        (:class:`~db.policy.OwnProposal`), or want to approve it and edited it
        (:class:`~db.policy.EditedByActor`) or ran the meeting that recommended it
        (:class:`~db.policy.RanTheMeeting`).
    :raise NotFound: no such adoption.
    :raise ValidationFailed: no comment (``comment``); unknown decision (``decision``).
    :raise Conflict: someone decided it first (their name and the time, KST).
    :raise DomainError: not waiting for a decision; approving without a valid meeting
        recommendation.
    """
    action = f"adoption.{decision}" if decision in DECISIONS else "adoption.decide"
    policy.require_role(actor, APPROVERS, action, "adoption", adoption_id)
    adoption = session.get(Adoption, adoption_id, populate_existing=True, with_for_update=True)
    if adoption is None:
        raise NotFound()
    rec = recommendation(session, adoption_id)
    item = pending(adoption_id, adoption.proposed_by_id, rec)
    refusal = policy.decision_refusal(actor, item)
    if refusal is not None:
        raise refusal.error(actor, action, item)
    errors: dict[str, str] = {}
    if decision not in DECISIONS:
        errors["decision"] = recording.UNKNOWN_CHOICE
    text = recording.clean_comment(comment, errors)
    if errors:
        raise ValidationFailed(errors)
    current, new_status = adoption.status, OUTCOMES[decision]
    if not domain.allows("adoption", current, new_status):
        raise _changed(session, adoption_id)
    if decision == "approve":
        refusal = policy.approval_refusal(session, actor, item)
        if refusal is not None:
            raise refusal.error(actor, action, item)
        if not rec.recommended:
            raise DomainError(rec.problem)
    now, today = clock.now_utc(), clock.city_today()
    values: dict[str, Any] = {
        "status": new_status,
        "version": Adoption.version + 1,
        "decided_by_id": actor.id,
        "decided_at": now,
        "decision_comment": text,
        "updated_at": now,
        "updated_by_id": actor.id,
    }
    after: dict[str, Any] = {"status": new_status}
    if decision == "approve":
        values["approved_on"] = after["approved_on"] = today
    elif decision == "reject":
        values["rejected_on"] = after["rejected_on"] = today
    else:
        values["review_on"] = None
    if not recording.compare_and_set(
        session,
        update(Adoption)
        .where(Adoption.id == adoption_id, Adoption.status == current)
        .values(**values),
    ):
        raise _changed(session, adoption_id)
    recording.record(
        session,
        actor,
        f"adoption.{decision}",
        "adoption",
        adoption_id,
        before={"status": current},
        after=after,
        reason=text,
        at=now,
    )
