"""The state of one projection: ``until``, the ids, the rows collected so far, the clock.

Ids follow creation order, so they grow with time like the app's own would (experts keep
``idx + 1``, already used by the panel draws). Registration numbers are assigned here too, in
the city's pattern: year of submission, running number within the year (within all time for
a pattern without a year).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from seed.audit import SYSTEM, Actor, Clock, EventLog
from seed.model import Adoption, Agreement, Inquiry, Meeting, Org, Tech, Testbed, Tie
from seed.world import World

Row = dict[str, Any]
TABLES = (
    "city_profile",
    "field_terms",
    "sector_terms",
    "organisation_kind_terms",
    "criterion_terms",
    "regulation_versions",
    "organizations",
    "users",
    "user_roles",
    "experts",
    "expert_fields",
    "expert_ties",
    "agreements",
    "technologies",
    "meetings",
    "panel_seats",
    "adoptions",
    "testbeds",
    "agenda_items",
    "evaluations",
    "evaluation_scores",
    "inquiries",
    "inquiry_followups",
    "contracts",
    "adoption_evaluations",
    "testbed_sales",
)
"""Every table the seed fills, in an order that satisfies the foreign keys."""


class Projection:
    """Rows of every table and the event log for one ``until``, built by the sibling
    modules; decision times are shared between them through the dicts below."""

    def __init__(self, w: World, until: dt.date, *, active: bool, password_hash: str) -> None:
        self.w, self.until = w, until
        self.active, self.password_hash = active, password_hash
        self.clock = Clock(w.rng)
        self.log = EventLog()
        self.tables: dict[str, list[Row]] = {t: [] for t in TABLES}
        self.actors: dict[str, Actor] = {}
        self.tech_decision: dict[int, tuple[dt.datetime, str, str | None]] = {}
        self.testbed_decision: dict[int, dt.datetime] = {}
        self.adoption_review: dict[int, tuple[dt.datetime, str]] = {}
        self.tech_submitted: dict[int, dt.datetime] = {}
        self.orgs: list[Org] = []
        self.ties: list[Tie] = []
        self.techs: list[Tech] = []
        self.meetings: list[Meeting] = []
        self.adoptions: list[Adoption] = []
        self.testbeds: list[Testbed] = []
        self.inquiries: list[Inquiry] = []
        self.agreements: list[Agreement] = []
        self.assign_ids()

    def on(self, d: dt.date | None) -> bool:
        """Had ``d`` happened by ``until``?"""
        return d is not None and d <= self.until

    def actor(self, key: str) -> Actor:
        """The user behind a role key of the world (``staff``, ``approver``, ...)."""
        return SYSTEM if key == "system" else self.actors[key]

    def assign_ids(self) -> None:
        """Ids in creation order for every record that exists on ``until``."""
        w, on = self.w, self.on
        self.orgs = sorted(
            (o for o in w.orgs if on(o.first_use)), key=lambda o: (o.first_use, o.seq)
        )
        for i, o in enumerate(self.orgs, 1):
            o.id = i
        self.ties = sorted(
            (t for t in w.ties if on(t.recorded_on)), key=lambda t: (t.recorded_on, t.seq)
        )
        for i, tie in enumerate(self.ties, 1):
            tie.id = i
        self.techs = sorted(
            (t for t in w.techs if on(t.submitted_on)), key=lambda t: (t.submitted_on, t.seq)
        )
        pattern = w.city.reg_no
        per_year: dict[int | None, int] = defaultdict(int)
        for i, t in enumerate(self.techs, 1):
            t.id = i
            year = t.submitted_on.year
            per_year[year if pattern.has_year() else None] += 1
            t.reg_no = pattern.format(year, per_year[year if pattern.has_year() else None])
        self.meetings = [m for m in w.meetings if on(m.created_on)]
        seat_id = item_id = eval_id = 0
        for i, m in enumerate(self.meetings, 1):
            m.id = i
            for s in m.seats if on(m.draw_on) else ():
                seat_id += 1
                s.id = seat_id
            for it in m.items if on(m.agenda_on) else ():
                item_id += 1
                it.id = item_id
                for ev in it.evaluations if on(m.held_on) else ():
                    eval_id += 1
                    ev.id = eval_id
        self.adoptions = sorted(
            (a for a in w.adoptions if on(a.proposed_on)), key=lambda a: (a.proposed_on, a.seq)
        )
        for i, a in enumerate(self.adoptions, 1):
            a.id = i
        self.testbeds = sorted(
            (t for t in w.testbeds if on(t.imported_on or t.applied_on)),
            key=lambda t: (t.applied_on, t.seq),
        )
        for i, tb in enumerate(self.testbeds, 1):
            tb.id = i
        self.inquiries = sorted(
            (q for q in w.inquiries if on(q.received_on)), key=lambda q: (q.received_on, q.seq)
        )
        for i, q in enumerate(self.inquiries, 1):
            q.id = i
        self.agreements = sorted(
            (a for a in w.agreements if on(a.planned_on)), key=lambda a: (a.planned_on, a.seq)
        )
        for i, ag in enumerate(self.agreements, 1):
            ag.id = i
