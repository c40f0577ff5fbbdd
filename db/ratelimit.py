"""Rate limits on actions anyone may start (sign-up) or that write a lot (submissions): at
most so many attempts per key (an e-mail address, an account, a client address) in a window.

Every attempt is one row of ``rate_limit_hits`` (the key stored as a SHA-256, never the
address itself). :func:`take` is called in a transaction of its own *before* the action, so
an attempt counts whether or not the action then succeeds.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from db.clock import as_utc, now_utc
from db.errors import N_, DomainError
from db.models import RateLimitHit


@dataclass(frozen=True)
class Limit:
    """At most ``per_key[kind]`` attempts per key of that kind within ``window``."""

    window: dt.timedelta
    per_key: Mapping[str, int]


LIMITS: Final[dict[str, Limit]] = {
    "signup": Limit(dt.timedelta(hours=1), {"email": 3, "client": 10}),
    "verify_resend": Limit(dt.timedelta(hours=1), {"account": 3, "client": 10}),
    "submit": Limit(dt.timedelta(days=1), {"account": 10, "client": 30}),
}


class RateLimited(DomainError):
    """Too many attempts of one action from one address or for one account."""

    message = N_(
        "Too many attempts in a short time from this connection or for this account. "
        "Nothing was saved; please try again in an hour."
    )


def _key(bucket: str, kind: str, value: str) -> str:
    return hashlib.sha256(f"{bucket}\0{kind}\0{value.strip().lower()}".encode()).hexdigest()


def take(
    session: Session, bucket: str, keys: Mapping[str, str | None], *, now: dt.datetime | None = None
) -> None:
    """Count one attempt of ``bucket`` for each of ``keys`` (``{kind: value}``, a missing
    value not counted) in the caller's transaction, after forgetting attempts older than the
    window.

    :raise RateLimited: one of the keys already reached its limit in the window (nothing
        counted).
    """
    limit = LIMITS[bucket]
    now = as_utc(now or now_utc())
    since = now - limit.window
    session.execute(
        delete(RateLimitHit).where(RateLimitHit.bucket == bucket, RateLimitHit.at < since)
    )
    hashed = {kind: _key(bucket, kind, v) for kind, v in keys.items() if v}
    for kind, key in hashed.items():
        used = session.execute(
            select(func.count(RateLimitHit.id)).where(
                RateLimitHit.bucket == bucket, RateLimitHit.key == key, RateLimitHit.at >= since
            )
        ).scalar_one()
        if used >= limit.per_key[kind]:
            raise RateLimited()
    session.add_all(RateLimitHit(bucket=bucket, key=key, at=now) for key in hashed.values())
    session.flush()
