"""The testbed program, inquiries from other bodies, and agreements with partners.

The four testbeds of the press release were selected in 2018, before the platform existed;
they are imported at go-live (no agenda item), three certified by 2019-08-08, while the
acrylate waterproofing technology is still under review then. Later rounds are selected by
testbed-selection meetings in May and November.
"""

from __future__ import annotations

import datetime as dt

from seed import bodies, texts
from seed.bodies import Body
from seed.constants import PUBLISHED_AS_OF
from seed.model import Agreement, Inquiry, Org, Testbed
from seed.orgs import OrgPool
from seed.technologies import new_tech
from seed.world import World, month_bounds

D = dt.date
IMPORTED_ON = D(2019, 1, 7)


def _jitter(w: World, d: dt.date, days: int, lo: dt.date, hi: dt.date) -> dt.date:
    j = d + dt.timedelta(days=w.rng.randint(-days, days))
    j = w.workday(min(max(j, lo), hi))
    return j if j <= hi else w.workday_before(hi)


def published_testbeds(w: World, orgs: OrgPool) -> list[Testbed]:
    """The four testbeds of 2018 (x scale), with their technologies submitted at go-live."""
    out = []
    for k in range(w.scale):
        suffix = "" if k == 0 else f" ({k + 1})"
        for spec in texts.PUBLISHED_TESTBEDS:
            owner = orgs.new_company(True)
            tech = new_tech(
                w,
                owner,
                IMPORTED_ON,
                field=w.city.field(spec["field"]),
                title=(spec["title_ko"] + suffix, spec["title_en"] + suffix),
                sector=spec["sector"],
                certification="patent",
            )
            tech.actor = "staff"
            tech.forced = "passed"
            t = Testbed(
                seq=len(w.testbeds),
                tech=tech,
                site=w.city.published_sites[spec["key"]],
                applied_on=w.date_between(D(2018, 2, 12), D(2018, 3, 16)),
                imported_on=IMPORTED_ON,
            )
            t.selected_on = w.date_between(D(2018, 4, 9), D(2018, 4, 27))
            t.started_on = w.after(t.selected_on, 20, 45)
            if spec["key"] == "acrylate":
                t.completed_on = w.date_between(D(2019, 2, 11), D(2019, 3, 29))
                tech.screening_on = w.after(IMPORTED_ON, 2, 5)
                tech.review_on = w.date_between(D(2019, 7, 8), D(2019, 7, 26))
            else:
                t.completed_on = w.date_between(D(2018, 11, 5), D(2018, 12, 21))
                t.certified_on = w.date_between(D(2019, 3, 4), D(2019, 7, 19))
                t.certification = spec["certification"]
                tech.cert_change = (t.certified_on, spec["certification"])
                tech.screening_on = w.after(IMPORTED_ON, 2, 5)
                tech.review_on = w.after(tech.screening_on, 3, 8)
            w.testbeds.append(t)
            out.append(t)
    return out


def certify_acrylate(w: World, t: Testbed) -> None:
    """After its registration the acrylate method wins the construction new-technology mark."""
    assert t.tech.decided_on is not None
    t.certified_on = w.after(t.tech.decided_on, 120, 240)
    t.certification = "construction_new_technology"
    t.tech.cert_change = (t.certified_on, t.certification)


def testbed_application(w: World, orgs: OrgPool, applied: dt.date, dge: list[Agreement]) -> Testbed:
    """One application: a local firm's new technology and a city site to try it on."""
    owner = orgs.new_company(True) if w.chance(0.5) else orgs.company(True)
    tech = new_tech(w, owner, applied)
    site = w.city.with_city(w.pick(texts.TESTBED_SITES), d=w.pick(w.city.districts))
    agreement = None
    if "학교" in site:  # school sites are offered under the education office's MOU
        active = [
            a for a in dge if a.starts_on and a.ends_on and a.starts_on <= applied <= a.ends_on
        ]
        agreement = active[0] if active else None
    t = Testbed(seq=len(w.testbeds), tech=tech, site=site, applied_on=applied, agreement=agreement)
    w.testbeds.append(t)
    return t


# Applications per month (x scale): calls in spring and late summer, a trickle otherwise.
APPLICATIONS = {
    1: 0.3,
    2: 1.2,
    3: 1.0,
    4: 0.3,
    5: 0.1,
    6: 0.1,
    7: 0.3,
    8: 0.8,
    9: 1.0,
    10: 0.5,
    11: 0.1,
    12: 0.1,
}


def testbed_applications(
    w: World, orgs: OrgPool, end: dt.date, dge: list[Agreement]
) -> list[Testbed]:
    """Applications from 2020 on; each waits for the next selection meeting."""
    out = []
    for y, m in w.months(D(2020, 1, 1), end):
        first, last = month_bounds(y, m)
        for _ in range(w.poisson(APPLICATIONS[m] * w.scale)):
            applied = w.date_between(first, min(last, end))
            if applied <= end:
                out.append(testbed_application(w, orgs, applied, dge))
    out.sort(key=lambda t: (t.applied_on, t.seq))
    return out


