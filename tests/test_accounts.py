"""Accounts: password policy, user administration as a role x function table, the CLI.

Runs on SQLite and PostgreSQL (``migrated_engine``); bcrypt runs at cost 4 here (production
keeps 12) so that the many hashes stay fast.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, update

from db import accounts, clock, passwords
from db.accounts import signin, users
from db.errors import Conflict, DomainError, NotFound, PermissionDenied, ValidationFailed
from db.models import AuditEvent, User
from db.policy import SYSTEM
from db.session import read_session, write_session
from tests.users import GOOD, OTHER, actor_of, cheap_bcrypt, make_user  # noqa: F401

ROOT = Path(__file__).resolve().parent.parent
NON_ADMIN_ROLES = ["executive", "auditor", "staff", "approver"]


def events(engine: Engine, action: str | None = None) -> list[AuditEvent]:
    with read_session(engine) as s:
        stmt = select(AuditEvent).order_by(AuditEvent.id)
        if action:
            stmt = stmt.where(AuditEvent.action == action)
        return list(s.execute(stmt).scalars())


def can_sign_in(engine: Engine, username: str, password: str) -> bool:
    try:
        with write_session(engine) as s:
            signin.authenticate(
                session=s, username=username, password=password, now=clock.now_utc()
            )
    except signin.SignInFailed:
        return False
    return True


def user_row(engine: Engine, user_id: int) -> User:
    with read_session(engine) as s:
        user = s.get(User, user_id)
        assert user is not None
        s.expunge(user)
        return user


# --- password policy (no database) ------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "password", "expected"),
    [
        ("kim", "short1!", [accounts.PASSWORD_TOO_SHORT]),
        ("kim", "x" * 129 + "Q1", [accounts.PASSWORD_TOO_LONG]),
        (
            "officer.lee",
            "officer.lee",
            [accounts.PASSWORD_TOO_SHORT, accounts.PASSWORD_HAS_USERNAME],
        ),
        ("officer.lee", "OFFICER.LEE.2024", [accounts.PASSWORD_HAS_USERNAME]),
        ("officer.lee", "my-Officer.Lee-secret", [accounts.PASSWORD_HAS_USERNAME]),
        ("kim", "Qwerty123456", [accounts.PASSWORD_TOO_COMMON]),
        ("kim", "q1w2e3r4t5y6", [accounts.PASSWORD_TOO_COMMON]),
        ("kim", "password", [accounts.PASSWORD_TOO_SHORT, accounts.PASSWORD_TOO_COMMON]),
        ("kim", GOOD, []),
        ("ab", "fab river crossing", []),  # 2-character usernames may appear inside
        ("ab", "AB", [accounts.PASSWORD_TOO_SHORT, accounts.PASSWORD_HAS_USERNAME]),
        ("kim", "x" * 128, []),
        ("kim", "한국어비밀번호는열두글자", []),
        # The sign-in form strips the typed password, so these could never sign in.
        ("kim", " river crossing at dawn", [accounts.PASSWORD_SURROUNDING_SPACE]),
        ("kim", "river crossing at dawn\t", [accounts.PASSWORD_SURROUNDING_SPACE]),
    ],
)
def test_password_problems(username: str, password: str, expected: list[str]) -> None:
    assert accounts.password_problems(username, password) == expected


def test_common_list_is_loaded_once_and_lowercase() -> None:
    first = accounts.common_passwords()
    assert first is accounts.common_passwords()
    assert len(first) > 19_000
    assert "password" in first
    assert all(p == p.lower() for p in first)


def test_generated_passwords_satisfy_the_policy() -> None:
    for name in ("a", "kim", "officer.lee"):
        pw = accounts.generate_password(name)
        assert accounts.password_problems(name, pw) == []
        assert len(pw) >= 16


def test_production_bcrypt_cost_is_12() -> None:
    # The autouse fixture lowers it for speed; production keeps 12 (the CLI test checks a
    # real hash too).
    assert passwords.hash_password.__kwdefaults__ == {"rounds": 12}


# --- create_user ----------------------------------------------------------------------


def test_create_user_generates_a_one_time_password(migrated_engine: Engine) -> None:
    admin = actor_of(migrated_engine, make_user(migrated_engine, "root", ["admin"]))
    with write_session(migrated_engine) as s:
        user_id, one_time = accounts.create_user(
            session=s,
            actor=admin,
            username="officer.lee",
            display_name="Lee Officer",
            roles=["staff", "approver"],
            email="lee@example.go.kr",
        )
    assert accounts.password_problems("officer.lee", one_time) == []
    row = user_row(migrated_engine, user_id)
    assert row.must_change_password and row.is_active and not row.is_demo
    assert row.password_hash != one_time and passwords.check_password(one_time, row.password_hash)
    assert can_sign_in(migrated_engine, "officer.lee", one_time)
    with read_session(migrated_engine) as s:
        assert accounts.needs_password_change(session=s, user_id=user_id)
    (created,) = [e for e in events(migrated_engine, "user.create") if e.entity_id == str(user_id)]
    assert created.actor_id == admin.id and created.actor_name == "root"
    assert '"roles":["staff","approver"]' in (created.after or "")


def test_create_user_with_given_password_still_must_change(migrated_engine: Engine) -> None:
    user_id = make_user(migrated_engine, "kim", ["staff"], password=GOOD)
    assert user_row(migrated_engine, user_id).must_change_password
    assert can_sign_in(migrated_engine, "kim", GOOD)


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"username": ""}, {"username": accounts.USERNAME_INVALID}),
        ({"username": "a" * 65}, {"username": accounts.USERNAME_INVALID}),
        ({"username": "kim lee"}, {"username": accounts.USERNAME_INVALID}),
        ({"username": "kim\n"}, {}),  # surrounding whitespace is trimmed
        ({"username": "김철수"}, {"username": accounts.USERNAME_INVALID}),
        ({"username": "' OR 1=1 --"}, {"username": accounts.USERNAME_INVALID}),
        ({"username": "EXISTING"}, {"username": accounts.USERNAME_TAKEN}),
        ({"display_name": "  "}, {"display_name": accounts.DISPLAY_NAME_INVALID}),
        ({"display_name": "x" * 121}, {"display_name": accounts.DISPLAY_NAME_INVALID}),
        ({"email": "not-an-address"}, {"email": accounts.EMAIL_INVALID}),
        ({"email": "a b@c.kr"}, {"email": accounts.EMAIL_INVALID}),
        ({"email": ""}, {}),
        ({"roles": []}, {"roles": accounts.ROLES_EMPTY}),
        ({"roles": ["staff", "superuser"]}, {"roles": accounts.ROLES_UNKNOWN}),
        ({"password": "short"}, {"password": accounts.PASSWORD_TOO_SHORT}),
        ({"password": "Qwerty123456"}, {"password": accounts.PASSWORD_TOO_COMMON}),
        (
            {"username": "", "roles": [], "email": "x"},
            {
                "username": accounts.USERNAME_INVALID,
                "roles": accounts.ROLES_EMPTY,
                "email": accounts.EMAIL_INVALID,
            },
        ),
    ],
)
def test_create_user_validation(
    migrated_engine: Engine, fields: dict[str, object], errors: dict[str, str]
) -> None:
    make_user(migrated_engine, "existing", ["staff"])
    args: dict[str, object] = {
        "username": "kim",
        "display_name": "Kim",
        "roles": ["staff"],
        "email": None,
        "password": GOOD,
    }
    args.update(fields)
    if not errors:
        with write_session(migrated_engine) as s:
            accounts.create_user(session=s, actor=SYSTEM, **args)  # type: ignore[arg-type]
        return
    before = len(events(migrated_engine))
    with pytest.raises(ValidationFailed) as failed, write_session(migrated_engine) as s:
        accounts.create_user(session=s, actor=SYSTEM, **args)  # type: ignore[arg-type]
    assert failed.value.errors == errors
    with read_session(migrated_engine) as s:
        assert s.execute(select(func.count()).select_from(User)).scalar_one() == 1
    assert len(events(migrated_engine)) == before


def test_no_password_hash_in_any_audit_event(migrated_engine: Engine) -> None:
    admin_id = make_user(migrated_engine, "root", ["admin"])
    admin = actor_of(migrated_engine, admin_id)
    kim = make_user(migrated_engine, "kim", ["staff"])
    with write_session(migrated_engine) as s:
        accounts.reset_password(session=s, actor=admin, user_id=kim)
    with write_session(migrated_engine) as s:
        accounts.change_own_password(session=s, actor=admin, current=GOOD, new=OTHER)
    hashes = {user_row(migrated_engine, i).password_hash for i in (admin_id, kim)}
    for ev in events(migrated_engine):
        text = f"{ev.before} {ev.after} {ev.reason}"
        assert "$2b$" not in text
        assert not any(h in text for h in hashes)
        assert GOOD not in text and OTHER not in text


# --- the permission table --------------------------------------------------------------

AdminCall = Callable[..., object]

ADMIN_FUNCTIONS: dict[str, AdminCall] = {
    "list_users": lambda s, actor, target: accounts.list_users(session=s, actor=actor),
    "create_user": lambda s, actor, target: accounts.create_user(
        session=s, actor=actor, username="newcomer", display_name="New", roles=["staff"]
    ),
    "set_active": lambda s, actor, target: accounts.set_active(
        session=s, actor=actor, user_id=target, active=False
    ),
    "set_roles": lambda s, actor, target: accounts.set_roles(
        session=s, actor=actor, user_id=target, roles=["auditor"]
    ),
    "reset_password": lambda s, actor, target: accounts.reset_password(
        session=s, actor=actor, user_id=target
    ),
}
ACTIONS = {
    "list_users": "user.list",
    "create_user": "user.create",
    "set_active": "user.set_active",
    "set_roles": "user.set_roles",
    "reset_password": "user.reset_password",
}
REFUSED_ROLE_SETS = [[r] for r in NON_ADMIN_ROLES] + [NON_ADMIN_ROLES]


@pytest.mark.parametrize("function", sorted(ADMIN_FUNCTIONS))
@pytest.mark.parametrize("roles", REFUSED_ROLE_SETS, ids="+".join)
def test_non_admins_are_refused_and_the_refusal_is_audited(
    migrated_engine: Engine, roles: list[str], function: str
) -> None:
    actor = actor_of(migrated_engine, make_user(migrated_engine, "tester", roles))
    target = make_user(migrated_engine, "target", ["staff"])
    before_target = user_row(migrated_engine, target)
    with pytest.raises(PermissionDenied), write_session(migrated_engine) as s:
        ADMIN_FUNCTIONS[function](s, actor, target)
    (denied,) = events(migrated_engine, "permission.denied")
    assert denied.actor_id == actor.id and denied.actor_name == "tester"
    assert f'"action":"{ACTIONS[function]}"' in (denied.after or "")
    after_target = user_row(migrated_engine, target)
    assert (after_target.is_active, after_target.auth_epoch, after_target.password_hash) == (
        before_target.is_active,
        before_target.auth_epoch,
        before_target.password_hash,
    )
    with read_session(migrated_engine) as s:
        assert s.execute(select(func.count()).select_from(User)).scalar_one() == 2


@pytest.mark.parametrize("function", sorted(ADMIN_FUNCTIONS))
def test_admin_is_allowed(migrated_engine: Engine, function: str) -> None:
    admin = actor_of(migrated_engine, make_user(migrated_engine, "root", ["admin"]))
    target = make_user(migrated_engine, "target", ["staff"])
    with write_session(migrated_engine) as s:
        ADMIN_FUNCTIONS[function](s, admin, target)
    assert events(migrated_engine, "permission.denied") == []
    if function != "list_users":
        last = events(migrated_engine)[-1]
        assert last.actor_id == admin.id and last.action.startswith("user.")


# --- each admin function ---------------------------------------------------------------


def test_list_users(migrated_engine: Engine) -> None:
    admin_id = make_user(migrated_engine, "root", ["admin"])
    kim = make_user(migrated_engine, "kim", ["approver", "staff"])
    now = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    with write_session(migrated_engine) as s:
        signin.start_signin(session=s, user_id=kim, token=signin.new_token(), now=now)
    with read_session(migrated_engine) as s:
        rows = accounts.list_users(session=s, actor=actor_of(migrated_engine, admin_id))
    assert [r["username"] for r in rows] == ["kim", "root"]
    kim_row = rows[0]
    assert set(kim_row) == {
        "id",
        "username",
        "display_name",
        "email",
        "roles",
        "is_active",
        "is_demo",
        "must_change_password",
        "created_at",
        "last_signin_at",
    }
    assert kim_row["roles"] == ["staff", "approver"]
    assert kim_row["last_signin_at"] == now
    assert rows[1]["last_signin_at"] is None
    assert "password_hash" not in kim_row


def test_disable_and_enable(migrated_engine: Engine) -> None:
    admin = actor_of(migrated_engine, make_user(migrated_engine, "root", ["admin"]))
    kim = make_user(migrated_engine, "kim", ["staff"])
    with write_session(migrated_engine) as s:
        accounts.set_active(session=s, actor=admin, user_id=kim, active=False)
    assert not user_row(migrated_engine, kim).is_active
    assert not can_sign_in(migrated_engine, "kim", GOOD)
    (disabled,) = events(migrated_engine, "user.disable")
    assert disabled.before == '{"auth_epoch":0,"is_active":true}'
    assert disabled.after == '{"auth_epoch":1,"is_active":false}'
    with write_session(migrated_engine) as s:  # already disabled: nothing to do
        accounts.set_active(session=s, actor=admin, user_id=kim, active=False)
    assert len(events(migrated_engine, "user.disable")) == 1
    with write_session(migrated_engine) as s:
        accounts.set_active(session=s, actor=admin, user_id=kim, active=True)
    assert can_sign_in(migrated_engine, "kim", GOOD)
    assert len(events(migrated_engine, "user.enable")) == 1


def test_admin_cannot_disable_themselves(migrated_engine: Engine) -> None:
    admin_id = make_user(migrated_engine, "root", ["admin"])
    admin = actor_of(migrated_engine, admin_id)
    with pytest.raises(DomainError) as refused, write_session(migrated_engine) as s:
        accounts.set_active(session=s, actor=admin, user_id=admin_id, active=False)
    assert refused.value.message == accounts.CANNOT_DISABLE_SELF
    assert user_row(migrated_engine, admin_id).is_active


def test_set_roles(migrated_engine: Engine) -> None:
    admin = actor_of(migrated_engine, make_user(migrated_engine, "root", ["admin"]))
    kim = make_user(migrated_engine, "kim", ["staff"])
    with write_session(migrated_engine) as s:
        accounts.set_roles(session=s, actor=admin, user_id=kim, roles=["approver", "staff"])
    assert actor_of(migrated_engine, kim).roles == {"staff", "approver"}
    (changed,) = events(migrated_engine, "user.set_roles")
    assert changed.before == '{"auth_epoch":0,"roles":["staff"]}'
    assert changed.after == '{"auth_epoch":1,"roles":["staff","approver"]}'
    with pytest.raises(ValidationFailed) as failed, write_session(migrated_engine) as s:
        accounts.set_roles(session=s, actor=admin, user_id=kim, roles=[])
    assert failed.value.errors == {"roles": accounts.ROLES_EMPTY}
    with pytest.raises(NotFound), write_session(migrated_engine) as s:
        accounts.set_roles(session=s, actor=admin, user_id=9999, roles=["staff"])


def test_admin_cannot_drop_their_own_admin_role(migrated_engine: Engine) -> None:
    admin_id = make_user(migrated_engine, "root", ["admin"])
    admin = actor_of(migrated_engine, admin_id)
    with pytest.raises(DomainError) as refused, write_session(migrated_engine) as s:
        accounts.set_roles(session=s, actor=admin, user_id=admin_id, roles=["staff"])
    assert refused.value.message == accounts.CANNOT_DROP_OWN_ADMIN
    assert actor_of(migrated_engine, admin_id).roles == {"admin"}
    with write_session(migrated_engine) as s:  # adding roles to oneself is fine
        accounts.set_roles(session=s, actor=admin, user_id=admin_id, roles=["admin", "auditor"])
    assert actor_of(migrated_engine, admin_id).roles == {"admin", "auditor"}


def test_reset_password(migrated_engine: Engine) -> None:
    admin = actor_of(migrated_engine, make_user(migrated_engine, "root", ["admin"]))
    kim = make_user(migrated_engine, "kim", ["staff"])
    with write_session(migrated_engine) as s:
        accounts.change_own_password(
            session=s, actor=actor_of(migrated_engine, kim), current=GOOD, new=OTHER
        )
    assert not user_row(migrated_engine, kim).must_change_password
    with write_session(migrated_engine) as s:
        one_time = accounts.reset_password(session=s, actor=admin, user_id=kim)
    assert user_row(migrated_engine, kim).must_change_password
    assert not can_sign_in(migrated_engine, "kim", OTHER)
    assert can_sign_in(migrated_engine, "kim", one_time)


def test_change_own_password(migrated_engine: Engine) -> None:
    kim = make_user(migrated_engine, "kim", ["staff"])
    actor = actor_of(migrated_engine, kim)
    cases = [
        ("wrong current password", OTHER, {"current": accounts.CURRENT_PASSWORD_WRONG}),
        (GOOD, "short", {"new": accounts.PASSWORD_TOO_SHORT}),
        (GOOD, "kim-is-my-password", {"new": accounts.PASSWORD_HAS_USERNAME}),
        (GOOD, "Qwerty123456", {"new": accounts.PASSWORD_TOO_COMMON}),
        (GOOD, GOOD, {"new": accounts.PASSWORD_UNCHANGED}),
    ]
    for current, new, errors in cases:
        with pytest.raises(ValidationFailed) as failed, write_session(migrated_engine) as s:
            accounts.change_own_password(session=s, actor=actor, current=current, new=new)
        assert failed.value.errors == errors
    assert events(migrated_engine, "user.change_password") == []
    with write_session(migrated_engine) as s:
        accounts.change_own_password(session=s, actor=actor, current=GOOD, new=OTHER)
    row = user_row(migrated_engine, kim)
    assert not row.must_change_password and row.password_changed_at is not None
    assert can_sign_in(migrated_engine, "kim", OTHER)
    assert not can_sign_in(migrated_engine, "kim", GOOD)
    (changed,) = events(migrated_engine, "user.change_password")
    assert changed.actor_id == kim


def test_compare_and_set_refuses_a_stale_read(migrated_engine: Engine) -> None:
    kim = make_user(migrated_engine, "kim", ["staff"])
    with pytest.raises(Conflict) as lost, write_session(migrated_engine) as s:
        stale = s.get(User, kim)
        assert stale is not None
        # Someone else's change lands between our read and our write.
        s.execute(
            update(User)
            .where(User.id == kim)
            .values(auth_epoch=User.auth_epoch + 1)
            .execution_options(synchronize_session=False)
        )
        users._compare_and_set(s, stale, is_active=False)
    assert lost.value.message == accounts.CHANGED_MEANWHILE
    assert user_row(migrated_engine, kim).is_active


# --- python -m db create-admin ---------------------------------------------------------


def _cli(db_file: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db_file}", "NTP_DEMO": "0"}
    return subprocess.run(
        [sys.executable, "-m", "db", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_create_admin_cli(tmp_path: Path) -> None:
    db_file = tmp_path / "x.sqlite3"  # does not exist yet: the command migrates it
    done = _cli(db_file, "create-admin", "chief")
    assert done.returncode == 0, done.stderr
    match = re.search(r"One-time password: (\S+)", done.stdout)
    assert match and "chief" in done.stdout
    one_time = match.group(1)

    from db.engine import make_engine

    engine = make_engine(f"sqlite:///{db_file}")
    try:
        with write_session(engine) as s:
            actor = signin.authenticate(
                session=s, username="chief", password=one_time, now=clock.now_utc()
            )
        assert actor.roles == {"admin"}
        with read_session(engine) as s:
            assert accounts.needs_password_change(session=s, user_id=actor.id or 0)
        (created,) = events(engine, "user.create")
        assert created.actor_name == "system" and created.actor_id is None
        with read_session(engine) as s:
            assert s.execute(select(User.password_hash)).scalar_one().startswith("$2b$12$")
    finally:
        engine.dispose()

    again = _cli(db_file, "create-admin", "CHIEF")
    assert again.returncode == 2
    assert again.stderr.strip() == accounts.USERNAME_TAKEN
    assert "password" not in again.stdout.lower()

    bad = _cli(db_file, "create-admin", "chief officer")
    assert bad.returncode == 2
    assert bad.stderr.strip() == accounts.USERNAME_INVALID
