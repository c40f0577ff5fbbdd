"""Properties of the panel draw (``db.meetings.draw``), on generated pools.

The rule is documented in the module; these tests hold it to its promises: no conflicted
expert is ever seated, the seed alone decides the panel, the affiliation balance is within
one seat of the target, the field is matched when enough experts have it, seats go to those
who sat least, and what the draw records replays to the same panel.
"""

from __future__ import annotations

import datetime as dt
import math
import random

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from db.domain import AFFILIATIONS
from db.meetings.draw import (
    RULE,
    Candidate,
    Draw,
    PoolExpert,
    PoolTooSmall,
    Tie,
    affiliation_targets,
    conflict_reason,
    draw_panel,
    select_seats,
    years_before,
)

FIELDS = ("bridges", "roads", "tunnels", "water_sewage")
AS_OF = dt.date(2024, 6, 15)
ORGS = st.integers(min_value=1, max_value=12)

ties = st.builds(
    Tie,
    organization_id=ORGS,
    started_on=st.dates(dt.date(2015, 1, 1), dt.date(2025, 12, 31)),
    ended_on=st.none() | st.dates(dt.date(2015, 1, 1), dt.date(2025, 12, 31)),
)


EXPERT = st.tuples(
    ORGS,
    st.sampled_from(AFFILIATIONS),
    st.frozensets(st.sampled_from(FIELDS), min_size=1, max_size=2),
    st.lists(ties, max_size=2).map(tuple),
    st.integers(0, 3),  # recent seats
)


@st.composite
def pools(draw: st.DrawFn) -> tuple[list[PoolExpert], dict[int, int]]:
    rows = draw(st.lists(EXPERT, max_size=45))
    step = draw(st.integers(1, 50))  # ids need not be contiguous
    pool = [
        PoolExpert(id=1 + i * step, organization_id=o, affiliation=a, fields=f, ties=t)
        for i, (o, a, f, t, _) in enumerate(rows)
    ]
    return pool, {e.id: row[4] for e, row in zip(pool, rows, strict=True)}


@st.composite
def draws(draw: st.DrawFn) -> dict:
    pool, seat_counts = draw(pools())
    return {
        "pool": pool,
        "applicant_org_ids": frozenset(draw(st.sets(ORGS, max_size=3))),
        "fields": frozenset(draw(st.sets(st.sampled_from(FIELDS), max_size=2))),
        "size": draw(st.integers(min_value=1, max_value=9)),
        "seed": draw(st.integers(min_value=0, max_value=2**62 - 1)),
        "as_of": AS_OF,
        "seat_counts": seat_counts,
    }


def free_of_conflict(kw: dict) -> list[PoolExpert]:
    return [
        e for e in kw["pool"] if conflict_reason(e, kw["applicant_org_ids"], kw["as_of"]) is None
    ]


def matching(kw: dict, experts: list[PoolExpert]) -> list[PoolExpert]:
    return [e for e in experts if not kw["fields"] or e.fields & kw["fields"]]


def try_draw(kw: dict) -> Draw:
    try:
        return draw_panel(**kw)
    except PoolTooSmall:
        assume(False)
        raise


SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(draws())
def test_never_seats_a_conflicted_expert(kw: dict) -> None:
    result = try_draw(kw)
    by_id = {e.id: e for e in kw["pool"]}
    for seat in result.seats:
        assert conflict_reason(by_id[seat.expert_id], kw["applicant_org_ids"], AS_OF) is None
        assert by_id[seat.expert_id].organization_id not in kw["applicant_org_ids"]
    excluded = {x.expert_id for x in result.exclusions}
    assert not excluded & set(result.expert_ids)
    for x in result.exclusions:
        found = conflict_reason(by_id[x.expert_id], kw["applicant_org_ids"], AS_OF)
        assert found == (x.reason, x.organization_id)


@SETTINGS
@given(draws())
def test_same_seed_same_panel_whatever_the_order_of_the_pool(kw: dict) -> None:
    first = try_draw(kw)
    shuffled = list(kw["pool"])
    random.Random(1).shuffle(shuffled)
    again = draw_panel(**{**kw, "pool": shuffled})
    assert again.seats == first.seats
    assert again.exclusions == first.exclusions
    assert again.pool_size == first.pool_size
    assert len(set(first.expert_ids)) == len(first.seats) == kw["size"]


@SETTINGS
@given(draws())
def test_the_record_replays_to_the_same_panel(kw: dict) -> None:
    result = try_draw(kw)
    targets, seats = select_seats(
        result.candidates, size=result.size, seed=result.seed, field_matched=result.field_matched
    )
    assert (targets, seats) == (result.targets, result.seats)
    assert result.rule == RULE
    assert result.pool_size == len(result.candidates)


