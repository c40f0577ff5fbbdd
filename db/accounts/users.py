"""Accounts: the password policy, user administration and changing one's own password.

Administration (listing, creating, enabling/disabling users, setting roles, resetting
passwords) requires the ``admin`` role, checked here for every call. Each change is one
compare-and-set on the user's ``auth_epoch`` (it doubles as the row's version, and bumping it
ends the user's existing sign-ins, see :mod:`db.accounts.signin`) plus one audit event in the same
transaction. Password hashes never go into audit events. Two rules keep an administrator from
locking everybody out: nobody can disable their own account or drop their own ``admin`` role.
"""

from __future__ import annotations

import datetime as dt
import functools
import gzip
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from db import audit, domain, passwords, recording
from db.clock import as_utc, now_utc
from db.errors import N_, Conflict, DomainError, NotFound, ValidationFailed
from db.models import AuthSession, SigninThrottle, User, UserRole
from db.policy import ACCOUNT_CREATORS, ADMIN, ADMINS, Actor, require, require_role

COMMON_PASSWORDS_FILE = Path(__file__).resolve().parents[1] / "data" / "common-passwords.txt.gz"
PASSWORD_MIN_CHARS = 12
PASSWORD_MAX_CHARS = 128
USERNAME_PATTERN = re.compile(r"[A-Za-z0-9._-]{1,64}")
USERNAME_IN_PASSWORD_MIN_CHARS = 3  # shorter usernames only may not *be* the password
GENERATED_PASSWORD_BYTES = 12  # secrets.token_urlsafe: 16 characters

PASSWORD_TOO_SHORT = N_("The password must have at least 12 characters.")
PASSWORD_TOO_LONG = N_("The password must have at most 128 characters.")
PASSWORD_HAS_USERNAME = N_("The password must not be or contain the username.")
PASSWORD_TOO_COMMON = N_("This password is too common; choose one that is harder to guess.")
PASSWORD_SURROUNDING_SPACE = N_(
    "The password must not begin or end with a space: the sign-in form removes them."
)
PASSWORD_UNSTORABLE = N_("The password contains characters that cannot be stored.")
PASSWORD_UNCHANGED = N_("The new password must be different from the current one.")
CURRENT_PASSWORD_WRONG = N_("The current password is not correct. Nothing was changed.")
USERNAME_INVALID = N_(
    "Use 1 to 64 letters (A-Z), digits, dots, hyphens or underscores for the username."
)
USERNAME_TAKEN = N_("This username is already taken; choose another.")
DISPLAY_NAME_INVALID = N_("Enter a display name of at most 120 characters.")
EMAIL_INVALID = N_("Enter a valid e-mail address of at most 254 characters, or leave it empty.")
ROLES_EMPTY = N_("Choose at least one role.")
ROLES_UNKNOWN = N_("Choose roles from the list only.")
ROLES_APPLICANT_ALONE = N_(
    "An applicant account is a company's: it cannot hold any of the city's roles as well."
)
ROLES_EXPERT_ALONE = N_(
    "An expert account is a pool member's own, opened by invitation: it cannot hold any "
    "other role as well."
)
CANNOT_DISABLE_SELF = N_(
    "You cannot disable your own account; another administrator must do it. Nothing was saved."
)
CANNOT_DROP_OWN_ADMIN = N_(
    "You cannot remove your own administrator role; another administrator must do it. "
    "Nothing was saved."
)
CHANGED_MEANWHILE = N_(
    "Someone else changed this account at the same time. Nothing was saved; "
    "reload the page and try again."
)


@functools.cache
def common_passwords() -> frozenset[str]:
    """The common-password list (Django's, see ``db/data/README.md``), loaded once, lowercase."""
    with gzip.open(COMMON_PASSWORDS_FILE, "rt", encoding="utf-8") as f:
        return frozenset(line.strip().lower() for line in f if line.strip())


