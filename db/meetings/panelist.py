"""The expert area: what a member of the pool, signed in with their own account, reads and
writes about the meetings they sit on, and nothing else.

Every function takes the acting expert (role ``expert``, linked to their record by
invitation: :mod:`db.accounts.experts`) and reads or writes their own seat only; another
meeting, or another member's seat, is refused (``PermissionDenied``, audited).

Rules decided here where the issue is silent:

* **The scoring window** of an item is open while its meeting is being held and the item is
  undecided: it closes with the item's decision (or the meeting's closing). A member enters
  their own scores only then, and may change them until it closes, never after; every change
  is audited (``evaluation.change``, with the scores before).
* **Declarations**: per agenda item, a signed statement (its text, the time, the account)
  of a conflict of interest with the applicant or of none, possible from the draw until
  the item's scoring closes. A conflict recuses the member from that item (the regulation's
  per-item recusal) and stands; "none" may become a conflict until the member has scored.
  A member declares before scoring an item.
* **Answering the seat**: while the meeting is ahead (scheduled), a member confirms or
  declines; a decline is final and draws a substitute by the regulation's rule (the same
  draw staff run, ``db.meetings.planning``), recorded with the decline.
* **Others' scores**: a member reads only their own scores; once an item's scoring has
  closed, the aggregate of the panel (members, stage means, decision), never another
  member's scores.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from db import clock, mail
from db.errors import PermissionDenied, ValidationFailed
from db.mail import Letter
from db.meetings.common import find_seat, item_recused, lock_meeting, regulation_of
from db.meetings.draw import PoolTooSmall
from db.meetings.errors import (
    F_STATEMENT,
    AlreadyDeclined,
    AnswerClosed,
    ConflictDeclared,
    DeclarationClosed,
    DeclareFirst,
    NoExpertRecord,
    ScoredByProxy,
)
from db.meetings.planning import substitute_by_rule
from db.meetings.scoring import Outcome, evaluate
from db.meetings.sitting import (
    _item_in_meeting,
    _recuse_from_item,
    criteria_labels,
    evaluation_of,
    item_scores,
    score_values,
    scoring_seat,
    write_evaluation,
)
from db.models import (
    AgendaItem,
    Evaluation,
    EvaluationScore,
    EvaluationSheet,
    Expert,
    ItemDeclaration,
    MailMessage,
    Meeting,
    Organization,
    PanelSeat,
    PanelSubstitution,
    Technology,
    User,
)
from db.policy import EXPERTS, MEETING_READERS, STAFF, Actor, refuse, require_role
from db.recording import clean_text, record


@dataclass(frozen=True)
class MyMeeting:
    """A meeting the expert sits on, with their seat's state."""

    id: int
    code: str
    kind: str
    title: str
    scheduled_on: dt.date
    held_on: dt.date | None
    location: str | None
    status: str
    response: str | None  # confirmed, declined, None: not answered
    attended: bool | None
    recused: bool
    replaced: bool  # a substitute holds the seat now


@dataclass(frozen=True)
class MyItem:
    """One agenda item as the expert reads it: the technology, their declaration and their
    own scores; the panel's aggregate once its scoring closed."""

    id: int
    position: int
    reg_no: str | None
    title_ko: str
    title_en: str
    applicant_ko: str
    applicant_en: str | None
    summary: str | None
    decision: str
    scoring_open: bool  # the window is open now
    declaring_open: bool
    declared_conflict: bool | None  # None: not declared
    statement: str | None
    signed_at: dt.datetime | None
    recused: bool  # from this item (declared or recorded by staff)
    scores: dict[str, int] | None  # their own
    comment: str | None
    origin: str | None  # self, proxy, legacy
    entered_at: dt.datetime | None
    outcome: Outcome | None  # the panel's aggregate, once the window closed


