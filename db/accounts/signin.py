"""Sign-in: password attempts with a per-account back-off, and server-side sign-in sessions.

Attempts (:func:`authenticate`) fail with one generic :class:`SignInFailed` whatever went
wrong, so the page cannot tell anyone whether a username exists, is disabled or is waiting.
Failures are counted per account and client (``signin_throttles``; per account alone in
``users`` when the caller cannot name the client): five failures within 15 minutes make that
client wait 30 s before its next attempt is even checked; every further failure doubles the
wait, up to 15 minutes. It is a back-off, not a lock: a trickle of wrong passwords from one
address slows down that address only, so the owner signing in from elsewhere is never kept
out by it (``docs/sign-in.md``); a success clears the count, and an administrator can
release an account (:func:`release`). Every attempt is an audit event.

A successful sign-in becomes a row of ``auth_sessions`` (:func:`start_signin`). The browser
cookie carries only a random token; the table stores its SHA-256, so a copy of the database
cannot be replayed as cookies. :func:`resume_signin` accepts a token only while the row is
unrevoked, younger than its lifetime (at most 12 h), used within the idle timeout (30 min),
and the user is active with an unchanged ``auth_epoch``: bumping the epoch
(:func:`revoke_all_signins`: disabling, a role or password change) ends every sign-in of that
user at once, on every app replica.

One deliberate exception to "the caller owns the transaction": on failure,
:func:`authenticate` commits the caller's transaction (the failure count and the audit
event) *before* raising :class:`SignInFailed`. The failed attempt must be recorded although
the call raises, and ``write_session`` rolls back on any exception, so otherwise the back-off
would never count anything. Call it in a transaction of its own, and after catching
``SignInFailed`` do nothing more in that transaction.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import secrets
from typing import NoReturn

from sqlalchemy import Engine, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db import audit, passwords, recording
from db.clock import as_utc
from db.errors import N_, DatabaseFull, DatabaseReadOnly, DomainError, NotFound
from db.models import AuthSession, SigninThrottle, User
from db.policy import Actor
from db.session import read_session, write_session

FAILURE_THRESHOLD = 5  # failures within FAILURE_WINDOW before the account must wait
FAILURE_WINDOW = dt.timedelta(minutes=15)
FIRST_DELAY = dt.timedelta(seconds=30)  # wait after the FAILURE_THRESHOLD-th failure
MAX_DELAY = dt.timedelta(minutes=15)  # the wait doubles per further failure up to this
MAX_LIFETIME = dt.timedelta(hours=12)
IDLE_TIMEOUT = dt.timedelta(minutes=30)
TOUCH_INTERVAL = dt.timedelta(seconds=60)  # last_seen_at is refreshed at most this often
AUDIT_USERNAME_CHARS = 64
MIN_TOKEN_CHARS = 32
ANONYMOUS = "anonymous"

SIGNIN_FAILED = N_(
    "Sign-in failed: check your username and password. "
    "If you tried several times, wait a little and try again."
)


class SignInFailed(DomainError):
    """A sign-in attempt failed. The message is the same for every cause, on purpose."""

    message = SIGNIN_FAILED

    def __init__(self) -> None:
        super().__init__()


def new_token() -> str:
    """A fresh random sign-in token for the browser cookie (256 bits, URL-safe)."""
    return secrets.token_urlsafe(32)


def token_id(token: str) -> str:
    """The ``auth_sessions.id`` stored for ``token``: its SHA-256 in hex."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def backoff_delay(failures: int) -> dt.timedelta | None:
    """How long an account with ``failures`` counted failures must wait, or ``None``.

    30 s at the 5th failure, doubling per further failure (60 s, 120 s, ...), at most 15 min.
    """
    if failures < FAILURE_THRESHOLD:
        return None
    doublings = min(failures - FAILURE_THRESHOLD, 16)
    return min(FIRST_DELAY * (2**doublings), MAX_DELAY)


