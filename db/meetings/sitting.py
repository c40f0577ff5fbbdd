# Over 500 lines on purpose: the writes of a sitting (attendance, recusals, scores, decisions,
# minutes, closing, corrections) share the meeting lock and the quorum of those who may vote.
"""At and after the meeting: attendance, declarations and recusals, scores, decisions,
minutes, closing, and corrections to a closed record.

Same contract as ``db.meetings.planning``: ``*, session`` and ``actor``, staff only, the
meeting row locked first, compare-and-set, the audit event in the same transaction.

Rules decided here where the issue is silent:

* A declaration of interest is either upheld, and the member recuses (``recuse=True``), or
  judged no conflict by the committee, and the member stays and scores; the note records
  which and why. Recusal is from the whole meeting, or (``item_id``) from one agenda item
  only: a conflict with one applicant excludes the member from that applicant's item. A
  member who recused (from the meeting or the item), or who has a conflict by the draw's
  rule with an item's applicant (same organization, or a tie within the regulation's
  window: computed from the records, as well as declared), cannot be scored on it.
* Only members recorded as attending score; a member who has scored cannot be marked absent
  or recuse afterwards (their scores would silently lose their basis).
* Passing or failing an item needs the regulation's quorum of members present who may vote
  on that item (attending, not recused from the meeting or the item, no conflict with its
  applicant) and a score from every one of them; the decision is what
  ``db.meetings.scoring.evaluate`` gives under the meeting's regulation (criteria, weights,
  pass marks; given, it must agree; omitted, it is computed). Deferring needs only a reason
  (a meeting without quorum can still defer).
* Closing needs every item decided (or deferred) and the minutes. Afterwards the record is
  never edited; :func:`add_correction` adds a dated, audited correction beside it. Closing
  also stores the meeting's fairness results (``db.fairness.store``) in the
  same transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db import clock, domain
from db.applications.attachments import problem as attachment_problem
from db.applications.attachments import safe_name
from db.errors import N_, Named, ValidationFailed
from db.fairness.store import store_meetings
from db.meetings.common import (
    find_seat,
    item_recused,
    item_voters,
    lock_meeting,
    refuse_conflict,
    regulation_of,
    require_open,
)
from db.meetings.errors import (
    F_CORRECTION,
    F_DECISION,
    F_ITEM,
    F_MINUTES,
    F_NOTE,
    F_PROXY_REASON,
    F_REASON,
    F_SHEET,
    REQUIRED_MINUTES,
    SCORE_RANGE,
    SHEET_MISSING,
    AlreadyRecusedFromItem,
    AlreadyScored,
    DecisionAgainstScores,
    HasScored,
    ItemDecided,
    ItemNotFound,
    ItemsUndecided,
    MeetingStillOpen,
    NoQuorum,
    NotAttending,
    NotOnPanel,
    PanelNotDrawn,
    Recused,
    RecusedFromItem,
    ScoresMissing,
)
from db.meetings.scoring import Outcome, Thresholds, evaluate
from db.models import (
    AgendaItem,
    CriterionTerm,
    Evaluation,
    EvaluationScore,
    EvaluationSheet,
    Expert,
    ItemRecusal,
    Meeting,
    MeetingCorrection,
    PanelSeat,
    Technology,
)
from db.policy import STAFF, Actor, require_role
from db.recording import (
    UNKNOWN_CHOICE,
    clean_text,
    compare_and_set,
    conflict_from,
    last_event,
    record,
)


@dataclass(frozen=True)
class DecisionResult:
    """What :func:`record_decision` recorded and the rule's reading of the scores."""

    item_id: int
    decision: str
    outcome: Outcome
    thresholds: Thresholds


# --- the meeting day ------------------------------------------------------------------------


def hold_meeting(*, session: Session, actor: Actor, meeting_id: int, held_on: dt.date) -> None:
    """Record that a scheduled meeting, whose panel was drawn, is being held on ``held_on``.

    :raise PermissionDenied: the actor is not staff.
    :raise PanelNotDrawn/MeetingAlreadyHeld/MeetingClosed: see the messages.
    """
    require_role(actor, STAFF, "meeting.hold", "meeting", meeting_id)
    meeting = lock_meeting(session, meeting_id)
    require_open(meeting, "scheduled")
    if meeting.draw_seed is None:
        raise PanelNotDrawn(code=meeting.code)
    done = compare_and_set(
        session,
        update(Meeting)
        .where(Meeting.id == meeting.id, Meeting.status == "scheduled")
        .values(status="held", held_on=held_on),
    )
    if not done:  # pragma: no cover - the meeting lock makes this unreachable
        raise conflict_from(session, last_event(session, "meeting", meeting.id, ("meeting.hold",)))
    record(
        session,
        actor,
        "meeting.hold",
        "meeting",
        meeting.id,
        before={"status": "scheduled"},
        after={"status": "held", "held_on": held_on},
    )


