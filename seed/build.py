"""``seed.build``: fill an empty, migrated database with the deterministic demo data."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine

from db.errors import N_, DomainError
from db.migrate import is_up_to_date
from db.passwords import UNUSABLE_PASSWORD, hash_password
from seed import store
from seed.constants import DEMO_END, DEMO_PASSWORD, GO_LIVE, PLANTED_IRREGULARITIES
from seed.project import project
from seed.timeline import simulate


class SeedRefused(DomainError):
    """The seed will not run on this database (not migrated, or already holding data)."""

    message = N_("The demo data cannot be written to this database.")


NOT_MIGRATED = N_(
    "The database is not migrated to the current schema; run `python -m db upgrade` first."
)
NOT_EMPTY = N_(
    "The database already holds data, so nothing was changed (use --force, or force=True, to "
    "replace everything in it with the demo data)."
)


@dataclass(frozen=True)
class SeedReport:
    """What :func:`build` wrote: rows per table, the audit chain's head, the time taken."""

    scale: int
    until: dt.date
    counts: dict[str, int]
    head_hash: str
    seconds: float
    planted: tuple[dict[str, Any], ...] = field(default=())

    @property
    def audit_events(self) -> int:
        return self.counts.get("audit_events", 0)

    def summary(self) -> str:
        lines = [f"Demo data at scale {self.scale} as of {self.until.isoformat()}:"]
        width = max(len(k) for k in self.counts)
        lines += [f"  {name:<{width}}  {n:>10,}" for name, n in self.counts.items()]
        lines.append(f"  audit head {self.head_hash[:16]}...")
        lines.append(f"Done in {self.seconds:.1f} s.")
        return "\n".join(lines)


def build(
    engine: Engine,
    *,
    scale: int = 1,
    until: dt.date = DEMO_END,
    demo_accounts: bool = True,
    force: bool = False,
    progress: Callable[[str], None] | None = None,
) -> SeedReport:
    """Write the demo data (every volume x ``scale``) as it stood on ``until``.

    The published figures of 2019-08-08 hold exactly (x ``scale``) whenever ``until`` is on or
    after that date. The same arguments always give the same content (only the bcrypt salt
    of the demo password differs). With ``demo_accounts`` the demo users can sign in with
    :data:`seed.DEMO_PASSWORD`; without, they exist only as inactive actors of the history.

    :raise SeedRefused: the database is not migrated, or holds data and ``force`` is false.
    :raise ValueError: ``scale`` < 1 or ``until`` before the platform went live.
    """
    say = progress or (lambda _msg: None)
    if not isinstance(scale, int) or scale < 1:
        raise ValueError("scale must be a positive integer")
    if until < GO_LIVE:
        raise ValueError(f"until must be on or after {GO_LIVE.isoformat()} (go-live)")
    started = time.perf_counter()
    if not is_up_to_date(engine):
        raise SeedRefused(NOT_MIGRATED)
    if not store.is_empty(engine):
        if not force:
            raise SeedRefused(NOT_EMPTY)
        say("emptying the database (downgrade to base, upgrade to head)")
        store.reset(engine)
    world = simulate(scale, max(until, DEMO_END), say)
    say("projecting the records onto " + until.isoformat())
    password = hash_password(DEMO_PASSWORD) if demo_accounts else UNUSABLE_PASSWORD
    tables, log = project(world, until, active=demo_accounts, password_hash=password)
    counts = store.write(engine, tables, log, say)
    head_hash = _head_hash(engine)
    codes = {m.code for m in world.meetings if m.held_on <= until}
    planted = tuple(p for p in PLANTED_IRREGULARITIES if set(p["meeting_codes"]) <= codes)
    return SeedReport(scale, until, counts, head_hash, time.perf_counter() - started, planted)


def _head_hash(engine: Engine) -> str:
    from sqlalchemy import select

    from db.models import AuditHead

    with engine.connect() as conn:
        return str(conn.execute(select(AuditHead.last_hash).where(AuditHead.id == 1)).scalar_one())