# --- inquiries ----------------------------------------------------------------------------


def _inquiry(
    w: World, orgs: OrgPool, body: Body, received: dt.date, channel: str, topic: str
) -> Inquiry:
    org = orgs.body(body)
    org.use(received)
    title = w.pick(texts.CONTACT_TITLES)
    inq = Inquiry(len(w.inquiries), org, received, channel, topic, f"{w.fake.name()} {title}")
    w.inquiries.append(inq)
    return inq


def published_inquiries(w: World, orgs: OrgPool) -> None:
    """The seven bodies of the press release: the Board of Audit and Inspection's April
    visit first, then the others "since then" (May to early August 2019)."""
    last = PUBLISHED_AS_OF
    for _ in range(w.scale):
        bai = _inquiry(
            w,
            orgs,
            bodies.BAI,
            w.date_between(D(2019, 4, 1), D(2019, 4, 5)),
            "visit",
            texts.BAI_TOPIC,
        )
        bai.answered_on = w.after(bai.received_on, 1, 3)
        bai.visit_on = w.date_between(D(2019, 4, 15), D(2019, 4, 26))
        bai.note = "현장 점검 결과 '혁신성장 우수사례'로 선정됨."
        bai.followups.append((w.after(bai.visit_on, 10, 25), "우수사례 선정 결과를 통보받음."))
        plan = (
            (bodies.MOLIT, D(2019, 5, 7), D(2019, 5, 31), "letter", False, None),
            (bodies.MOIS, D(2019, 5, 13), D(2019, 6, 14), "email", True, None),
            (bodies.BUSAN, D(2019, 6, 3), D(2019, 6, 21), "call", True, D(2020, 3, 16)),
            (bodies.DAEJEON, D(2019, 6, 10), D(2019, 7, 5), "letter", True, D(2020, 9, 14)),
            (bodies.GYEONGGI, D(2019, 7, 1), D(2019, 7, 19), "email", False, None),
            (bodies.GYEONGBUK, D(2019, 7, 8), D(2019, 7, 26), "visit", True, D(2020, 2, 10)),
        )
        for body, lo, hi, channel, visit, benchmarked in plan:
            inq = _inquiry(
                w, orgs, body, w.date_between(lo, hi), channel, w.pick(texts.INQUIRY_TOPICS)
            )
            inq.answered_on = w.after(inq.received_on, 3, 12)
            if visit:
                inq.visit_on = w.after(inq.answered_on, 14, 60)
                if inq.visit_on <= last and body is bodies.MOIS:
                    inq.visit_on = w.after(last, 20, 50)
            if benchmarked:
                inq.benchmarked_on = _jitter(
                    w, benchmarked, 10, benchmarked, benchmarked + dt.timedelta(days=30)
                )
            if w.chance(0.6):
                inq.followups.append(
                    (w.after(inq.answered_on, 5, 40), w.pick(texts.FOLLOWUP_NOTES))
                )


LATER_PER_YEAR = {2019: 6, 2020: 9, 2021: 8, 2022: 7, 2023: 7, 2024: 6, 2025: 5}
CHANNELS = {"email": 35, "letter": 25, "call": 25, "visit": 15}


def later_inquiries(w: World, orgs: OrgPool, end: dt.date) -> None:
    """Inquiries after the press release: many in the first year, fewer later."""
    bodies_, weights = zip(*bodies.LATER_INQUIRERS, strict=True)
    for year in range(2019, end.year + 1):
        lo = PUBLISHED_AS_OF + dt.timedelta(days=1) if year == 2019 else D(year, 1, 2)
        hi = min(D(year, 12, 28), end)
        if hi < lo:
            continue
        for _ in range(w.poisson(LATER_PER_YEAR.get(year, 5) * w.scale)):
            received = w.date_between(lo, hi)
            channel = w.weighted(list(CHANNELS), list(CHANNELS.values()))
            inq = _inquiry(
                w,
                orgs,
                w.weighted(bodies_, weights),
                received,
                channel,
                w.pick(texts.INQUIRY_TOPICS),
            )
            if w.chance(0.95):
                inq.answered_on = w.after(received, 3, 20)
                if channel == "visit" or w.chance(0.35):
                    inq.visit_on = w.after(inq.answered_on, 15, 60)
                    if w.chance(0.4):
                        inq.benchmarked_on = w.after(inq.visit_on, 60, 240)
            for _ in range(w.weighted((0, 1, 2, 3), (40, 35, 18, 7))):
                inq.followups.append((w.after(received, 5, 200), w.pick(texts.FOLLOWUP_NOTES)))
            inq.followups.sort()


# --- agreements ---------------------------------------------------------------------------

