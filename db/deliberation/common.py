"""What the deliberation modules share: who may do what, time, the audit helper, refusals.

Roles: only ``staff`` write (approvers are staff members too, and write as staff); auditors,
staff and approvers read meeting records; the fairness report and the evidence package are
the auditor's. Auditors, executives and administrators are refused by every write, in
``db/`` (``db.permissions.require``), whatever a page shows.
"""

from __future__ import annotations

from typing import Any, Final, cast

from sqlalchemy import CursorResult, Update, select
from sqlalchemy.orm import Session

from db import audit, clock
from db.deliberation.draw import PoolExpert, Tie, conflict_reason
from db.deliberation.errors import (
    REQUIRED,
    TOO_LONG,
    Conflicted,
    MeetingAlreadyHeld,
    MeetingClosed,
    MeetingNotFound,
    MeetingNotHeld,
)
from db.errors import Conflict
from db.models import (
    AgendaItem,
    AuditEvent,
    Expert,
    ExpertTie,
    Meeting,
    MeetingRules,
    Organization,
    PanelSeat,
    Technology,
    User,
)
from db.permissions import Actor, require
from db.scoring import DEFAULT_THRESHOLDS, Thresholds

WRITE_ROLES: Final = ("staff",)
READ_ROLES: Final = ("auditor", "staff", "approver")
AUDITOR_ROLES: Final = ("auditor",)
PERSONAL_DATA_ROLES: Final = ("staff", "auditor")

TEXT_MAX_CHARS: Final = 4000
TITLE_MAX_CHARS: Final = 300


def yes(value: Any) -> bool:
    """True for a true value read back from a DataFrame (``numpy.bool_``; None/NaN: False)."""
    if value is None or (isinstance(value, float) and value != value):
        return False
    return bool(value)


def text_of(value: Any) -> str:
    """A text cell read back from a DataFrame, stripped ("" for None/NaN)."""
    return value.strip() if isinstance(value, str) else ""


def require_write(actor: Actor, action: str, entity: str, entity_id: int | None = None) -> None:
    """:raise PermissionDenied: the actor is not staff (auditors change nothing)."""
    require(actor, WRITE_ROLES, action=action, entity=entity, entity_id=entity_id)


def require_read(actor: Actor, roles: tuple[str, ...] = READ_ROLES, *, action: str) -> None:
    """:raise PermissionDenied: the actor may not read deliberation records."""
    require(actor, roles, action=action, entity="meeting")


def may_see_personal_data(actor: Actor) -> bool:
    """Experts' phone numbers and e-mail addresses: staff and auditors only."""
    return actor.has(*PERSONAL_DATA_ROLES)


def record(
    session: Session,
    actor: Actor,
    action: str,
    entity: str,
    entity_id: int,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str | None = None,
) -> AuditEvent:
    """Append the audit event of a deliberation write in the caller's transaction."""
    return audit.append(
        session,
        actor_id=actor.id,
        actor_name=actor.username,
        action=action,
        entity=entity,
        entity_id=entity_id,
        before=before,
        after=after,
        reason=reason,
    )


def compare_and_set(session: Session, statement: Update) -> bool:
    """Run ``UPDATE ... WHERE <expected state>``; True when exactly one row changed."""
    result = session.execute(statement.execution_options(synchronize_session=False))
    return cast("CursorResult[Any]", result).rowcount == 1


