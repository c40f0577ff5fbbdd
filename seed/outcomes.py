"""Outcomes: contracts that used approved adoptions, the departments' evaluations after use,
testbed budgets, results and certificates, and what testbed technologies sold afterwards.

Drawn after everything else with a random generator of their own, so the rest of the world
(and every published figure) is exactly what it was without them. The four testbeds of the
press release are all commercialised by 2019-08-08 (the three certified ones sold after their
certification; the acrylate method, still under deliberation then, sold privately after its
testbed ended), as the release says; each later certified testbed usually finds a buyer.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import random

from db.city.profile_file import CityProfile
from seed.constants import PUBLISHED_AS_OF, SEED
from seed.model import Contract, Sale, Testbed, UseEvaluation
from seed.world import World

DAY = dt.timedelta(days=1)

RESULTS = (
    "시험시공 구간에서 설계 성능을 충족하였고 유지관리 비용 절감 효과를 확인함.",
    "현장 적용성 검증 완료: 공기 단축과 품질 편차 감소를 확인함.",
    "계측 결과 기존 공법 대비 내구성과 안전성이 향상됨을 확인함.",
)
PROBLEMS = (
    "겨울철 시공 시 양생 기간이 예상보다 길었음.",
    "초기 자재 수급이 지연되어 공정이 2주 늦어짐.",
    "시공 인력의 숙련도에 따라 품질 편차가 있었음.",
)
PUBLIC_BUYERS = ("한국도로공사", "한국토지주택공사", "한국수자원공사", "국가철도공단")
PRIVATE_BUYERS = ("(주)한빛종합건설", "동진산업개발(주)", "(주)삼정건설", "(주)세원이앤씨")


DEMO_TARGETS: dict[int, dict[str, int]] = {
    2024: {
        "technologies_registered": 80,
        "technologies_adopted": 30,
        "contracts": 45,
        "contract_value_krw": 12_000_000_000,
        "first_sales": 3,
    },
    2025: {
        "technologies_registered": 85,
        "technologies_adopted": 32,
        "contracts": 50,
        "contract_value_krw": 13_000_000_000,
        "first_sales": 3,
    },
    2026: {
        "technologies_registered": 90,
        "technologies_adopted": 35,
        "contracts": 55,
        "contract_value_krw": 15_000_000_000,
        "first_sales": 4,
    },
}
"""The demo city's annual targets (its work plan's, invented for the demo), shown against the
actual on the Outcomes page and the overview. ``profiles/daegu.toml`` itself stays the
profile migration 0010 installs; the demo adds these when it builds the city from it."""


def with_demo_targets(profile: CityProfile) -> CityProfile:
    """``profile`` with :data:`DEMO_TARGETS` when it sets no targets of its own."""
    return profile if profile.targets else dataclasses.replace(profile, targets=DEMO_TARGETS)


class _Draw:
    """The outcomes' own random draws (working days from the world's calendar)."""

    def __init__(self, w: World) -> None:
        self.w = w
        self.rng = random.Random(SEED * 31 + 20)
        self.certificate = 830  # certificate numbers run on

    def after(self, d: dt.date, lo: int, hi: int) -> dt.date:
        return self.w.workday(d + dt.timedelta(days=self.rng.randint(lo, hi)))

    def between(self, a: dt.date, b: dt.date) -> dt.date:
        day = a + dt.timedelta(days=self.rng.randint(0, max((b - a).days, 0)))
        day = self.w.workday(day)
        return day if day <= b else self.w.workday_before(b)

    def won(self, around: float, spread: float = 0.5) -> int:
        value = math.exp(self.rng.gauss(math.log(around), spread))
        return max(int(value // 100_000 * 100_000), 1_000_000)


def plan(w: World) -> None:
    """Draw every outcome up to the world's horizon."""
    d = _Draw(w)
    for a in sorted(w.adoptions, key=lambda a: a.seq):
        if not a.approved or a.decided_on is None:
            continue
        first = d.after(a.decided_on, 25, 160)
        if first > w.horizon:
            continue
        n = 1 + (d.rng.random() < 0.3) + (d.rng.random() < 0.1)
        on = first
        for k in range(n):
            if on > w.horizon:
                break
            name = a.project_name if k == 0 else f"{a.project_name} {k + 1}차"
            share = d.rng.uniform(0.55, 1.0) if k == 0 else d.rng.uniform(0.2, 0.6)
            w.contracts.append(
                Contract(
                    adoption=a,
                    department=a.department,
                    project_name=name,
                    amount_krw=max(int(a.budget_krw * share // 100_000 * 100_000), 1_000_000),
                    quantity=d.rng.choice((None, d.rng.randint(50, 5000))),
                    on=on,
                )
            )
            on = d.after(on, 90, 420)
        evaluated = d.after(first, 100, 240)
        if evaluated <= w.horizon and d.rng.random() < 0.8:
            performance = d.rng.choices(("above", "as_expected", "below"), (0.25, 0.6, 0.15))[0]
            problems = (
                d.rng.choice(PROBLEMS) if performance == "below" or d.rng.random() < 0.2 else None
            )
            again = performance != "below" or d.rng.random() < 0.3
            w.evaluations_after_use.append(
                UseEvaluation(a, a.department, evaluated, performance, problems, again)
            )
    for t in sorted(w.testbeds, key=lambda t: t.seq):
        _testbed(w, d, t)


def _testbed(w: World, d: _Draw, t: Testbed) -> None:
    if t.started_on is None:
        return
    t.budget_krw = d.won(1.5e8, 0.35)
    t.details_on = t.started_on
    if t.completed_on is not None and t.completed_on <= w.horizon:
        t.result = d.rng.choice(RESULTS)
        t.details_on = t.completed_on
    if t.certified_on is not None and t.certified_on <= w.horizon:
        d.certificate += d.rng.randint(2, 30)
        t.certificate_no = f"제{d.certificate}호"
        t.details_on = t.certified_on
    published = t.imported_on is not None
    if published and t.certified_on is not None and t.certified_on < PUBLISHED_AS_OF:
        first = d.between(t.certified_on + 7 * DAY, PUBLISHED_AS_OF - DAY)  # commercialised
    elif published:  # the acrylate method: sold privately after its testbed ended
        assert t.completed_on is not None
        first = d.between(t.completed_on + 14 * DAY, PUBLISHED_AS_OF - DAY)
    elif t.certified_on is not None and d.rng.random() < 0.75:
        first = d.after(t.certified_on, 20, 200)
    else:
        return
    on, kind = first, "public_purchase" if published and t.certified_on else "private_sale"
    for _ in range(1 + d.rng.randint(0, 3)):
        if on > w.horizon:
            break
        buyers: tuple[str, ...] = PUBLIC_BUYERS if kind == "public_purchase" else PRIVATE_BUYERS
        if kind == "public_purchase" and d.rng.random() < 0.5:
            buyers = tuple(f"{w.city.name_ko} {x}" for x in ("건설본부", "상수도사업본부"))
        w.sales.append(Sale(t, kind, d.rng.choice(buyers), d.won(8e7, 0.7), on))
        on = d.after(on, 60, 300)
        kind = d.rng.choice(("public_purchase", "private_sale"))
