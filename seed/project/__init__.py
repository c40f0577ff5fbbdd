"""Project the world onto ``until``: table rows as they stood that day, and the audit
events of every transition that had happened by then.

A record exists if it was created by ``until``; its status is the last transition on or
before ``until``; dates of later transitions are left empty. Meetings planned for shortly
after ``until`` exist as ``scheduled`` (with their agenda and panel once those were fixed).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from db.city.profile_file import CityProfile
from db.city.store import profile_events, profile_rows
from seed.audit import SYSTEM, EventLog
from seed.project import accounts, deliberation, lifecycles, outcomes, relations
from seed.project.core import TABLES, Projection, Row
from seed.world import World

__all__ = ["TABLES", "Projection", "Row", "project"]


def project(
    w: World,
    until: dt.date,
    *,
    active: bool,
    password_hash: str,
    profile: CityProfile,
    profile_source: str,
) -> tuple[dict[str, list[Row]], EventLog]:
    """Rows per table (in insert order) and the event log of ``w`` as of ``until``; the
    city's profile first, applied at 09:00 on its first operating day (before any record)."""
    p = Projection(w, until, active=active, password_hash=password_hash)
    zone = ZoneInfo(profile.time_zone)
    applied = dt.datetime.combine(profile.first_operating_day, dt.time(9), zone).astimezone(dt.UTC)
    p.tables.update(profile_rows(profile, source=profile_source, at=applied, actor_id=None))
    for action, entity, entity_id, after in profile_events(profile):
        p.log.add(applied, SYSTEM, action, entity, entity_id, None, after, profile_source)
    accounts.users(p)
    accounts.organizations(p)
    accounts.experts(p)
    accounts.ties(p)
    relations.agreements(p)
    deliberation.meetings(p)  # before technologies: they take their decision times from it
    lifecycles.technologies(p)
    lifecycles.adoptions(p)
    lifecycles.testbeds(p)
    relations.inquiries(p)
    outcomes.outcomes(p)  # last: its event times draw nothing any other record uses
    return p.tables, p.log
