"""The city's vocabularies in every write, on SQLite and PostgreSQL.

Another city's profile (Busan's: ``BS-{year}-{seq:03}``, home region KR-26, a
``shipbuilding`` field and a ``marine_industry`` sector) applied to a fresh database lets
staff register ``BS-2026-001`` in its own vocabulary; every write that takes a field, growth
sector or kind of organisation refuses an unknown code and a retired one for a new use,
naming the field, while a record that holds a retired code keeps it on edit; registration
numbers follow any pattern; kinds' attributes and the home regions decide owners, asking
bodies, bodies abroad and local firms; register reads check filter codes against the city.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import time_machine
from sqlalchemy import Engine, insert, select, update

from db import approvals, experts, intercity, kpi, technologies
from db.city.profile_file import read_profile
from db.city.store import RETIRED_CODE, apply_profile, city
from db.errors import ValidationFailed
from db.experts.writes import NOT_HOME_REGION, TieInput
from db.intercity.analysis import organizations as asking_bodies
from db.intercity.common import NOT_ASKING_KIND, NewOrganization
from db.models import (
    CityProfileRow,
    Expert,
    FieldTerm,
    OrganisationKindTerm,
    Organization,
    SectorTerm,
    Technology,
)
from db.policy import Actor
from db.recording import UNKNOWN_CHOICE
from db.session import read_session, write_session
from db.technologies.writes import UNKNOWN_OWNER, next_reg_no
from tests.users import actor_of, cheap_bcrypt, make_user  # noqa: F401 (fixture)

ROOT = Path(__file__).resolve().parent.parent
# 10:00 in the city on a working day of 2026 (time keeps running from there).
SPRING_2026 = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)
RETIRED_ON = dt.date(2026, 1, 1)


@pytest.fixture(autouse=True)
def spring_2026() -> Iterator[None]:
    with time_machine.travel(SPRING_2026, tick=True):
        yield


def busan_profile(folder: Path) -> Path:
    """A profile file for Busan made from Daejeon's: another name, code, logo, home region
    and numbering, a ``shipbuilding`` field and a ``marine_industry`` sector."""
    text = (ROOT / "profiles" / "daejeon.toml").read_text(encoding="utf-8")
    for old, new in (
        ('code = "daejeon"', 'code = "busan"'),
        ('name_ko = "대전광역시"', 'name_ko = "부산광역시"'),
        ('name_en = "Daejeon Metropolitan City"', 'name_en = "Busan Metropolitan City"'),
        ('logo = "daejeon-logo.svg"', 'logo = "busan-logo.svg"'),
        ('home_regions = ["KR-30"]', 'home_regions = ["KR-26"]'),
        ('reg_no_pattern = "DJ-{year}-{seq:03}"', 'reg_no_pattern = "BS-{year}-{seq:03}"'),
        ("대전광역시 신기술 플랫폼", "부산광역시 신기술 플랫폼"),
    ):
        assert old in text, old
        text = text.replace(old, new)
    text = text.replace(
        "# The city's strategic industries",
        '[[fields]]\ncode = "shipbuilding"\nko = "조선"\nen = "Shipbuilding"\n\n'
        "# The city's strategic industries",
    )
    text = text.replace(
        '[[sectors]]\ncode = "none"',
        '[[sectors]]\ncode = "marine_industry"\nko = "해양산업"\nen = "Marine industry"\n\n'
        '[[sectors]]\ncode = "none"',
    )
    (folder / "busan-logo.svg").write_bytes((ROOT / "profiles" / "daejeon-logo.svg").read_bytes())
    path = folder / "busan.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def busan(unprofiled_engine: Engine, tmp_path: Path) -> Engine:
    """A fresh database holding Busan's profile (as ``python -m db city init`` leaves it)."""
    with write_session(unprofiled_engine) as s:
        apply_profile(s, read_profile(busan_profile(tmp_path)), source="busan.toml")
    return unprofiled_engine


def run(engine: Engine, fn: Callable[..., Any], **kw: Any) -> Any:
    with write_session(engine) as s:
        return fn(session=s, **kw)


def problems(engine: Engine, fn: Callable[..., Any], **kw: Any) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as refused:
        run(engine, fn, **kw)
    return refused.value.errors


def retire(engine: Engine, model: type, code: str) -> None:
    with write_session(engine) as s:
        s.execute(update(model).where(model.code == code).values(retired_on=RETIRED_ON))