@dataclass(frozen=True)
class MyAgenda:
    """One meeting of the expert's, its items and the criteria they score."""

    meeting: MyMeeting
    criteria: tuple[str, ...]
    labels: dict[str, str]  # criterion -> its label (a Named: ko/en)
    items: tuple[MyItem, ...]


def my_expert(session: Session, actor: Actor, action: str) -> Expert:
    """The expert record linked to ``actor``'s account.

    :raise PermissionDenied: the actor is not an expert.
    :raise NoExpertRecord: no record is linked to the account.
    """
    require_role(actor, EXPERTS, action, "expert")
    expert = session.execute(select(Expert).where(Expert.user_id == actor.id)).scalar_one_or_none()
    if expert is None or actor.id is None:
        raise NoExpertRecord()
    return expert


def _my_seat(
    session: Session, actor: Actor, expert: Expert, meeting: Meeting, action: str
) -> PanelSeat:
    """The expert's own seat on ``meeting``.

    :raise PermissionDenied: they do not sit on it (another meeting is not theirs to read
        or write).
    """
    seat = find_seat(session, meeting.id, expert.id)
    if seat is None:
        raise refuse(PermissionDenied, actor, action, "meeting", meeting.id, "not on the panel")
    return seat


def _replaced(session: Session, seat_ids: list[int]) -> set[int]:
    if not seat_ids:
        return set()
    return set(
        session.execute(
            select(PanelSubstitution.replaced_seat_id).where(
                PanelSubstitution.replaced_seat_id.in_(seat_ids)
            )
        ).scalars()
    )


def _my_meeting(meeting: Meeting, seat: PanelSeat, replaced: bool) -> MyMeeting:
    return MyMeeting(
        id=meeting.id,
        code=meeting.code,
        kind=meeting.kind,
        title=meeting.title,
        scheduled_on=meeting.scheduled_on,
        held_on=meeting.held_on,
        location=meeting.location,
        status=meeting.status,
        response=seat.response,
        attended=seat.attended,
        recused=bool(seat.recused),
        replaced=replaced,
    )


def my_meetings(*, session: Session, actor: Actor) -> list[MyMeeting]:
    """The meetings the signed-in expert sits (or sat) on, the latest first.

    :raise PermissionDenied: the actor is not an expert.
    :raise NoExpertRecord: no record is linked to the account.
    """
    expert = my_expert(session, actor, "expert_area.read")
    rows = session.execute(
        select(Meeting, PanelSeat)
        .join(PanelSeat, PanelSeat.meeting_id == Meeting.id)
        .where(PanelSeat.expert_id == expert.id)
        .order_by(Meeting.scheduled_on.desc(), Meeting.id.desc())
    ).all()
    replaced = _replaced(session, [seat.id for _m, seat in rows])
    return [_my_meeting(m, seat, seat.id in replaced) for m, seat in rows]


def _open_to_score(meeting: Meeting, item: AgendaItem) -> bool:
    return meeting.status == "held" and item.decision == "pending"


def _open_to_declare(meeting: Meeting, item: AgendaItem) -> bool:
    return meeting.status in ("scheduled", "held") and item.decision == "pending"


