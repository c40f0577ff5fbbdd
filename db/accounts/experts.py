"""Expert accounts, by invitation: staff invite an expert of the pool by a one-time link sent
to the address on their record (through the outbox: in demo mode it stays in the local
outbox); the expert chooses a password and their account, holding the ``expert`` role only,
is linked to their expert record (``experts.user_id``). The account's username is the
address; it may sign in at once (the link proved the address).

Only the SHA-256 of a link's token is stored (``expert_invitations``); a link works once,
for :data:`INVITE_LIFETIME`; a new invitation makes earlier ones stop working. An expert
already linked to an account is not invited again.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Final

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from db import mail, passwords, recording
from db.accounts.applicants import TOKEN_BYTES, Compose, token_hash
from db.accounts.users import password_problems
from db.clock import as_utc, now_utc
from db.errors import N_, DomainError, ValidationFailed
from db.models import Expert, ExpertInvitation, User, UserRole
from db.policy import EXPERT_INVITERS, EXPERTS, Actor, require_role

INVITE_LIFETIME: Final = dt.timedelta(days=7)
USERNAME_MAX_CHARS: Final = 64

NO_SUCH_EXPERT = N_("There is no expert with the record number {id}. Nothing was sent.")
ALREADY_LINKED = N_(
    "{name} already has an account linked to their expert record; they sign in with it. "
    "Nothing was sent."
)
NO_ADDRESS = N_(
    "{name}'s record has no usable e-mail address (at most 64 characters): add one to their "
    "record first. Nothing was sent."
)
RETIRED = N_("{name} has left the expert pool, so they are not invited. Nothing was sent.")
ADDRESS_TAKEN = N_(
    "An account already signs in with {email}; an expert account needs its own address. "
    "Nothing was sent."
)
INVITE_UNKNOWN = N_(
    "This invitation link is not valid. Nothing was changed; ask the platform's staff for a "
    "new invitation."
)
INVITE_USED = N_("This invitation link was already used. Sign in with the account it opened.")
INVITE_EXPIRED = N_(
    "This invitation link has expired. Nothing was changed; ask the platform's staff for a "
    "new invitation."
)


@dataclass(frozen=True)
class Invitation:
    """What the sign-up page of an invitation shows: whose it is."""

    expert_id: int
    name: str
    email: str


def _expert(session: Session, expert_id: int) -> Expert:
    expert = session.get(Expert, expert_id, populate_existing=True, with_for_update=True)
    if expert is None:
        raise DomainError(NO_SUCH_EXPERT, id=expert_id)
    return expert


def invite_expert(
    *,
    session: Session,
    actor: Actor,
    expert_id: int,
    compose: Compose,
    deliver: bool,
    now: dt.datetime | None = None,
) -> str:
    """Mail the expert ``expert_id`` a one-time link to open their account; earlier links to
    them stop working. Returns the token (the caller builds nothing else from it; tests use
    it). Audited as ``expert.invite``.

    :raise PermissionDenied: the actor is not staff.
    :raise DomainError: no such expert, already linked to an account, retired, no usable
        address, or an account already uses the address (a sentence each).
    """
    require_role(actor, EXPERT_INVITERS, "expert.invite", "expert", expert_id)
    now = as_utc(now or now_utc())
    expert = _expert(session, expert_id)
    if expert.user_id is not None:
        raise DomainError(ALREADY_LINKED, name=expert.name)
    if expert.retired_on is not None:
        raise DomainError(RETIRED, name=expert.name)
    email = (expert.email or "").strip()
    if not email or "@" not in email or len(email) > USERNAME_MAX_CHARS:
        raise DomainError(NO_ADDRESS, name=expert.name)
    if _taken(session, email):
        raise DomainError(ADDRESS_TAKEN, email=email)
    session.execute(
        update(ExpertInvitation)
        .where(ExpertInvitation.expert_id == expert.id, ExpertInvitation.used_at.is_(None))
        .values(expires_at=now)
    )
    token = secrets.token_urlsafe(TOKEN_BYTES)
    session.add(
        ExpertInvitation(
            id=token_hash(token),
            expert_id=expert.id,
            email=email,
            created_at=now,
            created_by_id=actor.id,
            expires_at=now + INVITE_LIFETIME,
        )
    )
    session.flush()
    mail.enqueue(
        session,
        recipient=email,
        letter=compose(token),
        kind="expert_invite",
        deliver=deliver,
        now=now,
    )
    recording.record(
        session,
        actor,
        "expert.invite",
        "expert",
        expert.id,
        after={"email": email, "expires_at": now + INVITE_LIFETIME},
        at=now,
    )
    return token


def _taken(session: Session, email: str) -> bool:
    lower = email.lower()
    return (
        session.execute(
            select(User.id).where(
                (func.lower(User.username) == lower) | (func.lower(User.email) == lower)
            )
        ).first()
        is not None
    )


def _usable(session: Session, token: str, now: dt.datetime) -> ExpertInvitation:
    if not isinstance(token, str) or not token or len(token) > 200:
        raise DomainError(INVITE_UNKNOWN)
    row = session.get(ExpertInvitation, token_hash(token), populate_existing=True)
    if row is None:
        raise DomainError(INVITE_UNKNOWN)
    if row.used_at is not None:
        raise DomainError(INVITE_USED)
    if now >= as_utc(row.expires_at):
        raise DomainError(INVITE_EXPIRED)
    return row


def invitation(*, session: Session, token: str, now: dt.datetime | None = None) -> Invitation:
    """Whose invitation ``token`` is, while it may still be used.

    :raise DomainError: the link is unknown, used already or expired.
    """
    row = _usable(session, token, as_utc(now or now_utc()))
    expert = _expert(session, row.expert_id)
    return Invitation(expert.id, expert.name, row.email)


def accept_invitation(
    *, session: Session, token: str, password: str, now: dt.datetime | None = None
) -> int:
    """Use an invitation: open the expert's account (username: the invited address; role
    ``expert`` only; the address verified by the link) with ``password`` and link it to their
    record. Returns the account's id. Audited as ``account.expert_signup`` by the account.

    :raise ValidationFailed: the password breaks the policy (field ``password``).
    :raise DomainError: the link is unknown, used or expired; the expert is linked already;
        an account took the address meanwhile.
    """
    now = as_utc(now or now_utc())
    row = _usable(session, token, now)
    username = row.email.lower()
    if problems := password_problems(username, password or ""):
        raise ValidationFailed({"password": problems[0]})
    expert = _expert(session, row.expert_id)
    if expert.user_id is not None:
        raise DomainError(ALREADY_LINKED, name=expert.name)
    if _taken(session, row.email):
        raise DomainError(ADDRESS_TAKEN, email=row.email)
    if not recording.compare_and_set(
        session,
        update(ExpertInvitation)
        .where(ExpertInvitation.id == row.id, ExpertInvitation.used_at.is_(None))
        .values(used_at=now),
    ):
        raise DomainError(INVITE_USED)
    user = User(
        username=username,
        display_name=expert.name[:120],
        email=row.email,
        password_hash=passwords.hash_password(password, rounds=passwords.BCRYPT_ROUNDS),
        is_active=True,
        is_demo=False,
        must_change_password=False,
        auth_epoch=0,
        failed_attempts=0,
        created_at=now,
        password_changed_at=now,
        email_verified_at=now,
        organization_id=expert.organization_id,
        roles=[UserRole(role="expert")],
    )
    session.add(user)
    session.flush()
    if not recording.compare_and_set(
        session,
        update(Expert)
        .where(Expert.id == expert.id, Expert.user_id.is_(None))
        .values(user_id=user.id),
    ):  # pragma: no cover - the expert row is locked
        raise DomainError(ALREADY_LINKED, name=expert.name)
    actor = Actor(id=user.id, username=username, roles=frozenset(EXPERTS))
    recording.record(
        session,
        actor,
        "account.expert_signup",
        "user",
        user.id,
        after={"username": username, "expert_id": expert.id, "roles": ["expert"]},
        at=now,
    )
    return user.id
