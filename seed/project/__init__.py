"""Project the world onto ``until``: table rows as they stood that day, and the audit
events of every transition that had happened by then.

A record exists if it was created by ``until``; its status is the last transition on or
before ``until``; dates of later transitions are left empty. Meetings planned for shortly
after ``until`` exist as ``scheduled`` (with their agenda and panel once those were fixed).
"""

from __future__ import annotations

import datetime as dt

from seed.audit import EventLog
from seed.project import accounts, deliberation, lifecycles, relations
from seed.project.core import TABLES, Projection, Row
from seed.world import World

__all__ = ["TABLES", "Projection", "Row", "project"]


def project(
    w: World, until: dt.date, *, active: bool, password_hash: str
) -> tuple[dict[str, list[Row]], EventLog]:
    """Rows per table (in insert order) and the event log of ``w`` as of ``until``."""
    p = Projection(w, until, active=active, password_hash=password_hash)
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
    return p.tables, p.log