def _seat_or_refuse(session: Session, meeting: Meeting, expert_id: int) -> PanelSeat:
    seat = find_seat(session, meeting.id, expert_id)
    if seat is None:
        raise NotOnPanel(code=meeting.code)
    return seat


def _scored(session: Session, seat_id: int) -> int:
    return int(
        session.execute(
            select(func.count()).select_from(Evaluation).where(Evaluation.seat_id == seat_id)
        ).scalar_one()
    )


def _expert_name(session: Session, expert_id: int) -> str:
    return str(session.execute(select(Expert.name).where(Expert.id == expert_id)).scalar_one())


def _seat_state(seat: PanelSeat) -> dict[str, object]:
    return {
        "attended": seat.attended,
        "conflict_declared": seat.conflict_declared,
        "recused": seat.recused,
        "note": seat.conflict_note,
    }


def record_attendance(
    *, session: Session, actor: Actor, meeting_id: int, expert_id: int, attended: bool
) -> None:
    """Record whether a panel member attends the meeting being held.

    :raise PermissionDenied: the actor is not staff.
    :raise NotOnPanel/HasScored/MeetingNotHeld/MeetingClosed: see the messages.
    """
    require_role(actor, STAFF, "panel_seat.attendance", "meeting", meeting_id)
    meeting = lock_meeting(session, meeting_id)
    require_open(meeting, "held")
    seat = _seat_or_refuse(session, meeting, expert_id)
    if not attended and (n := _scored(session, seat.id)):
        raise HasScored(name=_expert_name(session, expert_id), n=n, code=meeting.code)
    before = _seat_state(seat)
    seat.attended = bool(attended)
    session.flush()
    record(
        session,
        actor,
        "panel_seat.attendance",
        "panel_seat",
        seat.id,
        before=before,
        after=_seat_state(seat),
    )


def declare_conflict(
    *,
    session: Session,
    actor: Actor,
    meeting_id: int,
    expert_id: int,
    note: str,
    recuse: bool,
    item_id: int | None = None,
) -> None:
    """Record a member's declaration of interest and how it was settled: ``recuse=True``
    (the member recuses and does not score: from the whole meeting, or with ``item_id`` from
    that agenda item only) or ``False`` (the committee judged it no conflict; the note says
    why). Allowed before and during the meeting.

    :raise PermissionDenied: the actor is not staff.
    :raise ValidationFailed: no note, or an item of another meeting.
    :raise NotOnPanel/HasScored/MeetingClosed: see the messages.
    """
    require_role(actor, STAFF, "panel_seat.declare_conflict", "meeting", meeting_id)
    errors: dict[str, str] = {}
    text = clean_text(note, F_NOTE, errors)
    if errors:
        raise ValidationFailed(errors)
    if recuse and item_id is not None:
        _recuse_from_item(session, actor, meeting_id, expert_id, item_id, text, declared=True)
        return
    meeting = lock_meeting(session, meeting_id)
    require_open(meeting, "scheduled", "held")
    seat = _seat_or_refuse(session, meeting, expert_id)
    if recuse and (n := _scored(session, seat.id)):
        raise HasScored(name=_expert_name(session, expert_id), n=n, code=meeting.code)
    before = _seat_state(seat)
    seat.conflict_declared = True
    seat.conflict_note = text
    seat.recused = bool(recuse) or seat.recused
    session.flush()
    record(
        session,
        actor,
        "panel_seat.declare_conflict",
        "panel_seat",
        seat.id,
        before=before,
        after=_seat_state(seat),
        reason=text,
    )