def my_agenda(*, session: Session, actor: Actor, meeting_id: int) -> MyAgenda:
    """One of the expert's meetings: its items with their own declaration and scores (the
    panel's aggregate only once an item's scoring closed).

    :raise PermissionDenied: the actor is not an expert, or does not sit on the meeting.
    :raise NoExpertRecord/MeetingNotFound: see the messages.
    """
    expert = my_expert(session, actor, "expert_area.read")
    meeting = session.get(Meeting, meeting_id)
    if meeting is None:
        raise refuse(PermissionDenied, actor, "expert_area.read", "meeting", meeting_id, "none")
    seat = _my_seat(session, actor, expert, meeting, "expert_area.read")
    reg = regulation_of(session, meeting)
    codes = reg.thresholds.codes
    declarations = {
        d.agenda_item_id: d
        for d in session.execute(
            select(ItemDeclaration).where(ItemDeclaration.seat_id == seat.id)
        ).scalars()
    }
    mine = {
        e.agenda_item_id: e
        for e in session.execute(select(Evaluation).where(Evaluation.seat_id == seat.id)).scalars()
    }
    own_scores: dict[int, dict[str, int]] = {}
    for evaluation_id, criterion, score in session.execute(
        select(EvaluationScore.evaluation_id, EvaluationScore.criterion, EvaluationScore.score)
        .join(Evaluation, Evaluation.id == EvaluationScore.evaluation_id)
        .where(Evaluation.seat_id == seat.id)
    ):
        own_scores.setdefault(int(evaluation_id), {})[str(criterion)] = int(score)
    items = []
    for item, tech, org in session.execute(
        select(AgendaItem, Technology, Organization)
        .join(Technology, Technology.id == AgendaItem.technology_id)
        .join(Organization, Organization.id == Technology.owner_org_id)
        .where(AgendaItem.meeting_id == meeting.id)
        .order_by(AgendaItem.position)
    ):
        declared = declarations.get(item.id)
        own = mine.get(item.id)
        closed = not _open_to_score(meeting, item) and item.decision != "pending"
        items.append(
            MyItem(
                id=item.id,
                position=int(item.position),
                reg_no=tech.reg_no,
                title_ko=tech.title_ko,
                title_en=tech.title_en,
                applicant_ko=org.name_ko,
                applicant_en=org.name_en,
                summary=tech.summary,
                decision=item.decision,
                scoring_open=_open_to_score(meeting, item),
                declaring_open=_open_to_declare(meeting, item),
                declared_conflict=None if declared is None else bool(declared.conflict),
                statement=None if declared is None else declared.statement,
                signed_at=None if declared is None else declared.signed_at,
                recused=seat.recused or seat.id in item_recused(session, item.id),
                scores=None if own is None else own_scores.get(own.id, {}),
                comment=None if own is None else own.comment,
                origin=None if own is None else own.origin,
                entered_at=None if own is None else (own.updated_at or own.recorded_at),
                outcome=(
                    evaluate(item_scores(session, item.id), reg.thresholds) if closed else None
                ),
            )
        )
    replaced = bool(_replaced(session, [seat.id]))
    return MyAgenda(
        meeting=_my_meeting(meeting, seat, replaced),
        criteria=codes,
        labels=dict(criteria_labels(session, codes)),
        items=tuple(items),
    )


def respond(
    *,
    session: Session,
    actor: Actor,
    meeting_id: int,
    attend: bool,
    drawn_on: dt.date | None = None,
) -> int | None:
    """The signed-in expert confirms (``attend=True``) or declines their seat on a meeting
    still ahead. A decline is final: the seat is marked absent and a substitute is drawn by
    the regulation's rule (:func:`db.meetings.planning.substitute_by_rule`, recorded as the
    staff's draw is). Returns the substitute's expert id (None when confirming, or when the
    pool had nobody left: staff then see the declined seat unfilled).

    :raise PermissionDenied: not an expert, or not on the meeting's panel.
    :raise NoExpertRecord/AnswerClosed/AlreadyDeclined: see the messages.
    """
    action = "panel_seat.respond"
    expert = my_expert(session, actor, action)
    meeting = lock_meeting(session, meeting_id)
    seat = _my_seat(session, actor, expert, meeting, action)
    if meeting.status != "scheduled":
        raise AnswerClosed(code=meeting.code)
    if seat.response == "declined":
        at = clock.city_time_text(seat.responded_at) if seat.responded_at else "-"
        raise AlreadyDeclined(code=meeting.code, at=at)
    before = {"response": seat.response, "attended": seat.attended}
    now = clock.now_utc()
    seat.response = "confirmed" if attend else "declined"
    seat.responded_at = now
    if not attend:
        seat.attended = False
    session.flush()
    record(
        session,
        actor,
        action,
        "panel_seat",
        seat.id,
        before=before,
        after={"response": seat.response, "attended": seat.attended},
        at=now,
    )
    if attend:
        return None
    try:
        with session.begin_nested():
            drawn = substitute_by_rule(
                session=session,
                actor=actor,
                meeting_id=meeting.id,
                expert_id=expert.id,
                drawn_on=drawn_on,
            )
    except PoolTooSmall:
        return None
    return int(drawn.expert_id)