def staff_of(engine: Engine) -> Actor:
    return actor_of(engine, make_user(engine, "staff.city", ["staff"]))


def company(engine: Engine, staff: Actor, name: str, region: str = "KR-26") -> int:
    return int(
        run(
            engine,
            experts.add_organization,
            actor=staff,
            name_ko=name,
            name_en=name,
            kind="company",
            region=region,
        )
    )


def register(engine: Engine, staff: Actor, owner: int, **kw: Any) -> tuple[int, str]:
    values: dict[str, Any] = dict(
        title_ko=f"시험 기술 {kw.get('field', '')} {kw.get('growth_sector', '')}",
        title_en="Test technology",
        owner_org_id=owner,
        field="shipbuilding",
    )
    values.update(kw)
    result: tuple[int, str] = run(engine, technologies.register_technology, actor=staff, **values)
    return result


def edit_kwargs(engine: Engine, tech_id: int, **kw: Any) -> dict[str, Any]:
    with read_session(engine) as s:
        t = s.get(Technology, tech_id)
        assert t is not None
        values = dict(
            tech_id=tech_id,
            version=t.version,
            title_ko=t.title_ko,
            title_en=t.title_en,
            field=t.field,
            growth_sector=t.growth_sector,
            certification=t.certification,
            summary=t.summary,
        )
    values.update(kw)
    return values


# --- another city, at the data layer -------------------------------------------------------


def test_another_city_registers_in_its_own_vocabulary_and_numbering(busan: Engine) -> None:
    e = busan
    staff = staff_of(e)
    local = company(e, staff, "부산 조선기술 주식회사")
    elsewhere = company(e, staff, "서울 시험 주식회사", region="KR-11")
    with read_session(e) as s:
        assert city(s).code == "busan"
        assert s.get(Organization, local).is_local  # type: ignore[union-attr]
        assert not s.get(Organization, elsewhere).is_local  # type: ignore[union-attr]
    first, number = register(e, staff, local, growth_sector="marine_industry")
    assert number == "BS-2026-001"
    _, second = register(e, staff, elsewhere, field="bridges")
    assert second == "BS-2026-002"
    with read_session(e) as s:
        t = s.get(Technology, first)
        assert t is not None
        assert (t.field, t.growth_sector, t.is_local) == ("shipbuilding", "marine_industry", True)
        other = s.execute(select(Technology).where(Technology.reg_no == second)).scalar_one()
        assert (other.growth_sector, other.is_local) == ("none", False)  # outside the sectors
    # Daegu's codes are not Busan's: refused, naming the field.
    assert problems(
        e,
        technologies.register_technology,
        actor=staff,
        title_ko="대구 기술",
        title_en="x",
        owner_org_id=local,
        field="water_sewage_daegu",
        growth_sector="smart_city",
    ) == {"field": UNKNOWN_CHOICE, "growth_sector": UNKNOWN_CHOICE}
    # A retired code is refused for a new record, stays on its record and is kept on edit.
    retire(e, FieldTerm, "shipbuilding")
    assert problems(
        e,
        technologies.register_technology,
        actor=staff,
        title_ko="새 조선 기술",
        title_en="x",
        owner_org_id=local,
        field="shipbuilding",
    ) == {"field": RETIRED_CODE["fields"]}
    version = run(
        e,
        technologies.edit_technology,
        actor=staff,
        **edit_kwargs(e, first, title_en="Hull coating method"),
    )
    assert version == 2
    with read_session(e) as s:
        t = s.get(Technology, first)
        assert t is not None and (t.field, t.title_en) == ("shipbuilding", "Hull coating method")
    other_id = other.id
    assert problems(
        e,
        technologies.edit_technology,
        actor=staff,
        **edit_kwargs(e, other_id, field="shipbuilding"),
    ) == {"field": RETIRED_CODE["fields"]}
    # Register reads know the city's codes, retired ones included.
    with read_session(e) as s:
        df, n = technologies.technologies_page(
            session=s,
            filters=technologies.TechnologyFilters(field="shipbuilding"),
            offset=0,
            limit=10,
        )
        assert n == 1 and list(df["reg_no"]) == ["BS-2026-001"]
        with pytest.raises(ValueError):
            technologies.technologies_count(
                session=s, filters=technologies.TechnologyFilters(sector="smart_city")
            )
        with pytest.raises(ValueError):
            kpi.headline(
                session=s, as_of=dt.date(2026, 3, 2), tech=kpi.TechFilter(sector="smart_city")
            )
        h = kpi.headline(
            session=s, as_of=dt.date(2026, 3, 2), tech=kpi.TechFilter(sector="marine_industry")
        )
        assert h.technologies == 0  # submitted, not registered yet


