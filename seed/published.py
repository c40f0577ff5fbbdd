"""The agendas of the 23 x scale meetings held by 2019-08-08, built to the published figures.

Registration reviews decide 337 x scale technologies, exactly 305 x scale of them registered
(43 x scale local, including the three certified testbed technologies); adoption reviews
decide 59 x scale proposals, 54 x scale of them approved, each for a different technology
registered before the adoption meeting. Outcomes are fixed here; the scores that justify
them are generated when the meetings are held (``seed.panels``).
"""

from __future__ import annotations

import datetime as dt

from seed.adoptions import new_adoption
from seed.constants import GO_LIVE, PUBLISHED
from seed.model import Item, Meeting, Tech, Testbed
from seed.orgs import OrgPool
from seed.technologies import dates_before, new_tech
from seed.world import World

REJECTED_REGISTRATIONS = 32  # per scale unit, decided in the same meetings
REJECTED_LOCAL = 5
REJECTED_ADOPTIONS = 5
GROUP_SHARE = {"civil": 41, "building": 27, "water_env": 27, "mep": 18}


def allocate(total: int, weights: list[float]) -> list[int]:
    """Split ``total`` into integers proportional to ``weights`` (largest remainder)."""
    s = sum(weights)
    raw = [total * x / s for x in weights]
    out = [int(r) for r in raw]
    order = sorted(range(len(raw)), key=lambda i: raw[i] - out[i], reverse=True)
    for i in order[: total - sum(out)]:
        out[i] += 1
    return out


def _groups(w: World, n: int) -> list[str]:
    counts = allocate(n, list(GROUP_SHARE.values()))
    groups = [g for g, c in zip(GROUP_SHARE, counts, strict=True) for _ in range(c)]
    w.rng.shuffle(groups)
    return groups


def registration_agendas(
    w: World, orgs: OrgPool, meetings: list[Meeting], testbeds: list[Testbed]
) -> None:
    """Set the groups and agendas of the published registration reviews."""
    reg = [m for m in meetings if m.phase_a and m.kind == "registration_review"]
    for m, g in zip(reg, _groups(w, len(reg)), strict=True):
        m.group = g
    scale = w.scale
    total = (PUBLISHED["technologies"] + REJECTED_REGISTRATIONS) * scale
    counts = allocate(total, [w.rng.uniform(0.7, 1.3) for _ in reg])
    # The certified testbed technologies go to the first meeting of their group with room.
    placed: dict[int, list[Tech]] = {i: [] for i in range(len(reg))}
    for t in testbeds:
        if t.certified_on is None:  # the acrylate method is still under review in August
            continue
        for i, m in enumerate(reg):
            assert t.tech.review_on is not None
            if (
                m.group == t.tech.group
                and m.agenda_on > t.tech.review_on
                and len(placed[i]) < counts[i]
            ):
                placed[i].append(t.tech)
                break
        else:  # pragma: no cover - the calendar always has such a meeting
            raise RuntimeError("no meeting for a published testbed technology")
    fixed = sum(len(v) for v in placed.values())
    open_slots = [(i, k) for i, c in enumerate(counts) for k in range(c - len(placed[i]))]
    n_pass = PUBLISHED["technologies"] * scale - fixed
    n_fail = len(open_slots) - n_pass
    outcomes = ["passed"] * n_pass + ["failed"] * n_fail
    w.rng.shuffle(outcomes)
    pass_idx = [j for j, o in enumerate(outcomes) if o == "passed"]
    fail_idx = [j for j, o in enumerate(outcomes) if o == "failed"]
    local = set(w.rng.sample(pass_idx, PUBLISHED["technologies_local"] * scale - fixed))
    local |= set(w.rng.sample(fail_idx, min(REJECTED_LOCAL * scale, len(fail_idx))))
    new_items: dict[int, list[tuple[Tech, str]]] = {
        i: [(t, "passed") for t in placed[i]] for i in placed
    }
    for j, (i, _) in enumerate(open_slots):
        m = reg[i]
        is_local = j in local
        owner = orgs.new_company(is_local) if w.chance(0.3) else orgs.company(is_local)
        in_group = w.city.field_groups[m.group or "civil"]
        field = w.weighted(in_group, [w.city.field_weights[f] for f in in_group])
        sub, scr, rev = dates_before(w, m.agenda_on)
        tech = new_tech(w, owner, sub, field=field)
        tech.screening_on, tech.review_on = scr, rev
        new_items[i].append((tech, outcomes[j]))
    for i, m in enumerate(reg):
        entries = sorted(new_items[i], key=lambda e: (e[0].review_on, e[0].seq))
        m.items = [Item(k + 1, t, forced=o) for k, (t, o) in enumerate(entries)]


def adoption_agendas(w: World, meetings: list[Meeting]) -> None:
    """Set the agendas of the published adoption reviews (proposals included)."""
    reg = [m for m in meetings if m.phase_a and m.kind == "registration_review"]
    adopt = [m for m in meetings if m.phase_a and m.kind == "adoption_review"]
    scale = w.scale
    total = (PUBLISHED["adopted"] + REJECTED_ADOPTIONS) * scale
    counts = allocate(total, [1.0] * len(adopt))
    outcomes = ["passed"] * (PUBLISHED["adopted"] * scale) + ["failed"] * (
        REJECTED_ADOPTIONS * scale
    )
    w.rng.shuffle(outcomes)
    reg.sort(key=lambda r: r.held_on)
    pool: list[tuple[Tech, dt.date]] = []  # registered, not yet proposed
    next_reg = j = 0
    for m, count in zip(adopt, counts, strict=True):
        latest = m.agenda_on - dt.timedelta(days=5)
        while next_reg < len(reg) and reg[next_reg].held_on <= latest:
            r = reg[next_reg]
            pool += [(it.tech, r.held_on) for it in r.items if it.forced == "passed"]
            next_reg += 1
        if len(pool) < count:  # pragma: no cover - the calendar leaves plenty
            raise RuntimeError(f"too few registered technologies before {m.code}")
        chosen: list[tuple[Tech, dt.date]] = []
        while len(chosen) < count:
            i = w.rng.randrange(len(pool))
            if not pool[i][0].owner.is_local and w.chance(0.5):
                continue  # local technologies are proposed more often
            pool[i], pool[-1] = pool[-1], pool[i]
            chosen.append(pool.pop())
        m.items = []
        for tech, registered_on in sorted(chosen, key=lambda c: (c[1], c[0].seq)):
            lo = max(GO_LIVE, registered_on + dt.timedelta(days=3))
            proposed = w.date_between(lo, m.agenda_on - dt.timedelta(days=1))
            a = new_adoption(w, tech, min(proposed, m.agenda_on - dt.timedelta(days=1)))
            a.review_on = m.agenda_on
            m.items.append(Item(len(m.items) + 1, tech, adoption=a, forced=outcomes[j]))
            j += 1
