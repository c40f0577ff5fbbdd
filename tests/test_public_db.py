"""The public read path on the demo data, on SQLite and PostgreSQL: only published fields of
registered technologies, the published figures, searched, filtered and paged in SQL; secrets
planted in every other field reach none of it."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from db import public
from db.models import Adoption, Technology
from seed import PUBLISHED
from tests.public_secrets import SECRET, plant
from tests.test_registers_db import INJECTION

AS_OF = dt.date(2019, 8, 8)


@pytest.fixture
def s(seeded_engine: Engine) -> Iterator[Session]:
    with Session(seeded_engine) as session:
        yield session


def page(s: Session, offset: int = 0, limit: int = 50, **filters: Any) -> tuple[pd.DataFrame, int]:
    return public.catalogue_page(
        session=s, filters=public.CatalogueFilters(**filters), offset=offset, limit=limit
    )


def test_columns_are_exactly_the_published_ones(s: Session) -> None:
    df, total = page(s)
    assert total > 0
    assert tuple(df.columns) == public.CATALOGUE_COLUMNS
    out, _n = public.catalogue_export(session=s, filters=public.CatalogueFilters())
    assert tuple(out.columns) == public.EXPORT_COLUMNS
    one = public.public_technology(session=s, reg_no=str(df["reg_no"][0]))
    assert one is not None
    names = {f.name for f in dataclasses.fields(one)} - {"withheld"}
    assert names == {*public.TECHNOLOGY_FIELDS, "adoptions"}
    assert tuple(one.adoptions.columns) == public.ADOPTION_COLUMNS


def test_only_registered_technologies_are_listed(s: Session) -> None:
    expected = s.execute(
        select(func.count())
        .select_from(Technology)
        .where(Technology.status.in_(public.PUBLISHED_STATUSES))
    ).scalar_one()
    df, total = page(s, limit=500)
    assert total == expected
    assert set(df["status"]) <= set(public.PUBLISHED_STATUSES)
    hidden = s.execute(
        select(Technology.reg_no, Technology.id).where(
            Technology.status.not_in(public.PUBLISHED_STATUSES)
        )
    ).first()
    assert hidden is not None, "the demo has technologies under review"
    assert public.public_technology(session=s, reg_no=hidden.reg_no) is None
    assert public.reg_no_of(session=s, tech_id=hidden.id) is None
    assert page(s, q=hidden.reg_no)[1] == 0


def test_filters_search_and_paging(s: Session) -> None:
    df, total = page(s, limit=500)
    first = df.iloc[0]
    by_field = page(s, field=str(first["field"]), limit=500)
    assert 0 < by_field[1] < total
    assert set(by_field[0]["field"]) == {first["field"]}
    by_sector = page(s, sector=str(first["growth_sector"]), limit=500)
    assert set(by_sector[0]["growth_sector"]) == {first["growth_sector"]}
    by_year = page(s, year="2019", limit=500)
    assert by_year[1] > 0
    assert {d.year for d in by_year[0]["registered_on"]} == {2019}
    found = page(s, q=str(first["reg_no"]))
    assert list(found[0]["reg_no"]) == [first["reg_no"]]
    owner = page(s, q=str(first["owner_en"]).upper())
    assert first["reg_no"] in set(owner[0]["reg_no"])
    # pages never overlap and cover the list
    seen: list[str] = []
    for offset in range(0, min(total, 150), 50):
        seen += list(page(s, offset=offset)[0]["reg_no"])
    assert len(seen) == len(set(seen)) == min(total, 150)
    years = public.catalogue_years(session=s)
    assert years[0] >= years[-1] and 2019 in years


def test_bad_filters_are_refused(s: Session) -> None:
    for bad in ({"year": "19"}, {"year": "２０１９"}, {"field": "Not a code"}, {"q": "x" * 201}):
        with pytest.raises(ValueError):
            page(s, **bad)
    with pytest.raises(ValueError):
        page(s, field="no_such_field")
    with pytest.raises(ValueError):
        public.catalogue_page(
            session=s, filters=public.CatalogueFilters(), offset=0, limit=50, sort="budget"
        )
    for q in INJECTION:
        page(s, q=q)  # bound and escaped: no error, no injection
    assert public.public_technology(session=s, reg_no="' OR '1'='1") is None
    assert public.public_technology(session=s, reg_no="x" * 1000) is None


def test_adoptions_are_the_approved_ones_with_project_and_year(s: Session) -> None:
    tech_id = s.execute(
        select(Adoption.technology_id).where(Adoption.status == "approved").limit(1)
    ).scalar_one()
    reg_no = s.execute(select(Technology.reg_no).where(Technology.id == tech_id)).scalar_one()
    one = public.public_technology(session=s, reg_no=reg_no)
    assert one is not None
    approved = s.execute(
        select(func.count()).where(Adoption.technology_id == tech_id, Adoption.status == "approved")
    ).scalar_one()
    assert len(one.adoptions) == approved
    listed = page(s, q=reg_no)[0]
    assert int(listed["adoptions"][0]) == approved
    out, _n = public.catalogue_export(session=s, filters=public.CatalogueFilters(q=reg_no))
    assert out["adoptions"][0].count("(") == approved


def test_figures_as_of_the_press_release(s: Session) -> None:
    figures = {f.key: f.value for f in public.public_figures(session=s, as_of=AS_OF)}
    assert list(figures) == [key for key, _l, _d in public.FIGURES]
    by_aff = PUBLISHED["experts_by_affiliation"]
    assert figures["experts"] == PUBLISHED["experts"]
    assert [figures[f"experts_{a}"] for a in ("public", "industry", "academia", "other")] == [
        by_aff[a] for a in ("public", "industry", "academia", "other")
    ]
    for key in ("technologies", "technologies_local", "meetings", "adopted", "testbeds"):
        assert figures[key] == PUBLISHED[key], key
    assert public.last_updated(session=s) is not None


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, pd.DataFrame):
        yield from (str(c) for c in value.columns)
        for row in value.itertuples(index=False):
            yield from (str(v) for v in row)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            yield from _strings(getattr(value, f.name))
    elif isinstance(value, tuple | list):
        for v in value:
            yield from _strings(v)
    else:
        yield str(value)


def test_planted_secrets_reach_no_public_read(seeded_engine: Engine) -> None:
    """Every unpublished text field holds a secret (in a transaction rolled back after)."""
    with Session(seeded_engine) as s, s.begin():
        plant(s)
        s.flush()
        out: list[Any] = [
            public.catalogue_export(session=s, filters=public.CatalogueFilters())[0],
            public.public_figures(session=s, as_of=dt.date(2030, 1, 1)),
        ]
        df, _total = page(s, limit=500)
        out.append(df)
        out += [public.public_technology(session=s, reg_no=str(r)) for r in df["reg_no"][:100]]
        out.append(page(s, q=SECRET)[1])
        text = "\n".join(_strings(out))
        assert SECRET not in text
        assert "example.invalid" not in text
        s.rollback()
