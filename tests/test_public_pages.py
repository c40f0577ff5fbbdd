"""The public pages under AppTest as a visitor who is not signed in: the catalogue (search,
filters, paging, a row opens the technology), a technology at its permanent URL, the public
figures with their date, the open data; in Korean and English; no unpublished field and no
markup from the database reaches them."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterator

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from components import public as public_ui
from components.navigation import PAGES, PUBLIC
from db.engine import make_engine
from db.models import Technology
from db.public import PUBLISHED_STATUSES
from tests.apptest import capture_downloads, new_app, page_text, rendered_html
from tests.public_secrets import SECRET, plant
from tests.security_payloads import FORMULA, FORMULA_TRIGGERS, XSS
from tests.test_xss_exports import markup_problems

PUBLIC_PAGES = [p for p in PAGES if p.roles == PUBLIC]


def visit(path: str, **params: str) -> AppTest:
    """A visitor's first view of ``path`` (through app.py, not signed in)."""
    at = new_app()
    at.query_params.update(params)
    at.switch_page(path).run()
    assert not at.exception, at.exception
    return at


def all_text(at: AppTest) -> str:
    """What the visitor reads: the page's text, tables, inputs and files offered."""
    parts = [page_text(at)]
    for df in at.dataframe:
        parts.append(df.value.to_csv())
    parts += [str(t.value) for t in at.text]
    parts += [str(m.value) for m in at.metric]
    for el in at.get("download_button"):
        parts.append(repr(el.proto))
    return "\n".join(parts)


def test_the_visitor_sees_the_public_pages_beside_the_sign_in(app_env: str) -> None:
    at = new_app()
    assert [t.label for t in at.text_input][:2] == ["Username", "Password"]
    for spec in PUBLIC_PAGES:
        at.switch_page(spec.path).run()
        assert not at.exception, (spec.path, at.exception)
        assert at.title[0].value == public_ui._(spec.title)
        assert "Signed in as" not in page_text(at)


def test_catalogue_search_filters_and_paging(app_env: str) -> None:
    at = visit("pages/catalogue.py")
    text = page_text(at)
    assert "technologies" in text
    assert "New Technology Platform" in text  # the city's platform name above the title
    total = int(text.split(" technologies")[0].split("**")[-1].replace(",", ""))
    assert total > 50
    assert len(at.dataframe[0].value) == 50
    assert "Page 1 of" in " ".join(n.label for n in at.number_input)
    first = list(at.dataframe[0].value["Registration number"])
    at.button(key="reg_public_next").click().run()  # the page file alone, as a visitor
    assert not at.exception, at.exception
    assert "Page 2 of" in " ".join(n.label for n in at.number_input)
    assert not set(at.dataframe[0].value["Registration number"]) & set(first)
    with Session(make_engine(app_env)) as s:
        reg_no = s.execute(
            select(Technology.reg_no).where(Technology.status == "registered").limit(1)
        ).scalar_one()
    at = visit("pages/catalogue.py", q=reg_no)
    assert list(at.dataframe[0].value["Registration number"]) == [reg_no]
    at = visit("pages/catalogue.py", year="2019")
    assert {d.year for d in at.dataframe[0].value["Registered"]} == {2019}
    at = visit("pages/catalogue.py", field="no_such_field", page="2")
    assert "is not valid and was ignored" in page_text(at)


def test_technology_page_at_its_permanent_url(app_env: str) -> None:
    with Session(make_engine(app_env)) as s:
        reg_no, title = s.execute(
            select(Technology.reg_no, Technology.title_en)
            .where(Technology.status == "registered")
            .limit(1)
        ).one()
        under_review = s.execute(
            select(Technology.reg_no).where(Technology.status.not_in(PUBLISHED_STATUSES))
        ).scalar()
    at = visit("pages/technology.py", reg_no=reg_no)
    heading = markup_problems(rendered_html(at.subheader[0].value))[1]
    assert heading == f"{reg_no} · {title}\n"
    assert "Adoptions into city projects" in page_text(at)
    for missing in (under_review, "NO-SUCH-1", "' OR 1=1 --"):
        at = visit("pages/technology.py", reg_no=missing)
        assert "There is no registered technology" in page_text(at)
        assert not at.subheader


def test_figures_with_their_date(app_env: str) -> None:
    at = visit("pages/figures.py", as_of="2019-08-08")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Experts registered"] == "817"
    assert metrics["Technologies registered"] == "305"
    assert "The figures as they stood on 8 Aug 2019." in page_text(at)


