"""Adoption proposals: a registered technology proposed by staff for a named city project.

Proposals go to the next adoption review; the approver then approves or rejects according
to the panel's decision (``seed.meetings``). The approver never approves their own proposal:
proposals come from the two staff accounts only.
"""

from __future__ import annotations

import datetime as dt
import math

from seed import texts
from seed.model import Adoption, Tech
from seed.world import World, month_bounds


def new_adoption(w: World, tech: Tech, proposed_on: dt.date) -> Adoption:
    """A proposal for ``tech`` in a plausible city project of its field group."""
    district = w.pick(w.city.districts)
    obj = w.pick(w.city.project_objects[tech.group])
    budget = math.exp(w.rng.gauss(math.log(3e8), 0.9))
    budget = int(min(max(budget, 3e7), 5e9) // 1_000_000 * 1_000_000)
    a = Adoption(
        seq=len(w.adoptions),
        tech=tech,
        project_name=f"{district} {obj} {w.pick(texts.PROJECT_WORKS)}",
        department=w.pick(texts.DEPARTMENTS[tech.group]),
        budget_krw=budget,
        year=proposed_on.year if proposed_on.month < 10 else proposed_on.year + 1,
        justification=w.pick(texts.JUSTIFICATIONS).format(pct=w.rng.randint(8, 30)),
        proposed_on=proposed_on,
        proposer=w.pick(("staff", "staff2")),
    )
    w.adoptions.append(a)
    return a


def propose_month(
    w: World, year: int, month: int, registered: list[Tech], adopted: set[int], end: dt.date
) -> list[Adoption]:
    """This month's proposals, from technologies registered (and not ending) by then."""
    first, last = month_bounds(year, month)
    last = min(last, end)
    out: list[Adoption] = []
    if not registered or last < first:
        return out
    for on in sorted(w.date_between(first, last) for _ in range(w.rate(2.5, year, month))):
        for _ in range(30):
            tech = w.pick(registered)
            assert tech.decided_on is not None
            if tech.decided_on > on - dt.timedelta(days=3):
                continue
            if tech.ended_on is not None and tech.ended_on <= on + dt.timedelta(days=200):
                continue
            if tech.seq in adopted and not w.chance(0.2):
                continue
            if not tech.owner.is_local and w.chance(0.15):
                continue
            adopted.add(tech.seq)
            out.append(new_adoption(w, tech, on))
            break
    return out