@pytest.mark.parametrize(
    ("pattern", "existing", "expected"),
    [
        (
            "BS-{year}-{seq:03}",
            ["BS-2026-007", "BS-2025-099", "BS-2026-1000", "XBS-2026-500"],
            "BS-2026-1001",
        ),
        ("{seq:04}/{year}", ["0003/2026", "0042/2025", "12/2026"], "0013/2026"),
        ("NTP-{seq:05}", ["NTP-00041", "NTP-00007"], "NTP-00042"),
        ("TC{year}{seq:02}", [], "TC202601"),
    ],
)
def test_next_number_of_the_year_in_any_pattern(
    migrated_engine: Engine, pattern: str, existing: list[str], expected: str
) -> None:
    e = migrated_engine
    with write_session(e) as s:
        s.execute(update(CityProfileRow).values(reg_no_pattern=pattern))
        owner = Organization(
            name_ko="시험 기업",
            name_en="Test Co",
            kind="company",
            region="KR-11",
            created_at=SPRING_2026,
        )
        s.add(owner)
        s.flush()
        if existing:
            s.execute(
                insert(Technology),
                [
                    dict(
                        reg_no=n,
                        title_ko=n,
                        title_en=n,
                        owner_org_id=owner.id,
                        is_local=False,
                        field="roads",
                        growth_sector="none",
                        certification="none",
                        status="submitted",
                        submitted_on=dt.date(2026, 1, 5),
                    )
                    for n in existing
                ],
            )
    with read_session(e) as s:
        assert next_reg_no(s, 2026) == expected
    staff = staff_of(e)
    _, number = run(
        e,
        technologies.register_technology,
        actor=staff,
        title_ko="새 기술",
        title_en="New technology",
        owner_org_id=owner.id,
        field="roads",
    )
    assert number == expected


# --- every write checks its codes ----------------------------------------------------------


_names = itertools.count(1)


def _org(engine: Engine, kind: str = "company", region: str = "KR-27") -> int:
    n = next(_names)
    with write_session(engine) as s:
        o = Organization(
            name_ko=f"기관 {n}",
            name_en=f"Body {n}",
            kind=kind,
            region=region,
            is_local=region == "KR-27",
            created_at=SPRING_2026,
        )
        s.add(o)
        s.flush()
        return o.id


def _tech(engine: Engine, staff: Actor) -> int:
    tech_id, _ = run(
        engine,
        technologies.register_technology,
        actor=staff,
        title_ko="기존 기술",
        title_en="Existing technology",
        owner_org_id=_org(engine),
        field="bridges",
        growth_sector="smart_city",
    )
    return int(tech_id)


def _expert(engine: Engine, staff: Actor, fields: list[str]) -> int:
    return int(
        run(
            engine,
            experts.add_expert,
            actor=staff,
            name="김 전문",
            organization_id=_org(engine, "university"),
            affiliation="academia",
            fields=fields,
            registered_on=dt.date(2026, 1, 5),
        )
    )


def _expert_version(engine: Engine, expert_id: int) -> int:
    with read_session(engine) as s:
        expert = s.get(Expert, expert_id)
        assert expert is not None
        return int(expert.version)


def _inquiry(engine: Engine, staff: Actor) -> int:
    return int(
        run(
            engine,
            intercity.log_inquiry,
            actor=staff,
            received_on=dt.date(2026, 2, 2),
            channel="email",
            topic="운영 문의",
            org_id=_org(engine, "province", "KR-47"),
        )
    )


def _agreement(engine: Engine, staff: Actor) -> int:
    return int(
        run(
            engine,
            intercity.create_agreement,
            actor=staff,
            kind="mou",
            status="planned",
            title_ko="업무협약",
            planned_on=dt.date(2026, 2, 2),
            partner_org_id=_org(engine, "public_corporation", "KR-47"),
        )
    )


def _new_body(kind: str) -> NewOrganization:
    return NewOrganization(name_ko=f"새 기관 {kind}", name_en="New body", kind=kind, region="KR-11")