def declare(
    *,
    session: Session,
    actor: Actor,
    item_id: int,
    conflict: bool,
    statement: str,
) -> None:
    """The signed-in expert's signed statement on one agenda item of their meeting: a
    conflict of interest with its applicant (they recuse from the item:
    ``agenda_item.recuse``, declared) or none. Stored with its time and account
    (``item_declarations``), audited as ``item_declaration.sign``.

    :raise PermissionDenied: not an expert, or the item's meeting is not theirs.
    :raise ValidationFailed: no statement.
    :raise NoExpertRecord/DeclarationClosed/ConflictDeclared/HasScored: see the messages.
    """
    action = "item_declaration.sign"
    expert = my_expert(session, actor, action)
    errors: dict[str, str] = {}
    text = clean_text(statement, F_STATEMENT, errors)
    if errors:
        raise ValidationFailed(errors)
    item, meeting = _item_in_meeting(session, item_id)
    seat = _my_seat(session, actor, expert, meeting, action)
    if not _open_to_declare(meeting, item):
        raise DeclarationClosed()
    earlier = session.execute(
        select(ItemDeclaration).where(
            ItemDeclaration.agenda_item_id == item.id, ItemDeclaration.seat_id == seat.id
        )
    ).scalar_one_or_none()
    if earlier is not None and earlier.conflict:
        raise ConflictDeclared(at=clock.city_time_text(earlier.signed_at))
    now = clock.now_utc()
    before = (
        None
        if earlier is None
        else {"conflict": earlier.conflict, "statement": earlier.statement,
              "signed_at": earlier.signed_at}
    )  # fmt: skip
    if earlier is None:
        row = ItemDeclaration(
            agenda_item_id=item.id,
            seat_id=seat.id,
            conflict=bool(conflict),
            statement=text,
            signed_at=now,
            signed_by_id=actor.id,
        )
        session.add(row)
    else:
        row = earlier
        row.conflict = bool(conflict)
        row.statement = text
        row.signed_at = now
        row.signed_by_id = actor.id  # type: ignore[assignment]
    session.flush()
    record(
        session,
        actor,
        action,
        "item_declaration",
        row.id,
        before=before,
        after={
            "agenda_item_id": item.id,
            "seat_id": seat.id,
            "expert_id": expert.id,
            "conflict": bool(conflict),
            "statement": text,
            "signed_at": now,
        },
        at=now,
    )
    if conflict and seat.id not in item_recused(session, item.id):  # (staff may have already)
        _recuse_from_item(session, actor, meeting.id, expert.id, item.id, text, declared=True)


def score(
    *,
    session: Session,
    actor: Actor,
    item_id: int,
    scores: dict[str, int],
    comment: str | None = None,
) -> int:
    """The signed-in expert enters (or, while the item's scoring window is open, changes)
    their own criterion scores and comment on an item of their meeting. Stored as their own
    (origin ``self``, entered by their account); returns the evaluation's id.

    :raise PermissionDenied: not an expert, or the item's meeting is not theirs.
    :raise ValidationFailed: a score missing or outside 0-100.
    :raise NoExpertRecord/DeclareFirst/ScoredByProxy/Recused/RecusedFromItem/Conflicted/
        NotAttending/ItemDecided/MeetingNotHeld/MeetingClosed: see the messages.
    """
    action = "evaluation.self"
    expert = my_expert(session, actor, action)
    item, meeting = _item_in_meeting(session, item_id)
    seat = _my_seat(session, actor, expert, meeting, action)
    reg = regulation_of(session, meeting)
    values, note = score_values(session, reg.thresholds.codes, scores, comment)
    scoring_seat(session, meeting, item, expert.id, reg.window_years)
    declared = session.execute(
        select(ItemDeclaration.conflict).where(
            ItemDeclaration.agenda_item_id == item.id, ItemDeclaration.seat_id == seat.id
        )
    ).scalar_one_or_none()
    if declared is None:
        raise DeclareFirst()
    earlier = evaluation_of(session, item.id, seat.id)
    if earlier is not None and earlier.origin != "self":
        raise ScoredByProxy(at=clock.city_time_text(earlier.recorded_at))
    evaluation = write_evaluation(
        session, actor, item, seat, values, note, origin="self", earlier=earlier
    )
    return int(evaluation.id)