def password_problems(username: str, password: str) -> list[str]:
    """What is wrong with ``password`` for ``username``, as message templates (empty: fine).

    12 to 128 characters (bcrypt reads only the first 72 bytes, so the rest only has to be
    typed); not the username nor containing it (case-insensitive; usernames shorter than
    3 characters only may not be the whole password); not in the common-password list; no
    leading or trailing whitespace (streamlit-authenticator strips the typed password, so such
    a password could never be used to sign in).
    """
    problems: list[str] = []
    if len(password) < PASSWORD_MIN_CHARS:
        problems.append(PASSWORD_TOO_SHORT)
    if len(password) > PASSWORD_MAX_CHARS:
        problems.append(PASSWORD_TOO_LONG)
    if password != password.strip():
        problems.append(PASSWORD_SURROUNDING_SPACE)
    try:
        password.encode("utf-8")
    except UnicodeEncodeError:
        problems.append(PASSWORD_UNSTORABLE)
    name, lowered = username.strip().lower(), password.lower()
    if name and (
        lowered == name or (len(name) >= USERNAME_IN_PASSWORD_MIN_CHARS and name in lowered)
    ):
        problems.append(PASSWORD_HAS_USERNAME)
    if lowered.strip() in common_passwords():
        problems.append(PASSWORD_TOO_COMMON)
    return problems


def email_is_valid(email: str) -> bool:
    """At most 254 characters, one ``@`` with text on both sides, no whitespace or control
    characters (a mail header cannot be smuggled in)."""
    return (
        0 < len(email) <= 254
        and email.count("@") == 1
        and not any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in email)
        and all(email.split("@"))
    )


def generate_password(username: str) -> str:
    """A random one-time password (16 URL-safe characters) that satisfies the policy."""
    while True:
        candidate = secrets.token_urlsafe(GENERATED_PASSWORD_BYTES)
        if not password_problems(username, candidate):
            return candidate


def _roles_of(session: Session, user_id: int) -> list[str]:
    rows = session.execute(select(UserRole.role).where(UserRole.user_id == user_id)).scalars()
    return sorted(rows, key=domain.ROLES.index)


def _load(session: Session, user_id: int) -> User:
    """The user, freshly read (not a stale copy from the identity map).

    :raise NotFound: no such user.
    """
    user = session.get(User, user_id, populate_existing=True)
    if user is None:
        raise NotFound()
    return user


def _compare_and_set(session: Session, user: User, **values: Any) -> int:
    """Update ``user`` only if its ``auth_epoch`` is still the one read; bump the epoch.

    Returns the new epoch. Bumping it also ends the user's sign-ins everywhere.

    :raise Conflict: someone changed the account since it was read.
    """
    seen = user.auth_epoch
    if not recording.compare_and_set(
        session,
        update(User)
        .where(User.id == user.id, User.auth_epoch == seen)
        .values(auth_epoch=seen + 1, **values),
    ):
        raise Conflict(CHANGED_MEANWHILE)
    session.expire(user)
    return seen + 1


def _audit(
    session: Session,
    actor: Actor,
    action: str,
    user_id: int,
    *,
    before: dict[str, Any] | None,
    after: dict[str, Any],
    now: dt.datetime,
) -> None:
    audit.append(
        session,
        actor_id=actor.id,
        actor_name=actor.username,
        action=action,
        entity="user",
        entity_id=user_id,
        before=before,
        after=after,
        at=now,
    )


def _clean_roles(roles: Iterable[str], errors: dict[str, str]) -> list[str]:
    chosen = set(roles)
    if not chosen:
        errors["roles"] = ROLES_EMPTY
    elif not chosen <= set(domain.ROLES):
        errors["roles"] = ROLES_UNKNOWN
    elif "applicant" in chosen and len(chosen) > 1:
        errors["roles"] = ROLES_APPLICANT_ALONE
    elif "expert" in chosen and len(chosen) > 1:
        errors["roles"] = ROLES_EXPERT_ALONE
    return sorted(chosen & set(domain.ROLES), key=domain.ROLES.index)


