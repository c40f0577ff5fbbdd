"""Build the whole world, from the set-up week of December 2018 to the horizon.

Order matters for determinism and for consistency: first everything that does not depend on
meeting outcomes (organisations, experts, the calendar, the published agendas, the intake of
technologies, testbed rounds, inquiries, agreements); then the meetings month by month, each
month's adoption proposals (which need the technologies registered so far) before its
meetings.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from seed import bodies, outcomes, people, programs, published, schedule
from seed.adoptions import propose_month
from seed.city import City
from seed.constants import LOOKAHEAD_DAYS, PLANTED_BY_CODE, PUBLISHED_AS_OF, SETUP_DAY
from seed.meetings import REPEATED_GROUP, Deliberations
from seed.model import Meeting
from seed.orgs import OrgPool
from seed.technologies import arrivals, dates_before, new_tech
from seed.world import World

Progress = Callable[[str], None]
INTAKE_START = dt.date(2019, 6, 17)  # the running intake reviewed after the press release


def simulate(scale: int, horizon: dt.date, progress: Progress, city: City) -> World:
    """Every record of the demo at ``scale`` in ``city`` with lifecycles up to ``horizon``
    (and the meetings planned up to ``LOOKAHEAD_DAYS`` later)."""
    w = World(scale=scale, horizon=horizon, city=city)
    orgs = OrgPool(w)
    for body in (bodies.CITY, bodies.BAI):
        orgs.body(body).use(SETUP_DAY)
    for _ in range(25 * min(scale, 10)):
        orgs.new_institution()
    for _ in range(10 * min(scale, 3)):
        orgs.new_university()
    orgs.grow_companies(local=160 * scale, other=340 * scale)

    progress("planning the expert pool")
    people.published_pool(w, orgs)
    people.later_pool(w, orgs, PUBLISHED_AS_OF + dt.timedelta(days=1), horizon)
    people.retirements(w)
    people.ties(w, orgs)

    progress("planning meetings, technologies, testbeds, inquiries and agreements")
    meetings = schedule.schedule(w, horizon + dt.timedelta(days=LOOKAHEAD_DAYS))
    agreements = programs.agreements(w, orgs)
    dge = [a for a in agreements if a.partner is w.bodies.get(bodies.DGE.key)]
    first_testbeds = programs.published_testbeds(w, orgs)
    published.registration_agendas(w, orgs, meetings, first_testbeds)
    published.adoption_agendas(w, meetings)
    delib = Deliberations(w)
    _reserve(w, orgs, delib, meetings, first_testbeds)
    for tech in arrivals(w, orgs, INTAKE_START, horizon):
        delib.enqueue(tech)
    delib.applications = programs.testbed_applications(w, orgs, horizon, dge)
    delib.new_application = lambda on: programs.testbed_application(w, orgs, on, dge)
    programs.published_inquiries(w, orgs)
    programs.later_inquiries(w, orgs, horizon)

    progress("holding the meetings")
    by_month: dict[tuple[int, int], list[Meeting]] = {}
    for m in meetings:
        by_month.setdefault((m.held_on.year, m.held_on.month), []).append(m)
    adopted: set[int] = {a.tech.seq for a in w.adoptions}
    for y, mo in w.months(meetings[0].held_on, meetings[-1].held_on):
        if (y, mo) >= (2019, 8):
            delib.proposals += propose_month(w, y, mo, delib.registered, adopted, horizon)
        for m in by_month.get((y, mo), []):
            delib.hold(m)
    for t in first_testbeds:
        if t.certified_on is None and t.tech.decided_on is not None:
            programs.certify_acrylate(w, t)
    programs.link_adoptions(w, agreements)
    outcomes.plan(w)  # last, with its own random draws: nothing above changes
    return w


def _reserve(
    w: World, orgs: OrgPool, delib: Deliberations, meetings: list[Meeting], first_testbeds: list
) -> None:
    """Technologies that must be on particular agendas: the acrylate method at the first
    registration reviews after the press release, and one per planted meeting (the repeated
    applicant's at the five meetings of that irregularity)."""
    later = [m for m in meetings if not m.phase_a and m.kind == "registration_review"]
    acrylates = [t.tech for t in first_testbeds if t.certified_on is None]
    for tech, m in zip(acrylates, later, strict=False):
        tech.reserved_for = m.code
        delib.enqueue(tech)
    applicant = orgs.new_company(False)
    for m in meetings:
        if m.code not in PLANTED_BY_CODE:
            continue
        repeated = PLANTED_BY_CODE[m.code] == "repeated_panelist_for_applicant"
        owner = applicant if repeated else orgs.company(w.chance(0.3))
        group = REPEATED_GROUP if repeated else w.pick(list(w.city.field_groups))
        fields = w.city.field_groups[group]
        field = w.weighted(fields, [w.city.field_weights[f] for f in fields])
        sub, scr, rev = dates_before(w, m.agenda_on, m.agenda_on - dt.timedelta(days=90))
        tech = new_tech(w, owner, sub, field=field)
        tech.screening_on, tech.review_on = scr, rev
        tech.reserved_for = m.code
        if repeated:
            tech.forced = "passed"
        delib.enqueue(tech)
