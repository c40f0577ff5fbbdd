"""Company accounts: self sign-up, e-mail verification by a single-use, expiring link.

An applicant signs up with their company, name, e-mail and a password (the password policy
of :mod:`db.accounts.users`); the e-mail address is their username. The account holds the
``applicant`` role only and may sign in at once, but submits nothing until the address is
proved by the link mailed to it (:func:`verify_email`). Only the SHA-256 of a link's token is
stored; a link works once, for :data:`VERIFY_LIFETIME`.

Signing up with an address that already has an account creates nothing and mails that
address a notice instead, so the sign-up form never tells whether an address is registered.
Rate limits (:mod:`db.ratelimit`) are taken by the caller before these writes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from db import mail, passwords, recording
from db.accounts.users import (
    DISPLAY_NAME_INVALID,
    EMAIL_INVALID,
    email_is_valid,
    password_problems,
)
from db.clock import as_utc, now_utc
from db.errors import N_, DomainError, ValidationFailed
from db.models import EmailToken, User, UserRole
from db.policy import APPLICANTS, Actor, require

VERIFY_LIFETIME: Final = dt.timedelta(hours=24)
TOKEN_BYTES: Final = 32
COMPANY_MAX_CHARS: Final = 200
USERNAME_MAX_CHARS: Final = 64

COMPANY_INVALID = N_("Enter your company's name (at most 200 characters).")
EMAIL_TOO_LONG_FOR_SIGNIN = N_(
    "Use an e-mail address of at most 64 characters: it is also your username."
)
LINK_UNKNOWN = N_(
    "This verification link is not valid. Nothing was changed; sign in and ask for a new link."
)
LINK_USED = N_("This verification link was already used. Your e-mail address is verified; sign in.")
LINK_EXPIRED = N_(
    "This verification link has expired. Nothing was changed; sign in and ask for a new link."
)
ALREADY_VERIFIED = N_("Your e-mail address is already verified.")

Compose = Callable[[str], mail.Letter]
"""Writes the message for a link: given the token, returns the letter (subject and body in
the recipient's language) that carries the link."""


@dataclass(frozen=True)
class Applicant:
    """The signed-in applicant's account as their pages read it."""

    id: int
    email: str
    name: str
    company: str
    verified: bool


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _new_link(session: Session, user_id: int, now: dt.datetime) -> str:
    token = secrets.token_urlsafe(TOKEN_BYTES)
    session.add(
        EmailToken(
            id=token_hash(token),
            user_id=user_id,
            purpose="verify",
            created_at=now,
            expires_at=now + VERIFY_LIFETIME,
        )
    )
    session.flush()
    return token


def sign_up(
    *,
    session: Session,
    company: str,
    name: str,
    email: str,
    password: str,
    compose: Compose,
    already: Callable[[], mail.Letter],
    deliver: bool,
    now: dt.datetime | None = None,
) -> int | None:
    """Create an applicant account and mail its verification link; return its id, or None
    when the address already has an account (then ``already()`` is mailed to it instead).

    Audited as ``account.signup``, by the new account itself.

    :raise ValidationFailed: per field: company, name, email, password.
    """
    now = as_utc(now or now_utc())
    errors: dict[str, str] = {}
    company = " ".join((company or "").split())
    if not company or len(company) > COMPANY_MAX_CHARS:
        errors["company"] = COMPANY_INVALID
    name = " ".join((name or "").split())
    if not name or len(name) > 120:
        errors["name"] = DISPLAY_NAME_INVALID
    email = (email or "").strip()
    username = email.lower()
    if not email_is_valid(email):
        errors["email"] = EMAIL_INVALID
    elif len(username) > USERNAME_MAX_CHARS:
        errors["email"] = EMAIL_TOO_LONG_FOR_SIGNIN
    if problems := password_problems(username, password or ""):
        errors["password"] = problems[0]
    if errors:
        raise ValidationFailed(errors)
    taken = session.execute(
        select(User.id).where(
            (func.lower(User.username) == username) | (func.lower(User.email) == username)
        )
    ).first()
    if taken:
        mail.enqueue(
            session,
            recipient=email,
            letter=already(),
            kind="signup_again",
            deliver=deliver,
            now=now,
        )
        return None
    user = User(
        username=username,
        display_name=name,
        email=email,
        company_name=company,
        password_hash=passwords.hash_password(password, rounds=passwords.BCRYPT_ROUNDS),
        is_active=True,
        is_demo=False,
        must_change_password=False,
        auth_epoch=0,
        failed_attempts=0,
        created_at=now,
        password_changed_at=now,
        roles=[UserRole(role="applicant")],
    )
    session.add(user)
    session.flush()
    token = _new_link(session, user.id, now)
    mail.enqueue(
        session, recipient=email, letter=compose(token), kind="verify", deliver=deliver, now=now
    )
    actor = Actor(id=user.id, username=username, roles=frozenset(APPLICANTS))
    recording.record(
        session,
        actor,
        "account.signup",
        "user",
        user.id,
        after={
            "username": username,
            "display_name": name,
            "email": email,
            "company": company,
            "roles": ["applicant"],
        },
        at=now,
    )
    return user.id


def verify_email(*, session: Session, token: str, now: dt.datetime | None = None) -> int:
    """Use a verification link: mark its account's address verified; return the account id.
    Audited as ``account.verify``, by the account.

    :raise DomainError: the link is unknown, used already or expired (a sentence each);
        nothing changed.
    """
    now = as_utc(now or now_utc())
    if not isinstance(token, str) or not token or len(token) > 200:
        raise DomainError(LINK_UNKNOWN)
    row = session.get(EmailToken, token_hash(token), populate_existing=True)
    if row is None or row.purpose != "verify":
        raise DomainError(LINK_UNKNOWN)
    if row.used_at is not None:
        raise DomainError(LINK_USED)
    if now >= as_utc(row.expires_at):
        raise DomainError(LINK_EXPIRED)
    if not recording.compare_and_set(
        session,
        update(EmailToken)
        .where(EmailToken.id == row.id, EmailToken.used_at.is_(None))
        .values(used_at=now),
    ):
        raise DomainError(LINK_USED)
    user = session.get(User, row.user_id, populate_existing=True)
    if user is None:  # pragma: no cover - the token's row goes with its account
        raise DomainError(LINK_UNKNOWN)
    session.execute(
        update(User)
        .where(User.id == user.id, User.email_verified_at.is_(None))
        .values(email_verified_at=now)
        .execution_options(synchronize_session=False)
    )
    actor = Actor(id=user.id, username=user.username, roles=user.role_names)
    recording.record(
        session,
        actor,
        "account.verify",
        "user",
        user.id,
        after={"email": user.email, "email_verified_at": now},
        at=now,
    )
    return user.id


def resend_link(
    *,
    session: Session,
    actor: Actor,
    compose: Compose,
    deliver: bool,
    now: dt.datetime | None = None,
) -> None:
    """Mail a new verification link to the signed-in applicant; earlier links stop working.

    :raise PermissionDenied: the actor is not an applicant.
    :raise DomainError: the address is verified already.
    """
    require(actor, APPLICANTS, action="account.resend_link", entity="user", entity_id=actor.id)
    now = as_utc(now or now_utc())
    user = session.get(User, actor.id, populate_existing=True)
    if user is None or not user.email:
        raise DomainError(LINK_UNKNOWN)
    if user.email_verified_at is not None:
        raise DomainError(ALREADY_VERIFIED)
    session.execute(
        update(EmailToken)
        .where(EmailToken.user_id == user.id, EmailToken.used_at.is_(None))
        .values(expires_at=now)
        .execution_options(synchronize_session=False)
    )
    token = _new_link(session, user.id, now)
    mail.enqueue(
        session,
        recipient=user.email,
        letter=compose(token),
        kind="verify",
        deliver=deliver,
        now=now,
    )
    recording.record(session, actor, "account.resend_link", "user", user.id, at=now)


def applicant(*, session: Session, actor: Actor) -> Applicant:
    """The acting applicant's own account.

    :raise PermissionDenied: the actor is not an applicant.
    """
    require(actor, APPLICANTS, action="account.read", entity="user", entity_id=actor.id)
    user = session.get(User, actor.id)
    if user is None:
        raise DomainError(LINK_UNKNOWN)
    return Applicant(
        id=user.id,
        email=user.email or user.username,
        name=user.display_name,
        company=user.company_name or "",
        verified=user.email_verified_at is not None,
    )
