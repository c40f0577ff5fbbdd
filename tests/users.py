"""Accounts for db-level tests: create users directly, and bcrypt at cost 4 (tests only)."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from db import accounts, passwords
from db.models import User
from db.policy import SYSTEM, Actor
from db.session import read_session, write_session

GOOD = "correct horse battery"
OTHER = "staple of the ministry"


@pytest.fixture(autouse=True)
def cheap_bcrypt(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hash at cost 4 in tests that import this (production keeps 12)."""
    monkeypatch.setattr(passwords, "BCRYPT_ROUNDS", 4)


def make_user(engine: Engine, username: str, roles: list[str], password: str = GOOD) -> int:
    with write_session(engine) as s:
        user_id, _ = accounts.create_user(
            session=s,
            actor=SYSTEM,
            username=username,
            display_name=username.title(),
            roles=roles,
            password=password,
        )
    return user_id


def actor_of(engine: Engine, user_id: int) -> Actor:
    with read_session(engine) as s:
        user = s.get(User, user_id)
        assert user is not None
        return Actor(
            id=user.id,
            username=user.username,
            roles=user.role_names,
            display_name=user.display_name,
        )
