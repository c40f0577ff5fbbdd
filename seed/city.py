"""The city the demo is built for: what the generator takes from the city's profile.

The demo city (:data:`DEMO_PROFILE`, code ``daegu``) keeps its real public bodies, districts,
roads and sites, so its data and the published figures come out exactly as they always did.
Any other city gets the same world in its own words:

- its technical fields: one the demo's texts do not know joins the smallest field group, with
  titles made from its label; one of the demo's the city lacks is replaced by a field of the
  same group;
- its growth sectors: each of the demo's becomes one of the city's (spread so that every one
  of the city's is used), "outside the growth sectors" stays outside;
- its kinds of organisation: one the demo uses but the city lacks becomes the city's kind
  with the same attributes (``owns_technologies``, ``inquires``, ``abroad``);
- its home region: local firms, and local institutes and universities, are there; firms
  elsewhere are spread over the other regions;
- its numbering (``reg_no_pattern``), and its own bodies (the city, its education office,
  two districts, three universities) and places named from the city's name; the city never
  asks about its own platform (another metropolitan government asks instead).

Nothing here draws a random number.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Final

from db.city.numbering import NumberPattern
from db.city.profile_file import CityProfile, Term, read_profile
from db.config import PROJECT_ROOT
from db.errors import N_, DomainError
from db.meetings.scoring import Thresholds
from seed import bodies, texts
from seed.bodies import Body

DEMO_CODE: Final = "daegu"
DEMO_PROFILE: Final = PROJECT_ROOT / "profiles" / "daegu.toml"
"""The city of the published figures: built when no other profile is given or held."""

GROUPS: Final = tuple(texts.FIELD_GROUPS)
OUTSIDE: Final = "none"
"""The demo's sector for technologies outside the growth sectors."""
DEMO_SECTORS: Final = (
    "medical",
    "intelligent_vehicle_robotics",
    "renewable_energy",
    "water",
    "smart_city",
)
UNKNOWN_FIELD_WEIGHT: Final = 3
KIND_ATTRIBUTES: Final = ("owns_technologies", "inquires", "abroad")

# Another city's own places (the demo city's real ones are in ``seed.texts``).
DISTRICTS: Final = ("중구", "동구", "서구", "남구", "북구")
PROJECT_OBJECTS: Final[dict[str, tuple[str, ...]]] = {
    "civil": ("중앙로", "시청로", "순환도로", "역전로", "제1교", "제2교"),
    "building": ("구민체육센터", "공공도서관", "행정복지센터", "시립어린이집", "공영주차장"),
    "water_env": ("제1 하수처리장", "제2 정수장", "도심 하천", "서부 하수관로", "지방하천"),
    "mep": ("가로등", "도시철도 역사", "공공청사", "정수장 펌프장", "교통신호 체계"),
}
PUBLISHED_SITES: Final = {
    "acrylate": "{city} 배수지 상부 슬래브",
    "column": "{city} 도심 고가차도 교각",
    "paving": "{city} 근린공원 보행로",
    "robot": "{city} 보도육교 강재 도장",
}
"""Sites of the four testbeds of 2018 in another city (the demo's are in ``seed.texts``)."""
INSTITUTION_AREA: Final = ("{ko}권", "{en} Area")
"""The prefix of synthetic institutes in the city's region (the demo's is ``대경권``)."""
UNIVERSITY_PLACES: Final = (
    ("새누리", "Saenuri"),
    ("푸른솔", "Pureunsol"),
    ("다온", "Daon"),
    ("가람", "Garam"),
)
"""Place words of synthetic universities in the city's region (the demo's are Daegu's)."""
GENERIC_NOUNS: Final = (
    ("{ko} 시공", "{en} construction"),
    ("{ko} 유지관리", "{en} maintenance"),
    ("{ko} 상태 점검", "{en} inspection"),
)
"""Technology nouns of a field the demo's texts do not know (from its labels)."""