def list_users(*, session: Session, actor: Actor) -> list[dict[str, Any]]:
    """Every account, by username: id, username, display_name, email, roles, is_active,
    is_demo, must_change_password, created_at, last_signin_at (None if never).

    :raise PermissionDenied: the actor is not an administrator.
    """
    require_role(actor, ADMINS, "user.list", "user")
    last_signin = (
        select(AuthSession.user_id, func.max(AuthSession.created_at).label("at"))
        .group_by(AuthSession.user_id)
        .subquery()
    )
    rows = session.execute(
        select(User, last_signin.c.at)
        .outerjoin(last_signin, last_signin.c.user_id == User.id)
        .order_by(User.username)
    ).all()
    return [
        {
            "id": u.id,
            "username": u.username,
            "display_name": u.display_name,
            "email": u.email,
            "roles": sorted(u.role_names, key=domain.ROLES.index),
            "is_active": u.is_active,
            "is_demo": u.is_demo,
            "must_change_password": u.must_change_password,
            "created_at": as_utc(u.created_at),
            "last_signin_at": None if at is None else as_utc(at),
        }
        for u, at in rows
    ]


@dataclass(frozen=True)
class SigninState:
    """What the sign-in back-off does to an account: the failed attempts of its current
    streak (the most of any client) and until when a client is kept waiting (None if none
    waits now)."""

    failed_attempts: int
    waiting_until: dt.datetime | None


def signin_states(
    *, session: Session, actor: Actor, now: dt.datetime | None = None
) -> dict[int, SigninState]:
    """The sign-in state of every account with failed attempts, by user id (others have
    none).

    :raise PermissionDenied: the actor is not an administrator.
    """
    require_role(actor, ADMINS, "user.list", "user")
    now = as_utc(now or now_utc())
    states: dict[int, SigninState] = {}

    def add(user_id: int, failures: int, until: dt.datetime | None) -> None:
        old = states.get(user_id, SigninState(0, None))
        waits = [t for t in (old.waiting_until, until and as_utc(until)) if t and t > now]
        states[user_id] = SigninState(max(old.failed_attempts, failures), max(waits, default=None))

    for user_id, failures, until in session.execute(
        select(User.id, User.failed_attempts, User.next_attempt_at).where(User.failed_attempts > 0)
    ):
        add(user_id, failures, until)
    for user_id, failures, until in session.execute(
        select(
            SigninThrottle.user_id, SigninThrottle.failed_attempts, SigninThrottle.next_attempt_at
        ).where(SigninThrottle.failed_attempts > 0)
    ):
        add(user_id, failures, until)
    return states


def release(
    *, session: Session, actor: Actor, user_id: int, now: dt.datetime | None = None
) -> bool:
    """Let an account waiting after failed sign-ins try again at once, from every client
    (its failure streaks are cleared); its sign-ins and password are unchanged. False if
    there was nothing to release (then nothing is recorded).

    :raise PermissionDenied: the actor is not an administrator.
    :raise NotFound: no such user.
    """
    require_role(actor, ADMINS, "user.release", "user", user_id)
    now = as_utc(now or now_utc())
    user = _load(session, user_id)
    streaks = session.execute(
        select(func.count(), func.max(SigninThrottle.failed_attempts)).where(
            SigninThrottle.user_id == user_id
        )
    ).one()
    if not (user.failed_attempts or user.next_attempt_at or streaks[0]):
        return False
    before = {"failed_attempts": max(user.failed_attempts or 0, streaks[1] or 0)}
    session.execute(
        update(User)
        .where(User.id == user_id)
        .values(failed_attempts=0, first_failed_at=None, next_attempt_at=None)
        .execution_options(synchronize_session=False)
    )
    session.execute(delete(SigninThrottle).where(SigninThrottle.user_id == user_id))
    _audit(
        session,
        actor,
        "user.release",
        user_id,
        before=before,
        after={"failed_attempts": 0},
        now=now,
    )
    return True