def test_pages_in_korean(app_env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NTP_LANG", "ko")
    at = visit("pages/figures.py", as_of="2019-08-08")
    assert any(m.value == "817" for m in at.metric)
    assert "Experts registered" not in page_text(at)
    at.switch_page("pages/catalogue.py").run()
    assert not at.exception
    assert "Registration number" not in at.dataframe[0].value.columns


def test_open_data_files(app_env: str) -> None:
    at = visit("pages/open_data.py")
    text = page_text(at)
    assert "Korea Open Government Licence" in text
    assert "Date of update" in text
    files = public_ui.build_files()
    assert set(files) == {
        "catalogue.csv",
        "catalogue.json",
        "catalogue-dictionary.csv",
        "figures.csv",
        "figures.json",
        "figures-dictionary.csv",
    }
    header = files["catalogue.csv"].decode("utf-8-sig").splitlines()[0].split(",")
    assert header == [key for key, _n, _d in public_ui.CATALOGUE_DICTIONARY]
    doc = json.loads(files["catalogue.json"])
    assert doc["licence"]["url"] == public_ui.LICENCE_URL
    assert {c["column"] for c in doc["columns"]} == set(header)
    assert all(c["name_ko"] and c["name_en"] for c in doc["columns"])
    assert doc["records"] and set(doc["records"][0]) == set(header)
    figures = json.loads(files["figures.json"])
    assert {r["figure"] for r in figures["records"]} >= {"experts", "technologies"}
    keys = {b.proto.id.split("-")[-1] for b in at.get("download_button")}
    assert keys  # stable download buttons on the page


@pytest.fixture
def planted(app_env: str) -> Iterator[str]:
    """The app's database with secrets in every unpublished field and markup and formula
    payloads in published titles."""
    engine = make_engine(app_env)
    with Session(engine) as s, s.begin():
        plant(s)
        ids = s.execute(
            select(Technology.id)
            .where(Technology.status == "registered")
            .order_by(Technology.registered_on.desc(), Technology.id.desc())
            .limit(len(XSS) + len(FORMULA))
        ).scalars()
        for tech_id, payload in zip(ids, XSS + FORMULA, strict=False):
            s.execute(
                update(Technology)
                .where(Technology.id == tech_id)
                .values(title_en=payload[:300], title_ko=payload[:300], reg_no=f"XSS-{tech_id}")
            )
    engine.dispose()
    yield app_env


def _no_live_markup(at: AppTest) -> None:
    """No element's Markdown renders to anything that could run script."""
    for kind in ("markdown", "caption", "title", "subheader", "info", "warning", "error"):
        for el in getattr(at, kind):
            problems, _text = markup_problems(rendered_html(str(el.value)))
            assert not problems, (kind, el.value, problems)


def test_secrets_and_payloads_reach_no_public_page_or_file(
    planted: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    offered = capture_downloads(monkeypatch)
    seen: list[str] = []
    at = visit("pages/catalogue.py")
    seen.append(all_text(at))
    _no_live_markup(at)
    with Session(make_engine(planted)) as s:
        xss = (
            s.execute(select(Technology.reg_no).where(Technology.reg_no.like("XSS-%")))
            .scalars()
            .all()
        )
    assert xss
    for reg_no in xss:
        at = visit("pages/technology.py", reg_no=reg_no)
        _no_live_markup(at)
        seen.append(all_text(at))
    for path in ("pages/figures.py", "pages/open_data.py"):
        at = visit(path)
        if path == "pages/open_data.py":
            at.button(key="open_prepare").click().run()
            assert not at.exception, at.exception
        _no_live_markup(at)
        seen.append(all_text(at))
    assert {"catalogue.csv", "catalogue.json", "figures.csv"} <= set(offered)
    for name, body in offered.items():
        if name.endswith(".xlsx"):  # a zip of XML parts
            with zipfile.ZipFile(io.BytesIO(body)) as z:
                seen += [z.read(n).decode("utf-8") for n in z.namelist()]
            continue
        text = body.decode("utf-8-sig")
        seen.append(text)
        if name.endswith(".csv"):
            for row in csv.reader(io.StringIO(text)):
                for cell in row:
                    assert not cell.lstrip().startswith(FORMULA_TRIGGERS), (name, cell)
    everything = "\n".join(seen)
    assert SECRET not in everything
    assert "example.invalid" not in everything