# A write given a code (engine, staff, code) -> (the write function, its keyword arguments).
Call = Callable[[Engine, Actor, str], tuple[Callable[..., Any], dict[str, Any]]]
# Every write that takes a code: its vocabulary's table, the field its refusal names, the call.
WRITES: dict[str, tuple[type, str, Call]] = {
    "register technology: field": (
        FieldTerm,
        "field",
        lambda e, a, c: (
            technologies.register_technology,
            dict(title_ko="새 기술", title_en="x", owner_org_id=_org(e), field=c),
        ),
    ),
    "register technology: sector": (
        SectorTerm,
        "growth_sector",
        lambda e, a, c: (
            technologies.register_technology,
            dict(
                title_ko="새 기술",
                title_en="x",
                owner_org_id=_org(e),
                field="roads",
                growth_sector=c,
            ),
        ),
    ),
    "edit technology: field": (
        FieldTerm,
        "field",
        lambda e, a, c: (technologies.edit_technology, edit_kwargs(e, _tech(e, a), field=c)),
    ),
    "edit technology: sector": (
        SectorTerm,
        "growth_sector",
        lambda e, a, c: (
            technologies.edit_technology,
            edit_kwargs(e, _tech(e, a), growth_sector=c),
        ),
    ),
    "add expert": (
        FieldTerm,
        "fields",
        lambda e, a, c: (
            experts.add_expert,
            dict(
                name="이 전문",
                organization_id=_org(e, "university"),
                affiliation="academia",
                fields=["roads", c],
                registered_on=dt.date(2026, 1, 5),
            ),
        ),
    ),
    "edit expert": (
        FieldTerm,
        "fields",
        lambda e, a, c: (
            experts.edit_expert,
            dict(
                expert_id=(x := _expert(e, a, ["roads"])),
                version=_expert_version(e, x),
                name="김 전문",
                organization_id=_org(e, "public_institution"),
                affiliation="academia",
                fields=["roads", c],
            ),
        ),
    ),
    "add organization": (
        OrganisationKindTerm,
        "kind",
        lambda e, a, c: (
            experts.add_organization,
            dict(name_ko="새 기관", name_en="New body", kind=c, region="KR-11"),
        ),
    ),
    "log inquiry: new body": (
        OrganisationKindTerm,
        "org_kind",
        lambda e, a, c: (
            intercity.log_inquiry,
            dict(
                received_on=dt.date(2026, 2, 2), channel="email", topic="문의", new_org=_new_body(c)
            ),
        ),
    ),
    "edit inquiry: new body": (
        OrganisationKindTerm,
        "org_kind",
        lambda e, a, c: (
            intercity.edit_inquiry,
            dict(
                inquiry_id=_inquiry(e, a),
                version=1,
                received_on=dt.date(2026, 2, 2),
                channel="email",
                topic="문의",
                new_org=_new_body(c),
            ),
        ),
    ),
    "create agreement: new partner": (
        OrganisationKindTerm,
        "org_kind",
        lambda e, a, c: (
            intercity.create_agreement,
            dict(
                kind="mou",
                status="planned",
                title_ko="협약",
                planned_on=dt.date(2026, 2, 2),
                new_partner=_new_body(c),
            ),
        ),
    ),
    "edit agreement: new partner": (
        OrganisationKindTerm,
        "org_kind",
        lambda e, a, c: (
            intercity.edit_agreement,
            dict(
                agreement_id=_agreement(e, a),
                version=1,
                kind="mou",
                status="planned",
                title_ko="협약",
                planned_on=dt.date(2026, 2, 2),
                new_partner=_new_body(c),
            ),
        ),
    ),
}
# A code of each vocabulary that every write above may use (and that is retired in the test).
USABLE = {FieldTerm: "tunnels", SectorTerm: "water", OrganisationKindTerm: "province"}
VOCABULARY = {
    FieldTerm: "fields",
    SectorTerm: "sectors",
    OrganisationKindTerm: "organisation_kinds",
}


@pytest.mark.parametrize("write", list(WRITES))
def test_every_write_refuses_an_unknown_and_a_retired_code_naming_the_field(
    migrated_engine: Engine, write: str
) -> None:
    e = migrated_engine
    staff = staff_of(e)
    model, field, make = WRITES[write]
    fn, kwargs = make(e, staff, "no_such_code")
    assert problems(e, fn, actor=staff, **kwargs) == {field: UNKNOWN_CHOICE}
    retire(e, model, USABLE[model])
    fn, kwargs = make(e, staff, USABLE[model])
    assert problems(e, fn, actor=staff, **kwargs) == {field: RETIRED_CODE[VOCABULARY[model]]}