def create_user(
    *,
    session: Session,
    actor: Actor,
    username: str,
    display_name: str,
    roles: Iterable[str],
    email: str | None = None,
    password: str | None = None,
    now: dt.datetime | None = None,
) -> tuple[int, str]:
    """Create an active account; return its id and its one-time password.

    Without ``password`` one is generated. Either way the user must change it at the first
    sign-in. Usernames are unique case-insensitively. Allowed to administrators and to
    :data:`db.policy.SYSTEM` (the ``create-admin`` command).

    :raise PermissionDenied: the actor is neither an administrator nor the system.
    :raise ValidationFailed: per-field problems (username, display_name, email, roles,
        password).
    """
    require(actor, ACCOUNT_CREATORS, action="user.create", entity="user")
    now = as_utc(now or now_utc())
    errors: dict[str, str] = {}
    username = username.strip()
    if not USERNAME_PATTERN.fullmatch(username):
        errors["username"] = USERNAME_INVALID
    elif session.execute(
        select(User.id).where(func.lower(User.username) == username.lower())
    ).first():
        errors["username"] = USERNAME_TAKEN
    display_name = display_name.strip()
    if not display_name or len(display_name) > 120:
        errors["display_name"] = DISPLAY_NAME_INVALID
    email = (email or "").strip() or None
    if email is not None and not email_is_valid(email):
        errors["email"] = EMAIL_INVALID
    chosen = _clean_roles(roles, errors)
    if password is None:
        password = generate_password(username)
    elif problems := password_problems(username, password):
        errors["password"] = problems[0]
    if errors:
        raise ValidationFailed(errors)
    user = User(
        username=username,
        display_name=display_name,
        email=email,
        password_hash=passwords.hash_password(password, rounds=passwords.BCRYPT_ROUNDS),
        is_active=True,
        is_demo=False,
        must_change_password=True,
        auth_epoch=0,
        failed_attempts=0,
        created_at=now,
        roles=[UserRole(role=r) for r in chosen],
    )
    session.add(user)
    session.flush()
    _audit(
        session,
        actor,
        "user.create",
        user.id,
        before=None,
        after={
            "username": username,
            "display_name": display_name,
            "email": email,
            "roles": chosen,
            "is_active": True,
            "must_change_password": True,
        },
        now=now,
    )
    return user.id, password


def set_active(
    *, session: Session, actor: Actor, user_id: int, active: bool, now: dt.datetime | None = None
) -> None:
    """Enable or disable an account; disabling ends its sign-ins at once.

    :raise PermissionDenied: the actor is not an administrator.
    :raise NotFound: no such user.
    :raise DomainError: an administrator tried to disable their own account.
    :raise Conflict: the account changed meanwhile.
    """
    require_role(actor, ADMINS, "user.set_active", "user", user_id)
    if not active and user_id == actor.id:
        raise DomainError(CANNOT_DISABLE_SELF)
    now = as_utc(now or now_utc())
    user = _load(session, user_id)
    if user.is_active == active:
        return
    before = {"is_active": user.is_active, "auth_epoch": user.auth_epoch}
    epoch = _compare_and_set(session, user, is_active=active)
    _audit(
        session,
        actor,
        "user.enable" if active else "user.disable",
        user_id,
        before=before,
        after={"is_active": active, "auth_epoch": epoch},
        now=now,
    )


