"""Password hashing (bcrypt) and the password policy."""

from __future__ import annotations

import bcrypt

BCRYPT_ROUNDS = 12
UNUSABLE_PASSWORD = "!"  # noqa: S105 - a marker that never matches, not a password  # never matches: accounts that cannot sign in with a password


def hash_password(password: str, *, rounds: int = BCRYPT_ROUNDS) -> str:
    # bcrypt reads at most 72 bytes (bcrypt 5 refuses longer input); both sides truncate.
    return bcrypt.hashpw(password.encode("utf-8")[:72], bcrypt.gensalt(rounds)).decode("ascii")


def check_password(password: str, hashed: str) -> bool:
    """True when ``password`` matches ``hashed``; False for unusable or malformed hashes."""
    if not hashed or hashed.startswith(UNUSABLE_PASSWORD):
        return False
    try:
        return bcrypt.checkpw(password.encode("utf-8")[:72], hashed.encode("ascii"))
    except ValueError:
        return False