@dataclass(frozen=True)
class Progress:
    """Where one member stands on one item, as staff and auditors read it: their
    declaration, and their evaluation's origin, who entered it and when (not the scores)."""

    expert_id: int
    expert_name: str
    position: int
    item_id: int
    response: str | None
    declared: str | None  # conflict, none, None: not declared
    signed_at: dt.datetime | None
    origin: str | None  # self, proxy, legacy, None: not scored
    entered_by: str | None
    entered_at: dt.datetime | None
    changed_at: dt.datetime | None
    proxy_reason: str | None
    sheet_sha256: str | None


def panel_progress(*, session: Session, actor: Actor, meeting_id: int) -> list[Progress]:
    """Per panel member and agenda item of a meeting: declared or not, scored or not, and
    each evaluation's origin (the member's own sign-in, or staff's proxy entry with its
    sheet), who entered it and when.

    :raise PermissionDenied: the actor does not read meeting records (staff, auditors,
        approvers).
    """
    require_role(actor, MEETING_READERS, "meeting.progress", "meeting", meeting_id)
    seats = session.execute(
        select(PanelSeat.id, PanelSeat.expert_id, Expert.name, PanelSeat.response)
        .join(Expert, Expert.id == PanelSeat.expert_id)
        .where(PanelSeat.meeting_id == meeting_id)
        .order_by(PanelSeat.id)
    ).all()
    items = session.execute(
        select(AgendaItem.id, AgendaItem.position)
        .where(AgendaItem.meeting_id == meeting_id)
        .order_by(AgendaItem.position)
    ).all()
    seat_ids = [int(s.id) for s in seats]
    declared = {
        (int(d.agenda_item_id), int(d.seat_id)): d
        for d in session.execute(
            select(ItemDeclaration).where(ItemDeclaration.seat_id.in_(seat_ids))
        ).scalars()
    }
    evaluations = {
        (int(e.agenda_item_id), int(e.seat_id)): (e, name, sha)
        for e, name, sha in session.execute(
            select(Evaluation, User.display_name, EvaluationSheet.sha256)
            .outerjoin(User, User.id == Evaluation.entered_by_id)
            .outerjoin(EvaluationSheet, EvaluationSheet.evaluation_id == Evaluation.id)
            .where(Evaluation.seat_id.in_(seat_ids))
        )
    }
    out = []
    for seat_id, expert_id, name, response in seats:
        for item_id, position in items:
            d = declared.get((int(item_id), int(seat_id)))
            found = evaluations.get((int(item_id), int(seat_id)))
            e, by, sha = found if found else (None, None, None)
            out.append(
                Progress(
                    expert_id=int(expert_id),
                    expert_name=str(name),
                    position=int(position),
                    item_id=int(item_id),
                    response=response,
                    declared=None if d is None else ("conflict" if d.conflict else "none"),
                    signed_at=None if d is None else d.signed_at,
                    origin=None if e is None else e.origin,
                    entered_by=by,
                    entered_at=None if e is None else e.recorded_at,
                    changed_at=None if e is None else e.updated_at,
                    proxy_reason=None if e is None else e.proxy_reason,
                    sheet_sha256=sha,
                )
            )
    return out