_KO_SUFFIXES = ("특별자치시", "특별자치도", "광역시", "특별시", "특례시", "시", "도", "군")
_EN_SUFFIX = re.compile(
    r"\s+(Metropolitan City|Metropolitan Government|Special Self-Governing City|"
    r"Special Self-Governing Province|Special City|City|Province|County)$"
)


class ProfileNotBuildable(DomainError):
    """The demo world cannot be made from this profile; nothing was written."""

    message = N_(
        "The demo data needs at least four technical fields in the city's profile ({n} "
        "given). Nothing was written."
    )


MISSING_KIND = N_(
    "The demo data needs a kind of organisation like {kind} (as able to own technologies and as "
    "much abroad); the city's profile has none. Nothing was written."
)


@dataclass(frozen=True)
class City:
    """What the generator reads from the city: vocabularies, places, bodies, numbering."""

    name_ko: str
    name_en: str
    short_ko: str
    short_en: str
    home_regions: tuple[str, ...]
    reg_no: NumberPattern
    field_groups: Mapping[str, tuple[str, ...]]
    group_of_field: Mapping[str, str]
    field_weights: Mapping[str, int]
    tech_nouns: Mapping[str, tuple[tuple[str, str], ...]]
    fields: Mapping[str, str]  # a field of the demo's texts -> the city's
    sectors: Mapping[str, tuple[str, ...]]  # a sector of the demo -> the city's it becomes
    kinds: Mapping[str, str]  # a kind of organisation of the demo -> the city's
    other_regions: Mapping[str, int]  # regions of firms elsewhere, with weights
    institution_prefixes: tuple[tuple[str, str, str, int], ...]
    university_places: tuple[tuple[str, str, str], ...]
    districts: tuple[str, ...]
    project_objects: Mapping[str, tuple[str, ...]]
    published_sites: Mapping[str, str]  # the 2018 testbeds' sites, by key
    bodies: Mapping[str, Body]  # a body of the demo (by key) -> the body in this world
    rule: Thresholds  # the scoring rule of the profile's first regulation version

    @property
    def home(self) -> str:
        """The region of local firms."""
        return self.home_regions[0]

    def is_local(self, region: str | None) -> bool:
        return region in self.home_regions

    def field(self, demo_field: str) -> str:
        """The city's field for one the demo's texts name (e.g. a published testbed's)."""
        return self.fields[demo_field]

    def sector(self, demo_sector: str, seq: int) -> str:
        """The city's growth sector for the demo's ``demo_sector`` (``seq`` spreads one of
        the demo's over several of the city's)."""
        choices = self.sectors[demo_sector]
        return choices[seq % len(choices)]

    def body(self, b: Body) -> Body:
        """The body ``b`` of the demo as this city's world has it."""
        return self.bodies.get(b.key, b)

    def with_city(self, template: str, **values: str) -> str:
        """``template`` with ``{city}`` (the short name), ``{city_name}`` and ``values``."""
        return template.format(city=self.short_ko, city_name=self.name_ko, **values)


def short_names(name_ko: str, name_en: str) -> tuple[str, str]:
    """``("대전", "Daejeon")`` for ``("대전광역시", "Daejeon Metropolitan City")``."""
    ko = name_ko
    for suffix in _KO_SUFFIXES:
        if name_ko.endswith(suffix) and len(name_ko) > len(suffix):
            ko = name_ko[: -len(suffix)]
            break
    return ko, _EN_SUFFIX.sub("", name_en).strip() or name_en


