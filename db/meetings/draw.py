"""The panel draw: THE rule that seats a deliberation panel (pure: no database, no clock).

Rule ``balanced-v1``, step by step (``draw_panel`` runs all of it; the meeting records the
seed, the candidates and the exclusions, so ``select_seats`` can replay the last two steps):

1. **Conflicts and limits.** An expert of the pool is excluded when they belong to the same
   organization as an applicant (the owner of a technology on the agenda): reason
   ``same_organization``; or when they hold a tie to an applicant (``expert_ties``: employment,
   consulting, joint research, other) that had started by the meeting date and had not ended
   more than the regulation's conflict window (three years in the demo) before it: reason
   ``tie``; or when they already hold the regulation's most seats within its period
   (``seat_limit``, counted by the caller).
2. **Field.** Candidates are the remaining experts with at least one of the agenda's
   technical fields. When fewer than ``size`` of them remain, every remaining expert is a
   candidate and the field-matching ones are seated first (the draw says
   ``field_matched=False``). No fields means no field restriction.
3. **Targets.** The seats are apportioned to the affiliation categories (public, industry,
   academia, other) in proportion to the candidates of each, by largest remainder (ties:
   more candidates first, then the order of ``db.domain.AFFILIATIONS``), with no category
   above the regulation's affiliation cap (half the seats in the demo, ``size // 2``, at
   least 1); where the other categories have too few candidates to fill the panel, that
   cap is raised just enough. So a 7-seat panel
   drawn from the demo pool's 48/34/17/0.5 % split gets 3 public, 3 industry, 1 academia.
4. **Lottery.** ``r = random.Random(seed)`` shuffles the candidates' ids sorted ascending;
   an expert's *ticket* is their position in the shuffled list.
5. **Seating.** Within each category candidates queue by (field-matching first, fewer
   recent seats, ticket): fewer recent seats first is what spreads the seats, so nobody
   sits again while a colleague of the same category has sat less (``seat_counts``: seats
   in the regulation's seat period before the draw, counted by the caller). In the field
   fallback, every field-matching candidate is seated first (by queue order). Then each
   remaining seat goes to the category furthest below its target (ties: the order of
   ``AFFILIATIONS``), to the head of its queue. When the field-matching candidates
   suffice, the panel therefore holds exactly the targets.

The same seed and inputs always give the same panel. Fewer candidates than seats is refused
(:class:`PoolTooSmall`).

**Substitutes** (rule ``substitute-v1``, :func:`pick_substitute`): a seat left by a member
absent or recused is refilled from the candidates of the same pool (free of conflicts and
under the seat limit, not on the panel yet): queued by (would put their affiliation above
the cap, another affiliation than the member replaced, no field match, recent seats, ticket
of a new seeded lottery), the head of the queue is seated. The seed, the candidates and
those inputs are recorded (``panel_substitutions``) and replay.

The demo history (``seed/panels.py``) was drawn by a simpler documented rule: a uniform draw
(``random.Random(seed).randrange`` over the field group's roster, skipping the excluded, the
retired and the already seated) with the same conflict exclusions but no affiliation targets
and no seat spreading; ``tests/test_seed.py`` replays those draws. The seed keeps its rule
because this one reads the whole pool for every draw (targets and pool size need every
candidate), which is fine for one draw in the app but would make ``python -m seed --scale 100``
quadratic (every meeting times every expert); its recorded draws stay as they were, and the
meeting record says which rule drew a panel (``meeting_rules.draw_rule``, empty for the demo
history). Draws made in the app record their rule and candidates and replay exactly.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction

from db.domain import AFFILIATIONS
from db.errors import N_, DomainError

RULE = "balanced-v1"
"""Name of the rule above; recorded with every draw so a later rule cannot be confused with it."""

SUBSTITUTE_RULE = "substitute-v1"
"""Name of the substitute rule (:func:`draw_substitute`)."""

TIE_WINDOW_YEARS = 3
"""The demo regulation's conflict window: a tie that ended more than this many years before
the meeting is no longer a conflict (a meeting uses its regulation version's)."""

HALF = Fraction(1, 2)
"""The demo regulation's affiliation cap: no affiliation above half the seats."""

SEED_BITS = 62
"""Draw seeds are non-negative integers below ``2**62`` (they fit a signed BIGINT)."""

_ORDER = {a: i for i, a in enumerate(AFFILIATIONS)}


class PoolTooSmall(DomainError):
    """Fewer experts can sit than the panel has seats."""

    message = N_(
        "Only {available} experts can sit on this panel, which needs {size}. "
        "No panel was drawn; widen the pool or make the panel smaller."
    )


@dataclass(frozen=True)
class Tie:
    """A declared tie of an expert to an organization, with its period."""

    organization_id: int
    started_on: dt.date
    ended_on: dt.date | None = None


@dataclass(frozen=True)
class PoolExpert:
    """One expert who could be drawn: who they work for, their category, fields and ties."""

    id: int
    organization_id: int
    affiliation: str
    fields: frozenset[str] = frozenset()
    ties: tuple[Tie, ...] = ()


@dataclass(frozen=True)
class Candidate:
    """An expert admitted to the lottery (what a meeting records to replay its draw)."""

    id: int
    affiliation: str
    field_match: bool
    recent_seats: int


@dataclass(frozen=True)
class Exclusion:
    expert_id: int
    reason: str  # "same_organization" | "tie" | "seat_limit"
    organization_id: int | None  # the applicant the conflict is with (None: the seat limit)


@dataclass(frozen=True)
class DrawnSeat:
    expert_id: int
    affiliation: str
    field_match: bool
    recent_seats: int
    ticket: int
    rank: int  # 1-based order of seating


@dataclass(frozen=True)
class Draw:
    """A drawn panel and everything needed to explain and replay it."""

    rule: str
    seed: int
    size: int
    as_of: dt.date
    fields: tuple[str, ...]
    field_matched: bool
    pool_size: int  # candidates: experts who could have been drawn
    targets: dict[str, int]
    seats: tuple[DrawnSeat, ...]
    exclusions: tuple[Exclusion, ...]
    candidates: tuple[Candidate, ...] = field(repr=False, default=())

    @property
    def expert_ids(self) -> tuple[int, ...]:
        return tuple(s.expert_id for s in self.seats)


def years_before(day: dt.date, years: int) -> dt.date:
    """The same calendar day ``years`` earlier (28 February for a 29 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def conflict_reason(
    expert: PoolExpert,
    applicant_org_ids: Collection[int],
    as_of: dt.date,
    window_years: int = TIE_WINDOW_YEARS,
) -> tuple[str, int] | None:
    """``(reason, applicant organization id)`` when ``expert`` may not judge these
    applicants on ``as_of`` (a tie counts until ``window_years`` after it ended), else None
    (rule step 1)."""
    if expert.organization_id in applicant_org_ids:
        return "same_organization", expert.organization_id
    horizon = years_before(as_of, window_years)
    for tie in sorted(expert.ties, key=lambda t: (t.organization_id, t.started_on)):
        if (
            tie.organization_id in applicant_org_ids
            and tie.started_on <= as_of
            and (tie.ended_on is None or tie.ended_on >= horizon)
        ):
            return "tie", tie.organization_id
    return None


def cap_seats(size: int, cap: Fraction = HALF) -> int:
    """The most seats one affiliation may hold on a panel of ``size`` (at least 1)."""
    return max(1, int(size * cap))


def affiliation_targets(
    counts: Mapping[str, int], size: int, share: Fraction = HALF
) -> dict[str, int]:
    """Seats per affiliation category for ``size`` seats and ``counts`` candidates per
    category, no category above ``share`` of the seats (rule step 3). Every category of
    ``counts`` appears in the result."""
    targets = {c: 0 for c in counts}
    total = sum(counts.values())
    if total <= size:
        return {c: int(n) for c, n in counts.items()}
    cap = cap_seats(size, share)
    while sum(min(n, cap) for n in counts.values()) < size:
        cap += 1  # the other categories cannot fill the panel: lift the cap just enough
    limit = {c: min(n, cap) for c, n in counts.items()}
    open_ = sorted((c for c, n in counts.items() if n > 0), key=_rank)
    remaining = size
    while remaining > 0 and open_:
        weight = sum(counts[c] for c in open_)
        quota = {c: Fraction(remaining * counts[c], weight) for c in open_}
        alloc = {c: int(quota[c]) for c in open_}
        left = remaining - sum(alloc.values())
        by_remainder = sorted(open_, key=lambda c: (-(quota[c] - alloc[c]), -counts[c], _rank(c)))
        for c in by_remainder[:left]:
            alloc[c] += 1
        over = [c for c in open_ if alloc[c] > limit[c]]
        if not over:
            for c in open_:
                targets[c] = alloc[c]
            break
        for c in over:
            targets[c] = limit[c]
            remaining -= limit[c]
            open_.remove(c)
    return targets


def _rank(category: str) -> int:
    return _ORDER.get(category, len(_ORDER))


def lottery(ids: Iterable[int], seed: int) -> dict[int, int]:
    """Expert id -> ticket: the position of the id after shuffling the sorted ids (step 4)."""
    order = sorted(ids)
    random.Random(seed).shuffle(order)
    return {expert_id: ticket for ticket, expert_id in enumerate(order)}


def select_seats(
    candidates: Iterable[Candidate],
    *,
    size: int,
    seed: int,
    field_matched: bool,
    cap: Fraction = HALF,
) -> tuple[dict[str, int], tuple[DrawnSeat, ...]]:
    """Targets and seats from the admitted candidates (rule steps 3 to 5; ``cap``: the
    regulation's affiliation cap).

    :raise PoolTooSmall: fewer candidates than ``size``.
    """
    pool = list(candidates)
    if size < 1 or len(pool) < size:
        raise PoolTooSmall(available=len(pool), size=size)
    counts: dict[str, int] = {}
    for c in pool:
        counts[c.affiliation] = counts.get(c.affiliation, 0) + 1
    targets = affiliation_targets(counts, size, cap)
    tickets = lottery((c.id for c in pool), seed)

    def queue_key(c: Candidate) -> tuple[bool, int, int]:
        return (not c.field_match, c.recent_seats, tickets[c.id])

    queues: dict[str, list[Candidate]] = {}
    for c in sorted(pool, key=queue_key):
        queues.setdefault(c.affiliation, []).append(c)
    seated: list[Candidate] = []
    held = dict.fromkeys(counts, 0)

    def seat(c: Candidate) -> None:
        queues[c.affiliation].remove(c)
        held[c.affiliation] += 1
        seated.append(c)

    if not field_matched:
        for c in sorted((c for c in pool if c.field_match), key=queue_key):
            seat(c)
    while len(seated) < size:
        open_ = [a for a in queues if queues[a]]
        category = min(open_, key=lambda a: (-(targets[a] - held[a]), _rank(a)))
        seat(queues[category][0])
    seats = tuple(
        DrawnSeat(c.id, c.affiliation, c.field_match, c.recent_seats, tickets[c.id], rank)
        for rank, c in enumerate(seated, start=1)
    )
    return targets, seats


def draw_panel(
    *,
    pool: Iterable[PoolExpert],
    applicant_org_ids: Collection[int],
    fields: Collection[str] | None,
    size: int,
    seed: int,
    as_of: dt.date,
    seat_counts: Mapping[int, int] | None = None,
    window_years: int = TIE_WINDOW_YEARS,
    cap: Fraction = HALF,
    seat_limit: int | None = None,
) -> Draw:
    """Seat ``size`` experts of ``pool`` for a meeting on ``as_of`` by rule ``balanced-v1``.

    ``pool``: experts in the pool at the draw (the caller leaves out the retired and the
    not yet registered). ``applicant_org_ids``: owners of the agenda's technologies.
    ``fields``: the agenda's technical fields (empty or None: any). ``seat_counts``: expert
    id -> seats in the regulation's seat period before the draw. The regulation's conflict
    window (``window_years``), affiliation cap (``cap``) and most seats per expert within
    the period (``seat_limit``, None: no limit).

    :raise PoolTooSmall: fewer than ``size`` experts are free of conflicts.
    :raise ValueError: ``seed`` outside ``0 <= seed < 2**62``.
    """
    if not 0 <= seed < 2**SEED_BITS:
        raise ValueError(f"draw seed out of range: {seed}")
    wanted = frozenset(fields or ())
    applicants = frozenset(applicant_org_ids)
    counts = seat_counts or {}
    experts = sorted({e.id: e for e in pool}.values(), key=lambda e: e.id)
    free: list[PoolExpert] = []
    conflicts: dict[int, tuple[str, int | None]] = {}
    for e in experts:
        found: tuple[str, int | None] | None = conflict_reason(e, applicants, as_of, window_years)
        if found is None and seat_limit is not None and counts.get(e.id, 0) >= seat_limit:
            found = ("seat_limit", None)
        if found is None:
            free.append(e)
        else:
            conflicts[e.id] = found

    def matches(e: PoolExpert) -> bool:
        return not wanted or bool(e.fields & wanted)

    field_matched = sum(1 for e in free if matches(e)) >= size
    admitted = [e for e in free if matches(e)] if field_matched else free
    # Exclusions are listed among the experts who would otherwise have been candidates.
    excluded = [e for e in experts if e.id in conflicts and (not field_matched or matches(e))]
    candidates = tuple(
        Candidate(e.id, e.affiliation, matches(e), int(counts.get(e.id, 0))) for e in admitted
    )
    targets, seats = select_seats(
        candidates, size=size, seed=seed, field_matched=field_matched, cap=cap
    )
    return Draw(
        rule=RULE,
        seed=seed,
        size=size,
        as_of=as_of,
        fields=tuple(sorted(wanted)),
        field_matched=field_matched,
        pool_size=len(candidates),
        targets=targets,
        seats=seats,
        exclusions=tuple(Exclusion(e.id, *conflicts[e.id]) for e in excluded),
        candidates=candidates,
    )


# --- substitutes ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SubstituteInputs:
    """What the substitute rule weighs besides the candidates: the affiliation of the member
    replaced, the seats each affiliation holds among the members who remain, and the cap."""

    affiliation: str
    held: Mapping[str, int]
    cap: int


def pick_substitute(
    candidates: Iterable[Candidate], *, seed: int, inputs: SubstituteInputs
) -> DrawnSeat:
    """The substitute for a seat left by a member absent or recused (rule ``substitute-v1``,
    see the module docstring): the head of the queue of ``candidates``.

    :raise PoolTooSmall: no candidate is left.
    :raise ValueError: ``seed`` outside ``0 <= seed < 2**62``.
    """
    if not 0 <= seed < 2**SEED_BITS:
        raise ValueError(f"draw seed out of range: {seed}")
    pool = list(candidates)
    if not pool:
        raise PoolTooSmall(available=0, size=1)
    tickets = lottery((c.id for c in pool), seed)

    def queue_key(c: Candidate) -> tuple[bool, bool, bool, int, int]:
        return (
            inputs.held.get(c.affiliation, 0) + 1 > inputs.cap,
            c.affiliation != inputs.affiliation,
            not c.field_match,
            c.recent_seats,
            tickets[c.id],
        )

    chosen = min(pool, key=queue_key)
    ticket = tickets[chosen.id]
    return DrawnSeat(
        chosen.id, chosen.affiliation, chosen.field_match, chosen.recent_seats, ticket, 1
    )
