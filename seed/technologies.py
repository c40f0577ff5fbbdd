"""Technologies: titles, owners, fields, sectors, certifications and lifecycle dates.

A technology is submitted, screened by staff, sent to expert review (from then on it waits
in its field group's queue, ``seed.meetings``), and registered or rejected by the meeting
that reviews it. A few registered ones later expire or are withdrawn.
"""

from __future__ import annotations

import datetime as dt

from seed import texts
from seed.constants import GO_LIVE, PUBLISHED_AS_OF
from seed.model import Org, Tech
from seed.orgs import OrgPool
from seed.world import World, month_bounds

CERTIFICATIONS = {
    "construction_new_technology": 30,
    "green_technology": 12,
    "patent": 40,
    "innovation_product": 8,
    "none": 10,
}


def _sector(w: World, field: str) -> str:
    """A growth sector of the demo's for a technology of ``field`` (``new_tech`` makes it
    the city's)."""
    r = w.rng.random()
    if field == "energy" and r < 0.7:
        return "renewable_energy"
    if field in ("water_sewage", "rivers") and r < 0.6:
        return "water"
    if field in ("communications", "electrical", "urban_planning") and r < 0.5:
        return "smart_city"
    if field == "equipment":
        if r < 0.15:
            return "intelligent_vehicle_robotics"
        if r < 0.23:
            return "medical"
    if field == "building" and r < 0.03:
        return "medical"
    return "smart_city" if w.chance(0.04) else "none"


def new_tech(
    w: World,
    owner: Org,
    submitted_on: dt.date,
    *,
    field: str | None = None,
    title: tuple[str, str] | None = None,
    sector: str | None = None,
    certification: str | None = None,
) -> Tech:
    """A technology submitted on ``submitted_on`` by ``owner`` (lifecycle dates come later)."""
    city = w.city
    field = field or w.weighted(list(city.field_weights), list(city.field_weights.values()))
    noun_ko, noun_en = w.pick(city.tech_nouns[field])
    if title is None:
        mod_ko, mod_en = w.pick(texts.TECH_MODIFIERS)
        suf_ko, suf_en = w.pick(texts.TECH_SUFFIXES)
        title = (f"{mod_ko} {noun_ko} {suf_ko}", f"{mod_en} {noun_en} {suf_en}")
    owner.use(submitted_on)
    seq = len(w.techs)
    tech = Tech(
        seq=seq,
        title_ko=title[0],
        title_en=title[1],
        summary=w.pick(texts.TECH_SUMMARY).format(noun=noun_ko),
        owner=owner,
        field=field,
        group=city.group_of_field[field],
        sector=city.sector(sector or _sector(w, field), seq),
        certification=certification
        or w.weighted(list(CERTIFICATIONS), list(CERTIFICATIONS.values())),
        submitted_on=submitted_on,
        actor=w.pick(("staff", "staff2")),
    )
    w.techs.append(tech)
    return tech


def screen(w: World, tech: Tech, start: dt.date) -> None:
    """Screening starts a few days after ``start``; review follows once documents are complete."""
    tech.screening_on = w.after(start, 2, 10)
    tech.review_on = w.after(tech.screening_on, 5, 25)


def dates_before(
    w: World, agenda_on: dt.date, earliest: dt.date = GO_LIVE
) -> tuple[dt.date, dt.date, dt.date]:
    """(submitted, screening, review) dates that fit before an agenda fixed on ``agenda_on``."""
    latest_review = agenda_on - dt.timedelta(days=1)
    span = (latest_review - earliest).days
    review = w.workday_before(
        latest_review - dt.timedelta(days=w.rng.randint(0, max(0, min(19, span // 3))))
    )
    screening = w.workday_before(
        review - dt.timedelta(days=w.rng.randint(3, max(3, min(15, (review - earliest).days // 2))))
    )
    submitted = w.workday_before(
        screening
        - dt.timedelta(days=w.rng.randint(2, max(2, min(30, (screening - earliest).days))))
    )
    submitted = max(earliest, submitted)
    if screening <= submitted:
        screening = w.workday(submitted + dt.timedelta(days=1))
    if review <= screening:
        review = w.workday(screening + dt.timedelta(days=1))
    return submitted, screening, review


def arrivals(w: World, orgs: OrgPool, start: dt.date, end: dt.date) -> list[Tech]:
    """Technologies submitted month by month from ``start`` (the running intake)."""
    out = []
    for y, m in w.months(start, end):
        first, last = month_bounds(y, m)
        first, last = max(first, start), min(last, end)
        local_share = min(0.22 + 0.015 * (y - 2019), 0.33)
        for _ in range(w.rate(7.2, y, m)):
            on = w.date_between(first, last)
            if on > end:
                continue
            local = w.chance(local_share)
            owner = orgs.new_company(local) if w.chance(0.22) else orgs.company(local)
            tech = new_tech(w, owner, on)
            tech.pass_prob = 0.85 if local else 0.89
            screen(w, tech, on)
            out.append(tech)
    return out


def decide(w: World, tech: Tech, on: dt.date, passed: bool) -> None:
    """The meeting of ``on`` registered or rejected ``tech``; plan a later expiry/withdrawal."""
    tech.decided_on = on
    tech.registered = passed
    if not passed:
        return
    earliest = max(on, PUBLISHED_AS_OF) + dt.timedelta(days=1)
    r = w.rng.random()
    if r < 0.05:
        end, kind = on + dt.timedelta(days=5 * 365), "expired"
    elif r < 0.075:
        end, kind = w.after(on, 120, 1400), "withdrawn"
    else:
        return
    if earliest <= end <= w.horizon:
        tech.ended_on, tech.end_kind = end, kind
