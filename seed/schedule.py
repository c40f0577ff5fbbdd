"""The calendar of deliberation meetings and their codes (``NTP-2019-01``, ...).

Codes number a year's meetings in date order. The 23 x scale meetings held by 2019-08-08
are fixed first (19 registration reviews from February, 4 adoption reviews from April);
afterwards registration reviews sit monthly except in August, adoption reviews quarterly,
and testbed selections in May and November from 2020. The meetings named in
``PLANTED_IRREGULARITIES`` are always registration reviews.

One more adoption review sits the day before the demo's "today" (:data:`DEMO_END`): its
panel has recommended most of the proposals waiting since the autumn, and the approver has
not decided them yet, so the approvals screen shows real work. Its dates are fixed (no
random draw), so everything scheduled before it comes out exactly as without it.
"""

from __future__ import annotations

import datetime as dt

from seed.constants import DEMO_END, GO_LIVE, PLANTED_BY_CODE, PUBLISHED, PUBLISHED_AS_OF
from seed.model import Meeting
from seed.world import World, month_bounds

KIND_ORDER = {"registration_review": 0, "adoption_review": 1, "testbed_selection": 2}
PUBLISHED_ADOPTION_MEETINGS = 4
FIRST_MEETING = dt.date(2019, 2, 7)
LAST_PUBLISHED_MEETING = PUBLISHED_AS_OF - dt.timedelta(days=2)
FIRST_ADOPTION_MEETING = dt.date(2019, 4, 11)
LAST_PUBLISHED_ADOPTION = dt.date(2019, 7, 30)


def _spread(w: World, n: int, first: dt.date, last: dt.date) -> list[dt.date]:
    """``n`` working days spread evenly over ``[first, last]`` with a little jitter."""
    span = (last - first).days
    out = []
    for i in range(n):
        centre = first + dt.timedelta(days=round(span * (i + 0.5) / n))
        d = centre + dt.timedelta(days=w.rng.randint(-2, 2))
        d = min(max(d, first), last)
        d = w.workday(d)
        if d > last:
            d = w.workday_before(last)
        out.append(d)
    return out


def _published_slots(w: World) -> list[tuple[dt.date, str, bool]]:
    n_adopt = PUBLISHED_ADOPTION_MEETINGS * w.scale
    n_reg = PUBLISHED["meetings"] * w.scale - n_adopt
    slots = [
        (d, "registration_review", True)
        for d in _spread(w, n_reg, FIRST_MEETING, LAST_PUBLISHED_MEETING)
    ]
    slots += [
        (d, "adoption_review", True)
        for d in _spread(w, n_adopt, FIRST_ADOPTION_MEETING, LAST_PUBLISHED_ADOPTION)
    ]
    return slots


def _later_slots(w: World, end: dt.date) -> list[tuple[dt.date, str, bool]]:
    start = PUBLISHED_AS_OF + dt.timedelta(days=1)
    slots = []
    for y, m in w.months(start, end):
        first, last = month_bounds(y, m)
        kinds = []
        if m != 8 or y == 2019:
            kinds.append("registration_review")
        if m in (3, 6, 9, 12):
            kinds.append("adoption_review")
        if y >= 2020 and m in (5, 11):
            kinds.append("testbed_selection")
        lo = dt.date(2019, 8, 20) if (y, m) == (2019, 8) else first + dt.timedelta(days=6)
        hi = min(last - dt.timedelta(days=4), end)
        if hi < lo:
            continue
        for kind in kinds:
            for _ in range(w.scale):
                slots.append((w.date_between(lo, hi), kind, False))
    return slots


def _force_planted(year: int, slots: list[list]) -> None:
    """Make the planted codes registration reviews by swapping kinds with a neighbour."""
    codes = [f"NTP-{year}-{i + 1:02d}" for i in range(len(slots))]
    for i, code in enumerate(codes):
        if code not in PLANTED_BY_CODE or slots[i][1] == "registration_review":
            continue
        order = list(range(i + 1, len(slots))) + list(range(i - 1, -1, -1))
        for j in order:
            if slots[j][1] == "registration_review" and codes[j] not in PLANTED_BY_CODE:
                slots[i][1], slots[j][1] = slots[j][1], slots[i][1]
                break


def _meeting(w: World, code: str, held_on: dt.date, kind: str, phase_a: bool) -> Meeting:
    created = max(GO_LIVE, w.workday_before(held_on - dt.timedelta(days=w.rng.randint(30, 40))))
    agenda = w.workday_before(held_on - dt.timedelta(days=14))
    draw = w.workday_before(held_on - dt.timedelta(days=w.rng.randint(5, 10)))
    closed = w.after(held_on, 1, 6)
    return Meeting(
        code=code,
        kind=kind,
        held_on=held_on,
        created_on=min(created, agenda),
        agenda_on=agenda,
        draw_on=draw,
        closed_on=closed,
        phase_a=phase_a,
    )


def _pending_review(w: World, held_on: dt.date, code: str) -> Meeting:
    """The adoption review before the demo's "today" (see the module): fixed dates."""
    return Meeting(
        code=code,
        kind="adoption_review",
        held_on=held_on,
        created_on=w.workday_before(held_on - dt.timedelta(days=35)),
        agenda_on=w.workday_before(held_on - dt.timedelta(days=14)),
        draw_on=w.workday_before(held_on - dt.timedelta(days=7)),
        closed_on=w.workday(held_on + dt.timedelta(days=1)),
        phase_a=False,
    )


PENDING_REVIEW = "pending_review"


def schedule(w: World, end: dt.date) -> list[Meeting]:
    """Every meeting from the first (February 2019) to ``end``, in date order, with codes."""
    slots: list[tuple[dt.date, str, bool | str]] = [*_published_slots(w), *_later_slots(w, end)]
    pending_on = w.workday_before(DEMO_END - dt.timedelta(days=1))
    if pending_on <= end:
        slots.append((pending_on, "adoption_review", PENDING_REVIEW))
    by_year: dict[int, list[list]] = {}
    for i, (d, kind, phase_a) in enumerate(slots):
        by_year.setdefault(d.year, []).append([d, kind, phase_a, i])
    meetings = []
    for year in sorted(by_year):
        year_slots = sorted(by_year[year], key=lambda s: (s[0], KIND_ORDER[s[1]], s[3]))
        _force_planted(year, year_slots)
        for i, (d, kind, phase_a, _) in enumerate(year_slots):
            code = f"NTP-{year}-{i + 1:02d}"
            if phase_a == PENDING_REVIEW:
                meetings.append(_pending_review(w, d, code))
            else:
                meetings.append(_meeting(w, code, d, kind, bool(phase_a)))
    w.meetings = meetings
    return meetings