def after_failure(
    failures: int,
    first_failed_at: dt.datetime | None,
    next_attempt_at: dt.datetime | None,
    now: dt.datetime,
) -> tuple[int, dt.datetime, dt.datetime | None]:
    """The counters after one more failure at ``now``: (failures, first_failed_at, next_attempt_at).

    A streak of failures starts over when it has gone quiet: before the threshold, when its
    first failure is older than :data:`FAILURE_WINDOW` (so only failures within 15 minutes
    add up); once waiting, when the account has been free to try again for
    :data:`FAILURE_WINDOW` without failing.
    """
    now = as_utc(now)
    if failures <= 0 or first_failed_at is None:
        over = True
    elif failures < FAILURE_THRESHOLD:
        over = now - as_utc(first_failed_at) >= FAILURE_WINDOW
    else:
        over = next_attempt_at is None or now - as_utc(next_attempt_at) >= FAILURE_WINDOW
    if over:
        failures, first_failed_at = 1, now
    else:
        failures += 1
    delay = backoff_delay(failures)
    assert first_failed_at is not None
    return failures, as_utc(first_failed_at), None if delay is None else now + delay


def _is_waiting(user: User, now: dt.datetime) -> bool:
    return user.next_attempt_at is not None and now < as_utc(user.next_attempt_at)


def _audit_text(typed: str) -> str:
    """What was typed, cut to 64 characters and made storable (no lone surrogates)."""
    return typed[:AUDIT_USERNAME_CHARS].encode("utf-8", "replace").decode("utf-8")


def _find_user(session: Session, typed: str) -> User | None:
    """The account ``typed`` names (case-insensitively for ASCII names), or ``None``.

    Input that cannot be a stored username (empty, longer than the column, NUL or lone
    surrogates, which PostgreSQL or the driver would refuse) is not sent to the database.
    """
    if not typed or len(typed) > 64 or "\x00" in typed:
        return None
    try:
        typed.encode("utf-8")
    except UnicodeEncodeError:
        return None
    if typed.isascii():
        match = func.lower(User.username) == typed.lower()
    else:
        match = User.username == typed
    stmt = (
        select(User)
        .where(match)
        .order_by((User.username == typed).desc(), User.id)
        .limit(1)
        .execution_options(populate_existing=True)
    )
    return session.execute(stmt).scalar_one_or_none()


@functools.cache
def _dummy_hash(rounds: int) -> str:
    return passwords.hash_password(secrets.token_hex(16), rounds=rounds)


def _check(password: str, hashed: str | None) -> bool:
    """bcrypt check; with ``hashed`` None, spend the same time on a dummy hash and fail."""
    password = password.encode("utf-8", "replace").decode("utf-8")
    if hashed is None:
        passwords.check_password(password, _dummy_hash(passwords.BCRYPT_ROUNDS))
        return False
    return passwords.check_password(password, hashed)


def _actor(user: User) -> Actor:
    return Actor(
        id=user.id,
        username=user.username,
        roles=user.role_names,
        display_name=user.display_name,
    )


def _audit_attempt(
    session: Session,
    *,
    user: User | None,
    typed: str,
    ok: bool,
    reason: str | None,
    now: dt.datetime,
) -> None:
    audit.append(
        session,
        actor_id=user.id if ok and user else None,
        actor_name=user.username if ok and user else ANONYMOUS,
        action="signin.success" if ok else "signin.failure",
        entity="user",
        entity_id=user.id if user else None,
        after={"username": _audit_text(typed)},
        reason=reason,
        at=now,
    )


def _record_failure(session: Session, user_id: int, now: dt.datetime) -> None:
    """Count one failure with a compare-and-set on ``failed_attempts``.

    A lost compare-and-set means another attempt's failure was committed in between; read
    again and retry (each loss is someone else's progress, so this ends).
    """
    while True:
        row = session.execute(
            select(User.failed_attempts, User.first_failed_at, User.next_attempt_at).where(
                User.id == user_id
            )
        ).one_or_none()
        if row is None:  # the account was deleted meanwhile: nothing left to count
            return
        seen, first, nxt = row
        count, first, nxt = after_failure(seen, first, nxt, now)
        if recording.compare_and_set(
            session,
            update(User)
            .where(User.id == user_id, User.failed_attempts == seen)
            .values(failed_attempts=count, first_failed_at=first, next_attempt_at=nxt),
        ):
            return


def client_id(address: str) -> str:
    """How a client is stored: the SHA-256 of its address (no address is kept)."""
    return hashlib.sha256(address.encode("utf-8", "replace")).hexdigest()


