"""The generator's state: one rng, one Faker, the records built so far, calendar helpers.

All randomness goes through ``World.rng`` (a private ``random.Random``) and ``World.fake``
(a Faker seeded with ``seed_instance``), in a fixed order, so the same arguments always give
the same world. Nothing reads the clock.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Sequence
from typing import TypeVar

from faker import Faker

from seed.city import City
from seed.constants import SEED
from seed.model import (
    Adoption,
    Agreement,
    Contract,
    Expert,
    Inquiry,
    Meeting,
    Org,
    Sale,
    Tech,
    Testbed,
    Tie,
    UseEvaluation,
)

T = TypeVar("T")
DAY = dt.timedelta(days=1)

# Public holidays that fall on fixed dates (meetings avoid them; lunar ones are ignored).
FIXED_HOLIDAYS = {(1, 1), (3, 1), (5, 5), (6, 6), (8, 15), (10, 3), (10, 9), (12, 25)}

# Monthly rhythm of submissions and registrations (1.0 = an average month).
SEASON = {
    1: 1.3,
    2: 1.15,
    3: 1.2,
    4: 1.05,
    5: 1.0,
    6: 1.0,
    7: 0.9,
    8: 0.6,
    9: 1.0,
    10: 1.0,
    11: 1.05,
    12: 0.75,
}


def trend(year: int, month: int) -> float:
    """Slow-moving level of activity: launch interest, the 2020 pandemic dip, steady growth."""
    if year == 2019:
        return 1.3
    if year == 2020:
        return 0.55 if 3 <= month <= 5 else 0.85
    return min(1.0 + 0.03 * (year - 2021), 1.25)


class World:
    """Records of the demo under construction, plus the helpers that generate them; ``city``
    is the city it is built for (its vocabularies, places, bodies and numbering)."""

    def __init__(self, *, scale: int, horizon: dt.date, city: City) -> None:
        self.scale = scale
        self.horizon = horizon
        self.city = city
        self.rng = random.Random(SEED)
        self.fake = Faker("ko_KR")
        self.fake.seed_instance(SEED)
        self.orgs: list[Org] = []
        self.experts: list[Expert] = []
        self.ties: list[Tie] = []
        self.techs: list[Tech] = []
        self.meetings: list[Meeting] = []
        self.adoptions: list[Adoption] = []
        self.testbeds: list[Testbed] = []
        self.inquiries: list[Inquiry] = []
        self.agreements: list[Agreement] = []
        self.contracts: list[Contract] = []  # outcomes (seed.outcomes)
        self.evaluations_after_use: list[UseEvaluation] = []
        self.sales: list[Sale] = []
        self.bodies: dict[str, Org] = {}

    # --- random helpers -------------------------------------------------------------------

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def pick(self, seq: Sequence[T]) -> T:
        return seq[self.rng.randrange(len(seq))]

    def weighted(self, seq: Sequence[T], weights: Sequence[float]) -> T:
        return self.rng.choices(seq, weights=weights, k=1)[0]

    def poisson(self, lam: float) -> int:
        """A Poisson count (normal approximation for large means)."""
        if lam <= 0:
            return 0
        if lam > 40:
            return max(0, round(self.rng.gauss(lam, math.sqrt(lam))))
        limit, k, p = math.exp(-lam), 0, self.rng.random()
        while p > limit:
            k += 1
            p *= self.rng.random()
        return k

    def noise(self) -> float:
        """Month-to-month ups and downs."""
        return self.rng.uniform(0.7, 1.3)

    def rate(self, per_month: float, year: int, month: int) -> int:
        """How many things of a kind happen in a month (scaled, seasonal, noisy)."""
        lam = per_month * self.scale * SEASON[month] * trend(year, month) * self.noise()
        return self.poisson(lam)

    # --- calendar helpers -----------------------------------------------------------------

    @staticmethod
    def is_workday(d: dt.date) -> bool:
        return d.weekday() < 5 and (d.month, d.day) not in FIXED_HOLIDAYS

    def workday(self, d: dt.date) -> dt.date:
        """``d`` or the next working day."""
        while not self.is_workday(d):
            d += DAY
        return d

    def workday_before(self, d: dt.date) -> dt.date:
        while not self.is_workday(d):
            d -= DAY
        return d

    def date_between(self, a: dt.date, b: dt.date) -> dt.date:
        """A working day in ``[a, b]`` (``a`` itself when the range is empty)."""
        if b <= a:
            return self.workday(a)
        d = self.workday(a + dt.timedelta(days=self.rng.randrange((b - a).days + 1)))
        if d <= b:
            return d
        last = self.workday_before(b)  # the range ends on a weekend or holiday
        return last if last >= a else a

    def after(self, d: dt.date, lo: int, hi: int) -> dt.date:
        """A working day ``lo``..``hi`` days after ``d``."""
        return self.workday(d + dt.timedelta(days=self.rng.randint(lo, hi)))

    def months(self, start: dt.date, end: dt.date) -> list[tuple[int, int]]:
        """(year, month) pairs from ``start``'s month to ``end``'s month."""
        out = []
        y, m = start.year, start.month
        while (y, m) <= (end.year, end.month):
            out.append((y, m))
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return out


def month_bounds(year: int, month: int) -> tuple[dt.date, dt.date]:
    first = dt.date(year, month, 1)
    nxt = dt.date(year + 1, 1, 1) if month == 12 else dt.date(year, month + 1, 1)
    return first, nxt - DAY
