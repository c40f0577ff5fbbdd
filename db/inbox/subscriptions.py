"""The messages each user chose to receive by mail (``subscriptions``), read and set by the
user themselves on *My account*; ``python -m jobs run-due`` sends them.

Which kinds a user may choose follows their roles (:data:`SUBSCRIPTION_KINDS`): a message is
built with the recipient as the acting user of its reads, so it never holds what they may
not see, and choosing a kind of another role is refused here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from db import policy, recording
from db.clock import as_utc, now_utc
from db.errors import N_, NotFound, ValidationFailed
from db.models import Subscription, User
from db.policy import APPROVERS, AUDITORS, STAFF, Actor

EXECUTIVES: Final = ("executive",)
"""The mayor's office: the weekly briefing."""

SUBSCRIPTION_KINDS: Final[dict[str, tuple[str, ...]]] = {
    "approval_digest": APPROVERS,  # daily: decisions pending for longer than N days
    "weekly_briefing": EXECUTIVES,  # weekly: the overview's figures, the briefing attached
    "overdue_inquiries": STAFF,  # daily: inquiries waiting for an answer too long
    "auditor_alerts": AUDITORS,  # when a verification fails or a new fairness flag appears
}
"""Every kind of message and the roles that may receive it."""

DIGEST_DAYS_DEFAULT: Final = 3
DIGEST_DAYS_MAX: Final = 90
LANGUAGES: Final = ("ko", "en")

BAD_DAYS = N_("Choose a number of days from 0 to {max}.")


@dataclass(frozen=True)
class SubscriptionChoice:
    """One message a user receives: its kind, the language it is written in and, for the
    approvers' digest, after how many days a pending decision is listed."""

    kind: str
    language: str
    days: int | None = None


def offered_kinds(actor: Actor) -> tuple[str, ...]:
    """The kinds of message ``actor``'s roles may receive, in the order of
    :data:`SUBSCRIPTION_KINDS`."""
    return tuple(k for k, roles in SUBSCRIPTION_KINDS.items() if actor.has(*roles))


def my_subscriptions(*, session: Session, actor: Actor) -> list[SubscriptionChoice]:
    """The messages the acting user receives (kinds their roles no longer allow left out)."""
    if actor.id is None:
        return []
    offered = offered_kinds(actor)
    rows = session.execute(
        select(Subscription).where(Subscription.user_id == actor.id).order_by(Subscription.kind)
    ).scalars()
    return [SubscriptionChoice(r.kind, r.language, r.days) for r in rows if r.kind in offered]


def mail_address(*, session: Session, actor: Actor) -> str | None:
    """The acting user's e-mail address, where their messages go (None: they get none)."""
    if actor.id is None:
        return None
    email = session.execute(select(User.email).where(User.id == actor.id)).scalar_one_or_none()
    return (email or "").strip() or None


def set_subscriptions(
    *,
    session: Session,
    actor: Actor,
    choices: Sequence[SubscriptionChoice],
    now: dt.datetime | None = None,
) -> None:
    """Replace the acting user's subscriptions by ``choices`` (audited as
    ``user.subscriptions``).

    :raise PermissionDenied: a kind is not offered to the actor's roles.
    :raise ValidationFailed: a language or number of days is out of range (``days``).
    :raise NotFound: the actor is no user (the system).
    """
    if actor.id is None:
        raise NotFound()
    for choice in choices:
        roles = SUBSCRIPTION_KINDS.get(choice.kind, ())
        policy.require(actor, roles, action="user.subscriptions", entity="user", entity_id=actor.id)
        if choice.language not in LANGUAGES:
            raise ValidationFailed({"language": recording.UNKNOWN_CHOICE})
        if choice.days is not None and not 0 <= choice.days <= DIGEST_DAYS_MAX:
            raise ValidationFailed({"days": BAD_DAYS}, max=DIGEST_DAYS_MAX)
    at = as_utc(now or now_utc())
    before = [c.__dict__ for c in my_subscriptions(session=session, actor=actor)]
    kept = {
        r.kind: r.created_at
        for r in session.execute(
            select(Subscription).where(Subscription.user_id == actor.id)
        ).scalars()
    }
    session.execute(delete(Subscription).where(Subscription.user_id == actor.id))
    for c in choices:
        session.add(
            Subscription(
                user_id=actor.id,
                kind=c.kind,
                language=c.language,
                days=c.days,
                created_at=kept.get(c.kind, at),  # (alerts cover what happened after this)
            )
        )
    session.flush()
    after = [c.__dict__ for c in choices]
    recording.record(
        session,
        actor,
        "user.subscriptions",
        "user",
        actor.id,
        before={"subscriptions": before},
        after={"subscriptions": after},
        at=at,
    )