def _throttle(session: Session, user_id: int, client: str) -> SigninThrottle | None:
    return session.execute(
        select(SigninThrottle)
        .where(SigninThrottle.user_id == user_id, SigninThrottle.client == client)
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()


def _client_waiting(session: Session, user_id: int, client: str, now: dt.datetime) -> bool:
    row = _throttle(session, user_id, client)
    return row is not None and row.next_attempt_at is not None and now < as_utc(row.next_attempt_at)


def _record_client_failure(session: Session, user_id: int, client: str, now: dt.datetime) -> None:
    """Count one failure of ``client`` on the account (compare-and-set, as above; the first
    failure inserts the row in a savepoint, and a concurrent insert makes it an update)."""
    while True:
        row = _throttle(session, user_id, client)
        if row is None:
            count, first, nxt = after_failure(0, None, None, now)
            try:
                with session.begin_nested():
                    session.add(
                        SigninThrottle(
                            user_id=user_id,
                            client=client,
                            failed_attempts=count,
                            first_failed_at=first,
                            next_attempt_at=nxt,
                        )
                    )
                return
            except IntegrityError:  # another attempt of this client inserted it: count on
                continue
        seen = row.failed_attempts
        count, first, nxt = after_failure(seen, row.first_failed_at, row.next_attempt_at, now)
        if recording.compare_and_set(
            session,
            update(SigninThrottle)
            .where(
                SigninThrottle.user_id == user_id,
                SigninThrottle.client == client,
                SigninThrottle.failed_attempts == seen,
            )
            .values(failed_attempts=count, first_failed_at=first, next_attempt_at=nxt),
        ):
            return


def _refuse(
    session: Session, *, user: User | None, typed: str, reason: str, now: dt.datetime
) -> NoReturn:
    """Audit the failed attempt, commit it with any failure count, and raise."""
    _audit_attempt(session, user=user, typed=typed, ok=False, reason=reason, now=now)
    session.commit()
    raise SignInFailed()


def authenticate(
    *,
    session: Session,
    username: str,
    password: str,
    now: dt.datetime,
    allow_demo_accounts: bool = True,
    client: str | None = None,
) -> Actor:
    """Check a username and password; return the signed-in :class:`Actor`.

    ``client``: the address the attempt comes from (see :func:`client_id`); the back-off then
    counts this client's failures on the account only. Without it (scripts, tests) they are
    counted on the account as a whole.

    Every attempt appends ``signin.success`` or ``signin.failure`` (reason
    ``unknown_user``, ``disabled``, ``waiting`` or ``wrong_password``). Unknown, disabled
    and waiting accounts still cost one bcrypt check, so timing does not tell them apart.
    A waiting account's password is not checked at all, and attempts while waiting do not
    lengthen the wait. Outside demo mode (``allow_demo_accounts=False``) demo accounts fail
    like disabled ones, whatever their password. Nothing but the audit event is written for
    unknown names, whatever was typed (empty, 10 kB, SQL, HTML: all bound parameters,
    never part of the SQL).

    On failure the caller's transaction is committed before raising (see the module
    docstring): call this in a transaction of its own.

    :raise SignInFailed: for every kind of failure, with one generic message.
    """
    now = as_utc(now)
    typed = username if isinstance(username, str) else ""
    secret = password if isinstance(password, str) else ""
    user = _find_user(session, typed)
    who = None if client is None else client_id(client)
    if user is not None and user.is_demo and not allow_demo_accounts:
        _check(secret, None)
        _refuse(session, user=user, typed=typed, reason="demo_account", now=now)
    waiting = user is not None and (
        _is_waiting(user, now) if who is None else _client_waiting(session, user.id, who, now)
    )
    if user is None or not user.is_active or waiting:
        _check(secret, None)
        reason = "unknown_user" if user is None else "disabled" if not user.is_active else "waiting"
        _refuse(session, user=user, typed=typed, reason=reason, now=now)
    assert user is not None
    if not _check(secret, user.password_hash):
        if who is None:
            _record_failure(session, user.id, now)
        else:
            _record_client_failure(session, user.id, who, now)
        _refuse(session, user=user, typed=typed, reason="wrong_password", now=now)
    if who is not None:
        session.execute(
            delete(SigninThrottle).where(
                SigninThrottle.user_id == user.id, SigninThrottle.client == who
            )
        )
    elif user.failed_attempts or user.first_failed_at or user.next_attempt_at:
        session.execute(
            update(User)
            .where(User.id == user.id)
            .values(failed_attempts=0, first_failed_at=None, next_attempt_at=None)
            .execution_options(synchronize_session=False)
        )
    _audit_attempt(session, user=user, typed=typed, ok=True, reason=None, now=now)
    return _actor(user)


def account_can_try(*, session: Session, username: str, now: dt.datetime) -> bool:
    """False only while the named account waits after repeated failures.

    Unknown and disabled names answer True (they fail at the password step like any
    other), so this never tells whether an account exists; still show only the generic
    message to the person signing in.
    """
    user = _find_user(session, username if isinstance(username, str) else "")
    return not (user is not None and user.is_active and _is_waiting(user, as_utc(now)))


def usable_credentials(
    *, session: Session, now: dt.datetime, allow_demo_accounts: bool = True
) -> dict[str, dict]:
    """Credentials of the active accounts, keyed by lower-case username (the sign-in widget
    lower-cases what is typed), for the sign-in widget.

    ``{"name", "email", "password" (bcrypt hash), "roles" (sorted)}``; accounts that are
    waiting get :data:`db.passwords.UNUSABLE_PASSWORD`, disabled accounts are left out, and
    so are demo accounts unless ``allow_demo_accounts``.
    """
    now = as_utc(now)
    query = select(User).where(User.is_active.is_(True)).order_by(User.username)
    if not allow_demo_accounts:
        query = query.where(User.is_demo.is_(False))
    users = session.execute(query).scalars()
    return {
        u.username.lower(): {
            "name": u.display_name,
            "email": u.email,
            "password": passwords.UNUSABLE_PASSWORD if _is_waiting(u, now) else u.password_hash,
            "roles": sorted(u.role_names),
        }
        for u in users
    }


def demo_accounts(*, session: Session) -> list[tuple[str, tuple[str, ...]]]:
    """(username, roles) of the active demo accounts, for the sign-in page's hint in demo
    mode (only then: outside it they cannot sign in, see :func:`authenticate`)."""
    users = session.execute(
        select(User).where(User.is_demo.is_(True), User.is_active.is_(True)).order_by(User.username)
    ).scalars()
    return [(u.username, tuple(sorted(u.role_names))) for u in users]


def start_signin(
    *,
    session: Session,
    user_id: int,
    token: str,
    now: dt.datetime,
    lifetime: dt.timedelta = MAX_LIFETIME,
) -> None:
    """Store a sign-in for ``token`` (see :func:`new_token`) valid for ``lifetime`` (≤ 12 h).

    The row remembers the user's current ``auth_epoch``; audited as ``signin.session``.
    Recording the same live sign-in again adds nothing (no second row or event).

    :raise ValueError: ``token`` is shorter than 32 characters (a programming error).
    :raise SignInFailed: the user does not exist or is disabled.
    """
    if len(token) < MIN_TOKEN_CHARS:
        raise ValueError("sign-in tokens must have at least 32 characters; use new_token()")
    now = as_utc(now)
    user = session.get(User, user_id, populate_existing=True)
    if user is None or not user.is_active:
        raise SignInFailed()
    expires = now + min(lifetime, MAX_LIFETIME)
    row_id = token_id(token)
    recorded = session.get(AuthSession, row_id, populate_existing=True)
    if recorded is not None:
        # The same sign-in recorded again (the page's run that recorded it was cut short
        # before it kept the token, and the next run records it once more): nothing new
        # happened, so nothing is added; its lifetime stays the first one. A revoked sign-in,
        # another user's, or one from before a password change is not brought back.
        if (
            recorded.user_id != user.id
            or recorded.revoked_at is not None
            or recorded.auth_epoch != user.auth_epoch
        ):
            raise SignInFailed()
        return
    session.add(
        AuthSession(
            id=row_id,
            user_id=user.id,
            auth_epoch=user.auth_epoch,
            created_at=now,
            last_seen_at=now,
            expires_at=expires,
        )
    )
    session.flush()
    audit.append(
        session,
        actor_id=user.id,
        actor_name=user.username,
        action="signin.session",
        entity="user",
        entity_id=user.id,
        after={"session": row_id[:12], "expires_at": expires},
        at=now,
    )


def resume_signin(
    *,
    session: Session,
    token: str,
    now: dt.datetime,
    idle: dt.timedelta = IDLE_TIMEOUT,
    touch: bool = True,
) -> Actor | None:
    """The :class:`Actor` of a still-valid sign-in, or ``None``.

    Valid means: the row exists, is not revoked, is before ``expires_at``, was seen within
    ``idle``, and its user is active with the same ``auth_epoch``. On success the row's
    ``last_seen_at`` moves to ``now`` if it is more than 60 s old (housekeeping, not
    audited: it would be an event per minute per user), unless ``touch`` is false (a
    database that cannot be written: see :func:`check_signin`).
    """
    if not isinstance(token, str) or not token:
        return None
    now = as_utc(now)
    row = session.execute(
        select(AuthSession, User)
        .join(User, User.id == AuthSession.user_id)
        .where(AuthSession.id == token_id(token))
        .execution_options(populate_existing=True)
    ).one_or_none()
    if row is None:
        return None
    signin, user = row
    if (
        signin.revoked_at is not None
        or now >= as_utc(signin.expires_at)
        or now - as_utc(signin.last_seen_at) > idle
        or not user.is_active
        or user.auth_epoch != signin.auth_epoch
    ):
        return None
    if touch and now - as_utc(signin.last_seen_at) > TOUCH_INTERVAL:
        session.execute(
            update(AuthSession)
            .where(AuthSession.id == signin.id)
            .values(last_seen_at=now)
            .execution_options(synchronize_session=False)
        )
    return _actor(user)


def end_signin(*, session: Session, token: str, now: dt.datetime) -> None:
    """Sign out: revoke the sign-in of ``token``, audited as ``signout``.

    Unknown or already revoked tokens are ignored (signing out twice is not an error).
    """
    if not isinstance(token, str) or not token:
        return
    now = as_utc(now)
    row = session.execute(
        select(AuthSession.id, User.id, User.username)
        .join(User, User.id == AuthSession.user_id)
        .where(AuthSession.id == token_id(token), AuthSession.revoked_at.is_(None))
    ).one_or_none()
    if row is None:
        return
    row_id, user_id, name = row
    if recording.compare_and_set(
        session,
        update(AuthSession)
        .where(AuthSession.id == row_id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=now),
    ):
        audit.append(
            session,
            actor_id=user_id,
            actor_name=name,
            action="signout",
            entity="user",
            entity_id=user_id,
            after={"session": row_id[:12]},
            at=now,
        )


def revoke_all_signins(*, session: Session, user_id: int) -> int:
    """End every sign-in of ``user_id`` by bumping ``users.auth_epoch``; return the new epoch.

    Not audited here: the action that calls it (disable, role or password change) records
    the epoch change in its own event.

    :raise NotFound: no such user.
    """
    epoch = session.execute(
        update(User)
        .where(User.id == user_id)
        .values(auth_epoch=User.auth_epoch + 1)
        .returning(User.auth_epoch)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    if epoch is None:
        raise NotFound()
    return int(epoch)


def check_signin(
    engine: Engine, *, token: str, now: dt.datetime, idle: dt.timedelta = IDLE_TIMEOUT
) -> Actor | None:
    """:func:`resume_signin` in its own transaction, degrading to a read-only check when the
    database refuses writes (read-only file or full disk): signed-in users keep reading while
    IT repairs the database (their idle time still counts from the last recorded visit, so
    such a session ends at most ``idle`` after the database stopped taking writes). New
    sign-ins stay impossible then: a sign-in must be recorded and audited.

    :raise DatabaseUnavailable: the database cannot be read either.
    """
    try:
        with write_session(engine) as s:
            return resume_signin(session=s, token=token, now=now, idle=idle)
    except (DatabaseReadOnly, DatabaseFull):
        with read_session(engine) as s:
            return resume_signin(session=s, token=token, now=now, idle=idle, touch=False)