# A member is reminded at most once in this time, however often staff press the button.
REMINDER_GAP = dt.timedelta(hours=20)
REMINDER_KIND = "panel_reminder"


@dataclass(frozen=True)
class Reminded:
    """What :func:`remind_panel` did, by the members' names."""

    sent: list[str]  # mailed now
    recent: list[str]  # reminded less than REMINDER_GAP ago: not again
    no_account: list[str]  # owe something but have no account with an address: staff call them
    owing: int  # members who still owe a declaration or scores


def remind_panel(
    *,
    session: Session,
    actor: Actor,
    meeting_id: int,
    compose: Callable[[str, int, int], Letter],
    deliver: bool,
    now: dt.datetime | None = None,
) -> Reminded:
    """Staff: mail each member of the meeting's panel who still owes a declaration (on an
    undecided item, before the meeting closes) or their scores (while it is held), through
    their expert account's address. ``compose(name, declarations, scores)`` writes the
    message for a member who owes that many. A member reminded less than ``REMINDER_GAP``
    ago is not mailed again; members without an account are listed for a call. Audited as
    ``meeting.remind`` with the names mailed.

    :raise PermissionDenied: the actor is not staff.
    :raise MeetingNotFound: no such meeting.
    """
    require_role(actor, STAFF, "meeting.remind", "meeting", meeting_id)
    now = clock.as_utc(now or clock.now_utc())
    meeting = lock_meeting(session, meeting_id)
    items = session.execute(
        select(AgendaItem.id).where(
            AgendaItem.meeting_id == meeting_id, AgendaItem.decision == "pending"
        )
    ).scalars()
    pending = {int(i) for i in items}
    declaring = meeting.status in ("scheduled", "held")
    scoring = meeting.status == "held"
    seats = session.execute(
        select(PanelSeat.id, PanelSeat.expert_id, Expert.name, User.email, PanelSeat.response)
        .join(Expert, Expert.id == PanelSeat.expert_id)
        .outerjoin(User, (User.id == Expert.user_id) & User.is_active.is_(True))
        .where(PanelSeat.meeting_id == meeting_id)
        .order_by(PanelSeat.id)
    ).all()
    replaced = _replaced(session, [int(s.id) for s in seats])
    progress = panel_progress(session=session, actor=actor, meeting_id=meeting_id)
    by_expert: dict[int, list[Progress]] = {}
    for p in progress:
        by_expert.setdefault(p.expert_id, []).append(p)
    sent: list[str] = []
    recent: list[str] = []
    no_account: list[str] = []
    owing = 0
    for seat_id, expert_id, name, email, response in seats:
        if int(seat_id) in replaced or response == "declined":
            continue
        mine = [p for p in by_expert.get(int(expert_id), []) if p.item_id in pending]
        declarations = sum(1 for p in mine if declaring and p.declared is None)
        scores = sum(1 for p in mine if scoring and p.declared != "conflict" and p.origin is None)
        if not declarations and not scores:
            continue
        owing += 1
        address = (email or "").strip()
        if not address:
            no_account.append(str(name))
            continue
        last = session.execute(
            select(MailMessage.id).where(
                MailMessage.recipient == address,
                MailMessage.kind == REMINDER_KIND,
                MailMessage.created_at > now - REMINDER_GAP,
            )
        ).first()
        if last is not None:
            recent.append(str(name))
            continue
        mail.enqueue(
            session,
            recipient=address,
            letter=compose(str(name), declarations, scores),
            kind=REMINDER_KIND,
            deliver=deliver,
            now=now,
        )
        sent.append(str(name))
    if sent:
        record(
            session,
            actor,
            "meeting.remind",
            "meeting",
            meeting_id,
            after={"reminded": sent},
            at=now,
        )
    return Reminded(sent=sent, recent=recent, no_account=no_account, owing=owing)
