"""What every audited write shares, once: the audit event, refusals, who won a race, text
checks, the messages a person reads about them.

Every write of ``db/`` appends its audit event with :func:`record` in the caller's
transaction. A lost compare-and-set (:func:`compare_and_set`) becomes a
:class:`~db.errors.Conflict` naming the winner (:func:`conflict_from`); a refusal
(:func:`db.policy.refuse`: a missing role or four eyes) is a
:class:`~db.errors.PermissionDenied`, so ``db.session.write_session`` records it as a
``permission.denied`` audit event (:func:`record_refusal`) after the refused write is rolled
back (and a batch of decisions records the refusals of its items the same way).

Imports only the core (never a domain package), so every domain can use it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, Final, cast

from sqlalchemy import CursorResult, Update, func, select
from sqlalchemy.orm import Session

from db import audit, clock
from db.errors import N_, Conflict, DomainError, PermissionDenied
from db.models import AuditEvent, User
from db.policy import Actor

COMMENT_MAX_CHARS: Final = 2000
TEXT_MAX_CHARS: Final = 4000

# Messages a person reads (English templates; the UI translates them).
REQUIRED = N_("This field is required.")
TOO_LONG = N_("This text is too long.")
COMMENT_REQUIRED = N_("Write a comment: it is kept with the decision.")
UNKNOWN_CHOICE = N_("Choose a value from the list.")
NOT_WAITING = N_(
    "This item is not waiting for this step any more. Nothing was saved; reload the page "
    "to see its current state."
)


# --- The audit event ------------------------------------------------------------------------


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
    at: dt.datetime | None = None,
) -> AuditEvent:
    """Append the audit event of a write by ``actor`` in the caller's transaction (``at``:
    the time the write stamped on the row, so both agree)."""
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
    """Append the ``permission.denied`` event of a refusal (``db.session.write_session`` does
    it after the rollback; a batch, for the items whose savepoint it rolled back)."""
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


# --- Compare-and-set, and who won -----------------------------------------------------------


def compare_and_set(session: Session, statement: Update) -> bool:
    """Run ``UPDATE ... WHERE <expected state>``; True when exactly one row changed."""
    result = session.execute(statement.execution_options(synchronize_session=False))
    return cast("CursorResult[Any]", result).rowcount == 1


def display_name(session: Session, user_id: int | None, fallback: str = "") -> str:
    """The user's display name; ``fallback`` when there is none (``"system"`` for no user
    and no fallback)."""
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


def conflict_from(session: Session, event: AuditEvent | None) -> Conflict:
    """``Conflict`` ("already decided by X at T", T in the city's time) naming who made
    ``event``, the winning write (``?`` when there is none)."""
    if event is None:
        return Conflict(by="?", at="?")
    return Conflict(
        by=display_name(session, event.actor_id, event.actor_name),
        at=clock.city_time_text(event.occurred_at),
    )


def not_waiting() -> DomainError:
    return DomainError(NOT_WAITING)


# --- Text a person typed, and values read back from a DataFrame -----------------------------


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
    """The comment of a decision, stripped; records a problem under ``comment`` when it is
    missing or longer than :data:`COMMENT_MAX_CHARS`."""
    text = (comment or "").strip()
    if not text:
        errors["comment"] = COMMENT_REQUIRED
    elif len(text) > COMMENT_MAX_CHARS:
        errors["comment"] = TOO_LONG
    return text


def yes(value: Any) -> bool:
    """True for a true value read back from a DataFrame (``numpy.bool_``; None/NaN: False)."""
    if value is None or (isinstance(value, float) and value != value):
        return False
    return bool(value)


def text_of(value: Any) -> str:
    """A text cell read back from a DataFrame, stripped ("" for None/NaN)."""
    return value.strip() if isinstance(value, str) else ""
