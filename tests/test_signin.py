"""Sign-in: attempts, the back-off, hostile input, and server-side sign-in sessions.

Time is explicit (``now``), never slept. Runs on SQLite and PostgreSQL; bcrypt at cost 4.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select

from db import accounts, clock, passwords
from db.accounts import signin
from db.errors import DomainError
from db.models import AuditEvent, AuthSession, User
from db.policy import Actor
from db.session import read_session, write_session
from tests.users import GOOD, OTHER, actor_of, cheap_bcrypt, make_user  # noqa: F401

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
SEC = dt.timedelta(seconds=1)
MIN = dt.timedelta(minutes=1)


@pytest.fixture
def kim(migrated_engine: Engine) -> int:
    """A staff member, ``kim``, whose password is GOOD."""
    return make_user(migrated_engine, "kim", ["staff", "approver"])


def attempt(engine: Engine, username: str, password: str, now: dt.datetime) -> Actor | str:
    """Sign in the way a page does; the Actor, or the message of the failure."""
    try:
        with write_session(engine) as s:
            return signin.authenticate(session=s, username=username, password=password, now=now)
    except signin.SignInFailed as failed:
        return str(failed)


def can_try(engine: Engine, username: str, now: dt.datetime) -> bool:
    with read_session(engine) as s:
        return signin.account_can_try(session=s, username=username, now=now)


def attempts(engine: Engine) -> list[tuple[str, str | None, str | None, str | None]]:
    """(action, entity_id, reason, after) of every sign-in attempt event, in order."""
    with read_session(engine) as s:
        rows = s.execute(
            select(AuditEvent.action, AuditEvent.entity_id, AuditEvent.reason, AuditEvent.after)
            .where(AuditEvent.action.in_(["signin.success", "signin.failure"]))
            .order_by(AuditEvent.id)
        ).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def counts(engine: Engine) -> tuple[int, int, int]:
    """Rows in users, auth_sessions and audit_events."""
    with read_session(engine) as s:
        return tuple(  # type: ignore[return-value]
            s.execute(select(func.count()).select_from(t)).scalar_one()
            for t in (User, AuthSession, AuditEvent)
        )


def resume(engine: Engine, token: str, now: dt.datetime) -> Actor | None:
    with write_session(engine) as s:
        return signin.resume_signin(session=s, token=token, now=now)


def start(engine: Engine, user_id: int, now: dt.datetime, **kw: dt.timedelta) -> str:
    token = signin.new_token()
    with write_session(engine) as s:
        signin.start_signin(session=s, user_id=user_id, token=token, now=now, **kw)
    return token


# --- attempts --------------------------------------------------------------------------


def test_success_returns_the_actor_and_is_audited(migrated_engine: Engine, kim: int) -> None:
    actor = attempt(migrated_engine, "kim", GOOD, T0)
    assert actor == Actor(
        id=kim, username="kim", roles=frozenset({"staff", "approver"}), display_name="Kim"
    )
    assert attempts(migrated_engine) == [("signin.success", str(kim), None, '{"username":"kim"}')]


def test_username_is_case_insensitive(migrated_engine: Engine, kim: int) -> None:
    actor = attempt(migrated_engine, "KIM", GOOD, T0)
    assert isinstance(actor, Actor) and actor.username == "kim"


def test_every_failure_has_the_same_message(migrated_engine: Engine, kim: int) -> None:
    gone = make_user(migrated_engine, "gone", ["staff"])
    with write_session(migrated_engine) as s:
        accounts.set_active(
            session=s, actor=admin_actor(migrated_engine), user_id=gone, active=False
        )
    messages = {
        "unknown_user": attempt(migrated_engine, "nobody", GOOD, T0),
        "wrong_password": attempt(migrated_engine, "kim", OTHER, T0),
        "disabled": attempt(migrated_engine, "gone", GOOD, T0),
    }
    for i in range(4):
        attempt(migrated_engine, "kim", OTHER, T0 + i * SEC)
    messages["waiting"] = attempt(migrated_engine, "kim", GOOD, T0 + 10 * SEC)
    assert set(messages.values()) == {signin.SIGNIN_FAILED}
    reasons = [(a, e, r) for a, e, r, _ in attempts(migrated_engine)]
    assert reasons[:3] == [
        ("signin.failure", None, "unknown_user"),
        ("signin.failure", str(kim), "wrong_password"),
        ("signin.failure", str(gone), "disabled"),
    ]
    assert reasons[-1] == ("signin.failure", str(kim), "waiting")
    try:
        with write_session(migrated_engine) as s:
            signin.authenticate(session=s, username="nobody", password="", now=T0)
    except signin.SignInFailed as failed:
        assert failed.message == signin.SIGNIN_FAILED and failed.params == {}
        assert isinstance(failed, DomainError)
        assert not hasattr(failed, "reason")


def admin_actor(engine: Engine) -> Actor:
    """An administrator to act with (created on first use)."""
    with read_session(engine) as s:
        found = s.execute(select(User.id).where(User.username == "root")).scalar_one_or_none()
    return actor_of(engine, found if found is not None else make_user(engine, "root", ["admin"]))


def test_back_off_after_five_failures(migrated_engine: Engine, kim: int) -> None:
    for i in range(4):
        assert attempt(migrated_engine, "kim", OTHER, T0 + i * SEC) == signin.SIGNIN_FAILED
        assert can_try(migrated_engine, "kim", T0 + i * SEC)
    fifth = T0 + 4 * SEC
    attempt(migrated_engine, "kim", OTHER, fifth)
    assert not can_try(migrated_engine, "kim", fifth)
    # The 6th attempt, with the right password, is refused while waiting (30 s) ...
    assert attempt(migrated_engine, "kim", GOOD, fifth + 10 * SEC) == signin.SIGNIN_FAILED
    assert attempt(migrated_engine, "kim", GOOD, fifth + 29 * SEC) == signin.SIGNIN_FAILED
    assert not can_try(migrated_engine, "kim", fifth + 29 * SEC)
    # ... and accepted once the wait is over.
    assert can_try(migrated_engine, "kim", fifth + 30 * SEC)
    assert isinstance(attempt(migrated_engine, "kim", GOOD, fifth + 30 * SEC), Actor)
    with read_session(migrated_engine) as s:
        row = s.get(User, kim)
        assert row is not None
        assert (row.failed_attempts, row.first_failed_at, row.next_attempt_at) == (0, None, None)
    reasons = [r for _, _, r, _ in attempts(migrated_engine)]
    assert reasons == ["wrong_password"] * 5 + ["waiting", "waiting", None]
    # The count started over: one more failure does not make kim wait.
    attempt(migrated_engine, "kim", OTHER, fifth + 31 * SEC)
    assert can_try(migrated_engine, "kim", fifth + 31 * SEC)


def test_the_wait_doubles_up_to_fifteen_minutes(migrated_engine: Engine, kim: int) -> None:
    now = T0
    for _ in range(4):
        attempt(migrated_engine, "kim", OTHER, now)
    waits = []
    for _ in range(7):  # failures 5..11, each as soon as allowed
        attempt(migrated_engine, "kim", OTHER, now)
        with read_session(migrated_engine) as s:
            row = s.get(User, kim)
            assert row is not None and row.next_attempt_at is not None
            allowed = clock.as_utc(row.next_attempt_at)
        waits.append(int((allowed - now).total_seconds()))
        assert not can_try(migrated_engine, "kim", allowed - SEC)
        assert can_try(migrated_engine, "kim", allowed)
        now = allowed
    assert waits == [30, 60, 120, 240, 480, 900, 900]
    assert isinstance(attempt(migrated_engine, "kim", GOOD, now), Actor)


def test_attempts_while_waiting_do_not_lengthen_the_wait(migrated_engine: Engine, kim: int) -> None:
    for i in range(5):
        attempt(migrated_engine, "kim", OTHER, T0 + i * SEC)
    for i in range(20):
        attempt(migrated_engine, "kim", OTHER, T0 + (5 + i) * SEC)
    assert isinstance(attempt(migrated_engine, "kim", GOOD, T0 + 34 * SEC), Actor)


def test_failures_older_than_fifteen_minutes_do_not_count(
    migrated_engine: Engine, kim: int
) -> None:
    for i in range(4):
        attempt(migrated_engine, "kim", OTHER, T0 + i * SEC)
    later = T0 + 15 * MIN + 1 * SEC
    attempt(migrated_engine, "kim", OTHER, later)  # a new streak of one
    assert can_try(migrated_engine, "kim", later)
    assert isinstance(attempt(migrated_engine, "kim", GOOD, later + SEC), Actor)


def test_a_quiet_quarter_hour_after_waiting_forgives(migrated_engine: Engine, kim: int) -> None:
    for i in range(6):  # 5 failures, then one more after the 30 s wait: now waits 60 s
        attempt(migrated_engine, "kim", OTHER, T0 + (i if i < 5 else 34) * SEC)
    allowed = T0 + 34 * SEC + 60 * SEC
    attempt(migrated_engine, "kim", OTHER, allowed + 15 * MIN)
    assert can_try(migrated_engine, "kim", allowed + 15 * MIN)


@pytest.mark.parametrize(
    ("failures", "wait"),
    [
        (1, None),
        (4, None),
        (5, 30),
        (6, 60),
        (7, 120),
        (9, 480),
        (10, 900),
        (11, 900),
        (10_000, 900),
    ],
)
def test_backoff_delay(failures: int, wait: int | None) -> None:
    delay = signin.backoff_delay(failures)
    assert (None if delay is None else delay.total_seconds()) == wait


def test_disabled_account_fails_even_with_the_right_password(
    migrated_engine: Engine, kim: int
) -> None:
    with write_session(migrated_engine) as s:
        accounts.set_active(
            session=s, actor=admin_actor(migrated_engine), user_id=kim, active=False
        )
    assert attempt(migrated_engine, "kim", GOOD, T0) == signin.SIGNIN_FAILED
    with read_session(migrated_engine) as s:
        assert s.get(User, kim).failed_attempts == 0  # type: ignore[union-attr]


def test_failure_is_committed_even_when_the_exception_leaves_write_session(
    migrated_engine: Engine, kim: int
) -> None:
    with pytest.raises(signin.SignInFailed), write_session(migrated_engine) as s:
        signin.authenticate(session=s, username="kim", password=OTHER, now=T0)
    with read_session(migrated_engine) as s:
        assert s.get(User, kim).failed_attempts == 1  # type: ignore[union-attr]
    assert [r for _, _, r, _ in attempts(migrated_engine)] == ["wrong_password"]


def test_concurrent_failures_are_all_counted(migrated_engine: Engine, kim: int) -> None:
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(
            pool.map(lambda i: attempt(migrated_engine, "kim", OTHER, T0 + i * SEC), range(4))
        )
    assert results == [signin.SIGNIN_FAILED] * 4
    with read_session(migrated_engine) as s:
        assert s.get(User, kim).failed_attempts == 4  # type: ignore[union-attr]
    assert len(attempts(migrated_engine)) == 4


def test_after_failure_counts_a_streak() -> None:
    count, first, nxt = signin.after_failure(0, None, None, T0)
    assert (count, first, nxt) == (1, T0, None)
    assert signin.after_failure(4, T0, None, T0 + 14 * MIN) == (5, T0, T0 + 14 * MIN + 30 * SEC)
    assert signin.after_failure(4, T0, None, T0 + 15 * MIN) == (1, T0 + 15 * MIN, None)
    naive = T0.replace(tzinfo=None)  # SQLite gives naive UTC back
    assert signin.after_failure(5, naive, naive + 30 * SEC, T0 + 31 * SEC)[0] == 6


# --- hostile input ---------------------------------------------------------------------

HOSTILE = [
    "",
    " ",
    "k" * 10_240,
    "' OR 1=1 --",
    "kim' OR '1'='1",
    "kim'; DROP TABLE users; --",
    "<script>alert(1)</script>",
    "kim\x00",
    "\ud800kim",
    "%s%s%n",
    "kim\n",
]


@pytest.mark.parametrize("username", HOSTILE, ids=range(len(HOSTILE)))
@pytest.mark.parametrize("password", ["", GOOD, "x" * 10_240, "\ud800", "' OR 1=1 --"])
def test_hostile_input_fails_cleanly(
    migrated_engine: Engine, kim: int, username: str, password: str
) -> None:
    before = counts(migrated_engine)
    assert attempt(migrated_engine, username, password, T0) == signin.SIGNIN_FAILED
    users, sessions, events = counts(migrated_engine)
    assert (users, sessions, events) == (before[0], before[1], before[2] + 1)
    ((action, entity_id, reason, after),) = attempts(migrated_engine)
    assert (action, entity_id, reason) == ("signin.failure", None, "unknown_user")
    assert after is not None and len(after) < 64 * 6 + 20
    with read_session(migrated_engine) as s:
        row = s.get(User, kim)
        assert row is not None and row.failed_attempts == 0


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(username=st.text(max_size=200), password=st.text(max_size=200))
def test_any_text_only_ever_raises_sign_in_failed(
    migrated_engine: Engine, username: str, password: str
) -> None:
    result = attempt(migrated_engine, username, password, T0)
    assert result == signin.SIGNIN_FAILED


# --- credentials for the sign-in widget --------------------------------------------------


def test_usable_credentials(migrated_engine: Engine, kim: int) -> None:
    make_user(migrated_engine, "lee", ["auditor"])
    gone = make_user(migrated_engine, "gone", ["staff"])
    with write_session(migrated_engine) as s:
        accounts.set_active(
            session=s, actor=admin_actor(migrated_engine), user_id=gone, active=False
        )
    for i in range(5):
        attempt(migrated_engine, "lee", OTHER, T0 + i * SEC)
    with read_session(migrated_engine) as s:
        creds = signin.usable_credentials(session=s, now=T0 + 10 * SEC)
        later = signin.usable_credentials(session=s, now=T0 + 40 * SEC)
    assert sorted(creds) == ["kim", "lee", "root"]
    assert creds["kim"]["name"] == "Kim" and creds["kim"]["roles"] == ["approver", "staff"]
    assert passwords.check_password(GOOD, creds["kim"]["password"])
    assert creds["lee"]["password"] == passwords.UNUSABLE_PASSWORD
    assert passwords.check_password(GOOD, later["lee"]["password"])
    assert set(creds["kim"]) == {"name", "email", "password", "roles"}


# --- server-side sign-ins ----------------------------------------------------------------


def test_token_is_stored_hashed(migrated_engine: Engine, kim: int) -> None:
    token = start(migrated_engine, kim, T0)
    with read_session(migrated_engine) as s:
        (row,) = s.execute(select(AuthSession)).scalars()
    assert row.id == hashlib.sha256(token.encode()).hexdigest() != token
    assert clock.as_utc(row.expires_at) == T0 + 12 * dt.timedelta(hours=1)
    assert resume(migrated_engine, token, T0 + MIN) == actor_of(migrated_engine, kim)


def test_lifetime_is_twelve_hours_at_most(migrated_engine: Engine, kim: int) -> None:
    token = start(migrated_engine, kim, T0, lifetime=dt.timedelta(days=30))
    now = T0
    while now < T0 + dt.timedelta(hours=12) - 20 * MIN:  # stay active every 20 minutes
        now += 20 * MIN
        assert resume(migrated_engine, token, now) is not None
    assert resume(migrated_engine, token, T0 + dt.timedelta(hours=12) - SEC) is not None
    assert resume(migrated_engine, token, T0 + dt.timedelta(hours=12)) is None
    short = start(migrated_engine, kim, T0, lifetime=dt.timedelta(hours=1))
    assert resume(migrated_engine, short, T0 + 29 * MIN) is not None
    assert resume(migrated_engine, short, T0 + 59 * MIN) is not None
    assert resume(migrated_engine, short, T0 + 61 * MIN) is None


def test_idle_timeout_is_thirty_minutes(migrated_engine: Engine, kim: int) -> None:
    token = start(migrated_engine, kim, T0)
    assert resume(migrated_engine, token, T0 + 30 * MIN) is not None  # touches last_seen_at
    assert resume(migrated_engine, token, T0 + 60 * MIN) is not None
    assert resume(migrated_engine, token, T0 + 90 * MIN + SEC) is None
    quiet = start(migrated_engine, kim, T0)
    assert resume(migrated_engine, quiet, T0 + 31 * MIN) is None


def test_last_seen_is_refreshed_at_most_once_a_minute(migrated_engine: Engine, kim: int) -> None:
    token = start(migrated_engine, kim, T0)

    def last_seen() -> dt.datetime:
        with read_session(migrated_engine) as s:
            return clock.as_utc(s.execute(select(AuthSession.last_seen_at)).scalar_one())

    resume(migrated_engine, token, T0 + 30 * SEC)
    assert last_seen() == T0
    resume(migrated_engine, token, T0 + 61 * SEC)
    assert last_seen() == T0 + 61 * SEC


def test_sign_out(migrated_engine: Engine, kim: int) -> None:
    token = start(migrated_engine, kim, T0)
    other = start(migrated_engine, kim, T0)
    with write_session(migrated_engine) as s:
        signin.end_signin(session=s, token=token, now=T0 + MIN)
    assert resume(migrated_engine, token, T0 + 2 * MIN) is None
    assert resume(migrated_engine, other, T0 + 2 * MIN) is not None  # only this browser
    with read_session(migrated_engine) as s:
        out = s.execute(select(AuditEvent).where(AuditEvent.action == "signout")).scalars().all()
    assert [(e.actor_id, e.entity_id) for e in out] == [(kim, str(kim))]
    before = counts(migrated_engine)
    with write_session(migrated_engine) as s:  # twice, or an unknown token: nothing happens
        signin.end_signin(session=s, token=token, now=T0 + 3 * MIN)
        signin.end_signin(session=s, token="no such token", now=T0 + 3 * MIN)
    assert counts(migrated_engine) == before


def test_unknown_or_empty_token_does_not_resume(migrated_engine: Engine, kim: int) -> None:
    start(migrated_engine, kim, T0)
    assert resume(migrated_engine, "", T0) is None
    assert resume(migrated_engine, signin.new_token(), T0) is None
    assert resume(migrated_engine, "' OR 1=1 --", T0) is None


def test_start_signin_refuses_short_tokens_and_disabled_users(
    migrated_engine: Engine, kim: int
) -> None:
    with pytest.raises(ValueError), write_session(migrated_engine) as s:
        signin.start_signin(session=s, user_id=kim, token="short", now=T0)
    with write_session(migrated_engine) as s:
        accounts.set_active(
            session=s, actor=admin_actor(migrated_engine), user_id=kim, active=False
        )
    with pytest.raises(signin.SignInFailed), write_session(migrated_engine) as s:
        signin.start_signin(session=s, user_id=kim, token=signin.new_token(), now=T0)


def test_recording_the_same_sign_in_again_adds_nothing(migrated_engine: Engine, kim: int) -> None:
    """A page run that recorded a sign-in can be cut short before it kept the token; the
    next run records it once more. That is the same sign-in: no error for the user, no
    second row or audit event, the first lifetime kept."""
    token = start(migrated_engine, kim, T0)
    before = counts(migrated_engine)
    with write_session(migrated_engine) as s:
        signin.start_signin(session=s, user_id=kim, token=token, now=T0 + dt.timedelta(hours=1))
    assert counts(migrated_engine) == before
    with read_session(migrated_engine) as s:
        row = s.get(AuthSession, signin.token_id(token))
        assert row is not None and clock.as_utc(row.created_at) == T0
    assert resume(migrated_engine, token, T0 + dt.timedelta(minutes=5)) is not None


def test_recording_again_never_revives_or_moves_a_sign_in(
    migrated_engine: Engine, kim: int
) -> None:
    lee = make_user(migrated_engine, "lee", ["staff"])
    token = start(migrated_engine, kim, T0)
    with pytest.raises(signin.SignInFailed), write_session(migrated_engine) as s:
        signin.start_signin(session=s, user_id=lee, token=token, now=T0)
    with write_session(migrated_engine) as s:
        signin.end_signin(session=s, token=token, now=T0)
    with pytest.raises(signin.SignInFailed), write_session(migrated_engine) as s:
        signin.start_signin(session=s, user_id=kim, token=token, now=T0)
    assert resume(migrated_engine, token, T0) is None


def _disable(engine: Engine, user_id: int) -> None:
    with write_session(engine) as s:
        accounts.set_active(session=s, actor=admin_actor(engine), user_id=user_id, active=False)


def _change_roles(engine: Engine, user_id: int) -> None:
    with write_session(engine) as s:
        accounts.set_roles(session=s, actor=admin_actor(engine), user_id=user_id, roles=["auditor"])


def _change_password(engine: Engine, user_id: int) -> None:
    with write_session(engine) as s:
        accounts.change_own_password(
            session=s, actor=actor_of(engine, user_id), current=GOOD, new=OTHER
        )


def _reset_password(engine: Engine, user_id: int) -> None:
    with write_session(engine) as s:
        accounts.reset_password(session=s, actor=admin_actor(engine), user_id=user_id)


def _revoke_all(engine: Engine, user_id: int) -> None:
    with write_session(engine) as s:
        signin.revoke_all_signins(session=s, user_id=user_id)


@pytest.mark.parametrize(
    "change",
    [_disable, _change_roles, _change_password, _reset_password, _revoke_all],
    ids=lambda f: f.__name__.strip("_"),
)
def test_account_changes_end_existing_signins(
    migrated_engine: Engine, kim: int, change: object
) -> None:
    token = start(migrated_engine, kim, T0)
    bystander = start(migrated_engine, admin_actor(migrated_engine).id or 0, T0)
    assert resume(migrated_engine, token, T0 + MIN) is not None
    change(migrated_engine, kim)  # type: ignore[operator]
    assert resume(migrated_engine, token, T0 + 2 * MIN) is None
    assert resume(migrated_engine, bystander, T0 + 2 * MIN) is not None


def test_fresh_signin_after_a_password_change(migrated_engine: Engine, kim: int) -> None:
    _change_password(migrated_engine, kim)
    actor = attempt(migrated_engine, "kim", OTHER, T0)
    assert isinstance(actor, Actor)
    token = start(migrated_engine, kim, T0)
    assert resume(migrated_engine, token, T0 + MIN) == actor


def test_revoke_all_signins_unknown_user(migrated_engine: Engine) -> None:
    from db.errors import NotFound

    with pytest.raises(NotFound), write_session(migrated_engine) as s:
        signin.revoke_all_signins(session=s, user_id=12345)
