"""The registers' db functions on the demo data, on SQLite and PostgreSQL.

A drill-down lists exactly the records behind its tile: the as-of-2019-08-08 filters give
the published figures; paging, search and sorting happen in SQL; experts' personal data
only reaches staff and auditors.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pandas as pd
import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from db import adoptions, experts, intercity, kpi, listing, technologies
from db.policy import Actor
from seed import DEMO_END, PUBLISHED

AS_OF = dt.date(2019, 8, 8)
EXECUTIVE = Actor(id=1, username="executive.demo", roles=frozenset({"executive"}))
STAFF = Actor(id=2, username="staff.demo", roles=frozenset({"staff"}))
AUDITOR = Actor(id=3, username="auditor.demo", roles=frozenset({"auditor"}))
APPROVER = Actor(id=4, username="approver.demo", roles=frozenset({"staff", "approver"}))
INJECTION = [
    "'; DROP TABLE technologies; --",
    "' OR '1'='1",
    '" OR 1=1 --',
    "%",
    "_",
    "\\",
    "DG-2019-0%",
    "1) UNION SELECT phone, email FROM experts --",
]


@pytest.fixture
def s(seeded_engine: Engine) -> Iterator[Session]:
    with Session(seeded_engine) as session:
        yield session


def total(page: tuple[object, int]) -> int:
    return page[1]


# --- drill-downs give the tile's number --------------------------------------------------


def test_technologies_registered_as_of_the_press_release(s: Session) -> None:
    f = technologies.TechnologyFilters(as_of=AS_OF)
    assert total(technologies.technologies_page(session=s, filters=f, offset=0, limit=50)) == 305
    local = technologies.TechnologyFilters(as_of=AS_OF, local=True)
    external = technologies.TechnologyFilters(as_of=AS_OF, local=False)
    assert total(technologies.technologies_page(session=s, filters=local, offset=0, limit=50)) == 43
    assert (
        total(technologies.technologies_page(session=s, filters=external, offset=0, limit=50))
        == 262
    )


def test_experts_in_the_pool_as_of_the_press_release(s: Session) -> None:
    f = experts.ExpertFilters(as_of=AS_OF)
    assert (
        total(experts.experts_page(session=s, actor=EXECUTIVE, filters=f, offset=0, limit=50))
        == 817
    )
    for affiliation, n in PUBLISHED["experts_by_affiliation"].items():
        f = experts.ExpertFilters(as_of=AS_OF, affiliation=affiliation)
        page = experts.experts_page(session=s, actor=EXECUTIVE, filters=f, offset=0, limit=50)
        assert total(page) == n, affiliation


def test_adopted_technologies_as_of_the_press_release(s: Session) -> None:
    df, n = adoptions.adoptions_page(
        session=s, filters=adoptions.AdoptionFilters(as_of=AS_OF), offset=0, limit=100
    )
    assert n == PUBLISHED["adopted"] == 54
    assert df["technology_id"].is_unique
    assert set(df["status"]) == {"approved"}
    assert (df["approved_on"] <= AS_OF).all()


def test_inquiries_received_as_of_the_press_release(s: Session) -> None:
    f = intercity.InquiryFilters(as_of=AS_OF)
    assert total(intercity.inquiries_page(session=s, filters=f, offset=0, limit=50)) == 7


@pytest.mark.parametrize("as_of", [dt.date(2021, 3, 31), DEMO_END])
def test_drill_downs_match_the_tiles_on_other_dates(s: Session, as_of: dt.date) -> None:
    """Later, a technology may be adopted twice: the register still lists one row per
    adopted technology, like the tile; and tiles narrowed by sector/field/local agree."""
    h = kpi.headline(session=s, as_of=as_of)
    assert (
        total(
            technologies.technologies_page(
                session=s, filters=technologies.TechnologyFilters(as_of=as_of), offset=0, limit=1
            )
        )
        == h.technologies
    )
    assert (
        total(
            experts.experts_page(
                session=s,
                actor=STAFF,
                filters=experts.ExpertFilters(as_of=as_of),
                offset=0,
                limit=1,
            )
        )
        == h.experts
    )
    assert (
        total(
            adoptions.adoptions_page(
                session=s, filters=adoptions.AdoptionFilters(as_of=as_of), offset=0, limit=1
            )
        )
        == h.adopted
    )
    assert (
        total(
            intercity.inquiries_page(
                session=s, filters=intercity.InquiryFilters(as_of=as_of), offset=0, limit=1
            )
        )
        == h.inquiries
    )
    for tech in (
        kpi.TechFilter(sector="smart_city"),
        kpi.TechFilter(field="roads"),
        kpi.TechFilter(local=True),
    ):
        narrowed = kpi.headline(session=s, as_of=as_of, tech=tech)
        tf = technologies.TechnologyFilters(
            as_of=as_of, sector=tech.sector, field=tech.field, local=tech.local
        )
        af = adoptions.AdoptionFilters(
            as_of=as_of, sector=tech.sector, field=tech.field, local=tech.local
        )
        assert total(technologies.technologies_page(session=s, filters=tf, offset=0, limit=1)) == (
            narrowed.technologies
        )
        assert total(adoptions.adoptions_page(session=s, filters=af, offset=0, limit=1)) == (
            narrowed.adopted
        )


def test_status_with_as_of_is_the_status_on_that_date(s: Session) -> None:
    """The overview links its tile with status=registered: technologies that expired or were
    withdrawn since were registered on the date, so they count, as on the tile."""
    then = technologies.TechnologyFilters(as_of=AS_OF, status="registered")
    df, n = technologies.technologies_export(session=s, filters=then)
    assert n == 305
    assert set(df["status_then"]) == {"registered"}
    assert set(df["status"]) > {"registered"}  # some have expired or been withdrawn since
    now = technologies.TechnologyFilters(registered_to=AS_OF, status="registered")
    assert total(technologies.technologies_page(session=s, filters=now, offset=0, limit=1)) < 305
    df, _ = technologies.technologies_page(
        session=s, filters=technologies.TechnologyFilters(), offset=0, limit=5
    )
    assert "status_then" not in df.columns
    adopted = adoptions.AdoptionFilters(as_of=AS_OF, status="approved")
    assert total(adoptions.adoptions_page(session=s, filters=adopted, offset=0, limit=1)) == 54
    received = intercity.InquiryFilters(as_of=AS_OF)
    df, _ = intercity.inquiries_export(session=s, filters=received)
    by_then = df["status_then"].value_counts().to_dict()
    for status, n in by_then.items():
        f = intercity.InquiryFilters(as_of=AS_OF, status=status)
        assert total(intercity.inquiries_page(session=s, filters=f, offset=0, limit=1)) == n
    assert sum(by_then.values()) == 7


def test_registration_period(s: Session) -> None:
    july = technologies.TechnologyFilters(
        registered_from=dt.date(2019, 7, 1), registered_to=dt.date(2019, 7, 31)
    )
    df, n = technologies.technologies_page(session=s, filters=july, offset=0, limit=500)
    assert n == len(df) > 0
    assert df["registered_on"].between(dt.date(2019, 7, 1), dt.date(2019, 7, 31)).all()
    with pytest.raises(ValueError):
        technologies.TechnologyFilters(
            registered_from=dt.date(2019, 8, 1), registered_to=dt.date(2019, 7, 1)
        )


def test_filters_by_code(s: Session) -> None:
    df, _n = technologies.technologies_page(
        session=s,
        filters=technologies.TechnologyFilters(field="roads", sector="none", status="registered"),
        offset=0,
        limit=500,
    )
    assert set(df["field"]) == {"roads"}
    assert set(df["status"]) == {"registered"}
    df, n = experts.experts_page(
        session=s, actor=STAFF, filters=experts.ExpertFilters(field="bridges"), offset=0, limit=500
    )
    assert n > 0 and all("bridges" in fields for fields in df["fields"])
    df, _n = intercity.inquiries_page(
        session=s,
        filters=intercity.InquiryFilters(org_kind="metropolitan_city", region="KR-26"),
        offset=0,
        limit=50,
    )
    assert set(df["org_kind"]) == {"metropolitan_city"} and set(df["region"]) == {"KR-26"}
    with pytest.raises(ValueError):
        technologies.TechnologyFilters(field="not-a-field")
    with pytest.raises(ValueError):
        intercity.InquiryFilters(region="KR-99")


# --- paging, sorting -----------------------------------------------------------------------


@pytest.mark.parametrize("sort", ["registered_desc", "registered_asc", "reg_no_asc"])
def test_pages_cover_every_row_once_and_the_total_is_stable(s: Session, sort: str) -> None:
    f = technologies.TechnologyFilters(as_of=AS_OF)
    seen: list[int] = []
    totals = set()
    for offset in range(0, 305, 40):
        df, n = technologies.technologies_page(
            session=s, filters=f, offset=offset, limit=40, sort=sort
        )
        totals.add(n)
        seen.extend(int(i) for i in df["id"])
    assert totals == {305}
    assert len(seen) == len(set(seen)) == 305
    df, n = technologies.technologies_page(session=s, filters=f, offset=400, limit=40, sort=sort)
    assert df.empty and n == 305
    assert list(df.columns)[:3] == ["id", "reg_no", "title_ko"]


def test_sort_orders(s: Session) -> None:
    f = technologies.TechnologyFilters(as_of=AS_OF)
    df, _ = technologies.technologies_page(
        session=s, filters=f, offset=0, limit=100, sort="reg_no_asc"
    )
    assert list(df["reg_no"]) == sorted(df["reg_no"])
    df, _ = technologies.technologies_page(session=s, filters=f, offset=0, limit=100)
    assert list(df["registered_on"]) == sorted(df["registered_on"], reverse=True)
    with pytest.raises(ValueError):
        technologies.technologies_page(session=s, filters=f, offset=0, limit=10, sort="title; DROP")


@pytest.mark.parametrize("sort", ["registered_desc", "registered_asc"])
@pytest.mark.parametrize(
    "filters",
    [
        technologies.TechnologyFilters(as_of=AS_OF),
        technologies.TechnologyFilters(as_of=DEMO_END),
        technologies.TechnologyFilters(registered_from=dt.date(2019, 1, 1)),
        technologies.TechnologyFilters(registered_to=dt.date(2019, 12, 31), local=True),
        technologies.TechnologyFilters(),
    ],
)
def test_registration_order_is_by_date_then_record_with_undated_last(
    s: Session, sort: str, filters: technologies.TechnologyFilters
) -> None:
    """The pages in the registration orders (read without NULLS LAST when a date filter
    leaves only registered technologies) are the matches ordered by date, then record
    number, technologies without a date last."""
    everything, n = technologies.technologies_export(session=s, filters=filters, sort="reg_no_asc")
    rows = list(zip(everything["registered_on"], everything["id"], strict=True))
    dated = sorted(
        ((d, int(i)) for d, i in rows if d is not None and not pd.isna(d)),
        reverse=sort == "registered_desc",
    )
    undated = sorted(
        (int(i) for d, i in rows if d is None or pd.isna(d)), reverse=sort == "registered_desc"
    )
    expected = [i for _d, i in dated] + undated
    if filters != technologies.TechnologyFilters():
        assert not undated
    else:
        assert undated  # the whole register holds technologies not registered (yet)
    seen: list[int] = []
    for offset in range(0, n, 120):
        df, _ = technologies.technologies_page(
            session=s, filters=filters, offset=offset, limit=120, sort=sort
        )
        seen.extend(int(i) for i in df["id"])
    assert seen == expected


@pytest.mark.parametrize(("offset", "limit"), [(-1, 10), (0, 0), (0, listing.PAGE_LIMIT_MAX + 1)])
def test_bad_windows_are_refused(s: Session, offset: int, limit: int) -> None:
    with pytest.raises(ValueError):
        intercity.inquiries_page(
            session=s, filters=intercity.InquiryFilters(), offset=offset, limit=limit
        )


# --- search ---------------------------------------------------------------------------------


def test_search_is_a_case_insensitive_substring(s: Session) -> None:
    upper = technologies.technologies_page(
        session=s, filters=technologies.TechnologyFilters(q="DG-2019-04"), offset=0, limit=50
    )
    lower = technologies.technologies_page(
        session=s, filters=technologies.TechnologyFilters(q="dg-2019-04"), offset=0, limit=50
    )
    assert upper[1] == lower[1] == 10
    assert all(n.startswith("DG-2019-04") for n in upper[0]["reg_no"])
    # titles in both languages, owners' names
    df, n = technologies.technologies_page(
        session=s, filters=technologies.TechnologyFilters(q="PERMEABLE"), offset=0, limit=50
    )
    assert n > 0 and all("permeable" in t.lower() for t in df["title_en"])
    assert (
        total(
            technologies.technologies_page(
                session=s, filters=technologies.TechnologyFilters(q="포장"), offset=0, limit=5
            )
        )
        > 0
    )
    assert (
        total(
            intercity.inquiries_page(
                session=s, filters=intercity.InquiryFilters(q="감사원"), offset=0, limit=5
            )
        )
        >= 1
    )
    assert (
        total(
            adoptions.adoptions_page(
                session=s, filters=adoptions.AdoptionFilters(q="도로과"), offset=0, limit=5
            )
        )
        > 0
    )


@pytest.mark.parametrize("q", INJECTION)
def test_injection_looking_search_text_is_just_text(s: Session, q: str) -> None:
    for page in (
        technologies.technologies_page(
            session=s, filters=technologies.TechnologyFilters(q=q), offset=0, limit=10
        ),
        experts.experts_page(
            session=s, actor=EXECUTIVE, filters=experts.ExpertFilters(q=q), offset=0, limit=10
        ),
        adoptions.adoptions_page(
            session=s, filters=adoptions.AdoptionFilters(q=q), offset=0, limit=10
        ),
        intercity.inquiries_page(
            session=s, filters=intercity.InquiryFilters(q=q), offset=0, limit=10
        ),
    ):
        assert page[1] == 0, q  # wildcards are escaped: nothing holds these strings
    everything = technologies.TechnologyFilters()
    assert (
        total(technologies.technologies_page(session=s, filters=everything, offset=0, limit=1))
        > 305
    )


def test_search_text_has_a_length_limit() -> None:
    with pytest.raises(ValueError):
        technologies.TechnologyFilters(q="x" * (listing.SEARCH_MAX_CHARS + 1))


# --- personal data ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("actor", "personal"),
    [(EXECUTIVE, False), (STAFF, True), (AUDITOR, True), (APPROVER, True)],
    ids=["executive", "staff", "auditor", "approver"],
)
def test_personal_data_only_for_staff_and_auditors(
    s: Session, actor: Actor, personal: bool
) -> None:
    f = experts.ExpertFilters(as_of=AS_OF)
    df, _ = experts.experts_page(session=s, actor=actor, filters=f, offset=0, limit=5)
    assert ({"phone", "email"} <= set(df.columns)) is personal
    assert ({"phone", "email"} & set(df.columns) == set()) is not personal
    export, n = experts.experts_export(session=s, actor=actor, filters=f)
    assert len(export) == n == 817
    assert ({"phone", "email"} <= set(export.columns)) is personal
    detail = experts.expert_detail(session=s, actor=actor, expert_id=int(df["id"].iloc[0]))
    assert detail is not None
    card = detail.card()
    assert ("phone" in card and "email" in card) is personal
    assert ("phone" in card or "email" in card) is personal
    assert (detail.phone is not None and detail.email is not None) is personal
    if personal:
        assert export["email"].str.contains("@").all()


def test_the_executive_cannot_find_experts_by_email(s: Session) -> None:
    df, _ = experts.experts_page(
        session=s, actor=STAFF, filters=experts.ExpertFilters(), offset=0, limit=1, sort="name_asc"
    )
    email = str(df["email"].iloc[0])
    staff_hits = total(
        experts.experts_page(
            session=s, actor=STAFF, filters=experts.ExpertFilters(q=email), offset=0, limit=5
        )
    )
    executive_hits = total(
        experts.experts_page(
            session=s, actor=EXECUTIVE, filters=experts.ExpertFilters(q=email), offset=0, limit=5
        )
    )
    assert staff_hits >= 1
    assert executive_hits == 0


# --- exports and details ------------------------------------------------------------------------


def test_exports_hold_every_filtered_row(s: Session) -> None:
    df, n = technologies.technologies_export(
        session=s, filters=technologies.TechnologyFilters(as_of=AS_OF)
    )
    assert len(df) == n == 305 and df["id"].is_unique
    df, n = adoptions.adoptions_export(session=s, filters=adoptions.AdoptionFilters(as_of=AS_OF))
    assert len(df) == n == 54
    df, n = intercity.inquiries_export(session=s, filters=intercity.InquiryFilters(as_of=AS_OF))
    assert len(df) == n == 7


def test_export_is_capped(s: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(listing, "EXPORT_LIMIT", 100)
    df, n = technologies.technologies_export(
        session=s, filters=technologies.TechnologyFilters(as_of=AS_OF)
    )
    assert len(df) == 100 and n == 305


def test_details(s: Session) -> None:
    df, _ = adoptions.adoptions_page(
        session=s, filters=adoptions.AdoptionFilters(as_of=AS_OF), offset=0, limit=1
    )
    adoption = adoptions.adoption_detail(session=s, adoption_id=int(df["id"].iloc[0]))
    assert adoption is not None and adoption.status == "approved"
    tech = technologies.technology_detail(session=s, tech_id=adoption.technology_id)
    assert tech is not None
    assert tech.reg_no == adoption.reg_no
    assert adoption.id in set(tech.adoptions["id"])
    assert (tech.reviews["decision"] == "passed").any()
    inquiry = intercity.inquiry_detail(session=s, inquiry_id=1)
    assert inquiry is not None and inquiry.org_en == "Board of Audit and Inspection"
    assert isinstance(inquiry.followups, pd.DataFrame)
    expert = experts.expert_detail(session=s, actor=AUDITOR, expert_id=1)
    assert expert is not None and expert.fields
    for missing in (
        technologies.technology_detail(session=s, tech_id=10**9),
        experts.expert_detail(session=s, actor=STAFF, expert_id=-1),
        adoptions.adoption_detail(session=s, adoption_id=10**9),
        intercity.inquiry_detail(session=s, inquiry_id=0),
    ):
        assert missing is None