@SETTINGS
@given(draws())
def test_affiliation_balance_within_one_seat_of_the_target(kw: dict) -> None:
    result = try_draw(kw)
    assume(result.field_matched)
    held = {a: 0 for a in result.targets}
    for s in result.seats:
        held[s.affiliation] += 1
    # The panel holds exactly the targets when the field-matching experts suffice ...
    assert held == result.targets
    # ... and the targets are the proportional share, within one seat, unless a category
    # was capped at half the panel (then the others share its surplus).
    counts: dict[str, int] = {}
    for c in result.candidates:
        counts[c.affiliation] = counts.get(c.affiliation, 0) + 1
    total = sum(counts.values())
    cap = max(1, result.size // 2)
    quotas = {a: result.size * n / total for a, n in counts.items()}
    if all(q <= cap for q in quotas.values()):
        for a, q in quotas.items():
            assert math.floor(q) <= result.targets[a] <= math.ceil(q)
            assert abs(held[a] - q) < 1
    # No category holds a majority while the others could fill the panel.
    if sum(min(n, cap) for n in counts.values()) >= result.size:
        assert max(held.values()) <= cap


@SETTINGS
@given(draws())
def test_matches_the_field_when_enough_experts_have_it(kw: dict) -> None:
    result = try_draw(kw)
    able = matching(kw, free_of_conflict(kw))
    if len(able) >= kw["size"]:
        assert result.field_matched
        by_id = {e.id: e for e in kw["pool"]}
        for s in result.seats:
            assert not kw["fields"] or by_id[s.expert_id].fields & kw["fields"]
    else:
        # Too few: every field-matching expert sits, the rest come from outside the field.
        assert not result.field_matched
        assert {e.id for e in able} <= set(result.expert_ids)


@SETTINGS
@given(draws())
def test_seats_go_to_those_who_sat_least(kw: dict) -> None:
    result = try_draw(kw)
    assume(result.field_matched)
    seated = set(result.expert_ids)
    for s in result.seats:
        for c in result.candidates:
            if c.affiliation == s.affiliation and c.id not in seated:
                assert c.recent_seats >= s.recent_seats


@SETTINGS
@given(draws())
def test_too_small_a_pool_is_refused(kw: dict) -> None:
    able = free_of_conflict(kw)
    if len(able) < kw["size"]:
        with pytest.raises(PoolTooSmall):
            draw_panel(**kw)
    else:
        assert len(draw_panel(**kw).seats) == kw["size"]


@SETTINGS
@given(
    st.dictionaries(st.sampled_from(AFFILIATIONS), st.integers(0, 500), min_size=1),
    st.integers(1, 15),
)
def test_targets_fill_the_panel_and_never_exceed_the_candidates(
    counts: dict[str, int], size: int
) -> None:
    targets = affiliation_targets(counts, size)
    assert set(targets) == set(counts)
    assert sum(targets.values()) == min(size, sum(counts.values()))
    assert all(0 <= targets[a] <= counts[a] for a in counts)


def test_the_demo_pool_split_gives_three_three_one() -> None:
    counts = {"public": 393, "industry": 278, "academia": 142, "other": 4}
    assert affiliation_targets(counts, 7) == {"public": 3, "industry": 3, "academia": 1, "other": 0}


def test_a_tie_counts_for_three_years_after_it_ended() -> None:
    tie = Tie(5, dt.date(2015, 1, 1), None)
    expert = PoolExpert(1, 99, "industry", frozenset({"roads"}), (tie,))
    assert conflict_reason(expert, {5}, AS_OF) == ("tie", 5)
    ended = years_before(AS_OF, 3)
    for end, conflicted in ((ended, True), (ended - dt.timedelta(days=1), False)):
        e = PoolExpert(1, 99, "industry", ties=(Tie(5, dt.date(2015, 1, 1), end),))
        assert (conflict_reason(e, {5}, AS_OF) is not None) is conflicted
    later = PoolExpert(1, 99, "industry", ties=(Tie(5, AS_OF + dt.timedelta(days=1), None),))
    assert conflict_reason(later, {5}, AS_OF) is None
    assert years_before(dt.date(2024, 2, 29), 3) == dt.date(2021, 2, 28)


def test_a_seed_out_of_range_is_refused() -> None:
    pool = [PoolExpert(i, i, "public") for i in range(1, 10)]
    with pytest.raises(ValueError):
        draw_panel(pool=pool, applicant_org_ids=(), fields=None, size=3, seed=-1, as_of=AS_OF)


def test_different_seeds_give_different_panels() -> None:
    pool = [PoolExpert(i, i, AFFILIATIONS[i % 3]) for i in range(1, 200)]
    panels = {
        draw_panel(
            pool=pool, applicant_org_ids=(), fields=None, size=7, seed=s, as_of=AS_OF
        ).expert_ids
        for s in range(20)
    }
    assert len(panels) == 20


def test_candidate_records_are_plain_values() -> None:
    c = Candidate(3, "public", True, 0)
    assert (c.id, c.affiliation, c.field_match, c.recent_seats) == (3, "public", True, 0)