def test_a_retired_code_stays_on_its_records_and_is_kept_on_edit(migrated_engine: Engine) -> None:
    e = migrated_engine
    staff = staff_of(e)
    tech_id = _tech(e, staff)  # bridges, smart_city
    expert_id = _expert(e, staff, ["bridges", "roads"])
    retire(e, FieldTerm, "bridges")
    retire(e, SectorTerm, "smart_city")
    assert (
        run(
            e, technologies.edit_technology, actor=staff, **edit_kwargs(e, tech_id, title_en="Kept")
        )
        == 2
    )
    version = run(
        e,
        experts.edit_expert,
        actor=staff,
        expert_id=expert_id,
        version=_expert_version(e, expert_id),
        name="김 전문",
        organization_id=_org(e, "public_institution"),
        affiliation="academia",
        fields=["roads", "bridges"],
        ties=[TieInput(organization_id=_org(e), kind="consulting", started_on=dt.date(2025, 1, 1))],
    )
    assert version == 2
    with read_session(e) as s:
        t = s.get(Technology, tech_id)
        assert t is not None and (t.field, t.growth_sector) == ("bridges", "smart_city")
        detail = experts.expert_detail(session=s, actor=staff, expert_id=expert_id)
        assert detail is not None and detail.fields == ("bridges", "roads")  # the city's order
        # Filters still find the records that hold a retired code.
        assert (
            technologies.technologies_count(
                session=s, filters=technologies.TechnologyFilters(field="bridges")
            )
            == 1
        )


# --- kinds' attributes and the home regions ------------------------------------------------


def test_owners_asking_bodies_bodies_abroad_and_local_firms_follow_the_profile(
    migrated_engine: Engine,
) -> None:
    e = migrated_engine
    staff = staff_of(e)
    ministry = _org(e, "ministry", "KR-50")
    # Only a kind that may own technologies owns one (the profile's owns_technologies).
    assert problems(
        e, technologies.register_technology, actor=staff, title_ko="기술", title_en="x",
        owner_org_id=ministry, field="roads",
    ) == {"owner_org_id": UNKNOWN_OWNER}  # fmt: skip
    with read_session(e) as s:
        owners = approvals.owner_choices(session=s, actor=staff)
        assert ministry not in set(owners["id"])
        asking = asking_bodies(session=s)
        assert ministry in set(asking["id"]) and "company" not in set(asking["kind"])
    # A new asking body is of a kind that asks (inquires); a body abroad has a country.
    kwargs = dict(received_on=dt.date(2026, 2, 2), channel="email", topic="문의")
    assert problems(
        e, intercity.log_inquiry, actor=staff, new_org=_new_body("company"), **kwargs
    ) == {"org_kind": NOT_ASKING_KIND}
    abroad = NewOrganization(name_ko="외국 도시", kind="foreign_city", region=None, country="KR")
    assert "org_country" in problems(
        e, intercity.log_inquiry, actor=staff, new_org=abroad, **kwargs
    )
    # A body in the city's home region is local; saying otherwise is refused.
    district = NewOrganization(name_ko="시 산하 구청", kind="local_government", region="KR-27")
    run(e, intercity.log_inquiry, actor=staff, new_org=district, **kwargs)
    org = run(
        e,
        experts.add_organization,
        actor=staff,
        name_ko="지역 기업",
        name_en="Local Co",
        kind="company",
        region="KR-27",
    )
    with read_session(e) as s:
        found = s.execute(
            select(Organization.name_ko, Organization.is_local).where(
                Organization.name_ko.in_(["시 산하 구청", "지역 기업"])
            )
        ).all()
        assert dict(found) == {"시 산하 구청": True, "지역 기업": True}
        assert s.get(Organization, org).is_local  # type: ignore[union-attr]
    assert problems(
        e, experts.add_organization, actor=staff, name_ko="외부 기업", name_en="Other Co",
        kind="company", region="KR-11", is_local=True,
    ) == {"is_local": NOT_HOME_REGION}  # fmt: skip


def test_register_filters_refuse_a_code_that_cannot_be_one() -> None:
    for make in (
        lambda: technologies.TechnologyFilters(field="Roads"),
        lambda: experts.ExpertFilters(field="교량"),
        lambda: intercity.InquiryFilters(org_kind="foreign-city"),
        lambda: kpi.TechFilter(sector="none;"),
    ):
        with pytest.raises(ValueError, match=re.compile("unknown")):
            make()
