"""The sign-in back-off per client: a trickle of wrong passwords from one address cannot keep
an account's owner out; an administrator sees the waiting state and releases it.

Runs on SQLite and PostgreSQL; time is explicit (``now``); bcrypt at cost 4.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine, select

from db import accounts
from db.accounts import signin
from db.clock import as_utc
from db.errors import PermissionDenied
from db.models import AuditEvent, SigninThrottle
from db.policy import Actor
from db.session import read_session, write_session
from tests.users import GOOD, OTHER, actor_of, cheap_bcrypt, make_user  # noqa: F401

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
SEC = dt.timedelta(seconds=1)
ATTACKER = "198.51.100.7"
OWNER = "203.0.113.9"


@pytest.fixture
def kim(migrated_engine: Engine) -> int:
    return make_user(migrated_engine, "kim", ["staff"])


def attempt(engine: Engine, password: str, now: dt.datetime, client: str | None) -> Actor | str:
    try:
        with write_session(engine) as s:
            return signin.authenticate(
                session=s, username="kim", password=password, now=now, client=client
            )
    except signin.SignInFailed as failed:
        return str(failed)


def waiting_until(engine: Engine, user_id: int, client: str) -> dt.datetime | None:
    with read_session(engine) as s:
        row = s.get(SigninThrottle, (user_id, signin.client_id(client)))
        return None if row is None or row.next_attempt_at is None else as_utc(row.next_attempt_at)


def test_a_trickle_from_one_address_never_keeps_the_owner_out(
    migrated_engine: Engine, kim: int
) -> None:
    now = T0
    for _ in range(5):  # a burst: the attacker's address must wait
        assert isinstance(attempt(migrated_engine, OTHER, now, ATTACKER), str)
        now += SEC
    for _period in range(12):  # then one wrong password each time its wait is over
        until = waiting_until(migrated_engine, kim, ATTACKER)
        assert until is not None and until > now
        now = until + SEC
        assert isinstance(attempt(migrated_engine, OTHER, now, ATTACKER), str)
        # ...and right after it, the owner signs in from elsewhere
        assert isinstance(attempt(migrated_engine, GOOD, now + SEC, OWNER), Actor)
    # the attacker's address is still held, even with the right password
    assert attempt(migrated_engine, GOOD, now + 2 * SEC, ATTACKER) == str(signin.SignInFailed())


def test_the_back_off_still_holds_the_address_that_fails(migrated_engine: Engine, kim: int) -> None:
    for i in range(5):
        attempt(migrated_engine, OTHER, T0 + i * SEC, OWNER)
    assert isinstance(attempt(migrated_engine, GOOD, T0 + 10 * SEC, OWNER), str)  # waits 30 s
    assert isinstance(attempt(migrated_engine, GOOD, T0 + 40 * SEC, OWNER), Actor)
    assert waiting_until(migrated_engine, kim, OWNER) is None  # a success clears its streak


def test_admin_sees_the_waiting_state_and_releases_it(migrated_engine: Engine, kim: int) -> None:
    admin = actor_of(migrated_engine, make_user(migrated_engine, "root", ["admin"]))
    for i in range(6):
        attempt(migrated_engine, OTHER, T0 + i * SEC, ATTACKER)
    with read_session(migrated_engine) as s:
        state = accounts.signin_states(session=s, actor=admin, now=T0 + 10 * SEC)[kim]
        assert accounts.signin_states(session=s, actor=admin, now=T0 + 1000 * SEC)[kim] == (
            accounts.SigninState(5, None)  # the wait is over; the streak is still there
        )
    assert state.failed_attempts == 5  # (the 6th came while waiting: not checked)
    assert state.waiting_until == waiting_until(migrated_engine, kim, ATTACKER)

    staff = actor_of(migrated_engine, kim)
    with pytest.raises(PermissionDenied), write_session(migrated_engine) as s:
        accounts.release(session=s, actor=staff, user_id=kim, now=T0 + 11 * SEC)
    with write_session(migrated_engine) as s:
        assert accounts.release(session=s, actor=admin, user_id=kim, now=T0 + 12 * SEC)
    with write_session(migrated_engine) as s:  # nothing left: nothing recorded
        assert not accounts.release(session=s, actor=admin, user_id=kim, now=T0 + 13 * SEC)
    assert isinstance(attempt(migrated_engine, GOOD, T0 + 14 * SEC, ATTACKER), Actor)
    with read_session(migrated_engine) as s:
        released = s.scalars(select(AuditEvent).where(AuditEvent.action == "user.release")).all()
        assert kim not in accounts.signin_states(session=s, actor=admin, now=T0 + 15 * SEC)
    assert [e.actor_name for e in released] == ["root"]


def test_without_a_client_the_account_as_a_whole_backs_off(
    migrated_engine: Engine, kim: int
) -> None:
    for i in range(5):
        attempt(migrated_engine, OTHER, T0 + i * SEC, None)
    assert isinstance(attempt(migrated_engine, GOOD, T0 + 10 * SEC, None), str)
    admin = actor_of(migrated_engine, make_user(migrated_engine, "root", ["admin"]))
    with write_session(migrated_engine) as s:
        assert accounts.release(session=s, actor=admin, user_id=kim, now=T0 + 11 * SEC)
    assert isinstance(attempt(migrated_engine, GOOD, T0 + 12 * SEC, None), Actor)