def for_profile(profile: CityProfile) -> City:
    """The city of ``profile`` as the generator reads it.

    :raise ProfileNotBuildable: fewer than four technical fields, or no kind of organisation
        with the attributes of one the demo needs.
    """
    demo = read_profile(DEMO_PROFILE) if profile.code != DEMO_CODE else profile
    short_ko, short_en = short_names(profile.name_ko, profile.name_en)
    field_terms = profile.vocabularies["fields"]
    groups = _field_groups([t.code for t in field_terms])
    known = set(texts.FIELD_WEIGHTS)
    nouns = {
        t.code: texts.TECH_NOUNS[t.code]
        if t.code in known
        else tuple((ko.format(ko=t.ko), en.format(en=t.en.lower())) for ko, en in GENERIC_NOUNS)
        for t in field_terms
    }
    weights = {t.code: texts.FIELD_WEIGHTS.get(t.code, UNKNOWN_FIELD_WEIGHT) for t in field_terms}
    group_of = {f: g for g, fs in groups.items() for f in fs}
    fields = {
        f: f if f in group_of else groups[texts.GROUP_OF_FIELD[f]][0] for f in texts.FIELD_WEIGHTS
    }
    home = profile.home_regions
    city = City(
        name_ko=profile.name_ko,
        name_en=profile.name_en,
        short_ko=short_ko,
        short_en=short_en,
        home_regions=home,
        reg_no=NumberPattern(profile.reg_no_pattern),
        field_groups=groups,
        group_of_field=group_of,
        field_weights=weights,
        tech_nouns=nouns,
        fields=fields,
        sectors=_sectors(profile),
        kinds=_kinds(profile, demo),
        other_regions=_other_regions(home),
        institution_prefixes=texts.INSTITUTION_PREFIXES,
        university_places=texts.UNIVERSITY_PLACES,
        districts=texts.DISTRICTS,
        project_objects=texts.PROJECT_OBJECTS,
        published_sites={t["key"]: t["site"] for t in texts.PUBLISHED_TESTBEDS},
        bodies={},
        rule=_rule(profile, demo),
    )
    return city if profile.code == DEMO_CODE else _elsewhere(city, profile)


def _field_groups(codes: list[str]) -> dict[str, tuple[str, ...]]:
    """The city's fields by the demo's field groups (panels are drawn per group), the
    demo's in the demo's order."""
    if len(codes) < len(GROUPS):
        raise ProfileNotBuildable(n=len(codes))
    groups = {g: [f for f in fs if f in codes] for g, fs in texts.FIELD_GROUPS.items()}
    for code in codes:
        if code not in texts.GROUP_OF_FIELD:
            groups[min(GROUPS, key=lambda g: len(groups[g]))].append(code)
    for g in GROUPS:  # a group none of whose fields the city has takes one from the largest
        if not groups[g]:
            largest = max(GROUPS, key=lambda k: len(groups[k]))
            groups[g].append(groups[largest].pop())
    return {g: tuple(fs) for g, fs in groups.items()}


def _sectors(profile: CityProfile) -> dict[str, tuple[str, ...]]:
    terms = profile.vocabularies["sectors"]
    outside = next(t.code for t in terms if t.attributes.get("outside"))
    growth = [t.code for t in terms if not t.attributes.get("outside")]
    out: dict[str, tuple[str, ...]] = {OUTSIDE: (outside,)}
    for i, code in enumerate(DEMO_SECTORS):
        if code in growth:
            out[code] = (code,)
        elif len(growth) >= len(DEMO_SECTORS):
            out[code] = tuple(growth[i :: len(DEMO_SECTORS)])
        else:
            out[code] = (growth[i % len(growth)],) if growth else (outside,)
    return out


def _kinds(profile: CityProfile, demo: CityProfile) -> dict[str, str]:
    """The city's kind for each of the demo's: the same code, else the first with the same
    attributes, else the first that may own technologies and is abroad alike."""

    def attributes(t: Term) -> tuple[bool, ...]:
        return tuple(bool(t.attributes.get(a)) for a in KIND_ATTRIBUTES)

    theirs = profile.vocabularies["organisation_kinds"]
    codes = {t.code for t in theirs}
    out = {}
    for d in demo.vocabularies["organisation_kinds"]:
        if d.code in codes:
            out[d.code] = d.code
            continue
        wanted = attributes(d)
        same = [t.code for t in theirs if attributes(t) == wanted]
        close = [t.code for t in theirs if attributes(t)[0::2] == wanted[0::2]]
        if not (same or close):
            raise ProfileNotBuildable(MISSING_KIND, kind=d.code)
        out[d.code] = (same or close)[0]
    return out


