"""What the workflow modules share: refusals, messages, time, loading rows, the audit helper.

Four-eyes refusals are :class:`~db.errors.PermissionDenied` subclasses, so
``db.session.write_session`` records each one as a ``permission.denied`` audit event after
the refused write is rolled back, exactly like a missing role (and ``decide_many`` records
them the same way for the items of a batch).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db import audit, clock
from db.errors import N_, Conflict, DomainError, PermissionDenied
from db.models import AuditEvent, User
from db.permissions import Actor, require

STAFF = ("staff",)
APPROVER = ("approver",)

COMMENT_MAX_CHARS = 2000
TEXT_MAX_CHARS = 4000

# Messages a person reads (English templates; the UI translates them).
REQUIRED = N_("This field is required.")
TOO_LONG = N_("This text is too long.")
COMMENT_REQUIRED = N_("Write a comment: it is kept with the decision.")
UNKNOWN_CHOICE = N_("Choose a value from the list.")
NOT_WAITING = N_(
    "This item is not waiting for this step any more. Nothing was saved; reload the page "
    "to see its current state."
)


class OwnProposal(PermissionDenied):
    """Four eyes: the acting approver proposed the item."""

    message = N_("You proposed this item, so another approver must decide it. Nothing was saved.")


class EditedByActor(PermissionDenied):
    """Four eyes: the acting approver edited the item after it was proposed."""

    message = N_(
        "You edited this item after it was proposed, so another approver must approve it. "
        "Nothing was saved."
    )


def require_role(
    actor: Actor, roles: tuple[str, ...], action: str, entity: str, entity_id: int | None = None
) -> None:
    """:raise PermissionDenied: the actor holds none of ``roles``."""
    require(actor, roles, action=action, entity=entity, entity_id=entity_id)


def refuse(
    cls: type[PermissionDenied], actor: Actor, action: str, entity: str, entity_id: int, why: str
) -> PermissionDenied:
    """A four-eyes refusal, carrying what the audit event of the refusal records."""
    return cls(
        action=action,
        actor_id=actor.id,
        actor_name=actor.username,
        entity=entity,
        entity_id=entity_id,
        reason=why,
    )


def record(
    session: Session,
    actor: Actor,
    action: str,
    entity: str,
    entity_id: int,
    *,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    reason: str | None = None,
    at: dt.datetime | None = None,
) -> AuditEvent:
    """Append the audit event of a workflow write (in the caller's transaction)."""
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
        at=at,
    )


def record_refusal(session: Session, denied: PermissionDenied) -> None:
    """Record a refusal as ``db.session.write_session`` does (for refusals that a batch
    catches itself, after rolling back the item's savepoint)."""
    audit.append(
        session,
        actor_id=denied.actor_id,
        actor_name=denied.actor_name,
        action="permission.denied",
        entity=denied.entity or "action",
        entity_id=denied.entity_id,
        after={"action": denied.action},
        reason=denied.reason,
    )


def display_name(session: Session, user_id: int | None, fallback: str = "") -> str:
    if user_id is None:
        return fallback or "system"
    name = session.execute(select(User.display_name).where(User.id == user_id)).scalar()
    return str(name) if name else fallback


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


def last_events(
    session: Session, entity: str, entity_ids: Sequence[int], actions: tuple[str, ...]
) -> dict[int, dt.datetime]:
    """``{id: occurred_at}`` of the newest audit event among ``actions`` of each of
    ``entity_ids`` (ids without such an event left out), in one query."""
    keys = sorted({str(int(i)) for i in entity_ids})
    if not keys:
        return {}
    newest = (
        select(func.max(AuditEvent.id))
        .where(
            AuditEvent.entity == entity,
            AuditEvent.entity_id.in_(keys),
            AuditEvent.action.in_(actions),
        )
        .group_by(AuditEvent.entity_id)
    )
    rows = session.execute(
        select(AuditEvent.entity_id, AuditEvent.occurred_at).where(AuditEvent.id.in_(newest))
    ).all()
    return {int(r.entity_id): r.occurred_at for r in rows}


def last_change(session: Session, entity: str, entity_id: int) -> AuditEvent | None:
    """The newest event that changed ``entity`` ``entity_id`` (refusals left out)."""
    return (
        session.execute(
            select(AuditEvent)
            .where(
                AuditEvent.entity == entity,
                AuditEvent.entity_id == str(entity_id),
                AuditEvent.action != "permission.denied",
            )
            .order_by(AuditEvent.id.desc())
            .limit(1)
        )
        .scalars()
        .first()
    )


def conflict_from(session: Session, event: AuditEvent) -> Conflict:
    """``Conflict`` naming who made ``event`` (the winner) and when, in KST."""
    who = display_name(session, event.actor_id, event.actor_name)
    return Conflict(by=who, at=clock.city_time_text(event.occurred_at))


def clean_text(
    value: str | None,
    field: str,
    errors: dict[str, str],
    *,
    required: bool = True,
    max_chars: int = TEXT_MAX_CHARS,
) -> str:
    """``value`` stripped; records a problem for ``field`` in ``errors`` if any."""
    text = (value or "").strip()
    if required and not text:
        errors[field] = REQUIRED
    elif len(text) > max_chars:
        errors[field] = TOO_LONG
    return text


def clean_comment(comment: str | None, errors: dict[str, str]) -> str:
    text = (comment or "").strip()
    if not text:
        errors["comment"] = COMMENT_REQUIRED
    elif len(text) > COMMENT_MAX_CHARS:
        errors["comment"] = TOO_LONG
    return text


def not_waiting() -> DomainError:
    return DomainError(NOT_WAITING)
