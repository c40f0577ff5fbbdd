"""Organisations: the real public bodies and the synthetic companies, institutes, universities.

Companies are named from Faker's ko_KR company words plus a construction-trade brand
(``(주) 가온한빛건설``, English ``Gaonhanbit Construction Co., Ltd.``); a company's activity
weight makes a few firms submit many technologies, employ experts and hold ties, as in life.
Organisations are only written if some record refers to them (see ``Org.first_use``).
"""

from __future__ import annotations

from bisect import bisect_left

from seed import romanize, texts
from seed.bodies import Body
from seed.model import Org
from seed.world import World

_KIND_EN = {"(주)": "Co., Ltd.", "주식회사": "Co., Ltd.", "(유)": "Ltd.", "유한회사": "Ltd."}


class OrgPool:
    """Creates organisations on demand and picks existing ones by kind and weight."""

    def __init__(self, world: World) -> None:
        self.w = world
        self._names: set[tuple[str, str]] = set()
        self._cores: set[str] = set()
        self.companies: dict[bool, list[Org]] = {True: [], False: []}
        self._company_cum: dict[bool, list[float]] = {True: [], False: []}
        self.institutions: list[Org] = []
        self.universities: list[Org] = []
        self.offices: list[Org] = []
        self._regions = list(world.city.other_regions)
        self._region_weights = list(world.city.other_regions.values())

    def _add(
        self,
        name_ko: str,
        name_en: str,
        kind: str,
        region: str | None,
        country: str = "KR",
        weight: float = 1.0,
    ) -> Org:
        city = self.w.city
        org = Org(
            len(self.w.orgs),
            name_ko,
            name_en,
            city.kinds[kind],
            region,
            country,
            weight,
            is_local=city.is_local(region),
        )
        self._names.add((name_ko, kind))
        self.w.orgs.append(org)
        return org

    def body(self, b: Body) -> Org:
        """The organisation of a real public body (created once), as the city has it (the
        demo city's body, or the city's own, or a stand-in: ``seed.city.City.body``)."""
        own = self.w.city.body(b)
        org = self.w.bodies.get(own.key)
        if org is None:
            org = self._add(own.name_ko, own.name_en, own.kind, own.region, own.country)
            self.w.bodies[own.key] = org
        return org

    # --- companies ------------------------------------------------------------------------

    def new_company(self, local: bool) -> Org:
        """A new synthetic company in the city (``local``) or elsewhere in Korea."""
        fake, rng = self.w.fake, self.w.rng
        for attempt in range(50):
            words = [fake.company_name_word() for _ in range(rng.choice((1, 2, 2)))]
            brand_ko, brand_en = self.w.pick(texts.COMPANY_BRANDS)
            core = "".join(words) + brand_ko
            if attempt > 20:
                core = f"{core}{attempt}"
            if core not in self._cores:
                break
        self._cores.add(core)
        form = fake.company_suffix()
        name_ko = f"{form} {core}"
        name_en = f"{romanize.word(''.join(words))} {brand_en} {_KIND_EN.get(form, 'Co., Ltd.')}"
        region = self.w.city.home if local else self.w.weighted(self._regions, self._region_weights)
        weight = min(rng.paretovariate(1.4), 25.0)
        org = self._add(name_ko, name_en, "company", region, weight=weight)
        self.companies[local].append(org)
        cum = self._company_cum[local]
        cum.append((cum[-1] if cum else 0.0) + weight)
        return org

    def company(self, local: bool) -> Org:
        """An existing company, more active ones more often."""
        cum = self._company_cum[local]
        i = bisect_left(cum, self.w.rng.random() * cum[-1])
        return self.companies[local][min(i, len(cum) - 1)]

    def grow_companies(self, local: int, other: int) -> None:
        """Add ``local`` companies in the city and ``other`` companies elsewhere."""
        for _ in range(local):
            self.new_company(True)
        for _ in range(other):
            self.new_company(False)

    # --- institutions, universities, engineering offices ----------------------------------

    def new_institution(self) -> Org:
        """A synthetic public institution or research institute (names are not real bodies)."""
        prefixes = self.w.city.institution_prefixes
        for _ in range(40):
            pko, pen, region, _wt = self.w.weighted(prefixes, [p[3] for p in prefixes])
            tko, ten = self.w.pick(texts.INSTITUTION_TOPICS)
            sko, sen, kind = self.w.pick(texts.INSTITUTION_SUFFIXES)
            name = f"{pko}{tko}{sko}"
            if (name, kind) not in self._names:
                org = self._add(name, f"{pen} {ten} {sen}", kind, region)
                self.institutions.append(org)
                return org
        return self.w.pick(self.institutions)

    def new_university(self) -> Org:
        """A synthetic university (names chosen not to be real ones)."""
        for _ in range(40):
            pko, pen, region = self.w.pick(self.w.city.university_places)
            kko, ken = self.w.pick(texts.UNIVERSITY_KINDS)
            name = f"{pko}{kko}"
            if (name, "university") not in self._names:
                org = self._add(name, f"{pen} {ken}", "university", region)
                self.universities.append(org)
                return org
        return self.w.pick(self.universities)

    def new_office(self) -> Org:
        """A one-person professional engineer's office (the "other" affiliation)."""
        fake = self.w.fake
        for _ in range(20):
            person = fake.last_name() + fake.first_name()
            name = f"{person}기술사사무소"
            if (name, "company") not in self._names:
                region = (
                    self.w.city.home
                    if self.w.chance(0.5)
                    else self.w.weighted(self._regions, self._region_weights)
                )
                org = self._add(
                    name,
                    f"{romanize.person(person)} Professional Engineer Office",
                    "company",
                    region,
                )
                self.offices.append(org)
                return org
        return self.w.pick(self.offices)

    def employer(self, affiliation: str) -> Org:
        """An organisation matching an expert's affiliation category."""
        w = self.w
        if affiliation == "industry":
            return self.company(w.chance(0.4))
        if affiliation == "academia":
            if len(self.universities) < 12 * min(w.scale, 4) and w.chance(0.3):
                return self.new_university()
            return w.pick(self.universities)
        if affiliation == "other":
            return self.new_office()
        if len(self.institutions) < 60 * min(w.scale, 10) and w.chance(0.35):
            return self.new_institution()
        return w.pick(self.institutions)
