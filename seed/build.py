"""``seed.build``: fill an empty, migrated database with the deterministic demo data."""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from db.city.profile_file import CityProfile, read_profile
from db.city.store import export_profile, has_profile
from db.errors import N_, DomainError
from db.migrate import is_up_to_date
from db.models import CityProfileRow
from db.passwords import UNUSABLE_PASSWORD, hash_password
from db.session import read_session
from seed import city as seed_city
from seed import outcomes as seed_outcomes
from seed import store
from seed.constants import DEMO_END, DEMO_PASSWORD, GO_LIVE, PLANTED_IRREGULARITIES
from seed.project import project
from seed.timeline import simulate

DEFAULT_PROFILE = seed_city.DEMO_PROFILE
"""The city of the published figures, built when no other profile is given or held."""


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
    profile: Path | None = None,
) -> SeedReport:
    """Write the demo data (every volume x ``scale``) as it stood on ``until``.

    The published figures of 2019-08-08 hold exactly (x ``scale``) whenever ``until`` is on or
    after that date. The same arguments always give the same content (only the bcrypt salt
    of the demo password differs). With ``demo_accounts`` the demo users can sign in with
    :data:`seed.DEMO_PASSWORD`; without, they exist only as inactive actors of the history.
    The city is ``profile`` (a profile file), else the profile the database holds (applied by
    ``python -m db city init``: the database is rebuilt from it), else Daegu's
    (:data:`DEFAULT_PROFILE`, the city of the published figures).

    Another city's world is the demo's in that city's words (``seed.city``): its fields,
    sectors, kinds of organisation, home region(s), numbering, name and own bodies.

    :raise SeedRefused: the database is not migrated, or holds data and ``force`` is false.
    :raise ProfileInvalid: ``profile`` cannot be read.
    :raise ProfileNotBuildable: the profile lacks what the demo world needs (four fields,
        kinds of organisation like the demo's).
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
    city, source = _profile(engine, profile)
    place = seed_city.for_profile(city)
    state = store.contents(engine)
    if state == "data" and not force:
        raise SeedRefused(NOT_EMPTY)
    if state != "empty":
        say("emptying the database (downgrade to base, upgrade to head)")
        store.reset(engine)
    world = simulate(scale, max(until, DEMO_END), say, place)
    say("projecting the records onto " + until.isoformat())
    password = hash_password(DEMO_PASSWORD) if demo_accounts else UNUSABLE_PASSWORD
    tables, log = project(
        world,
        until,
        active=demo_accounts,
        password_hash=password,
        profile=city,
        profile_source=source,
    )
    counts = store.write(engine, tables, log, say)
    head_hash = _head_hash(engine)
    codes = {m.code for m in world.meetings if m.held_on <= until}
    planted = tuple(p for p in PLANTED_IRREGULARITIES if set(p["meeting_codes"]) <= codes)
    return SeedReport(scale, until, counts, head_hash, time.perf_counter() - started, planted)


def _profile(engine: Engine, path: Path | None) -> tuple[CityProfile, str]:
    """The city to build and where its profile came from (see :func:`build`)."""
    if path is None:
        with read_session(engine) as s:
            if has_profile(s):
                row = s.get(CityProfileRow, 1)
                return export_profile(s), row.source if row is not None else ""
        path = DEFAULT_PROFILE
    content = path.read_bytes()
    profile = read_profile(path)
    if path == DEFAULT_PROFILE:  # the demo city's work plan sets annual targets
        profile = seed_outcomes.with_demo_targets(profile)
    return profile, f"{path.name} (SHA-256 {hashlib.sha256(content).hexdigest()})"


def _head_hash(engine: Engine) -> str:
    from sqlalchemy import select

    from db.models import AuditHead

    with engine.connect() as conn:
        return str(conn.execute(select(AuditHead.last_hash).where(AuditHead.id == 1)).scalar_one())