def lock_meeting(session: Session, meeting_id: int) -> Meeting:
    """The meeting, locked for this transaction (``FOR UPDATE`` on PostgreSQL; SQLite
    writers already hold the database lock): every deliberation write takes it first, so a
    write never interleaves with closing the meeting or with another write to it.

    :raise MeetingNotFound: no such meeting.
    """
    meeting = session.execute(
        select(Meeting)
        .where(Meeting.id == meeting_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if meeting is None:
        raise MeetingNotFound(id=meeting_id)
    return meeting


def require_open(meeting: Meeting, *statuses: str) -> None:
    """:raise MeetingClosed / MeetingNotHeld / MeetingAlreadyHeld: the meeting's status is
    not one of ``statuses``."""
    if meeting.status in statuses:
        return
    if meeting.status == "closed":
        raise MeetingClosed(code=meeting.code)
    if meeting.status == "scheduled":
        raise MeetingNotHeld(code=meeting.code)
    raise MeetingAlreadyHeld(code=meeting.code)


def thresholds_of(session: Session, meeting_id: int) -> tuple[Thresholds, bool]:
    """The pass marks the meeting decides by, and whether the meeting recorded its own
    (meetings without a ``meeting_rules`` row, the demo history, use the defaults)."""
    rules = session.get(MeetingRules, meeting_id)
    if rules is None:
        return DEFAULT_THRESHOLDS, False
    return Thresholds(float(rules.stage1_pass), float(rules.overall_pass)), True


def display_name(session: Session, user_id: int | None, fallback: str) -> str:
    if user_id is None:
        return fallback
    name = session.execute(select(User.display_name).where(User.id == user_id)).scalar()
    return str(name) if name else fallback


def conflict_from(session: Session, event: AuditEvent | None) -> Conflict:
    """``Conflict`` ("already decided by X at T") naming the winning write."""
    if event is None:
        return Conflict(by="?", at="?")
    return Conflict(
        by=display_name(session, event.actor_id, event.actor_name),
        at=clock.city_time_text(event.occurred_at),
    )


def last_event(
    session: Session, entity: str, entity_id: int, actions: tuple[str, ...]
) -> AuditEvent | None:
    """The newest audit event of ``entity`` ``entity_id`` among ``actions``."""
    return (
        session.execute(
            select(AuditEvent)
            .where(
                AuditEvent.entity == entity,
                AuditEvent.entity_id == str(entity_id),
                AuditEvent.action.in_(actions),
            )
            .order_by(AuditEvent.id.desc())
            .limit(1)
        )
        .scalars()
        .first()
    )


def clean_text(
    value: str | None,
    field: str,
    errors: dict[str, str],
    *,
    required: bool = True,
    max_chars: int = TEXT_MAX_CHARS,
) -> str:
    """``value`` stripped; notes a problem for ``field`` in ``errors``."""
    text = (value or "").strip()
    if required and not text:
        errors[field] = REQUIRED
    elif len(text) > max_chars:
        errors[field] = TOO_LONG
    return text


def find_seat(session: Session, meeting_id: int, expert_id: int) -> PanelSeat | None:
    return session.execute(
        select(PanelSeat)
        .where(PanelSeat.meeting_id == meeting_id, PanelSeat.expert_id == expert_id)
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()


def refuse_conflict(session: Session, meeting: Meeting, item: AgendaItem, expert: Expert) -> None:
    """:raise Conflicted: ``expert`` has a conflict (rule step 1 of the draw) with the
    applicant of ``item`` on the meeting's date."""
    owner_id = session.execute(
        select(Technology.owner_org_id).where(Technology.id == item.technology_id)
    ).scalar_one()
    ties = tuple(
        Tie(org, started, ended)
        for org, started, ended in session.execute(
            select(ExpertTie.organization_id, ExpertTie.started_on, ExpertTie.ended_on).where(
                ExpertTie.expert_id == expert.id, ExpertTie.organization_id == owner_id
            )
        )
    )
    candidate = PoolExpert(expert.id, expert.organization_id, expert.affiliation, ties=ties)
    found = conflict_reason(candidate, {owner_id}, meeting.held_on or meeting.scheduled_on)
    if found is not None:
        org = session.get(Organization, owner_id)
        template = Conflicted.message if found[0] == "same_organization" else Conflicted.TIE
        raise Conflicted(template, name=expert.name, org=org.name_ko if org else str(owner_id))
