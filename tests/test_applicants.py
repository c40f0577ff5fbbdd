"""Company accounts: sign-up, verification links (single-use, expiring, stored hashed),
rate limits, and the applicant role in the policy. On SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import Engine, select

from db import accounts, clock, mail, ratelimit
from db.accounts import applicants
from db.errors import DomainError, PermissionDenied, ValidationFailed
from db.models import AuditEvent, EmailToken, User
from db.policy import Actor, require_applicant
from db.session import read_session, write_session
from tests.users import GOOD, actor_of, cheap_bcrypt, make_user  # noqa: F401

EMAIL = "Kim.Ceo@Firm.example"
PASSWORD = "waterproof membrane 2026"


def compose(token: str) -> mail.Letter:
    return mail.Letter(
        subject="Verify", body=f"https://ntp.example/verify_email?token={token}", language="en"
    )


def already() -> mail.Letter:
    return mail.Letter(subject="You have an account", body="Sign in instead.", language="en")


def sign_up(engine: Engine, email: str = EMAIL, **changes: str) -> int | None:
    fields = {"company": "(주)방수기술", "name": "김대표", "email": email, "password": PASSWORD}
    fields.update(changes)
    with write_session(engine) as s:
        return applicants.sign_up(
            session=s, compose=compose, already=already, deliver=False, **fields
        )


def link_token(engine: Engine, email: str = EMAIL) -> str:
    with read_session(engine) as s:
        body = [m for m in mail.messages_to(s, email) if m.kind == "verify"][-1].body
    found = re.search(r"token=([A-Za-z0-9_-]+)", body)
    assert found
    return found.group(1)


def verify(engine: Engine, token: str, now: dt.datetime | None = None) -> int:
    with write_session(engine) as s:
        return applicants.verify_email(session=s, token=token, now=now)


def account(engine: Engine, user_id: int) -> User:
    with read_session(engine) as s:
        user = s.get(User, user_id)
        assert user is not None
        s.expunge(user)
        return user


def test_sign_up_creates_an_unverified_applicant_and_mails_a_link(migrated_engine: Engine) -> None:
    user_id = sign_up(migrated_engine)
    assert user_id is not None
    user = account(migrated_engine, user_id)
    assert user.username == EMAIL.lower() and user.email == EMAIL
    assert user.company_name == "(주)방수기술" and not user.must_change_password
    assert user.email_verified_at is None
    assert actor_of(migrated_engine, user_id).roles == frozenset({"applicant"})
    token = link_token(migrated_engine)
    with read_session(migrated_engine) as s:
        [row] = s.execute(select(EmailToken)).scalars()
        assert row.id == applicants.token_hash(token) and token not in row.id  # stored hashed
        [event] = s.execute(
            select(AuditEvent).where(AuditEvent.action == "account.signup")
        ).scalars()
        assert event.actor_id == user_id and PASSWORD not in (event.after or "")
        [message] = mail.messages_to(s, EMAIL)
        assert message.status == "local"


def test_the_link_verifies_once(migrated_engine: Engine) -> None:
    user_id = sign_up(migrated_engine)
    assert user_id is not None
    token = link_token(migrated_engine)
    assert verify(migrated_engine, token) == user_id
    assert account(migrated_engine, user_id).email_verified_at is not None
    with pytest.raises(DomainError) as replayed:
        verify(migrated_engine, token)
    assert replayed.value.message == applicants.LINK_USED
    with pytest.raises(DomainError) as unknown:
        verify(migrated_engine, token[:-2] + "xx")
    assert unknown.value.message == applicants.LINK_UNKNOWN
    with read_session(migrated_engine) as s:
        events = s.execute(
            select(AuditEvent.action).where(AuditEvent.action == "account.verify")
        ).all()
    assert len(events) == 1


def test_an_expired_link_is_refused_and_a_new_one_replaces_it(migrated_engine: Engine) -> None:
    user_id = sign_up(migrated_engine)
    assert user_id is not None
    old = link_token(migrated_engine)
    later = clock.now_utc() + applicants.VERIFY_LIFETIME + dt.timedelta(seconds=1)
    with pytest.raises(DomainError) as expired:
        verify(migrated_engine, old, now=later)
    assert expired.value.message == applicants.LINK_EXPIRED
    assert account(migrated_engine, user_id).email_verified_at is None
    me = actor_of(migrated_engine, user_id)
    with write_session(migrated_engine) as s:
        applicants.resend_link(session=s, actor=me, compose=compose, deliver=False)
    new = link_token(migrated_engine)
    assert new != old
    with pytest.raises(DomainError):  # the earlier link stopped working
        verify(migrated_engine, old)
    verify(migrated_engine, new)
    with write_session(migrated_engine) as s, pytest.raises(DomainError) as done:
        applicants.resend_link(session=s, actor=me, compose=compose, deliver=False)
    assert done.value.message == applicants.ALREADY_VERIFIED


def test_signing_up_again_creates_nothing_and_tells_the_owner(migrated_engine: Engine) -> None:
    assert sign_up(migrated_engine) is not None
    assert sign_up(migrated_engine, email=EMAIL.upper(), name="Mallory") is None
    with read_session(migrated_engine) as s:
        assert s.execute(select(User.id).where(User.display_name == "Mallory")).first() is None
        kinds = [m.kind for m in mail.messages_to(s, EMAIL)]
    assert kinds == ["verify", "signup_again"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("company", ""),
        ("name", ""),
        ("email", "not-an-address"),
        ("email", "ceo@firm.example\r\nBcc: all@city.example"),
        ("email", "a" * 60 + "@firm.example"),
        ("password", "short"),
        ("password", "password1234"),
    ],
)
def test_bad_sign_ups_are_refused_per_field(
    migrated_engine: Engine, field: str, value: str
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        sign_up(migrated_engine, **{field: value})
    assert field in refused.value.errors
    with read_session(migrated_engine) as s:
        assert s.execute(select(User.id)).first() is None
        assert s.execute(select(EmailToken.id)).first() is None


def test_sign_up_is_rate_limited_per_email_and_per_client(migrated_engine: Engine) -> None:
    def attempt(email: str, client: str) -> None:
        with write_session(migrated_engine) as s:
            ratelimit.take(s, "signup", {"email": email, "client": client})

    limit = ratelimit.LIMITS["signup"]
    for _ in range(limit.per_key["email"]):
        attempt("a@firm.example", "10.0.0.1")
    with pytest.raises(ratelimit.RateLimited):
        attempt("A@firm.example", "10.0.0.2")  # same address, another client
    for i in range(limit.per_key["client"] - limit.per_key["email"]):
        attempt(f"b{i}@firm.example", "10.0.0.1")
    with pytest.raises(ratelimit.RateLimited):
        attempt("c@firm.example", "10.0.0.1")  # same client, another address
    attempt("c@firm.example", "10.0.0.3")
    later = clock.now_utc() + limit.window + dt.timedelta(seconds=1)
    with write_session(migrated_engine) as s:  # the window passed
        ratelimit.take(s, "signup", {"email": "a@firm.example", "client": "10.0.0.1"}, now=later)


def test_an_applicant_holds_no_other_role(migrated_engine: Engine) -> None:
    admin = actor_of(migrated_engine, make_user(migrated_engine, "root", ["admin"]))
    user_id = sign_up(migrated_engine)
    assert user_id is not None
    with write_session(migrated_engine) as s, pytest.raises(ValidationFailed):
        accounts.set_roles(session=s, actor=admin, user_id=user_id, roles=["applicant", "staff"])
    mixed = Actor(id=1, username="x", roles=frozenset({"applicant", "staff"}))
    with pytest.raises(PermissionDenied):
        require_applicant(mixed, action="application.submit")
    require_applicant(actor_of(migrated_engine, user_id), action="application.submit")


def test_submissions_are_rate_limited_per_account_and_per_client(migrated_engine: Engine) -> None:
    limit = ratelimit.LIMITS["submit"]

    def attempt(account: str, client: str) -> None:
        with write_session(migrated_engine) as s:
            ratelimit.take(s, "submit", {"account": account, "client": client})

    for i in range(limit.per_key["account"]):
        attempt("7", f"10.0.1.{i}")
    with pytest.raises(ratelimit.RateLimited):
        attempt("7", "10.0.2.1")
    attempt("8", "10.0.2.1")  # another account is not held back