def recuse(
    *,
    session: Session,
    actor: Actor,
    meeting_id: int,
    expert_id: int,
    reason: str,
    item_id: int | None = None,
) -> None:
    """Recuse a panel member (with or without an earlier declaration), with the reason: from
    the whole meeting, or with ``item_id`` from that agenda item only.

    :raise PermissionDenied: the actor is not staff.
    :raise ValidationFailed: no reason, or an item of another meeting.
    :raise NotOnPanel/HasScored/AlreadyRecusedFromItem/MeetingClosed: see the messages.
    """
    require_role(actor, STAFF, "panel_seat.recuse", "meeting", meeting_id)
    errors: dict[str, str] = {}
    text = clean_text(reason, F_NOTE, errors)
    if errors:
        raise ValidationFailed(errors)
    if item_id is not None:
        _recuse_from_item(session, actor, meeting_id, expert_id, item_id, text, declared=False)
        return
    meeting = lock_meeting(session, meeting_id)
    require_open(meeting, "scheduled", "held")
    seat = _seat_or_refuse(session, meeting, expert_id)
    if n := _scored(session, seat.id):
        raise HasScored(name=_expert_name(session, expert_id), n=n, code=meeting.code)
    before = _seat_state(seat)
    seat.recused = True
    seat.conflict_declared = True
    seat.conflict_note = text if not seat.conflict_note else f"{seat.conflict_note}\n{text}"
    session.flush()
    record(
        session,
        actor,
        "panel_seat.recuse",
        "panel_seat",
        seat.id,
        before=before,
        after=_seat_state(seat),
        reason=text,
    )


def _recuse_from_item(
    session: Session,
    actor: Actor,
    meeting_id: int,
    expert_id: int,
    item_id: int,
    text: str,
    *,
    declared: bool,
) -> None:
    """Recuse a member from one agenda item (``item_recusals``), audited as
    ``agenda_item.recuse``."""
    meeting = lock_meeting(session, meeting_id)
    require_open(meeting, "scheduled", "held")
    item = session.get(AgendaItem, item_id)
    if item is None or item.meeting_id != meeting.id:
        raise ValidationFailed({F_ITEM: UNKNOWN_CHOICE})
    seat = _seat_or_refuse(session, meeting, expert_id)
    name = _expert_name(session, expert_id)
    if seat.id in item_recused(session, item.id):
        raise AlreadyRecusedFromItem(name=name)
    scored = session.execute(
        select(func.count())
        .select_from(Evaluation)
        .where(Evaluation.seat_id == seat.id, Evaluation.agenda_item_id == item.id)
    ).scalar_one()
    if scored:
        raise HasScored(name=name, n=int(scored), code=meeting.code)
    now = clock.now_utc()
    row = ItemRecusal(
        agenda_item_id=item.id,
        seat_id=seat.id,
        reason=text,
        recorded_at=now,
        recorded_by_id=actor.id,
    )
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:  # pragma: no cover - the meeting lock makes this unreachable
        raise AlreadyRecusedFromItem(name=name) from None
    record(
        session,
        actor,
        "agenda_item.recuse",
        "agenda_item",
        item.id,
        after={
            "seat_id": seat.id,
            "expert_id": expert_id,
            "position": item.position,
            "declared": declared,
        },
        reason=text,
        at=now,
    )


def _item_in_meeting(session: Session, item_id: int) -> tuple[AgendaItem, Meeting]:
    item = session.get(AgendaItem, item_id)
    if item is None:
        raise ItemNotFound(id=item_id)
    meeting = lock_meeting(session, item.meeting_id)
    session.refresh(item)
    return item, meeting


def criteria_labels(session: Session, codes: tuple[str, ...]) -> dict[str, str]:
    """The field name of each criterion in a refusal: the city's label of it in each
    language (:class:`~db.errors.Named`), else its code."""
    labels = {
        code: Named({"ko": ko, "en": en})
        for code, ko, en in session.execute(
            select(CriterionTerm.code, CriterionTerm.label_ko, CriterionTerm.label_en).where(
                CriterionTerm.code.in_(codes)
            )
        )
    }
    return {c: labels.get(c, c) for c in codes}


def score_values(
    session: Session, reg_codes: tuple[str, ...], scores: Mapping[str, int], comment: str | None
) -> tuple[dict[str, int], str]:
    """The criterion scores (0-100: one per criterion of the meeting's regulation version)
    and the comment, checked.

    :raise ValidationFailed: a score missing or outside 0-100, a comment too long.
    """
    labels = criteria_labels(session, reg_codes)
    errors: dict[str, str] = {}
    values: dict[str, int] = {}
    for criterion in reg_codes:
        value = scores.get(criterion)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
            errors[labels[criterion]] = SCORE_RANGE
        else:
            values[criterion] = value
    note = clean_text(comment, N_("Comment"), errors, required=False)
    if errors:
        raise ValidationFailed(errors)
    return values, note