def _rule(profile: CityProfile, demo: CityProfile) -> Thresholds:
    """The scoring rule of the history: the profile's first regulation version, else the
    demo city's (whose profile always carries one)."""
    regulation = profile.regulation or demo.regulation
    assert regulation is not None, "profiles/daegu.toml carries its regulation"
    return Thresholds.from_rules(regulation.rules)


def _other_regions(home: tuple[str, ...]) -> dict[str, int]:
    """Where firms outside the city are: the demo's spread without the city's regions, the
    demo city's region taking their weight."""
    demo_home = bodies.CITY.region
    assert demo_home is not None
    out = {r: w for r, w in texts.OTHER_REGIONS.items() if r not in home}
    if demo_home not in home:
        out[demo_home] = sum(w for r, w in texts.OTHER_REGIONS.items() if r in home)
    return out


def _elsewhere(city: City, profile: CityProfile) -> City:
    """``city`` (a city other than the demo's) with its own places and bodies."""
    ko, en, home = city.short_ko, city.short_en, city.home
    demo_home = bodies.CITY.region
    prefix_ko, prefix_en = INSTITUTION_AREA
    institutions = tuple(
        (prefix_ko.format(ko=ko), prefix_en.format(en=en), home, w)
        if r == demo_home
        else (p, e, r, w)
        for p, e, r, w in texts.INSTITUTION_PREFIXES
    )
    places = iter(UNIVERSITY_PLACES)
    universities = tuple(
        (*next(places), home) if r == demo_home else (p, e, r)
        for p, e, r in texts.UNIVERSITY_PLACES
    )
    name_ko, name_en = profile.name_ko, profile.name_en
    own = {
        bodies.CITY.key: Body(bodies.CITY.key, name_ko, name_en, "metropolitan_city", home),
        bodies.DGE.key: Body(
            bodies.DGE.key,
            f"{name_ko}교육청",
            f"{name_en} Office of Education",
            "education_office",
            home,
        ),
        bodies.KNU.key: Body(bodies.KNU.key, f"{ko}대학교", f"{en} University", "university", home),
        bodies.KMU.key: Body(
            bodies.KMU.key, f"{ko}시립대학교", f"University of {en}", "university", home
        ),
        bodies.DGIST.key: Body(
            bodies.DGIST.key,
            f"{ko}과학기술원",
            f"{en} Institute of Science and Technology",
            "university",
            home,
        ),
        bodies.SUSEONG.key: Body(
            bodies.SUSEONG.key, f"{name_ko} 중구", f"Jung-gu, {en}", "local_government", home
        ),
        bodies.DALSEO.key: Body(
            bodies.DALSEO.key, f"{name_ko} 동구", f"Dong-gu, {en}", "local_government", home
        ),
    }
    # The city does not ask about its own platform: another metropolitan government does.
    asking = [b for b, _w in bodies.LATER_INQUIRERS]
    stand_in = next(
        b
        for b in asking
        if b.kind == "metropolitan_city"
        and b.region not in city.home_regions
        and b not in bodies.PUBLISHED_INQUIRERS
    )
    itself = {
        b.key: stand_in
        for b in (*bodies.PUBLISHED_INQUIRERS, *asking)
        if b.region in city.home_regions and b.kind in ("metropolitan_city", "province")
    }
    return replace(
        city,
        institution_prefixes=institutions,
        university_places=universities,
        districts=DISTRICTS,
        project_objects=PROJECT_OBJECTS,
        published_sites={k: city.with_city(v) for k, v in PUBLISHED_SITES.items()},
        bodies={**itself, **own},
    )
