"""The expert pool: synthetic people with fields, employers, ties and retirements.

Experts are created in registration order so that an expert's id is its position
(``Expert.id == idx + 1``); panel draws (``seed.panels``) rely on that to record
reproducible seeds. The first 817 x scale registered between go-live and 2019-08-08 (the
published split by affiliation, none retired by then); later ones arrive month by month.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from dataclasses import dataclass, field

from seed import romanize, texts
from seed.constants import GO_LIVE, PUBLISHED, PUBLISHED_AS_OF
from seed.model import Expert, Tie
from seed.orgs import OrgPool
from seed.world import World, month_bounds

GROUP_WEIGHTS = {"civil": 35, "building": 25, "water_env": 22, "mep": 18}
LATER_AFFILIATION = {"public": 48.0, "industry": 34.0, "academia": 17.5, "other": 0.5}
TIE_KINDS = {"consulting": 45, "joint_research": 30, "employment": 15, "other": 10}
TIE_NOTES = {
    "consulting": "기술자문 계약 수행",
    "joint_research": "공동연구 과제 참여",
    "employment": "해당 기업 재직 이력",
    "other": "기타 이해관계 신고",
}


def _fields(w: World) -> tuple[str, ...]:
    groups = list(GROUP_WEIGHTS)
    group = w.weighted(groups, list(GROUP_WEIGHTS.values()))
    in_group = w.city.field_groups[group]
    weights = [w.city.field_weights[f] for f in in_group]
    chosen = [w.weighted(in_group, weights)]
    for _ in range(w.weighted((0, 1, 2), (40, 40, 20))):
        pool = in_group if w.chance(0.7) else tuple(w.city.field_weights)
        f = w.pick(pool)
        if f not in chosen:
            chosen.append(f)
    return tuple(chosen)


def _expert(w: World, orgs: OrgPool, affiliation: str, on: dt.date) -> Expert:
    fake = w.fake
    name = fake.name()
    org = orgs.employer(affiliation)
    org.use(on)
    return Expert(
        idx=len(w.experts),
        name=name,
        name_en=romanize.person(name),
        org=org,
        affiliation=affiliation,
        position=w.pick(texts.POSITIONS[affiliation]),
        phone=fake.phone_number(),
        email=fake.email(),
        fields=_fields(w),
        registered_on=on,
        actor=w.pick(("staff", "staff", "staff2")),
    )


def published_pool(w: World, orgs: OrgPool) -> None:
    """The 817 x scale experts of 2019-08-08, by the published affiliation split.

    About 45 % were registered in the go-live weeks (the city's existing advisory pool moved
    onto the platform), the rest month by month until the press release.
    """
    affiliations = [
        aff for aff, n in PUBLISHED["experts_by_affiliation"].items() for _ in range(n * w.scale)
    ]
    w.rng.shuffle(affiliations)
    total = len(affiliations)
    initial = int(total * 0.45)
    dates = [w.date_between(GO_LIVE, dt.date(2019, 1, 25)) for _ in range(initial)]
    dates += [w.date_between(dt.date(2019, 1, 28), PUBLISHED_AS_OF) for _ in range(total - initial)]
    dates.sort()
    for aff, on in zip(affiliations, dates, strict=True):
        w.experts.append(_expert(w, orgs, aff, on))


def later_pool(w: World, orgs: OrgPool, start: dt.date, end: dt.date) -> None:
    """Experts registered after the press release, month by month up to ``end``."""
    affs, weights = list(LATER_AFFILIATION), list(LATER_AFFILIATION.values())
    for y, m in w.months(start, end):
        first, last = month_bounds(y, m)
        first, last = max(first, start), min(last, end)
        n = w.rate(9.3, y, m)
        dates = sorted(w.date_between(first, last) for _ in range(n))
        for on in dates:
            if on <= end:
                w.experts.append(_expert(w, orgs, w.weighted(affs, weights), on))


def retirements(w: World) -> None:
    """Some experts leave the pool, never before the press release (its figures hold)."""
    earliest = PUBLISHED_AS_OF + dt.timedelta(days=1)
    for e in w.experts:
        p = 0.12 if e.registered_on <= PUBLISHED_AS_OF else 0.07
        if not w.chance(p):
            continue
        lo = max(e.registered_on + dt.timedelta(days=365), earliest)
        if lo < w.horizon:
            e.retired_on = w.date_between(lo, w.horizon)


def ties(w: World, orgs: OrgPool) -> None:
    """Declared ties of about 8 % of experts to companies (consulting, joint research, ...)."""
    kinds, weights = list(TIE_KINDS), list(TIE_KINDS.values())
    for e in w.experts:
        if not w.chance(0.08):
            continue
        org = orgs.company(w.chance(0.45))
        if org is e.org:
            continue
        kind = w.weighted(kinds, weights)
        started = e.registered_on + dt.timedelta(days=w.rng.randint(-900, 700))
        ended = started + dt.timedelta(days=w.rng.randint(180, 1000)) if w.chance(0.7) else None
        recorded = w.workday(max(started, e.registered_on))
        if recorded > w.horizon:
            continue
        org.use(recorded)
        w.ties.append(Tie(len(w.ties), e, org, kind, started, ended, recorded, TIE_NOTES[kind]))


@dataclass
class Roster:
    """Experts eligible for one kind of panel, in id order, with what a draw needs to know."""

    members: list[Expert] = field(default_factory=list)
    registered: list[dt.date] = field(default_factory=list)
    retirements: list[dt.date] = field(default_factory=list)  # sorted

    def registered_before(self, day: dt.date) -> int:
        """How many members were registered before ``day`` (they form the roster's prefix)."""
        return bisect_right(self.registered, day - dt.timedelta(days=1))

    def retired_by(self, day: dt.date) -> int:
        return bisect_right(self.retirements, day)


def rosters(w: World) -> dict[str, Roster]:
    """One roster per field group (experts with a field in it) and ``all`` (everyone)."""
    out = {g: Roster() for g in (*w.city.field_groups, "all")}
    group_of = w.city.group_of_field
    for e in w.experts:
        groups = {group_of[f] for f in e.fields} | {"all"}
        for g in groups:
            r = out[g]
            r.members.append(e)
            r.registered.append(e.registered_on)
            if e.retired_on is not None:
                r.retirements.append(e.retired_on)
    for r in out.values():
        r.retirements.sort()
    return out


def employees(w: World) -> dict[int, list[Expert]]:
    """Experts by the ``seq`` of their organisation (for same-organisation exclusions)."""
    out: dict[int, list[Expert]] = {}
    for e in w.experts:
        out.setdefault(e.org.seq, []).append(e)
    return out


def ties_by_org(w: World) -> dict[int, list[Tie]]:
    out: dict[int, list[Tie]] = {}
    for t in w.ties:
        out.setdefault(t.org.seq, []).append(t)
    return out