# (body, kind, planned, signed, starts (None: on signing), years, label_ko, label_en)
PUBLISHED_AGREEMENTS = (
    (bodies.KEC, "mou", D(2019, 7, 10), D(2019, 10, 17), None, 3),
    (bodies.DGE, "mou", D(2019, 7, 22), D(2019, 9, 26), None, 4),
    (bodies.KNU, "mou", D(2019, 8, 1), D(2019, 11, 21), None, 5),
    (bodies.GYEONGBUK, "joint_operation", D(2019, 7, 30), D(2019, 12, 12), D(2020, 1, 2), 5),
)
LATER_AGREEMENTS = (
    (bodies.KWATER, "mou", D(2020, 5, 12), D(2020, 7, 9), None, 5),
    (bodies.LH, "mou", D(2021, 3, 15), D(2021, 6, 10), None, 6),
    (bodies.KMU, "mou", D(2021, 8, 20), D(2021, 10, 14), None, 6),
    (bodies.KEC, "mou", D(2022, 8, 16), D(2022, 10, 18), None, 5),
    (bodies.DGIST, "mou", D(2023, 3, 9), D(2023, 5, 11), None, 5),
    (bodies.HIROSHIMA, "mou", D(2024, 4, 10), D(2024, 10, 22), None, 3),
    (bodies.GYEONGBUK, "joint_operation", D(2024, 10, 1), D(2024, 12, 19), D(2025, 1, 2), 3),
    (bodies.DGE, "mou", D(2026, 9, 15), D(2027, 1, 14), None, 4),
)


# Adoptions recorded as produced by an agreement: the Korea Expressway Corporation's first
# MOU covers road works, so the first approved road adoptions proposed in its term.
LINKED_ADOPTIONS = 2


def link_adoptions(w: World, agreements: list[Agreement]) -> None:
    """Record the first :data:`LINKED_ADOPTIONS` approved adoptions of road technologies
    proposed while the Korea Expressway Corporation's first MOU was in force as produced by
    it (as staff would with ``db.intercity.link_product``). No random draw: everything else
    in the world stays as it was."""
    kec = w.bodies.get(bodies.KEC.key)
    mou = next(a for a in agreements if a.partner is kec and a.kind == "mou")
    assert mou.signed_on is not None and mou.ends_on is not None
    linked = [
        a
        for a in sorted(w.adoptions, key=lambda a: (a.proposed_on, a.seq))
        if a.approved and a.tech.field == "roads" and mou.signed_on <= a.proposed_on <= mou.ends_on
    ][:LINKED_ADOPTIONS]
    for a in linked:
        a.agreement = mou


def _titles(partner: Org, kind: str, renewal: bool) -> tuple[str, str]:
    if kind == "joint_operation":
        ko = f"{partner.name_ko} 신기술 플랫폼 공동운영 협약"
        en = f"Joint operation of the New Technology Platform with {partner.name_en}"
    else:
        ko = f"{partner.name_ko} 신기술 활용 업무협약"
        en = f"MOU on the use of new technologies with {partner.name_en}"
    if renewal:
        ko, en = ko + "(2차)", en + " (renewal)"
    return ko, en


def agreements(w: World, orgs: OrgPool) -> list[Agreement]:
    """The four agreements planned by 2019-08-08 (signed in the second half of 2019) and the
    later ones, each x scale."""
    seen: set[tuple[str, str]] = set()
    out = []
    for published, table in ((True, PUBLISHED_AGREEMENTS), (False, LATER_AGREEMENTS)):
        for body, kind, planned, signed, starts, years in table:
            renewal = (body.key, kind) in seen
            seen.add((body.key, kind))
            for k in range(w.scale):
                if published:
                    p_on = _jitter(w, planned, 5 if k else 0, D(2019, 6, 3), PUBLISHED_AS_OF)
                    s_on = _jitter(
                        w,
                        signed,
                        5 if k else 0,
                        PUBLISHED_AS_OF + dt.timedelta(days=1),
                        D(2019, 12, 27),
                    )
                else:
                    p_on = _jitter(
                        w,
                        planned,
                        5 if k else 0,
                        planned - dt.timedelta(days=5),
                        planned + dt.timedelta(days=5),
                    )
                    s_on = _jitter(
                        w,
                        signed,
                        5 if k else 0,
                        signed - dt.timedelta(days=5),
                        signed + dt.timedelta(days=5),
                    )
                start = starts or s_on
                end = dt.date(start.year + years, start.month, 1) - dt.timedelta(days=1)
                org = orgs.body(body)
                org.use(p_on)
                ko, en = _titles(org, kind, renewal)
                a = Agreement(
                    len(w.agreements),
                    org,
                    kind,
                    ko,
                    en,
                    texts.AGREEMENT_SCOPES[kind],
                    p_on,
                    s_on,
                    start,
                    end,
                )
                w.agreements.append(a)
                out.append(a)
    return out