def set_roles(
    *,
    session: Session,
    actor: Actor,
    user_id: int,
    roles: Iterable[str],
    now: dt.datetime | None = None,
) -> None:
    """Replace an account's roles; its sign-ins end (they carried the old roles).

    :raise PermissionDenied: the actor is not an administrator.
    :raise ValidationFailed: no roles, or unknown ones (``roles``).
    :raise NotFound: no such user.
    :raise DomainError: an administrator tried to drop their own ``admin`` role.
    :raise Conflict: the account changed meanwhile.
    """
    require_role(actor, ADMINS, "user.set_roles", "user", user_id)
    errors: dict[str, str] = {}
    chosen = _clean_roles(roles, errors)
    if errors:
        raise ValidationFailed(errors)
    if user_id == actor.id and ADMIN not in chosen:
        raise DomainError(CANNOT_DROP_OWN_ADMIN)
    now = as_utc(now or now_utc())
    user = _load(session, user_id)
    old = _roles_of(session, user_id)
    if old == chosen:
        return
    epoch_before = user.auth_epoch
    epoch = _compare_and_set(session, user)  # the row lock also serialises the role rows
    session.execute(delete(UserRole).where(UserRole.user_id == user_id))
    session.add_all(UserRole(user_id=user_id, role=r) for r in chosen)
    session.flush()
    _audit(
        session,
        actor,
        "user.set_roles",
        user_id,
        before={"roles": old, "auth_epoch": epoch_before},
        after={"roles": chosen, "auth_epoch": epoch},
        now=now,
    )


def reset_password(
    *, session: Session, actor: Actor, user_id: int, now: dt.datetime | None = None
) -> str:
    """Give an account a new random one-time password; return it (show it once).

    The user must change it at the next sign-in; their sign-ins end, and any back-off
    after failed attempts is cleared.

    :raise PermissionDenied: the actor is not an administrator.
    :raise NotFound: no such user.
    :raise Conflict: the account changed meanwhile.
    """
    require_role(actor, ADMINS, "user.reset_password", "user", user_id)
    now = as_utc(now or now_utc())
    user = _load(session, user_id)
    password = generate_password(user.username)
    before = {"must_change_password": user.must_change_password, "auth_epoch": user.auth_epoch}
    epoch = _compare_and_set(
        session,
        user,
        password_hash=passwords.hash_password(password, rounds=passwords.BCRYPT_ROUNDS),
        must_change_password=True,
        password_changed_at=now,
        failed_attempts=0,
        first_failed_at=None,
        next_attempt_at=None,
    )
    _audit(
        session,
        actor,
        "user.reset_password",
        user_id,
        before=before,
        after={"must_change_password": True, "auth_epoch": epoch},
        now=now,
    )
    return password


def change_own_password(
    *, session: Session, actor: Actor, current: str, new: str, now: dt.datetime | None = None
) -> None:
    """Change the acting user's password after checking the current one.

    Clears ``must_change_password`` and ends *all* the user's sign-ins, this one too: the
    caller starts a fresh sign-in (or asks the user to sign in again) afterwards.

    :raise ValidationFailed: ``current`` is wrong (``current``), or ``new`` breaks the
        policy or equals ``current`` (``new``).
    :raise NotFound: the acting user no longer exists or is disabled.
    :raise Conflict: the account changed meanwhile.
    """
    if actor.id is None:
        raise NotFound()
    now = as_utc(now or now_utc())
    user = _load(session, actor.id)
    if not user.is_active:
        raise NotFound()
    typed = current.encode("utf-8", "replace").decode("utf-8")
    if not passwords.check_password(typed, user.password_hash):
        raise ValidationFailed({"current": CURRENT_PASSWORD_WRONG})
    if problems := password_problems(user.username, new):
        raise ValidationFailed({"new": problems[0]})
    if new == current:
        raise ValidationFailed({"new": PASSWORD_UNCHANGED})
    before = {"must_change_password": user.must_change_password, "auth_epoch": user.auth_epoch}
    epoch = _compare_and_set(
        session,
        user,
        password_hash=passwords.hash_password(new, rounds=passwords.BCRYPT_ROUNDS),
        must_change_password=False,
        password_changed_at=now,
    )
    _audit(
        session,
        actor,
        "user.change_password",
        user.id,
        before=before,
        after={"must_change_password": False, "auth_epoch": epoch},
        now=now,
    )


def needs_password_change(*, session: Session, user_id: int) -> bool:
    """True when the user signed in with a one-time password and must choose their own.

    :raise NotFound: no such user.
    """
    flag = session.execute(
        select(User.must_change_password).where(User.id == user_id)
    ).scalar_one_or_none()
    if flag is None:
        raise NotFound()
    return bool(flag)