def scoring_seat(
    session: Session, meeting: Meeting, item: AgendaItem, expert_id: int, window_years: int
) -> tuple[PanelSeat, Expert]:
    """The seat of ``expert_id`` if they may score ``item`` now: the scoring window is open
    (the meeting is being held and the item undecided), they sit on the panel, attend, are
    recused neither from the meeting nor from the item, and have no conflict with its
    applicant.

    :raise NotOnPanel/Recused/RecusedFromItem/Conflicted/NotAttending/ItemDecided/
        MeetingNotHeld/MeetingClosed: see the messages.
    """
    require_open(meeting, "held")
    seat = _seat_or_refuse(session, meeting, expert_id)
    expert = session.get(Expert, expert_id)
    assert expert is not None
    if seat.recused:
        raise Recused(name=expert.name, code=meeting.code)
    if seat.id in item_recused(session, item.id):
        raise RecusedFromItem(name=expert.name)
    refuse_conflict(session, meeting, item, expert, window_years)
    if seat.attended is not True:
        raise NotAttending(name=expert.name, code=meeting.code)
    if item.decision != "pending":
        raise ItemDecided()
    return seat, expert


def evaluation_of(session: Session, item_id: int, seat_id: int) -> Evaluation | None:
    """The evaluation of ``item_id`` by the seat ``seat_id``, if any."""
    return session.execute(
        select(Evaluation)
        .where(Evaluation.agenda_item_id == item_id, Evaluation.seat_id == seat_id)
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()


def write_evaluation(
    session: Session,
    actor: Actor,
    item: AgendaItem,
    seat: PanelSeat,
    values: Mapping[str, int],
    note: str,
    *,
    origin: str,
    earlier: Evaluation | None = None,
    proxy_reason: str | None = None,
) -> Evaluation:
    """Store the seat's evaluation of ``item`` (or replace the scores and comment of
    ``earlier``), with who entered it and its origin; audited as ``evaluation.record`` (or
    ``evaluation.change`` with the scores before)."""
    now = clock.now_utc()
    after = {
        "agenda_item_id": item.id,
        "seat_id": seat.id,
        **values,
        "comment": note or None,
        "origin": origin,
    }
    if proxy_reason is not None:
        after["proxy_reason"] = proxy_reason
    if earlier is not None:
        before: dict[str, object] = {
            **{
                c: int(v)
                for c, v in session.execute(
                    select(EvaluationScore.criterion, EvaluationScore.score).where(
                        EvaluationScore.evaluation_id == earlier.id
                    )
                )
            },
            "comment": earlier.comment,
        }
        earlier.comment = note or None
        earlier.updated_at = now
        earlier.entered_by_id = actor.id
        for row in session.execute(
            select(EvaluationScore).where(EvaluationScore.evaluation_id == earlier.id)
        ).scalars():
            row.score = values[row.criterion]
        session.flush()
        record(session, actor, "evaluation.change", "evaluation", earlier.id, before=before,
               after=after, at=now)  # fmt: skip
        return earlier
    evaluation = Evaluation(
        agenda_item_id=item.id,
        seat_id=seat.id,
        comment=note or None,
        recorded_at=now,
        origin=origin,
        entered_by_id=actor.id,
        proxy_reason=proxy_reason,
    )
    try:
        with session.begin_nested():
            session.add(evaluation)
            session.flush()
    except IntegrityError:  # pragma: no cover - the meeting lock makes this unreachable
        raise AlreadyScored(name="-", at="-") from None
    session.add_all(
        EvaluationScore(evaluation_id=evaluation.id, criterion=c, score=v)
        for c, v in values.items()
    )
    session.flush()
    record(session, actor, "evaluation.record", "evaluation", evaluation.id, after=after, at=now)
    return evaluation


def record_evaluation(
    *,
    session: Session,
    actor: Actor,
    item_id: int,
    expert_id: int,
    scores: Mapping[str, int],
    reason: str,
    sheet_name: str,
    sheet: bytes,
    comment: str | None = None,
) -> int:
    """Staff's *proxy entry* of an attending member's signed paper score sheet: the criterion
    scores (0-100: one per criterion of the meeting's regulation version) and comment on an
    undecided item of a meeting being held, with the reason the member did not enter them
    themselves and the scan of the signed sheet (a PDF, checked as an application's
    attachment). Marked ``proxy`` on the record, and flagged on the fairness page. Staff
    never type a member's scores otherwise (members enter their own: ``db.meetings.panelist``).
    Returns the evaluation's id.

    :raise PermissionDenied: the actor is not staff.
    :raise ValidationFailed: a score missing or outside 0-100, no reason, the sheet missing
        or not an acceptable PDF.
    :raise NotOnPanel/Recused/RecusedFromItem/Conflicted/NotAttending/AlreadyScored/
        ItemDecided/MeetingNotHeld/MeetingClosed: see the messages.
    """
    require_role(actor, STAFF, "evaluation.record", "agenda_item", item_id)
    errors: dict[str, str] = {}
    why = clean_text(reason, F_PROXY_REASON, errors)
    found = sheet_problem(sheet_name, sheet)
    params: dict[str, str] = {}
    if found is not None:
        errors[F_SHEET], params = found
    if errors:
        raise ValidationFailed(errors, **params)
    item, meeting = _item_in_meeting(session, item_id)
    reg = regulation_of(session, meeting)
    values, note = score_values(session, reg.thresholds.codes, scores, comment)
    seat, expert = scoring_seat(session, meeting, item, expert_id, reg.window_years)
    earlier = evaluation_of(session, item.id, seat.id)
    if earlier is not None:
        raise AlreadyScored(name=expert.name, at=clock.city_time_text(earlier.recorded_at))
    evaluation = write_evaluation(
        session, actor, item, seat, values, note, origin="proxy", proxy_reason=why
    )
    session.add(
        EvaluationSheet(
            evaluation_id=evaluation.id,
            filename=safe_name(sheet_name),
            size=len(sheet),
            sha256=hashlib.sha256(sheet).hexdigest(),
            content=sheet,
            created_at=evaluation.recorded_at,
        )
    )
    session.flush()
    return evaluation.id


def sheet_problem(name: str, content: bytes) -> tuple[str, dict[str, str]] | None:
    """Why a scanned score sheet may not be stored (the check of an application's
    attachments: a PDF, read by content), as (message template, parameters); None if it may."""
    if not content:
        return SHEET_MISSING, {}
    return attachment_problem(name, content)


def voters(session: Session, meeting_id: int) -> list[PanelSeat]:
    """Seats present who may vote at the meeting: attending and not recused from it."""
    return list(
        session.execute(
            select(PanelSeat).where(
                PanelSeat.meeting_id == meeting_id,
                PanelSeat.attended.is_(True),
                PanelSeat.recused.is_(False),
            )
        ).scalars()
    )


def item_scores(
    session: Session, item_id: int, *, without_recused: bool = False
) -> list[dict[str, int]]:
    """Each evaluation of the item as criterion -> score (``without_recused``: leaving out
    the members recused from the meeting)."""
    query = (
        select(EvaluationScore.evaluation_id, EvaluationScore.criterion, EvaluationScore.score)
        .join(Evaluation, Evaluation.id == EvaluationScore.evaluation_id)
        .where(Evaluation.agenda_item_id == item_id)
        .order_by(EvaluationScore.evaluation_id)
    )
    if without_recused:
        query = query.join(PanelSeat, PanelSeat.id == Evaluation.seat_id).where(
            PanelSeat.recused.is_(False)
        )
    by_evaluation: dict[int, dict[str, int]] = {}
    for evaluation_id, criterion, score in session.execute(query):
        by_evaluation.setdefault(int(evaluation_id), {})[criterion] = int(score)
    return list(by_evaluation.values())


def record_decision(
    *,
    session: Session,
    actor: Actor,
    item_id: int,
    reason: str,
    decision: str | None = None,
) -> DecisionResult:
    """Record an item's decision with its reason.

    ``passed``/``failed`` need the regulation's quorum of members present who may vote on
    this item, a score from each of them, and agreement with ``db.meetings.scoring.evaluate``
    under the meeting's regulation (with ``decision=None`` the rule's result is recorded).
    ``deferred`` needs only the reason. A registration review's decision registers or rejects
    the technology (on the meeting's date); an adoption review's is the meeting's
    recommendation on the proposal (the approver decides the adoption); a testbed
    selection's is the meeting's selection (the testbed's next step is proposed and
    confirmed in the workflow).

    :raise PermissionDenied: the actor is not staff.
    :raise ValidationFailed: no reason, or an unknown decision.
    :raise NoQuorum/ScoresMissing/DecisionAgainstScores/MeetingNotHeld/MeetingClosed: see
        the messages.
    :raise Conflict: the item (or its technology) was decided by someone else meanwhile.
    """
    require_role(actor, STAFF, "agenda_item.decide", "agenda_item", item_id)
    errors: dict[str, str] = {}
    why = clean_text(reason, F_REASON, errors)
    if decision is not None and decision not in ("passed", "failed", "deferred"):
        errors[F_DECISION] = UNKNOWN_CHOICE
    if errors:
        raise ValidationFailed(errors)
    item, meeting = _item_in_meeting(session, item_id)
    require_open(meeting, "held")
    if item.decision != "pending":
        raise conflict_from(
            session, last_event(session, "agenda_item", item.id, ("agenda_item.decide",))
        )
    reg = regulation_of(session, meeting)
    marks = reg.thresholds
    scores = item_scores(session, item.id)
    outcome = evaluate(scores, marks)
    if decision != "deferred":
        present = item_voters(session, meeting, item, reg.window_years)
        if len(present) < reg.quorum:
            raise NoQuorum(present=len(present), quorum=reg.quorum, code=meeting.code)
        scored = set(
            session.execute(
                select(Evaluation.seat_id).where(Evaluation.agenda_item_id == item.id)
            ).scalars()
        )
        missing = [s for s in present if s.id not in scored]
        if missing:
            raise ScoresMissing(missing=len(missing), present=len(present))
        expected = "passed" if outcome.passed else "failed"
        if decision is not None and decision != expected:
            raise DecisionAgainstScores(
                DecisionAgainstScores.message
                if expected == "failed"
                else DecisionAgainstScores.PASSING,
                stage1=f"{outcome.stage1_mean:.2f}",
                overall=f"{outcome.overall_mean:.2f}",
                stage1_pass=f"{marks.stage1_pass:g}",
                overall_pass=f"{marks.overall_pass:g}",
            )
        decision = expected
    assert decision is not None
    now = clock.now_utc()
    done = compare_and_set(
        session,
        update(AgendaItem)
        .where(AgendaItem.id == item.id, AgendaItem.decision == "pending")
        .values(decision=decision, decision_reason=why, decided_at=now),
    )
    if not done:  # pragma: no cover - the meeting lock makes this unreachable
        raise conflict_from(
            session, last_event(session, "agenda_item", item.id, ("agenda_item.decide",))
        )
    record(
        session,
        actor,
        "agenda_item.decide",
        "agenda_item",
        item.id,
        before={"decision": "pending"},
        after={
            "decision": decision,
            "stage1_mean": outcome.stage1_mean,
            "overall_mean": outcome.overall_mean,
            "members": outcome.members,
            "stage1_pass": marks.stage1_pass,
            "overall_pass": marks.overall_pass,
        },
        reason=why,
    )
    if meeting.kind == "registration_review" and decision in ("passed", "failed"):
        _register_or_reject(session, actor, meeting, item, decision == "passed", why)
    session.expire(item)
    return DecisionResult(item.id, decision, outcome, marks)


def _register_or_reject(
    session: Session, actor: Actor, meeting: Meeting, item: AgendaItem, passed: bool, why: str
) -> None:
    new = "registered" if passed else "rejected"
    domain.require_transition("technology", "under_review", new)
    day = meeting.held_on or meeting.scheduled_on
    values: dict[str, object] = {
        "status": new,
        "updated_at": clock.now_utc(),
        "updated_by_id": actor.id,
        "version": Technology.version + 1,
    }
    values["registered_on" if passed else "rejected_on"] = day
    done = compare_and_set(
        session,
        update(Technology)
        .where(Technology.id == item.technology_id, Technology.status == "under_review")
        .values(**values),
    )
    if not done:
        raise conflict_from(
            session,
            last_event(
                session,
                "technology",
                item.technology_id,
                tuple(f"technology.{v}" for v in ("register", "reject", "withdraw", "expire")),
            ),
        )
    record(
        session,
        actor,
        f"technology.{'register' if passed else 'reject'}",
        "technology",
        item.technology_id,
        before={"status": "under_review"},
        after={"status": new, f"{new}_on": day, "meeting_code": meeting.code},
        reason=why,
    )


# --- minutes, closing, corrections ---------------------------------------------------------


def record_minutes(*, session: Session, actor: Actor, meeting_id: int, minutes: str) -> None:
    """Write or replace the minutes of a meeting being held.

    :raise PermissionDenied: the actor is not staff.
    :raise ValidationFailed: empty minutes.
    :raise MeetingNotHeld/MeetingClosed: see the messages.
    """
    require_role(actor, STAFF, "meeting.minutes", "meeting", meeting_id)
    errors: dict[str, str] = {}
    text = clean_text(minutes, F_MINUTES, errors, max_chars=20_000)
    if errors:
        raise ValidationFailed(errors)
    meeting = lock_meeting(session, meeting_id)
    require_open(meeting, "held")
    before = meeting.minutes
    meeting.minutes = text
    session.flush()
    record(
        session,
        actor,
        "meeting.minutes",
        "meeting",
        meeting.id,
        before={"minutes": before},
        after={"minutes": text},
    )


def close_meeting(
    *, session: Session, actor: Actor, meeting_id: int, minutes: str | None = None
) -> None:
    """Close a meeting being held: every item decided or deferred, minutes written (now or
    before). Afterwards its record cannot be edited; corrections are new entries.

    :raise PermissionDenied: the actor is not staff.
    :raise ItemsUndecided/ValidationFailed/MeetingNotHeld/MeetingClosed: see the messages.
    """
    require_role(actor, STAFF, "meeting.close", "meeting", meeting_id)
    errors: dict[str, str] = {}
    text = clean_text(minutes, F_MINUTES, errors, required=False, max_chars=20_000)
    if errors:
        raise ValidationFailed(errors)
    meeting = lock_meeting(session, meeting_id)
    require_open(meeting, "held")
    pending = session.execute(
        select(func.count())
        .select_from(AgendaItem)
        .where(AgendaItem.meeting_id == meeting.id, AgendaItem.decision == "pending")
    ).scalar_one()
    if pending:
        raise ItemsUndecided(n=int(pending), code=meeting.code)
    final = text or (meeting.minutes or "").strip()
    if not final:
        raise ValidationFailed({F_MINUTES: REQUIRED_MINUTES})
    now = clock.now_utc()
    done = compare_and_set(
        session,
        update(Meeting)
        .where(Meeting.id == meeting.id, Meeting.status == "held")
        .values(status="closed", closed_at=now, minutes=final),
    )
    if not done:  # pragma: no cover - the meeting lock makes this unreachable
        raise conflict_from(session, last_event(session, "meeting", meeting.id, ("meeting.close",)))
    record(
        session,
        actor,
        "meeting.close",
        "meeting",
        meeting.id,
        before={"status": "held"},
        after={"status": "closed", "minutes": final if text else None},
    )
    # The record is final: its fairness results are computed once, in this transaction.
    store_meetings(session, [meeting.id])


def add_correction(
    *,
    session: Session,
    actor: Actor,
    meeting_id: int,
    text: str,
    agenda_item_id: int | None = None,
) -> int:
    """Add a correction to a closed meeting's record (optionally about one of its items);
    the record itself stays as it was. Returns the correction's id.

    :raise PermissionDenied: the actor is not staff.
    :raise ValidationFailed: empty text, or an item of another meeting.
    :raise MeetingStillOpen: the meeting is not closed (edit it directly).
    """
    require_role(actor, STAFF, "meeting.correct", "meeting", meeting_id)
    errors: dict[str, str] = {}
    body = clean_text(text, F_CORRECTION, errors)
    if errors:
        raise ValidationFailed(errors)
    meeting = lock_meeting(session, meeting_id)
    if meeting.status != "closed":
        raise MeetingStillOpen(code=meeting.code)
    if agenda_item_id is not None:
        item = session.get(AgendaItem, agenda_item_id)
        if item is None or item.meeting_id != meeting.id:
            raise ValidationFailed({F_ITEM: UNKNOWN_CHOICE})
    correction = MeetingCorrection(
        meeting_id=meeting.id,
        agenda_item_id=agenda_item_id,
        text=body,
        created_at=clock.now_utc(),
        created_by_id=actor.id,
    )
    session.add(correction)
    session.flush()
    record(
        session,
        actor,
        "meeting.correct",
        "meeting_correction",
        correction.id,
        after={"meeting_id": meeting.id, "agenda_item_id": agenda_item_id, "text": body},
    )
    return correction.id
